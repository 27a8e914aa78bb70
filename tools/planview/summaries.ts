/**
 * The settings a reviewer checks for each resource type (zone, ports, TTL, health check, DNS
 * target...), read from a recorded registration, with ids resolved back to logical names.
 */
import type { RecordedResource } from "../harness";
import { SECRET_MASK } from "../masks";

/** Settings of one resource shown in the plan, in display order. */
export type Summary = Record<string, string | number | boolean>;

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
