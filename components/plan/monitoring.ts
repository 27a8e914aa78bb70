import type { StackSpec } from "../config";
import { slug, uniquePrefix } from "./naming";
import type { AlarmPlan, LoadBalancerPlan, MonitoringPlan, PlannedNode } from "./types";

/** EC2 publishes status-check metrics once a minute (free, with or without detailed monitoring). */
export const STATUS_CHECK_PERIOD = 60;
/** Load balancers publish host counts once a minute. */
export const LB_METRIC_PERIOD = 60;
/** Status-check alarms wait for two failed checks, so one transient miss does not page anyone. */
export const STATUS_CHECK_EVALUATIONS = 2;

/** How many healthy targets each target group needs: HA the primary, a cluster its serving nodes. */
export function neededHealthyTargets(spec: StackSpec, nodes: readonly PlannedNode[]): number {
    if (spec.topology === "ha") return 1;
    return spec.monitoring.minHealthyTargets ?? nodes.filter((n) => n.serving).length;
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
 * The alarm topic and its subscriptions, two alarms per target group (any target unhealthy; fewer
 * healthy targets than the topology needs) and two per node (instance and system status checks,
 * the latter with EC2's recover action). Undefined when monitoring is off.
 */
export function planMonitoring(
    spec: StackSpec,
    nodes: readonly PlannedNode[],
    lb: LoadBalancerPlan | undefined,
): MonitoringPlan | undefined {
    if (!spec.monitoring.enabled) return undefined;
    const prefix = uniquePrefix(spec.project, spec.stack, spec.name);
    const alarms: AlarmPlan[] = [];
    if (lb) {
        const namespace = lb.kind === "alb" ? "AWS/ApplicationELB" : "AWS/NetworkELB";
        const needed = neededHealthyTargets(spec, nodes);
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
                description: `A target of target group ${tg.key} is failing its health check (${check}).`,
                metricName: "UnHealthyHostCount",
                statistic: "Maximum",
                comparison: "GreaterThanThreshold",
                threshold: 0,
                treatMissingData: "notBreaching",
            });
            alarms.push({
                ...common,
                key: `${tg.key}-healthy-below`,
                name: `${prefix}-${tg.key}-healthy-below`,
                description: `Target group ${tg.key} has fewer than ${needed} healthy target(s) (${spec.topology === "ha" ? "the primary" : "serving nodes"}).`,
                metricName: "HealthyHostCount",
                statistic: "Minimum",
                comparison: "LessThanThreshold",
                threshold: needed,
                // No host count at all means nothing healthy is reporting.
                treatMissingData: "breaching",
            });
        }
    }
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
