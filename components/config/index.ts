/**
 * Stack config -> validated StackSpec with every default applied. The config is read once; every
 * problem is collected and reported in one error before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { getProfile, type ServiceProfile } from "../profiles";
import { ghesHaWithDr, resolveDr } from "./dr-config";
import { resolveGhesBackup } from "./ghes-backup";
import { CONFIG_NAMESPACE, ConfigSchema, NodeSettings, ParsedConfig } from "./schema";
import { secretTexts } from "./secrets";
import { crossCheck } from "./validation";
import { problemsBehindSchemaErrors } from "./validation/behind";
import {
    type ConfigProblem,
    ConfigError,
    type LoadBalancerSpec,
    type ListenerSpec,
    type NetworkSpec,
    networkZones,
    type NodeSpec,
    type StackSpec,
} from "./spec";

export * from "./spec";
export { crossCheck } from "./validation";

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
    if (n.create)
        return {
            kind: "create",
            cidr: n.create.cidr,
            zones: n.create.zones,
            ...(n.create.zoneSlots ? { zoneSlots: n.create.zoneSlots } : {}),
        };
    const subnets = n.subnets ?? [];
    return { kind: "existing", vpcId: n.vpcId ?? "", subnets, loadBalancerSubnets: n.loadBalancerSubnets ?? subnets.map((s) => s.id) };
}

export interface SpecContext {
    readonly project: string;
    readonly stack: string;
    /** `aws:region` (or the provider's AWS_REGION / AWS_DEFAULT_REGION); undefined: not compared. */
    readonly region?: string;
}

/** Validates a stack's raw config (this project's keys, already JSON-decoded) into a StackSpec. */
export function parseSpec(raw: Record<string, unknown>, ctx: SpecContext): StackSpec {
    const parsed = ConfigSchema.safeParse(raw);
    if (!parsed.success) {
        // The cross-key, AWS-limit and safe-operation problems of the rest of the config, in the same error.
        const behind = problemsBehindSchemaErrors(raw, parsed.error, (cfg) => crossCheck(cfg, baseSpec(cfg, ctx), ctx.region).problems);
        throw new ConfigError(ctx.stack, [...zodProblems(parsed.error, raw), ...behind], ctx.project);
    }
    const cfg = parsed.data;
    const base = baseSpec(cfg, ctx);
    const { problems, warnings, relaxations } = crossCheck(cfg, base, ctx.region);
    if (problems.length > 0) throw new ConfigError(ctx.stack, problems, ctx.project);
    return { ...base, warnings, relaxations };
}

/** The spec of a schema-valid config, defaults applied, before the cross-key checks. */
function baseSpec(cfg: ParsedConfig, ctx: SpecContext): Omit<StackSpec, "warnings" | "relaxations"> {
    const profile = getProfile(cfg.profile);
    const nodes = nodeSpecs(cfg, profile);
    const loadBalancer = resolveLoadBalancer(cfg, profile);
    const network = resolveNetwork(cfg);
    const dr = resolveDr(cfg);
    const ghesBackup = resolveGhesBackup(cfg, { ...ctx, nodes, zones: networkZones(network) });
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
        network,
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
        ...(ghesBackup ? { ghesBackup } : {}),
        failoverSettings: cfg.failoverSettings,
        ghesHa: ghesHaWithDr(cfg.ghesHa, dr, cfg.profile),
        ...(dr ? { dr } : {}),
        tags: cfg.tags,
    } satisfies Omit<StackSpec, "warnings" | "relaxations">;
    return base;
}

/**
 * Reads this project's config from the running Pulumi program (once) and validates it. The config
 * namespace is the project name, so a team that renames the project keeps working.
 */
export function loadSpec(): StackSpec {
    const ctx = programContext();
    return parseSpec(readNamespace(pulumi.runtime.allConfig(), ctx.project), ctx);
}

/**
 * The texts of the running program's secret config keys in `project`'s namespace (config/secrets.ts),
 * read as loadSpec reads the config. Whether a key is secret is the SDK's own test (runtime/config.js
 * `isConfigSecret`, internal, not in its typings).
 */
export function loadSecretTexts(project: string): string[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const config = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (k: string) => boolean };
    const isSecret = config.isConfigSecret;
    if (typeof isSecret !== "function") {
        throw new Error("@pulumi/pulumi/runtime/config has no isConfigSecret: the SDK changed, revisit loadSecretTexts");
    }
    return secretTexts(pulumi.runtime.allConfig(), (k) => isSecret(k), project);
}

/** The running program's project, stack and AWS region (`aws:region`, else the provider's environment). */
export function programContext(): SpecContext {
    const region = pulumi.runtime.allConfig()["aws:region"] ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    return { project: pulumi.getProject(), stack: pulumi.getStack(), ...(region ? { region } : {}) };
}
