import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { inRegion } from "../common/region";
import type { PlannedNode } from "../plan";
import { instanceRole, privateInstanceArgs } from "./instance";
import { nodeParameterPolicy } from "../plan/iam";
import type { AwsLookups } from "./lookups";

export interface NodeGroupArgs {
    /** DR region resources: the region they live in; undefined: the stack's region. */
    readonly region?: string;
    readonly nodes: readonly PlannedNode[];
    readonly subnets: Readonly<Record<string, pulumi.Input<string>>>;
    readonly securityGroupId: pulumi.Input<string>;
    /** SSM parameter path prefix the nodes may read (their documents and the join secret). */
    readonly parameterPrefix: string;
    /** Parameters the nodes set themselves (the cluster-state parameter); none by default. */
    readonly writableParameters?: readonly string[];
    /** The CloudWatch namespace the nodes send their heartbeat to (automatic failover behind a load balancer). */
    readonly heartbeatNamespace?: string;
    readonly tags: Readonly<Record<string, string>>;
    /** The service's shared lookups; default: the role's own. */
    readonly lookups?: AwsLookups;
}

export interface NodeResources {
    readonly instance: aws.ec2.Instance;
    readonly dataVolume: aws.ebs.Volume;
    readonly attachment: aws.ec2.VolumeAttachment;
}

/**
 * One EC2 instance per planned node with its encrypted data volume, plus the instance role the
 * nodes share. Every child is named from the node key, so nodes come and go independently.
 */
export class NodeGroup extends pulumi.ComponentResource {
    readonly nodes: Readonly<Record<string, NodeResources>>;
    readonly roleName: pulumi.Output<string>;
    readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: NodeGroupArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:compute:NodeGroup", name, {}, opts);
        const parent = { parent: this };
        const { role, profile } = instanceRole(
            name,
            {
                description: `Nodes of ${name}: SSM access, no SSH keys`,
                policy: (ctx) => nodeParameterPolicy(ctx, args.parameterPrefix, args.writableParameters, args.heartbeatNamespace),
                tags: args.tags,
                ...inRegion(args.region),
                ...(args.lookups ? { lookups: args.lookups } : {}),
            },
            parent,
        );

        const nodes: Record<string, NodeResources> = {};
        for (const n of args.nodes) {
            const subnetId = args.subnets[n.zone];
            const instance = new aws.ec2.Instance(
                `${name}-${n.key}`,
                {
                    ...inRegion(args.region),
                    ...privateInstanceArgs({
                        ami: n.ami,
                        instanceType: n.instanceType,
                        subnetId,
                        securityGroupId: args.securityGroupId,
                        profile,
                        rootVolumeSize: n.rootVolume.size,
                        userData: n.userData,
                        tags: n.tags,
                    }),
                    userDataReplaceOnChange: false,
                },
                // Changing the AMI or user data of a running node must never replace it silently.
                { ...parent, ignoreChanges: [...n.ignoreChanges] },
            );
            const dataVolume = new aws.ebs.Volume(
                `${name}-${n.key}-data`,
                {
                    ...inRegion(args.region),
                    availabilityZone: n.zone,
                    size: n.dataVolume.size,
                    type: "gp3",
                    encrypted: true,
                    ...(n.dataVolume.kmsKeyId === undefined ? {} : { kmsKeyId: n.dataVolume.kmsKeyId }),
                    ...(n.dataVolume.iops === undefined ? {} : { iops: n.dataVolume.iops }),
                    ...(n.dataVolume.throughput === undefined ? {} : { throughput: n.dataVolume.throughput }),
                    tags: n.dataVolume.tags,
                },
                { ...parent, protect: n.dataVolume.protect, retainOnDelete: n.dataVolume.retainOnDelete },
            );
            const attachment = new aws.ec2.VolumeAttachment(
                `${name}-${n.key}-data`,
                {
                    ...inRegion(args.region),
                    instanceId: instance.id,
                    volumeId: dataVolume.id,
                    deviceName: n.dataVolume.deviceName,
                    stopInstanceBeforeDetaching: true,
                },
                // A volume attaches to one instance at a time: when a node is replaced (allowReplacement),
                // the old attachment must go before the new one is made, or AWS answers VolumeInUse.
                { ...parent, deleteBeforeReplace: true },
            );
            nodes[n.key] = { instance, dataVolume, attachment };
        }
        this.nodes = nodes;
        this.roleName = role.name;
        this.roleArn = role.arn;
        this.registerOutputs({ roleName: this.roleName });
    }
}
