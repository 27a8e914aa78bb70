/**
 * The drift check (tools/drift.ts) on recorded engine output: test/fixtures/drift/*.jsonl hold the
 * engine events of a preview-only refresh and of a preview, one EngineEvent per line as
 * `pulumi ... --event-log` writes them and the Automation API hands them to `onEvent`
 * (@pulumi/pulumi/automation/events.d.ts): resourcePreEvent / resOutputsEvent with step metadata
 * (op, urn, type, old, new, diffs, detailedDiff), diagnosticEvent and summaryEvent. In a refresh the
 * engine reports each resource's outcome in its resOutputsEvent (op same / update / delete).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import {
    automationRunner,
    checkStack,
    collectPhase,
    describeError,
    driftReport,
    EXIT_CLEAN,
    EXIT_DRIFT,
    EXIT_ERROR,
    explainError,
    exitCode,
    formatJson,
    formatMarkdown,
    hasBackend,
    main,
    maskSecrets,
    MISSING_BACKEND,
    MISSING_CLI,
    onPath,
    parseDriftArgs,
    type StackRunner,
    stackReport,
} from "../tools/drift";
import { SECRET_SIG, SPECIAL_SIG_KEY } from "../tools/harness";

const FIXTURES = path.join(__dirname, "fixtures", "drift");
const events = (name: string): EngineEvent[] =>
    fs
        .readFileSync(path.join(FIXTURES, `${name}.jsonl`), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as EngineEvent);

const URN = {
    instance: "urn:pulumi:prod::ha-service::hatopo:compute:NodeGroup$aws:ec2/instance:Instance::svc-app-a",
    rule: "urn:pulumi:prod::ha-service::hatopo:net:SecurityGroups$aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::svc-sg-nodes-repl-tcp-7000",
    secret: "urn:pulumi:prod::ha-service::hatopo:replication:Replication$aws:ssm/parameter:Parameter::svc-repl-secret",
    dns: "urn:pulumi:prod::ha-service::hatopo:dns:DnsRecords$aws:route53/record:Record::svc-dns-service",
    newNode: "urn:pulumi:prod::ha-service::hatopo:compute:NodeGroup$aws:ec2/instance:Instance::svc-app-d",
    volume: "urn:pulumi:prod::ha-service::hatopo:compute:NodeGroup$aws:ebs/volume:Volume::svc-app-c-data",
};
/** Values inside secrets in the fixtures; they must never reach a report. */
const SECRET_VALUES = ["LEAKED-PLAINTEXT-must-not-print", "c2VjcmV0LWNpcGhlcnRleHQtc2hvdWxkLW5ldmVyLXByaW50"];

/** Replays recorded events; a phase given as an Error also fails like a CLI command would. */
function replay(stages: { refresh: string | Error; preview?: string | Error; refreshEvents?: string }): StackRunner & { calls: string[] } {
    const calls: string[] = [];
    const play = async (stage: string | Error | undefined, fixture: string | undefined, onEvent: (e: EngineEvent) => void) => {
        if (fixture) for (const e of events(fixture)) onEvent(e);
        if (stage instanceof Error) throw stage;
        if (stage === undefined) throw new Error("this phase should not have run");
        for (const e of events(stage)) onEvent(e);
    };
    return {
        calls,
        async previewRefresh(stack, onEvent) {
            calls.push(`refresh ${stack}`);
            await play(stages.refresh, stages.refreshEvents, onEvent);
        },
        async preview(stack, onEvent) {
            calls.push(`preview ${stack}`);
            await play(stages.preview, undefined, onEvent);
        },
    };
}

describe("drift: engine events -> drift", () => {
    it("a clean refresh and preview report nothing", () => {
        const refresh = collectPhase("refresh", events("clean.refresh"));
        const preview = collectPhase("preview", events("clean.preview"));
        assert.deepEqual(refresh, { phase: "refresh", drifted: [], summary: { same: 4 }, errors: [] });
        assert.deepEqual(preview, { phase: "preview", drifted: [], summary: { same: 4 }, errors: [] });
        assert.equal(stackReport("prod", [refresh, preview]).status, "clean");
    });

    it("a refresh reports what changed in the cloud: URN, type, operation, property, state and cloud values", () => {
        const r = collectPhase("refresh", events("drifted.refresh"));
        assert.deepEqual(r.summary, { same: 1, update: 2, delete: 1 });
        assert.deepEqual(r.errors, [], "a warning diagnostic is not an error");
        assert.deepEqual(
            r.drifted.map((d) => [d.urn, d.type, d.op]),
            [
                [URN.instance, "aws:ec2/instance:Instance", "update"],
                [URN.rule, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "delete"],
                [URN.secret, "aws:ssm/parameter:Parameter", "update"],
            ],
        );
        assert.ok(r.drifted.every((d) => d.phase === "refresh"));
        const [instance, rule, secret] = r.drifted;
        assert.deepEqual(instance.properties, [
            { path: "instanceType", kind: "update", old: "m6i.2xlarge", new: "m6i.4xlarge" },
            { path: "tags.Owner", kind: "update", old: "platform-team", new: "someone-else" },
        ]);
        assert.deepEqual(rule.properties, [], "a deleted resource has no property diff");
        assert.deepEqual(secret.properties, [{ path: "value", kind: "update", old: "[secret]", new: "[secret]" }]);
    });

    it("a preview reports what code and config would change, one entry per replaced resource", () => {
        const p = collectPhase("preview", events("drifted.preview"));
        assert.deepEqual(p.summary, { same: 2, update: 1, create: 1, replace: 1 });
        assert.deepEqual(
            p.drifted.map((d) => [d.urn, d.type, d.op]),
            [
                [URN.dns, "aws:route53/record:Record", "update"],
                [URN.newNode, "aws:ec2/instance:Instance", "create"],
                [URN.volume, "aws:ebs/volume:Volume", "replace"],
            ],
        );
        assert.deepEqual(p.drifted[0].properties, [{ path: "ttl", kind: "update", old: 300, new: 60 }]);
        assert.deepEqual(p.drifted[1].properties, []);
        assert.deepEqual(p.drifted[2].properties, [
            { path: "availabilityZone", kind: "update-replace", old: "us-east-1c", new: "us-east-1b" },
        ]);
    });

    it("engine errors make the phase (and the stack) an error, with colour tags removed", () => {
        const r = collectPhase("refresh", events("failed.refresh"));
        assert.deepEqual(r.drifted, []);
        assert.equal(r.errors.length, 1);
        assert.match(
            r.errors[0],
            /^error: pulumi:providers:aws resource 'default_7_48_0' has a problem: No valid credential sources found\./,
        );
        assert.ok(!r.errors[0].includes("<{%"), r.errors[0]);
        const s = stackReport("prod", [r]);
        assert.equal(s.status, "error");
        assert.deepEqual(s.errors, [`refresh: ${r.errors[0]}`]);
    });

    it("masks secret signature objects and the [secret] placeholder at any depth", () => {
        const secret = { [SPECIAL_SIG_KEY]: SECRET_SIG, plaintext: '"x"' };
        assert.deepEqual(maskSecrets({ a: secret, b: ["[secret]", 1], c: { d: "plain" } }), {
            a: "[secret]",
            b: ["[secret]", 1],
            c: { d: "plain" },
        });
    });
});

describe("drift: report, Markdown, JSON, exit codes", () => {
    const drifted = () =>
        stackReport("prod", [collectPhase("refresh", events("drifted.refresh")), collectPhase("preview", events("drifted.preview"))]);
    const clean = () =>
        stackReport("dev", [collectPhase("refresh", events("clean.refresh")), collectPhase("preview", events("clean.preview"))]);

    it("exit code: 0 clean, 2 drift, 1 when any stack could not be checked", () => {
        assert.equal(exitCode(driftReport([clean()])), EXIT_CLEAN);
        assert.equal(exitCode(driftReport([clean(), drifted()])), EXIT_DRIFT);
        const failed = stackReport("prod", [collectPhase("refresh", events("failed.refresh"))]);
        assert.equal(exitCode(driftReport([drifted(), failed])), EXIT_ERROR);
        assert.deepEqual([EXIT_CLEAN, EXIT_ERROR, EXIT_DRIFT], [0, 1, 2]);
    });

    it("Markdown lists every drifted resource with its properties, secrets masked", () => {
        const md = formatMarkdown(driftReport([clean(), drifted()]));
        const lines = md.split("\n");
        assert.ok(lines.includes("| dev | clean: no drift | 0 | 0 |"), md);
        assert.ok(lines.includes("| prod | DRIFT | 3 | 3 |"), md);
        assert.ok(lines.includes("### Stack `prod`: DRIFT"));
        assert.ok(lines.includes("#### cloud vs state (refresh preview)"));
        assert.ok(lines.includes("| resource | type | operation | property | in the state | in the cloud |"));
        assert.ok(lines.includes("| resource | type | operation | property | in the state | from code + config |"));
        assert.ok(lines.includes("#### state vs code and config (preview)"));
        assert.ok(
            lines.includes(
                "| `svc-app-a` | `aws:ec2/instance:Instance` | update | `tags.Owner` (update) | `platform-team` | `someone-else` |",
            ),
            md,
        );
        assert.ok(
            lines.includes("| `svc-repl-secret` | `aws:ssm/parameter:Parameter` | update | `value` (update) | `[secret]` | `[secret]` |"),
        );
        assert.ok(
            lines.includes("| `svc-sg-nodes-repl-tcp-7000` | `aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule` | delete | | | |"),
        );
        assert.ok(
            lines.includes(
                "| `svc-app-c-data` | `aws:ebs/volume:Volume` | replace | `availabilityZone` (update-replace) | `us-east-1c` | `us-east-1b` |",
            ),
        );
        assert.ok(lines.includes(`- \`${URN.instance}\``), "the full URN is listed");
        assert.ok(lines.includes("Exit code 2 (0 clean, 2 drift, 1 error)."));
        for (const s of SECRET_VALUES) assert.ok(!md.includes(s), `secret ${s} printed`);
        assert.ok(!lines.some((l) => l.startsWith("### Stack `dev`")), "clean stacks get no section");
    });

    it("JSON carries the same report and the exit code, secrets masked", () => {
        const text = formatJson(driftReport([drifted()]));
        for (const s of SECRET_VALUES) assert.ok(!text.includes(s), `secret ${s} printed`);
        const doc = JSON.parse(text);
        assert.equal(doc.status, "drift");
        assert.equal(doc.exitCode, 2);
        assert.equal(doc.stacks[0].stack, "prod");
        assert.deepEqual(
            doc.stacks[0].phases.map((p: { phase: string; drifted: unknown[] }) => [p.phase, p.drifted.length]),
            [
                ["refresh", 3],
                ["preview", 3],
            ],
        );
        assert.deepEqual(doc.stacks[0].phases[1].drifted[0], {
            phase: "preview",
            urn: URN.dns,
            type: "aws:route53/record:Record",
            op: "update",
            properties: [{ path: "ttl", kind: "update", old: 300, new: 60 }],
        });
    });
});

describe("drift: running a stack", () => {
    it("runs the refresh, then the preview, and reports both", async () => {
        const runner = replay({ refresh: "drifted.refresh", preview: "clean.preview" });
        const s = await checkStack("prod", runner);
        assert.deepEqual(runner.calls, ["refresh prod", "preview prod"]);
        assert.equal(s.status, "drift");
        assert.deepEqual(
            s.phases.map((p) => [p.phase, p.drifted.length]),
            [
                ["refresh", 3],
                ["preview", 0],
            ],
        );
    });

    it("stops after a failed refresh and says how to fix missing credentials", async () => {
        const failure = Object.assign(new Error("code: 255"), {
            stderr: "error: No valid credential sources found.\nError: failed to refresh cached credentials",
        });
        const runner = replay({ refresh: failure, refreshEvents: "failed.refresh" });
        const s = await checkStack("prod", runner);
        assert.deepEqual(runner.calls, ["refresh prod"], "no preview after a failed refresh");
        assert.equal(s.status, "error");
        assert.equal(s.errors.length, 2);
        assert.match(s.errors[0], /^refresh: error: No valid credential sources found\./);
        assert.match(s.errors[0], /\nhint: no usable AWS credentials: set AWS_PROFILE .*aws-actions\/configure-aws-credentials/);
        assert.match(s.errors[1], /^refresh: error: pulumi:providers:aws resource/);
    });

    it("a failed preview after a clean refresh is an error, not a clean stack", async () => {
        const s = await checkStack("prod", replay({ refresh: "clean.refresh", preview: new Error("preview failed") }));
        assert.equal(s.status, "error");
        assert.deepEqual(s.errors, ["preview: preview failed"]);
        assert.equal(
            (await checkStack("prod", replay({ refresh: "clean.refresh", preview: "failed.preview" }))).errors[0],
            "preview: error: Running program '/work/ha-service' failed with an unhandled exception:\nConfigError: stack prod: ha-service:nodes.app-b.zone: \"us-east-1x\" is not one of the network's zones (us-east-1a, us-east-1b, us-east-1c)",
        );
    });

    it("explains setup errors: backend token, passphrase, AWS credentials, unknown stack", () => {
        assert.match(
            explainError("error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions")!,
            /set PULUMI_ACCESS_TOKEN .*PULUMI_BACKEND_URL/,
        );
        assert.match(
            explainError("error: getting secrets manager: passphrase must be set with PULUMI_CONFIG_PASSPHRASE")!,
            /PULUMI_CONFIG_PASSPHRASE/,
        );
        assert.match(explainError("operation error STS: GetCallerIdentity, ExpiredToken: the token expired")!, /AWS credentials/);
        assert.match(explainError("error: no stack named 'prod' found")!, /does not exist in this backend/);
        assert.equal(explainError("error: something else"), undefined);
        assert.equal(describeError(new Error("plain failure")), "plain failure");
        assert.equal(
            describeError({ message: "failed", commandResult: { stderr: "error: PULUMI_ACCESS_TOKEN must be set" } }),
            "error: PULUMI_ACCESS_TOKEN must be set\nhint: no Pulumi backend credentials: set PULUMI_ACCESS_TOKEN (Pulumi Cloud), or PULUMI_BACKEND_URL (for example s3://bucket) for a self-managed backend, or run `pulumi login`.",
        );
    });
});

describe("drift CLI", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-cli-"));
        fs.mkdirSync(path.join(dir, "stacks"));
        for (const s of ["dev", "prod"]) fs.writeFileSync(path.join(dir, "stacks", `Pulumi.${s}.yaml`), "config: {}\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    async function cli(argv: string[], runner?: StackRunner, env: NodeJS.ProcessEnv = {}) {
        let out = "";
        let err = "";
        const code = await main([...argv, "--stack-dir", path.join(dir, "stacks")], {
            stdout: (s) => (out += s),
            stderr: (s) => (err += s),
            env,
            runner,
        });
        return { code, out, err };
    }

    it("parses its arguments", () => {
        assert.deepEqual(parseDriftArgs(["dev", "prod", "--json", "--org", "acme"]), {
            stacks: ["dev", "prod"],
            all: false,
            json: true,
            list: false,
            stackDir: "stacks",
            org: "acme",
            help: false,
        });
        assert.throws(() => parseDriftArgs(["--org"]), /--org needs a value/);
        assert.throws(() => parseDriftArgs(["--bogus"]), /unknown option --bogus/);
    });

    it("--list prints the stack files' names as JSON (the CI matrix)", async () => {
        const res = await cli(["--list"]);
        assert.equal(res.code, 0);
        assert.deepEqual(JSON.parse(res.out), ["dev", "prod"]);
    });

    it("exits 0 when every stack is clean", async () => {
        const res = await cli(["--all"], replay({ refresh: "clean.refresh", preview: "clean.preview" }));
        assert.equal(res.code, 0, res.err);
        assert.match(res.out, /^## Drift check\n/);
        assert.ok(res.out.includes("| dev | clean: no drift | 0 | 0 |\n| prod | clean: no drift | 0 | 0 |"));
    });

    it("exits 2 on drift, writes JSON with --json and appends Markdown to $GITHUB_STEP_SUMMARY", async () => {
        const summary = path.join(dir, "summary.md");
        fs.writeFileSync(summary, "earlier step\n");
        const res = await cli(["prod", "--json"], replay({ refresh: "drifted.refresh", preview: "drifted.preview" }), {
            GITHUB_STEP_SUMMARY: summary,
        });
        assert.equal(res.code, 2, res.err);
        assert.equal(JSON.parse(res.out).exitCode, 2);
        const written = fs.readFileSync(summary, "utf8");
        assert.ok(written.startsWith("earlier step\n## Drift check\n"), written.slice(0, 80));
        assert.ok(written.includes("| prod | DRIFT | 3 | 3 |"));
        for (const s of SECRET_VALUES) assert.ok(!written.includes(s) && !res.out.includes(s));
    });

    it("exits 1 when a stack errors, naming the stack on stderr", async () => {
        const res = await cli(["prod"], replay({ refresh: new Error("error: no stack named 'prod' found") }));
        assert.equal(res.code, 1);
        assert.match(res.err, /^error: stack prod: refresh: error: no stack named 'prod' found\nhint: the stack does not exist/);
    });

    it("exits 1 for an unknown stack, listing the stack files", async () => {
        const res = await cli(["qa"], replay({ refresh: "clean.refresh", preview: "clean.preview" }));
        assert.equal(res.code, 1);
        assert.match(res.err, /^error: unknown stack "qa"; stacks in .*: dev, prod\n/);
    });

    it("exits 1 and says what to install when the Pulumi CLI is not on PATH", async () => {
        const res = await cli(["dev"], undefined, { PATH: path.join(dir, "empty-bin") });
        assert.equal(res.code, 1);
        assert.equal(res.err, `error: ${MISSING_CLI}\n`);
        assert.equal(res.out, "");
    });

    it("exits 1 and says what to set when no Pulumi backend is configured", async () => {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\n", { mode: 0o755 });
        const res = await cli(["dev"], undefined, { PATH: bin, PULUMI_HOME: path.join(dir, "no-pulumi-home") });
        assert.equal(res.code, 1);
        assert.equal(res.err, `error: ${MISSING_BACKEND}\n`);
    });

    it("finds a backend in the environment, the project file or a pulumi login", () => {
        const project = path.join(dir, "project");
        const home = path.join(dir, "home");
        fs.mkdirSync(project, { recursive: true });
        fs.mkdirSync(path.join(home, ".pulumi"), { recursive: true });
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: x\nruntime: nodejs\n");
        assert.equal(hasBackend({}, project, home), false);
        assert.equal(hasBackend({ PULUMI_ACCESS_TOKEN: "pul-x" }, project, home), true);
        assert.equal(hasBackend({ PULUMI_BACKEND_URL: "s3://bucket" }, project, home), true);
        fs.writeFileSync(path.join(home, ".pulumi", "credentials.json"), JSON.stringify({ current: "https://api.pulumi.com" }));
        assert.equal(hasBackend({}, project, home), true);
        fs.writeFileSync(path.join(home, ".pulumi", "credentials.json"), JSON.stringify({ current: "" }));
        assert.equal(hasBackend({}, project, home), false);
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: x\nruntime: nodejs\nbackend:\n  url: s3://bucket\n");
        assert.equal(hasBackend({}, project, home), true);
    });

    it("finds executables on PATH", () => {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\n", { mode: 0o755 });
        assert.equal(onPath("pulumi", { PATH: `/nonexistent${path.delimiter}${bin}` }), path.join(bin, "pulumi"));
        assert.equal(onPath("pulumi", { PATH: "/nonexistent" }), undefined);
    });
});

/**
 * The Automation API part (`automationRunner`) with a stand-in `pulumi` on PATH that answers
 * `version` and `stack select` and, for `refresh` and `preview`, writes a recorded event log where the
 * Automation API asked for it (`--event-log`). This checks the wiring (commands, arguments, event
 * parsing, a failing command) without a real CLI; the live test below checks the real one.
 */
describe("drift through the Automation API (stand-in CLI replaying recorded events)", function () {
    const PROJECT = path.join(__dirname, "..");
    let dir: string;
    let savedPath: string | undefined;
    const STUB = [
        "#!/bin/bash",
        'echo "$*" >> "$STUB_LOG"',
        'case "$1" in',
        // An older version than 3.205 makes the Automation API tail an event-log file instead of a gRPC stream.
        "  version) echo v3.200.0 ;;",
        "  stack) ;;",
        "  refresh|preview)",
        '    prev=""; for a in "$@"; do [ "$prev" = "--event-log" ] && log="$a"; prev="$a"; done',
        '    fixture="STUB_${1^^}"; cat "${!fixture}" > "$log"; sleep 0.5',
        '    if [ "$STUB_FAIL" = "$1" ]; then echo "error: No valid credential sources found" >&2; exit 255; fi ;;',
        '  *) echo "unexpected: $*" >&2; exit 1 ;;',
        "esac",
        "",
    ].join("\n");

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-stub-"));
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(path.join(dir, "bin", "pulumi"), STUB, { mode: 0o755 });
        savedPath = process.env.PATH;
        process.env.PATH = `${path.join(dir, "bin")}${path.delimiter}${savedPath ?? ""}`;
    });
    after(() => {
        process.env.PATH = savedPath;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const runner = (fail = "") =>
        automationRunner({
            projectDir: PROJECT,
            envVars: {
                STUB_LOG: path.join(dir, "calls.log"),
                STUB_REFRESH: path.join(FIXTURES, "drifted.refresh.jsonl"),
                STUB_PREVIEW: path.join(FIXTURES, "drifted.preview.jsonl"),
                STUB_FAIL: fail,
            },
        });

    it("runs refresh --preview-only and preview on the selected stack and reports the replayed drift", async function () {
        this.timeout(60_000);
        fs.rmSync(path.join(dir, "calls.log"), { force: true });
        const s = await checkStack("prod", runner());
        assert.deepEqual(s.errors, []);
        assert.deepEqual(
            s.phases.map((p) => [p.phase, p.drifted.map((d) => `${d.op} ${d.urn.split("::").pop()}`)]),
            [
                ["refresh", ["update svc-app-a", "delete svc-sg-nodes-repl-tcp-7000", "update svc-repl-secret"]],
                ["preview", ["update svc-dns-service", "create svc-app-d", "replace svc-app-c-data"]],
            ],
        );
        const calls = fs.readFileSync(path.join(dir, "calls.log"), "utf8").trim().split("\n");
        const refresh = calls.find((c) => c.startsWith("refresh "));
        const preview = calls.find((c) => c.startsWith("preview "));
        assert.ok(
            calls.some((c) => /^stack select .*prod/.test(c)),
            calls.join("\n"),
        );
        assert.match(refresh!, /--preview-only/);
        assert.match(refresh!, /--stack prod/);
        assert.doesNotMatch(preview!, /--expect-no-changes/);
        assert.match(preview!, /--stack prod/);
        assert.ok(!calls.some((c) => /^(up|destroy|refresh (?!.*--preview-only))/.test(c)), "nothing that changes state");
    });

    it("turns a failing command into an error with a hint", async function () {
        this.timeout(60_000);
        const s = await checkStack("prod", runner("refresh"));
        assert.equal(s.status, "error");
        assert.match(s.errors[0], /^refresh: [\s\S]*No valid credential sources found[\s\S]*\nhint: no usable AWS credentials/);
    });
});

describe("drift against the real Pulumi CLI (live)", function () {
    const cliPath = onPath("pulumi");
    let dir: string;
    let env: Record<string, string>;

    before(function () {
        if (cliPath === undefined) {
            console.log("    skipped: the Pulumi CLI (`pulumi`) is not on PATH; install it to run the live drift test");
            this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-live-"));
        fs.mkdirSync(path.join(dir, "state"));
        // A YAML program (its runtime ships with the CLI) and a local file backend: no cloud, no login.
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: drift-live\nruntime: yaml\noutputs:\n  greeting: hello\n");
        env = {
            PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "drift-live-test",
            PULUMI_SKIP_UPDATE_CHECK: "true",
        };
    });
    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reports a freshly deployed stack as clean and a missing stack as an error", async function () {
        this.timeout(300_000);
        const auto = await import("@pulumi/pulumi/automation");
        const ws = await auto.LocalWorkspace.create({ workDir: dir, envVars: env });
        await (await auto.Stack.create("live", ws)).up({ color: "never" });
        const runner = automationRunner({ projectDir: dir, envVars: env });
        const clean = await checkStack("live", runner);
        assert.deepEqual(clean.errors, []);
        assert.equal(clean.status, "clean");
        assert.deepEqual(
            clean.phases.map((p) => [p.phase, p.drifted.length]),
            [
                ["refresh", 0],
                ["preview", 0],
            ],
        );
        const missing = await checkStack("does-not-exist", runner);
        assert.equal(missing.status, "error");
        assert.match(missing.errors[0], /^refresh: /);
    });
});
