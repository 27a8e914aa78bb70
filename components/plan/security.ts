import type { StackSpec } from "../config";
import type { IpProtocol } from "../profiles";
import { planBackupHostSecurity } from "./backuphost";
import { slug } from "../common/naming";
import type { LoadBalancerPlan, SecurityGroupPlan, SecurityRule } from "./types";

/** Transport protocols a load-balancer protocol needs open. */
export function transportOf(protocol: string): IpProtocol[] {
    switch (protocol) {
        case "UDP":
            return ["udp"];
        case "TCP_UDP":
            return ["tcp", "udp"];
        default:
            return ["tcp"];
    }
}

function rule(
    direction: "ingress" | "egress",
    key: string,
    p: { port: number; protocol: IpProtocol },
    peer: SecurityRule["peer"],
    description: string,
): SecurityRule {
    return { key, direction, protocol: p.protocol, fromPort: p.port, toPort: p.port, peer, description };
}

function uniquePorts(ports: readonly { port: number; protocol: IpProtocol; description: string }[]) {
    const seen = new Map<string, { port: number; protocol: IpProtocol; description: string }>();
    for (const p of ports) if (!seen.has(`${p.protocol}-${p.port}`)) seen.set(`${p.protocol}-${p.port}`, p);
    return [...seen.values()];
}

/** Ingress from the clients to one port: each of `access.clientCidrs`, then each of `access.clientSecurityGroups`. */
function clientRules(access: StackSpec["access"], p: { port: number; protocol: IpProtocol; description: string }): SecurityRule[] {
    return [
        ...access.clientCidrs.map((cidr) =>
            rule("ingress", `client-${p.protocol}-${p.port}-${slug(cidr)}`, p, { cidr }, `Clients in ${cidr}: ${p.description}`),
        ),
        // Keyed by the group id: adding or removing one group never renames another's rule.
        ...access.clientSecurityGroups.map((securityGroupId) =>
            rule(
                "ingress",
                `client-${p.protocol}-${p.port}-${securityGroupId}`,
                p,
                { securityGroupId },
                `Clients in ${securityGroupId}: ${p.description}`,
            ),
        ),
    ];
}

/**
 * Security groups and their rules. Every rule has a stable key and a description. Replication
 * ports are open only within the nodes' own group, admin ports only from `access.adminCidrs`, and
 * user ports only from the load balancer (or, with no load balancer, from `access.clientCidrs` and
 * `access.clientSecurityGroups`).
 */
export function planSecurityGroups(spec: StackSpec, lb: LoadBalancerPlan | undefined): SecurityGroupPlan[] {
    const { profile, access } = spec;
    const nodeRules: SecurityRule[] = [];
    const lbRules: SecurityRule[] = [];

    if (lb) {
        // What the load balancer sends to the nodes: every target port and the health-check port.
        const toNodes = uniquePorts(
            lb.targetGroups.flatMap((tg) => [
                ...transportOf(tg.protocol).map((protocol) => ({ port: tg.port, protocol, description: `${tg.protocol} ${tg.port}` })),
                ...(tg.healthCheck.port !== tg.port
                    ? [{ port: tg.healthCheck.port, protocol: "tcp" as const, description: `health check ${tg.healthCheck.port}` }]
                    : []),
            ]),
        );
        for (const p of toNodes) {
            nodeRules.push(
                rule("ingress", `lb-${p.protocol}-${p.port}`, p, { group: "loadBalancer" }, `From the load balancer: ${p.description}`),
            );
            lbRules.push(rule("egress", `nodes-${p.protocol}-${p.port}`, p, { group: "nodes" }, `To the nodes: ${p.description}`));
        }
        const listenerPorts = uniquePorts(
            lb.listeners.flatMap((l) =>
                transportOf(l.protocol).map((protocol) => ({ port: l.port, protocol, description: `${l.protocol} ${l.port}` })),
            ),
        );
        for (const p of listenerPorts) lbRules.push(...clientRules(access, p));
    } else {
        for (const p of profile.ports.user) nodeRules.push(...clientRules(access, p));
    }
    for (const p of profile.ports.admin) {
        for (const cidr of access.adminCidrs) {
            nodeRules.push(
                rule("ingress", `admin-${p.protocol}-${p.port}-${slug(cidr)}`, p, { cidr }, `Admins in ${cidr}: ${p.description}`),
            );
        }
    }
    for (const p of profile.ports.replication[spec.topology]) {
        nodeRules.push(rule("ingress", `repl-${p.protocol}-${p.port}`, p, { group: "nodes" }, `Between nodes: ${p.description}`));
        nodeRules.push(rule("egress", `repl-out-${p.protocol}-${p.port}`, p, { group: "nodes" }, `Between nodes: ${p.description}`));
    }
    // The SSM agent and the AWS CLI reach regional endpoints over HTTPS; nothing else leaves the nodes.
    nodeRules.push(
        rule(
            "egress",
            "https-out",
            { port: 443, protocol: "tcp" },
            { cidr: "0.0.0.0/0" },
            "HTTPS to AWS APIs (SSM, EC2 messages) and update mirrors",
        ),
    );

    const backupHost = planBackupHostSecurity(spec);
    if (backupHost) nodeRules.push(...backupHost.nodeRules);

    const groups: SecurityGroupPlan[] = [{ key: "nodes", description: `${spec.name} nodes of stack ${spec.stack}`, rules: nodeRules }];
    if (lb) groups.push({ key: "loadBalancer", description: `${spec.name} load balancer of stack ${spec.stack}`, rules: lbRules });
    if (backupHost) groups.push(backupHost.group);
    return groups;
}
