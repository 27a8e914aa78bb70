/**
 * The topology plan: every decision about a stack as plain data. Components turn it into resources
 * without deciding anything; the offline plan prints it; tests assert it without mocks.
 */
import type { GhesHaSpec, HealthCheckSpec, NetworkSpec, Relaxation } from "../config";
import type { SubnetTier, ZoneSubnets } from "../common/network";
import type { IpProtocol, LoadBalancerKind, NodeConfig, Topology } from "../profiles";

/** An existing network as configured, or the layout of the VPC the stack creates. */
export type NetworkPlan =
    | Extract<NetworkSpec, { kind: "existing" }>
    | {
          readonly kind: "create";
          readonly cidr: string;
          readonly zones: readonly string[];
          readonly subnets: readonly ZoneSubnets[];
          /** Zone whose public subnet holds the single NAT gateway. */
          readonly natZone: string;
          /** Subnets the load balancer uses: public when internet-facing, else the node subnets. */
          readonly loadBalancerSubnetTier: SubnetTier;
      };

export interface PlannedNode {
    readonly key: string;
    readonly zone: string;
    /** DR nodes only: the second region the node runs in (`dr.region`); undefined: the stack's region. */
    readonly region?: string;
    readonly instanceType: string;
    readonly ami: string;
    /** HA: "primary" or "replica". Cluster: the node's roles joined with "+". */
    readonly role: string;
    readonly roles: readonly string[];
    /** Takes client traffic (HA: the primary, the one node passing the health check though every node is registered; cluster: nodes with a serving role). */
    readonly serving: boolean;
    /** Instance properties Pulumi must not act on for a running node (so an AMI change replaces nothing). */
    readonly ignoreChanges: readonly string[];
    readonly rootVolume: { readonly size: number };
    readonly dataVolume: {
        readonly size: number;
        readonly iops?: number;
        readonly throughput?: number;
        readonly kmsKeyId?: string;
        readonly deviceName: string;
        readonly protect: boolean;
        readonly retainOnDelete: boolean;
        /** The node's tags plus the backup tag that only this stack's data volumes carry. */
        readonly tags: Readonly<Record<string, string>>;
    };
    /** SSM parameter holding this node's replication document. */
    readonly documentParameter: string;
    /** SSM parameter holding the script that writes this node's rendered files and runs its commands. */
    readonly configParameter: string;
    readonly userData: string;
    readonly tags: Readonly<Record<string, string>>;
}

/** Who may send traffic: a CIDR, or a security group of this stack. */
/** A CIDR block, one of the stack's own groups, or a security group outside the stack (`access.clientSecurityGroups`). */
export type RuleSource = { readonly cidr: string } | { readonly group: SecurityGroupPlan["key"] } | { readonly securityGroupId: string };

export interface SecurityRule {
    /** Stable key: the rule's resource name derives from it, never from a position in a list. */
    readonly key: string;
    readonly direction: "ingress" | "egress";
    readonly protocol: IpProtocol;
    readonly fromPort: number;
    readonly toPort: number;
    readonly peer: RuleSource;
    readonly description: string;
}

export interface SecurityGroupPlan {
    readonly key: "loadBalancer" | "nodes" | "backupHost";
    readonly description: string;
    readonly rules: readonly SecurityRule[];
}

export interface TargetGroupPlan {
    readonly key: string;
    readonly port: number;
    readonly protocol: string;
    readonly healthCheck: HealthCheckSpec;
    readonly deregistrationDelay: number;
    readonly preserveClientIp: boolean;
    readonly proxyProtocolV2: boolean;
}

export type ListenerPlan =
    | {
          readonly key: string;
          readonly port: number;
          readonly protocol: string;
          readonly action: "forward";
          readonly targetGroup: string;
          readonly certificateArn?: string;
          readonly sslPolicy?: string;
      }
    | { readonly key: string; readonly port: number; readonly protocol: "HTTP"; readonly action: "redirect-https" };

export interface LoadBalancerPlan {
    readonly kind: LoadBalancerKind;
    readonly internal: boolean;
    readonly deletionProtection: boolean;
    /** ALB only: drop requests with invalid header fields. */
    readonly dropInvalidHeaderFields: boolean;
    /** NLB only (an ALB always balances across zones): every zone's load-balancer node reaches every target. */
    readonly crossZoneLoadBalancing: boolean;
    readonly accessLogs?: { readonly bucket: string; readonly prefix: string };
    readonly listeners: readonly ListenerPlan[];
    readonly targetGroups: readonly TargetGroupPlan[];
    /** One per (target group, target node), keyed by node: HA registers every node, a cluster its serving ones. */
    readonly attachments: readonly {
        readonly key: string;
        readonly targetGroup: string;
        readonly node: string;
        readonly port: number;
        /**
         * Keys this attachment had before (HA's role-keyed `<target group>-primary`): the component
         * aliases them, so an upgraded stack keeps the primary's registration instead of replacing it.
         */
        readonly formerKeys?: readonly string[];
    }[];
}

export type DnsTarget =
    | { readonly kind: "node"; readonly node: string }
    | {
          readonly kind: "loadBalancer";
          /** Route 53 answers with the alias only while the load balancer has a healthy target. */
          readonly evaluateTargetHealth: boolean;
          /** DR stacks: the DR region's load balancer (the primary runs there); undefined: the main region's. */
          readonly region?: string;
      };

export interface DnsRecordPlan {
    readonly key: string;
    readonly zoneId: string;
    readonly name: string;
    readonly type: "A";
    readonly target: DnsTarget;
    /** TTL clients see: the configured one for plain records, AWS's fixed 60 s for aliases. */
    readonly effectiveTtl: number;
    /** TTL set on the record (undefined for aliases, which take none). */
    readonly ttl?: number;
    /**
     * Failover routing (every HA record to a node): the record's role and the health check (by key)
     * Route 53 consults; none on a manual stack's lone PRIMARY, which Route 53 then always answers with.
     */
    readonly failover?: {
        readonly type: "PRIMARY" | "SECONDARY";
        readonly setIdentifier: string;
        readonly healthCheck?: DnsHealthCheckPlan["key"];
    };
}

/** What an alarm watches; the component resolves it to CloudWatch dimensions. */
export type AlarmSubject =
    | { readonly kind: "targetGroup"; readonly targetGroup: string }
    | { readonly kind: "node"; readonly node: string }
    /** The node's own heartbeat metric (plan/autofailover.ts): dimensions Service and Node. */
    | { readonly kind: "heartbeat"; readonly service: string; readonly node: string }
    /** An EventBridge rule's metrics (AWS/Events, default event bus): dimension RuleName. */
    | { readonly kind: "rule"; readonly rule: string };

export interface AlarmPlan {
    /** Stable key: the alarm's resource name derives from it. */
    readonly key: string;
    /** CloudWatch alarm name (unique in the account and region). */
    readonly name: string;
    readonly description: string;
    readonly subject: AlarmSubject;
    readonly namespace: "AWS/ApplicationELB" | "AWS/NetworkELB" | "AWS/EC2" | "AWS/Events" | "HaService/Heartbeat";
    readonly metricName: string;
    readonly statistic: "Maximum" | "Minimum" | "Sum";
    readonly comparison: "GreaterThanThreshold" | "LessThanThreshold";
    readonly threshold: number;
    readonly period: number;
    readonly evaluationPeriods: number;
    readonly treatMissingData: "missing" | "breaching" | "notBreaching";
    /** Add the EC2 recover action (a node's system status check). */
    readonly recover: boolean;
}

/** An SSM Automation runbook (schemaVersion 0.3), as AWS reads it. */
export interface AutomationDocument {
    readonly schemaVersion: "0.3";
    readonly description: string;
    readonly assumeRole: string;
    readonly parameters: Readonly<Record<string, { readonly type: "String"; readonly description: string }>>;
    readonly mainSteps: readonly {
        readonly name: string;
        readonly action: "aws:assertAwsResourceProperty" | "aws:changeInstanceState" | "aws:waitForAwsResourceProperty" | "aws:runCommand";
        readonly timeoutSeconds?: number;
        readonly inputs: Readonly<Record<string, unknown>>;
    }[];
}

/**
 * HA automatic failover behind a load balancer (plan/autofailover.ts): every node's heartbeat and
 * its alarm, and the runbook an EventBridge rule starts when the primary's alarm goes OK -> ALARM.
 */
export interface AutoFailoverPlan {
    readonly heartbeat: {
        readonly namespace: "HaService/Heartbeat";
        readonly metricName: string;
        /** The `Service` dimension's value: the stack's unique prefix. */
        readonly service: string;
        readonly periodSeconds: number;
        readonly missedPeriods: number;
    };
    /** One per node, keyed by node: a promotion only re-points the rule and the runbook's parameters. */
    readonly alarms: readonly AlarmPlan[];
    readonly primary: string;
    /** The replica the runbook promotes (`failoverSettings.secondary`, else the first replica). */
    readonly secondary: string;
    /** Also send the heartbeat alarms to the alarm topic (monitoring on). */
    readonly notify: boolean;
    readonly document: AutomationDocument;
    /** The EventBridge rule's name (fixed, so an operator can disable it). */
    readonly ruleName: string;
    /** The profile's command that makes the local replica the primary. */
    readonly promoteCommand: string;
}

export interface MonitoringPlan {
    readonly topicName: string;
    /** Keyed by endpoint, so removing one subscription never touches another. */
    readonly subscriptions: readonly { readonly key: string; readonly protocol: "email" | "https"; readonly endpoint: string }[];
    readonly alarms: readonly AlarmPlan[];
}

/**
 * A Route 53 health check on a node, based on a CloudWatch alarm: Route 53's health checkers run on
 * the internet and cannot reach the nodes' private addresses.
 */
export interface DnsHealthCheckPlan {
    /** The node's DNS role, not its name: a promotion updates the check in place. */
    readonly key: "primary" | "secondary";
    readonly node: string;
    /** DR nodes: the region of the node, its alarm and the topic the alarm notifies; undefined: the stack's region. */
    readonly region?: string;
    readonly alarm: AlarmPlan;
    /** Also send the alarm to the alarm topic (monitoring on). */
    readonly notify: boolean;
    /** The check's status while its alarm has no data (a brand-new alarm has none). */
    readonly insufficientDataHealthStatus: "Healthy" | "Unhealthy" | "LastKnownStatus";
}

export interface BackupPlan {
    /** DR stacks: copy every snapshot to the DR region, encrypted with a key there, kept `keepDays`. */
    readonly copy?: { readonly region: string; readonly keepDays: number; readonly kmsKeyArn?: string };
    /** The tag only this stack's data volumes carry; the policy snapshots exactly those. */
    readonly targetTags: Readonly<Record<string, string>>;
    readonly description: string;
    readonly scheduleName: string;
    readonly everyHours: number;
    readonly at: string;
    readonly keep: number;
}

/** The S3 bucket that keeps the service's own snapshot archives, and when the nodes make them. */
export interface SnapshotArchivePlan {
    /** SSM parameter that tells the nodes the bucket's name (autonamed, so known only after creation). */
    readonly bucketParameter: string;
    readonly keyPrefix: string;
    /** systemd OnCalendar expression of the nodes' snapshot timer (UTC). */
    readonly onCalendar: string;
    /** Archives expire after this many days. */
    readonly expireDays: number;
    /** Overwritten or deleted archives' old versions expire after this many days. */
    readonly noncurrentExpireDays: number;
    readonly description: string;
}

/** One failure and what the stack, as configured, does about it. */
export interface FailureScenario {
    /** `node:<key>`, `zone:<zone>`, `loadBalancerZone:<zone>` or (DR stacks) `region:<region>`. */
    readonly key: string;
    readonly kind: "node" | "zone" | "loadBalancerZone" | "region";
    readonly title: string;
    readonly nodesLost: readonly string[];
    readonly staysUp: boolean;
    /** `none`: clients need not move (or there is nothing left to move to). */
    readonly failover: "none" | "automatic" | "manual";
    /** Seconds from the failure until something notices; undefined when nothing watches it. */
    readonly detectSeconds?: number;
    readonly detectedBy: string;
    /** Seconds from detection (manual: from the operator's `pulumi up`) until clients reach a healthy node. */
    readonly followSeconds?: number;
    /**
     * detect + follow, not counting an operator's time (see `operator`); undefined when unknown or
     * impossible. A manual failover whose lost zone held a load-balancer node: the later of that and
     * the zone's DNS removal, which does not wait for the operator (then larger than detect + follow).
     */
    readonly clientsMoveSeconds?: number;
    /** An operator must act; their time is not in `clientsMoveSeconds`. */
    readonly operator: boolean;
    /**
     * A manual promotion whose duration the service's vendor publishes (profile `promotionDuration`):
     * `clientsMoveSeconds` includes `minSeconds`; clients may wait up to `maxSeconds` instead.
     */
    readonly promotion?: { readonly minSeconds: number; readonly maxSeconds: number };
    readonly clientsMoveBy: string;
    readonly dataAtRisk: string;
    readonly notes: readonly string[];
}

export interface FailoverAnalysis {
    readonly topology: Topology;
    /**
     * HA: manual or automatic failover; cluster: the load balancer's health checks, or (`election`)
     * the service electing its active node itself, which the load balancer then finds by its checks.
     */
    readonly mechanism: "manual" | "automatic" | "loadBalancer" | "election";
    /** With `automatic`: Route 53 failover records (`dns`), or behind a load balancer the heartbeat runbook (`runbook`). */
    readonly automaticBy?: "dns" | "runbook";
    readonly assumptions: readonly string[];
    readonly scenarios: readonly FailureScenario[];
}

/** Steps an operator follows, with this stack's own names and numbers. */
export interface Runbook {
    readonly key: string;
    readonly title: string;
    readonly steps: readonly string[];
    /** HA promotion: where clients are sent afterwards and how long they take to follow. */
    readonly after?: { readonly target: string; readonly clientsFollowSeconds: number; readonly why: string };
}

/** Placeholder for a node's private address in a replication document; resolved by `resolveAddresses`. */
export type AddressRef = `{{address:${string}}}`;

export interface ReplicationPeer {
    readonly name: string;
    readonly address: AddressRef;
    readonly zone: string;
    readonly roles: readonly string[];
}

/** What a node reads at boot (and again whenever it changes) to join replication. Holds no secret. */
export type ReplicationDocument =
    | {
          readonly schema: 1;
          readonly service: string;
          readonly topology: "ha";
          readonly node: string;
          readonly role: "primary" | "replica";
          readonly self: AddressRef;
          readonly primary: { readonly name: string; readonly address: AddressRef };
          readonly replicas: readonly ReplicationPeer[];
          readonly ports: { readonly tcp: readonly number[]; readonly udp: readonly number[] };
          readonly secretParameter: string;
          /** GHES: the stack's `ghesHa` settings, present only when it sets any. */
          readonly ghesHa?: GhesHaSpec;
      }
    | {
          readonly schema: 1;
          readonly service: string;
          readonly topology: "cluster";
          readonly node: string;
          readonly roles: readonly string[];
          readonly self: AddressRef;
          readonly peers: readonly ReplicationPeer[];
          /** The node leading each single-leader role of the profile (`leaders`). */
          readonly leaders: Readonly<Record<string, { readonly name: string; readonly address: AddressRef }>>;
          /** Names of nodes removed from the stack (`removedNodes`), for profiles that must tell the cluster. */
          readonly removed: readonly string[];
          readonly ports: { readonly tcp: readonly number[]; readonly udp: readonly number[] };
          readonly secretParameter: string;
      };

/** A value with every address placeholder replaced by an address. */
export type Resolved<T> = T extends AddressRef
    ? string
    : T extends readonly (infer U)[]
      ? readonly Resolved<U>[]
      : T extends object
        ? { readonly [K in keyof T]: Resolved<T[K]> }
        : T;

/** A replication document as a node reads it: addresses are plain text (resolved, or still placeholders). */
export type NodeDocument = Resolved<ReplicationDocument>;

/** What a node's SSM association passes to the apply document; a change of any value re-runs it. */
export type ApplyParameter = "documentHash" | "configHash" | "secretVersion" | "node";

/** Content of the SSM command document (schema 2.2) that re-applies a node's replication document. */
export interface ApplyDocument {
    readonly schemaVersion: "2.2";
    readonly description: string;
    readonly parameters: Readonly<
        Record<ApplyParameter, { readonly type: "String"; readonly description: string; readonly allowedPattern?: string }>
    >;
    readonly mainSteps: readonly {
        readonly action: "aws:runShellScript";
        readonly name: string;
        readonly inputs: { readonly runCommand: readonly string[] };
    }[];
}

/** A profile's asset (`ServiceProfile.assets`) in its SSM parameter, as each node's script fetches it. */
export interface AssetPlan {
    readonly parameter: string;
    readonly path: string;
    readonly mode: string;
    readonly content: string;
    /** SHA-256 of `content`: a node writes the file only when what it fetched matches. */
    readonly sha256: string;
}

export interface ReplicationPlan {
    readonly secretParameter: string;
    /** SSM command document that carries the node's apply script itself (userdata.ts associationCommands). */
    readonly applyDocument: ApplyDocument;
    /** SSM parameter tier of each node's document and script. */
    readonly parameterTier: "Intelligent-Tiering";
    /** The profile's assets, one SSM parameter each (empty for a profile with none). */
    readonly assets: readonly AssetPlan[];
    /** Profiles with `clusterState`: the parameter the nodes set once the cluster exists, and its first value. */
    readonly clusterState?: { readonly parameter: string; readonly initial: string };
    readonly documents: readonly {
        readonly node: string;
        readonly parameter: string;
        readonly document: ReplicationDocument;
        /** SSM parameter for `script`. */
        readonly configParameter: string;
        /** What the profile rendered for the node (addresses still placeholders). */
        readonly config: NodeConfig;
        /** Steps the stack adds after the profile's (the heartbeat of automatic failover behind a load balancer). */
        readonly after?: NodeConfig;
        /** The bash script that applies `config`, then `after`, on the node (addresses still placeholders). */
        readonly script: string;
    }[];
}

export interface TopologyPlan {
    readonly project: string;
    readonly stack: string;
    readonly name: string;
    readonly topology: Topology;
    readonly profile: string;
    readonly production: boolean;
    readonly zones: readonly string[];
    readonly network: NetworkPlan;
    readonly nodes: readonly PlannedNode[];
    readonly primary?: string;
    readonly securityGroups: readonly SecurityGroupPlan[];
    readonly loadBalancer?: LoadBalancerPlan;
    readonly dns: readonly DnsRecordPlan[];
    readonly replication: ReplicationPlan;
    /** Route 53 health checks on nodes (HA): the primary's with monitoring on, and both failover targets. */
    readonly healthChecks: readonly DnsHealthCheckPlan[];
    /** HA with `failover: automatic` behind a load balancer: heartbeats and the failover runbook. */
    readonly autoFailover?: AutoFailoverPlan;
    readonly monitoring?: MonitoringPlan;
    readonly backups?: BackupPlan;
    /** GHES: the Backup Utilities host (`ghesBackup`). */
    readonly backupHost?: BackupHostPlan;
    /** Profiles with `snapshotArchive` and backups on: the bucket for the service's own snapshots. */
    readonly snapshotArchive?: SnapshotArchivePlan;
    readonly failoverAnalysis: FailoverAnalysis;
    readonly runbooks: readonly Runbook[];
    /** HA with `dr`: what runs in the second region (planned in dr.ts). */
    readonly dr?: DrPlan;
    /** URL clients use. */
    readonly endpoint: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly warnings: readonly string[];
    /** Secure defaults the stack turned off with a `relax` switch (empty for a stack with none). */
    readonly relaxations: readonly Relaxation[];
}

/** The backup host of an HA GHES stack (planned in backuphost.ts). */
export interface BackupHostPlan {
    readonly zone: string;
    readonly instanceType: string;
    readonly ami: string;
    readonly rootVolume: { readonly size: number };
    readonly dataVolume: {
        readonly size: number;
        readonly kmsKeyId?: string;
        readonly deviceName: string;
        readonly protect: boolean;
        readonly retainOnDelete: boolean;
        readonly tags: Readonly<Record<string, string>>;
    };
    /** The node Backup Utilities backs up (always the HA primary) and its address placeholder. */
    readonly target: { readonly node: string; readonly address: AddressRef };
    /** cron(8) schedule of ghe-backup (UTC). */
    readonly schedule: string;
    /** GHE_NUM_SNAPSHOTS. */
    readonly snapshots: number;
    readonly ghesVersion: string;
    readonly utilsVersion: string;
    /** SSM parameter (String) with the script; it holds no secret. */
    readonly configParameter: string;
    readonly parameterTier: "Intelligent-Tiering";
    /** SSM SecureString the operator creates; only the backup host may read it. */
    readonly managementPasswordParameter: string;
    /** The script with the primary's address and the volume id as placeholders. */
    readonly script: string;
    readonly userData: string;
    /** The SSM command document the association runs (re-runs on a new script hash). */
    readonly applyDocument: {
        readonly schemaVersion: "2.2";
        readonly description: string;
        readonly parameters: { readonly configHash: { readonly type: "String"; readonly description: string } };
        readonly mainSteps: readonly {
            readonly action: "aws:runShellScript";
            readonly name: string;
            readonly inputs: { readonly runCommand: readonly string[] };
        }[];
    };
    readonly associationSchedule: string;
    /** Facts a reviewer should read with the plan (the built-in backup service, what snapshots are). */
    readonly notes: readonly string[];
    readonly tags: Readonly<Record<string, string>>;
}

/** A replication rule between the regions: security groups cannot reference a group in another region, so the peer is one host's /32. */
export interface CrossRegionRule {
    /** Region of the security group the rule belongs to; undefined: the stack's region. */
    readonly region?: string;
    readonly group: "nodes" | "backupHost";
    readonly key: string;
    readonly direction: "ingress" | "egress";
    readonly protocol: IpProtocol;
    readonly fromPort: number;
    readonly toPort: number;
    /** The host whose private address (as a /32) the rule allows: a node key, or `backup-host`. */
    readonly peer: { readonly host: string };
    readonly description: string;
}

/** The second region of an HA stack (`dr`): its network, groups, nodes' parameters, load balancer, alarms and backups. */
export interface DrPlan {
    readonly region: string;
    /** Keys of the nodes in the DR region (PlannedNode.region is set on them). */
    readonly nodes: readonly string[];
    readonly zones: readonly string[];
    readonly network: NetworkPlan;
    /** `peering`: created between the two VPCs (routes in both private route tables); `existing`: routed by what the stack was told about. */
    readonly connection:
        | { readonly kind: "peering"; readonly mainCidr: string; readonly drCidr: string }
        | { readonly kind: "existing"; readonly id: string };
    readonly securityGroups: readonly SecurityGroupPlan[];
    /** Replication (and backup-host) rules between the regions, each allowing one host's /32. */
    readonly crossRegionRules: readonly CrossRegionRule[];
    readonly loadBalancer?: LoadBalancerPlan;
    /** The DR nodes' documents and scripts (the same join secret, in an SSM parameter of the DR region). */
    readonly replication: ReplicationPlan;
    /** The DR nodes' status-check alarms, to an alarm topic in the DR region (alarms notify topics of their own region). */
    readonly monitoring?: MonitoringPlan;
    /** Snapshots of the DR nodes' data volumes, by a policy in the DR region. */
    readonly backups?: BackupPlan;
}
