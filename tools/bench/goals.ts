/**
 * The goals of issue 16's "Done when", each read from what a regression would change: the plan's
 * failover analysis and runbooks, the plan diff of a promotion, and the measured program cost.
 * None of them is a floor that any stack meets by construction.
 */
import type { TopologyPlan } from "../../components/plan";
import { type PulumiProgram, runProgram } from "../harness";
import { type Classified, classify } from "./blast";
import { type CostRow, OVERHEAD_GOAL, worstRatio } from "./cost";
import { fixed, table } from "./markdown";
import { configValue, exampleStackOf, type FlatConfig, planOf, type StackConfig, withKeys } from "./scenarios";

export interface GoalRow {
    readonly goal: string;
    /** What was measured, in words and numbers. */
    readonly measured: string;
    /** Where the figure comes from. */
    readonly source: string;
    /** Undefined: not measured in this run. */
    readonly met?: boolean;
}

const ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment::";

/**
 * HA promotion behind a load balancer: no target-group attachment is created, replaced or deleted
 * (a new NLB target takes minutes before it gets traffic), and the runbook's figure for clients to
 * follow is at most 2 x the health-check interval (they move once the new primary passes).
 */
export function promotionGoal(stack: string, plan: TopologyPlan, promoted: string, diff: Classified): GoalRow {
    const goal = "HA promotion behind a load balancer: no attachment replaced; clients move within 2 x interval of the new primary passing";
    const source = `plan diff of the promotion and the plan's runbook (stack ${stack})`;
    const intervals = plan.loadBalancer?.targetGroups.map((t) => t.healthCheck.interval) ?? [];
    if (intervals.length === 0) return { goal, measured: `stack ${stack} has no load balancer`, source, met: false };
    const interval = Math.max(...intervals);
    const moved = [...diff.created, ...diff.replaced, ...diff.deleted].filter((k) => k.startsWith(ATTACHMENT));
    const follow = plan.runbooks.find((r) => r.key === `promote-${promoted}`)?.after?.clientsFollowSeconds;
    const parts = [
        `${moved.length} attachment${moved.length === 1 ? "" : "s"} created, replaced or deleted`,
        follow === undefined ? "no promotion runbook figure" : `clients follow in ${follow} s (2 x ${interval} s = ${2 * interval} s)`,
    ];
    return { goal, measured: parts.join("; "), source, met: moved.length === 0 && follow !== undefined && follow <= 2 * interval };
}

/** Seconds until the loss of a serving node is detected, worst case over the plans' node scenarios with automatic failover. */
function worstNodeDetection(plans: readonly { readonly plan: TopologyPlan }[]): number | undefined {
    const seconds = plans.flatMap(({ plan }) =>
        plan.failoverAnalysis.scenarios
            .filter((s) => s.kind === "node" && s.failover === "automatic")
            .map((s) => s.detectSeconds ?? Infinity),
    );
    return seconds.length === 0 ? undefined : Math.max(...seconds);
}

/** Cluster stacks whose load balancer detects a failed node: at most 10 s with the defaults. */
export function clusterDetectionGoal(plans: readonly { readonly stack: string; readonly plan: TopologyPlan }[]): GoalRow {
    const lb = plans.filter((p) => p.plan.topology === "cluster" && p.plan.failoverAnalysis.mechanism === "loadBalancer");
    const worst = worstNodeDetection(lb);
    return {
        goal: "cluster: a failed serving node detected within 10 s by default",
        measured:
            worst === undefined
                ? "no cluster stack detects by load balancer"
                : `${fixed(worst)} s (worst of ${lb.map((p) => p.stack).join(", ")})`,
        source: "failover analysis of the plan (components/plan/failover.ts)",
        met: worst !== undefined && worst <= 10,
    };
}

/** The primary's loss in a plan's failover analysis. */
function primaryLoss(plan: TopologyPlan) {
    return plan.failoverAnalysis.scenarios.find((s) => s.kind === "node" && s.nodesLost.includes(plan.primary ?? ""));
}

/**
 * HA with `failover: automatic`: the primary's loss detected within 30 s, read from `plan` (the form
 * the goal is for: behind a load balancer). `dnsForm`, when given, is shown beside it: DNS failover
 * cannot be as fast (Route 53 follows standard-resolution alarms only).
 */
export function haAutomaticDetectionGoal(stack: string, plan: TopologyPlan, variant: string, dnsForm?: TopologyPlan): GoalRow {
    const scenario = primaryLoss(plan);
    const seconds = scenario?.detectSeconds;
    const dns = dnsForm && primaryLoss(dnsForm);
    return {
        goal: "HA automatic failover: the primary's loss detected within 30 s",
        measured:
            (seconds === undefined ? "nothing detects it" : `${fixed(seconds)} s (${scenario!.detectedBy})`) +
            (dns?.detectSeconds === undefined
                ? ""
                : `; DNS failover without a load balancer: ${fixed(dns.detectSeconds)} s (${dns.detectedBy})`),
        source: `failover analysis of the plan (stack ${stack}, ${variant})`,
        met: plan.failoverAnalysis.mechanism === "automatic" && seconds !== undefined && seconds <= 30,
    };
}

/** Program cost: time (median of paired ratios) at most OVERHEAD_GOAL x the same-types baseline in every scenario. */
export function costGoal(rows: readonly CostRow[] | undefined): GoalRow {
    const goal = `program cost at most ${OVERHEAD_GOAL}x the same-types flat baseline (time, allocation and peak RSS, every scenario)`;
    const source = "section 1 (measured in this run)";
    if (!rows || rows.length === 0) return { goal, measured: "not measured in this run (`--only` left out cost)", source };
    const worst = rows.map((r) => ({ r, w: worstRatio(r) })).reduce((a, b) => (b.w.ratio > a.w.ratio ? b : a));
    return {
        goal,
        measured: `highest ${fixed(worst.w.ratio, 2)}x (${worst.w.measure}, ${worst.r.scenario.label})`,
        source,
        met: worst.w.ratio <= OVERHEAD_GOAL,
    };
}

export function renderGoals(rows: readonly GoalRow[]): string {
    const verdict = (r: GoalRow) => (r.met === undefined ? "not measured" : r.met ? "met" : "NOT met");
    return [
        "Each goal is read from what a regression would change (the plan, a plan diff, a measurement); a goal is NOT met until " +
            "the figure it reads says so.",
        "",
        table(
            ["goal", "measured", "from", "verdict"],
            rows.map((r) => [r.goal, r.measured, r.source, verdict(r)]),
        ),
        "",
    ].join("\n");
}

/** Runs what the goals read: the example stacks' plans, and a promotion of the HA stack behind a load balancer. */
export async function measureGoals(
    program: PulumiProgram,
    stacks: readonly StackConfig[],
    cost: readonly CostRow[] | undefined,
): Promise<GoalRow[]> {
    const plans = stacks.map((s) => ({ stack: s.stack, plan: planOf(s.config, s.stack) }));
    const behindLb =
        stacks.find((s) => configValue(s.config, "topology") === "ha" && planOf(s.config, s.stack).loadBalancer !== undefined) ??
        (() => {
            const ha = exampleStackOf("ha");
            return { stack: ha.stack, config: withKeys(ha.config, { loadBalancer: { kind: "nlb" } }) };
        })();
    const plan = planOf(behindLb.config, behindLb.stack);
    const primary = plan.primary ?? plan.nodes[0].key;
    const promoted = plan.nodes.find((n) => n.key !== primary)?.key;
    if (promoted === undefined) throw new Error(`stack ${behindLb.stack} has one node: nothing to promote`);
    const runOf = async (config: FlatConfig) => {
        const r = await runProgram(program, { stack: behindLb.stack, config: { ...config } });
        if (r.error) throw new Error(`${behindLb.stack}: ${r.error.message}`);
        return r;
    };
    const diff = classify(
        await runOf(withKeys(behindLb.config, { primary })),
        await runOf(withKeys(behindLb.config, { primary: promoted })),
    );
    const ha = exampleStackOf("ha");
    const automatic = withKeys(ha.config, { failover: "automatic" });
    const automaticBehindLb = withKeys(ha.config, { failover: "automatic", loadBalancer: { kind: "nlb" } });
    return [
        promotionGoal(behindLb.stack, plan, promoted, diff),
        clusterDetectionGoal(plans),
        haAutomaticDetectionGoal(
            ha.stack,
            planOf(automaticBehindLb, ha.stack),
            "failover: automatic behind an NLB",
            planOf(automatic, ha.stack),
        ),
        costGoal(cost),
    ];
}
