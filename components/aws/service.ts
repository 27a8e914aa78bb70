import * as pulumi from "@pulumi/pulumi";
import { BackupHost } from "./backuphost";
import { Backups } from "./backups";
import { AutoFailover } from "./autofailover";
import { DnsRecords, type DnsRecordsArgs } from "./dns";
import { DrLinks } from "./dr-links";
import { DrRegion, ids } from "./dr-region";
import { LoadBalancer } from "./loadbalancer";
import { AwsLookups } from "./lookups";
import { Monitoring } from "./monitoring";
import { Network } from "./network";
import { NodeGroup } from "./nodes";
import { SnapshotArchive } from "./snapshotarchive";
import type { TopologyPlan } from "../plan";
import { BACKUP_HOST } from "../plan/dr";
import { parameterPrefix } from "../common/naming";
import { Replication } from "./replication";
import { SecurityGroups } from "./security";
import type { NodeOutput } from "./outputs";

/** What the rest of the program (and the HaService outputs) read from the built service. */
export interface ServiceParts {
    readonly security: SecurityGroups;
    readonly nodeGroup: NodeGroup;
    readonly loadBalancer?: LoadBalancer;
    readonly monitoring?: Monitoring;
    readonly replication: Replication;
    /** The DR region's components, when the stack has one. */
    readonly dr?: DrRegion;
    /** Every node's resources, in either region, by node key. */
    readonly allNodes: NodeGroup["nodes"];
}

/**
 * The whole deployment of one stack: network, security groups, nodes, load balancer, monitoring,
 * DNS, replication and backups, built from a TopologyPlan as children of `opts.parent` (the
 * HaService component). It reads like a list of resources; the plan decided.
 */
export function buildService(name: string, plan: TopologyPlan, opts: pulumi.ComponentResourceOptions): ServiceParts {
    const parent = opts;
    const tags = plan.tags;
    // One partition, account and region lookup for the whole service (the components' own otherwise).
    const lookups = new AwsLookups({ parent: opts.parent });

    const network = new Network(`${name}-net`, { network: plan.network, tags }, parent);
    const security = new SecurityGroups(`${name}-sg`, { vpcId: network.vpcId, groups: plan.securityGroups, tags }, parent);
    const nodeGroup = new NodeGroup(
        name,
        {
            nodes: plan.nodes.filter((n) => n.region === undefined),
            subnets: network.nodeSubnets,
            securityGroupId: security.ids.nodes!,
            parameterPrefix: parameterPrefix(plan.project, plan.stack, plan.name),
            ...(plan.replication.clusterState ? { writableParameters: [plan.replication.clusterState.parameter] } : {}),
            ...(plan.autoFailover ? { heartbeatNamespace: plan.autoFailover.heartbeat.namespace } : {}),
            tags,
            lookups,
        },
        parent,
    );
    const dr = drRegion(name, plan, lookups, parent);
    const allNodes = { ...nodeGroup.nodes, ...dr?.nodeGroup.nodes };
    const instanceIds = ids(nodeGroup);
    const nodeAddresses = Object.fromEntries(Object.entries(allNodes).map(([k, n]) => [k, n.instance.privateIp]));

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
                  lookups,
              },
              parent,
          )
        : undefined;
    if (plan.autoFailover) autoFailover(name, plan.autoFailover, { instanceIds, monitoring, tags, lookups }, parent);
    new DnsRecords(
        `${name}-dns`,
        {
            records: plan.dns,
            nodeAddresses,
            ...(lb ? { loadBalancer: { dnsName: lb.dnsName, zoneId: lb.zoneId } } : {}),
            healthChecks: plan.healthChecks,
            instanceIds: { ...instanceIds, ...(dr ? ids(dr.nodeGroup) : {}) },
            ...(dr && plan.dr ? { regions: { [plan.dr.region]: drTargets(dr) } } : {}),
            ...(monitoring ? { alarmTopicArn: monitoring.topicArn } : {}),
            tags,
            lookups,
        },
        parent,
    );
    const replication = new Replication(`${name}-repl`, { plan: plan.replication, nodeAddresses, instanceIds, tags }, parent);
    const backupHost = protectData(name, plan, { network, security, nodeGroup, nodeAddresses, lookups }, parent);
    if (dr) linkDr(name, plan, { dr, network, security, nodeAddresses, replication, backupHost }, parent);
    return {
        security,
        nodeGroup,
        allNodes,
        replication,
        ...(lb ? { loadBalancer: lb } : {}),
        ...(monitoring ? { monitoring } : {}),
        ...(dr ? { dr } : {}),
    };
}

/** HA automatic failover behind the load balancer: heartbeat alarms, the runbook and its rule. */
function autoFailover(
    name: string,
    plan: NonNullable<TopologyPlan["autoFailover"]>,
    with_: {
        instanceIds: Record<string, pulumi.Output<string>>;
        monitoring: Monitoring | undefined;
        tags: Record<string, string>;
        lookups: AwsLookups;
    },
    parent: pulumi.ResourceOptions,
): AutoFailover {
    const { instanceIds, monitoring, tags, lookups } = with_;
    return new AutoFailover(
        `${name}-failover`,
        { plan, instanceIds, ...(monitoring ? { alarmTopicArn: monitoring.topicArn } : {}), tags, lookups },
        parent,
    );
}

/** The backups of the node data: snapshot policy, GHES backup host, snapshot archive (each when planned). */
function protectData(
    name: string,
    plan: TopologyPlan,
    from: {
        network: Network;
        security: SecurityGroups;
        nodeGroup: NodeGroup;
        nodeAddresses: Record<string, pulumi.Output<string>>;
        lookups: AwsLookups;
    },
    parent: pulumi.ResourceOptions,
): BackupHost | undefined {
    const { network, security, nodeGroup, nodeAddresses, lookups } = from;
    const tags = plan.tags;
    if (plan.backups) new Backups(`${name}-backup`, { plan: plan.backups, tags, lookups }, parent);
    let backupHost: BackupHost | undefined;
    if (plan.backupHost) {
        const host = plan.backupHost;
        backupHost = new BackupHost(
            `${name}-backup-host`,
            {
                plan: host,
                subnetId: network.nodeSubnets[host.zone],
                securityGroupId: security.ids.backupHost!,
                primaryAddress: nodeAddresses[host.target.node],
                tags,
                lookups,
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
    return backupHost;
}

/** The DR region's components (plan `dr`), when the stack has one. */
function drRegion(name: string, plan: TopologyPlan, lookups: AwsLookups, parent: pulumi.ResourceOptions): DrRegion | undefined {
    if (!plan.dr) return undefined;
    const nodes = plan.nodes.filter((n) => n.region !== undefined);
    const prefix = parameterPrefix(plan.project, plan.stack, plan.name);
    return new DrRegion(`${name}-dr`, { plan: plan.dr, nodes, parameterPrefix: prefix, tags: plan.tags, lookups }, parent);
}

/**
 * Once every node's address is known: the DR nodes' replication parameters (under the DR region,
 * with the main region's join secret) and the links between the regions (peering, /32 rules).
 */
function linkDr(
    name: string,
    plan: TopologyPlan,
    from: {
        dr: DrRegion;
        network: Network;
        security: SecurityGroups;
        nodeAddresses: Record<string, pulumi.Output<string>>;
        replication: Replication;
        backupHost: BackupHost | undefined;
    },
    parent: pulumi.ResourceOptions,
): void {
    const { dr, network, security, nodeAddresses, replication, backupHost } = from;
    const drPlan = plan.dr!;
    const tags = plan.tags;
    new Replication(
        `${name}-dr-repl`,
        {
            plan: drPlan.replication,
            nodeAddresses,
            instanceIds: ids(dr.nodeGroup),
            tags,
            region: drPlan.region,
            secret: replication.secret,
        },
        { parent: dr },
    );
    new DrLinks(
        `${name}-dr-link`,
        {
            plan: drPlan,
            main: { vpcId: network.vpcId, routeTableId: network.privateRouteTableId, groups: security.ids },
            dr: { vpcId: dr.network.vpcId, routeTableId: dr.network.privateRouteTableId, groups: { nodes: dr.securityGroupId } },
            addresses: { ...nodeAddresses, ...(backupHost ? { [BACKUP_HOST]: backupHost.privateIp } : {}) },
            tags,
        },
        parent,
    );
}

/** What the DNS records need of the DR region: its load balancer and alarm topic. */
function drTargets(dr: DrRegion): NonNullable<DnsRecordsArgs["regions"]>[string] {
    return {
        ...(dr.loadBalancer ? { loadBalancer: { dnsName: dr.loadBalancer.dnsName, zoneId: dr.loadBalancer.zoneId } } : {}),
        ...(dr.alarmTopicArn ? { alarmTopicArn: dr.alarmTopicArn } : {}),
    };
}

/** Each node's instance id, private address, zone and role, in either region. */
export function nodeOutputs(plan: TopologyPlan, allNodes: ServiceParts["allNodes"]): pulumi.Output<Record<string, NodeOutput>> {
    return pulumi.all(
        Object.fromEntries(
            plan.nodes.map((n) => {
                const r = allNodes[n.key];
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
