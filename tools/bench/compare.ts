/**
 * Side-by-side wall times of this tree and another commit on the same machine (issue 16: the test
 * run at most 0.6x, `npm run plan -- prod` at most 0.8x the time of commit 4ab2534).
 *
 *   npm run bench:compare -- [<ref>] [--base-dir DIR] [--pairs N]
 *
 * The other commit is a git worktree with its own `npm ci` (created when `--base-dir` does not exist
 * yet). Each command runs in pairs, one run in each tree back to back, the tree that goes first
 * alternating from pair to pair, so a change in machine load during the measurement hits both
 * sides alike; the ratio is the median of the pairs' ratios. A failed run has no time.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCommandLine } from "../args";
import { runMain } from "../cli";
import { fixed, table } from "./markdown";
import { median } from "./stats";

export const DEFAULT_BASE_REF = "4ab2534";

export interface CompareCommand {
    readonly label: string;
    /** Relative to the tree (`node_modules/.bin/...`) or a command on PATH. */
    readonly command: string;
    readonly args: readonly string[];
    /** This tree's time may be at most this multiple of the other's. */
    readonly goal: number;
}

/** What the issue's "Done when" measures. Mocha without the type-check and lint of `pretest`, which the change does not touch. */
export const COMPARE_COMMANDS: readonly CompareCommand[] = [
    { label: "test run (`mocha`, all tests)", command: "node_modules/.bin/mocha", args: ["--reporter", "dot"], goal: 0.6 },
    { label: "`npm run plan -- prod`", command: "npm", args: ["run", "--silent", "plan", "--", "prod"], goal: 0.8 },
];

export type Side = "ours" | "base";

/** The order of the runs of pair `i`: the tree that goes first alternates. */
export function pairOrder(i: number): readonly [Side, Side] {
    return i % 2 === 0 ? ["base", "ours"] : ["ours", "base"];
}

export interface PairSample {
    /** Seconds, or undefined when the run failed. */
    readonly ours?: number;
    readonly base?: number;
    /** CPU seconds (user + system) of the run and every process it waited for; undefined where unknown. */
    readonly oursCpu?: number;
    readonly baseCpu?: number;
}

export interface CompareRow {
    readonly command: CompareCommand;
    readonly pairs: readonly PairSample[];
    readonly ours?: number;
    readonly base?: number;
    /** Median of ours / base over the pairs where both runs passed. */
    readonly ratio?: number;
    /** Medians of the CPU seconds, and the median of the pairs' CPU ratios (where both runs passed). */
    readonly oursCpu?: number;
    readonly baseCpu?: number;
    readonly cpuRatio?: number;
    readonly failures: { readonly ours: number; readonly base: number };
}

export function summarise(command: CompareCommand, pairs: readonly PairSample[]): CompareRow {
    const ours = pairs.flatMap((p) => (p.ours === undefined ? [] : [p.ours]));
    const base = pairs.flatMap((p) => (p.base === undefined ? [] : [p.base]));
    const ratios = pairs.flatMap((p) => (p.ours === undefined || p.base === undefined ? [] : [p.ours / p.base]));
    const passed = pairs.filter((p) => p.ours !== undefined && p.base !== undefined);
    const cpu = passed.flatMap((p) => (p.oursCpu === undefined || p.baseCpu === undefined ? [] : [[p.oursCpu, p.baseCpu]]));
    const medianOf = (xs: number[]) => (xs.length > 0 ? median(xs) : undefined);
    return {
        command,
        pairs,
        ours: medianOf(ours),
        base: medianOf(base),
        ratio: medianOf(ratios),
        oursCpu: medianOf(cpu.map(([o]) => o)),
        baseCpu: medianOf(cpu.map(([, b]) => b)),
        cpuRatio: medianOf(cpu.map(([o, b]) => o / b)),
        failures: { ours: pairs.length - ours.length, base: pairs.length - base.length },
    };
}

/** "met", "NOT met", or "no figure" when a side never passed. */
export function compareVerdict(r: CompareRow): string {
    if (r.ratio === undefined) return "no figure";
    return r.ratio <= r.command.goal ? "met" : "NOT met";
}

export interface CompareMeta {
    readonly ref: string;
    readonly commit: string;
    readonly cores: number;
    /** `node --version` of the Node both trees run (the first `node` on PATH). */
    readonly node?: string;
    readonly loadBefore: readonly number[];
    readonly loadAfter: readonly number[];
}

export function renderCompare(rows: readonly CompareRow[], meta: CompareMeta): string {
    const s = (n: number | undefined) => (n === undefined ? "-" : fixed(n, 1));
    return [
        `This tree against commit ${meta.ref} (${meta.commit.slice(0, 12)}), a git worktree with its own \`npm ci\`, on the same ` +
            `machine (${meta.cores} cores), measured by tools/bench/compare.ts (\`npm run bench:compare\`, or this section of \`npm run bench\`). Each command runs in pairs: one run ` +
            "in each tree back to back, the tree that goes first alternating from pair to pair, so a change in machine load hits both " +
            "sides alike. Times are medians of the passing runs; the ratio is the median of the pairs' ratios (this tree / the other). " +
            "Each tree runs the same command with its own files: `mocha` reads that tree's mocha configuration (this tree's .mocharc.js: " +
            "2 worker processes in parallel, the slowest test files handed out first, the SDK's unread promise stack traces off, " +
            "tools/promisestacks.ts), without the " +
            "type-check and lint of `npm test`'s pretest (section 5 times those). CPU s: user + system time of the run and every process " +
            `it waited for (Linux /proc), the work done whatever the parallelism${meta.node ? `; Node ${meta.node} for both trees` : ""}. ` +
            `Load average (1, 5, 15 min) before: ${meta.loadBefore.map((l) => fixed(l, 2)).join(", ")}; after: ` +
            `${meta.loadAfter.map((l) => fixed(l, 2)).join(", ")}. On a busy machine the figures are noisy: rerun on a quiet one.`,
        "",
        table(
            [
                "command",
                "pairs",
                "failed (this / other)",
                "this tree s",
                `${meta.ref} s`,
                "ratio",
                "goal",
                "verdict",
                "CPU s (this / other)",
                "CPU ratio",
            ],
            rows.map((r) => [
                r.command.label,
                r.pairs.length,
                `${r.failures.ours} / ${r.failures.base}`,
                s(r.ours),
                s(r.base),
                r.ratio === undefined ? "-" : `${fixed(r.ratio, 2)}x`,
                `<= ${r.command.goal}x`,
                compareVerdict(r),
                `${s(r.oursCpu)} / ${s(r.baseCpu)}`,
                r.cpuRatio === undefined ? "-" : `${fixed(r.cpuRatio, 2)}x`,
            ]),
        ),
        "",
    ].join("\n");
}

function run(
    cmd: string,
    args: readonly string[],
    cwd: string,
    stdio: "pipe" | "inherit" = "pipe",
): { status: number | null; out: string } {
    const r = spawnSync(cmd, [...args], { cwd, encoding: "utf8", stdio, maxBuffer: 256 * 1024 * 1024 });
    if (r.error) throw new Error(`${cmd} ${args.join(" ")} in ${cwd}: ${r.error.message}`);
    return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** The other commit's tree: `dir` if it exists, else a new git worktree of `ref` there, with `npm ci` run. */
export function ensureBaseTree(ref: string, dir: string, root: string, log: (line: string) => void): string {
    if (!fs.existsSync(path.join(dir, "node_modules", ".bin", "mocha"))) {
        if (!fs.existsSync(dir)) {
            log(`compare: git worktree add ${dir} ${ref}`);
            const w = run("git", ["-C", root, "worktree", "add", "--detach", dir, ref], root);
            if (w.status !== 0) throw new Error(`git worktree add ${dir} ${ref} failed: ${w.out}`);
        }
        log(`compare: npm ci in ${dir}`);
        const ci = run("npm", ["ci", "--no-audit", "--no-fund"], dir);
        if (ci.status !== 0) throw new Error(`npm ci in ${dir} failed: ${ci.out}`);
    }
    const head = run("git", ["-C", dir, "rev-parse", "HEAD"], dir);
    return head.out.trim();
}

/** Clock ticks per second of /proc's times (`getconf CLK_TCK`; 100 on Linux). */
let clockTicks: number | undefined;

/**
 * CPU seconds (user + system) of the children this process has waited for, all of them together
 * (cutime + cstime of /proc/self/stat: a child's figure includes what it waited for); undefined
 * where there is no /proc.
 */
export function childCpuSeconds(): number | undefined {
    let stat: string;
    try {
        stat = fs.readFileSync("/proc/self/stat", "utf8");
    } catch {
        return undefined;
    }
    clockTicks ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;
    // Fields after the command name (which may hold spaces) start at field 3; cutime, cstime are 16, 17.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[13]) + Number(fields[14])) / clockTicks;
}

/** The end of a failed command's output, for the log: a run that fails must say why. */
export function failureTail(out: string, lines = 40): string {
    return out.trimEnd().split("\n").slice(-lines).join("\n");
}

function timeOnce(c: CompareCommand, cwd: string, log: (line: string) => void): { s?: number; cpu?: number } {
    const t0 = performance.now();
    const cpu0 = childCpuSeconds();
    const command = c.command.includes("/") ? path.join(cwd, c.command) : c.command;
    const r = run(command, c.args, cwd);
    const cpu1 = childCpuSeconds();
    if (r.status !== 0) {
        log(`compare: ${c.label} failed in ${cwd} (exit ${r.status}):\n${failureTail(r.out)}`);
        return {};
    }
    return { s: (performance.now() - t0) / 1000, cpu: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 };
}

export interface CompareOptions {
    readonly ref: string;
    readonly baseDir: string;
    readonly pairs: number;
    readonly root: string;
    readonly log: (line: string) => void;
}

export function measureCompare(o: CompareOptions, commands: readonly CompareCommand[] = COMPARE_COMMANDS): string {
    const commit = ensureBaseTree(o.ref, o.baseDir, o.root, o.log);
    const loadBefore = os.loadavg();
    const rows = commands.map((c) => {
        const pairs: PairSample[] = [];
        for (let i = 0; i < o.pairs; i++) {
            const sample: { ours?: number; base?: number; oursCpu?: number; baseCpu?: number } = {};
            for (const side of pairOrder(i)) {
                o.log(`compare: ${c.label} pair ${i + 1}/${o.pairs}: ${side === "ours" ? "this tree" : o.ref}`);
                const t = timeOnce(c, side === "ours" ? o.root : o.baseDir, o.log);
                sample[side] = t.s;
                sample[`${side}Cpu`] = t.cpu;
            }
            pairs.push(sample);
        }
        return summarise(c, pairs);
    });
    const node = run("node", ["--version"], o.root).out.trim();
    return renderCompare(rows, { ref: o.ref, commit, cores: os.availableParallelism(), node, loadBefore, loadAfter: os.loadavg() });
}

export interface CompareArgs {
    readonly ref: string;
    readonly baseDir?: string;
    readonly pairs: number;
}

export function parseCompareArgs(argv: readonly string[]): CompareArgs {
    const { values: v, positionals } = parseCommandLine(argv, { "base-dir": { type: "string" }, pairs: { type: "string", default: "3" } });
    const pairs = Number(v.pairs);
    if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`--pairs needs a whole number >= 1, got ${v.pairs}`);
    return { ref: positionals.at(-1) ?? DEFAULT_BASE_REF, baseDir: v["base-dir"], pairs };
}

/** Where the other commit's worktree goes by default: beside this checkout, named after the ref. */
export function defaultBaseDir(root: string, ref: string): string {
    return path.join(path.dirname(root), `base-${ref.replace(/[^A-Za-z0-9._-]/g, "-")}`);
}

export async function main(argv: readonly string[]): Promise<number> {
    let args: CompareArgs;
    try {
        args = parseCompareArgs(argv);
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\nusage: npm run bench:compare -- [<ref>] [--base-dir DIR] [--pairs N]\n`);
        return 2;
    }
    const root = path.join(__dirname, "..", "..");
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const text = measureCompare({ ref: args.ref, baseDir: args.baseDir ?? defaultBaseDir(root, args.ref), pairs: args.pairs, root, log });
    process.stdout.write(text);
    return 0;
}

if (require.main === module) runMain(main);
