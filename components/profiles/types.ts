/**
 * What a service needs from the infrastructure. Profiles are data plus small pure renderers; the
 * plan reads them and components never branch on a profile's name.
 */
import type { NodeDocument } from "../plan/types";

export type Topology = "ha" | "cluster";
export type LoadBalancerKind = "alb" | "nlb";
export type IpProtocol = "tcp" | "udp";

export interface PortSpec {
    readonly port: number;
    readonly protocol: IpProtocol;
    /** Why the port is open; becomes the security-group rule description. */
    readonly description: string;
}

export interface HealthCheckDefaults {
    readonly protocol: "HTTP" | "HTTPS" | "TCP";
    /** Port on the node the check probes. */
    readonly port: number;
    /** Path for HTTP(S) checks. */
    readonly path: string;
    /** HTTP codes that mean healthy. */
    readonly matcher: string;
}

export interface ListenerDefaults {
    readonly port: number;
    readonly protocol: "HTTPS" | "TCP" | "UDP" | "TCP_UDP" | "TLS";
    readonly targetPort: number;
    readonly targetProtocol: "HTTP" | "HTTPS" | "TCP" | "UDP" | "TCP_UDP" | "TLS";
}

export interface NodeCountLimits {
    readonly min: number;
    readonly max: number;
    /** Above this the plan warns rather than fails. */
    readonly recommendedMax?: number;
    /** Why `max` is the limit (the vendor's rule and its source); shown with the fix when a stack has more. */
    readonly maxReason?: string;
}

/** A file a node writes, rendered from its replication document. */
export interface RenderedFile {
    /** Absolute path on the node. */
    readonly path: string;
    /** Octal permissions, such as "0644". */
    readonly mode: string;
    /** The whole file; ends with a newline. */
    readonly content: string;
}

/**
 * What a node runs to take its place in the topology: files first, then commands, in order. A
 * node re-applies its config whenever it changes, but only from the first file or command that
 * differs from its last successful run (see plan/nodescript.ts), so a join that did not change is
 * never repeated. Each command is one line of bash.
 */
export interface NodeConfig {
    readonly files: readonly RenderedFile[];
    readonly commands: readonly string[];
}

export interface RenderContext {
    /** Directory on the node for this package's state (root-only): the profile's `stateDir`. */
    readonly stateDir: string;
    /** The stack's cluster-state SSM parameter, for profiles with `clusterState` (see there). */
    readonly clusterStateParameter?: string;
    /** Profiles with `snapshotArchive`, backups on: where the bucket's name is, and the schedule. */
    readonly snapshotArchive?: { readonly bucketParameter: string; readonly keyPrefix: string; readonly onCalendar: string };
}

/** How long the service's own promotion takes, as its vendor publishes it. */
export interface PromotionDuration {
    readonly minMinutes: number;
    readonly maxMinutes: number;
    /** Where the figure comes from, in a whole sentence; printed with the analysis and the runbook. */
    readonly source: string;
}

export interface ServiceProfile {
    readonly name: string;
    readonly description: string;
    readonly topologies: readonly Topology[];
    /**
     * Directory on the node for the package's state (step record, fetched documents, role files,
     * rendered scripts). Default: plan/userdata.ts STATE_DIR. A service whose upgrades replace the
     * root filesystem keeps it on its data volume, so an upgrade never re-runs a join.
     */
    readonly stateDir?: string;
    /** Why the profile offers only `topologies`; shown with the fix when a stack asks for another. */
    readonly topologyNote?: string;
    readonly ports: {
        /** Ports clients use; reachable from the load balancer (or the client CIDRs without one). */
        readonly user: readonly PortSpec[];
        /** Management ports; reachable only from `access.adminCidrs`. */
        readonly admin: readonly PortSpec[];
        /** Node-to-node ports per topology; reachable only from the nodes' own security group. */
        readonly replication: { readonly [T in Topology]: readonly PortSpec[] };
    };
    readonly healthCheck: HealthCheckDefaults;
    readonly loadBalancer: {
        readonly defaultKind: LoadBalancerKind;
        readonly allowedKinds: readonly LoadBalancerKind[];
        readonly listeners: { readonly [K in LoadBalancerKind]: readonly ListenerDefaults[] };
        /** Keep client source addresses (NLB instance targets do this natively). */
        readonly preserveClientIp: boolean;
        /** PROXY protocol v2 on NLB target groups. */
        readonly proxyProtocolV2: boolean;
    };
    readonly roles: {
        /** Every role a cluster node may carry. */
        readonly names: readonly string[];
        /** Nodes carrying any of these roles are load-balancer targets. */
        readonly serving: readonly string[];
        /** Roles that at least one node must carry. */
        readonly required: readonly string[];
        /** Roles a cluster node gets when its config names none. */
        readonly defaults: readonly string[];
        /**
         * Roles led by exactly one node of a cluster (for example the MySQL master). The stack
         * picks it with `leaders.<role>`; default: the first node, in config order, with the role.
         */
        readonly leaders: readonly string[];
        /** Fewest nodes that must carry a role (when any node carries it), where the service documents one. */
        readonly minNodes?: Readonly<Record<string, number>>;
    };
    readonly limits: { readonly [T in Topology]: NodeCountLimits };
    /**
     * How many of a cluster target group's targets are meant to pass the health check at once.
     * Undefined: every serving node. A service whose check answers only on its active node(s) sets
     * it, so the monitoring does not count its standbys as failures.
     */
    readonly activeTargets?: number;
    /**
     * For a service whose nodes elect their active node themselves (cluster topology); the failover
     * analysis then follows the election instead of the load balancer alone. It models one active
     * node, so set `activeTargets: 1` with it.
     */
    readonly election?: Election;
    /**
     * The nodes record in an SSM parameter of the stack whether the cluster has been created (the
     * stack creates it with `initial` and leaves its value to the nodes), so a replaced leader joins
     * instead of creating a second cluster. Undefined: no such parameter.
     */
    readonly clusterState?: { readonly initial: string };
    /**
     * What the service does on the minority side of a network partition, for services that keep
     * answering there (Cloudify's active-minority mode); the failover analysis explains it per stack.
     */
    readonly minorityMode?: {
        /** One or two sentences: what the minority side does and what is lost. */
        readonly description: string;
        /** Where it is documented. */
        readonly source: string;
        /** Whether the load balancer's health check can tell the minority side apart, and why. */
        readonly healthCheck: string;
    };
    /**
     * The service makes its own snapshots on a node and the stack keeps them off the nodes, in an S3
     * bucket it creates (plan `snapshotArchive`), while `backups.enabled`. The profile renders the
     * schedule and the upload (RenderContext `snapshotArchive`).
     */
    readonly snapshotArchive?: { readonly keyPrefix: string; readonly description: string };
    /**
     * Members leave the cluster only explicitly: a node deleted from the config must be listed in
     * `removedNodes` (which tells the cluster, e.g. `cfy cluster nodes remove`), or `pulumi up`
     * refuses (plan/membership.ts), because a silently deleted member stays in the cluster forever.
     * Lists the topologies this holds for.
     */
    readonly membersLeaveExplicitly?: readonly Topology[];
    /** Whether DNS may fail over to a replica by itself (HA), and if not, why. */
    readonly failover:
        | {
              readonly automaticAllowed: true;
              /**
               * Behind a load balancer (plan/autofailover.ts): the command, run as root on the replica,
               * that makes it the primary (its health check passes afterwards). Undefined: automatic
               * failover works only by DNS.
               */
              readonly promoteCommand?: string;
          }
        | { readonly automaticAllowed: false; readonly reason: string };
    /**
     * What a failover can lose, for the failover analysis. Undefined: writes not yet copied by the
     * asynchronous replication (the replication lag). `split-brain` is for services that elect a new
     * leader by themselves and may end up with two after a network partition.
     */
    readonly failoverDataRisk?: FailoverDataRisk;
    /**
     * HA: the service's own promotion commands, in order, for the promotion runbook. `{primary}` and
     * `{replica}` stand for the old primary's and the promoted replica's node keys. Undefined or empty:
     * the service has none (the runbook says so).
     */
    readonly promotionSteps?: readonly string[];
    /**
     * Profiles whose nodes must share one low-latency network: why a `dr` section (nodes in a second
     * region) is refused, and the vendor document that says so.
     */
    readonly singleRegion?: { readonly reason: string; readonly source: string };
    /** HA: the vendor's published time for a manual promotion; the failover analysis and runbooks show it. */
    readonly promotionDuration?: PromotionDuration;
    /**
     * Cluster: single-leader roles whose leader the service never moves by itself, so losing its node
     * stops the service until an operator moves it, and the documented steps to move it (runbook
     * move-leaders; `{leader:<role>}` stands for the configured leader). See plan/leaders.ts.
     */
    readonly manualLeaderMove?: { readonly roles: readonly string[]; readonly source: string; readonly steps: readonly string[] };
    /** Cluster: a replaced node must not keep its host name; the replace-node runbook adds a node with a new name instead. */
    readonly newNameOnReplace?: { readonly source: string };
    /**
     * Programs the profile installs on every node, identical on all of them: stored once, one SSM
     * parameter each (plan `replication.assets`), and fetched by each node's script before its own
     * files and commands, instead of filling every node's script past the parameter size limit.
     */
    readonly assets?: (ctx: RenderContext) => readonly RenderedFile[];
    /**
     * Turns a node's replication document into the files and commands the node runs. Pure, and it
     * must treat addresses as opaque text: the plan renders with address placeholders, which the
     * replication component then fills in, and that has to equal rendering the resolved document.
     */
    readonly render: (doc: NodeDocument, ctx: RenderContext) => NodeConfig;
}

export interface Election {
    /**
     * The single-leader role (one of `roles.leaders`) whose nodes vote; the plan takes that role's
     * leader (`leaders.<role>`) to be the active node. A new one is elected only while more than
     * half of the role's nodes are left.
     */
    readonly role: string;
    /** From the active node's failure until a standby has taken over, the service's own detection included. */
    readonly seconds: number;
    /** Where `seconds` comes from, or that it is an assumption and why, in whole sentences; printed with the analysis. */
    readonly source: string;
}

export interface FailoverDataRisk {
    readonly kind: "replication-lag" | "split-brain";
    /** One sentence for the analysis and runbooks, e.g. which side's writes are lost. */
    readonly description: string;
}
