/**
 * Every resource `pulumi up` registers for a plan, as (parent type, type, name): the parts of a URN
 * besides the stack and project. The Pulumi engine refuses a program that registers one URN twice
 * ("Duplicate resource URN"), after it may have created other resources already, so a plan whose
 * derived names collide (nodes `a` and `a-config`: both give an SSM parameter `svc-repl-a-config`)
 * is refused here, before anything is registered.
 *
 * This mirrors the names the components in components/*.ts give their children; the test
 * "planned registrations are exactly what the program registers" (test/aws-limits.test.ts) runs the
 * real program under the mock harness for every example stack and compares, so the two cannot drift.
 */
import { HA_SERVICE_TYPE } from "../config/ha-service-args";
import type { ConfigProblem } from "../config/spec";
import type { AlarmSubject, TopologyPlan } from "./types";

export interface PlannedRegistration {
    /** Type token of the parent (the URN qualifies a type with its parent's type). */
    readonly parent: string;
    readonly type: string;
    readonly name: string;
    /** The config key the name derives from (a node, a CIDR list, ...), for the error message. */
    readonly source: string;
}

const T = {
    stack: "pulumi:pulumi:Stack",
    service: HA_SERVICE_TYPE,
    network: "hatopo:net:Network",
    security: "hatopo:net:SecurityGroups",
    nodes: "hatopo:compute:NodeGroup",
    lb: "hatopo:lb:LoadBalancer",
    monitoring: "hatopo:monitoring:Monitoring",
    dns: "hatopo:dns:DnsRecords",
    replication: "hatopo:replication:Replication",
    backup: "hatopo:backup:Backups",
    backupHost: "hatopo:backup:BackupHost",
    snapshotArchive: "hatopo:backup:SnapshotArchive",
    dr: "hatopo:dr:DrRegion",
    autoFailover: "hatopo:failover:AutoFailover",
    drLinks: "hatopo:dr:DrLinks",
} as const;

/** Records one registration; `source` is the config key its name derives from (default `name`). */
type Add = (parent: string, type: string, name: string, source?: string) => void;

/** The registrations of the HaService component and its children, in no particular order. */
export function plannedRegistrations(plan: TopologyPlan): PlannedRegistration[] {
    const out: PlannedRegistration[] = [];
    const add: Add = (parent, type, name, source = "name") => out.push({ parent, type, name, source });
    add(T.stack, T.service, plan.name);
    networkRegistrations(plan, add);
    securityRegistrations(plan, add);
    nodeRegistrations(plan.dr ? { ...plan, nodes: plan.nodes.filter((n) => n.region === undefined) } : plan, add);
    loadBalancerRegistrations(plan, add);
    monitoringRegistrations(plan, add);
    autoFailoverRegistrations(plan, add);
    dnsRegistrations(plan, add);
    replicationRegistrations(plan, add);
    backupRegistrations(plan, add);
    snapshotArchiveRegistrations(plan, add);
    backupHostRegistrations(plan, add);
    drRegistrations(plan, add);
    return out;
}

/** The network: a created VPC's gateways, route tables and subnets (none for an existing one). */
function networkRegistrations(plan: TopologyPlan, add: Add): void {
    const name = plan.name;
    const net = `${name}-net`;
    add(T.service, T.network, net);
    if (plan.network.kind === "create") {
        const zones = "network.create.zones";
        add(T.network, "aws:ec2/vpc:Vpc", `${net}-vpc`);
        add(T.network, "aws:ec2/internetGateway:InternetGateway", `${net}-igw`);
        add(T.network, "aws:ec2/routeTable:RouteTable", `${net}-public`);
        add(T.network, "aws:ec2/routeTable:RouteTable", `${net}-private`);
        add(T.network, "aws:ec2/eip:Eip", `${net}-nat`);
        add(T.network, "aws:ec2/natGateway:NatGateway", `${net}-nat`);
        for (const tier of ["public", "private"]) {
            for (const z of plan.network.subnets) {
                add(T.network, "aws:ec2/subnet:Subnet", `${net}-${tier}-${z.zone}`, zones);
                add(T.network, "aws:ec2/routeTableAssociation:RouteTableAssociation", `${net}-${tier}-${z.zone}`, zones);
            }
        }
    }
}

/** The security groups and their rules. */
function securityRegistrations(plan: TopologyPlan, add: Add): void {
    const name = plan.name;
    const sg = `${name}-sg`;
    add(T.service, T.security, sg);
    for (const g of plan.securityGroups) {
        add(T.security, "aws:ec2/securityGroup:SecurityGroup", `${sg}-${g.key}`);
        for (const r of g.rules) {
            const type =
                r.direction === "ingress"
                    ? "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
                    : "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
            add(T.security, type, `${sg}-${g.key}-${r.key}`, "group" in r.peer ? "name" : "access");
        }
    }
}

/** The nodes, their role and instance profile, and each node's instance and data volume. */
function nodeRegistrations(plan: TopologyPlan, add: Add): void {
    const name = plan.name;
    add(T.service, T.nodes, name);
    add(T.nodes, "aws:iam/role:Role", `${name}-role`);
    add(T.nodes, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", `${name}-ssm-core`);
    add(T.nodes, "aws:iam/rolePolicy:RolePolicy", `${name}-parameters`);
    add(T.nodes, "aws:iam/instanceProfile:InstanceProfile", `${name}-profile`);
    for (const n of plan.nodes) {
        const source = `nodes.${n.key}`;
        add(T.nodes, "aws:ec2/instance:Instance", `${name}-${n.key}`, source);
        add(T.nodes, "aws:ebs/volume:Volume", `${name}-${n.key}-data`, source);
        add(T.nodes, "aws:ec2/volumeAttachment:VolumeAttachment", `${name}-${n.key}-data`, source);
    }
}

/** The config key an automatic-failover alarm's name derives from: its node, or the failover setting. */
function autoFailoverAlarmSource(subject: AlarmSubject): string {
    if (subject.kind === "heartbeat") return `nodes.${subject.node}`;
    return subject.kind === "rule" ? "failover" : "name";
}

/** Automatic failover behind a load balancer: heartbeat alarms, the runbook and its roles, the rule. */
function autoFailoverRegistrations(plan: TopologyPlan, add: Add): void {
    if (!plan.autoFailover) return;
    const name = `${plan.name}-failover`;
    add(T.service, T.autoFailover, name);
    for (const a of plan.autoFailover.alarms) {
        add(T.autoFailover, "aws:cloudwatch/metricAlarm:MetricAlarm", `${name}-${a.key}`, autoFailoverAlarmSource(a.subject));
    }
    for (const part of ["runbook", "events"]) {
        add(T.autoFailover, "aws:iam/role:Role", `${name}-${part}`);
        add(T.autoFailover, "aws:iam/rolePolicy:RolePolicy", `${name}-${part}`);
    }
    add(T.autoFailover, "aws:ssm/document:Document", `${name}-runbook`);
    add(T.autoFailover, "aws:cloudwatch/eventRule:EventRule", `${name}-primary-silent`);
    add(T.autoFailover, "aws:cloudwatch/eventTarget:EventTarget", `${name}-primary-silent`);
}

/** The load balancer, its target groups, listeners and attachments. */
function loadBalancerRegistrations(plan: TopologyPlan, add: Add): void {
    const name = plan.name;
    if (plan.loadBalancer) {
        const lb = `${name}-lb`;
        add(T.service, T.lb, lb);
        add(T.lb, "aws:lb/loadBalancer:LoadBalancer", lb);
        for (const tg of plan.loadBalancer.targetGroups) add(T.lb, "aws:lb/targetGroup:TargetGroup", `${lb}-${tg.key}`, "loadBalancer");
        for (const l of plan.loadBalancer.listeners) add(T.lb, "aws:lb/listener:Listener", `${lb}-${l.key}`, "loadBalancer");
        for (const a of plan.loadBalancer.attachments)
            add(T.lb, "aws:lb/targetGroupAttachment:TargetGroupAttachment", `${lb}-${a.key}`, `nodes.${a.node}`);
    }
}

/** The alarm topic, its subscriptions and the alarms. */
function monitoringRegistrations(plan: TopologyPlan, add: Add): void {
    const name = plan.name;
    if (plan.monitoring) {
        const mon = `${name}-mon`;
        add(T.service, T.monitoring, mon);
        add(T.monitoring, "aws:kms/key:Key", `${mon}-topic`);
        add(T.monitoring, "aws:sns/topic:Topic", `${mon}-alarms`);
        for (const s of plan.monitoring.subscriptions)
            add(T.monitoring, "aws:sns/topicSubscription:TopicSubscription", `${mon}-${s.key}`, "monitoring");
        for (const a of plan.monitoring.alarms) {
            const source = a.subject.kind === "node" ? `nodes.${a.subject.node}` : "loadBalancer";
            add(T.monitoring, "aws:cloudwatch/metricAlarm:MetricAlarm", `${mon}-${a.key}`, source);
        }
    }
}

/** The DNS records and the nodes' Route 53 health checks with their alarms. */
function dnsRegistrations(plan: TopologyPlan, add: Add): void {
    const name = plan.name;
    const dns = `${name}-dns`;
    add(T.service, T.dns, dns);
    for (const h of plan.healthChecks) {
        add(T.dns, "aws:cloudwatch/metricAlarm:MetricAlarm", `${dns}-${h.alarm.key}`, `nodes.${h.node}`);
        add(T.dns, "aws:route53/healthCheck:HealthCheck", `${dns}-${h.key}`, `nodes.${h.node}`);
    }
    for (const r of plan.dns) add(T.dns, "aws:route53/record:Record", `${dns}-${r.key}`, "dns");
}

/** The replication secret, the apply document, assets and each node's documents and association. */
function replicationRegistrations(plan: TopologyPlan, add: Add): void {
    const name = plan.name;
    const repl = `${name}-repl`;
    add(T.service, T.replication, repl);
    add(T.replication, "random:index/randomPassword:RandomPassword", `${repl}-secret`);
    add(T.replication, "aws:ssm/parameter:Parameter", `${repl}-secret`);
    add(T.replication, "aws:ssm/document:Document", `${repl}-apply`);
    if (plan.replication.clusterState) add(T.replication, "aws:ssm/parameter:Parameter", `${repl}-cluster-state`, "profile");
    for (const a of plan.replication.assets)
        add(T.replication, "aws:ssm/parameter:Parameter", `${repl}-asset-${a.parameter.split("/").pop()}`, "profile");
    for (const d of plan.replication.documents) {
        const source = `nodes.${d.node}`;
        add(T.replication, "aws:ssm/parameter:Parameter", `${repl}-${d.node}`, source);
        add(T.replication, "aws:ssm/parameter:Parameter", `${repl}-${d.node}-config`, source);
        add(T.replication, "aws:ssm/association:Association", `${repl}-${d.node}`, source);
    }
}

/** The snapshot policy. */
function backupRegistrations(plan: TopologyPlan, add: Add): void {
    const name = plan.name;
    if (plan.backups) {
        const backup = `${name}-backup`;
        add(T.service, T.backup, backup);
        add(T.backup, "aws:iam/role:Role", `${backup}-role`);
        add(T.backup, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", `${backup}-dlm`);
        add(T.backup, "aws:dlm/lifecyclePolicy:LifecyclePolicy", backup);
        if (plan.backups.copy) {
            if (plan.backups.copy.kmsKeyArn === undefined) add(T.backup, "aws:kms/key:Key", `${backup}-copies`, "dr.backups");
            add(T.backup, "aws:iam/rolePolicy:RolePolicy", `${backup}-copies`, "dr.backups");
        }
    }
}

/** The snapshot archive bucket and what nodes need to reach it. */
function snapshotArchiveRegistrations(plan: TopologyPlan, add: Add): void {
    const name = plan.name;
    if (plan.snapshotArchive) {
        const archive = `${name}-snapshots`;
        const source = "backups";
        add(T.service, T.snapshotArchive, archive, source);
        for (const type of [
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:s3/bucketVersioning:BucketVersioning",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "aws:s3/bucketPolicy:BucketPolicy",
        ])
            add(T.snapshotArchive, type, archive, source);
        add(T.snapshotArchive, "aws:iam/rolePolicy:RolePolicy", `${archive}-nodes`, source);
        add(T.snapshotArchive, "aws:ssm/parameter:Parameter", `${archive}-name`, source);
    }
}

/** The GHES backup host. */
function backupHostRegistrations(plan: TopologyPlan, add: Add): void {
    const name = plan.name;
    if (plan.backupHost) {
        const host = `${name}-backup-host`;
        const source = "ghesBackup";
        add(T.service, T.backupHost, host, source);
        add(T.backupHost, "aws:iam/role:Role", `${host}-role`, source);
        add(T.backupHost, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", `${host}-ssm-core`, source);
        add(T.backupHost, "aws:iam/rolePolicy:RolePolicy", `${host}-parameters`, source);
        add(T.backupHost, "aws:iam/instanceProfile:InstanceProfile", `${host}-profile`, source);
        add(T.backupHost, "aws:ebs/volume:Volume", `${host}-data`, source);
        add(T.backupHost, "aws:ec2/instance:Instance", host, source);
        add(T.backupHost, "aws:ec2/volumeAttachment:VolumeAttachment", `${host}-data`, source);
        add(T.backupHost, "aws:ssm/document:Document", `${host}-apply`, source);
        add(T.backupHost, "aws:ssm/parameter:Parameter", `${host}-config`, source);
        add(T.backupHost, "aws:ssm/association:Association", host, source);
    }
}

/**
 * The DR region (components/aws/dr-region.ts): the same components as the main region's under a DrRegion
 * named `<name>-dr` (its replication shares the main region's secret, so it has no random password of
 * its own), and the links between the regions (components/aws/dr-links.ts).
 */
function drRegistrations(plan: TopologyPlan, add: Add): void {
    const dr = plan.dr;
    if (!dr) return;
    const name = `${plan.name}-dr`;
    add(T.service, T.dr, name, "dr");
    const under: Add = (parent, type, child, source) => {
        if (type !== "random:index/randomPassword:RandomPassword") add(parent === T.service ? T.dr : parent, type, child, source);
    };
    const view: TopologyPlan = {
        ...plan,
        name,
        network: dr.network,
        securityGroups: dr.securityGroups,
        nodes: plan.nodes.filter((n) => n.region !== undefined),
        replication: dr.replication,
    };
    const { loadBalancer: _lb, monitoring: _mon, backups: _b, ...rest } = view;
    const own: TopologyPlan = {
        ...rest,
        ...(dr.loadBalancer ? { loadBalancer: dr.loadBalancer } : {}),
        ...(dr.monitoring ? { monitoring: dr.monitoring } : {}),
        ...(dr.backups ? { backups: dr.backups } : {}),
    };
    for (const part of [
        networkRegistrations,
        securityRegistrations,
        nodeRegistrations,
        loadBalancerRegistrations,
        monitoringRegistrations,
        replicationRegistrations,
        backupRegistrations,
    ])
        part(own, under);
    const links = `${plan.name}-dr-link`;
    add(T.service, T.drLinks, links, "dr");
    if (dr.connection.kind === "peering") {
        add(T.drLinks, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", `${links}-peering`, "dr.connection");
        add(T.drLinks, "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", `${links}-peering`, "dr.connection");
        add(T.drLinks, "aws:ec2/route:Route", `${links}-main-route`, "dr.connection");
        add(T.drLinks, "aws:ec2/route:Route", `${links}-dr-route`, "dr.connection");
    }
    for (const r of dr.crossRegionRules) {
        const type =
            r.direction === "ingress"
                ? "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
                : "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
        add(T.drLinks, type, `${links}-${r.region === undefined ? "main" : "dr"}-${r.group}-${r.key}`, "dr.nodes");
    }
}

/** The URN-determining part of a registration: `Parent$type::name`. */
export function registrationKey(r: Pick<PlannedRegistration, "parent" | "type" | "name">): string {
    return `${r.parent}$${r.type}::${r.name}`;
}

/**
 * One problem per registration whose URN an earlier one already has. The engine would stop
 * `pulumi up` at the second registration; the fix is almost always a node name.
 */
export function duplicateRegistrationProblems(plan: TopologyPlan): ConfigProblem[] {
    const seen = new Map<string, PlannedRegistration>();
    const problems: ConfigProblem[] = [];
    for (const r of plannedRegistrations(plan)) {
        const key = registrationKey(r);
        const first = seen.get(key);
        if (first === undefined) {
            seen.set(key, r);
            continue;
        }
        const blame = r.source.startsWith("nodes.") ? r : first.source.startsWith("nodes.") ? first : r;
        const other = blame === r ? first : r;
        const fix = blame.source.startsWith("nodes.") ? "rename the node" : "change one of the two values";
        problems.push({
            path: blame.source,
            value: r.name,
            message: `derives the ${r.type} "${r.name}", which ${other.source === blame.source ? "it also derives" : `\`${other.source}\` derives too`}; Pulumi refuses two resources with one URN: ${fix}`,
        });
    }
    return problems;
}
