/**
 * Source-map translation is off while a program runs (tools/sourcemaps.ts) and on again to print
 * an error; the plans are the same either way. Runs shared between tests (test/examples.ts) are
 * evaluated once and handed out as copies.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as v8 from "node:v8";
import { parse } from "yaml";
import program = require("../index");
import { type ProgramRun, runProgram } from "../tools/harness";
import { planJson } from "../tools/plan";
import { debuggablePromise, dropPromiseStacks, dropPromiseStacksIfSupported, promiseStack } from "../tools/promisestacks";
import { errorStack, setSourceMaps, withoutSourceMaps } from "../tools/sourcemaps";
import { readStackFile } from "../tools/stackfile";
import { exampleRun, PROGRAM_DIRS, PROGRAM_FILES, runKey, SHARED_RUNS_ENV, sharedRun, sharedRunCount, sharedRunFile } from "./examples";
import { restoreSdkStacks } from "./setup-sdk";

const ROOT = path.join(__dirname, "..");

/** The source line a stack frame `(<file>:<line>:<col>)` of `file` points at. */
function framedLine(stack: string, file: string): string {
    const m = new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+):\\d+`).exec(stack);
    assert.ok(m, `no frame in ${file}:\n${stack}`);
    return fs.readFileSync(file, "utf8").split("\n")[Number(m[1]) - 1];
}

function makeError(): Error {
    return new Error("made here");
}

describe("source maps off while a program runs", () => {
    it("the harness runs programs with maps off and restores the setting afterwards", async () => {
        const seen: boolean[] = [];
        const probe = async () => {
            seen.push(process.sourceMapsEnabled);
            return {};
        };
        const before = setSourceMaps(true);
        try {
            await runProgram(probe, { stack: "a" });
            assert.equal(process.sourceMapsEnabled, true, "restored after the run");
            await runProgram(probe, { stack: "b", sourceMaps: true });
        } finally {
            setSourceMaps(before);
        }
        assert.deepEqual(seen, [false, true]);
    });

    it("gives the same plan with maps on as with maps off (a cluster and an HA example stack)", async function () {
        this.timeout(120_000);
        // One cluster and one HA stack (a run with maps on is the slow kind this change removes).
        for (const stack of ["prod", "ghes-ha"]) {
            const on = await runProgram(program, { stack, config: readStackFile(stack), sourceMaps: true });
            assert.equal(on.error, undefined);
            assert.deepEqual(planJson(await exampleRun(stack)), planJson(on), stack);
        }
    });

    it("an error made while maps were off names its TypeScript line when printed", async () => {
        const e = await withoutSourceMaps(async () => makeError());
        const before = setSourceMaps(false);
        try {
            assert.match(framedLine(errorStack(e), __filename), /return new Error\("made here"\)/);
            assert.equal(process.sourceMapsEnabled, false, "errorStack restores the setting");
        } finally {
            setSourceMaps(before);
        }
    });

    it("pulumi up (Pulumi.yaml nodeargs) preloads the program, runs with maps off and without the SDK's promise traces, and prints errors with TypeScript lines", function () {
        this.timeout(60_000);
        const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { runtime: { options: { nodeargs: string } } };
        const nodeargs = project.runtime.options.nodeargs.split(/\s+/);
        assert.deepEqual(nodeargs, ["--import", "tsx", "--import", "./tools/sourcemaps-preload.ts"]);
        // Stands in for Pulumi's runner: its own uncaught-error handler prints the stack, as
        // @pulumi/pulumi/cmd/run does; the program's config validation throws.
        const runner = [
            'process.on("uncaughtException", (e) => { console.log(JSON.stringify({ maps: process.sourceMapsEnabled, stack: e.stack })); });',
            `const loaded = Object.keys(require.cache).includes(${JSON.stringify(path.join(ROOT, "index.ts"))});`,
            // The trace the SDK stores on one of its promises (tools/promisestacks.ts).
            'const probe = Promise.resolve(); require("@pulumi/pulumi/runtime/debuggable").debuggablePromise(probe, "probe");',
            "const trace = probe._debugStackTrace;",
            // The SDK's own reading of PULUMI_DEBUG_PROMISE_LEAKS, unset here (its set case: the next test).
            'const leaks = require("@pulumi/pulumi/runtime/debuggable").debugPromiseLeaks;',
            "console.log(JSON.stringify({ maps: process.sourceMapsEnabled, loaded, trace, leaks }));",
            'const { parseSpec } = require("./components/config");',
            'setImmediate(() => parseSpec({}, { project: "ha-service", stack: "x" }));',
        ].join("\n");
        const runAsPulumiUp = (env: NodeJS.ProcessEnv) => {
            const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "node"), [...nodeargs, "--eval", runner], {
                cwd: ROOT,
                encoding: "utf8",
                env,
            });
            assert.equal(r.status, 0, r.stderr);
            return r.stdout
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l) as { maps: boolean; loaded?: boolean; trace?: string; leaks?: boolean; stack?: string });
        };
        const { PULUMI_DEBUG_PROMISE_LEAKS: _, ...env } = process.env;
        const [start, failure] = runAsPulumiUp(env);
        assert.deepEqual(
            start,
            { maps: false, loaded: true, trace: "Error", leaks: false },
            "the program is loaded, maps are off and the SDK's promises carry no trace when the runner starts (PULUMI_DEBUG_PROMISE_LEAKS unset)",
        );
        assert.equal(failure.maps, true, "maps are on again when the error is printed");
        assert.match(framedLine(failure.stack!, path.join(ROOT, "components", "config", "index.ts")), /throw new ConfigError/);
    });

    it("with PULUMI_DEBUG_PROMISE_LEAKS (asked for by the SDK's leak report) the preload keeps the SDK's promise traces", async () => {
        // The SDK reads the variable when it loads: its own module, in a process of its own (plain node).
        // Unset, it reads false: the `pulumi up` runner above, started without it, prints that.
        const r = spawnSync(process.execPath, ["--eval", 'console.log(require("@pulumi/pulumi/runtime/debuggable").debugPromiseLeaks)'], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "true" },
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "true");
        // With the flag up, what the preload calls leaves the SDK's promises their traces (the run
        // above, without the variable, shows them dropped). Here in this process, from the SDK's own.
        const sdk = require("@pulumi/pulumi/runtime/debuggable") as { debugPromiseLeaks: boolean };
        const was = sdk.debugPromiseLeaks;
        restoreSdkStacks();
        sdk.debugPromiseLeaks = true;
        try {
            assert.equal(dropPromiseStacksIfSupported(), true);
            const p = Promise.resolve();
            await debuggablePromise(p, "probe");
            assert.match(promiseStack(p) ?? "", /^Error\n\s+at /, "with PULUMI_DEBUG_PROMISE_LEAKS the SDK's traces are kept");
        } finally {
            sdk.debugPromiseLeaks = was;
            dropPromiseStacks();
        }
    });
});

describe("runs shared between tests (test/examples.ts)", () => {
    it("evaluates a config once and hands out independent copies", async () => {
        const config = readStackFile("dev");
        const first = await sharedRun(program, { stack: "dev", config });
        const count = sharedRunCount();
        first.resources.length = 0;
        const second = await sharedRun(program, { stack: "dev", config: { ...config } });
        assert.equal(sharedRunCount(), count, "the second call evaluated nothing");
        assert.ok(second.resources.length > 0, "a change to one copy does not reach the next");
        assert.deepEqual(planJson(second), planJson(await exampleRun("dev")));
    });

    it("does not share a failed run", async () => {
        const count = sharedRunCount();
        const r = await sharedRun(program, { stack: "bad", config: {} });
        assert.ok(r.error);
        assert.equal(sharedRunCount(), count);
    });

    describe("between the processes of a test run (SHARED_RUNS_ENV, which .mocharc.js sets)", () => {
        let dir: string;
        let was: string | undefined;
        beforeEach(() => {
            was = process.env[SHARED_RUNS_ENV];
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "shared-runs-"));
            process.env[SHARED_RUNS_ENV] = dir;
        });
        afterEach(() => {
            if (was === undefined) delete process.env[SHARED_RUNS_ENV];
            else process.env[SHARED_RUNS_ENV] = was;
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("writes a run it evaluated for the other processes, whole, and no failed one", async () => {
            const opts = { stack: "shared-probe-written", config: readStackFile("dev") };
            const r = await sharedRun(program, opts);
            assert.equal(r.error, undefined);
            const file = sharedRunFile(dir, runKey(opts));
            assert.deepEqual(fs.readdirSync(dir), [path.basename(file)]);
            assert.deepEqual(planJson(v8.deserialize(fs.readFileSync(file)) as ProgramRun), planJson(r));
            assert.ok((await sharedRun(program, { stack: "shared-probe-bad", config: {} })).error);
            assert.deepEqual(fs.readdirSync(dir), [path.basename(file)], "a failed run is not written");
        });

        it("runs as before when the directory is gone (an environment variable left from another run)", async () => {
            fs.rmSync(dir, { recursive: true, force: true });
            const r = await sharedRun(program, { stack: "shared-probe-gone", config: readStackFile("dev") });
            assert.equal(r.error, undefined);
            assert.equal(fs.existsSync(dir), false);
        });

        it("reads a run another process of the test run finished instead of evaluating it", async () => {
            const opts = { stack: "shared-probe-read", config: readStackFile("dev") };
            const theirs = await exampleRun("dev");
            fs.writeFileSync(
                sharedRunFile(dir, runKey(opts)),
                v8.serialize({ ...theirs, outputs: { ...theirs.outputs, marker: "theirs" } }),
            );
            const count = sharedRunCount();
            const r = await sharedRun(program, opts);
            assert.equal(r.outputs.marker, "theirs");
            assert.equal(sharedRunCount(), count + 1);
            assert.equal((await sharedRun(program, opts)).outputs.marker, "theirs", "later callers get copies of it");
        });

        it("keys the file by the run and the program's files: a copy of the project reads the same runs until one of them changes", () => {
            const root = path.join(__dirname, "..");
            const key = runKey({ stack: "dev" });
            assert.notEqual(sharedRunFile(dir, key), sharedRunFile(dir, runKey({ stack: "prod" })));
            const copy = fs.mkdtempSync(path.join(os.tmpdir(), "shared-runs-copy-"));
            try {
                for (const f of [...PROGRAM_FILES, ...PROGRAM_DIRS]) {
                    fs.cpSync(path.join(root, f), path.join(copy, f), { recursive: true });
                }
                assert.equal(sharedRunFile(dir, key, copy), sharedRunFile(dir, key));
                const edited = fs.mkdtempSync(path.join(os.tmpdir(), "shared-runs-edited-"));
                try {
                    fs.cpSync(copy, edited, { recursive: true });
                    fs.appendFileSync(path.join(edited, "components", "plan", "nodescript.ts"), "\n// edited\n");
                    assert.notEqual(sharedRunFile(dir, key, edited), sharedRunFile(dir, key));
                } finally {
                    fs.rmSync(edited, { recursive: true, force: true });
                }
            } finally {
                fs.rmSync(copy, { recursive: true, force: true });
            }
        });
    });
});
