import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BackupPlan } from "./plan";

export interface BackupsArgs {
    readonly plan: BackupPlan;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * A Data Lifecycle Manager policy that snapshots every volume carrying the stack's backup tag (its
 * data volumes, retained ones included) on a schedule, and the role it runs as.
 */
export class Backups extends pulumi.ComponentResource {
    readonly policyArn: pulumi.Output<string>;

    constructor(name: string, args: BackupsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:backup:Backups", name, {}, opts);
        const parent = { parent: this };
        const { plan, tags } = args;
        const partition = aws.getPartitionOutput({}, parent).partition;
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: "Data Lifecycle Manager: snapshots of the data volumes",
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "dlm.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
                tags,
            },
            parent,
        );
        const attachment = new aws.iam.RolePolicyAttachment(
            `${name}-dlm`,
            {
                role: role.name,
                policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole`,
            },
            parent,
        );
        const policy = new aws.dlm.LifecyclePolicy(
            name,
            {
                description: plan.description,
                executionRoleArn: role.arn,
                state: "ENABLED",
                policyDetails: {
                    resourceTypes: ["VOLUME"],
                    targetTags: { ...plan.targetTags },
                    schedules: [
                        {
                            name: plan.scheduleName,
                            createRule: { interval: plan.everyHours, intervalUnit: "HOURS", times: plan.at },
                            retainRule: { count: plan.keep },
                            // Copies the volume's Node and Name tags, so a snapshot says which node it belongs to.
                            copyTags: true,
                        },
                    ],
                },
                tags,
            },
            // The policy's first run needs the role's permissions in place.
            { ...parent, dependsOn: [attachment] },
        );
        this.policyArn = policy.arn;
        this.registerOutputs({ policyArn: this.policyArn });
    }
}
