/**
 * The DR region of an HA stack (`dr`): which parts of the plan run in the second region, and what
 * connects the regions. Pure. The plan is first made for every node as if in one region; this module
 * moves the DR nodes' parts (load-balancer attachments, replication documents, alarms, snapshots) to
 * `plan.dr` and adds what only a second region needs:
 *
 * - its own network, security groups and (when the stack has one) load balancer: a load balancer
 *   forwards only to targets in its own region;
 * - replication rules between the regions by each node's /32 only: a security group rule cannot
 *   reference a group of another region (EC2 User Guide, "Security group rules": a referenced group
 *   must be in the same Region, or a peered VPC of the same Region);
 * - an alarm topic in the DR region: CloudWatch alarm actions publish to topics of the alarm's region;
 * - Data Lifecycle Manager copies of every snapshot to the DR region, encrypted with a key there.
 *
 * A promotion (`primary` set to a DR node with `dr.promoted: true`) changes DNS (the alias follows the
 * primary's region), the replication documents and the primary's health-check alarm (it moves to the
 * primary's region); no node, volume or load-balancer attachment.
 */
import { ConfigError, type StackSpec } from "../config";
import { drZones } from "../config/dr-config";
import { backupTargetTags } from "./backups";
import { drRunbooks, regionScenarios } from "./dr-failover";
import { loadBalancerSubnetTier, natZone, subnetCidrs } from "../common/network";
import { planSecurityGroups } from "./security";
import type { BackupPlan, CrossRegionRule, DrPlan, LoadBalancerPlan, MonitoringPlan, NetworkPlan, TopologyPlan } from "./types";

/** The host key of the GHES backup host in cross-region rules. */
export const BACKUP_HOST = "backup-host";

/** The plan of a DR stack: the main region's parts and `dr`; other stacks unchanged. */
export function planDr(spec: StackSpec, plan: TopologyPlan): TopologyPlan {
    const dr = spec.dr;
    if (!dr) return plan;
    const inDr = (node: string) => dr.nodes.includes(node);
    const primaryInDr = plan.primary !== undefined && inDr(plan.primary);
    const [mainLb, drLb] = splitLoadBalancer(plan.loadBalancer, inDr);
    const drNetwork = planDrNetwork(spec, drLb);
    checkDrNames(spec, drLb);
    const alarmsIn = (m: MonitoringPlan, want: boolean): MonitoringPlan => ({
        ...m,
        alarms: m.alarms.filter((a) => (a.subject.kind === "node" && inDr(a.subject.node)) === want),
    });
    const drPlan: DrPlan = {
        region: dr.region,
        nodes: dr.nodes,
        zones: drZones(dr),
        network: drNetwork,
        connection:
            dr.connection.kind === "existing"
                ? dr.connection
                : { kind: "peering", mainCidr: spec.network.kind === "create" ? spec.network.cidr : "", drCidr: dr.cidr ?? "" },
        // The same rules as the main region's nodes (admin, clients or the load balancer, HTTPS out),
        // without the backup host's group, which lives in the main region.
        securityGroups: planSecurityGroups({ ...spec, ghesBackup: undefined }, drLb),
        crossRegionRules: crossRegionRules(spec, plan, inDr),
        ...(drLb ? { loadBalancer: drLb } : {}),
        replication: { ...plan.replication, documents: plan.replication.documents.filter((d) => inDr(d.node)) },
        ...(plan.monitoring ? { monitoring: alarmsIn(plan.monitoring, true) } : {}),
        ...(plan.backups ? { backups: plan.backups } : {}),
    };
    const copy: BackupPlan["copy"] = dr.backups.copy
        ? { region: dr.region, keepDays: dr.backups.keepDays, ...(dr.backups.kmsKeyArn ? { kmsKeyArn: dr.backups.kmsKeyArn } : {}) }
        : undefined;
    const split: TopologyPlan = {
        ...plan,
        ...(mainLb ? { loadBalancer: mainLb } : {}),
        replication: { ...plan.replication, documents: plan.replication.documents.filter((d) => !inDr(d.node)) },
        ...(plan.monitoring ? { monitoring: alarmsIn(plan.monitoring, false) } : {}),
        ...(plan.backups && copy ? { backups: { ...plan.backups, copy } } : {}),
        ...(plan.backupHost && copy ? { backupHost: backupHostWithCopies(spec, plan.backupHost) } : {}),
        dns: plan.dns.map((r) =>
            r.target.kind === "loadBalancer" && primaryInDr ? { ...r, target: { ...r.target, region: dr.region } } : r,
        ),
        healthChecks: plan.healthChecks.map((h) => (inDr(h.node) ? { ...h, region: dr.region } : h)),
        dr: drPlan,
    };
    return {
        ...split,
        failoverAnalysis: { ...plan.failoverAnalysis, scenarios: [...plan.failoverAnalysis.scenarios, ...regionScenarios(spec, split)] },
        runbooks: [...plan.runbooks, ...drRunbooks(spec, split)],
    };
}

/** Each region's load balancer registers the nodes of its region (every node of it, as HA does). */
function splitLoadBalancer(
    lb: LoadBalancerPlan | undefined,
    inDr: (node: string) => boolean,
): [LoadBalancerPlan | undefined, LoadBalancerPlan | undefined] {
    if (!lb) return [undefined, undefined];
    const drAttachments = lb.attachments.filter((a) => inDr(a.node)).map(({ formerKeys: _former, ...a }) => a);
    return [
        { ...lb, attachments: lb.attachments.filter((a) => !inDr(a.node)) },
        { ...lb, attachments: drAttachments },
    ];
}

function planDrNetwork(spec: StackSpec, lb: LoadBalancerPlan | undefined): NetworkPlan {
    const net = spec.dr!.network;
    return net.kind === "create"
        ? {
              ...net,
              subnets: subnetCidrs(net.cidr, net.zones),
              natZone: natZone(net.zones),
              loadBalancerSubnetTier: loadBalancerSubnetTier(lb),
          }
        : net;
}

/**
 * Replication ports between every node of one region and every node of the other, and (GHES) from the
 * backup host to the DR nodes, which it backs up once one of them is primary: each rule one host's /32.
 */
function crossRegionRules(spec: StackSpec, plan: TopologyPlan, inDr: (node: string) => boolean): CrossRegionRule[] {
    const region = spec.dr!.region;
    const rules: CrossRegionRule[] = [];
    const ports = spec.profile.ports.replication.ha;
    const mainNodes = plan.nodes.filter((n) => !inDr(n.key)).map((n) => n.key);
    const drNodes = plan.nodes.filter((n) => inDr(n.key)).map((n) => n.key);
    const between = (other: readonly string[], ownRegion: string | undefined) => {
        for (const host of other) {
            for (const p of ports) {
                const base = { group: "nodes" as const, protocol: p.protocol, fromPort: p.port, toPort: p.port, peer: { host } };
                const at = ownRegion === undefined ? {} : { region: ownRegion };
                rules.push({
                    ...at,
                    ...base,
                    key: `repl-${p.protocol}-${p.port}-${host}`,
                    direction: "ingress",
                    description: `From ${host} in the other region: ${p.description}`,
                });
                rules.push({
                    ...at,
                    ...base,
                    key: `repl-out-${p.protocol}-${p.port}-${host}`,
                    direction: "egress",
                    description: `To ${host} in the other region: ${p.description}`,
                });
            }
        }
    };
    between(drNodes, undefined);
    between(mainNodes, region);
    const host = plan.backupHost ? backupHostPorts(plan) : [];
    for (const node of drNodes) {
        for (const p of host) {
            const base = { protocol: "tcp" as const, fromPort: p.port, toPort: p.port };
            rules.push({
                ...base,
                region,
                group: "nodes",
                key: `backup-tcp-${p.port}-${BACKUP_HOST}`,
                direction: "ingress",
                peer: { host: BACKUP_HOST },
                description: `From the backup host in the main region: ${p.description}`,
            });
            rules.push({
                ...base,
                group: "backupHost",
                key: `nodes-tcp-${p.port}-${node}`,
                direction: "egress",
                peer: { host: node },
                description: `To ${node} in ${region}: ${p.description}`,
            });
        }
    }
    return rules;
}

/** The ports the backup host reaches the nodes on: its group's egress rules to the nodes' group. */
function backupHostPorts(plan: TopologyPlan): { port: number; description: string }[] {
    const group = plan.securityGroups.find((g) => g.key === "backupHost");
    return (group?.rules ?? [])
        .filter((r) => r.direction === "egress" && "group" in r.peer && r.peer.group === "nodes")
        .map((r) => ({ port: r.fromPort, description: r.description.replace(/^To the nodes: /, "") }));
}

/**
 * With copies on, the backup host's data volume (Backup Utilities' snapshots) carries the backup tag,
 * so the snapshot policy snapshots it and copies it to the DR region with the nodes' volumes: the
 * backups survive the loss of the primary's region.
 */
function backupHostWithCopies(spec: StackSpec, host: NonNullable<TopologyPlan["backupHost"]>): NonNullable<TopologyPlan["backupHost"]> {
    return { ...host, dataVolume: { ...host.dataVolume, tags: { ...host.dataVolume.tags, ...backupTargetTags(spec) } } };
}

/** AWS caps target-group names at 32 characters (autonamed `<name>-dr-lb-<key>` plus Pulumi's 8-character suffix). */
function checkDrNames(spec: StackSpec, lb: LoadBalancerPlan | undefined): void {
    const longest = (lb?.targetGroups ?? []).map((tg) => `${spec.name}-dr-lb-${tg.key}`).sort((a, b) => b.length - a.length)[0];
    if (longest === undefined || longest.length + 8 <= 32) return;
    throw new ConfigError(
        spec.stack,
        [
            {
                path: "name",
                message: `is too long for the DR target group ${longest} (AWS allows 32 characters with Pulumi's suffix)`,
                value: spec.name,
            },
        ],
        spec.project,
    );
}
