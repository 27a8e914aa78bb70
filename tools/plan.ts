/**
 * Offline plan: runs the real program (index.ts) for a stack file under the mock runtime and prints
 * what `pulumi up` would create, with the settings a reviewer checks for each resource.
 *
 *   npm run plan -- <stack> [--json] [--preview] [--stack-dir DIR] [--config-file PATH]
 *   npm run plan -- <stack> --diff <git-ref> [--fail-on replace,delete] [--json]   (what changes against the stack at the ref)
 *
 * With --json, stdout carries exactly one JSON document (the plan, the diff, or `{ ok: false, exitCode,
 * problems }`); call it as `npm run -s plan -- ...`, since without -s npm prints its banner on stdout.
 *
 * The formatting is pure (`formatPlan`, `planJson`); the CLI at the bottom only wires it up.
 */
// First: the compile cache must be on before the SDKs load.
import "./compilecache";
// Second: run as the command, a usage error or --help is answered there and the process ends before
// the imports below load the program's modules and the SDK (tools/plan-args.ts).
import { answerArgs, type CliArgs, failureOutput, npmBannerWarning, USAGE } from "./plan-args";
import * as path from "node:path";
import { runMain } from "./cli";
import { ProgramRun, PulumiProgram, runProgram } from "./harness";
import { formatPlan, planJson } from "./planview/format";
import { failOnHits, failOnMessage } from "./failon";
import { formatPlanDiff, materializeRef, planAtRef, planDiff, type RefTree } from "./plandiff";
import { dropPromiseStacks } from "./promisestacks";
import { errorStack } from "./sourcemaps";
import { DEFAULT_PROJECT, listStacks, readConfigFile, readProjectName, readStackFile } from "./stackfile";

export * from "./planview/format";
export * from "./planview/summaries";

// ---------------------------------------------------------------------------------------------
// CLI

export { type CliArgs, type JsonFailure, npmBannerWarning, parseArgs } from "./plan-args";

/** Loads the real program lazily (after setMocks), accepting `export =` or a default export. */
export function loadProgram(modulePath: string = path.join(__dirname, "..", "index")): PulumiProgram {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(modulePath);
    const fn = typeof mod === "function" ? mod : (mod?.default ?? mod?.program);
    if (typeof fn !== "function") {
        throw new Error(`${modulePath} does not export a program function (expected \`export = program\`)`);
    }
    return fn as PulumiProgram;
}

export interface CliIo {
    stdout: (s: string) => void;
    stderr: (s: string) => void;
    /** The program to run; default: index.ts, loaded before the run. */
    program?: PulumiProgram;
    /**
     * The project directory: its Pulumi.yaml names the project (the stack's config namespace and the
     * URNs), and `--diff` compares against its git checkout; default: this package's directory.
     */
    projectDir?: string;
}

/** The exit code of `--diff --fail-on` when the diff has a change of a listed kind (distinct from errors: 1, usage: 2). */
export const EXIT_FAIL_ON = 3;

/** The problems behind an error: a ConfigError's list (key path, message, value), else its message. */
export function errorProblems(e: Error): string[] {
    const problems = (e as { problems?: unknown }).problems;
    const namespace = (e as { namespace?: unknown }).namespace;
    if (Array.isArray(problems) && problems.length > 0) {
        return problems.map((p: { path: string; message: string; value?: unknown }) => {
            const got = "value" in p ? ` (got ${JSON.stringify(p.value) ?? "nothing"})` : "";
            return `${typeof namespace === "string" ? `${namespace}:` : ""}${p.path}: ${p.message}${got}`;
        });
    }
    return [e.message];
}

/** The CLI; returns the exit code. With `--json`, stdout carries exactly one JSON document, errors included. */
export async function main(
    argv: readonly string[],
    io: CliIo = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) },
): Promise<number> {
    const json = argv.includes("--json");
    /** Reports a failure (text on stderr, or with --json a JsonFailure on stdout) and returns its exit code. */
    const fail = (exitCode: number, problems: string[], text: string): number => {
        const out = failureOutput(json, exitCode, problems, text);
        if (out.stdout !== "") io.stdout(out.stdout);
        if (out.stderr !== "") io.stderr(out.stderr);
        return exitCode;
    };
    if (!json) return mainWith(argv, io, fail);
    // Keep stdout clean for --json: the SDK prints pulumi.log.info to console.log under mocks, in the
    // working tree's run and in the ref's (--diff).
    const savedLog = console.log;
    console.log = (...a: unknown[]) => console.error(...a);
    try {
        return await mainWith(argv, io, fail);
    } catch (e) {
        return fail(1, [`the plan tool failed: ${errorStack(e as Error)}`], "");
    } finally {
        console.log = savedLog;
    }
}

type Fail = (exitCode: number, problems: string[], text: string) => number;

async function mainWith(argv: readonly string[], io: CliIo, fail: Fail): Promise<number> {
    const answer = answerArgs(argv);
    if (answer.kind === "usage") return fail(2, answer.problems, answer.text);
    if (answer.kind === "help") {
        io.stdout(answer.stdout);
        return 0;
    }
    const args = answer.args;
    let config: Record<string, string>;
    let stack: string;
    let project = DEFAULT_PROJECT;
    try {
        if (io.projectDir !== undefined) project = readProjectName(io.projectDir);
        if (args.configFile) {
            stack = args.stack ?? /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(args.configFile))?.[1] ?? "test";
            config = readConfigFile(args.configFile, project);
        } else if (args.stack === undefined) {
            const stacks = listStacks(args.stackDir);
            const available = `available stacks: ${stacks.length > 0 ? stacks.join(", ") : `(none in ${args.stackDir})`}`;
            return fail(1, [`no stack given; ${available}`], `${USAGE}\n${available}\n`);
        } else {
            stack = args.stack;
            config = readStackFile(stack, args.stackDir, project);
        }
    } catch (e) {
        return fail(1, errorProblems(e as Error), `error: ${(e as Error).message}\n`);
    }

    let program: PulumiProgram;
    let tree: RefTree | undefined;
    try {
        // Loaded before the run, while tsx has source maps on, so an error can name its TypeScript
        // line; the run itself has them off (tools/sourcemaps.ts).
        program = io.program ?? loadProgram();
    } catch (e) {
        const msg = `the program did not load: ${errorStack(e as Error)}`;
        return fail(1, [msg], `error: ${msg}\n`);
    }
    try {
        // Resolve the ref before running anything: a typo should fail fast.
        tree = args.diff === undefined ? undefined : materializeRef(args.diff, io.projectDir ?? PROJECT_DIR);
    } catch (e) {
        return fail(1, [(e as Error).message], `error: ${(e as Error).message}\n`);
    }
    try {
        const run = await runProgram(program, { stack, project, config, preview: args.preview });
        if (run.error) {
            return fail(1, errorProblems(run.error), `error: stack ${stack}: ${run.error.message}\n`);
        }
        for (const r of run.unhandledRejections) {
            io.stderr(`warning: unhandled rejection during the run: ${r instanceof Error ? r.message : String(r)}\n`);
        }
        if (tree !== undefined && args.diff !== undefined) {
            return await diffAgainstRef(tree, args.diff, stack, args, run, io, fail);
        }
        io.stdout(args.json ? `${JSON.stringify(planJson(run), null, 2)}\n` : formatPlan(run));
        return 0;
    } finally {
        tree?.cleanup();
    }
}

const PROJECT_DIR = path.join(__dirname, "..");

/** The plan diff of `stack` between the materialised ref and the working tree's run. */
async function diffAgainstRef(
    tree: RefTree,
    ref: string,
    stack: string,
    args: CliArgs,
    after: ProgramRun,
    io: CliIo,
    fail: Fail,
): Promise<number> {
    let before: ProgramRun | undefined;
    try {
        before = await planAtRef(tree, stack, { projectDir: io.projectDir ?? PROJECT_DIR, stackDir: args.stackDir });
    } catch (e) {
        return fail(1, errorProblems(e as Error), `error: ${(e as Error).message}\n`);
    }
    const d = planDiff(before, after, ref, tree.commit);
    const failed = failOnHits(d, args.failOn);
    io.stdout(args.json ? `${JSON.stringify({ ...d, failOn: failed }, null, 2)}\n` : formatPlanDiff(d));
    if (failed.length === 0) return 0;
    if (!args.json) io.stderr(`${failOnMessage(failed)}\n`);
    return EXIT_FAIL_ON;
}

if (require.main === module) {
    // The SDK's promise stack traces are never read by the plan (tools/promisestacks.ts).
    dropPromiseStacks();
    const warning = npmBannerWarning(process.argv.slice(2), process.env);
    if (warning) process.stderr.write(warning);
    runMain(main);
}
