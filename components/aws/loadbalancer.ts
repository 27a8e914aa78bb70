import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { inRegion } from "../common/region";
import type { LoadBalancerPlan } from "../plan";

export interface LoadBalancerArgs {
    /** DR region resources: the region they live in; undefined: the stack's region. */
    readonly region?: string;
    readonly plan: LoadBalancerPlan;
    readonly vpcId: pulumi.Input<string>;
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly securityGroupId: pulumi.Input<string>;
    /** Instance id of every node that may be a target, by node key. */
    readonly instanceIds: Readonly<Record<string, pulumi.Input<string>>>;
    readonly tags: Readonly<Record<string, string>>;
}

/** The load balancer, its health-checked target groups, listeners and the target nodes' attachments. */
export class LoadBalancer extends pulumi.ComponentResource {
    readonly dnsName: pulumi.Output<string>;
    readonly zoneId: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    readonly targetGroupArns: Readonly<Record<string, pulumi.Output<string>>>;
    /** What CloudWatch's `LoadBalancer` and `TargetGroup` dimensions take. */
    readonly arnSuffix: pulumi.Output<string>;
    readonly targetGroupArnSuffixes: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: LoadBalancerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:lb:LoadBalancer", name, {}, opts);
        const parent = { parent: this };
        const p = args.plan;
        const lb = new aws.lb.LoadBalancer(
            name,
            {
                ...inRegion(args.region),
                loadBalancerType: p.kind === "alb" ? "application" : "network",
                internal: p.internal,
                subnets: args.subnetIds,
                securityGroups: [args.securityGroupId],
                enableDeletionProtection: p.deletionProtection,
                ...(p.kind === "alb"
                    ? { dropInvalidHeaderFields: p.dropInvalidHeaderFields }
                    : { enableCrossZoneLoadBalancing: p.crossZoneLoadBalancing }),
                ...(p.accessLogs ? { accessLogs: { bucket: p.accessLogs.bucket, prefix: p.accessLogs.prefix, enabled: true } } : {}),
                tags: args.tags,
            },
            parent,
        );
        const targetGroups: Record<string, aws.lb.TargetGroup> = {};
        for (const tg of p.targetGroups) {
            targetGroups[tg.key] = newTargetGroup(`${name}-${tg.key}`, args, tg, parent);
        }
        for (const l of p.listeners) {
            const defaultActions =
                l.action === "forward"
                    ? [{ type: "forward", targetGroupArn: targetGroups[l.targetGroup].arn }]
                    : [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }];
            new aws.lb.Listener(
                `${name}-${l.key}`,
                {
                    ...inRegion(args.region),
                    loadBalancerArn: lb.arn,
                    port: l.port,
                    protocol: l.protocol,
                    ...(l.action === "forward" && l.certificateArn !== undefined
                        ? { certificateArn: l.certificateArn, sslPolicy: l.sslPolicy }
                        : {}),
                    defaultActions,
                    tags: args.tags,
                },
                parent,
            );
        }
        for (const a of p.attachments) {
            const instanceId = args.instanceIds[a.node];
            if (instanceId === undefined) throw new Error(`load-balancer attachment ${a.key} names unknown node "${a.node}"`);
            new aws.lb.TargetGroupAttachment(
                `${name}-${a.key}`,
                { ...inRegion(args.region), targetGroupArn: targetGroups[a.targetGroup].arn, targetId: instanceId, port: a.port },
                { ...parent, aliases: (a.formerKeys ?? []).map((k) => ({ name: `${name}-${k}` })) },
            );
        }
        this.dnsName = lb.dnsName;
        this.zoneId = lb.zoneId;
        this.arn = lb.arn;
        this.targetGroupArns = Object.fromEntries(Object.entries(targetGroups).map(([k, tg]) => [k, tg.arn]));
        this.arnSuffix = lb.arnSuffix;
        this.targetGroupArnSuffixes = Object.fromEntries(Object.entries(targetGroups).map(([k, tg]) => [k, tg.arnSuffix]));
        this.registerOutputs({ dnsName: this.dnsName });
    }
}

/** One target group with its health check (an NLB also keeps the client's address as planned). */
function newTargetGroup(
    name: string,
    args: LoadBalancerArgs,
    tg: LoadBalancerArgs["plan"]["targetGroups"][number],
    parent: pulumi.ResourceOptions,
): aws.lb.TargetGroup {
    const hc = tg.healthCheck;
    return new aws.lb.TargetGroup(
        name,
        {
            ...inRegion(args.region),
            vpcId: args.vpcId,
            port: tg.port,
            protocol: tg.protocol,
            // Instance targets keep the client's source address on an NLB.
            targetType: "instance",
            deregistrationDelay: tg.deregistrationDelay,
            ...(args.plan.kind === "nlb" ? { preserveClientIp: String(tg.preserveClientIp), proxyProtocolV2: tg.proxyProtocolV2 } : {}),
            healthCheck: {
                enabled: true,
                protocol: hc.protocol,
                port: String(hc.port),
                ...(hc.protocol === "TCP" ? {} : { path: hc.path, matcher: hc.matcher }),
                interval: hc.interval,
                timeout: hc.timeout,
                healthyThreshold: hc.healthyThreshold,
                unhealthyThreshold: hc.unhealthyThreshold,
            },
            tags: args.tags,
        },
        parent,
    );
}
