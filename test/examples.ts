/**
 * Program runs shared by the tests of one process: each example stack in stacks/ (and each config
 * `run()` in test/program.ts is given) is evaluated once and every test asking for it gets a copy.
 * The program is deterministic for a given config, so a second evaluation would only repeat work
 * (issue 16: the five example stacks were evaluated 8 to 12 times per test run).
 *
 * Use `exampleRun(stack)` for an example stack as `pulumi up` would see it. Runs with custom mocks,
 * and failed runs, are not shared (they are cheap, and an error object does not survive a copy).
 */
import program = require("../index");
import { isCloudResource, type ProgramRun, type PulumiProgram, runProgram, type RunOptions } from "../tools/harness";
import { DEFAULT_PROJECT, readStackFile } from "../tools/stackfile";

const shared = new WeakMap<PulumiProgram, Map<string, Promise<ProgramRun>>>();

/** What makes two runs of one program the same run. */
export function runKey(opts: Omit<RunOptions, "mocks">): string {
    const config = Object.entries(opts.config ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const secrets = [...(opts.secretConfigKeys ?? [])].sort();
    return JSON.stringify([opts.stack, opts.project ?? DEFAULT_PROJECT, opts.preview ?? false, opts.sourceMaps ?? false, config, secrets]);
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
    if (!pending) runs.set(key, (pending = runProgram(prog, opts)));
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
