import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { inRegion } from "../common/region";
import type { SecurityGroupPlan, SecurityRule } from "../plan";

export interface SecurityGroupsArgs {
    /** DR region resources: the region they live in; undefined: the stack's region. */
    readonly region?: string;
    readonly vpcId: pulumi.Input<string>;
    readonly groups: readonly SecurityGroupPlan[];
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The stack's security groups, each rule a separate resource named from its stable key, so adding
 * a CIDR or a node never rewrites the other rules.
 */
export class SecurityGroups extends pulumi.ComponentResource {
    readonly ids: Readonly<Partial<Record<SecurityGroupPlan["key"], pulumi.Output<string>>>>;

    constructor(name: string, args: SecurityGroupsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:net:SecurityGroups", name, {}, opts);
        const parent = { parent: this };
        const groups: Partial<Record<SecurityGroupPlan["key"], aws.ec2.SecurityGroup>> = {};
        for (const g of args.groups) {
            // Rules live in their own resources; an inline-free group has no default egress rule.
            groups[g.key] = new aws.ec2.SecurityGroup(
                `${name}-${g.key}`,
                {
                    ...inRegion(args.region),
                    vpcId: args.vpcId,
                    description: g.description,
                    revokeRulesOnDelete: true,
                    tags: { ...args.tags, Name: `${name}-${g.key}` },
                },
                parent,
            );
        }
        const groupOf = (key: SecurityGroupPlan["key"]): aws.ec2.SecurityGroup => {
            const group = groups[key];
            if (!group) throw new Error(`security group "${key}" is referenced by a rule but not planned`);
            return group;
        };
        for (const g of args.groups) {
            const groupId = groupOf(g.key).id;
            for (const r of g.rules) {
                const peer =
                    "cidr" in r.peer
                        ? { cidrIpv4: r.peer.cidr }
                        : { referencedSecurityGroupId: "group" in r.peer ? groupOf(r.peer.group).id : r.peer.securityGroupId };
                newRule(
                    `${name}-${g.key}-${r.key}`,
                    r,
                    { securityGroupId: groupId, ...peer, tags: args.tags, ...inRegion(args.region) },
                    parent,
                );
            }
        }
        this.ids = Object.fromEntries(args.groups.map((g) => [g.key, groupOf(g.key).id]));
        this.registerOutputs({ ids: this.ids });
    }
}

/** One rule of a group as its own resource (ingress or egress), with the plan's protocol, ports and description. */
export function newRule(
    name: string,
    r: Pick<SecurityRule, "direction" | "protocol" | "fromPort" | "toPort" | "description">,
    at: {
        readonly securityGroupId: pulumi.Input<string>;
        readonly cidrIpv4?: pulumi.Input<string>;
        readonly referencedSecurityGroupId?: pulumi.Input<string>;
        readonly tags: Readonly<Record<string, string>>;
        readonly region?: string;
    },
    parent: pulumi.CustomResourceOptions,
): void {
    const ruleArgs = { ...at, ipProtocol: r.protocol, fromPort: r.fromPort, toPort: r.toPort, description: r.description };
    if (r.direction === "ingress") new aws.vpc.SecurityGroupIngressRule(name, ruleArgs, parent);
    else new aws.vpc.SecurityGroupEgressRule(name, ruleArgs, parent);
}
