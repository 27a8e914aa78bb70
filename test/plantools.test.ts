/**
 * Issue 14 point 5, the plan tool in a new user's first hour: `--json` prints only JSON (errors
 * included), `--diff --fail-on` fails CI on the listed kinds of change, the diff calls out an ignored
 * AMI change and a replaced primary, and the plan and diff show each node's script and replication
 * document with only secret values redacted.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProgramRun } from "../tools/harness";
import { EXIT_FAIL_ON, formatPlan, type JsonFailure, main, npmBannerWarning, planJson } from "../tools/plan";
import { failOnHits, parseFailOn } from "../tools/failon";
import { formatPlanDiff, planDiff } from "../tools/plandiff";
import { nodeDocuments, redactSecrets, SECRET_PLACEHOLDER, secretValues, textDiffLines } from "../tools/planview/documents";
import { clusterConfig, haConfig } from "./fixtures";
import { earlyAnswer, isPlanCommand } from "../tools/plan-args";
import { importGraph } from "./import-graph";
import { startProcess } from "./processes";
import { run } from "./program";

const PROJECT = path.join(__dirname, "..");
const ORIGINAL_ERROR = console.error;

/** The CLI in process: exit code, stdout, stderr. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out = { code: 0, stdout: "", stderr: "" };
    out.code = await main(argv, { stdout: (s) => (out.stdout += s), stderr: (s) => (out.stderr += s) });
    return out;
}

/** The join secret's real value in a run (the SecureString parameter's input). */
function joinSecret(r: ProgramRun): string {
    const p = r.resources.find((x) => x.type === "aws:ssm/parameter:Parameter" && x.inputs.type === "SecureString")!;
    assert.equal(typeof p.inputs.value, "string");
    assert.ok((p.inputs.value as string).length >= 20, "the mock join secret is a real random password");
    return p.inputs.value as string;
}

describe("plan --json: only JSON on stdout, errors included", function () {
    this.timeout(120_000);

    it("a usage error is a JSON failure on stdout with exit code 2, nothing on stderr", async () => {
        const r = await cli("dev", "--json", "--bogus");
        assert.equal(r.code, 2);
        assert.equal(r.stderr, "");
        assert.deepEqual(JSON.parse(r.stdout) as JsonFailure, { ok: false, exitCode: 2, problems: ["unknown option --bogus"] });
    });

    it("a missing stack file and a bad --fail-on are JSON failures too", async () => {
        const missing = await cli("no-such-stack-9c1", "--json");
        assert.equal(missing.code, 1);
        const doc = JSON.parse(missing.stdout) as JsonFailure;
        assert.equal(doc.ok, false);
        assert.match(doc.problems[0], /no-such-stack-9c1/);
        const badKind = await cli("dev", "--diff", "HEAD", "--fail-on", "replace,explode", "--json");
        assert.equal(badKind.code, 2);
        assert.match((JSON.parse(badKind.stdout) as JsonFailure).problems[0], /--fail-on "replace,explode": expected .*replace, delete/);
        const noDiff = await cli("dev", "--fail-on", "delete", "--json");
        assert.deepEqual((JSON.parse(noDiff.stdout) as JsonFailure).problems, ["--fail-on needs --diff <git-ref>"]);
    });

    it("says on stderr, under `npm run` without -s, that npm's banner is above the JSON (npm writes it to stdout)", () => {
        const argv = ["dev", "--json"];
        assert.match(npmBannerWarning(argv, { npm_lifecycle_event: "plan" }) ?? "", /banner on stdout.*npm run -s plan/);
        assert.equal(npmBannerWarning(argv, { npm_lifecycle_event: "plan", npm_config_loglevel: "silent" }), undefined);
        assert.equal(npmBannerWarning(argv, {}), undefined);
        assert.equal(npmBannerWarning(["dev"], { npm_lifecycle_event: "plan" }), undefined);
    });

    it("an invalid config lists every problem by key path in the JSON, without the text banner", async () => {
        const r = await cli("--config-file", path.join(PROJECT, "test/invalid-configs/cidr-prefix-too-long.yaml"), "--json");
        assert.equal(r.code, 1);
        assert.equal(r.stderr, "");
        const doc = JSON.parse(r.stdout) as JsonFailure;
        assert.ok(doc.problems.length >= 1);
        assert.ok(
            doc.problems.some((p) => p.startsWith("ha-service:access.clientCidrs[0]: ") && p.includes('(got "10.0.0.0/33")')),
            doc.problems.join("\n"),
        );
        for (const p of doc.problems) assert.match(p, /^ha-service:[\w.[\]-]+: /, p);
        assert.ok(!doc.problems.some((p) => p.startsWith("Invalid config")), "the key-path lines, not the text summary");
    });

    it("without --json errors stay text on stderr and stdout stays empty", async () => {
        const r = await cli("dev", "--bogus");
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^unknown option --bogus\nusage: npm run plan/);
    });

    it("a program that logs during a --json run: its console.log goes to stderr, stdout holds only the JSON", async () => {
        const out = { stdout: "", stderr: "" };
        const saved = console.log;
        const logged: string[] = [];
        console.error = (...a: unknown[]) => void logged.push(a.join(" "));
        try {
            const program = () => {
                console.log("noise from the program");
                return { topology: "ha" };
            };
            const code = await main(["dev", "--json", "--stack-dir", path.join(PROJECT, "stacks")], {
                stdout: (s) => (out.stdout += s),
                stderr: (s) => (out.stderr += s),
                program,
            });
            assert.equal(code, 0, out.stderr);
        } finally {
            console.error = ORIGINAL_ERROR;
        }
        assert.equal(console.log, saved, "console.log is restored");
        assert.equal(JSON.parse(out.stdout).topology, "ha");
        assert.ok(logged.includes("noise from the program"), "the program's console.log went to stderr");
        assert.ok(!out.stdout.includes("noise"));
    });

    it("`npm run -s plan -- <stack> --json` prints the tool's JSON and nothing else, for a plan and for an error", async () => {
        // Both at once (test/processes.ts): each is an npm and a tsx process.
        const [ok, r] = await Promise.all([
            startProcess("npm", ["run", "-s", "plan", "--", "dev", "--json"], PROJECT),
            startProcess("npm", ["run", "-s", "plan", "--", "dev", "--json", "--bogus"], PROJECT),
        ]);
        assert.equal(ok.status, 0, ok.stderr);
        assert.equal((JSON.parse(ok.stdout) as { stack: string }).stack, "dev");
        assert.equal(r.status, 2, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), { ok: false, exitCode: 2, problems: ["unknown option --bogus"] });
    });
});

describe("plan: what the arguments alone decide is answered before the SDK loads", () => {
    it("the command's early answer is main's answer, npm's banner note first", async () => {
        const npm = { npm_lifecycle_event: "plan" };
        for (const argv of [
            ["dev", "--json", "--bogus"],
            ["dev", "--bogus"],
            ["--help"],
            ["--json", "-h"],
            ["dev", "--fail-on", "delete"],
            ["--diff", "HEAD"],
            ["a", "b"],
        ]) {
            const early = earlyAnswer(argv, npm);
            assert.ok(early, argv.join(" "));
            const r = await cli(...argv);
            const note = argv.includes("--json") ? "note: npm printed its `> ... plan` banner" : "";
            assert.deepEqual([early.code, early.stdout], [r.code, r.stdout], argv.join(" "));
            assert.ok(early.stderr.startsWith(note) && early.stderr.endsWith(r.stderr), `${argv.join(" ")}: ${early.stderr}`);
            assert.equal(early.stderr.length, r.stderr.length + (note === "" ? 0 : npmBannerWarning(argv, npm)!.length));
        }
        assert.equal(earlyAnswer(["dev", "--json"], {}), undefined, "a plan to run is left to main");
        assert.equal(earlyAnswer(["dev", "--diff", "HEAD", "--fail-on", "delete"], {}), undefined);
    });

    it("is armed only in tools/plan.ts run as the command", () => {
        const tools = path.join(PROJECT, "tools");
        assert.equal(isPlanCommand({ filename: path.join(tools, "plan.ts") } as NodeJS.Module), true);
        assert.equal(isPlanCommand({ filename: path.join(tools, "plandiff.ts") } as NodeJS.Module), false);
        assert.equal(isPlanCommand({ filename: path.join(PROJECT, "node_modules", "mocha", "bin", "mocha.js") } as NodeJS.Module), false);
        assert.equal(isPlanCommand(undefined), false);
        assert.equal(isPlanCommand(require.main), false, "not in this test process");
    });

    it("tools/plan.ts imports tools/plan-args.ts right after the compile cache, and what that loads imports no @pulumi package", () => {
        const plan = fs.readFileSync(path.join(PROJECT, "tools/plan.ts"), "utf8");
        const imports = [...plan.matchAll(/^import .*?"([^"]+)";$/gms)].map((m) => m[1]);
        assert.deepEqual(imports.slice(0, 2), ["./compilecache", "./plan-args"]);
        // The modules it loads at run time (type-only imports are erased), read one by one from it.
        const loaded = new Set(["tools/plan-args.ts"]);
        for (const file of loaded) {
            for (const e of importGraph(PROJECT, [file])) if (!e.typeOnly) loaded.add(e.to);
        }
        assert.ok(loaded.has("tools/failon.ts") && loaded.has("tools/stackfile.ts"), [...loaded].join(", "));
        const sdk = [...loaded].filter((f) => /(from |require\()"@pulumi\//.test(fs.readFileSync(path.join(PROJECT, f), "utf8")));
        assert.deepEqual(sdk, [], `loaded before a usage error is answered: ${[...loaded].join(", ")}`);
    });
});

describe("plan --diff: failing CI and what it calls out", () => {
    it("parses --fail-on kinds and names the changes of those kinds", () => {
        assert.deepEqual(parseFailOn("replace,delete"), ["replace", "delete"]);
        assert.deepEqual(parseFailOn("delete, delete"), ["delete"]);
        assert.throws(
            () => parseFailOn("replaced"),
            /--fail-on "replaced": expected a comma-separated list of replace, delete, create, update/,
        );
        const d = {
            stack: "prod",
            ref: "main",
            header: {},
            replaced: [{ type: "aws:ec2/instance:Instance", name: "svc-app-a" }],
            deleted: [{ type: "aws:ebs/volume:Volume", name: "svc-app-b-data" }],
            created: [{ type: "aws:ssm/parameter:Parameter", name: "svc-repl-app-d" }],
            updated: [],
            unchanged: 3,
            warnings: [],
        };
        assert.deepEqual(failOnHits(d, ["replace", "delete"]), [
            "replace aws:ec2:Instance svc-app-a",
            "delete aws:ebs:Volume svc-app-b-data",
        ]);
        assert.deepEqual(failOnHits(d, ["update"]), []);
        assert.equal(EXIT_FAIL_ON, 3, "distinct from errors (1) and usage (2)");
    });

    it("an ignored AMI change says the running nodes keep the old AMI", async () => {
        const d = planDiff(await run(haConfig()), await run(haConfig({ ami: "ami-0fedcba9876543210" })), "base");
        assert.deepEqual([d.created, d.deleted, d.replaced, d.updated], [[], [], [], []], "instances ignore `ami`: no change in AWS");
        const ami = (d.callouts ?? []).filter((c) => /ami/.test(c));
        assert.deepEqual(ami, [
            "svc-node-1: ami ami-0123456789abcdef0 -> ami-0fedcba9876543210 is ignored (ignoreChanges): the running node keeps ami-0123456789abcdef0; only a node created or replaced later boots ami-0fedcba9876543210",
            "svc-node-2: ami ami-0123456789abcdef0 -> ami-0fedcba9876543210 is ignored (ignoreChanges): the running node keeps ami-0123456789abcdef0; only a node created or replaced later boots ami-0fedcba9876543210",
        ]);
        assert.match(formatPlanDiff(d), /\nnote: svc-node-1: ami ami-0123456789abcdef0 -> ami-0fedcba9876543210 is ignored/);
    });

    it("a replacement of the current primary is called out; of a replica it is not", async () => {
        const nodes = (replaceable: string) => ({
            "node-1": { zone: "us-east-1a", ...(replaceable === "node-1" ? { allowReplacement: true } : {}) },
            "node-2": { zone: "us-east-1b", ...(replaceable === "node-2" ? { allowReplacement: true } : {}) },
        });
        const diffFor = async (replaceable: string) => {
            const base = { nodeCount: undefined, nodes: nodes(replaceable), primary: "node-1" };
            return planDiff(await run(haConfig(base)), await run(haConfig({ ...base, ami: "ami-0fedcba9876543210" })), "base");
        };
        const primary = await diffFor("node-1");
        assert.ok(primary.replaced.some((i) => i.name === "svc-node-1" && i.type === "aws:ec2/instance:Instance"));
        const calls = (primary.callouts ?? []).filter((c) => /current primary/.test(c));
        assert.deepEqual(calls, [
            "svc-node-1 is replaced and belongs to the current primary node-1: the service is down until it is back; " +
                "promote another node first (set `primary` and apply), then replace this one as a replica",
        ]);
        const replica = await diffFor("node-2");
        assert.ok(replica.replaced.some((i) => i.name === "svc-node-2"));
        assert.deepEqual(
            (replica.callouts ?? []).filter((c) => /current primary/.test(c)),
            [],
        );
    });
});

describe("node documents in the plan and the diff, only the secret redacted", () => {
    it("the plan shows each node's script and replication document; the join secret never appears", async () => {
        const r = await run(clusterConfig());
        const secret = joinSecret(r);
        const docs = nodeDocuments(r);
        assert.deepEqual(
            docs.map((d) => [d.node, d.kind]),
            ["app-a", "app-b", "app-c"].flatMap((n) => [
                [n, "replication document"],
                [n, "configuration script"],
            ]),
        );
        const script = docs.find((d) => d.node === "app-a" && d.kind === "configuration script")!;
        assert.match(script.text, /^#!\/bin\/bash\n/);
        const text = formatPlan(r);
        const json = JSON.stringify(planJson(r));
        for (const line of script.text.split("\n").filter((l) => l.trim() !== "")) {
            assert.ok(text.includes(`    ${line}`), `the plan shows the script line ${line}`);
        }
        const document = JSON.parse(docs.find((d) => d.node === "app-b" && d.kind === "replication document")!.text);
        assert.equal(document.node, "app-b");
        assert.match(text, /"secretParameter": "\/ha-service\/test\/svc\/join-secret"/, "the document names the secret's parameter");
        for (const out of [text, json]) assert.ok(!out.includes(secret), "the join secret's value is never printed");
    });

    it("a secret value written into a document is replaced by the placeholder, the rest shown", async () => {
        const r = await run(haConfig());
        const secret = joinSecret(r);
        assert.ok(secretValues(r).has(secret), "the SecureString parameter's value is a known secret");
        const doc = r.resources.find(
            (x) => x.type === "aws:ssm/parameter:Parameter" && x.inputs.description === "Rendered configuration script of node-1",
        )!;
        doc.inputs.value = `${doc.inputs.value as string}\necho join ${secret}\n`;
        const shown = nodeDocuments(r).find((d) => d.node === "node-1" && d.kind === "configuration script")!;
        assert.ok(shown.text.endsWith(`\necho join ${SECRET_PLACEHOLDER}\n`), shown.text.slice(-200));
        assert.ok(!formatPlan(r).includes(secret));
        assert.equal(redactSecrets("a-xyz-b", new Set(["xy", "xyz"])), `a-${SECRET_PLACEHOLDER}-b`, "the longest secret first");
    });

    it("the diff of a promotion shows the document lines that change, not [secret] -> [secret]", async () => {
        const before = await run(haConfig({ primary: "node-1" }));
        const after = await run(haConfig({ primary: "node-2" }));
        const d = planDiff(before, after, "base");
        const param = d.updated.find((u) => u.name === "svc-repl-node-2" && u.type === "aws:ssm/parameter:Parameter")!;
        const change = param.changes!.find((c) => c.property === "value")!;
        assert.equal(JSON.parse(change.old as string).role, "replica");
        assert.equal(JSON.parse(change.new as string).role, "primary");
        const text = formatPlanDiff(d);
        const block = text.slice(text.indexOf("svc-repl-node-2\n"), text.indexOf("\n~", text.indexOf("svc-repl-node-2\n")));
        assert.match(block, /^svc-repl-node-2\n {6}value:\n/);
        assert.match(block, /\n {8}- {3}"role": "replica",/);
        assert.match(block, /\n {8}\+ {3}"role": "primary",/);
        assert.doesNotMatch(block, /\[secret\]/);
        for (const out of [text, JSON.stringify(d)]) {
            assert.ok(!out.includes(joinSecret(before)) && !out.includes(joinSecret(after)), "no secret value in the diff");
        }
    });

    it("a line diff lists removed then added lines, counting repeats", () => {
        assert.deepEqual(textDiffLines("a\nb\nb\nc", "a\nb\nd", "  "), ["  - b", "  - c", "  + d"]);
    });
});
