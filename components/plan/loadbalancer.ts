import type { ConfigProblem, StackSpec } from "../config";
import { planFailoverRecords } from "./healthchecks";
import { targetNodes } from "./targets";
import type { DnsRecordPlan, ListenerPlan, LoadBalancerPlan, PlannedNode, TargetGroupPlan } from "./types";

/** AWS gives alias records to a load balancer a fixed TTL of 60 s. */
export const ALIAS_TTL = 60;

/**
 * Listeners, target groups (one per target port and protocol, each health-checked) and the
 * attachments of the nodes the load balancer may send to, each keyed by its node, so adding or
 * removing a node touches only its own. See `targetNodes` for HA.
 */
export function planLoadBalancer(spec: StackSpec, nodes: readonly PlannedNode[]): LoadBalancerPlan | undefined {
    const lb = spec.loadBalancer;
    if (!lb) return undefined;
    const profileLb = spec.profile.loadBalancer;
    const targetGroups = new Map<string, TargetGroupPlan>();
    const listeners: ListenerPlan[] = [];
    for (const l of lb.listeners) {
        const key = `${l.targetProtocol.toLowerCase().replace("_", "")}-${l.targetPort}`;
        if (!targetGroups.has(key)) {
            targetGroups.set(key, {
                key,
                port: l.targetPort,
                protocol: l.targetProtocol,
                healthCheck: lb.healthCheck,
                deregistrationDelay: lb.deregistrationDelay,
                preserveClientIp: lb.kind === "nlb" && profileLb.preserveClientIp,
                proxyProtocolV2: lb.kind === "nlb" && profileLb.proxyProtocolV2,
            });
        }
        const tls = l.protocol === "HTTPS" || l.protocol === "TLS";
        listeners.push({
            key: `${l.protocol.toLowerCase().replace("_", "")}-${l.port}`,
            port: l.port,
            protocol: l.protocol,
            action: "forward",
            targetGroup: key,
            ...(tls && lb.certificateArn !== undefined ? { certificateArn: lb.certificateArn, sslPolicy: lb.sslPolicy } : {}),
        });
    }
    if (lb.kind === "alb") {
        // Plain HTTP only ever redirects: clients that type http:// still land on TLS.
        listeners.push({ key: "http-80", port: 80, protocol: "HTTP", action: "redirect-https" });
    }
    const attachments = [...targetGroups.values()].flatMap((tg) =>
        targetNodes(spec, nodes).map((n) => ({
            key: `${tg.key}-${n.key}`,
            targetGroup: tg.key,
            node: n.key,
            port: tg.port,
            ...(spec.topology === "ha" && n.key === spec.primary ? { formerKeys: [`${tg.key}-primary`] } : {}),
        })),
    );
    return {
        kind: lb.kind,
        internal: lb.scheme === "internal",
        deletionProtection: lb.deletionProtection,
        dropInvalidHeaderFields: lb.kind === "alb",
        // An HA primary (or a cluster's serving nodes) may sit in fewer zones than the load balancer.
        crossZoneLoadBalancing: true,
        ...(lb.accessLogs ? { accessLogs: lb.accessLogs } : {}),
        listeners,
        targetGroups: [...targetGroups.values()],
        attachments,
    };
}

/**
 * The service record: an alias to the load balancer, or failover records to the nodes. Its key never
 * mentions a node, so a promotion updates the record in place.
 */
export function planDns(spec: StackSpec): DnsRecordPlan[] {
    const { dns } = spec;
    if (dns.target === "loadBalancer") {
        return [
            {
                key: "service",
                zoneId: dns.zoneId,
                name: dns.name,
                type: "A",
                target: { kind: "loadBalancer", evaluateTargetHealth: true },
                effectiveTtl: ALIAS_TTL,
            },
        ];
    }
    // To the nodes: failover records even for manual failover (see planFailoverRecords).
    return planFailoverRecords(spec);
}

/** AWS's limit on target-group names; Pulumi's autonaming adds "-" and 7 random characters. */
const TARGET_GROUP_NAME_MAX = 32;
const AUTONAME_SUFFIX = 8;

/**
 * Target groups are autonamed from `<name>-lb-<key>` (components/aws/loadbalancer.ts), and AWS caps
 * their names at 32 characters: a long service name with a long target key would pass every offline
 * check and fail on `pulumi up`.
 */
export function targetGroupNameProblems(spec: StackSpec, lb: LoadBalancerPlan | undefined): ConfigProblem[] {
    const longest = (lb?.targetGroups ?? []).map((tg) => `${spec.name}-lb-${tg.key}`).sort((a, b) => b.length - a.length)[0];
    if (longest === undefined || longest.length + AUTONAME_SUFFIX <= TARGET_GROUP_NAME_MAX) return [];
    const room = spec.name.length - (longest.length + AUTONAME_SUFFIX - TARGET_GROUP_NAME_MAX);
    return [
        {
            path: "name",
            message: `is too long for the target group ${longest} (AWS allows ${TARGET_GROUP_NAME_MAX} characters with Pulumi's 8-character suffix); use at most ${room} characters`,
            value: spec.name,
        },
    ];
}
