/**
 * Failover figures of each example stack, from the pure failover analysis
 * (components/plan/failover.ts) when the package has one, beside the floor AWS allows.
 */
import * as path from "node:path";
import type { TopologyPlan } from "../../components/plan";
import { fixed, table } from "./markdown";
import { planOf, type StackConfig } from "./scenarios";

export type FailoverAnalysis = (plan: TopologyPlan) => unknown;

export type LoadedAnalysis =
    | { readonly available: true; readonly name: string; readonly analyse: FailoverAnalysis }
    | { readonly available: false; readonly reason: string };

export const FAILOVER_MODULE = path.join(__dirname, "..", "..", "components", "plan", "failover");

/**
 * The analysis function exported by the failover module: the one export whose name mentions
 * failover. Loaded at run time, so the benchmark builds whether or not the module exists yet.
 */
export function loadFailoverAnalysis(modulePath: string = FAILOVER_MODULE): LoadedAnalysis {
    let mod: Record<string, unknown>;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        mod = require(modulePath) as Record<string, unknown>;
    } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === "MODULE_NOT_FOUND" && err.message.includes(modulePath))
            return { available: false, reason: "failover analysis not built" };
        throw e;
    }
    const candidates = Object.entries(mod).filter(([k, v]) => typeof v === "function" && /failover/i.test(k));
    if (candidates.length !== 1) {
        return {
            available: false,
            reason: `${path.relative(process.cwd(), modulePath)} exports ${candidates.length} functions named *failover* (${candidates.map(([k]) => k).join(", ") || "none"}); expected one taking the plan`,
        };
    }
    const [name, fn] = candidates[0];
    return { available: true, name, analyse: fn as FailoverAnalysis };
}

/** Leaves of a value as `path = value` pairs (numbers, strings, booleans), for a table of figures. */
export function flatten(v: unknown, prefix = ""): [string, string][] {
    if (v === null || v === undefined) return [[prefix || "(value)", String(v)]];
    if (typeof v !== "object") return [[prefix || "(value)", typeof v === "number" ? fixed(v, Number.isInteger(v) ? 0 : 1) : String(v)]];
    if (Array.isArray(v)) return v.flatMap((x, i) => flatten(x, `${prefix}[${i}]`));
    return Object.entries(v).flatMap(([k, x]) => flatten(x, prefix ? `${prefix}.${k}` : k));
}

/** Fastest failure detection AWS offers: 2 target-group checks 5 s apart, or one Route 53 check at its 10 s interval. */
export const FLOOR_DETECTION_SECONDS = 10;

export interface FloorFigures {
    readonly detection: number;
    /** Time for clients to reach the new target once detected: nothing behind a load balancer, the TTL for a DNS move. */
    readonly move: number;
    readonly how: string;
}

export function failoverFloor(plan: TopologyPlan): FloorFigures {
    const record = plan.dns[0];
    if (!record || record.target.kind === "loadBalancer") {
        return { detection: FLOOR_DETECTION_SECONDS, move: 0, how: "load balancer stops routing to the failed target" };
    }
    return {
        detection: FLOOR_DETECTION_SECONDS,
        move: record.effectiveTtl,
        how: `DNS record moves; resolvers follow after the ${record.effectiveTtl} s TTL`,
    };
}

export function renderFailover(stacks: readonly StackConfig[], loaded: LoadedAnalysis = loadFailoverAnalysis()): string {
    const plans = stacks.map((s) => ({ stack: s.stack, plan: planOf(s.config, s.stack) }));
    const out: string[] = [];
    if (loaded.available) {
        out.push(`From \`${loaded.name}\` (components/plan/failover.ts) on each example stack's plan:`, "");
        const rows = plans.flatMap(({ stack, plan }) => flatten(loaded.analyse(plan)).map(([k, v]) => [stack, k, v]));
        out.push(table(["stack", "figure", "value"], rows), "");
    } else {
        out.push(`Analysis: not available: ${loaded.reason}.`, "");
    }
    out.push(
        "AWS floor: detection about 10 s (target-group health check at its 5 s minimum interval x 2, or a Route 53 health " +
            "check at its 10 s interval x 1); a move by DNS adds the record's TTL, one behind a load balancer adds nothing.",
        "",
        table(
            ["stack", "topology", "floor detection s", "floor move s", "floor total s", "how clients move"],
            plans.map(({ stack, plan }) => {
                const f = failoverFloor(plan);
                return [stack, plan.topology, f.detection, f.move, f.detection + f.move, f.how];
            }),
        ),
        "",
    );
    return out.join("\n");
}
