/** Turns a planned alarm into CloudWatch alarm arguments; shared by Monitoring and DnsRecords. */
import type * as aws from "./sdk";
import type * as pulumi from "@pulumi/pulumi";
import type { AlarmPlan } from "../plan";

/** The resources an alarm's dimensions name, by the keys the plan uses. */
export interface AlarmTargets {
    readonly instanceIds: Readonly<Record<string, pulumi.Input<string>>>;
    readonly loadBalancer?: {
        readonly arnSuffix: pulumi.Input<string>;
        readonly targetGroupArnSuffixes: Readonly<Record<string, pulumi.Input<string>>>;
    };
}

/** CloudWatch dimensions: `InstanceId` for EC2, `TargetGroup` plus `LoadBalancer` (ARN suffixes) for ELB metrics, `Service` plus `Node` for a heartbeat, `RuleName` for an EventBridge rule. */
export function alarmDimensions(a: AlarmPlan, targets: AlarmTargets): Record<string, pulumi.Input<string>> {
    if (a.subject.kind === "heartbeat") return { Service: a.subject.service, Node: a.subject.node };
    if (a.subject.kind === "rule") return { RuleName: a.subject.rule };
    if (a.subject.kind === "node") {
        const id = targets.instanceIds[a.subject.node];
        if (id === undefined) throw new Error(`alarm ${a.key} watches unknown node "${a.subject.node}"`);
        return { InstanceId: id };
    }
    const lb = targets.loadBalancer;
    const tg = lb?.targetGroupArnSuffixes[a.subject.targetGroup];
    if (!lb || tg === undefined) throw new Error(`alarm ${a.key} watches unknown target group "${a.subject.targetGroup}"`);
    return { TargetGroup: tg, LoadBalancer: lb.arnSuffix };
}

export function alarmArgs(
    a: AlarmPlan,
    targets: AlarmTargets,
    actions: { readonly alarm: readonly pulumi.Input<string>[]; readonly ok: readonly pulumi.Input<string>[] },
    tags: Readonly<Record<string, string>>,
): aws.cloudwatch.MetricAlarmArgs {
    return {
        name: a.name,
        alarmDescription: a.description,
        namespace: a.namespace,
        metricName: a.metricName,
        dimensions: alarmDimensions(a, targets),
        statistic: a.statistic,
        comparisonOperator: a.comparison,
        threshold: a.threshold,
        period: a.period,
        evaluationPeriods: a.evaluationPeriods,
        treatMissingData: a.treatMissingData,
        alarmActions: [...actions.alarm],
        okActions: [...actions.ok],
        tags,
    };
}
