/**
 * What the nodes receive, checked by the real tools: user data by cloud-init's schema validator
 * (and its JSON schema's known keys, since the validator lets an unknown top-level key through),
 * every rendered shell script by shellcheck, and cluster.conf by git's config parser. The tools come
 * from Debian packages that .ci/run installs, so a missing tool fails in CI; elsewhere the tests
 * skip with the package to install.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
        before(function () {
            requireTool(this, "cloud-init", "cloud-init");
        });

        it("accepts each stack's user data (`cloud-init schema --config-file`)", () => {
            // Nodes of one stack differ only in their parameter names (plan.test.ts), so one per stack
            // covers the structure; each validator run starts a Python interpreter.
            const firstPerStack = STACKS.map((stack) => userData().find((u) => u.name.startsWith(`${stack}/`))!);
            assert.equal(firstPerStack.length, STACKS.length);
            for (const u of firstPerStack) {
                const file = join(dir, "user-data.yaml");
                writeFileSync(file, u.text);
                const r = tool("cloud-init", ["schema", "--config-file", file]);
                assert.equal(r.status, 0, `${u.name}: ${r.output}`);
            }
        });

        it("rejects a user data the schema forbids, so the check above can fail", () => {
            const file = join(dir, "bad.yaml");
            writeFileSync(file, "#cloud-config\nwrite_files: 5\n");
            assert.notEqual(tool("cloud-init", ["schema", "--config-file", file]).status, 0);
        });

        it("uses only top-level keys cloud-init's JSON schema defines", () => {
            // Ask the Python that runs cloud-init (its shebang) where the package and its schema are.
            const cloudInit = tool("sh", ["-c", "command -v cloud-init"]).output.trim();
            const python = readFileSync(cloudInit, "utf8")
                .split("\n")[0]
                .replace(/^#!\s*/, "")
                .split(" ")[0];
            const located = tool(python, ["-c", "import cloudinit, os; print(os.path.dirname(cloudinit.__file__))"]);
            assert.equal(located.status, 0, located.output);
            const schemaFile = join(located.output.trim(), "config", "schemas", "schema-cloud-config-v1.json");
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
        before(function () {
            requireTool(this, "shellcheck", "shellcheck");
        });
        const check = (name: string, script: string) => {
            const r = tool("shellcheck", ["--shell=bash", "-"], script);
            assert.equal(r.status, 0, `${name}:\n${r.output}`);
        };

        it("passes the apply script in every node's user data", () => {
            for (const u of userData()) {
                const files = (parse(u.text) as { write_files: { path: string; content: string }[] }).write_files;
                for (const f of files) check(`${u.name} ${f.path}`, f.content);
            }
        });

        it("passes the commands of every stack's SSM apply document, as POSIX sh (the agent may run them with sh)", () => {
            for (const stack of STACKS) {
                const doc = byType(runs[stack], "aws:ssm/document:Document").find((d) => d.name.endsWith("-repl-apply"))!;
                const content = JSON.parse(String(doc.inputs.content)) as TopologyPlan["replication"]["applyDocument"];
                const commands = content.mainSteps[0].inputs.runCommand.join("\n").replaceAll("{{ node }}", "node-1");
                const r = tool("shellcheck", ["--shell=sh", "-"], commands);
                assert.equal(r.status, 0, `${stack}:\n${r.output}`);
            }
        });

        it("passes every node's configuration script, as stored in SSM", () => {
            let count = 0;
            for (const stack of STACKS) {
                for (const p of byType(runs[stack], "aws:ssm/parameter:Parameter").filter((x) => x.name.endsWith("-config"))) {
                    check(`${stack}/${p.name}`, String(p.inputs.value));
                    count++;
                }
            }
            assert.ok(count >= 13, `${count} scripts`);
        });

        it("passes the node script and heartbeat loop of automatic failover behind a load balancer", () => {
            const p = plan(haConfig({ failover: "automatic", loadBalancer: { kind: "nlb" } }));
            for (const d of p.replication.documents) {
                check(`${d.node} config script`, d.script);
                for (const f of d.config.files.filter((x) => x.content.startsWith("#!"))) check(`${d.node} ${f.path}`, f.content);
            }
        });

        it("passes every rendered file that is a script (the GHES promotion runbook)", () => {
            const scripts = resolvedConfigs().flatMap((c) =>
                c.config.files
                    .filter((f) => f.content.startsWith("#!"))
                    .map((f) => ({ name: `${c.stack}/${c.node} ${f.path}`, text: f.content })),
            );
            assert.ok(
                scripts.some((s) => s.name.startsWith("ghes-ha/ghe-1 ")),
                "the primary's runbook is checked",
            );
            for (const s of scripts) check(s.name, s.text);
        });

        it("flags a broken script, so the checks above can fail", () => {
            assert.notEqual(tool("shellcheck", ["--shell=bash", "-"], "#!/bin/bash\nrm -rf $1/*\n").status, 0);
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
