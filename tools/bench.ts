/**
 * `npm run bench`: program cost, deployment critical path, blast radius of operations, failover
 * figures and tool wall times, written to BENCHMARKS.md and printed. The parts live in tools/bench/.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCommandLine } from "./args";
import { measureBlast, renderBlast } from "./bench/blast";
import { defaultBaseDir, DEFAULT_BASE_REF, measureCompare } from "./bench/compare";
import { type CostRow, measureCost, renderCost } from "./bench/cost";
import { deployCases, measureDeployment, renderDeployment } from "./bench/deploy";
import { renderFailover } from "./bench/failover";
import { measureGoals, renderGoals } from "./bench/goals";
import { fixed, table } from "./bench/markdown";
import { exampleStacks } from "./bench/scenarios";
import { renderTooling, timeCommand, toolCommands } from "./bench/tooling";
import { loadProgram } from "./plan";

export const SECTIONS = ["goals", "cost", "deploy", "blast", "failover", "tools", "compare"] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchArgs {
    out: string;
    /** Pairs of runs per cost scenario, at least. */
    runs: number;
    minSeconds: number;
    /** New pairs of processes per cost scenario. */
    rounds: number;
    warmup: number;
    typecheckRuns: number;
    testRuns: number;
    /** Runs of the tool commands beyond their first are skipped once the benchmark would pass this. */
    budgetSeconds: number;
    /** The commit the tools' speed is compared with (section `compare`), its worktree, and pairs of runs. */
    baseRef: string;
    baseDir?: string;
    comparePairs: number;
    only: Section[];
    help: boolean;
}

const USAGE =
    "usage: npm run bench -- [--out FILE] [--runs N] [--min-seconds S] [--rounds N] [--warmup N] [--typecheck-runs N] [--test-runs N] [--budget-seconds S] " +
    "[--base-ref REF] [--base-dir DIR] [--compare-pairs N] " +
    `[--only ${SECTIONS.join(",")}]`;

const OPTIONS = {
    out: { type: "string", default: "BENCHMARKS.md" },
    runs: { type: "string", default: "3" },
    "min-seconds": { type: "string", default: "10" },
    rounds: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    "typecheck-runs": { type: "string", default: "3" },
    "test-runs": { type: "string", default: "2" },
    "budget-seconds": { type: "string", default: "270" },
    "base-ref": { type: "string", default: DEFAULT_BASE_REF },
    "base-dir": { type: "string" },
    "compare-pairs": { type: "string", default: "3" },
    only: { type: "string", default: SECTIONS.join(",") },
    help: { type: "boolean", short: "h", default: false },
} as const;

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
    const { values: v } = parseCommandLine(argv, OPTIONS, false);
    const count = (name: keyof typeof OPTIONS, min: number): number => {
        const n = Number(v[name]);
        if (!Number.isFinite(n) || n < min) throw new Error(`--${name} needs a number >= ${min}, got ${v[name]}`);
        return n;
    };
    const only = v.only.split(",");
    const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
    if (unknown.length > 0) throw new Error(`--only: unknown section ${unknown.join(", ")}; sections: ${SECTIONS.join(", ")}`);
    return {
        out: v.out,
        runs: Math.round(count("runs", 1)),
        minSeconds: count("min-seconds", 0),
        rounds: Math.round(count("rounds", 1)),
        warmup: Math.round(count("warmup", 0)),
        typecheckRuns: Math.round(count("typecheck-runs", 0)),
        testRuns: Math.round(count("test-runs", 0)),
        budgetSeconds: count("budget-seconds", 0),
        baseRef: v["base-ref"],
        ...(v["base-dir"] !== undefined ? { baseDir: v["base-dir"] } : {}),
        comparePairs: Math.round(count("compare-pairs", 1)),
        only: only as Section[],
        help: v.help,
    };
}

function git(...args: string[]): string {
    try {
        return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
        return "";
    }
}

/**
 * Entries in tsx's disk cache (os.tmpdir()/tsx-<uid>). tsx lists the whole directory in the background
 * of every process that compiles a file (to expire old entries): about 3 ms of CPU per thousand
 * entries on the build machine (117,000 entries: 350 to 380 ms), in both trees of the comparison.
 */
function tsxCacheEntries(): string {
    const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
    const dir = path.join(os.tmpdir(), uid === undefined ? "tsx" : `tsx-${uid}`);
    try {
        return String(fs.readdirSync(dir).length);
    } catch {
        return "none";
    }
}

function machine(started: Date, wallSeconds: number, atStart: { load: readonly number[]; tsxCache: string }): string {
    const cpus = os.cpus();
    const commit = git("rev-parse", "--short=12", "HEAD") || "unknown";
    // The benchmark's own output does not make the tree dirty.
    const dirty = git("status", "--porcelain", "--", ".", ":(exclude)BENCHMARKS.md") !== "";
    return table(
        ["machine", "value"],
        [
            ["CPU", cpus[0]?.model ?? "unknown"],
            ["cores", String(os.availableParallelism())],
            ["memory", `${fixed(os.totalmem() / 1024 ** 3, 1)} GiB`],
            ["OS", `${os.type()} ${os.release()}`],
            ["Node", process.version],
            ["date", started.toISOString()],
            ["git commit", `${commit}${dirty ? " (with uncommitted changes)" : ""}`],
            ["load average at start (1, 5, 15 min)", atStart.load.map((l) => fixed(l, 2)).join(", ")],
            ["tsx disk-cache entries at start", atStart.tsxCache],
            ["benchmark wall time", `${fixed(wallSeconds)} s`],
        ],
    );
}

export async function main(argv: readonly string[]): Promise<number> {
    let args: BenchArgs;
    try {
        args = parseBenchArgs(argv);
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
        return 2;
    }
    if (args.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    const started = new Date();
    const atStart = { load: os.loadavg(), tsxCache: tsxCacheEntries() };
    const t0 = performance.now();
    const log = (line: string) => process.stderr.write(`[${fixed((performance.now() - t0) / 1000)} s] ${line}\n`);
    const on = (s: Section) => args.only.includes(s);
    const costOptions = { runs: args.runs, minMs: args.minSeconds * 1000, rounds: args.rounds, warmup: args.warmup };
    const program = loadProgram();
    const stacks = exampleStacks();
    const sections: string[] = [];
    let costRows: CostRow[] | undefined;

    if (on("cost")) {
        costRows = await measureCost({ ...costOptions, log });
        sections.push("## 1. Program cost", "", renderCost(costRows, costOptions));
    }
    if (on("deploy")) {
        log("first deployment");
        sections.push(
            "## 2. First deployment: time until clients can connect",
            "",
            renderDeployment(await measureDeployment(program, deployCases(stacks))),
        );
    }
    if (on("blast")) {
        log("blast radius");
        sections.push("## 3. Blast radius of operations", "", renderBlast(await measureBlast(program)));
    }
    if (on("failover")) {
        log("failover");
        sections.push("## 4. Failover", "", renderFailover(stacks));
    }
    if (on("tools")) {
        const timings = toolCommands(args.typecheckRuns, args.testRuns)
            .filter((c) => c.runs > 0)
            .map((c) => timeCommand(c, log, t0 / 1000 + args.budgetSeconds));
        sections.push("## 5. Type-check and test wall times", "", renderTooling(timings));
    }
    if (on("compare")) {
        const root = process.cwd();
        const baseDir = args.baseDir ?? defaultBaseDir(root, args.baseRef);
        sections.push(
            `## 6. Against commit ${args.baseRef}`,
            "",
            measureCompare({ ref: args.baseRef, baseDir, pairs: args.comparePairs, root, log }),
        );
    }
    if (on("goals")) {
        log("goals");
        // The headline: what the "Done when" asks, before the sections it is read from.
        sections.unshift("## Goals", "", renderGoals(await measureGoals(program, stacks, costRows)));
    }

    const wall = (performance.now() - t0) / 1000;
    const text = [
        "# Benchmarks",
        "",
        "Generated by `npm run bench` (tools/bench.ts); do not edit by hand. Times depend on the machine and on what else runs on " +
            "it (see the load average); ratios are taken within one benchmark run.",
        "",
        machine(started, wall, atStart),
        "",
        ...sections,
    ].join("\n");
    fs.writeFileSync(args.out, `${text.trimEnd()}\n`);
    process.stdout.write(`${text.trimEnd()}\n`);
    log(`wrote ${args.out}`);
    return 0;
}

if (require.main === module) {
    // A failure escapes as an unhandled rejection: Node prints its stack and exits with status 1.
    void main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
