/**
 * Program runs shared by the tests of one process, and for the stack program by the processes of one
 * test run (`SHARED_RUNS_ENV`): each example stack in stacks/ (and each config `run()` in
 * test/program.ts is given) is evaluated once and every test asking for it gets a copy.
 * The program is deterministic for a given config, so a second evaluation would only repeat work
 * (issue 16: the five example stacks were evaluated 8 to 12 times per test run).
 *
 * Use `exampleRun(stack)` for an example stack as `pulumi up` would see it. Runs with custom mocks,
 * and failed runs, are not shared (they are cheap, and an error object does not survive a copy).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as v8 from "node:v8";
import program = require("../index");
import { existingFiles, hashFiles } from "../tools/buildstamp";
import { isCloudResource, type ProgramRun, type PulumiProgram, runProgram, type RunOptions } from "../tools/harness";
import { DEFAULT_PROJECT, readStackFile } from "../tools/stackfile";

const shared = new WeakMap<PulumiProgram, Map<string, Promise<ProgramRun>>>();

/**
 * The directory where the processes of one `npm test` share the stack program's finished runs
 * (.mocharc.js creates it for the run and removes it when the run exits; `SHARED_RUNS_ENV`). Each of
 * the 2 workers would otherwise evaluate every example stack once more. Unset (a single file run with
 * `--no-config`), runs are shared within the process only.
 */
export const SHARED_RUNS_ENV = "HA_TEST_SHARED_RUNS";

/** What a run of the stack program depends on besides its options: the program, the package, the harness and the dependencies' versions. */
export const PROGRAM_FILES = [
    "index.ts",
    "lib.ts",
    "Pulumi.yaml",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "test/setup-sdk.ts",
];
export const PROGRAM_DIRS = ["components", "tools"];
const digests = new Map<string, string>();

/** sha256 of the stack program's inputs in the project at `tree` (read once per process and tree). */
export function programDigest(tree: string): string {
    let digest = digests.get(tree);
    if (digest === undefined) digests.set(tree, (digest = hashFiles(tree, existingFiles(tree, PROGRAM_FILES, PROGRAM_DIRS))));
    return digest;
}

/**
 * The file of a run of the stack program of the project at `tree` (this one) in the run's shared
 * directory, named by the run's key and the program's inputs (`programDigest`): a copy of the project
 * with the same files (test/first-hour.test.ts runs suites in one, in a process of its own that
 * inherits the directory) reads the same runs, and one with a changed file evaluates its own.
 */
export function sharedRunFile(dir: string, key: string, tree = path.join(__dirname, "..")): string {
    return path.join(
        dir,
        `${createHash("sha256")
            .update(`${programDigest(tree)}\n${key}`)
            .digest("hex")
            .slice(0, 40)}.v8`,
    );
}

/** The run another process of this test run finished, or a new one, written for the others when it succeeds. */
async function runAcrossProcesses(opts: Omit<RunOptions, "mocks">, key: string): Promise<ProgramRun> {
    const dir = process.env[SHARED_RUNS_ENV];
    if (!dir || !fs.existsSync(dir)) return runProgram(program, opts);
    const file = sharedRunFile(dir, key);
    if (fs.existsSync(file)) return v8.deserialize(fs.readFileSync(file)) as ProgramRun;
    const result = await runProgram(program, opts);
    if (!result.error) {
        // Written whole, then renamed: another process sees the complete file or none.
        const tmp = `${file}.${process.pid}`;
        fs.writeFileSync(tmp, v8.serialize(result));
        fs.renameSync(tmp, file);
    }
    return result;
}

/** What makes two runs of one program the same run. */
export function runKey(opts: Omit<RunOptions, "mocks">): string {
    const config = Object.entries(opts.config ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const secrets = [...(opts.secretConfigKeys ?? [])].sort();
    // The region the program falls back to without `aws:region` (components/config) comes from the environment.
    const region = [process.env.AWS_REGION ?? null, process.env.AWS_DEFAULT_REGION ?? null];
    const options = [opts.preview ?? false, opts.sourceMaps ?? false, opts.recordOutputs ?? false];
    return JSON.stringify([opts.stack, opts.project ?? DEFAULT_PROJECT, ...options, config, secrets, region]);
}

/**
 * `runProgram` with the default mocks, evaluated once per process and key; each caller gets its own
 * deep copy, so a test that changes what it got cannot affect another test.
 */
export async function sharedRun(prog: PulumiProgram, opts: Omit<RunOptions, "mocks">): Promise<ProgramRun> {
    let runs = shared.get(prog);
    if (!runs) shared.set(prog, (runs = new Map()));
    const key = runKey(opts);
    let pending = runs.get(key);
    if (!pending) runs.set(key, (pending = prog === program ? runAcrossProcesses(opts, key) : runProgram(prog, opts)));
    const result = await pending;
    if (result.error) {
        runs.delete(key);
        return result;
    }
    return structuredClone(result);
}

/** How many distinct runs of `prog` this process has shared so far (for the cache's own test). */
export function sharedRunCount(prog: PulumiProgram = program): number {
    return shared.get(prog)?.size ?? 0;
}

/** The example stack `stack` (stacks/Pulumi.<stack>.yaml) run by the real program; throws if it fails. */
export async function exampleRun(stack: string): Promise<ProgramRun> {
    const r = await sharedRun(program, { stack, config: readStackFile(stack) });
    if (r.error) throw new Error(`stack ${stack}: ${r.error.message}`);
    return r;
}

/** Every cloud resource of a run as type, name and inputs (secrets masked), sorted: what `pulumi up` would send. */
export function cloudRegistrations(run: ProgramRun): string[] {
    return run.resources
        .filter(isCloudResource)
        .map((r) => `${r.type}::${r.name}::${JSON.stringify(r.maskedInputs)}`)
        .sort();
}
