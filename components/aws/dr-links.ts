import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { inRegion } from "../common/region";
import type { DrPlan } from "../plan";
import { newRule } from "./security";

export interface DrLinksArgs {
    readonly plan: DrPlan;
    /** Main region: its VPC and private route table (a created VPC), the nodes' group and the backup host's. */
    readonly main: {
        readonly vpcId: pulumi.Input<string>;
        readonly routeTableId?: pulumi.Input<string>;
        readonly groups: Readonly<Partial<Record<"nodes" | "backupHost", pulumi.Input<string>>>>;
    };
    /** DR region: the same. */
    readonly dr: {
        readonly vpcId: pulumi.Input<string>;
        readonly routeTableId?: pulumi.Input<string>;
        readonly groups: Readonly<Partial<Record<"nodes" | "backupHost", pulumi.Input<string>>>>;
    };
    /** Private address of every host a rule names (node keys, `backup-host`). */
    readonly addresses: Readonly<Record<string, pulumi.Input<string>>>;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * What joins the two regions: the inter-region VPC peering (requested in the stack's region, accepted
 * in the DR region) with a route to the other VPC in each private route table, when the stack creates
 * it; and the replication rules between the regions, each allowing exactly one host's /32.
 */
export class DrLinks extends pulumi.ComponentResource {
    constructor(name: string, args: DrLinksArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:dr:DrLinks", name, {}, opts);
        const parent = { parent: this };
        const { plan, tags } = args;
        const c = plan.connection;
        if (c.kind === "peering") {
            const peering = new aws.ec2.VpcPeeringConnection(
                `${name}-peering`,
                {
                    vpcId: args.main.vpcId,
                    peerVpcId: args.dr.vpcId,
                    peerRegion: plan.region,
                    // An inter-region peering is accepted by its own resource in the peer's region.
                    autoAccept: false,
                    tags: { ...tags, Name: `${name}-peering` },
                },
                parent,
            );
            const accepter = new aws.ec2.VpcPeeringConnectionAccepter(
                `${name}-peering`,
                { region: plan.region, vpcPeeringConnectionId: peering.id, autoAccept: true, tags: { ...tags, Name: `${name}-peering` } },
                parent,
            );
            const route = (side: "main" | "dr", routeTableId: pulumi.Input<string> | undefined, cidr: string, region?: string) => {
                if (routeTableId === undefined) throw new Error(`DR peering: the ${side} VPC has no private route table`);
                new aws.ec2.Route(
                    `${name}-${side}-route`,
                    { ...inRegion(region), routeTableId, destinationCidrBlock: cidr, vpcPeeringConnectionId: peering.id },
                    { ...parent, dependsOn: [accepter] },
                );
            };
            route("main", args.main.routeTableId, c.drCidr);
            route("dr", args.dr.routeTableId, c.mainCidr, plan.region);
        }
        for (const r of plan.crossRegionRules) {
            const groupId = (r.region === undefined ? args.main : args.dr).groups[r.group];
            const address = args.addresses[r.peer.host];
            if (groupId === undefined || address === undefined)
                throw new Error(`cross-region rule ${r.key} names an unknown group or host`);
            const key = `${name}-${r.region === undefined ? "main" : "dr"}-${r.group}-${r.key}`;
            // One host, never a wider block.
            newRule(key, r, { securityGroupId: groupId, cidrIpv4: pulumi.interpolate`${address}/32`, tags, ...inRegion(r.region) }, parent);
        }
        this.registerOutputs({});
    }
}
