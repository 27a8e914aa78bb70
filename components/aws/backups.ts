import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { assumeRolePolicy } from "../plan/iam";
import { inRegion } from "../common/region";
import type { BackupPlan } from "../plan";
import { AwsLookups } from "./lookups";

export interface BackupsArgs {
    /** DR region resources: the region they live in; undefined: the stack's region. */
    readonly region?: string;
    readonly plan: BackupPlan;
    readonly tags: Readonly<Record<string, string>>;
    /** The service's shared lookups; default: the component's own. */
    readonly lookups?: AwsLookups;
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
        const partition = (args.lookups ?? new AwsLookups(parent)).partition;
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: "Data Lifecycle Manager: snapshots of the data volumes",
                assumeRolePolicy: assumeRolePolicy("dlm.amazonaws.com"),
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
        const copies = plan.copy ? copyRules(name, plan.copy, role, tags, parent) : undefined;
        const policy = new aws.dlm.LifecyclePolicy(
            name,
            {
                ...inRegion(args.region),
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
                            ...(copies ? { crossRegionCopyRules: [copies.rule] } : {}),
                        },
                    ],
                },
                tags,
            },
            // The policy's first run needs the role's permissions in place.
            { ...parent, dependsOn: [attachment, ...(copies ? [copies.permission] : [])] },
        );
        this.policyArn = policy.arn;
        this.registerOutputs({ policyArn: this.policyArn });
    }
}

/**
 * The DR region's copy of every snapshot (Data Lifecycle Manager cross-region copy), encrypted with a
 * KMS key of that region (the configured one, else one the stack creates there), kept `keepDays`,
 * and the role's permission to use that key: AWSDataLifecycleManagerServiceRole grants no KMS access.
 */
function copyRules(
    name: string,
    copy: NonNullable<BackupPlan["copy"]>,
    role: aws.iam.Role,
    tags: Readonly<Record<string, string>>,
    parent: pulumi.ResourceOptions,
): { rule: aws.types.input.dlm.LifecyclePolicyPolicyDetailsScheduleCrossRegionCopyRule; permission: aws.iam.RolePolicy } {
    const keyArn =
        copy.kmsKeyArn ??
        new aws.kms.Key(
            `${name}-copies`,
            {
                region: copy.region,
                description: `Encrypts the snapshot copies of ${name} in ${copy.region}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                tags,
            },
            parent,
        ).arn;
    const permission = new aws.iam.RolePolicy(
        `${name}-copies`,
        {
            role: role.id,
            policy: pulumi.output(keyArn).apply((arn) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Effect: "Allow",
                            Action: [
                                "kms:Encrypt",
                                "kms:Decrypt",
                                "kms:ReEncrypt*",
                                "kms:GenerateDataKey*",
                                "kms:DescribeKey",
                                "kms:CreateGrant",
                            ],
                            Resource: arn,
                        },
                    ],
                }),
            ),
        },
        parent,
    );
    return {
        rule: {
            target: copy.region,
            encrypted: true,
            cmkArn: keyArn,
            copyTags: true,
            retainRule: { interval: copy.keepDays, intervalUnit: "DAYS" },
        },
        permission,
    };
}
