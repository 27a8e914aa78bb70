import * as pulumi from "@pulumi/pulumi";
import { BackupHost } from "./backuphost";
import { Backups } from "./backups";
import { DnsRecords } from "./dns";
import { LoadBalancer } from "./loadbalancer";
import { Monitoring } from "./monitoring";
import { Network } from "./network";
import { NodeGroup } from "./nodes";
import { SnapshotArchive } from "./snapshotarchive";
import type { TopologyPlan } from "./plan";
import { parameterPrefix } from "./plan/naming";
import { Replication } from "./replication";
import { SecurityGroups } from "./security";

export interface NodeOutput {
    readonly instanceId: string;
    readonly privateIp: string;
    readonly zone: string;
    readonly role: string;
}

/** What the rest of the program (and the HaService outputs) read from the built service. */
export interface ServiceParts {
    readonly security: SecurityGroups;
    readonly nodeGroup: NodeGroup;
    readonly loadBalancer?: LoadBalancer;
    readonly monitoring?: Monitoring;
    readonly replication: Replication;
}

/**
 * The whole deployment of one stack: network, security groups, nodes, load balancer, monitoring,
 * DNS, replication and backups, built from a TopologyPlan as children of `opts.parent` (the
 * HaService component). It reads like a list of resources; the plan decided.
 */
export function buildService(name: string, plan: TopologyPlan, opts: pulumi.ComponentResourceOptions): ServiceParts {
    const parent = opts;
    const tags = plan.tags;

    const network = new Network(`${name}-net`, { network: plan.network, tags }, parent);
    const security = new SecurityGroups(`${name}-sg`, { vpcId: network.vpcId, groups: plan.securityGroups, tags }, parent);
    const nodeGroup = new NodeGroup(
        name,
        {
            nodes: plan.nodes,
            subnets: network.nodeSubnets,
            securityGroupId: security.ids.nodes!,
            parameterPrefix: parameterPrefix(plan.project, plan.stack, plan.name),
            ...(plan.replication.clusterState ? { writableParameters: [plan.replication.clusterState.parameter] } : {}),
            tags,
        },
        parent,
    );
    const instanceIds = Object.fromEntries(Object.entries(nodeGroup.nodes).map(([k, n]) => [k, n.instance.id]));
    const nodeAddresses = Object.fromEntries(Object.entries(nodeGroup.nodes).map(([k, n]) => [k, n.instance.privateIp]));

    const lb = plan.loadBalancer
        ? new LoadBalancer(
              `${name}-lb`,
              {
                  plan: plan.loadBalancer,
                  vpcId: network.vpcId,
                  subnetIds: network.loadBalancerSubnetIds,
                  securityGroupId: security.ids.loadBalancer!,
                  instanceIds,
                  tags,
              },
              parent,
          )
        : undefined;
    // Before DNS: the HA health checks' alarms notify the monitoring topic.
    const monitoring = plan.monitoring
        ? new Monitoring(
              `${name}-mon`,
              {
                  plan: plan.monitoring,
                  instanceIds,
                  ...(lb ? { loadBalancer: { arnSuffix: lb.arnSuffix, targetGroupArnSuffixes: lb.targetGroupArnSuffixes } } : {}),
                  tags,
              },
              parent,
          )
        : undefined;
    new DnsRecords(
        `${name}-dns`,
        {
            records: plan.dns,
            nodeAddresses,
            ...(lb ? { loadBalancer: { dnsName: lb.dnsName, zoneId: lb.zoneId } } : {}),
            healthChecks: plan.healthChecks,
            instanceIds,
            ...(monitoring ? { alarmTopicArn: monitoring.topicArn } : {}),
            tags,
        },
        parent,
    );
    const replication = new Replication(`${name}-repl`, { plan: plan.replication, nodeAddresses, instanceIds, tags }, parent);
    protectData(name, plan, { network, security, nodeGroup, nodeAddresses }, parent);
    return { security, nodeGroup, replication, ...(lb ? { loadBalancer: lb } : {}), ...(monitoring ? { monitoring } : {}) };
}

/** The backups of the node data: snapshot policy, GHES backup host, snapshot archive (each when planned). */
function protectData(
    name: string,
    plan: TopologyPlan,
    from: { network: Network; security: SecurityGroups; nodeGroup: NodeGroup; nodeAddresses: Record<string, pulumi.Output<string>> },
    parent: pulumi.ResourceOptions,
): void {
    const { network, security, nodeGroup, nodeAddresses } = from;
    const tags = plan.tags;
    if (plan.backups) new Backups(`${name}-backup`, { plan: plan.backups, tags }, parent);
    if (plan.backupHost) {
        const host = plan.backupHost;
        new BackupHost(
            `${name}-backup-host`,
            {
                plan: host,
                subnetId: network.nodeSubnets[host.zone],
                securityGroupId: security.ids.backupHost!,
                primaryAddress: nodeAddresses[host.target.node],
                tags,
            },
            parent,
        );
    }
    if (plan.snapshotArchive) {
        new SnapshotArchive(
            `${name}-snapshots`,
            { plan: plan.snapshotArchive, nodeRoleName: nodeGroup.roleName, nodeRoleArn: nodeGroup.roleArn, tags },
            parent,
        );
    }
}

/** Each node's instance id, private address, zone and role. */
export function nodeOutputs(plan: TopologyPlan, nodeGroup: NodeGroup): pulumi.Output<Record<string, NodeOutput>> {
    return pulumi.all(
        Object.fromEntries(
            plan.nodes.map((n) => {
                const r = nodeGroup.nodes[n.key];
                return [
                    n.key,
                    pulumi
                        .all([r.instance.id, r.instance.privateIp])
                        .apply(([instanceId, privateIp]) => ({ instanceId, privateIp, zone: n.zone, role: n.role })),
                ];
            }),
        ),
    );
}
