/**
 * The topology plan: every decision about a stack as plain data. Components turn it into resources
 * without deciding anything; the offline plan prints it; tests assert it without mocks.
 */
import type { HealthCheckSpec, NetworkSpec, Relaxation } from "../config";
import type { ZoneSubnets } from "./network";
import type { IpProtocol, LoadBalancerKind, Topology } from "../profiles";

/** An existing network as configured, or the layout of the VPC the stack creates. */
export type NetworkPlan =
    | Extract<NetworkSpec, { kind: "existing" }>
    | { readonly kind: "create"; readonly cidr: string; readonly zones: readonly string[]; readonly subnets: readonly ZoneSubnets[] };

export interface PlannedNode {
    readonly key: string;
    readonly zone: string;
    readonly instanceType: string;
    readonly ami: string;
    /** HA: "primary" or "replica". Cluster: the node's roles joined with "+". */
    readonly role: string;
    readonly roles: readonly string[];
    /** Behind the load balancer (HA: the primary; cluster: nodes with a serving role). */
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
    };
    /** SSM parameter holding this node's replication document. */
    readonly documentParameter: string;
    readonly userData: string;
    readonly tags: Readonly<Record<string, string>>;
}

/** Who may send traffic: a CIDR, or a security group of this stack. */
export type RuleSource = { readonly cidr: string } | { readonly group: "loadBalancer" | "nodes" };

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
    readonly key: "loadBalancer" | "nodes";
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
    readonly accessLogs?: { readonly bucket: string; readonly prefix: string };
    readonly listeners: readonly ListenerPlan[];
    readonly targetGroups: readonly TargetGroupPlan[];
    /** One per (target group, serving node); keyed so a promotion swaps exactly one per group. */
    readonly attachments: readonly { readonly key: string; readonly targetGroup: string; readonly node: string; readonly port: number }[];
}

export type DnsTarget = { readonly kind: "node"; readonly node: string } | { readonly kind: "loadBalancer" };

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
      }
    | {
          readonly schema: 1;
          readonly service: string;
          readonly topology: "cluster";
          readonly node: string;
          readonly roles: readonly string[];
          readonly self: AddressRef;
          readonly peers: readonly ReplicationPeer[];
          readonly ports: { readonly tcp: readonly number[]; readonly udp: readonly number[] };
          readonly secretParameter: string;
      };

export interface ReplicationPlan {
    readonly secretParameter: string;
    /** SSM command document that re-applies a node's replication document. */
    readonly applyCommand: string;
    readonly documents: readonly { readonly node: string; readonly parameter: string; readonly document: ReplicationDocument }[];
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
    /** URL clients use. */
    readonly endpoint: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly warnings: readonly string[];
    /** Secure defaults the stack turned off with a `relax` switch (empty for a stack with none). */
    readonly relaxations: readonly Relaxation[];
}
