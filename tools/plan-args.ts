/**
 * The plan tool's command line (tools/plan.ts): its options, its usage text and the answers the
 * arguments alone decide (a usage error, --help, an option that needs another). A module of its own
 * that loads no SDK: when tools/plan.ts runs as the command it imports this module second (after the
 * compile cache), and a mistyped option or `--help` is answered and the process ends before the program
 * and @pulumi/pulumi load (about 1.2 CPU s on the 2-core build machine, docs/development.md). `main`
 * gives the same answers in process through the same functions.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCommandLine } from "./args";
import { FAIL_ON_KINDS, type FailOnKind, parseFailOn } from "./failon";
import { DEFAULT_STACK_DIR } from "./stackfile";

export interface CliArgs {
    stack?: string;
    json: boolean;
    preview: boolean;
    stackDir: string;
    configFile?: string;
    /** Git ref to compare the stack's plan with (`--diff`). */
    diff?: string;
    /** With --diff: the kinds of change that make the tool exit with EXIT_FAIL_ON (`--fail-on replace,delete`). */
    failOn: FailOnKind[];
    help: boolean;
}

const OPTIONS = {
    json: { type: "boolean" },
    preview: { type: "boolean" },
    "stack-dir": { type: "string" },
    "config-file": { type: "string" },
    diff: { type: "string" },
    "fail-on": { type: "string" },
    help: { type: "boolean", short: "h" },
} as const;

export function parseArgs(argv: readonly string[]): CliArgs {
    const { values: v, positionals } = parseCommandLine(argv, OPTIONS);
    if (positionals.length > 1) throw new Error(`unexpected argument ${positionals[1]}`);
    return {
        ...(positionals.length > 0 ? { stack: positionals[0] } : {}),
        json: v.json ?? false,
        preview: v.preview ?? false,
        stackDir: v["stack-dir"] ?? DEFAULT_STACK_DIR,
        ...(v["config-file"] !== undefined ? { configFile: v["config-file"] } : {}),
        ...(v.diff !== undefined ? { diff: v.diff } : {}),
        failOn: v["fail-on"] === undefined ? [] : parseFailOn(v["fail-on"]),
        help: v.help ?? false,
    };
}

export const USAGE =
    "usage: npm run plan -- <stack> [--json] [--preview] [--stack-dir DIR] [--config-file PATH]\n" +
    "       npm run plan -- <stack> --diff <git-ref> [--fail-on replace,delete] [--json] [--stack-dir DIR]\n" +
    "--json prints one JSON document on stdout, errors included; call it as `npm run -s plan -- ...` (without -s npm\n" +
    "prints its own banner on stdout). --fail-on: exit 3 when the diff has a change of a listed kind\n" +
    `(${FAIL_ON_KINDS.join(", ")}).`;

/** What `--json` prints instead of text when the tool fails: the problems, nothing else on stdout. */
export interface JsonFailure {
    ok: false;
    exitCode: number;
    /** One line each (a config problem: `namespace:key.path: message (got value)`). */
    problems: string[];
}

/** A failure as printed: with --json a JsonFailure on stdout, else `text` on stderr. */
export function failureOutput(json: boolean, exitCode: number, problems: string[], text: string): { stdout: string; stderr: string } {
    if (!json) return { stdout: "", stderr: text };
    const doc: JsonFailure = { ok: false, exitCode, problems };
    return { stdout: `${JSON.stringify(doc, null, 2)}\n`, stderr: "" };
}

/** What the arguments alone decide: run with them, or print help (exit 0), or a usage error (exit 2). */
export type ArgsAnswer =
    | { readonly kind: "run"; readonly args: CliArgs }
    | { readonly kind: "help"; readonly stdout: string }
    | { readonly kind: "usage"; readonly problems: string[]; readonly text: string };

export function answerArgs(argv: readonly string[]): ArgsAnswer {
    const usage = (msg: string): ArgsAnswer => ({ kind: "usage", problems: [msg], text: `${msg}\n${USAGE}\n` });
    let args: CliArgs;
    try {
        args = parseArgs(argv);
    } catch (e) {
        return usage((e as Error).message);
    }
    if (args.help) return { kind: "help", stdout: args.json ? `${JSON.stringify({ usage: USAGE })}\n` : `${USAGE}\n` };
    if (args.diff !== undefined && (args.configFile !== undefined || args.stack === undefined)) {
        return usage("--diff compares a stack file at two commits: give a stack name, not --config-file");
    }
    if (args.failOn.length > 0 && args.diff === undefined) return usage("--fail-on needs --diff <git-ref>");
    return { kind: "run", args };
}

/**
 * npm's `run` writes its "> package script" banner to stdout before the script starts, unless its log
 * level is silent (`-s`); the tool cannot take it back, so with --json it says so on stderr.
 */
export function npmBannerWarning(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
    if (!argv.includes("--json") || env.npm_lifecycle_event === undefined || env.npm_config_loglevel === "silent") return undefined;
    return (
        "note: npm printed its `> ... plan` banner on stdout above the JSON (npm does that unless it runs silent); " +
        "for JSON alone run `npm run -s plan -- ...` or `npx tsx tools/plan.ts ...`\n"
    );
}

/**
 * The command's answer when the arguments alone decide it (npm's banner note first, as the command
 * prints it): the output and exit code, or undefined when the plan has to run.
 */
export function earlyAnswer(argv: readonly string[], env: NodeJS.ProcessEnv): { stdout: string; stderr: string; code: number } | undefined {
    const a = answerArgs(argv);
    if (a.kind === "run") return undefined;
    const note = npmBannerWarning(argv, env) ?? "";
    if (a.kind === "help") return { stdout: a.stdout, stderr: note, code: 0 };
    const out = failureOutput(argv.includes("--json"), 2, a.problems, a.text);
    return { stdout: out.stdout, stderr: `${note}${out.stderr}`, code: 2 };
}

/** True when `main` is tools/plan.ts run as the command (`tsx tools/plan.ts`, `npm run plan`). */
export function isPlanCommand(main: NodeJS.Module | undefined): boolean {
    return main !== undefined && main.filename.replace(/\.[cm]?[jt]s$/, "") === path.join(__dirname, "plan");
}

if (isPlanCommand(require.main)) {
    const answer = earlyAnswer(process.argv.slice(2), process.env);
    if (answer !== undefined) {
        // Synchronous writes, so nothing is lost when the process exits right after.
        if (answer.stderr !== "") fs.writeSync(2, answer.stderr);
        if (answer.stdout !== "") fs.writeSync(1, answer.stdout);
        process.exit(answer.code);
    }
}
