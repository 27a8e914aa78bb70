/**
 * The validated stack config (StackSpec) and its parts, with every default applied; and the error
 * that lists every problem of a config. Pure types and helpers shared by config.ts, validation.ts and
 * the plan.
 */
import type { ListenerDefaults, LoadBalancerKind, ServiceProfile, Topology } from "../profiles";
import { zoneOrder } from "../common/network";
import { CONFIG_NAMESPACE, type ParsedConfig } from "./schema";

export interface NodeSpec {
    /** Stable identity: every resource name of this node derives from it. */
    readonly key: string;
    /** 1-based ordinal for `nodeCount` nodes (their placement derives from it); undefined for named nodes. */
    readonly ordinal?: number;
    readonly zone?: string;
    readonly instanceType: string;
    readonly ami: string;
    readonly roles: readonly string[];
    readonly dataVolumeSize: number;
    readonly allowReplacement: boolean;
}

export interface ListenerSpec {
    readonly port: number;
    readonly protocol: ListenerDefaults["protocol"];
    readonly targetPort: number;
    readonly targetProtocol: ListenerDefaults["targetProtocol"];
}

export interface HealthCheckSpec {
    readonly protocol: "HTTP" | "HTTPS" | "TCP";
    readonly port: number;
    readonly path: string;
    readonly matcher: string;
    readonly interval: number;
    readonly timeout: number;
    readonly healthyThreshold: number;
    readonly unhealthyThreshold: number;
}

export interface LoadBalancerSpec {
    readonly kind: LoadBalancerKind;
    readonly scheme: "internal" | "internet-facing";
    readonly certificateArn?: string;
    readonly sslPolicy: string;
    readonly listeners: readonly ListenerSpec[];
    readonly healthCheck: HealthCheckSpec;
    readonly deregistrationDelay: number;
    readonly deletionProtection: boolean;
    readonly accessLogs?: { readonly bucket: string; readonly prefix: string };
}

export type NetworkSpec =
    | {
          readonly kind: "create";
          readonly cidr: string;
          readonly zones: readonly string[];
          /** Explicit subnet slots per zone (`network.create.zoneSlots`); default: the zone's letter. */
          readonly zoneSlots?: Readonly<Record<string, number>>;
      }
    | {
          readonly kind: "existing";
          readonly vpcId: string;
          readonly subnets: readonly { readonly id: string; readonly zone: string }[];
          readonly loadBalancerSubnets: readonly string[];
      };

export interface MonitoringSpec {
    readonly enabled: boolean;
    readonly emails: readonly string[];
    readonly httpsEndpoints: readonly string[];
    /** Cluster only; undefined: every serving node. */
    readonly minHealthyTargets?: number;
}

export interface BackupSpec {
    readonly enabled: boolean;
    readonly everyHours: number;
    /** UTC start time, HH:MM. */
    readonly at: string;
    readonly keep: number;
}

/** The GHES backup host (`ghesBackup`), every default applied (ghes-backup-config.ts). */
export interface GhesBackupSpec {
    readonly ami: string;
    readonly ghesVersion: string;
    readonly utilsVersion: string;
    readonly utilsSha256?: string;
    readonly instanceType: string;
    readonly zone: string;
    readonly dataVolumeSize: number;
    readonly schedule: string;
    readonly snapshots: number;
    readonly managementPasswordParameter: string;
}

export interface FailoverSettingsSpec {
    /** HA with automatic failover: the replica the SECONDARY record points at, as configured (see `failoverSecondary`). */
    readonly secondary?: string;
    readonly healthCheckFailures: number;
}

/** GHES HA settings (`ghesHa`); empty maps unless the stack sets them. */
export interface GhesHaSpec {
    /** Former primaries: `fenced` (kept out) or `rejoin` (may be set up as a replica). */
    readonly formerPrimaries: Readonly<Record<string, "fenced" | "rejoin">>;
    /** `ghe-repl-node` settings per node. */
    readonly geo: Readonly<Record<string, { readonly datacenter: string; readonly active: boolean }>>;
}

/** The DR region of an HA stack (`dr`), every default applied (dr-config.ts). */
export interface DrSpec {
    readonly region: string;
    /** Keys of the nodes that run in the DR region. */
    readonly nodes: readonly string[];
    readonly network: NetworkSpec;
    /** The DR VPC's CIDR block when known (created, or `dr.network.cidr`). */
    readonly cidr?: string;
    /** `peering`: the stack creates an inter-region VPC peering; `existing`: a transit gateway or peering it is told about. */
    readonly connection: { readonly kind: "peering" } | { readonly kind: "existing"; readonly id: string };
    readonly promoted: boolean;
    readonly backups: { readonly copy: boolean; readonly keepDays: number; readonly kmsKeyArn?: string };
}

export interface StackSpec {
    readonly project: string;
    readonly stack: string;
    readonly name: string;
    readonly topology: Topology;
    readonly profile: ServiceProfile;
    readonly production: boolean;
    readonly nodes: readonly NodeSpec[];
    /** HA only. */
    readonly primary?: string;
    /** Cluster only: the node leading each single-leader role of the profile, by role. */
    readonly leaders: Readonly<Record<string, string>>;
    /** Names of nodes removed from the stack; never reused. */
    readonly removedNodes: readonly string[];
    /** HA only: who moves clients to a replica when the primary fails. */
    readonly failover: "manual" | "automatic";
    readonly rootVolumeSize: number;
    readonly dataVolume: {
        readonly iops?: number;
        readonly throughput?: number;
        readonly kmsKeyId?: string;
        readonly deviceName: string;
        readonly retainOnDelete: boolean;
        readonly protect: boolean;
    };
    readonly network: NetworkSpec;
    readonly access: {
        readonly clientCidrs: readonly string[];
        readonly clientSecurityGroups: readonly string[];
        readonly adminCidrs: readonly string[];
    };
    readonly dns: { readonly zoneId: string; readonly name: string; readonly ttl: number; readonly target: "primary" | "loadBalancer" };
    readonly loadBalancer?: LoadBalancerSpec;
    readonly monitoring: MonitoringSpec;
    readonly backups: BackupSpec;
    /** GHES only: the Backup Utilities host; undefined when the stack has none. */
    readonly ghesBackup?: GhesBackupSpec;
    readonly failoverSettings: FailoverSettingsSpec;
    readonly ghesHa: GhesHaSpec;
    /** HA only: the DR region, when the stack has one. */
    readonly dr?: DrSpec;
    readonly tags: Readonly<Record<string, string>>;
    /** Things that are allowed but worth a reviewer's attention; printed by the offline plan. */
    readonly warnings: readonly string[];
    /** Secure defaults this stack turned off with a `relax` switch; printed by the plan and exported. */
    readonly relaxations: readonly Relaxation[];
}

export type RelaxSwitch = keyof ParsedConfig["relax"];

/** A secure default a stack gave up on purpose, through one named `relax` switch. */
export interface Relaxation {
    readonly key: `relax.${RelaxSwitch}`;
    /** What the stack has instead of the default. */
    readonly detail: string;
}

/** `relax.singleZone: every node is in us-east-1a ...`: the form of the plan and the stack output. */
export function formatRelaxation(r: Relaxation): string {
    return `${r.key}: ${r.detail}`;
}

/**
 * Longest target-group health-check interval without `relax.slowHealthChecks`: with two failed
 * checks a dead node then leaves rotation within about a minute.
 */
export const MAX_HEALTH_CHECK_INTERVAL = 30;

export interface ConfigProblem {
    /** Key path, as `pulumi config set --path` takes it (without the namespace). */
    readonly path: string;
    readonly message: string;
    readonly value?: unknown;
}

function show(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** One line per problem: `  - <prefix><key path>: <message> (got <value>)`. */
export function problemLines(problems: readonly ConfigProblem[], prefix: string): string[] {
    return problems.map((p) => `  - ${prefix}${p.path}: ${p.message}${"value" in p ? ` (got ${show(p.value)})` : ""}`);
}

/** Every problem in a stack config, each with its key path, the value found and what would be valid. */
export class ConfigError extends Error {
    constructor(
        readonly stackName: string,
        readonly problems: readonly ConfigProblem[],
        readonly namespace: string = CONFIG_NAMESPACE,
    ) {
        super(
            [
                `Invalid config for stack "${stackName}": ${problems.length} problem${problems.length === 1 ? "" : "s"}, nothing was deployed.`,
                ...problemLines(problems, `${namespace}:`),
                `Fix each key in stacks/Pulumi.${stackName}.yaml (or with \`pulumi config set --path '${namespace}:<key>' <value>\`).`,
            ].join("\n"),
        );
        this.name = "ConfigError";
    }
}

export function networkZones(network: NetworkSpec): string[] {
    return network.kind === "create" ? zoneOrder(network.zones, network.zoneSlots) : zoneOrder(network.subnets.map((s) => s.zone));
}
