import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { instanceRole, privateInstanceArgs } from "./instance";
import { documentHash } from "../plan";
import { type BackupHostPlan, backupHostParameterPolicy, resolveBackupHostScript } from "../plan/backuphost";
import type { AwsLookups } from "./lookups";

export interface BackupHostArgs {
    readonly plan: BackupHostPlan;
    readonly subnetId: pulumi.Input<string>;
    readonly securityGroupId: pulumi.Input<string>;
    /** Private address of the node the plan targets (the HA primary). */
    readonly primaryAddress: pulumi.Input<string>;
    readonly tags: Readonly<Record<string, string>>;
    /** The service's shared lookups; default: the role's own. */
    readonly lookups?: AwsLookups;
}

/**
 * The GHES backup host: an instance with its own role (SSM, its script and the management password
 * only), an encrypted data volume for the snapshots, its script in SSM and an association that
 * re-runs it on every change (a promotion changes the primary's address) and on a schedule.
 */
export class BackupHost extends pulumi.ComponentResource {
    readonly instanceId: pulumi.Output<string>;
    /** Private address (DR stacks allow it, as a /32, on the DR nodes). */
    readonly privateIp: pulumi.Output<string>;

    constructor(name: string, args: BackupHostArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:backup:BackupHost", name, {}, opts);
        const parent = { parent: this };
        const { plan, tags } = args;
        const { profile } = instanceRole(
            name,
            {
                description: `GHES backup host ${name}: SSM access, its script and the management password`,
                policy: (ctx) => backupHostParameterPolicy(ctx, plan),
                tags,
                ...(args.lookups ? { lookups: args.lookups } : {}),
            },
            parent,
        );
        const volume = new aws.ebs.Volume(
            `${name}-data`,
            {
                availabilityZone: plan.zone,
                size: plan.dataVolume.size,
                type: "gp3",
                encrypted: true,
                ...(plan.dataVolume.kmsKeyId === undefined ? {} : { kmsKeyId: plan.dataVolume.kmsKeyId }),
                tags: plan.dataVolume.tags,
            },
            { ...parent, protect: plan.dataVolume.protect, retainOnDelete: plan.dataVolume.retainOnDelete },
        );
        const instance = new aws.ec2.Instance(
            name,
            privateInstanceArgs({
                ami: plan.ami,
                instanceType: plan.instanceType,
                subnetId: args.subnetId,
                securityGroupId: args.securityGroupId,
                profile,
                rootVolumeSize: plan.rootVolume.size,
                userData: plan.userData,
                tags: plan.tags,
            }),
            parent,
        );
        new aws.ec2.VolumeAttachment(
            `${name}-data`,
            { instanceId: instance.id, volumeId: volume.id, deviceName: plan.dataVolume.deviceName, stopInstanceBeforeDetaching: true },
            // A replaced host: the old attachment goes first, or AWS answers VolumeInUse.
            { ...parent, deleteBeforeReplace: true },
        );
        const command = new aws.ssm.Document(
            `${name}-apply`,
            { documentType: "Command", documentFormat: "JSON", content: JSON.stringify(plan.applyDocument), tags },
            parent,
        );
        const script = new aws.ssm.Parameter(
            `${name}-config`,
            {
                name: plan.configParameter,
                type: "String",
                tier: plan.parameterTier,
                value: pulumi
                    .all([args.primaryAddress, volume.id])
                    .apply(([address, volumeId]) => resolveBackupHostScript(plan, { address, volumeId })),
                description: "Script of the GHES backup host",
                tags,
            },
            parent,
        );
        new aws.ssm.Association(
            name,
            {
                name: command.name,
                targets: [{ key: "InstanceIds", values: [instance.id] }],
                scheduleExpression: plan.associationSchedule,
                // Read through the parameter, so the association runs only once it exists.
                parameters: { configHash: script.value.apply(documentHash) },
            },
            parent,
        );
        this.instanceId = instance.id;
        this.privateIp = instance.privateIp;
        this.registerOutputs({ instanceId: this.instanceId });
    }
}
