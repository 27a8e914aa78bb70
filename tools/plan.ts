/**
 * Offline plan: runs the real program (index.ts) for a stack file under the mock runtime and prints
 * what `pulumi up` would create, with the settings a reviewer checks for each resource.
 *
 *   npm run plan -- <stack> [--json] [--preview] [--stack-dir DIR] [--config-file PATH]
 *   npm run plan -- <stack> --diff <git-ref> [--json]   (what changes against the stack at the ref)
 *
 * The formatting is pure (`formatPlan`, `planJson`); the CLI at the bottom only wires it up.
 */
// First: the compile cache must be on before the SDKs load.
import "./compilecache";
import * as path from "node:path";
import { runMain } from "./cli";
import { ProgramRun, PulumiProgram, runProgram } from "./harness";
import { formatPlan, planJson } from "./planview/format";
import { formatPlanDiff, materializeRef, planAtRef, planDiff, type RefTree } from "./plandiff";
import { errorStack } from "./sourcemaps";
import { DEFAULT_PROJECT, DEFAULT_STACK_DIR, listStacks, readConfigFile, readStackFile } from "./stackfile";

export * from "./planview/format";
export * from "./planview/summaries";

// ---------------------------------------------------------------------------------------------
// CLI

export interface CliArgs {
    stack?: string;
    json: boolean;
    preview: boolean;
    stackDir: string;
    configFile?: string;
    /** Git ref to compare the stack's plan with (`--diff`). */
    diff?: string;
    help: boolean;
}

export function parseArgs(argv: readonly string[]): CliArgs {
    const args: CliArgs = { json: false, preview: false, stackDir: DEFAULT_STACK_DIR, help: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = (): string => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) {
                throw new Error(`${a} needs a value`);
            }
            return v;
        };
        if (a === "--json") {
            args.json = true;
        } else if (a === "--preview") {
            args.preview = true;
        } else if (a === "--stack-dir") {
            args.stackDir = value();
        } else if (a.startsWith("--stack-dir=")) {
            args.stackDir = a.slice("--stack-dir=".length);
        } else if (a === "--config-file") {
            args.configFile = value();
        } else if (a.startsWith("--config-file=")) {
            args.configFile = a.slice("--config-file=".length);
        } else if (a === "--diff") {
            args.diff = value();
        } else if (a.startsWith("--diff=")) {
            args.diff = a.slice("--diff=".length);
        } else if (a === "-h" || a === "--help") {
            args.help = true;
        } else if (a.startsWith("-")) {
            throw new Error(`unknown option ${a}`);
        } else if (args.stack === undefined) {
            args.stack = a;
        } else {
            throw new Error(`unexpected argument ${a}`);
        }
    }
    return args;
}

const USAGE =
    "usage: npm run plan -- <stack> [--json] [--preview] [--stack-dir DIR] [--config-file PATH]\n" +
    "       npm run plan -- <stack> --diff <git-ref> [--json] [--stack-dir DIR]";

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
    /** The project (git checkout) `--diff` compares against; default: this package's directory. */
    projectDir?: string;
}

/** The CLI; returns the exit code. */
export async function main(
    argv: readonly string[],
    io: CliIo = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) },
): Promise<number> {
    let args: CliArgs;
    try {
        args = parseArgs(argv);
    } catch (e) {
        io.stderr(`${(e as Error).message}\n${USAGE}\n`);
        return 2;
    }
    if (args.help) {
        io.stdout(`${USAGE}\n`);
        return 0;
    }
    if (args.diff !== undefined && (args.configFile !== undefined || args.stack === undefined)) {
        io.stderr(`--diff compares a stack file at two commits: give a stack name, not --config-file\n${USAGE}\n`);
        return 2;
    }
    let config: Record<string, string>;
    let stack: string;
    try {
        if (args.configFile) {
            stack = args.stack ?? /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(args.configFile))?.[1] ?? "test";
            config = readConfigFile(args.configFile, DEFAULT_PROJECT);
        } else if (args.stack === undefined) {
            const stacks = listStacks(args.stackDir);
            io.stderr(`${USAGE}\navailable stacks: ${stacks.length > 0 ? stacks.join(", ") : `(none in ${args.stackDir})`}\n`);
            return 1;
        } else {
            stack = args.stack;
            config = readStackFile(stack, args.stackDir, DEFAULT_PROJECT);
        }
    } catch (e) {
        io.stderr(`error: ${(e as Error).message}\n`);
        return 1;
    }

    let program: PulumiProgram;
    let tree: RefTree | undefined;
    try {
        // Loaded before the run, while tsx has source maps on, so an error can name its TypeScript
        // line; the run itself has them off (tools/sourcemaps.ts).
        program = io.program ?? loadProgram();
    } catch (e) {
        io.stderr(`error: the program did not load: ${errorStack(e as Error)}\n`);
        return 1;
    }
    try {
        // Resolve the ref before running anything: a typo should fail fast.
        tree = args.diff === undefined ? undefined : materializeRef(args.diff, io.projectDir ?? PROJECT_DIR);
    } catch (e) {
        io.stderr(`error: ${(e as Error).message}\n`);
        return 1;
    }
    try {
        // Keep stdout clean for --json: the SDK prints pulumi.log.info to console.log under mocks.
        const savedLog = console.log;
        if (args.json) {
            console.log = (...a: unknown[]) => console.error(...a);
        }
        let run: ProgramRun;
        try {
            run = await runProgram(program, { stack, project: DEFAULT_PROJECT, config, preview: args.preview });
        } finally {
            console.log = savedLog;
        }
        if (run.error) {
            io.stderr(`error: stack ${stack}: ${run.error.message}\n`);
            return 1;
        }
        for (const r of run.unhandledRejections) {
            io.stderr(`warning: unhandled rejection during the run: ${r instanceof Error ? r.message : String(r)}\n`);
        }
        if (tree !== undefined && args.diff !== undefined) {
            return await diffAgainstRef(tree, args.diff, stack, args, run, io);
        }
        io.stdout(args.json ? `${JSON.stringify(planJson(run), null, 2)}\n` : formatPlan(run));
        return 0;
    } finally {
        tree?.cleanup();
    }
}

const PROJECT_DIR = path.join(__dirname, "..");

/** The plan diff of `stack` between the materialised ref and the working tree's run. */
async function diffAgainstRef(tree: RefTree, ref: string, stack: string, args: CliArgs, after: ProgramRun, io: CliIo): Promise<number> {
    let before: ProgramRun | undefined;
    try {
        before = await planAtRef(tree, stack, { projectDir: io.projectDir ?? PROJECT_DIR, stackDir: args.stackDir });
    } catch (e) {
        io.stderr(`error: ${(e as Error).message}\n`);
        return 1;
    }
    const d = planDiff(before, after, ref, tree.commit);
    io.stdout(args.json ? `${JSON.stringify(d, null, 2)}\n` : formatPlanDiff(d));
    return 0;
}

if (require.main === module) runMain(main);
