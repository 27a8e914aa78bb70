import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { inRegion } from "../common/region";
import type { NetworkPlan } from "../plan";

export interface NetworkArgs {
    /** DR region resources: the region they live in; undefined: the stack's region. */
    readonly region?: string;
    readonly network: NetworkPlan;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The nodes' network: an existing VPC and subnets passed through, or a small VPC with a private
 * subnet per zone for the nodes and a public subnet per zone for one NAT gateway and an
 * internet-facing load balancer.
 */
export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    /** Node subnet of each zone. */
    readonly nodeSubnets: Readonly<Record<string, pulumi.Output<string>>>;
    readonly loadBalancerSubnetIds: pulumi.Output<string[]>;
    /** The created VPC's private route table (a DR peering adds its route there); undefined for an existing VPC. */
    readonly privateRouteTableId?: pulumi.Output<string>;

    constructor(name: string, args: NetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:net:Network", name, {}, opts);
        const { network: net, tags } = args;
        if (net.kind === "existing") {
            this.vpcId = pulumi.output(net.vpcId);
            this.nodeSubnets = Object.fromEntries(net.subnets.map((s) => [s.zone, pulumi.output(s.id)]));
            this.loadBalancerSubnetIds = pulumi.output([...net.loadBalancerSubnets]);
            this.registerOutputs({ vpcId: this.vpcId });
            return;
        }
        const parent = { parent: this };
        const at = inRegion(args.region);
        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            {
                ...at,
                cidrBlock: net.cidr,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: { ...tags, Name: `${name}-vpc` },
            },
            parent,
        );
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { ...at, vpcId: vpc.id, tags: { ...tags, Name: `${name}-igw` } }, parent);
        const publicRt = new aws.ec2.RouteTable(
            `${name}-public`,
            {
                ...at,
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
                tags: { ...tags, Name: `${name}-public` },
            },
            parent,
        );
        /** A subnet of one tier in one zone, associated with that tier's route table. */
        const subnet = (tier: "public" | "private", zone: string, cidrBlock: string, routeTableId: pulumi.Input<string>) => {
            const s = new aws.ec2.Subnet(
                `${name}-${tier}-${zone}`,
                {
                    ...at,
                    vpcId: vpc.id,
                    cidrBlock,
                    availabilityZone: zone,
                    mapPublicIpOnLaunch: false,
                    tags: { ...tags, Name: `${name}-${tier}-${zone}`, Tier: tier },
                },
                parent,
            );
            new aws.ec2.RouteTableAssociation(`${name}-${tier}-${zone}`, { ...at, subnetId: s.id, routeTableId }, parent);
            return s.id;
        };
        const publicSubnets = Object.fromEntries(net.subnets.map((z) => [z.zone, subnet("public", z.zone, z.publicCidr, publicRt.id)]));
        const eip = new aws.ec2.Eip(`${name}-nat`, { ...at, domain: "vpc", tags: { ...tags, Name: `${name}-nat` } }, parent);
        const nat = new aws.ec2.NatGateway(
            `${name}-nat`,
            {
                ...at,
                allocationId: eip.id,
                subnetId: publicSubnets[net.natZone],
                tags: { ...tags, Name: `${name}-nat` },
            },
            { ...parent, dependsOn: [igw] },
        );
        const privateRt = new aws.ec2.RouteTable(
            `${name}-private`,
            {
                ...at,
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
                tags: { ...tags, Name: `${name}-private` },
            },
            parent,
        );
        const nodeSubnets = Object.fromEntries(net.subnets.map((z) => [z.zone, subnet("private", z.zone, z.privateCidr, privateRt.id)]));
        this.vpcId = vpc.id;
        this.nodeSubnets = nodeSubnets;
        this.privateRouteTableId = privateRt.id;
        const lbSubnets = net.loadBalancerSubnetTier === "public" ? publicSubnets : nodeSubnets;
        this.loadBalancerSubnetIds = pulumi.all(net.zones.map((z) => lbSubnets[z]));
        this.registerOutputs({ vpcId: this.vpcId });
    }
}
