/**
 * Stack config -> validated StackSpec with every default applied. The config is read once; every
 * problem is collected and reported in one error before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { getProfile, ListenerDefaults, LoadBalancerKind, ServiceProfile, Topology } from "./profiles";
import { slug } from "./plan/naming";
import { placeNode } from "./plan/placement";
import { CONFIG_NAMESPACE, ConfigSchema, NodeSettings, ParsedConfig } from "./schema";

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
    | { readonly kind: "create"; readonly cidr: string; readonly zones: readonly string[] }
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

export interface FailoverSettingsSpec {
    /** HA with automatic failover: the replica the SECONDARY record points at, as configured (see `failoverSecondary`). */
    readonly secondary?: string;
    readonly healthCheckFailures: number;
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
    readonly access: { readonly clientCidrs: readonly string[]; readonly adminCidrs: readonly string[] };
    readonly dns: { readonly zoneId: string; readonly name: string; readonly ttl: number; readonly target: "primary" | "loadBalancer" };
    readonly loadBalancer?: LoadBalancerSpec;
    readonly monitoring: MonitoringSpec;
    readonly backups: BackupSpec;
    readonly failoverSettings: FailoverSettingsSpec;
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
                ...problems.map((p) => `  - ${namespace}:${p.path}: ${p.message}${"value" in p ? ` (got ${show(p.value)})` : ""}`),
                `Fix each key in stacks/Pulumi.${stackName}.yaml (or with \`pulumi config set --path '${namespace}:<key>' <value>\`).`,
            ].join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** Picks this project's keys out of Pulumi's flat config map; values are JSON where they parse as JSON. */
export function readNamespace(all: Readonly<Record<string, string>>, namespace = CONFIG_NAMESPACE): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(all)) {
        const [ns, name] = key.split(":", 2);
        if (ns !== namespace || name === undefined) continue;
        try {
            out[name] = JSON.parse(text);
        } catch {
            out[name] = text;
        }
    }
    return out;
}

/** `nodes.app-a.zone`, `subnets[0]`; a key that is empty or holds `.`, brackets or spaces as `nodes[""]`. */
function pathOf(path: readonly PropertyKey[]): string {
    return path
        .map((p) => (typeof p === "number" ? `[${p}]` : /^$|[.[\]"\s]/.test(String(p)) ? `[${JSON.stringify(String(p))}]` : String(p)))
        .join(".")
        .replace(/\.\[/g, "[");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let cur: unknown = root;
    for (const p of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[p];
    }
    return cur;
}

function zodProblems(error: z.ZodError, raw: unknown): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const issue of error.issues) {
        if (issue.code === "unrecognized_keys") {
            // One problem per unknown key, so each names its own path.
            for (const key of issue.keys) {
                problems.push({ path: pathOf([...issue.path, key]), message: issue.message });
            }
            continue;
        }
        if (issue.code === "invalid_key") {
            // A bad map key (a node name): report the key's own rule at the key's path.
            problems.push({ path: pathOf(issue.path), message: issue.issues[0]?.message ?? issue.message });
            continue;
        }
        const value = valueAt(raw, issue.path);
        const message = value === undefined ? `is required; it ${issue.message}` : issue.message;
        problems.push(value === undefined ? { path: pathOf(issue.path), message } : { path: pathOf(issue.path), message, value });
    }
    return problems;
}

function nodeSpecs(cfg: ParsedConfig, profile: ServiceProfile): NodeSpec[] {
    const fromSettings = (key: string, s: NodeSettings, ordinal?: number): NodeSpec => ({
        key,
        ...(ordinal === undefined ? {} : { ordinal }),
        ...(s.zone === undefined ? {} : { zone: s.zone }),
        instanceType: s.instanceType ?? cfg.instanceType,
        ami: s.ami ?? cfg.ami,
        roles: cfg.topology === "cluster" ? (s.roles ?? profile.roles.defaults) : [],
        dataVolumeSize: s.dataVolumeSize ?? cfg.dataVolume.size,
        allowReplacement: s.allowReplacement,
    });
    if (cfg.nodes) return Object.entries(cfg.nodes).map(([key, s]) => fromSettings(key, s));
    const count = cfg.nodeCount ?? 0;
    return Array.from({ length: count }, (_, i) => fromSettings(`node-${i + 1}`, { allowReplacement: false }, i + 1));
}

/** Each single-leader role's node: the configured one, else the first node (in config order) with the role. */
function resolveLeaders(cfg: ParsedConfig, profile: ServiceProfile, nodes: readonly NodeSpec[]): Record<string, string> {
    if (cfg.topology !== "cluster") return {};
    const leaders: Record<string, string> = {};
    for (const role of profile.roles.leaders) {
        const node = cfg.leaders?.[role] ?? nodes.find((n) => n.roles.includes(role))?.key;
        if (node !== undefined) leaders[role] = node;
    }
    return leaders;
}

function resolveLoadBalancer(cfg: ParsedConfig, profile: ServiceProfile): LoadBalancerSpec | undefined {
    const lb = cfg.loadBalancer;
    if (!lb) return undefined;
    const kind = lb.kind ?? profile.loadBalancer.defaultKind;
    const listeners: ListenerSpec[] = (lb.listeners ?? profile.loadBalancer.listeners[kind]).map((l) => ({
        port: l.port,
        protocol: l.protocol,
        targetPort: l.targetPort ?? l.port,
        targetProtocol: l.targetProtocol ?? (l.protocol === "HTTPS" ? "HTTP" : l.protocol),
    }));
    const hc = lb.healthCheck;
    return {
        kind,
        scheme: lb.scheme,
        ...(lb.certificateArn === undefined ? {} : { certificateArn: lb.certificateArn }),
        sslPolicy: lb.sslPolicy,
        listeners,
        healthCheck: {
            protocol: hc.protocol ?? profile.healthCheck.protocol,
            port: hc.port ?? profile.healthCheck.port,
            path: hc.path ?? profile.healthCheck.path,
            matcher: hc.matcher ?? profile.healthCheck.matcher,
            interval: hc.interval,
            timeout: hc.timeout,
            healthyThreshold: hc.healthyThreshold,
            unhealthyThreshold: hc.unhealthyThreshold,
        },
        deregistrationDelay: lb.deregistrationDelay,
        deletionProtection: lb.deletionProtection ?? cfg.production,
        ...(lb.accessLogs ? { accessLogs: { bucket: lb.accessLogs.bucket, prefix: lb.accessLogs.prefix } } : {}),
    };
}

function resolveNetwork(cfg: ParsedConfig): NetworkSpec {
    const n = cfg.network;
    if (n.create) return { kind: "create", cidr: n.create.cidr, zones: n.create.zones };
    const subnets = n.subnets ?? [];
    return { kind: "existing", vpcId: n.vpcId ?? "", subnets, loadBalancerSubnets: n.loadBalancerSubnets ?? subnets.map((s) => s.id) };
}

export function networkZones(network: NetworkSpec): string[] {
    return network.kind === "create" ? [...network.zones] : network.subnets.map((s) => s.zone);
}

/** Checks that need more than one key at a time. Pure; returns every problem found. */
export function crossCheck(
    cfg: ParsedConfig,
    spec: Omit<StackSpec, "warnings" | "relaxations">,
): { problems: ConfigProblem[]; warnings: string[]; relaxations: Relaxation[] } {
    const problems: ConfigProblem[] = [];
    const warnings: string[] = [];
    const relaxations: Relaxation[] = [];
    const add = (path: string, message: string, ...value: unknown[]) =>
        problems.push(value.length ? { path, message, value: value[0] } : { path, message });
    /** A secure default this config breaks: allowed only when its `relax` switch is on, and then recorded. */
    const guard = (sw: RelaxSwitch, detail: string, path: string, message: string, ...value: unknown[]) => {
        if (cfg.relax[sw]) relaxations.push({ key: `relax.${sw}`, detail });
        else add(path, `${message}; to accept this on purpose set \`relax.${sw}: true\``, ...value);
    };
    const { profile, topology, nodes, network } = spec;

    if (!profile.topologies.includes(topology)) {
        const fix = profile.topologies.map((t) => `\`topology: ${t}\``).join(" or ");
        const note = profile.topologyNote === undefined ? "" : ` (${profile.topologyNote})`;
        add("topology", `profile "${profile.name}" supports only: ${profile.topologies.join(", ")}; set ${fix}${note}`, topology);
    }

    // Nodes: exactly one of the two forms.
    if (cfg.nodes && cfg.nodeCount !== undefined) add("nodeCount", "set either `nodes` (a map) or `nodeCount`, not both", cfg.nodeCount);
    if (!cfg.nodes && cfg.nodeCount === undefined) add("nodes", "is required: set `nodes` (a map of node name to settings) or `nodeCount`");
    const limits = profile.limits[topology];
    if (nodes.length > 0 && (nodes.length < limits.min || nodes.length > limits.max)) {
        const what = topology === "ha" ? "one primary and at least one replica" : `a cluster of the "${profile.name}" profile`;
        add(cfg.nodes ? "nodes" : "nodeCount", `must have ${limits.min} to ${limits.max} nodes for ${what}`, nodes.length);
    }
    if (limits.recommendedMax !== undefined && nodes.length > limits.recommendedMax) {
        warnings.push(`${nodes.length} nodes: the "${profile.name}" profile recommends at most ${limits.recommendedMax}.`);
    }

    // Network.
    const zones = networkZones(network);
    const n = cfg.network;
    if (n.create && (n.vpcId !== undefined || n.subnets !== undefined || n.loadBalancerSubnets !== undefined)) {
        add("network", "set either `create` or an existing `vpcId` with `subnets`, not both");
    }
    if (!n.create && n.vpcId === undefined) add("network.vpcId", "is required unless `network.create` is set");
    if (!n.create && (n.subnets ?? []).length === 0)
        add("network.subnets", "must list at least one subnet { id, zone } of the existing VPC", n.subnets);
    const seen = new Set<string>();
    (n.subnets ?? []).forEach((s, i) => {
        if (seen.has(s.zone))
            add(`network.subnets[${i}].zone`, "each subnet must be in a different zone (one node subnet per zone)", s.zone);
        seen.add(s.zone);
    });
    if (n.create) {
        const bits = Number(n.create.cidr.split("/")[1]);
        if (bits < 16 || bits > 24)
            add(
                "network.create.cidr",
                "must be a /16 to /24 block (AWS allows /16 to /28 per VPC; /24 is the least that fits 6 zones)",
                n.create.cidr,
            );
    }
    if (n.create && new Set(n.create.zones).size !== n.create.zones.length)
        add("network.create.zones", "must not list a zone twice", n.create.zones);

    // Placement.
    nodes.forEach((node) => {
        const path = `nodes.${node.key}.zone`;
        if (node.zone !== undefined && zones.length > 0 && !zones.includes(node.zone)) {
            add(path, `must be one of the network's zones: ${zones.join(", ")}`, node.zone);
        }
        if (node.zone === undefined && node.ordinal === undefined && zones.length > 1) {
            add(path, `is required when the network has more than one zone (pin each named node to one of: ${zones.join(", ")})`);
        }
    });

    // Only judged when every node has a valid place; the problems above cover the rest.
    const placeable = nodes.every((x) => (x.zone === undefined ? x.ordinal !== undefined || zones.length === 1 : zones.includes(x.zone)));
    const placed = placeable && zones.length > 0 ? new Set(nodes.map((x) => placeNode(x, zones))) : new Set<string>();
    if (nodes.length > 1 && placed.size === 1) {
        const [zone] = placed;
        const others = zones.filter((z) => z !== zone);
        const fix =
            others.length === 0
                ? "list at least two zones"
                : topology === "ha"
                  ? `put at least one replica in another zone (${others.join(", ")})`
                  : `spread the nodes over ${zones.join(", ")}`;
        guard(
            "singleZone",
            `every node is in ${zone}; losing that zone loses the service`,
            others.length > 0 ? "nodes" : n.create ? "network.create.zones" : "network.subnets",
            `every node is in ${zone}, so losing that zone loses the service: ${fix}`,
        );
    }

    // Topology-specific keys.
    if (topology === "ha") {
        if (cfg.primary !== undefined && !nodes.some((x) => x.key === cfg.primary)) {
            add("primary", `must name one of the nodes: ${nodes.map((x) => x.key).join(", ")}`, cfg.primary);
        }
        nodes.forEach((x) => {
            if (cfg.nodes?.[x.key]?.roles !== undefined)
                add(`nodes.${x.key}.roles`, "roles apply to the cluster topology only; remove them for `ha`");
        });
    } else {
        if (cfg.primary !== undefined)
            add("primary", "applies to the ha topology only; a cluster has no primary (remove the key)", cfg.primary);
        if (!cfg.loadBalancer)
            add("loadBalancer", "is required for the cluster topology: its health checks take failed nodes out of rotation");
        if (cfg.dns.target === "primary")
            add("dns.target", "a cluster's DNS record always aliases the load balancer; remove the key", cfg.dns.target);
        for (const [role, node] of Object.entries(cfg.leaders ?? {})) {
            const path = `leaders.${role}`;
            const target = nodes.find((x) => x.key === node);
            if (!profile.roles.leaders.includes(role)) {
                const valid =
                    profile.roles.leaders.length > 0 ? `valid: ${profile.roles.leaders.join(", ")}` : "it has none; remove the key";
                add(path, `is not a single-leader role of the "${profile.name}" profile (${valid})`, role);
            } else if (!target) {
                add(path, `must name one of the nodes: ${nodes.map((x) => x.key).join(", ")}`, node);
            } else if (!target.roles.includes(role)) {
                add(
                    path,
                    `node "${node}" does not carry the role "${role}": name a node whose \`roles\` include it, or add the role to ${node}`,
                    node,
                );
            }
        }
        for (const role of profile.roles.leaders) {
            const leader = spec.leaders[role];
            if (cfg.nodes && cfg.leaders?.[role] === undefined && leader !== undefined) {
                warnings.push(
                    `leaders.${role} is not set, so ${leader} (the first node with the role) leads it; set it so that adding or reordering nodes cannot move it.`,
                );
            }
        }
        nodes.forEach((x) => {
            x.roles.forEach((role, i) => {
                if (!profile.roles.names.includes(role)) {
                    add(
                        `nodes.${x.key}.roles[${i}]`,
                        `is not a role of the "${profile.name}" profile; valid roles: ${profile.roles.names.join(", ")}`,
                        role,
                    );
                }
            });
        });
        for (const role of profile.roles.required) {
            if (nodes.length > 0 && !nodes.some((x) => x.roles.includes(role))) {
                add("nodes", `no node carries the required role "${role}"; add it to some node's \`roles\``);
            }
        }
        if (nodes.length > 0 && !nodes.some((x) => x.roles.some((r) => profile.roles.serving.includes(r)))) {
            add("nodes", `no node serves users: give at least one node a role among ${profile.roles.serving.join(", ")}`);
        }
    }
    if (cfg.failover === "automatic") {
        if (topology !== "ha") {
            add("failover", "applies to the ha topology only; a cluster's load balancer fails over by health checks", cfg.failover);
        } else if (!profile.failover.automaticAllowed) {
            add(
                "failover",
                `profile "${profile.name}" refuses automatic failover: ${profile.failover.reason}; keep \`manual\` and promote by changing \`primary\``,
                cfg.failover,
            );
        }
    }
    if (cfg.failover === "automatic" && topology === "ha" && spec.dns.target === "loadBalancer") {
        add(
            "failover",
            "automatic failover moves the DNS record between nodes, but the record aliases the load balancer (which forwards only to `primary`); set `dns.target: primary` or keep `manual`",
            cfg.failover,
        );
    }
    const secondary = cfg.failoverSettings.secondary;
    if (secondary !== undefined) {
        const path = "failoverSettings.secondary";
        if (topology !== "ha") add(path, "applies to the ha topology only; remove it", secondary);
        else if (cfg.failover !== "automatic")
            add(path, "applies only with `failover: automatic` (a manual promotion names its target in `primary`); remove it", secondary);
        else if (!nodes.some((x) => x.key === secondary))
            add(path, `must name one of the nodes: ${nodes.map((x) => x.key).join(", ")}`, secondary);
        else if (secondary === spec.primary)
            add(path, "is the primary; name another replica, or remove the key to use the first replica", secondary);
    }
    const minHealthy = cfg.monitoring.minHealthyTargets;
    if (minHealthy !== undefined) {
        const serving = nodes.filter((x) => x.roles.some((r) => profile.roles.serving.includes(r))).length;
        if (topology !== "cluster")
            add(
                "monitoring.minHealthyTargets",
                "applies to the cluster topology only (an HA target group has one target, the primary)",
                minHealthy,
            );
        else if (nodes.length > 0 && minHealthy > serving)
            add(
                "monitoring.minHealthyTargets",
                `is more than the ${serving} serving node(s), so the alarm would never clear; use at most ${serving}`,
                minHealthy,
            );
    }
    for (const list of ["emails", "httpsEndpoints"] as const) {
        // Subscriptions are named from a slug of the endpoint; two endpoints with one slug would clash.
        const seenSlugs = new Map<string, string>();
        cfg.monitoring[list].forEach((e, i) => {
            const other = seenSlugs.get(slug(e));
            if (other !== undefined)
                add(`monitoring.${list}[${i}]`, `is the same subscription as ${JSON.stringify(other)}; list it once`, e);
            seenSlugs.set(slug(e), e);
        });
    }
    if (!cfg.monitoring.enabled && cfg.monitoring.emails.length + cfg.monitoring.httpsEndpoints.length > 0)
        warnings.push("monitoring is off: the configured alarm subscriptions are not created.");
    if (!cfg.backups.enabled)
        warnings.push("backups are off: losing every copy of the data (all nodes, or one zone holding them) loses it for good.");
    if (topology === "ha" && cfg.leaders !== undefined) {
        add("leaders", "applies to the cluster topology only; an HA stack's leader is `primary`", cfg.leaders);
    }
    const removed = new Set(cfg.removedNodes);
    for (const x of nodes) {
        if (!removed.has(x.key)) continue;
        if (cfg.nodes) {
            add(`nodes.${x.key}`, `is listed in \`removedNodes\`: a removed node's name is never reused; give this node a new name`);
        } else {
            add(
                "nodeCount",
                `would bring back ${x.key}, which is listed in \`removedNodes\`: a removed node's name is never reused; switch to a \`nodes\` map with new names to grow`,
                cfg.nodeCount,
            );
        }
    }
    if (topology === "ha" && cfg.dns.target === "loadBalancer" && !cfg.loadBalancer) {
        add("dns.target", "is `loadBalancer` but no `loadBalancer` is configured; add one or use `primary`", cfg.dns.target);
    }

    // Load balancer.
    const lb = spec.loadBalancer;
    if (lb) {
        if (!profile.loadBalancer.allowedKinds.includes(lb.kind)) {
            add("loadBalancer.kind", `profile "${profile.name}" supports: ${profile.loadBalancer.allowedKinds.join(", ")}`, lb.kind);
        }
        const ports = new Set<number>();
        lb.listeners.forEach((l, i) => {
            const path = `loadBalancer.listeners[${i}]`;
            if (ports.has(l.port)) add(`${path}.port`, "two listeners use the same port", l.port);
            ports.add(l.port);
            if (lb.kind === "alb" && l.protocol !== "HTTPS") {
                add(`${path}.protocol`, "an ALB listener must be HTTPS (HTTP on 80 is added as a redirect to HTTPS)", l.protocol);
            }
            if (lb.kind === "alb" && !["HTTP", "HTTPS"].includes(l.targetProtocol)) {
                add(`${path}.targetProtocol`, "an ALB forwards HTTP or HTTPS to its targets", l.targetProtocol);
            }
            if (lb.kind === "alb" && l.port === 80)
                add(`${path}.port`, "port 80 on an ALB is the HTTP-to-HTTPS redirect; use another port", l.port);
            if (lb.kind === "nlb" && (l.protocol === "HTTPS" || ["HTTP", "HTTPS"].includes(l.targetProtocol))) {
                add(`${path}.protocol`, "an NLB listener is TCP, UDP, TCP_UDP or TLS, forwarding the same to its targets", l.protocol);
            }
        });
        const needsCert = lb.kind === "alb" || lb.listeners.some((l) => l.protocol === "TLS");
        if (needsCert && lb.certificateArn === undefined) {
            add("loadBalancer.certificateArn", "is required for HTTPS/TLS listeners (an ALB always has one): set the ACM certificate ARN");
        }
        if (lb.kind === "alb" && lb.healthCheck.protocol === "TCP") {
            add("loadBalancer.healthCheck.protocol", "an ALB checks with HTTP or HTTPS", lb.healthCheck.protocol);
        }
        if (lb.healthCheck.timeout >= lb.healthCheck.interval) {
            add(
                "loadBalancer.healthCheck.timeout",
                `must be less than the interval (${lb.healthCheck.interval} s)`,
                lb.healthCheck.timeout,
            );
        }
        if (lb.scheme === "internet-facing" && network.kind === "existing" && cfg.network.loadBalancerSubnets === undefined) {
            add(
                "network.loadBalancerSubnets",
                "is required for an internet-facing load balancer on an existing network: list its public subnets",
            );
        }
        const hc = lb.healthCheck;
        if (hc.interval > MAX_HEALTH_CHECK_INTERVAL) {
            guard(
                "slowHealthChecks",
                `health checks every ${hc.interval} s: a failed node stays in rotation for about ${hc.interval * hc.unhealthyThreshold} s`,
                "loadBalancer.healthCheck.interval",
                `must be at most ${MAX_HEALTH_CHECK_INTERVAL} s, so a failed node leaves rotation within about a minute`,
                hc.interval,
            );
        }
        if (spec.production && !lb.accessLogs) {
            guard(
                "loadBalancerWithoutAccessLogs",
                "the production load balancer writes no access logs",
                "loadBalancer.accessLogs",
                "is required in a production stack: set `{ bucket, prefix }` so every request can be audited",
            );
        }
        if (spec.production && !lb.deletionProtection) {
            guard(
                "loadBalancerWithoutDeletionProtection",
                "the production load balancer can be deleted",
                "loadBalancer.deletionProtection",
                "must stay on in a production stack (remove the key)",
                false,
            );
        }
    }
    if (spec.production && !spec.dataVolume.protect) {
        guard(
            "unprotectedDataVolumes",
            "production data volumes can be deleted through Pulumi",
            "dataVolume.protect",
            "must stay on in a production stack (remove the key)",
            false,
        );
    }
    if (spec.production && !spec.dataVolume.retainOnDelete) {
        guard(
            "unprotectedDataVolumes",
            "a production node's data volume is deleted with the node",
            "dataVolume.retainOnDelete",
            "must stay on in a production stack (remove the key)",
            false,
        );
    }

    spec.access.adminCidrs.forEach((c, i) => {
        if (c.endsWith("/0"))
            add(`access.adminCidrs[${i}]`, "admin ports must not be open to the whole internet; list your admin networks", c);
    });

    for (const [k, v] of Object.entries(spec.tags)) {
        if (k.length > 128 || k.toLowerCase().startsWith("aws:"))
            add(`tags.${k}`, "tag keys are at most 128 characters and must not start with aws:");
        if (v.length > 256) add(`tags.${k}`, "tag values are at most 256 characters", v);
    }

    // A switch that relaxes nothing here would silently allow the next change that needs it.
    for (const [sw, on] of Object.entries(cfg.relax)) {
        if (on && !relaxations.some((r) => r.key === `relax.${sw}`))
            warnings.push(`relax.${sw} is set but relaxes nothing in this stack; remove it.`);
    }
    return { problems, warnings, relaxations };
}

export interface SpecContext {
    readonly project: string;
    readonly stack: string;
}

/** Validates a stack's raw config (this project's keys, already JSON-decoded) into a StackSpec. */
export function parseSpec(raw: Record<string, unknown>, ctx: SpecContext): StackSpec {
    const parsed = ConfigSchema.safeParse(raw);
    if (!parsed.success) throw new ConfigError(ctx.stack, zodProblems(parsed.error, raw), ctx.project);
    const cfg = parsed.data;
    const profile = getProfile(cfg.profile);
    const nodes = nodeSpecs(cfg, profile);
    const loadBalancer = resolveLoadBalancer(cfg, profile);
    const base = {
        project: ctx.project,
        stack: ctx.stack,
        name: cfg.name,
        topology: cfg.topology,
        profile,
        production: cfg.production,
        nodes,
        ...(cfg.topology === "ha" ? { primary: cfg.primary ?? nodes[0]?.key } : {}),
        failover: cfg.failover,
        leaders: resolveLeaders(cfg, profile, nodes),
        removedNodes: cfg.removedNodes,
        rootVolumeSize: cfg.rootVolumeSize,
        dataVolume: {
            ...(cfg.dataVolume.iops === undefined ? {} : { iops: cfg.dataVolume.iops }),
            ...(cfg.dataVolume.throughput === undefined ? {} : { throughput: cfg.dataVolume.throughput }),
            ...(cfg.dataVolume.kmsKeyId === undefined ? {} : { kmsKeyId: cfg.dataVolume.kmsKeyId }),
            deviceName: cfg.dataVolume.deviceName,
            retainOnDelete: cfg.dataVolume.retainOnDelete,
            protect: cfg.dataVolume.protect ?? cfg.production,
        },
        network: resolveNetwork(cfg),
        access: cfg.access,
        dns: {
            zoneId: cfg.dns.zoneId,
            name: cfg.dns.name.replace(/\.$/, ""),
            ttl: cfg.dns.ttl,
            target: cfg.topology === "cluster" ? "loadBalancer" : (cfg.dns.target ?? (cfg.loadBalancer ? "loadBalancer" : "primary")),
        },
        ...(loadBalancer ? { loadBalancer } : {}),
        monitoring: cfg.monitoring,
        backups: cfg.backups,
        failoverSettings: cfg.failoverSettings,
        tags: cfg.tags,
    } satisfies Omit<StackSpec, "warnings" | "relaxations">;
    const { problems, warnings, relaxations } = crossCheck(cfg, base);
    if (problems.length > 0) throw new ConfigError(ctx.stack, problems, ctx.project);
    return { ...base, warnings, relaxations };
}

/**
 * Reads this project's config from the running Pulumi program (once) and validates it. The config
 * namespace is the project name, so a team that renames the project keeps working.
 */
export function loadSpec(): StackSpec {
    const project = pulumi.getProject();
    return parseSpec(readNamespace(pulumi.runtime.allConfig(), project), { project, stack: pulumi.getStack() });
}
