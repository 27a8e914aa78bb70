import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { inRegion } from "../common/region";
import { alarmArgs, type AlarmTargets } from "./alarms";
import type { MonitoringPlan } from "../plan";
import { AwsLookups } from "./lookups";

export interface MonitoringArgs extends AlarmTargets {
    /** DR region resources: the region they live in; undefined: the stack's region. */
    readonly region?: string;
    readonly plan: MonitoringPlan;
    readonly tags: Readonly<Record<string, string>>;
    /** The service's shared lookups; default: the component's own. */
    readonly lookups?: AwsLookups;
}

/**
 * The alarm topic (encrypted, with its subscriptions) and every planned alarm: target groups, and
 * each node's instance and system status checks (the latter with EC2's recover action).
 */
export class Monitoring extends pulumi.ComponentResource {
    readonly topicArn: pulumi.Output<string>;

    constructor(name: string, args: MonitoringArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:monitoring:Monitoring", name, {}, opts);
        const parent = { parent: this };
        const { plan, tags } = args;
        const lookups = args.lookups ?? new AwsLookups(parent);
        const partition = lookups.partition;
        const region = lookups.region(args.region);
        const account = lookups.accountId;

        // A customer managed key, not the AWS managed alias/aws/sns: that key's policy cannot be
        // changed to let CloudWatch use it, so alarms could not publish to the topic at all.
        const key = new aws.kms.Key(
            `${name}-topic`,
            {
                ...inRegion(args.region),
                description: `Encrypts the alarm topic ${plan.topicName}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: pulumi.all([partition, account]).apply(([p, a]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "AccountAdministers",
                                Effect: "Allow",
                                Principal: { AWS: `arn:${p}:iam::${a}:root` },
                                Action: "kms:*",
                                Resource: "*",
                            },
                            {
                                Sid: "CloudWatchAlarmsPublish",
                                Effect: "Allow",
                                Principal: { Service: "cloudwatch.amazonaws.com" },
                                Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                                Resource: "*",
                            },
                        ],
                    }),
                ),
                tags,
            },
            parent,
        );
        const topic = new aws.sns.Topic(
            `${name}-alarms`,
            { ...inRegion(args.region), name: plan.topicName, kmsMasterKeyId: key.arn, tags },
            parent,
        );
        for (const s of plan.subscriptions) {
            // Email and HTTPS subscriptions stay pending until the recipient confirms them.
            new aws.sns.TopicSubscription(
                `${name}-${s.key}`,
                { ...inRegion(args.region), topic: topic.arn, protocol: s.protocol, endpoint: s.endpoint },
                parent,
            );
        }
        const recover = pulumi.interpolate`arn:${partition}:automate:${region}:ec2:recover`;
        for (const a of plan.alarms) {
            new aws.cloudwatch.MetricAlarm(
                `${name}-${a.key}`,
                {
                    ...alarmArgs(a, args, { alarm: a.recover ? [recover, topic.arn] : [topic.arn], ok: [topic.arn] }, tags),
                    ...inRegion(args.region),
                },
                parent,
            );
        }
        this.topicArn = topic.arn;
        this.registerOutputs({ topicArn: this.topicArn });
    }
}
