/**
 * The cost line of the offline plan and of `--diff`: the monthly cost of what the run registers, from
 * the dated price table (components/plan/prices.ts). Pure: takes a recorded run.
 */
import { type CostEstimate, estimateCost } from "../../components/plan/cost";
import { HOURS_PER_MONTH, PRICE_TABLE_FILE } from "../../components/plan/prices";
import type { ProgramRun } from "../harness";

/** The region a stack's resources go to when they name none (config `aws:region`). */
export function stackRegion(run: Pick<ProgramRun, "config">): string {
    return run.config["aws:region"] ?? "(no aws:region)";
}

/** The monthly cost of the custom resources the run registered. */
export function stackCost(run: Pick<ProgramRun, "config" | "resources">): CostEstimate {
    return estimateCost(
        run.resources.filter((r) => r.custom),
        stackRegion(run),
    );
}

export const usd = (n: number): string => `$${n.toFixed(2)}`;

function summary(c: CostEstimate): string {
    const missing = c.notPriced.length > 0 ? ` + ${c.notPriced.length} not priced` : "";
    return `${usd(c.monthlyUsd)}/month${missing}`;
}

/** The plan's cost section: the total, one line per priced item, then what is not priced or not counted. */
export function costLines(c: CostEstimate): string[] {
    const lines = [
        `cost: ${summary(c)}  (${c.region}, On-Demand, ${HOURS_PER_MONTH} h/month; prices and their sources: ${PRICE_TABLE_FILE})`,
    ];
    const w = Math.max(0, ...c.lines.map((l) => l.item.length));
    for (const l of c.lines) {
        lines.push(`  ${usd(l.monthlyUsd).padStart(10)}  ${l.item.padEnd(w)}  ${l.quantity} ${l.unit} x $${l.usdPerUnit}`);
    }
    lines.push(...c.notPriced.map((p) => `  not priced: ${p}`));
    lines.push(...c.notCounted.map((p) => `  not counted: ${p.replace(/: not counted: /, ": ")}`));
    return lines;
}

export interface CostChange {
    readonly before?: CostEstimate;
    readonly after: CostEstimate;
    /** after - before, priced items only (the whole `after` when the stack is new). */
    readonly deltaUsd: number;
}

export function costChange(before: CostEstimate | undefined, after: CostEstimate): CostChange {
    return { ...(before ? { before } : {}), after, deltaUsd: after.monthlyUsd - (before?.monthlyUsd ?? 0) };
}

/** `cost: $A/month -> $B/month (+$D)`, then the items whose monthly cost changed, and new "not priced" items. */
export function costChangeLines(c: CostChange): string[] {
    const sign = c.deltaUsd >= 0 ? "+" : "-";
    const head = `cost: ${c.before ? summary(c.before) : "(new stack)"} -> ${summary(c.after)} (${sign}${usd(Math.abs(c.deltaUsd))}/month)`;
    const was = new Map((c.before?.lines ?? []).map((l) => [l.item, l.monthlyUsd]));
    const now = new Map(c.after.lines.map((l) => [l.item, l.monthlyUsd]));
    const items = [...new Set([...was.keys(), ...now.keys()])].filter((i) => (was.get(i) ?? 0).toFixed(2) !== (now.get(i) ?? 0).toFixed(2));
    const oldMissing = new Set(c.before?.notPriced ?? []);
    return [
        head,
        ...items.map((i) => `  ${i}: ${usd(was.get(i) ?? 0)} -> ${usd(now.get(i) ?? 0)}`),
        ...c.after.notPriced.filter((p) => !oldMissing.has(p)).map((p) => `  not priced: ${p}`),
    ];
}
