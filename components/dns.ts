import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alarmArgs } from "./alarms";
import type { DnsHealthCheckPlan, DnsRecordPlan } from "./plan";

export interface DnsRecordsArgs {
    readonly records: readonly DnsRecordPlan[];
    /** Private address of each node, for records that point at a node. */
    readonly nodeAddresses: Readonly<Record<string, pulumi.Input<string>>>;
    readonly loadBalancer?: { readonly dnsName: pulumi.Input<string>; readonly zoneId: pulumi.Input<string> };
    /** Route 53 health checks on nodes, each following a CloudWatch alarm (HA). */
    readonly healthChecks?: readonly DnsHealthCheckPlan[];
    /** Instance id of each node, for the health checks' alarms. */
    readonly instanceIds?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Where the health checks' alarms notify (monitoring on). */
    readonly alarmTopicArn?: pulumi.Input<string>;
    readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Route 53 records with a low TTL: an alias to the load balancer, or failover records to the nodes (a
 * lone PRIMARY for manual failover, a PRIMARY/SECONDARY pair whose health checks follow CloudWatch
 * alarms on the nodes for automatic failover).
 */
export class DnsRecords extends pulumi.ComponentResource {
    readonly fqdns: Readonly<Record<string, pulumi.Output<string>>>;
    readonly healthCheckIds: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: DnsRecordsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:dns:DnsRecords", name, {}, opts);
        const parent = { parent: this };
        const tags = args.tags ?? {};
        const healthChecks: Record<string, aws.route53.HealthCheck> = {};
        if ((args.healthChecks ?? []).length > 0) {
            const region = aws.getRegionOutput({}, parent).region;
            const targets = { instanceIds: args.instanceIds ?? {} };
            const notify = args.alarmTopicArn === undefined ? [] : [args.alarmTopicArn];
            for (const h of args.healthChecks ?? []) {
                const alarm = new aws.cloudwatch.MetricAlarm(
                    `${name}-${h.alarm.key}`,
                    alarmArgs(h.alarm, targets, { alarm: h.notify ? notify : [], ok: h.notify ? notify : [] }, tags),
                    parent,
                );
                healthChecks[h.key] = new aws.route53.HealthCheck(
                    `${name}-${h.key}`,
                    {
                        type: "CLOUDWATCH_METRIC",
                        cloudwatchAlarmName: alarm.name,
                        cloudwatchAlarmRegion: region,
                        insufficientDataHealthStatus: h.insufficientDataHealthStatus,
                        tags: { ...tags, Name: h.alarm.name },
                    },
                    parent,
                );
            }
        }
        const fqdns: Record<string, pulumi.Output<string>> = {};
        const records: Record<string, aws.route53.Record> = {};
        for (const r of args.records) {
            let target: Pick<aws.route53.RecordArgs, "ttl" | "records" | "aliases">;
            if (r.target.kind === "loadBalancer") {
                if (!args.loadBalancer) throw new Error(`DNS record ${r.key} aliases a load balancer, but none was built`);
                target = {
                    aliases: [
                        {
                            name: args.loadBalancer.dnsName,
                            zoneId: args.loadBalancer.zoneId,
                            evaluateTargetHealth: r.target.evaluateTargetHealth,
                        },
                    ],
                };
            } else {
                const address = args.nodeAddresses[r.target.node];
                if (address === undefined) throw new Error(`DNS record ${r.key} points at unknown node "${r.target.node}"`);
                target = { ttl: r.ttl, records: [address] };
            }
            let failover: Pick<aws.route53.RecordArgs, "setIdentifier" | "failoverRoutingPolicies" | "healthCheckId"> = {};
            let dependsOn: pulumi.Resource[] = [];
            if (r.failover) {
                const key = r.failover.healthCheck;
                const check = key === undefined ? undefined : healthChecks[key];
                if (key !== undefined && !check) throw new Error(`DNS record ${r.key} needs health check "${key}", which is not planned`);
                failover = {
                    setIdentifier: r.failover.setIdentifier,
                    failoverRoutingPolicies: [{ type: r.failover.type }],
                    ...(check ? { healthCheckId: check.id } : {}),
                };
                // Route 53 refuses a failover record beside a plain one of the same name: when a stack made
                // before failover records switches to automatic, the PRIMARY (the former plain record)
                // changes first.
                dependsOn = r.failover.type === "SECONDARY" ? Object.values(records) : [];
            }
            const record = new aws.route53.Record(
                `${name}-${r.key}`,
                // allowOverwrite off: never silently take over a record someone else manages.
                { zoneId: r.zoneId, name: r.name, type: r.type, allowOverwrite: false, ...target, ...failover },
                { ...parent, dependsOn },
            );
            records[r.key] = record;
            fqdns[r.key] = record.fqdn;
        }
        this.fqdns = fqdns;
        this.healthCheckIds = Object.fromEntries(Object.entries(healthChecks).map(([k, h]) => [k, h.id]));
        this.registerOutputs({ fqdns, healthCheckIds: this.healthCheckIds });
    }
}
