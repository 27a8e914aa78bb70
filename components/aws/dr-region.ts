import type * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { Backups } from "./backups";
import { LoadBalancer } from "./loadbalancer";
import { Monitoring } from "./monitoring";
import { Network } from "./network";
import { NodeGroup } from "./nodes";
import type { DrPlan, PlannedNode } from "../plan";
import { SecurityGroups } from "./security";
import type { AwsLookups } from "./lookups";

export interface DrRegionArgs {
    readonly plan: DrPlan;
    /** The DR nodes (plan nodes whose `region` is the DR region). */
    readonly nodes: readonly PlannedNode[];
    readonly parameterPrefix: string;
    readonly tags: Readonly<Record<string, string>>;
    /** The service's shared lookups; default: each component's own. */
    readonly lookups?: AwsLookups;
}

/**
 * What runs in the DR region (`plan.dr`), every resource with that region as its `region` input:
 * network, security groups, the DR nodes with their volumes, the load balancer (when the stack has
 * one), the DR nodes' alarms with their own topic, and their snapshot policy. The replication
 * parameters follow once every node's address is known (Service registers them under this component).
 */
export class DrRegion extends pulumi.ComponentResource {
    readonly network: Network;
    readonly nodeGroup: NodeGroup;
    readonly securityGroupId: pulumi.Output<string>;
    readonly loadBalancer?: LoadBalancer;
    readonly alarmTopicArn?: pulumi.Output<string>;

    constructor(name: string, args: DrRegionArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:dr:DrRegion", name, {}, opts);
        const parent = { parent: this };
        const { plan, tags } = args;
        const region = plan.region;
        const lookups = args.lookups ? { lookups: args.lookups } : {};
        this.network = new Network(`${name}-net`, { network: plan.network, tags, region }, parent);
        const security = new SecurityGroups(`${name}-sg`, { vpcId: this.network.vpcId, groups: plan.securityGroups, tags, region }, parent);
        this.securityGroupId = security.ids.nodes!;
        this.nodeGroup = new NodeGroup(
            name,
            {
                nodes: args.nodes,
                subnets: this.network.nodeSubnets,
                securityGroupId: this.securityGroupId,
                parameterPrefix: args.parameterPrefix,
                tags,
                region,
                ...lookups,
            },
            parent,
        );
        const instanceIds = ids(this.nodeGroup);
        if (plan.loadBalancer) {
            this.loadBalancer = new LoadBalancer(
                `${name}-lb`,
                {
                    plan: plan.loadBalancer,
                    vpcId: this.network.vpcId,
                    subnetIds: this.network.loadBalancerSubnetIds,
                    securityGroupId: security.ids.loadBalancer!,
                    instanceIds,
                    tags,
                    region,
                },
                parent,
            );
        }
        if (plan.monitoring) {
            this.alarmTopicArn = new Monitoring(
                `${name}-mon`,
                { plan: plan.monitoring, instanceIds, tags, region, ...lookups },
                parent,
            ).topicArn;
        }
        if (plan.backups) new Backups(`${name}-backup`, { plan: plan.backups, tags, region, ...lookups }, parent);
        this.registerOutputs({ vpcId: this.network.vpcId });
    }
}

/** Instance id of each node of a group, by node key. */
export function ids(group: NodeGroup): Record<string, pulumi.Output<string>> {
    return Object.fromEntries(Object.entries(group.nodes).map(([k, n]: [string, { instance: aws.ec2.Instance }]) => [k, n.instance.id]));
}
