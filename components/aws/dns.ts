import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { inRegion } from "../common/region";
import { alarmArgs } from "./alarms";
import type { DnsHealthCheckPlan, DnsRecordPlan } from "../plan";
import { AwsLookups } from "./lookups";

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
    /** DR stacks: the DR region's load balancer and alarm topic, by region (plan `target.region`, health check `region`). */
    readonly regions?: Readonly<
        Record<
            string,
            {
                readonly loadBalancer?: { readonly dnsName: pulumi.Input<string>; readonly zoneId: pulumi.Input<string> };
                readonly alarmTopicArn?: pulumi.Input<string>;
            }
        >
    >;
    /** The service's shared lookups; default: the component's own. */
    readonly lookups?: AwsLookups;
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
            const region = (args.lookups ?? new AwsLookups(parent)).region();
            const targets = { instanceIds: args.instanceIds ?? {} };
            for (const h of args.healthChecks ?? []) {
                // An alarm watches an instance of its own region and notifies a topic of its own region.
                const topic = h.region === undefined ? args.alarmTopicArn : args.regions?.[h.region]?.alarmTopicArn;
                const notify = topic === undefined || !h.notify ? [] : [topic];
                const alarm = new aws.cloudwatch.MetricAlarm(
                    `${name}-${h.alarm.key}`,
                    { ...alarmArgs(h.alarm, targets, { alarm: notify, ok: notify }, tags), ...inRegion(h.region) },
                    parent,
                );
                healthChecks[h.key] = new aws.route53.HealthCheck(
                    `${name}-${h.key}`,
                    {
                        type: "CLOUDWATCH_METRIC",
                        cloudwatchAlarmName: alarm.name,
                        cloudwatchAlarmRegion: h.region ?? region,
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
                const lb = r.target.region === undefined ? args.loadBalancer : args.regions?.[r.target.region]?.loadBalancer;
                if (!lb) throw new Error(`DNS record ${r.key} aliases a load balancer, but none was built`);
                target = {
                    aliases: [
                        {
                            name: lb.dnsName,
                            zoneId: lb.zoneId,
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
