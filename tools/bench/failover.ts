/**
 * Failover figures of each example stack, from the plan's own failover analysis
 * (`planTopology(spec).failoverAnalysis`, components/plan/failover.ts), beside the floor AWS allows
 * for the same move, with the reasons where the stack's settings are slower.
 */
import { ALIAS_TTL, ELB_ZONE_DETECT, type FailureScenario, ROUTE53_PROPAGATION, type TopologyPlan } from "../../components/plan";
import { fixed, table } from "./markdown";
import { planOf, type StackConfig } from "./scenarios";

/** Fastest failure detection AWS offers: 2 target-group checks 5 s apart, or one Route 53 check at its 10 s interval. */
export const FLOOR_DETECTION_SECONDS = 10;
/** Fastest a new target enters a target group: 2 passed checks (the lowest healthy threshold) 5 s apart. */
export const FLOOR_TARGET_IN_SECONDS = 10;

/** How clients reach a healthy node again after a failure. */
export type Move =
    /** The service's DNS record moves to another node: resolvers follow after its TTL. */
    | { readonly kind: "dns"; readonly ttl: number }
    /** The load balancer stops routing to a failed target. */
    | { readonly kind: "drop-target" }
    /** A promotion registers the new primary with the load balancer, which routes to it once it passes its checks. */
    | { readonly kind: "new-target"; readonly interval: number; readonly healthyThreshold: number }
    /** The load balancer's node in a zone is gone: clients holding its address re-resolve after the alias TTL. */
    | { readonly kind: "lb-zone" };

export interface ScenarioFloor {
    readonly detect: number;
    /** From detection until clients reach a healthy node. */
    readonly move: number;
    readonly moves: readonly Move[];
}

/** Whether clients reach the service through the load balancer (a cluster always; HA when DNS aliases it). */
function throughLoadBalancer(plan: TopologyPlan): boolean {
    return plan.loadBalancer !== undefined && (plan.topology === "cluster" || plan.dns.some((r) => r.target.kind === "loadBalancer"));
}

/** Zones the load balancer has a node in (every zone of a created VPC; else its subnets' zones, when known). */
export function loadBalancerZones(plan: TopologyPlan): readonly string[] {
    const net = plan.network;
    if (net.kind === "create") return net.zones;
    const byId = new Map(net.subnets.map((s) => [s.id, s.zone]));
    return [...new Set(net.loadBalancerSubnets.flatMap((id) => byId.get(id) ?? []))];
}

/** What has to move for clients in this scenario, from the plan (not from the analysis being compared). */
export function movesOf(plan: TopologyPlan, s: FailureScenario): Move[] {
    const lost = new Set(s.nodesLost);
    const viaLb = throughLoadBalancer(plan);
    const moves: Move[] = [];
    if (plan.topology === "ha" && plan.primary !== undefined && lost.has(plan.primary)) {
        const hc = plan.loadBalancer?.targetGroups[0]?.healthCheck;
        if (viaLb && hc) moves.push({ kind: "new-target", interval: hc.interval, healthyThreshold: hc.healthyThreshold });
        else moves.push({ kind: "dns", ttl: Math.max(...plan.dns.map((r) => r.effectiveTtl)) });
    }
    if (plan.topology === "cluster" && plan.nodes.some((n) => n.serving && lost.has(n.key))) moves.push({ kind: "drop-target" });
    const zone = s.key.slice(s.key.indexOf(":") + 1);
    if (viaLb && (s.kind === "loadBalancerZone" || (s.kind === "zone" && loadBalancerZones(plan).includes(zone)))) {
        moves.push({ kind: "lb-zone" });
    }
    return moves;
}

const floorMove = (m: Move): number =>
    m.kind === "dns" ? m.ttl : m.kind === "new-target" ? FLOOR_TARGET_IN_SECONDS : m.kind === "lb-zone" ? ALIAS_TTL : 0;

/**
 * The AWS floor for this scenario: detection at the fastest health check, then the slowest of the
 * moves it needs. Undefined when no client has to move, or when no node is left to move to.
 */
export function scenarioFloor(plan: TopologyPlan, s: FailureScenario): ScenarioFloor | undefined {
    const moves = movesOf(plan, s);
    const nothingLeft = !s.staysUp && s.followSeconds === undefined && s.clientsMoveSeconds === undefined;
    if (moves.length === 0 || nothingLeft) return undefined;
    return { detect: FLOOR_DETECTION_SECONDS, move: Math.max(...moves.map(floorMove)), moves };
}

/** Why the stack's move takes longer than the floor's for this move, in this stack's numbers. */
function slowerMove(m: Move, s: FailureScenario, floor: ScenarioFloor): string | undefined {
    const follow = s.followSeconds ?? 0;
    switch (m.kind) {
        case "dns":
            return follow > m.ttl
                ? `the record change reaches Route 53's name servers in up to ${ROUTE53_PROPAGATION} s before resolvers wait out the ${m.ttl} s TTL (the floor counts the TTL only)`
                : undefined;
        case "new-target":
            return follow > FLOOR_TARGET_IN_SECONDS && m.interval * m.healthyThreshold > FLOOR_TARGET_IN_SECONDS
                ? `the new primary enters the target group after ${m.healthyThreshold} passed checks ${m.interval} s apart (${m.interval * m.healthyThreshold} s; floor 2 x 5 s)`
                : undefined;
        case "lb-zone":
            return (s.clientsMoveSeconds ?? 0) > floor.detect + ALIAS_TTL
                ? `the analysis assumes ${ELB_ZONE_DETECT} s for the load balancer to withdraw a failed zone's address (AWS publishes no figure), then the ${ALIAS_TTL} s alias TTL`
                : undefined;
        case "drop-target":
            return undefined;
    }
}

/** What the analysis leaves out when its figure is below the floor of a move. */
function missedMove(m: Move): string {
    switch (m.kind) {
        case "dns":
            return `the ${m.ttl} s TTL for which resolvers keep the old answer`;
        case "new-target":
            return `the 2 passed checks (${FLOOR_TARGET_IN_SECONDS} s) a new target needs`;
        case "lb-zone":
            return `the ${ALIAS_TTL} s alias TTL for which clients keep the lost zone's load-balancer address`;
        case "drop-target":
            return "the detection of the failed target";
    }
}

export interface FailoverRow {
    readonly stack: string;
    readonly plan: TopologyPlan;
    readonly scenario: FailureScenario;
    readonly floor?: ScenarioFloor;
    /** Why the stack is slower than the floor; empty when it is not (or there is no floor). */
    readonly slower: readonly string[];
    /** Moves whose floor alone exceeds the analysis's figure: what it leaves out. */
    readonly belowFloor: readonly string[];
}

export function failoverRows(stack: string, plan: TopologyPlan): FailoverRow[] {
    return plan.failoverAnalysis.scenarios.map((s) => {
        const floor = scenarioFloor(plan, s);
        const slower: string[] = [];
        const belowFloor: string[] = [];
        if (floor) {
            if (s.detectSeconds === undefined) slower.push(`nothing detects it: ${s.detectedBy}`);
            else if (s.detectSeconds > floor.detect) slower.push(`detection by ${s.detectedBy}`);
            slower.push(...floor.moves.flatMap((m) => slowerMove(m, s, floor) ?? []));
            if (s.clientsMoveSeconds !== undefined) {
                const missed = floor.moves.filter((m) => floor.detect + floorMove(m) > s.clientsMoveSeconds!);
                belowFloor.push(...missed.map(missedMove));
            }
        }
        return { stack, plan, scenario: s, ...(floor ? { floor } : {}), slower, belowFloor };
    });
}

/** A short name for the scenario: its key, with the node's HA role or whether a cluster node serves. */
export function scenarioLabel(plan: TopologyPlan, s: FailureScenario): string {
    const [kind, what] = [s.kind, s.key.slice(s.key.indexOf(":") + 1)];
    if (kind === "node") {
        const n = plan.nodes.find((x) => x.key === what);
        const role = plan.topology === "ha" ? n?.role : n?.serving ? "serving" : "not serving";
        return `node ${what}${role ? ` (${role})` : ""}`;
    }
    if (kind === "zone") return `zone ${what} (${s.nodesLost.join(", ") || "no node"})`;
    return `load balancer's node in ${what}`;
}

const seconds = (n: number | undefined) => (n === undefined ? "-" : fixed(n));

function clientsMove(s: FailureScenario): string {
    if (s.clientsMoveSeconds === undefined) return s.followSeconds === undefined ? "never" : `? + ${fixed(s.followSeconds)}`;
    return `${fixed(s.clientsMoveSeconds)}${s.operator ? " + operator" : ""}`;
}

export function renderFailover(stacks: readonly StackConfig[]): string {
    const plans = stacks.map((s) => ({ stack: s.stack, plan: planOf(s.config, s.stack) }));
    const rows = plans.flatMap(({ stack, plan }) => failoverRows(stack, plan));
    // The reasons repeat across scenarios and stacks: numbered once, below the table.
    const reasons: string[] = [];
    const ref = (text: string) => {
        if (!reasons.includes(text)) reasons.push(text);
        return `[${reasons.indexOf(text) + 1}]`;
    };
    const why = (r: FailoverRow) =>
        [...r.slower, ...r.belowFloor.map((b) => `BELOW the floor: the analysis leaves out ${b}`)].map(ref).join(" ") || "-";
    const out: string[] = [
        "Per failure scenario of each example stack, from the plan's failover analysis (`planTopology(spec).failoverAnalysis`, " +
            "components/plan/failover.ts): when the failure is detected and when clients reach a healthy node (`clientsMoveSeconds`: " +
            'detection plus the move; "+ operator": a manual step whose human time is not counted; "? + n": nothing detects it, ' +
            "then n s). Beside it, the AWS floor for the same move: detection " +
            `${FLOOR_DETECTION_SECONDS} s (a target-group health check at its 5 s minimum interval x 2, or a Route 53 health check at ` +
            "its 10 s interval x 1); then nothing when the load balancer drops a failed target, " +
            `${FLOOR_TARGET_IN_SECONDS} s for a new target to pass 2 checks 5 s apart, the record's TTL when DNS moves, and the ` +
            `${ALIAS_TTL} s alias TTL when the load balancer's node in a zone is lost. No floor: no client has to move, or no node is left.`,
        "",
        table(
            ["stack", "mechanism", "lost", "failover", "detect s", "floor", "clients move s", "floor", "slower because"],
            rows.map((r) => [
                r.stack,
                r.plan.failoverAnalysis.mechanism,
                scenarioLabel(r.plan, r.scenario),
                r.scenario.failover,
                seconds(r.scenario.detectSeconds),
                r.floor ? fixed(r.floor.detect) : "-",
                clientsMove(r.scenario),
                r.floor ? fixed(r.floor.detect + r.floor.move) : "-",
                why(r),
            ]),
        ),
        "",
        ...reasons.map((text, i) => `${i + 1}. ${text}.`),
        "",
    ];
    const r53 = plans.filter(({ plan }) => plan.healthChecks.length > 0);
    if (r53.length > 0) {
        out.push(
            "Route 53 health checks on nodes (" +
                r53.map(({ stack, plan }) => `${stack}: ${plan.healthChecks.map((h) => `${h.key} ${h.node}`).join(", ")}`).join("; ") +
                ") are CloudWatch-metric checks: Route 53's checkers run on the internet and cannot reach the nodes' private " +
                "addresses, so each reads an alarm on the node's EC2 status check, which EC2 publishes once per " +
                `${r53[0].plan.healthChecks[0].alarm.period} s. Detection is then evaluation periods x that period (` +
                r53
                    .map(
                        ({ stack, plan }) =>
                            `${stack}: ${plan.healthChecks[0].alarm.evaluationPeriods} x ${plan.healthChecks[0].alarm.period} s`,
                    )
                    .join(", ") +
                `), not the ${FLOOR_DETECTION_SECONDS} s of a Route 53 check on an endpoint it can reach; and it sees the instance, not the service.`,
            "",
        );
    }
    const assumptions = new Map<string, string[]>();
    for (const { stack, plan } of plans) {
        for (const a of plan.failoverAnalysis.assumptions) assumptions.set(a, [...(assumptions.get(a) ?? []), stack]);
    }
    out.push("The analysis's assumptions (stacks they apply to):", "");
    for (const [a, stacksOf] of assumptions) out.push(`- ${a} (${stacksOf.join(", ")})`);
    out.push("");
    return out.join("\n");
}
