/**
 * The arguments of the `HaService` component: the stack config's shape (components/config/schema.ts), written
 * out as plain interfaces because the Pulumi component provider reads the TypeScript source to infer
 * the package schema (`@pulumi/pulumi/provider/experimental/analyzer`: interfaces, `T[]` arrays,
 * string-keyed maps, optional fields and named string- or number-literal unions; no `readonly`
 * arrays, inline unions or intersections). Every key's meaning, default and limits are in the
 * schema's `.describe()` text and the README config table; the compile-time checks at the end keep
 * these interfaces and the schema's input type equal in both directions, so they cannot drift.
 *
 * Every value is plain (no `pulumi.Input`): the plan decides nodes, rules and names from them before
 * any resource is registered.
 */
import type { RawConfig } from "./schema";
import { ConfigError, type ConfigProblem, problemLines } from "./spec";

/**
 * The component's type token, `<package>:index:<class>`: the component provider requires the package
 * part to be package.json's name without its scope (`@platform/ha-topologies`).
 */
export const HA_SERVICE_TYPE = "ha-topologies:index:HaService";
/** The type of the stack program's top component before HaService; kept as an alias, so nothing is replaced. */
export const LEGACY_SERVICE_TYPE = "hatopo:index:Service";

// String- and number-literal unions in the form the component provider's analyzer turns into schema
// enums: a const object of the members, and the union of its values under the same name.

/** `ha`: one primary and replicas, promotion by config; `cluster`: nodes with roles behind a load balancer. */
export const Topology = { ha: "ha", cluster: "cluster" } as const;
export type Topology = (typeof Topology)[keyof typeof Topology];
/** The service profiles (components/profiles); test/component-provider.test.ts checks the list is complete. */
export const ProfileName = { generic: "generic", ghes: "ghes", cloudify: "cloudify" } as const;
export type ProfileName = (typeof ProfileName)[keyof typeof ProfileName];
/** HA only: who moves clients to a replica when the primary fails. */
export const FailoverMode = { manual: "manual", automatic: "automatic" } as const;
export type FailoverMode = (typeof FailoverMode)[keyof typeof FailoverMode];
export const LoadBalancerKind = { alb: "alb", nlb: "nlb" } as const;
export type LoadBalancerKind = (typeof LoadBalancerKind)[keyof typeof LoadBalancerKind];
export const LoadBalancerScheme = { internal: "internal", internetFacing: "internet-facing" } as const;
export type LoadBalancerScheme = (typeof LoadBalancerScheme)[keyof typeof LoadBalancerScheme];
/** TLS 1.2+ policies only. */
export const SslPolicy = {
    tls13_12_2021_06: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    tls13_12_Res_2021_06: "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    tls13_13_2021_06: "ELBSecurityPolicy-TLS13-1-3-2021-06",
    tls12_2017_01: "ELBSecurityPolicy-TLS-1-2-2017-01",
    tls12_Ext_2018_06: "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    fs12_Res_2020_10: "ELBSecurityPolicy-FS-1-2-Res-2020-10",
} as const;
export type SslPolicy = (typeof SslPolicy)[keyof typeof SslPolicy];
export const ListenerProtocol = { HTTPS: "HTTPS", TCP: "TCP", UDP: "UDP", TCP_UDP: "TCP_UDP", TLS: "TLS" } as const;
export type ListenerProtocol = (typeof ListenerProtocol)[keyof typeof ListenerProtocol];
export const TargetProtocol = { HTTP: "HTTP", HTTPS: "HTTPS", TCP: "TCP", UDP: "UDP", TCP_UDP: "TCP_UDP", TLS: "TLS" } as const;
export type TargetProtocol = (typeof TargetProtocol)[keyof typeof TargetProtocol];
export const HealthCheckProtocol = { HTTP: "HTTP", HTTPS: "HTTPS", TCP: "TCP" } as const;
export type HealthCheckProtocol = (typeof HealthCheckProtocol)[keyof typeof HealthCheckProtocol];
export const DnsTarget = { primary: "primary", loadBalancer: "loadBalancer" } as const;
export type DnsTarget = (typeof DnsTarget)[keyof typeof DnsTarget];
/** The intervals Data Lifecycle Manager accepts. */
export const SnapshotIntervalHours = { h1: 1, h2: 2, h3: 3, h4: 4, h6: 6, h8: 8, h12: 12, h24: 24 } as const;
export type SnapshotIntervalHours = (typeof SnapshotIntervalHours)[keyof typeof SnapshotIntervalHours];
/** `fenced`: kept in maintenance mode and out of replication; `rejoin`: may be set up as a replica again. */
export const FormerPrimaryState = { fenced: "fenced", rejoin: "rejoin" } as const;
export type FormerPrimaryState = (typeof FormerPrimaryState)[keyof typeof FormerPrimaryState];

/** `relax`: switches that each relax one secure default. */
export interface RelaxArgs {
    singleZone?: boolean;
    slowHealthChecks?: boolean;
    loadBalancerWithoutAccessLogs?: boolean;
    loadBalancerWithoutDeletionProtection?: boolean;
    unprotectedDataVolumes?: boolean;
}

/** One entry of `nodes`. */
export interface NodeArgs {
    zone?: string;
    instanceType?: string;
    ami?: string;
    roles?: string[];
    dataVolumeSize?: number;
    allowReplacement?: boolean;
}

export interface DataVolumeArgs {
    size?: number;
    iops?: number;
    throughput?: number;
    kmsKeyId?: string;
    deviceName?: string;
    retainOnDelete?: boolean;
    protect?: boolean;
}

export interface CreateNetworkArgs {
    cidr?: string;
    zones: string[];
    zoneSlots?: Record<string, number>;
}

export interface SubnetArgs {
    id: string;
    zone: string;
}

/** `network`: `create` a VPC, or an existing `vpcId` with `subnets`. */
export interface NetworkArgs {
    create?: CreateNetworkArgs;
    vpcId?: string;
    subnets?: SubnetArgs[];
    loadBalancerSubnets?: string[];
}

/** `access`: who may connect. */
export interface AccessArgs {
    clientCidrs?: string[];
    adminCidrs?: string[];
    clientSecurityGroups?: string[];
}

export interface DnsArgs {
    zoneId: string;
    name: string;
    ttl?: number;
    target?: DnsTarget;
}

export interface HealthCheckArgs {
    protocol?: HealthCheckProtocol;
    port?: number;
    path?: string;
    matcher?: string;
    interval?: number;
    timeout?: number;
    healthyThreshold?: number;
    unhealthyThreshold?: number;
}

export interface ListenerArgs {
    port: number;
    protocol: ListenerProtocol;
    targetPort?: number;
    targetProtocol?: TargetProtocol;
}

export interface AccessLogsArgs {
    bucket: string;
    prefix?: string;
}

export interface LoadBalancerArgs {
    kind?: LoadBalancerKind;
    scheme?: LoadBalancerScheme;
    certificateArn?: string;
    sslPolicy?: SslPolicy;
    listeners?: ListenerArgs[];
    healthCheck?: HealthCheckArgs;
    deregistrationDelay?: number;
    deletionProtection?: boolean;
    accessLogs?: AccessLogsArgs;
}

export interface MonitoringArgs {
    enabled?: boolean;
    emails?: string[];
    httpsEndpoints?: string[];
    minHealthyTargets?: number;
}

export interface BackupsArgs {
    enabled?: boolean;
    everyHours?: SnapshotIntervalHours;
    at?: string;
    keep?: number;
}

/** `ghesBackup`: the GHES Backup Utilities host. */
export interface GhesBackupArgs {
    ami: string;
    ghesVersion: string;
    utilsVersion?: string;
    utilsSha256?: string;
    instanceType?: string;
    zone?: string;
    dataVolumeSize?: number;
    schedule?: string;
    snapshots?: number;
}

export interface FailoverSettingsArgs {
    secondary?: string;
    healthCheckFailures?: number;
}

export interface GeoReplicaArgs {
    datacenter: string;
    active?: boolean;
}

export interface GhesHaArgs {
    formerPrimaries?: Record<string, FormerPrimaryState>;
    geo?: Record<string, GeoReplicaArgs>;
}

/** `dr.network.create`: the DR VPC the stack creates. */
export interface DrCreateNetworkArgs {
    cidr: string;
    zones: string[];
}

/** `dr.network`: `create` the DR VPC, or an existing `vpcId` with `subnets` (and its `cidr`). */
export interface DrNetworkArgs {
    create?: DrCreateNetworkArgs;
    vpcId?: string;
    cidr?: string;
    subnets?: SubnetArgs[];
}

/** `dr.connection`: a peering the stack creates, or an existing transit gateway / peering. */
export interface DrConnectionArgs {
    peering?: boolean;
    existing?: string;
}

/** `dr.backups`: snapshot copies in the DR region. */
export interface DrBackupsArgs {
    copy?: boolean;
    keepDays?: number;
    kmsKeyArn?: string;
}

/** `dr`: the second region of an HA stack (DR replicas, their network, snapshot copies). */
export interface DrArgs {
    region: string;
    nodes: string[];
    network: DrNetworkArgs;
    connection?: DrConnectionArgs;
    promoted?: boolean;
    backups?: DrBackupsArgs;
}

/**
 * Everything one highly available service needs, in the shape of the stack config: the same keys,
 * types, defaults and validation (docs/reference.md).
 */
export interface HaServiceArgs {
    /** Short service name; prefixes every resource name. Default: the component's resource name. */
    name?: string;
    topology: Topology;
    /** Service profile. Default: generic. */
    profile?: ProfileName;
    production?: boolean;
    relax?: RelaxArgs;
    /** Nodes keyed by name (stable identities). Use this or `nodeCount`. */
    nodes?: Record<string, NodeArgs>;
    nodeCount?: number;
    removedNodes?: string[];
    leaders?: Record<string, string>;
    failover?: FailoverMode;
    primary?: string;
    instanceType?: string;
    ami: string;
    rootVolumeSize?: number;
    dataVolume?: DataVolumeArgs;
    network: NetworkArgs;
    access: AccessArgs;
    dns: DnsArgs;
    loadBalancer?: LoadBalancerArgs;
    monitoring?: MonitoringArgs;
    backups?: BackupsArgs;
    ghesBackup?: GhesBackupArgs;
    failoverSettings?: FailoverSettingsArgs;
    ghesHa?: GhesHaArgs;
    /** A second region for DR replicas (HA topology). */
    dr?: DrArgs;
    tags?: Record<string, string>;
}

/**
 * Every problem in the args of one HaService, named by the args' key paths (`args.nodes.replica1.zone`)
 * with the same messages a stack file gets (`ha-service:nodes.replica1.zone`); thrown before the
 * component registers anything.
 */
export class HaServiceArgsError extends ConfigError {
    constructor(
        readonly resourceName: string,
        problems: readonly ConfigProblem[],
        stack: string,
    ) {
        super(stack, problems);
        this.name = "HaServiceArgsError";
        this.message = [
            `Invalid args for HaService "${resourceName}": ${problems.length} problem${problems.length === 1 ? "" : "s"}, nothing was deployed.`,
            ...problemLines(problems, "args."),
            `Fix each key in the args of \`new HaService("${resourceName}", args)\` (docs/reference.md lists every key).`,
        ].join("\n");
        // The stack trace was captured with ConfigError's wording; show this message above the frames.
        this.stack = [`${this.name}: ${this.message}`, ...(this.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l))].join("\n");
    }
}

// ---------------------------------------------------------------------------------------------
// Compile-time guard: HaServiceArgs and the schema's input type have the same keys at every level,
// the same optionality, and mutually assignable types. A key added to one and not the other, or a
// changed type, fails `tsc` here (test/ha-service.test.ts shows it fails on purpose).

/** Deep structural equality of two object types, readonly-ness ignored. */
type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
export type SameShape<A, B> = [A] extends [B]
    ? [B] extends [A]
        ? A extends readonly unknown[]
            ? B extends readonly unknown[]
                ? SameShape<A[number], B[number]>
                : false
            : A extends object
              ? [keyof A] extends [keyof B]
                  ? [keyof B] extends [keyof A]
                      ? [RequiredKeys<A>] extends [RequiredKeys<B>]
                          ? [RequiredKeys<B>] extends [RequiredKeys<A>]
                              ? false extends { [K in keyof A & keyof B]-?: SameShape<NonNullable<A[K]>, NonNullable<B[K]>> }[keyof A &
                                    keyof B]
                                  ? false
                                  : true
                              : false
                          : false
                      : false
                  : false
              : true
        : false
    : false;

/** Fails to compile unless `T` is `true`. */
type Assert<T extends true> = T;
/**
 * The schema types `profile` as a string (its enum is built from the profiles at run time); the
 * component provider test checks ProfileName lists exactly those profiles.
 */
type SchemaInput = Omit<RawConfig, "profile"> & { profile?: ProfileName };
export type ArgsMatchSchema = Assert<SameShape<Mutable<HaServiceArgs>, Mutable<SchemaInput>>>;
