/**
 * Program cost: time and memory to evaluate the program under the mock runtime per scenario, beside
 * a flat baseline with the same number of resources. Ours and the baseline of a scenario each run in
 * a child process of their own (tools/bench/cost-worker.ts), driven in turns, so they never share a
 * heap nor compete for the CPU, while both see the same machine load.
 */
import { type ChildProcess, fork } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { CostJob, CostReply, CostRequest, CostSample } from "./cost-worker";
import { fixed, table } from "./markdown";
import { acceptedScenario, COST_SCENARIOS, type CostScenario, exampleStackOf } from "./scenarios";
import { increments, linearFit, median } from "./stats";

/** The overhead goal (issue 16): the package may cost at most this multiple of the same-types flat baseline. */
export const OVERHEAD_GOAL = 1.2;

/** Upper bound on measured runs of one scenario (all rounds), whatever `minMs` asks for. */
export const MAX_RUNS = 50;

export interface CostSummary {
    /** Medians over the measured runs. */
    readonly ms: number;
    readonly cpuMs: number;
    readonly allocatedMB: number;
    /** Of the whole child process, module loading included. */
    readonly maxRssMB: number;
    readonly registrations: number;
    readonly resources: number;
}

export interface CostRow {
    readonly scenario: CostScenario;
    /** Pairs of runs, over all rounds. */
    readonly runs: number;
    /** Pairs of processes (tools/bench/cost.ts `combineRounds`). */
    readonly rounds: number;
    readonly ours: CostSummary;
    readonly baseline: CostSummary;
    /**
     * Median over the rounds of each round's median of ours / baseline over its pairs of runs taken back
     * to back (machine load varies over time).
     */
    readonly timeRatio: number;
    /** Each round's time ratio, in order. */
    readonly roundTimeRatios: readonly number[];
    /** The same for CPU time, which waiting for a busy machine's CPU does not inflate. */
    readonly cpuRatio: number;
    /** Median over the rounds of the ratio of their median allocations (they do not depend on machine load, so need no pairing). */
    readonly allocRatio: number;
    /** Median over the rounds of the ratio of their processes' peak memory. */
    readonly rssRatio: number;
    /**
     * Ours as `pulumi up` runs this repository's program (its preload drops the SDK's promise traces,
     * tools/promisestacks.ts) against the baseline with the SDK as it is: median time, and the median of
     * the pairs' ratios. Not part of the overhead goal, which compares like with like.
     */
    readonly asPulumiUp?: { readonly ms: number; readonly cpuMs: number; readonly timeRatio: number };
}

export function summarize(samples: readonly CostSample[], maxRssMB: number): CostSummary {
    if (samples.length === 0) throw new Error("no measured runs");
    return {
        ms: median(samples.map((s) => s.ms)),
        cpuMs: median(samples.map((s) => s.cpuMs)),
        allocatedMB: median(samples.map((s) => s.allocatedMB)),
        maxRssMB,
        registrations: samples[0].registrations,
        resources: samples[0].resources,
    };
}

/** A cost-worker child process that evaluates its scenario on request. */
class Worker {
    private readonly child: ChildProcess;
    private stderr = "";
    private exited?: string;
    private waiting?: { resolve: (m: CostReply) => void; reject: (e: Error) => void };

    private constructor(private readonly job: CostJob) {
        this.child = fork(path.join(__dirname, "cost-worker.ts"), [JSON.stringify(job)], {
            execPath: process.execPath,
            execArgv: ["--expose-gc", "--import", "tsx"],
            // The program may log; keep the parent's output to the tables.
            stdio: ["ignore", "pipe", "pipe", "ipc"],
        });
        this.child.stderr?.on("data", (d: Buffer) => (this.stderr += d.toString()));
        this.child.stdout?.resume();
        this.child.on("message", (m: CostReply) => this.settle(m.kind === "error" ? new Error(m.error) : m));
        this.child.on("error", (e) => this.settle(e));
        this.child.on("exit", (code) => {
            this.exited = `exited with code ${code}: ${this.stderr.trim() || "no output"}`;
            this.settle(new Error(this.exited));
        });
    }

    private settle(m: CostReply | Error): void {
        const w = this.waiting;
        this.waiting = undefined;
        if (!w) return;
        if (m instanceof Error) w.reject(new Error(`cost worker ${this.job.scenario.id}/${this.job.kind}: ${m.message}`));
        else w.resolve(m);
    }

    private next(request?: CostRequest): Promise<CostReply> {
        return new Promise((resolve, reject) => {
            if (this.exited !== undefined) return reject(new Error(`cost worker ${this.job.scenario.id}/${this.job.kind}: ${this.exited}`));
            this.waiting = { resolve, reject };
            if (request) this.child.send(request);
        });
    }

    static async start(job: CostJob): Promise<Worker> {
        const w = new Worker(job);
        await w.next();
        return w;
    }

    async warm(): Promise<void> {
        const m = await this.next({ cmd: "warm" });
        if (m.kind !== "warm") throw new Error(`cost worker ${this.job.scenario.id}/${this.job.kind}: expected warm, got ${m.kind}`);
    }

    /** Writes the resources of one (unmeasured) run to `file`, for the baseline; returns their count. */
    async describe(file: string): Promise<number> {
        const m = await this.next({ cmd: "describe", file });
        if (m.kind !== "described")
            throw new Error(`cost worker ${this.job.scenario.id}/${this.job.kind}: expected described, got ${m.kind}`);
        return m.resources;
    }

    async run(cmd: "run" | "runAsUp" = "run"): Promise<CostSample> {
        const m = await this.next({ cmd });
        if (m.kind !== "sample") throw new Error(`cost worker ${this.job.scenario.id}/${this.job.kind}: expected a sample, got ${m.kind}`);
        return m.sample;
    }

    /** Ends the process; returns its max RSS in MB. */
    async finish(): Promise<number> {
        const m = await this.next({ cmd: "exit" });
        if (m.kind !== "done") throw new Error(`cost worker ${this.job.scenario.id}/${this.job.kind}: expected done, got ${m.kind}`);
        return m.maxRssMB;
    }
}

export interface CostOptions {
    /** Pairs of runs measured at least, over all rounds of a scenario. */
    readonly runs: number;
    /** Keep measuring until our runs took this long in total (short scenarios are noisy), up to MAX_RUNS. */
    readonly minMs: number;
    /** New pairs of processes per scenario, each measuring its share of `runs` and `minMs`. */
    readonly rounds: number;
    /** Runs of the smallest scenario of the topology each process does first, not measured (module loading, JIT). */
    readonly warmup: number;
    readonly log: (line: string) => void;
    readonly scenarios?: readonly CostScenario[];
}

/** One round of a scenario: a new pair of processes (ours and the baseline), its measured runs and peak memory. */
export interface CostRound {
    /** Ours and the baseline, pair by pair (`ours[i]` and `baseline[i]` ran back to back). */
    readonly ours: readonly CostSample[];
    readonly baseline: readonly CostSample[];
    /** Ours as `pulumi up` runs it, one beside each baseline run from the second on (`asUp[i]` beside `baseline[i + 1]`). */
    readonly asUp: readonly CostSample[];
    readonly oursRssMB: number;
    readonly baselineRssMB: number;
}

/**
 * A scenario's figures from its rounds. Runs in one process share its JIT and heap state, so runs of
 * the same process agree with each other more than with another process's: each ratio is taken per
 * round (the median of its pairs; the ratio of its median allocations; of its processes' peak memory),
 * and the row's ratio is the median over the rounds, so one process's luck does not set the figure.
 * Times and allocations are medians over every run of every round; peak memory, the median over the
 * rounds' processes.
 */
export function combineRounds(scenario: CostScenario, rounds: readonly CostRound[]): CostRow {
    if (rounds.length === 0) throw new Error(`cost ${scenario.id}: no rounds`);
    const all = (pick: (r: CostRound) => readonly CostSample[]) => rounds.flatMap(pick);
    const perRound = (f: (r: CostRound) => number) => rounds.map(f);
    const pairRatio = (r: CostRound, of: (s: CostSample) => number) => median(r.ours.map((s, i) => of(s) / of(r.baseline[i])));
    const alloc = (xs: readonly CostSample[]) => median(xs.map((s) => s.allocatedMB));
    const timeRatios = perRound((r) => pairRatio(r, (s) => s.ms));
    const up = all((r) => r.asUp);
    return {
        scenario,
        runs: all((r) => r.ours).length,
        rounds: rounds.length,
        ours: summarize(
            all((r) => r.ours),
            median(perRound((r) => r.oursRssMB)),
        ),
        baseline: summarize(
            all((r) => r.baseline),
            median(perRound((r) => r.baselineRssMB)),
        ),
        timeRatio: median(timeRatios),
        roundTimeRatios: timeRatios,
        cpuRatio: median(perRound((r) => pairRatio(r, (s) => s.cpuMs))),
        allocRatio: median(perRound((r) => alloc(r.ours) / alloc(r.baseline))),
        rssRatio: median(perRound((r) => r.oursRssMB / r.baselineRssMB)),
        ...(up.length > 0
            ? {
                  asPulumiUp: {
                      ms: median(up.map((s) => s.ms)),
                      cpuMs: median(up.map((s) => s.cpuMs)),
                      timeRatio: median(rounds.flatMap((r) => r.asUp.map((s, i) => s.ms / r.baseline[i + 1].ms))),
                  },
              }
            : {}),
    };
}

/** The pairs one round measures at least, and its share of `minMs`: the scenario's totals split over the rounds. */
export function roundShare(opts: Pick<CostOptions, "runs" | "minMs" | "rounds">): {
    readonly runs: number;
    readonly minMs: number;
    readonly maxRuns: number;
} {
    return {
        runs: Math.max(1, Math.ceil(opts.runs / opts.rounds)),
        minMs: opts.minMs / opts.rounds,
        maxRuns: Math.max(1, Math.floor(MAX_RUNS / opts.rounds)),
    };
}

/** One round: a new pair of processes, warmed up, then pairs of runs back to back until the round's share is measured. */
async function measureRound(scenario: CostScenario, resourcesFile: string, opts: CostOptions): Promise<CostRound> {
    const share = roundShare(opts);
    const ours = await Worker.start({ scenario, kind: "ours" });
    for (let i = 0; i < opts.warmup; i++) await ours.warm();
    const a: CostSample[] = [await ours.run()];
    const baseline = await Worker.start({ scenario, kind: "baseline", resourcesFile });
    for (let i = 0; i < opts.warmup; i++) await baseline.warm();
    const b: CostSample[] = [await baseline.run()];
    // Ours as `pulumi up` runs it, one run beside each baseline run from the second pair on.
    const up: CostSample[] = [];
    let measured = a[0].ms;
    while (a.length < share.maxRuns && (a.length < share.runs || measured < share.minMs)) {
        // Alternate who goes first, so neither always runs on a CPU the other just warmed or heated.
        if (a.length % 2 === 1) {
            b.push(await baseline.run());
            a.push(await ours.run());
            up.push(await ours.run("runAsUp"));
        } else {
            up.push(await ours.run("runAsUp"));
            a.push(await ours.run());
            b.push(await baseline.run());
        }
        measured += a[a.length - 1].ms;
    }
    return { ours: a, baseline: b, asUp: up, oursRssMB: await ours.finish(), baselineRssMB: await baseline.finish() };
}

export async function measureCost(opts: CostOptions): Promise<CostRow[]> {
    const rows: CostRow[] = [];
    for (const scenario of opts.scenarios ?? COST_SCENARIOS.map((s) => acceptedScenario(s))) {
        opts.log(`cost: ${scenario.label}`);
        // The baseline registers our resources again, flat: they come from one unmeasured run of ours, in a
        // process of its own, so that neither measured process's peak memory holds work the other does not do.
        const resourcesFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-cost-")), `${scenario.id}.json`);
        const describer = await Worker.start({ scenario, kind: "ours" });
        await describer.describe(resourcesFile);
        await describer.finish();
        const rounds: CostRound[] = [];
        for (let i = 0; i < opts.rounds; i++) {
            opts.log(`cost: ${scenario.label}: round ${i + 1}/${opts.rounds}`);
            rounds.push(await measureRound(scenario, resourcesFile, opts));
        }
        fs.rmSync(path.dirname(resourcesFile), { recursive: true, force: true });
        rows.push(combineRounds(scenario, rounds));
    }
    return rows;
}

export interface Growth {
    readonly nodes: readonly number[];
    readonly msPerNode: readonly number[];
    readonly heapMBPerNode: readonly number[];
    readonly resourcesPerNode: readonly number[];
    readonly msFit: ReturnType<typeof linearFit>;
    readonly heapFit: ReturnType<typeof linearFit>;
    readonly resourcesFit: ReturnType<typeof linearFit>;
}

/** How the cluster scenarios grow with the node count. */
export function growth(rows: readonly CostRow[]): Growth | undefined {
    const cluster = rows.filter((r) => r.scenario.topology === "cluster").sort((a, b) => a.scenario.nodes - b.scenario.nodes);
    if (cluster.length < 2) return undefined;
    const nodes = cluster.map((r) => r.scenario.nodes);
    const ms = cluster.map((r) => r.ours.ms);
    const heap = cluster.map((r) => r.ours.allocatedMB);
    const res = cluster.map((r) => r.ours.resources);
    return {
        nodes,
        msPerNode: increments(nodes, ms),
        heapMBPerNode: increments(nodes, heap),
        resourcesPerNode: increments(nodes, res),
        msFit: linearFit(nodes, ms),
        heapFit: linearFit(nodes, heap),
        resourcesFit: linearFit(nodes, res),
    };
}

const ratio = (x: number) => `${fixed(x, 2)}x`;
/** The highest of a row's ratios the overhead goal reads (time, allocation, peak RSS), and which it is. */
export function worstRatio(r: CostRow): { readonly measure: "time" | "allocation" | "peak RSS"; readonly ratio: number } {
    const all = [
        { measure: "time" as const, ratio: r.timeRatio },
        { measure: "allocation" as const, ratio: r.allocRatio },
        { measure: "peak RSS" as const, ratio: r.rssRatio },
    ];
    return all.reduce((w, x) => (x.ratio > w.ratio ? x : w));
}
const meets = (r: CostRow) => worstRatio(r).ratio <= OVERHEAD_GOAL;

export function renderCost(rows: readonly CostRow[], opts: Pick<CostOptions, "runs" | "minMs" | "warmup" | "rounds">): string {
    const out: string[] = [];
    out.push(costMethod(rows, opts), "");
    out.push(costTable(rows), "");
    for (const r of rows.filter((x) => x.scenario.requested !== undefined)) {
        out.push(
            `${r.scenario.label}: the program's config validation rejects ${r.scenario.requested} nodes (${r.scenario.rejection}), ` +
                `so this scenario measures ${r.scenario.nodes}, the largest size it accepts (found by bisection).`,
            "",
        );
    }
    const met = rows.filter(meets).length;
    out.push(
        `Overhead goal (time, allocation and peak RSS each <= ${OVERHEAD_GOAL}x the baseline): ` +
            `${met === rows.length ? "met" : "NOT met"}, in ${met} of ${rows.length} scenarios; highest ratios: ` +
            `time ${ratio(Math.max(...rows.map((r) => r.timeRatio)))}, allocation ${ratio(Math.max(...rows.map((r) => r.allocRatio)))}, ` +
            `peak RSS ${ratio(Math.max(...rows.map((r) => r.rssRatio)))}.`,
        "",
    );
    out.push(...asPulumiUpSection(rows));
    out.push(...growthSection(rows));
    return out.join("\n");
}

/** What `pulumi up` waits for: ours with the SDK's promise traces dropped, as its preload runs it, beside the baseline as it is. */
function asPulumiUpSection(rows: readonly CostRow[]): string[] {
    const measured = rows.filter((r) => r.asPulumiUp !== undefined);
    if (measured.length === 0) return [];
    return [
        "As `pulumi up` runs this repository's program: its preload (Pulumi.yaml `nodeargs`, tools/sourcemaps-preload.ts) leaves " +
            "empty the stack trace the SDK stores on each of its promises, which only the SDK's leak report reads with " +
            "`PULUMI_DEBUG_PROMISE_LEAKS` set (tools/promisestacks.ts). One such run of ours beside each baseline run after the first " +
            "(same processes); the baseline is a flat program with the SDK as it is. Not the overhead goal above, which compares like with like.",
        "",
        table(
            [
                "scenario",
                "ours as `pulumi up` runs it ms",
                "CPU ms",
                "baseline ms",
                "ratio to the baseline",
                "ours with the SDK's traces ms",
            ],
            measured.map((r) => [
                r.scenario.label,
                fixed(r.asPulumiUp!.ms, 0),
                fixed(r.asPulumiUp!.cpuMs, 0),
                fixed(r.baseline.ms, 0),
                ratio(r.asPulumiUp!.timeRatio),
                fixed(r.ours.ms, 0),
            ]),
        ),
        "",
    ];
}

/** How the scenarios are measured (the paragraph above the table). */
function costMethod(rows: readonly CostRow[], opts: Pick<CostOptions, "runs" | "minMs" | "warmup" | "rounds">): string {
    return (
        "Each scenario is the generic example stack of its topology (" +
        [...new Set(rows.map((r) => r.scenario.topology))].map((t) => `${t}: ${exampleStackOf(t).stack}`).join(", ") +
        ") with `nodeCount` set, " +
        "evaluated by `runProgram` (tools/harness.ts) under the mock runtime. The baseline registers the same cloud resources again " +
        "(the same types, names and input values, recorded from one unmeasured run of ours) through the same SDK classes and " +
        "harness, flat: no config, plan or components. It keeps the dependencies between the resources, which are theirs, not the " +
        "package's (an attachment needs its instance's id, a node's document its peers' addresses): each input that another resource's " +
        "outputs fed in ours is an Output of that resource there (the output itself when the value is one of its outputs as it is, " +
        "else derived from its id, through one shared `pulumi.all` per set of resources), with the same value, " +
        "and `dependsOn` where ours has it (tools/bench/scenarios.ts `baselineProgram`). Both run with the SDK as it is, which stores a stack trace " +
        "on each of its promises; `pulumi up` of this repository's program leaves those empty (tools/promisestacks.ts, most of " +
        "the CPU time below), which this comparison leaves out, so the ratio is the package's own overhead. Ours and the baseline run in two " +
        "child processes of their own, driven in turns: " +
        `${opts.warmup} warm-up run${opts.warmup === 1 ? "" : "s"} each (on the smallest scenario of the topology), then pairs of ` +
        `runs back to back. Each scenario is measured in ${opts.rounds === 1 ? "1 round (one pair of processes)" : `${opts.rounds} rounds, each with a new pair of processes`} ` +
        `(runs in one process share its JIT and heap state, and agree with each other more than with another process's), ` +
        `at least ${opts.runs} pairs and ${fixed(opts.minMs / 1000, 1)} s of our runs over the rounds (at most ${MAX_RUNS}). ` +
        "Times and allocations are medians over all runs; each ratio is taken per round (the time ratio is the median of the ratios " +
        "of its pairs, so a change in machine load during the benchmark affects both sides alike) and the row shows the median over " +
        "the rounds (tools/bench/cost.ts `combineRounds`), so one process's luck does not set the figure. " +
        "CPU ms: the process's CPU time during the run (user + system, GC threads included), which waiting for the CPU " +
        "on a busy machine does not inflate; shown beside the time, the verdict reads the time. " +
        "Allocated: heap allocated during one run (the heap's growth plus what each collection in it freed, from " +
        "`v8.GCProfiler`); it does not depend on when V8 collects. Peak RSS: the highest resident memory of the child process " +
        "(`process.resourceUsage().maxRSS`; the median over the rounds), so the peak memory of one evaluation of that scenario, loaded modules included " +
        "(the run of ours whose resources the baseline registers is made in a third process, so neither holds work the other does not do) " +
        "(most of the figure for small scenarios, which is why its ratio stays near 1)."
    );
}

/** One row per scenario: ours against the baseline in time, allocation and peak RSS. */
function costTable(rows: readonly CostRow[]): string {
    return table(
        [
            "scenario",
            "registrations",
            "resources",
            "rounds",
            "pairs",
            "time ms",
            "baseline ms",
            "time ratio",
            "rounds' time ratios",
            "CPU ms",
            "baseline CPU ms",
            "CPU ratio",
            "allocated MB",
            "baseline MB",
            "ratio",
            "peak RSS MB",
            "baseline MB",
            "ratio",
            `<= ${OVERHEAD_GOAL}x`,
        ],
        rows.map((r) => [
            r.scenario.label,
            r.ours.registrations,
            r.ours.resources,
            r.rounds,
            r.runs,
            fixed(r.ours.ms),
            fixed(r.baseline.ms),
            ratio(r.timeRatio),
            r.roundTimeRatios.map((x) => fixed(x, 2)).join(", "),
            fixed(r.ours.cpuMs),
            fixed(r.baseline.cpuMs),
            ratio(r.cpuRatio),
            fixed(r.ours.allocatedMB, 1),
            fixed(r.baseline.allocatedMB, 1),
            ratio(r.allocRatio),
            fixed(r.ours.maxRssMB),
            fixed(r.baseline.maxRssMB),
            ratio(r.rssRatio),
            meets(r) ? "met" : "NOT met",
        ]),
    );
}

/** The cost of each extra node (cluster scenarios), when there are sizes to compare. */
function growthSection(rows: readonly CostRow[]): string[] {
    const out: string[] = [];
    const g = growth(rows);
    if (g) {
        out.push("Growth with nodes (cluster scenarios): cost of each extra node between consecutive sizes, and a least-squares line.", "");
        const steps = g.nodes.slice(1).map((n, i) => `${g.nodes[i]} -> ${n}`);
        out.push(
            table(
                ["per extra node", ...steps, "linear fit slope", "R^2"],
                [
                    ["time ms", ...g.msPerNode.map((x) => fixed(x, 1)), fixed(g.msFit.slope, 1), fixed(g.msFit.r2, 3)],
                    ["allocated MB", ...g.heapMBPerNode.map((x) => fixed(x, 2)), fixed(g.heapFit.slope, 2), fixed(g.heapFit.r2, 3)],
                    [
                        "resources",
                        ...g.resourcesPerNode.map((x) => fixed(x, 1)),
                        fixed(g.resourcesFit.slope, 1),
                        fixed(g.resourcesFit.r2, 3),
                    ],
                ],
            ),
            "",
        );
    }
    return out;
}
