/**
 * What the nodes receive, checked by the real tools: user data by cloud-init's schema validator
 * (and its JSON schema's known keys, since the validator lets an unknown top-level key through),
 * every rendered shell script by shellcheck, and cluster.conf by git's config parser. The tools come
 * from Debian packages that .ci/run installs, so a missing tool fails in CI; elsewhere the tests
 * skip with the package to install.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { canonicalJson, resolveAddresses, type TopologyPlan } from "../components/plan";
import type { NodeConfig } from "../components/profiles";
import { byType, type ProgramRun } from "../tools/harness";
import { listStacks } from "../tools/stackfile";
import { haConfig, plan } from "./fixtures";
import { run } from "./program";
import { stackConfig } from "./stacks";

function requireTool(ctx: Mocha.Context, command: string, debianPackage: string): void {
    if (spawnSync("sh", ["-c", `command -v ${command}`]).status === 0) return;
    const why = `${command} is not installed: apt-get install ${debianPackage} (.ci/run does)`;
    if (process.env.CI) throw new Error(why);
    console.log(`      skipping: ${why}`);
    ctx.skip();
}

function tool(command: string, args: readonly string[], input?: string): { status: number | null; output: string } {
    const r = spawnSync(command, args, { encoding: "utf8", input });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const STACKS = listStacks();

/** A script for shellcheck, with its dialect and the name a failing test shows. */
interface Script {
    readonly name: string;
    readonly shell: "bash" | "sh";
    readonly text: string;
}
const bash = (name: string, text: string): Script => ({ name, shell: "bash", text });

interface ShellcheckFindings {
    /** shellcheck's findings for a script of the run (`line:column: level: message [SCnnnn]`, one a line); "" when none. */
    of(script: Script): string;
}

/**
 * Checks many scripts with one shellcheck process per dialect instead of one per script (about 60
 * processes a run): each distinct script is a file of its own, and each finding of `--format=gcc`
 * (`file:line:column: level: message [SCnnnn]`) goes back to its script by the file name, so a
 * failing test still names the script it is about.
 */
function shellcheckAll(dir: string, scripts: readonly Script[]): ShellcheckFindings {
    const fileOf = new Map<string, string>(); // dialect and text -> file
    const found = new Map<string, string[]>(); // file -> its findings
    const key = (s: Script) => `${s.shell}\0${s.text}`;
    for (const shell of ["bash", "sh"] as const) {
        const texts = [...new Set(scripts.filter((s) => s.shell === shell).map((s) => s.text))];
        mkdirSync(join(dir, shell), { recursive: true });
        const files = texts.map((text, i) => {
            const file = join(dir, shell, String(i));
            writeFileSync(file, text);
            fileOf.set(key({ name: "", shell, text }), file);
            found.set(file, []);
            return file;
        });
        if (files.length === 0) continue;
        const r = spawnSync("shellcheck", [`--shell=${shell}`, "--format=gcc", ...files], { encoding: "utf8" });
        // 0: no findings, 1: findings; anything else (a file it could not read, a bad option) is no verdict.
        assert.ok(r.status === 0 || r.status === 1, `shellcheck exited with ${r.status}: ${r.stderr}`);
        for (const line of r.stdout.split("\n").filter((l) => l !== "")) {
            const m = /^(.+?):(\d+:\d+: .*)$/.exec(line);
            const list = m ? found.get(m[1]) : undefined;
            assert.ok(m && list, `shellcheck printed a line about no script of the run: ${line}`);
            list.push(m[2]);
        }
        const anyFinding = files.some((f) => found.get(f)!.length > 0);
        assert.equal(r.status === 1, anyFinding, `shellcheck's exit status ${r.status} disagrees with its findings:\n${r.stdout}`);
    }
    return {
        of: (s) => {
            const file = fileOf.get(key(s));
            assert.ok(file, `${s.name} was not in the shellcheck run`);
            return found.get(file)!.join("\n");
        },
    };
}

interface CloudInitValidation {
    /** cloud-init's package directory (where its JSON schema is). */
    readonly package: string;
    /** Per file: null when valid, else the validator's message. */
    readonly files: Record<string, string | null>;
}

/**
 * Validates cloud-config files with the function `cloud-init schema --config-file FILE` calls
 * (`validate_cloudconfig_file(FILE, get_schema())` in `handle_schema_args`, cloudinit/config/schema.py),
 * all in one run of the Python that runs cloud-init (its shebang): the command takes one file, and
 * each run starts a Python interpreter that imports cloud-init (about 0.35 s of CPU).
 */
function validateCloudConfigs(files: readonly string[]): CloudInitValidation {
    const cloudInit = tool("sh", ["-c", "command -v cloud-init"]).output.trim();
    const python = readFileSync(cloudInit, "utf8")
        .split("\n")[0]
        .replace(/^#!\s*/, "")
        .split(" ")[0];
    const script = [
        "import contextlib, io, json, os, sys, cloudinit",
        "from cloudinit.config.schema import SchemaValidationError, get_schema, validate_cloudconfig_file",
        "schema, files = get_schema(), {}",
        "for f in sys.argv[1:]:",
        "    printed = io.StringIO()", // it prints the schema deprecations, which are not errors
        "    try:",
        "        with contextlib.redirect_stdout(printed):",
        "            validate_cloudconfig_file(f, schema)",
        "        files[f] = None",
        "    except (SchemaValidationError, RuntimeError) as e:",
        '        files[f] = str(e) + "\\n" + printed.getvalue()',
        "print(json.dumps({'package': os.path.dirname(cloudinit.__file__), 'files': files}))",
    ].join("\n");
    const r = spawnSync(python, ["-c", script, ...files], { encoding: "utf8" });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    const result = JSON.parse(r.stdout) as CloudInitValidation;
    assert.deepEqual(Object.keys(result.files), files, "a verdict for every file");
    return result;
}

/** Every example stack planned, with the rendered configs resolved to fixed addresses. */
function resolvedConfigs(): { stack: string; node: string; config: NodeConfig; script: string }[] {
    return STACKS.flatMap((stack) => {
        const p: TopologyPlan = plan(stackConfig(stack), stack);
        const addresses = Object.fromEntries(p.nodes.map((n, i) => [n.key, `10.1.${i}.${10 + i}`]));
        return p.replication.documents.map((d) => ({
            stack,
            node: d.node,
            config: JSON.parse(resolveAddresses(canonicalJson(d.config), addresses)) as NodeConfig,
            script: resolveAddresses(d.script, addresses),
        }));
    });
}

describe("rendered files, checked by the real tools", function () {
    let dir: string;
    const runs: Record<string, ProgramRun> = {};
    before(async () => {
        dir = mkdtempSync(join(tmpdir(), "rendered-"));
        for (const stack of STACKS) runs[stack] = await run(stackConfig(stack), stack);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const userData = () =>
        STACKS.flatMap((stack) =>
            byType(runs[stack], "aws:ec2/instance:Instance").map((i) => ({ name: `${stack}/${i.name}`, text: String(i.inputs.userData) })),
        );

    it("covers every example stack, the profiles' ones included", () => {
        for (const s of ["dev", "prod", "ghes-ha", "ghes-cluster", "cloudify"]) assert.ok(STACKS.includes(s), s);
    });

    describe("cloud-init", function () {
        /** Every node's user data and one the schema forbids, as files, validated in `before`. */
        const files: { name: string; file: string }[] = [];
        let validated: CloudInitValidation;
        before(function () {
            requireTool(this, "cloud-init", "cloud-init");
            mkdirSync(join(dir, "cloud-init"));
            for (const [i, u] of [...userData(), { name: "bad", text: "#cloud-config\nwrite_files: 5\n" }].entries()) {
                files.push({ name: u.name, file: join(dir, "cloud-init", `${i}.yaml`) });
                writeFileSync(files[i].file, u.text);
            }
            validated = validateCloudConfigs(files.map((f) => f.file));
        });

        it("accepts each node's user data (`cloud-init schema --config-file`)", () => {
            const nodes = files.filter((f) => f.name !== "bad");
            assert.ok(
                STACKS.every((stack) => nodes.some((f) => f.name.startsWith(`${stack}/`))),
                "every stack's nodes are validated",
            );
            for (const f of nodes) assert.equal(validated.files[f.file], null, `${f.name}: ${validated.files[f.file]}`);
            // The command itself once (on the first node): what the validator above is called by.
            const r = tool("cloud-init", ["schema", "--config-file", nodes[0].file]);
            assert.equal(r.status, 0, `${nodes[0].name}: ${r.output}`);
        });

        it("rejects a user data the schema forbids, so the check above can fail", () => {
            assert.match(validated.files[files.at(-1)!.file] ?? "", /^Cloud config schema errors: write_files: 5 is not of type 'array'/);
        });

        it("uses only top-level keys cloud-init's JSON schema defines", () => {
            const schemaFile = join(validated.package, "config", "schemas", "schema-cloud-config-v1.json");
            const schema = JSON.parse(readFileSync(schemaFile, "utf8")) as {
                $defs: Record<string, { properties?: Record<string, unknown> }>;
                allOf: { $ref: string }[];
            };
            const known = new Set(schema.allOf.flatMap((r) => Object.keys(schema.$defs[r.$ref.replace("#/$defs/", "")]?.properties ?? {})));
            assert.ok(known.has("write_files") && known.has("runcmd") && !known.has("write_file"));
            for (const u of userData()) {
                for (const key of Object.keys(parse(u.text) as object)) assert.ok(known.has(key), `${u.name}: unknown key ${key}`);
            }
        });
    });

    describe("shellcheck", function () {
        /** Every script of the tests below by dialect, from one shellcheck run per dialect (filled in `before`). */
        let findings: ShellcheckFindings;
        const userDataScripts = () =>
            userData().flatMap((u) =>
                (parse(u.text) as { write_files: { path: string; content: string }[] }).write_files.map((f) =>
                    bash(`${u.name} ${f.path}`, f.content),
                ),
            );
        const applyDocumentCommands = () =>
            STACKS.map((stack) => {
                const doc = byType(runs[stack], "aws:ssm/document:Document").find((d) => d.name.endsWith("-repl-apply"))!;
                const content = JSON.parse(String(doc.inputs.content)) as TopologyPlan["replication"]["applyDocument"];
                const commands = content.mainSteps[0].inputs.runCommand.join("\n").replaceAll("{{ node }}", "node-1");
                return { name: stack, shell: "sh" as const, text: commands };
            });
        const configScripts = () =>
            STACKS.flatMap((stack) =>
                byType(runs[stack], "aws:ssm/parameter:Parameter")
                    .filter((x) => x.name.endsWith("-config"))
                    .map((p) => bash(`${stack}/${p.name}`, String(p.inputs.value))),
            );
        const automaticFailoverScripts = () =>
            plan(haConfig({ failover: "automatic", loadBalancer: { kind: "nlb" } })).replication.documents.flatMap((d) => [
                bash(`${d.node} config script`, d.script),
                ...d.config.files.filter((x) => x.content.startsWith("#!")).map((f) => bash(`${d.node} ${f.path}`, f.content)),
            ]);
        const renderedScripts = () =>
            resolvedConfigs().flatMap((c) =>
                c.config.files.filter((f) => f.content.startsWith("#!")).map((f) => bash(`${c.stack}/${c.node} ${f.path}`, f.content)),
            );
        const BROKEN = bash("a broken script", "#!/bin/bash\nrm -rf $1/*\n");

        before(function () {
            requireTool(this, "shellcheck", "shellcheck");
            const all = [userDataScripts, applyDocumentCommands, configScripts, automaticFailoverScripts, renderedScripts].flatMap((f) =>
                f(),
            );
            findings = shellcheckAll(join(dir, "shellcheck"), [...all, BROKEN]);
        });
        const assertClean = (scripts: readonly Script[]) => {
            for (const s of scripts) assert.equal(findings.of(s), "", `${s.name}:\n${findings.of(s)}`);
        };

        it("passes the apply script in every node's user data", () => {
            assertClean(userDataScripts());
        });

        it("passes the commands of every stack's SSM apply document, as POSIX sh (the agent may run them with sh)", () => {
            const scripts = applyDocumentCommands();
            assert.equal(scripts.length, STACKS.length);
            assertClean(scripts);
        });

        it("passes every node's configuration script, as stored in SSM", () => {
            const scripts = configScripts();
            assert.ok(scripts.length >= 13, `${scripts.length} scripts`);
            assertClean(scripts);
        });

        it("passes the node script and heartbeat loop of automatic failover behind a load balancer", () => {
            assertClean(automaticFailoverScripts());
        });

        it("passes every rendered file that is a script (the GHES promotion runbook)", () => {
            const scripts = renderedScripts();
            assert.ok(
                scripts.some((s) => s.name.startsWith("ghes-ha/ghe-1 ")),
                "the primary's runbook is checked",
            );
            assertClean(scripts);
        });

        it("flags a broken script in the same run, naming it, so the checks above can fail", () => {
            assert.match(findings.of(BROKEN), /^2:8: warning: Use "\$\{var:\?\}" to ensure this never expands to \/\* \. \[SC2115\]$/m);
        });
    });

    describe("git config", function () {
        before(function () {
            requireTool(this, "git", "git");
        });

        it("parses the GHES cluster.conf keys the stack owns into the masters, the datacenter and each node's settings", () => {
            const confs = resolvedConfigs()
                .filter((c) => c.stack === "ghes-cluster")
                .flatMap((c) => c.config.files.filter((f) => f.path.endsWith("/cluster.conf.stack")).map((f) => f.content));
            assert.equal(confs.length, 1, "only the MySQL primary holds the stack's cluster.conf keys");
            const file = join(dir, "cluster.conf");
            writeFileSync(file, confs[0]);
            const r = tool("git", ["config", "-f", file, "--list"]);
            assert.equal(r.status, 0, r.output);
            const entries = r.output.trim().split("\n");
            assert.deepEqual(entries.slice(0, 3), [
                "cluster.mysql-master=ghe-data-1",
                "cluster.redis-master=ghe-data-1",
                "cluster.primary-datacenter=default",
            ]);
            assert.deepEqual(
                entries.filter((e) => e.startsWith("cluster.ghe-app-1.")),
                [
                    "cluster.ghe-app-1.hostname=ghe-app-1",
                    "cluster.ghe-app-1.ipv4=10.1.0.10",
                    "cluster.ghe-app-1.consul-datacenter=default",
                    "cluster.ghe-app-1.datacenter=default",
                    "cluster.ghe-app-1.web-server=true",
                    "cluster.ghe-app-1.job-server=true",
                    "cluster.ghe-app-1.memcache-server=true",
                ],
            );
            assert.equal(tool("git", ["config", "-f", file, "--bool", "cluster.ghe-data-3.mysql-server"]).output.trim(), "true");
            assert.equal(entries.filter((e) => e.endsWith(".hostname=" + e.split(".")[1])).length, 5);
        });

        it("rejects a malformed file, so the check above can fail", () => {
            const file = join(dir, "bad.conf");
            writeFileSync(file, '[cluster "unterminated]\n  a = b\n');
            assert.notEqual(tool("git", ["config", "-f", file, "--list"]).status, 0);
        });
    });
});
