/**
 * Child process of the program-cost benchmark: evaluates one scenario (the real program, or the
 * flat baseline) under the mock runtime each time the parent asks, and answers with time and heap
 * over IPC. One process per scenario and kind, so one's heap never inflates another's figures; the
 * parent alternates between the two processes of a scenario so both see the same machine load.
 * Started by tools/bench/cost.ts with `--expose-gc --import tsx`.
 */
import { GCProfiler, getHeapStatistics } from "node:v8";
import { runProgram, type PulumiProgram } from "../harness";
import { loadProgram } from "../plan";
import { dropPromiseStacks } from "../promisestacks";
import * as fs from "node:fs";
import {
    baselineProgram,
    COST_SCENARIOS,
    type CostScenario,
    firstResources,
    flatResources,
    type FlatResource,
    scenarioConfig,
} from "./scenarios";

export interface CostJob {
    /** As the parent resolved it (`acceptedScenario`), so both agree on the node count. */
    readonly scenario: CostScenario;
    readonly kind: "ours" | "baseline";
    /** Baseline only: a JSON file with the resources to register (`FlatResource[]`, from an `ours` worker's `describe`). */
    readonly resourcesFile?: string;
}

export interface CostSample {
    readonly ms: number;
    /** CPU time of the process during the run (user + system, all its threads, GC included). */
    readonly cpuMs: number;
    /** Heap allocated during the run: its growth plus what each GC in it freed. */
    readonly allocatedMB: number;
    /** Every registration, including the stack and components. */
    readonly registrations: number;
    /** Custom resources (what a cloud account would hold). */
    readonly resources: number;
}

/** `warm`: one run of a small variant (JIT and lazy module loading), not measured. */
/** `describe` (ours only): one run, not measured, whose cloud resources the baseline registers again into `file`. */
/** `runAsUp` (ours only): one measured run as `pulumi up` runs the program: the SDK's promise traces dropped, as its preload does. */
export type CostRequest =
    | { readonly cmd: "warm" }
    | { readonly cmd: "run" }
    | { readonly cmd: "runAsUp" }
    | { readonly cmd: "describe"; readonly file: string }
    | { readonly cmd: "exit" };

export type CostReply =
    | { readonly kind: "ready" }
    | { readonly kind: "sample"; readonly sample: CostSample }
    | { readonly kind: "warm" }
    | { readonly kind: "described"; readonly resources: number }
    | { readonly kind: "done"; readonly maxRssMB: number }
    | { readonly kind: "error"; readonly error: string };

const MB = 1024 * 1024;
const heapUsed = () => getHeapStatistics().used_heap_size;

function forceGc(): void {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error("cost-worker needs --expose-gc");
    gc();
}

export async function measure(program: PulumiProgram, stack: string, config: Record<string, string>): Promise<CostSample> {
    forceGc();
    const before = heapUsed();
    // Between collections the heap only grows, so what the run allocated is the heap's growth plus
    // what each collection freed; the GC profiler reports the heap size around every collection.
    const profiler = new GCProfiler();
    profiler.start();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const run = await runProgram(program, { stack, config });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const end = heapUsed();
    const gcs = profiler.stop();
    const freed = gcs.statistics.reduce(
        (sum, g) => sum + g.beforeGC.heapStatistics.usedHeapSize - g.afterGC.heapStatistics.usedHeapSize,
        0,
    );
    if (run.error) throw run.error;
    if (run.unhandledRejections.length > 0) throw new Error(`unhandled rejection: ${String(run.unhandledRejections[0])}`);
    return {
        ms,
        cpuMs: (cpu.user + cpu.system) / 1000,
        allocatedMB: (end - before + freed) / MB,
        registrations: run.resources.length,
        resources: run.resources.filter((r) => r.custom).length,
    };
}

/** Resources the baseline registers to warm up: enough to compile every path, few enough to be quick. */
const BASELINE_WARMUP = 50;

interface Prepared {
    readonly warm: () => Promise<unknown>;
    readonly once: () => Promise<CostSample>;
    readonly describe?: (file: string) => Promise<number>;
}

function prepare(job: CostJob): Prepared {
    const scenario = job.scenario;
    const { stack, config } = scenarioConfig(scenario);
    if (job.kind === "ours") {
        const program = loadProgram();
        // Warming up on the smallest scenario of the topology runs the same code in a fraction of the time.
        const smallest = COST_SCENARIOS.filter((s) => s.topology === scenario.topology).sort((a, b) => a.nodes - b.nodes)[0];
        const small = scenarioConfig(smallest);
        const describe = async (file: string) => {
            const run = await runProgram(program, { stack, config: { ...config } });
            if (run.error) throw run.error;
            const flat = flatResources(run);
            fs.writeFileSync(file, JSON.stringify(flat));
            return flat.length;
        };
        return {
            warm: () => measure(program, small.stack, { ...small.config }),
            once: () => measure(program, stack, { ...config }),
            describe,
        };
    }
    if (job.resourcesFile === undefined) throw new Error("baseline job without its resources");
    const resources = JSON.parse(fs.readFileSync(job.resourcesFile, "utf8")) as FlatResource[];
    const region = { "aws:region": config["aws:region"] ?? "us-east-1" };
    const program = baselineProgram(resources);
    const small = baselineProgram(firstResources(resources, BASELINE_WARMUP));
    return { warm: () => measure(small, stack, region), once: () => measure(program, stack, region) };
}

/** One run with the SDK's promise traces dropped (tools/sourcemaps-preload.ts does this in `pulumi up`), restored after. */
async function asPulumiUp(once: () => Promise<CostSample>): Promise<CostSample> {
    const restore = dropPromiseStacks();
    try {
        return await once();
    } finally {
        restore();
    }
}

if (require.main === module) {
    const send = (m: CostReply) => process.send!(m);
    const fail = (e: unknown) => {
        send({ kind: "error", error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        process.disconnect();
    };
    try {
        const { warm, once, describe } = prepare(JSON.parse(process.argv[2] ?? "{}") as CostJob);
        process.on("message", (m: CostRequest) => {
            if (m.cmd === "exit") {
                process.send!({ kind: "done", maxRssMB: process.resourceUsage().maxRSS / 1024 } satisfies CostReply, () =>
                    process.disconnect(),
                );
                return;
            }
            if (m.cmd === "describe") {
                if (!describe) return fail(new Error("only the program's worker describes its resources"));
                describe(m.file).then((n) => send({ kind: "described", resources: n }), fail);
            } else if (m.cmd === "warm") warm().then(() => send({ kind: "warm" }), fail);
            else if (m.cmd === "runAsUp") asPulumiUp(once).then((sample) => send({ kind: "sample", sample }), fail);
            else once().then((sample) => send({ kind: "sample", sample }), fail);
        });
        send({ kind: "ready" });
    } catch (e) {
        fail(e);
    }
}
