/** Runs the real program offline for a raw config (see tools/harness.ts). */
import program = require("../index");
import { type ProgramRun, runProgram } from "../tools/harness";
import { sharedRun } from "./examples";
import { asPulumiConfig, type Raw } from "./fixtures";

/** A successful run, shared with every other test of the process that runs the same config (test/examples.ts). */
export async function run(raw: Raw, stack = "test"): Promise<ProgramRun> {
    const result = await sharedRun(program, { stack, config: asPulumiConfig(raw) });
    if (result.error) throw result.error;
    return result;
}

/** Runs a config that must fail; returns the run (with its error). */
export async function runFailing(raw: Raw, stack = "test"): Promise<ProgramRun> {
    const result = await runProgram(program, { stack, config: asPulumiConfig(raw) });
    if (!result.error) throw new Error("the program accepted a config it should have rejected");
    return result;
}
