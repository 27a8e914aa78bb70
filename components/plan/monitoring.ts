import type { StackSpec } from "../config";
import { activeTargetCount } from "../profiles";
import { targetNodes } from "./targets";
import { slug, uniquePrefix } from "../common/naming";
import type { AlarmPlan, LoadBalancerPlan, MonitoringPlan, PlannedNode } from "./types";

/** EC2 publishes status-check metrics once a minute (free, with or without detailed monitoring). */
export const STATUS_CHECK_PERIOD = 60;
/** Load balancers publish host counts once a minute. */
export const LB_METRIC_PERIOD = 60;
/** Status-check alarms wait for two failed checks, so one transient miss does not page anyone. */
export const STATUS_CHECK_EVALUATIONS = 2;

// Moved to the profiles (config validates it too, and config must not import the plan).
export { activeTargetCount };

/** How many healthy targets each target group needs: HA the primary, a cluster its active serving nodes. */
export function neededHealthyTargets(spec: StackSpec, nodes: readonly PlannedNode[]): number {
    if (spec.topology === "ha") return 1;
    return spec.monitoring.minHealthyTargets ?? activeTargetCount(spec.profile, nodes.filter((n) => n.serving).length);
}

/**
 * The alarm on one node's combined status check that a Route 53 health check reads (see
 * healthchecks.ts). Named and described by role, so a promotion changes only its dimensions.
 */
export function nodeHealthAlarm(spec: StackSpec, key: string, node: string): AlarmPlan {
    const failures = spec.failoverSettings.healthCheckFailures;
    return {
        key: `${key}-health`,
        name: `${uniquePrefix(spec.project, spec.stack, spec.name)}-${key}-health`,
        description: `The ${key} node failed ${failures} one-minute EC2 status check(s) in a row or stopped reporting (stopped or terminated); Route 53 treats it as down.`,
        subject: { kind: "node", node },
        namespace: "AWS/EC2",
        metricName: "StatusCheckFailed",
        statistic: "Maximum",
        comparison: "GreaterThanThreshold",
        threshold: 0,
        period: STATUS_CHECK_PERIOD,
        evaluationPeriods: failures,
        // A stopped or terminated instance publishes nothing: that must count as down.
        treatMissingData: "breaching",
        recover: false,
    };
}

/**
 * HA registers every node, so exactly one target may pass the health check: a second one means two
 * nodes act as primary (the old one was not in maintenance mode when the replica was promoted), and
 * the load balancer spreads clients' writes over both.
 */
function twoPrimariesAlarm(
    prefix: string,
    tg: string,
    common: Pick<AlarmPlan, "subject" | "namespace" | "period" | "evaluationPeriods" | "recover">,
): AlarmPlan {
    return {
        ...common,
        key: `${tg}-healthy-above`,
        name: `${prefix}-${tg}-healthy-above`,
        description: `More than one target of target group ${tg} passes its health check: two nodes act as primary and both receive clients' writes. Put the former primary in maintenance mode (promotion runbook).`,
        metricName: "HealthyHostCount",
        statistic: "Maximum",
        comparison: "GreaterThanThreshold",
        threshold: 1,
        treatMissingData: "notBreaching",
    };
}

/**
 * The alarm topic and its subscriptions, two alarms per target group (more unhealthy targets than
 * the profile's standbys; fewer healthy targets than the topology needs; HA also more than one) and two per node (instance and system status checks,
 * the latter with EC2's recover action). Undefined when monitoring is off.
 */
export function planMonitoring(
    spec: StackSpec,
    nodes: readonly PlannedNode[],
    lb: LoadBalancerPlan | undefined,
): MonitoringPlan | undefined {
    if (!spec.monitoring.enabled) return undefined;
    const prefix = uniquePrefix(spec.project, spec.stack, spec.name);
    const alarms = [...(lb ? targetGroupAlarms(spec, nodes, lb, prefix) : []), ...nodeStatusAlarms(nodes, prefix)];
    return {
        topicName: `${prefix}-alarms`,
        subscriptions: [
            ...spec.monitoring.emails.map((e) => ({ key: `email-${slug(e)}`, protocol: "email" as const, endpoint: e })),
            ...spec.monitoring.httpsEndpoints.map((u) => ({
                key: `https-${slug(u.slice("https://".length))}`,
                protocol: "https" as const,
                endpoint: u,
            })),
        ],
        alarms,
    };
}

/**
 * Per target group: more unhealthy targets than the profile's standbys, fewer healthy ones than the
 * topology needs, and for HA more than one healthy (two primaries).
 */
function targetGroupAlarms(spec: StackSpec, nodes: readonly PlannedNode[], lb: LoadBalancerPlan, prefix: string): AlarmPlan[] {
    const alarms: AlarmPlan[] = [];
    const namespace = lb.kind === "alb" ? "AWS/ApplicationELB" : "AWS/NetworkELB";
    const needed = neededHealthyTargets(spec, nodes);
    const targets = targetNodes(spec, nodes).length;
    // HA registers every node and only the primary passes the check: exactly one healthy target.
    const active = spec.topology === "ha" ? 1 : activeTargetCount(spec.profile, targets);
    // A profile's standbys fail the check by design, so `standbys` unhealthy targets is the normal
    // state and only more is a failure. With every target registered that is the same event as
    // fewer than `active` healthy ones. The alarm is kept rather than dropped for such profiles: every
    // stack then has the same two alarms per target group (switching profiles deletes none), and it
    // still differs from -healthy-below when `monitoring.minHealthyTargets` lowers that one or when
    // no data arrives (missing data is a failure there, not here).
    const standbys = targets - active;
    for (const tg of lb.targetGroups) {
        const hc = tg.healthCheck;
        const check = `${hc.protocol}:${hc.port}${hc.protocol === "TCP" ? "" : hc.path} every ${hc.interval} s, out after ${hc.unhealthyThreshold} failures`;
        const common = {
            subject: { kind: "targetGroup", targetGroup: tg.key },
            namespace,
            period: LB_METRIC_PERIOD,
            // The load balancer already waited for its unhealthy threshold; one period is enough.
            evaluationPeriods: 1,
            recover: false,
        } as const;
        alarms.push({
            ...common,
            key: `${tg.key}-unhealthy`,
            name: `${prefix}-${tg.key}-unhealthy`,
            description:
                standbys === 0
                    ? `A target of target group ${tg.key} is failing its health check (${check}).`
                    : `More than ${standbys} target(s) of target group ${tg.key} fail its health check (${check}). Only ${active} of ${targets} are meant to pass it (the others are ${spec.topology === "ha" ? "replicas" : "standbys"}), so an active one failed.`,
            metricName: "UnHealthyHostCount",
            statistic: "Maximum",
            comparison: "GreaterThanThreshold",
            threshold: standbys,
            treatMissingData: "notBreaching",
        });
        alarms.push({
            ...common,
            key: `${tg.key}-healthy-below`,
            name: `${prefix}-${tg.key}-healthy-below`,
            description: `Target group ${tg.key} has fewer than ${needed} healthy target(s) (${spec.topology === "ha" ? "the primary" : standbys === 0 ? "serving nodes" : "active nodes; the standbys fail the check by design"}).`,
            metricName: "HealthyHostCount",
            statistic: "Minimum",
            comparison: "LessThanThreshold",
            threshold: needed,
            // No host count at all means nothing healthy is reporting.
            treatMissingData: "breaching",
        });
        if (spec.topology === "ha") alarms.push(twoPrimariesAlarm(prefix, tg.key, common));
    }
    return alarms;
}

/** Per node: the instance and system status checks, the latter with EC2's recover action. */
function nodeStatusAlarms(nodes: readonly PlannedNode[], prefix: string): AlarmPlan[] {
    const alarms: AlarmPlan[] = [];
    for (const n of nodes) {
        const common = {
            subject: { kind: "node", node: n.key },
            namespace: "AWS/EC2",
            statistic: "Maximum",
            comparison: "GreaterThanThreshold",
            threshold: 0,
            period: STATUS_CHECK_PERIOD,
            evaluationPeriods: STATUS_CHECK_EVALUATIONS,
            // A stopped node reports nothing; recovering it would be wrong, so missing data is not a failure here.
            treatMissingData: "missing",
        } as const;
        alarms.push({
            ...common,
            key: `${n.key}-instance-check`,
            name: `${prefix}-${n.key}-instance-check`,
            description: `Node ${n.key} (${n.zone}) fails its instance status check: the OS or its network is impaired; reboot or replace it.`,
            metricName: "StatusCheckFailed_Instance",
            recover: false,
        });
        alarms.push({
            ...common,
            key: `${n.key}-system-check`,
            name: `${prefix}-${n.key}-system-check`,
            description: `Node ${n.key} (${n.zone}) fails its system status check: the host is impaired; EC2 recovers the instance onto new hardware (same id, address and volumes).`,
            metricName: "StatusCheckFailed_System",
            recover: true,
        });
    }
    return alarms;
}
