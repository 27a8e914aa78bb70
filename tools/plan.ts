/**
 * Offline plan: runs the real program (index.ts) for a stack file under the mock runtime and prints
 * what `pulumi up` would create, with the settings a reviewer checks for each resource.
 *
 *   npm run plan -- <stack> [--json] [--preview] [--stack-dir DIR] [--config-file PATH]
 *   npm run plan -- <stack> --diff <git-ref> [--json]   (what changes against the stack at the ref)
 *
 * The formatting is pure (`formatPlan`, `planJson`); the CLI at the bottom only wires it up.
 */
import * as path from "node:path";
import { runMain } from "./cli";
import { isCloudResource, maskOutputs, ProgramRun, PulumiProgram, RecordedResource, runProgram, SECRET_MASK } from "./harness";
import { failoverLines, isFailoverAnalysis, isRunbookList, runbookLines } from "./failover";
import { formatPlanDiff, materializeRef, planAtRef, planDiff, type RefTree } from "./plandiff";
import { DEFAULT_PROJECT, DEFAULT_STACK_DIR, listStacks, readConfigFile, readStackFile } from "./stackfile";

/** Settings of one resource shown in the plan, in display order. */
export type Summary = Record<string, string | number | boolean>;

export interface PlanOptions {
    /** Maximum line width before a resource's summary wraps onto the next line (default 160). */
    width?: number;
}

export interface PlanHeader {
    stack: string;
    project: string;
    topology?: string;
    profile?: string;
    primary?: string;
    warnings: string[];
    /** Secure defaults the stack relaxed (the `relaxations` output), one line each. */
    relaxations: string[];
}

// ---------------------------------------------------------------------------------------------
// Helpers

type Inputs = Record<string, unknown>;

function get(obj: unknown, ...keys: (string | number)[]): unknown {
    let cur: unknown = obj;
    for (const k of keys) {
        if (cur === null || cur === undefined || typeof cur !== "object") {
            return undefined;
        }
        cur = (cur as Record<string | number, unknown>)[k];
    }
    return cur;
}

function firstOf(v: unknown): unknown {
    return Array.isArray(v) ? v[0] : v;
}

/** Short display of a type token, as `pulumi up` shows it: `aws:ec2/instance:Instance` -> `aws:ec2:Instance`. */
export function displayType(type: string): string {
    const m = /^([^:]+):([^:/]+)\/[^:]+:([^:]+)$/.exec(type);
    return m ? `${m[1]}:${m[2]}:${m[3]}` : type;
}

/** Resolves ids, ARNs and DNS names of recorded resources to their logical names. */
export class NameIndex {
    private readonly names = new Map<string, string>();

    constructor(resources: readonly RecordedResource[]) {
        for (const r of resources) {
            if (!r.custom) {
                continue;
            }
            for (const v of [r.id, r.state?.arn, r.state?.dnsName, r.urn]) {
                if (typeof v === "string" && v !== "" && !this.names.has(v)) {
                    this.names.set(v, r.name);
                }
            }
        }
    }

    /** The logical name behind an id/ARN, or the value itself. */
    ref(v: unknown): unknown {
        if (typeof v === "string" && this.names.has(v)) {
            return this.names.get(v);
        }
        if (Array.isArray(v)) {
            return v.map((x) => this.ref(x));
        }
        return v;
    }
}

function onOff(v: unknown, whenUnset: string): string {
    if (v === true) {
        return "on";
    }
    if (v === false) {
        return "off";
    }
    return whenUnset;
}

function portRange(from: unknown, to: unknown): string | undefined {
    if (from === undefined && to === undefined) {
        return undefined;
    }
    if (from === to || to === undefined) {
        return String(from);
    }
    if (from === -1 || from === undefined) {
        return "all";
    }
    return `${String(from)}-${String(to)}`;
}

function put(s: Summary, key: string, v: unknown): void {
    if (v === undefined || v === null || v === "") {
        return;
    }
    if (Array.isArray(v)) {
        if (v.length === 0) {
            return;
        }
        s[key] = v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(",");
        return;
    }
    if (typeof v === "object") {
        s[key] = JSON.stringify(v);
        return;
    }
    s[key] = v as string | number | boolean;
}

function truncate(s: string, max: number): string {
    return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

// ---------------------------------------------------------------------------------------------
// Per-type summaries

type Summarizer = (inputs: Inputs, r: RecordedResource, names: NameIndex) => Summary;

function ruleSummary(inputs: Inputs, r: RecordedResource, names: NameIndex): Summary {
    const s: Summary = {};
    const proto = inputs.ipProtocol ?? inputs.protocol;
    put(s, "protocol", proto === "-1" ? "all" : proto);
    put(s, "ports", proto === "-1" ? undefined : portRange(inputs.fromPort, inputs.toPort));
    const group = inputs.securityGroupId;
    const referenced = inputs.referencedSecurityGroupId ?? inputs.sourceSecurityGroupId;
    const direction = r.type.includes("Egress") || inputs.type === "egress" ? "to" : "from";
    if (inputs.self === true || (referenced !== undefined && referenced === group)) {
        put(s, direction, "self");
    } else if (referenced !== undefined) {
        put(s, direction, `sg:${String(names.ref(referenced))}`);
    } else {
        put(
            s,
            direction,
            inputs.cidrIpv4 ?? inputs.cidrIpv6 ?? inputs.cidrBlocks ?? inputs.ipv6CidrBlocks ?? inputs.prefixListId ?? inputs.prefixListIds,
        );
    }
    put(s, "group", names.ref(group));
    put(s, "description", inputs.description ?? "(none)");
    return s;
}

const SUMMARIZERS: Record<string, Summarizer> = {
    "aws:ec2/instance:Instance": (i, _r, names) => {
        const s: Summary = {};
        put(s, "zone", i.availabilityZone);
        put(s, "subnet", names.ref(i.subnetId));
        put(s, "type", i.instanceType);
        put(s, "ami", i.ami);
        put(s, "imds", get(i, "metadataOptions", "httpTokens") ?? "optional(default)");
        put(s, "publicIp", onOff(i.associatePublicIpAddress, "subnet-default"));
        put(s, "rootEncrypted", get(i, "rootBlockDevice", "encrypted") === true ? "yes" : "no");
        put(s, "monitoring", onOff(i.monitoring, "off"));
        put(s, "ebsOptimized", onOff(i.ebsOptimized, "default"));
        put(s, "profile", names.ref(i.iamInstanceProfile));
        return s;
    },
    "aws:ebs/volume:Volume": (i) => {
        const s: Summary = {};
        put(s, "zone", i.availabilityZone);
        put(s, "size", i.size !== undefined ? `${String(i.size)}GiB` : undefined);
        put(s, "type", i.type ?? "gp2(default)");
        put(s, "encrypted", i.encrypted === true ? "yes" : "no");
        return s;
    },
    "aws:ec2/volumeAttachment:VolumeAttachment": (i, _r, names) => {
        const s: Summary = {};
        put(s, "device", i.deviceName);
        put(s, "volume", names.ref(i.volumeId));
        put(s, "instance", names.ref(i.instanceId));
        return s;
    },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ruleSummary,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ruleSummary,
    "aws:ec2/securityGroupRule:SecurityGroupRule": (i, r, names) => ({ direction: String(i.type), ...ruleSummary(i, r, names) }),
    "aws:ec2/securityGroup:SecurityGroup": (i, _r, names) => {
        const s: Summary = {};
        put(s, "vpc", names.ref(i.vpcId));
        put(s, "inlineIngress", Array.isArray(i.ingress) && i.ingress.length > 0 ? i.ingress.length : undefined);
        put(s, "inlineEgress", Array.isArray(i.egress) && i.egress.length > 0 ? i.egress.length : undefined);
        put(s, "description", i.description ?? "(default)");
        return s;
    },
    "aws:lb/targetGroup:TargetGroup": (i) => {
        const s: Summary = {};
        put(s, "port", i.port !== undefined ? `${String(i.port)}/${String(i.protocol ?? "?")}` : undefined);
        put(s, "target", i.targetType ?? "instance");
        const hc = i.healthCheck as Inputs | undefined;
        if (hc && hc.enabled === false) {
            put(s, "health", "DISABLED");
        } else if (hc) {
            const where = [hc.protocol, hc.port !== undefined ? `:${String(hc.port)}` : "", hc.path ?? ""]
                .filter((x) => x !== undefined)
                .join("");
            put(s, "health", where || "default");
            put(s, "every", hc.interval !== undefined ? `${String(hc.interval)}s` : "30s(default)");
            put(s, "timeout", hc.timeout !== undefined ? `${String(hc.timeout)}s` : undefined);
            put(s, "healthy", hc.healthyThreshold);
            put(s, "unhealthy", hc.unhealthyThreshold);
            put(s, "matcher", hc.matcher);
        } else {
            put(s, "health", "default");
        }
        put(s, "deregDelay", i.deregistrationDelay !== undefined ? `${String(i.deregistrationDelay)}s` : "300s(default)");
        put(s, "proxyV2", i.proxyProtocolV2);
        return s;
    },
    "aws:lb/targetGroupAttachment:TargetGroupAttachment": (i, _r, names) => {
        const s: Summary = {};
        put(s, "group", names.ref(i.targetGroupArn));
        put(s, "target", names.ref(i.targetId));
        put(s, "port", i.port);
        return s;
    },
    "aws:lb/listener:Listener": (i, _r, names) => {
        const s: Summary = {};
        put(s, "port", i.port !== undefined ? `${String(i.port)}/${String(i.protocol ?? "?")}` : undefined);
        put(s, "lb", names.ref(i.loadBalancerArn));
        put(s, "sslPolicy", i.sslPolicy);
        const action = firstOf(i.defaultActions) as Inputs | undefined;
        if (action) {
            put(s, "action", action.type);
            if (action.type === "forward") {
                put(s, "to", names.ref(action.targetGroupArn ?? get(action, "forward", "targetGroups", 0, "arn")));
            } else if (action.type === "redirect") {
                const rd = action.redirect as Inputs | undefined;
                put(
                    s,
                    "to",
                    rd
                        ? `${String(rd.protocol ?? "#{protocol}")}:${String(rd.port ?? "#{port}")} ${String(rd.statusCode ?? "")}`.trim()
                        : undefined,
                );
            } else if (action.type === "fixed-response") {
                put(s, "status", get(action, "fixedResponse", "statusCode"));
            }
        }
        return s;
    },
    "aws:lb/loadBalancer:LoadBalancer": (i) => {
        const s: Summary = {};
        put(s, "type", i.loadBalancerType ?? "application");
        put(s, "internal", i.internal === true ? "yes" : "no");
        put(s, "deletionProtection", onOff(i.enableDeletionProtection, "off"));
        if ((i.loadBalancerType ?? "application") === "application") {
            put(s, "dropInvalidHeaders", onOff(i.dropInvalidHeaderFields, "off"));
        }
        put(s, "accessLogs", get(i, "accessLogs", "enabled") === false ? "off" : (get(i, "accessLogs", "bucket") ?? "off"));
        put(s, "crossZone", i.enableCrossZoneLoadBalancing);
        return s;
    },
    "aws:route53/record:Record": (i, _r, names) => {
        const s: Summary = {};
        put(s, "name", i.name);
        put(s, "type", i.type);
        const alias = firstOf(i.aliases) as Inputs | undefined;
        if (alias) {
            put(s, "alias", alias.name);
            put(s, "evaluateHealth", alias.evaluateTargetHealth);
        } else {
            put(s, "ttl", i.ttl);
            put(s, "records", i.records);
        }
        put(s, "setId", i.setIdentifier);
        put(s, "failover", get(i, "failoverRoutingPolicies", 0, "type"));
        put(s, "weight", get(i, "weightedRoutingPolicies", 0, "weight"));
        put(s, "healthCheck", names.ref(i.healthCheckId));
        return s;
    },
    "aws:route53/healthCheck:HealthCheck": (i) => {
        const s: Summary = {};
        put(s, "type", i.type);
        put(s, "target", i.fqdn ?? i.ipAddress);
        put(s, "port", i.port);
        put(s, "path", i.resourcePath);
        put(s, "every", i.requestInterval !== undefined ? `${String(i.requestInterval)}s` : undefined);
        put(s, "failures", i.failureThreshold);
        put(s, "alarm", i.cloudwatchAlarmName);
        return s;
    },
    "aws:ssm/parameter:Parameter": (i, r) => {
        const s: Summary = {};
        put(s, "name", i.name ?? r.name);
        put(s, "type", i.type);
        const secret = r.secretPaths.includes("value");
        put(s, "value", secret ? SECRET_MASK : typeof i.value === "string" ? truncate(i.value, 40) : i.value);
        return s;
    },
    "aws:ssm/document:Document": (i, r) => {
        const s: Summary = {};
        put(s, "name", i.name ?? r.name);
        put(s, "type", i.documentType);
        put(s, "format", i.documentFormat);
        return s;
    },
    "aws:ssm/association:Association": (i, _r, names) => {
        const s: Summary = {};
        put(s, "document", names.ref(i.name));
        const targets = Array.isArray(i.targets)
            ? (i.targets as Inputs[]).map((t) => `${String(t.key)}=${([] as unknown[]).concat(names.ref(t.values) as unknown[]).join("+")}`)
            : undefined;
        put(s, "targets", targets);
        put(s, "schedule", i.scheduleExpression);
        put(s, "parameters", i.parameters !== undefined ? Object.keys(i.parameters as object).join(",") : undefined);
        return s;
    },
    "random:index/randomPassword:RandomPassword": (i) => {
        const s: Summary = {};
        put(s, "length", i.length);
        put(s, "special", i.special);
        return s;
    },
    "aws:ec2/vpc:Vpc": (i) => {
        const s: Summary = {};
        put(s, "cidr", i.cidrBlock);
        put(s, "dnsHostnames", i.enableDnsHostnames);
        return s;
    },
    "aws:ec2/subnet:Subnet": (i, _r, names) => {
        const s: Summary = {};
        put(s, "cidr", i.cidrBlock);
        put(s, "zone", i.availabilityZone);
        put(s, "vpc", names.ref(i.vpcId));
        put(s, "publicIpOnLaunch", i.mapPublicIpOnLaunch);
        return s;
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": (i, _r, names) => {
        const s: Summary = {};
        put(s, "metric", i.namespace !== undefined ? `${String(i.namespace)}/${String(i.metricName)}` : i.metricName);
        put(s, "when", i.comparisonOperator !== undefined ? `${String(i.comparisonOperator)} ${String(i.threshold)}` : undefined);
        put(s, "periods", i.evaluationPeriods !== undefined ? `${String(i.evaluationPeriods)}x${String(i.period ?? "?")}s` : undefined);
        put(s, "missing", i.treatMissingData);
        const dims = i.dimensions as Inputs | undefined;
        put(s, "of", dims ? Object.values(dims).map((v) => String(names.ref(v))) : undefined);
        put(
            s,
            "actions",
            Array.isArray(i.alarmActions)
                ? i.alarmActions.map((a) => (/:ec2:recover$/.test(String(a)) ? "recover" : names.ref(a)))
                : undefined,
        );
        return s;
    },
    "aws:sns/topic:Topic": (i, _r, names) => {
        const s: Summary = {};
        put(s, "name", i.name);
        put(s, "kms", names.ref(i.kmsMasterKeyId) ?? "none");
        return s;
    },
    "aws:sns/topicSubscription:TopicSubscription": (i, _r, names) => {
        const s: Summary = {};
        put(s, "topic", names.ref(i.topic));
        put(s, "protocol", i.protocol);
        put(s, "endpoint", i.endpoint);
        return s;
    },
    "aws:kms/key:Key": (i) => {
        const s: Summary = {};
        put(s, "rotation", onOff(i.enableKeyRotation, "off"));
        put(s, "description", i.description);
        return s;
    },
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": (i, _r, names) => {
        const s: Summary = {};
        put(s, "state", i.state);
        const targets = get(i, "policyDetails", "targetTags") as Record<string, unknown> | undefined;
        put(s, "targets", targets ? Object.entries(targets).map(([k, v]) => `${k}=${String(v)}`) : undefined);
        put(
            s,
            "every",
            get(i, "policyDetails", "schedules", 0, "createRule", "interval") !== undefined
                ? `${String(get(i, "policyDetails", "schedules", 0, "createRule", "interval"))}h`
                : undefined,
        );
        put(s, "at", get(i, "policyDetails", "schedules", 0, "createRule", "times"));
        put(s, "keep", get(i, "policyDetails", "schedules", 0, "retainRule", "count"));
        put(s, "role", names.ref(i.executionRoleArn));
        return s;
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (i, _r, names) => {
        const s: Summary = {};
        put(s, "role", names.ref(i.role));
        put(s, "policy", i.policyArn);
        return s;
    },
};

/** The reviewer-facing settings of one resource (empty for types without a summarizer). */
export function summarize(r: RecordedResource, names: NameIndex = new NameIndex([r])): Summary {
    const f = SUMMARIZERS[r.type];
    if (!f) {
        return {};
    }
    // Never show real secret values: summarize the masked inputs (unknowns show as "(unknown)").
    return f(r.maskedInputs, r, names);
}

/** Resource options worth a reviewer's attention (only those set). */
export function optionFlags(r: RecordedResource): Summary {
    const s: Summary = {};
    if (r.protect) {
        s.protect = true;
    }
    if (r.retainOnDelete) {
        s.retainOnDelete = true;
    }
    if (r.ignoreChanges.length > 0) {
        s.ignoreChanges = r.ignoreChanges.join(",");
    }
    if (r.replaceOnChanges.length > 0) {
        s.replaceOnChanges = r.replaceOnChanges.join(",");
    }
    if (r.deleteBeforeReplace) {
        s.deleteBeforeReplace = true;
    }
    return s;
}

function renderValue(v: string | number | boolean): string {
    const str = String(v);
    return /[\s"]/.test(str) || str === "" ? JSON.stringify(str) : str;
}

function renderPairs(s: Summary): string[] {
    return Object.entries(s).map(([k, v]) => (v === true ? k : `${k}=${renderValue(v)}`));
}

// ---------------------------------------------------------------------------------------------
// Header and tree

function asLabel(v: unknown): string | undefined {
    if (v === undefined || v === null) {
        return undefined;
    }
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
        return String(v);
    }
    if (typeof v === "object") {
        for (const k of ["name", "key", "kind", "id"]) {
            const x = (v as Record<string, unknown>)[k];
            if (typeof x === "string") {
                return x;
            }
        }
        return JSON.stringify(v);
    }
    return String(v);
}

function textList(v: unknown): string[] {
    return Array.isArray(v) ? v.map((w) => (typeof w === "string" ? w : JSON.stringify(w))) : [];
}

/** Stack, topology, profile, primary, warnings and relaxations, from the stack outputs (and config as fallback). */
export function planHeader(run: ProgramRun): PlanHeader {
    const o = run.outputs;
    const cfg = (k: string) => run.config[`${run.project}:${k}`];
    const warnings = textList(o.warnings);
    return {
        stack: run.stack,
        project: run.project,
        topology: asLabel(o.topology) ?? cfg("topology"),
        profile: asLabel(o.profile) ?? asLabel(o.service) ?? cfg("profile") ?? cfg("service"),
        primary: asLabel(o.primary),
        warnings,
        relaxations: textList(o.relaxations),
    };
}

interface TreeNode {
    r: RecordedResource;
    children: TreeNode[];
}

/** Resources arranged by parent URN, siblings in registration order. */
export function resourceTree(resources: readonly RecordedResource[]): TreeNode[] {
    const nodes = new Map<string, TreeNode>();
    for (const r of resources) {
        nodes.set(r.urn, { r, children: [] });
    }
    const roots: TreeNode[] = [];
    for (const r of resources) {
        const node = nodes.get(r.urn)!;
        const parent = r.parent ? nodes.get(r.parent) : undefined;
        if (parent && parent !== node) {
            parent.children.push(node);
        } else {
            roots.push(node);
        }
    }
    return roots;
}

/** `head  k=v k=v ...`, continuing on lines starting with `contPrefix` when longer than `width`. */
function wrapLine(head: string, pairs: string[], contPrefix: string, width: number): string[] {
    const out: string[] = [];
    let cur = head;
    let sep = "  ";
    for (const p of pairs) {
        // Break before `p` if it does not fit, unless the line is an empty continuation line.
        if (cur.length + sep.length + p.length > width && cur !== contPrefix) {
            out.push(cur);
            cur = contPrefix;
            sep = "";
        }
        cur += sep + p;
        sep = " ";
    }
    out.push(cur);
    return out;
}

function formatValue(v: unknown, indent: string): string {
    if (typeof v === "string") {
        return v;
    }
    if (v === undefined) {
        return "(undefined)";
    }
    const compact = JSON.stringify(v);
    if (compact === undefined) {
        return String(v);
    }
    if (compact.length <= 100) {
        return compact;
    }
    return JSON.stringify(v, null, 2)
        .split("\n")
        .map((l, i) => (i === 0 ? l : indent + l))
        .join("\n");
}

/** The count line: `N resources (M AWS)` (N counts every registration, stack and components included). */
export function countLine(run: ProgramRun): string {
    const aws = run.resources.filter((r) => r.type.startsWith("aws:")).length;
    return `${run.resources.length} resources (${aws} AWS)`;
}

/** The human-readable plan. */
export function formatPlan(run: ProgramRun, opts: PlanOptions = {}): string {
    const width = opts.width ?? 160;
    const h = planHeader(run);
    const lines: string[] = [];
    lines.push(`stack: ${h.stack}  (project ${h.project}${run.preview ? ", preview" : ""})`);
    const topo = [`topology: ${h.topology ?? "?"}`, `profile: ${h.profile ?? "?"}`];
    if (h.primary !== undefined) {
        topo.push(`primary: ${h.primary}`);
    }
    lines.push(topo.join("  "));
    for (const w of h.warnings) {
        lines.push(`warning: ${w}`);
    }
    for (const r of h.relaxations) {
        lines.push(`relaxed: ${r}`);
    }
    if (run.error) {
        lines.push(`error: ${run.error.message}`);
    }
    lines.push("");
    lines.push("resources:");
    const names = new NameIndex(run.resources);
    const walk = (node: TreeNode, prefix: string, childPrefix: string) => {
        const r = node.r;
        const pairs = [...renderPairs(summarize(r, names))];
        const flags = renderPairs(optionFlags(r));
        if (flags.length > 0) {
            pairs.push(`[${flags.join(" ")}]`);
        }
        const head = `${prefix}${displayType(r.type)}  ${r.name}`;
        const cont = `${childPrefix}${node.children.length > 0 ? "│" : " "}      `;
        lines.push(...wrapLine(head, pairs, cont, width));
        node.children.forEach((c, i) => {
            const last = i === node.children.length - 1;
            walk(c, `${childPrefix}${last ? "└─ " : "├─ "}`, `${childPrefix}${last ? "   " : "│  "}`);
        });
    };
    for (const root of resourceTree(run.resources)) {
        walk(root, "", "");
    }
    lines.push("");
    lines.push("outputs:");
    const masked = maskOutputs(run);
    const keys = Object.keys(masked);
    if (keys.length === 0) {
        lines.push("  (none)");
    }
    const failover = masked.failoverAnalysis;
    const runbooks = masked.runbooks;
    for (const k of keys) {
        if (k === "failoverAnalysis" && isFailoverAnalysis(failover)) {
            lines.push(`  ${k}: ${failover.scenarios.length} scenarios (below)`);
        } else if (k === "runbooks" && isRunbookList(runbooks)) {
            lines.push(`  ${k}: ${runbooks.map((r) => r.key).join(", ")} (below)`);
        } else {
            lines.push(`  ${k}: ${formatValue(masked[k], "  ")}`);
        }
    }
    if (isFailoverAnalysis(failover)) lines.push("", ...failoverLines(failover, width));
    if (isRunbookList(runbooks)) lines.push("", ...runbookLines(runbooks, width));
    lines.push("");
    lines.push(countLine(run));
    return `${lines.join("\n")}\n`;
}

export interface PlanJsonResource {
    type: string;
    name: string;
    urn: string;
    parent?: string;
    custom: boolean;
    id?: string;
    summary: Summary;
    options: {
        protect?: boolean;
        retainOnDelete?: boolean;
        ignoreChanges: string[];
        replaceOnChanges: string[];
        deleteBeforeReplace: boolean;
        dependencies: string[];
        aliases: string[];
        provider?: string;
        additionalSecretOutputs: string[];
    };
    /** Inputs with secrets as "[secret]" and unknowns as "(unknown)". */
    inputs: Record<string, unknown>;
    secretPaths: string[];
}

export interface PlanJson extends PlanHeader {
    preview: boolean;
    error?: string;
    resources: PlanJsonResource[];
    outputs: Record<string, unknown>;
    secretOutputs: string[];
    counts: { resources: number; aws: number; cloud: number };
}

/** The same plan as one JSON-serialisable document (secrets masked). */
export function planJson(run: ProgramRun): PlanJson {
    const names = new NameIndex(run.resources);
    return {
        ...planHeader(run),
        preview: run.preview,
        ...(run.error ? { error: run.error.message } : {}),
        resources: run.resources.map((r) => ({
            type: r.type,
            name: r.name,
            urn: r.urn,
            parent: r.parent,
            custom: r.custom,
            id: r.id,
            summary: summarize(r, names),
            options: {
                protect: r.protect,
                retainOnDelete: r.retainOnDelete,
                ignoreChanges: r.ignoreChanges,
                replaceOnChanges: r.replaceOnChanges,
                deleteBeforeReplace: r.deleteBeforeReplace,
                dependencies: r.dependencies,
                aliases: r.aliases,
                provider: r.provider,
                additionalSecretOutputs: r.additionalSecretOutputs,
            },
            inputs: r.maskedInputs,
            secretPaths: r.secretPaths,
        })),
        outputs: maskOutputs(run),
        secretOutputs: run.secretOutputs,
        counts: {
            resources: run.resources.length,
            aws: run.resources.filter((r) => r.type.startsWith("aws:")).length,
            cloud: run.resources.filter(isCloudResource).length,
        },
    };
}

// ---------------------------------------------------------------------------------------------
// CLI

export interface CliArgs {
    stack?: string;
    json: boolean;
    preview: boolean;
    stackDir: string;
    configFile?: string;
    /** Git ref to compare the stack's plan with (`--diff`). */
    diff?: string;
    help: boolean;
}

export function parseArgs(argv: readonly string[]): CliArgs {
    const args: CliArgs = { json: false, preview: false, stackDir: DEFAULT_STACK_DIR, help: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = (): string => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) {
                throw new Error(`${a} needs a value`);
            }
            return v;
        };
        if (a === "--json") {
            args.json = true;
        } else if (a === "--preview") {
            args.preview = true;
        } else if (a === "--stack-dir") {
            args.stackDir = value();
        } else if (a.startsWith("--stack-dir=")) {
            args.stackDir = a.slice("--stack-dir=".length);
        } else if (a === "--config-file") {
            args.configFile = value();
        } else if (a.startsWith("--config-file=")) {
            args.configFile = a.slice("--config-file=".length);
        } else if (a === "--diff") {
            args.diff = value();
        } else if (a.startsWith("--diff=")) {
            args.diff = a.slice("--diff=".length);
        } else if (a === "-h" || a === "--help") {
            args.help = true;
        } else if (a.startsWith("-")) {
            throw new Error(`unknown option ${a}`);
        } else if (args.stack === undefined) {
            args.stack = a;
        } else {
            throw new Error(`unexpected argument ${a}`);
        }
    }
    return args;
}

const USAGE =
    "usage: npm run plan -- <stack> [--json] [--preview] [--stack-dir DIR] [--config-file PATH]\n" +
    "       npm run plan -- <stack> --diff <git-ref> [--json] [--stack-dir DIR]";

/** Loads the real program lazily (after setMocks), accepting `export =` or a default export. */
export function loadProgram(modulePath: string = path.join(__dirname, "..", "index")): PulumiProgram {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(modulePath);
    const fn = typeof mod === "function" ? mod : (mod?.default ?? mod?.program);
    if (typeof fn !== "function") {
        throw new Error(`${modulePath} does not export a program function (expected \`export = program\`)`);
    }
    return fn as PulumiProgram;
}

export interface CliIo {
    stdout: (s: string) => void;
    stderr: (s: string) => void;
    /** The program to run; default: index.ts loaded when the run starts. */
    program?: PulumiProgram;
}

/** The CLI; returns the exit code. */
export async function main(
    argv: readonly string[],
    io: CliIo = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) },
): Promise<number> {
    let args: CliArgs;
    try {
        args = parseArgs(argv);
    } catch (e) {
        io.stderr(`${(e as Error).message}\n${USAGE}\n`);
        return 2;
    }
    if (args.help) {
        io.stdout(`${USAGE}\n`);
        return 0;
    }
    if (args.diff !== undefined && (args.configFile !== undefined || args.stack === undefined)) {
        io.stderr(`--diff compares a stack file at two commits: give a stack name, not --config-file\n${USAGE}\n`);
        return 2;
    }
    let config: Record<string, string>;
    let stack: string;
    try {
        if (args.configFile) {
            stack = args.stack ?? /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(args.configFile))?.[1] ?? "test";
            config = readConfigFile(args.configFile, DEFAULT_PROJECT);
        } else if (args.stack === undefined) {
            const stacks = listStacks(args.stackDir);
            io.stderr(`${USAGE}\navailable stacks: ${stacks.length > 0 ? stacks.join(", ") : `(none in ${args.stackDir})`}\n`);
            return 1;
        } else {
            stack = args.stack;
            config = readStackFile(stack, args.stackDir, DEFAULT_PROJECT);
        }
    } catch (e) {
        io.stderr(`error: ${(e as Error).message}\n`);
        return 1;
    }

    const program: PulumiProgram = io.program ?? (() => loadProgram()());
    let tree: RefTree | undefined;
    try {
        // Resolve the ref before running anything: a typo should fail fast.
        tree = args.diff === undefined ? undefined : materializeRef(args.diff, PROJECT_DIR);
    } catch (e) {
        io.stderr(`error: ${(e as Error).message}\n`);
        return 1;
    }
    try {
        // Keep stdout clean for --json: the SDK prints pulumi.log.info to console.log under mocks.
        const savedLog = console.log;
        if (args.json) {
            console.log = (...a: unknown[]) => console.error(...a);
        }
        let run: ProgramRun;
        try {
            run = await runProgram(program, { stack, project: DEFAULT_PROJECT, config, preview: args.preview });
        } finally {
            console.log = savedLog;
        }
        if (run.error) {
            io.stderr(`error: stack ${stack}: ${run.error.message}\n`);
            return 1;
        }
        for (const r of run.unhandledRejections) {
            io.stderr(`warning: unhandled rejection during the run: ${r instanceof Error ? r.message : String(r)}\n`);
        }
        if (tree !== undefined && args.diff !== undefined) {
            return await diffAgainstRef(tree, args.diff, stack, args, run, io);
        }
        io.stdout(args.json ? `${JSON.stringify(planJson(run), null, 2)}\n` : formatPlan(run));
        return 0;
    } finally {
        tree?.cleanup();
    }
}

const PROJECT_DIR = path.join(__dirname, "..");

/** The plan diff of `stack` between the materialised ref and the working tree's run. */
async function diffAgainstRef(tree: RefTree, ref: string, stack: string, args: CliArgs, after: ProgramRun, io: CliIo): Promise<number> {
    let before: ProgramRun | undefined;
    try {
        before = await planAtRef(tree, stack, { projectDir: PROJECT_DIR, stackDir: args.stackDir });
    } catch (e) {
        io.stderr(`error: ${(e as Error).message}\n`);
        return 1;
    }
    const d = planDiff(before, after, ref, tree.commit);
    io.stdout(args.json ? `${JSON.stringify(d, null, 2)}\n` : formatPlanDiff(d));
    return 0;
}

if (require.main === module) runMain(main);
