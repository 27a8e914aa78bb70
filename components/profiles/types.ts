/**
 * What a service needs from the infrastructure. Profiles are data plus small pure renderers; the
 * plan reads them and components never branch on a profile's name.
 */

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
}

export interface ServiceProfile {
    readonly name: string;
    readonly description: string;
    readonly topologies: readonly Topology[];
    readonly ports: {
        /** Ports clients use; reachable from the load balancer (or the client CIDRs without one). */
        readonly user: readonly PortSpec[];
        /** Management ports; reachable only from `access.adminCidrs`. */
        readonly admin: readonly PortSpec[];
        /** Node-to-node ports; reachable only from the nodes' own security group. */
        readonly replication: readonly PortSpec[];
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
    };
    readonly limits: { readonly [T in Topology]: NodeCountLimits };
    /** Whether DNS may fail over to a replica by itself (HA), and if not, why. */
    readonly failover: { readonly automaticAllowed: true } | { readonly automaticAllowed: false; readonly reason: string };
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
}

export interface FailoverDataRisk {
    readonly kind: "replication-lag" | "split-brain";
    /** One sentence for the analysis and runbooks, e.g. which side's writes are lost. */
    readonly description: string;
}
