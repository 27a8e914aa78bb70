/**
 * Pure helpers of the policy pack: reading resource properties the way the engine hands them over
 * (unknown during preview, several shapes of security-group rule), and the facts the rules compare
 * against. No policy is defined here.
 */
import * as policySdk from "@pulumi/policy";
import { type PortSpec, profiles } from "../components/profiles";

/**
 * The policy SDK exports these at runtime, but its typings drop them (they are marked internal).
 * The proxy throws `UnknownValueError` when a policy reads a value unknown during preview.
 */
export const { UnknownValueError, unknownCheckingProxy } = policySdk as unknown as {
    UnknownValueError: new (...args: never[]) => Error;
    unknownCheckingProxy<V extends object>(value: V): V;
};

/** Resource type tokens the policies look at. */
export const T = {
    stack: "pulumi:pulumi:Stack",
    nodeGroup: "hatopo:compute:NodeGroup",
    dnsRecords: "hatopo:dns:DnsRecords",
    instance: "aws:ec2/instance:Instance",
    volume: "aws:ebs/volume:Volume",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    record: "aws:route53/record:Record",
} as const;

type Props = Record<string, unknown>;

/** Unknown during preview: the value depends on another resource not created yet. */
export const UNKNOWN = Symbol("unknown during preview");

/**
 * Reads a property without tripping the policy SDK's preview proxy, which throws on unknown values.
 * A value that is unknown now (an ARN, an id) is set by the program, so most rules treat it as set.
 */
export function peek<T>(read: () => T): T | typeof UNKNOWN {
    try {
        return read();
    } catch (e) {
        if (e instanceof UnknownValueError) return UNKNOWN;
        throw e;
    }
}

export function isRecord(v: unknown): v is Props {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function list(v: unknown): unknown[] {
    return Array.isArray(v) ? v : [];
}

function strings(v: unknown): string[] {
    return list(v).filter((x): x is string => typeof x === "string");
}

/** The whole IPv4 or IPv6 internet. */
export function isWorld(cidr: string): boolean {
    return cidr.trim().endsWith("/0");
}

/** One security-group rule, whichever of the three AWS resource shapes declared it. */
export interface RuleView {
    readonly direction: "ingress" | "egress";
    /** `tcp`, `udp`, `icmp`, ... or `-1` for every protocol. */
    readonly protocol: string;
    readonly fromPort: number;
    readonly toPort: number;
    readonly cidrs: readonly string[];
    readonly description: string | undefined | typeof UNKNOWN;
}

function ruleOf(direction: RuleView["direction"], r: Props, protocolKey: string, cidrs: string[]): RuleView {
    const protocol = String(r[protocolKey] ?? "-1").toLowerCase();
    const every = protocol === "-1" || protocol === "all";
    return {
        direction,
        protocol: every ? "-1" : protocol,
        fromPort: every ? 0 : Number(r.fromPort ?? 0),
        toPort: every ? 65535 : Number(r.toPort ?? 65535),
        cidrs,
        description: peek(() => (typeof r.description === "string" ? r.description : undefined)),
    };
}

/** The rules a resource declares: a standalone rule, or a security group's inline rules. */
export function securityRules(type: string, props: Props): RuleView[] {
    const cidrs = (r: Props) => [...strings(peek(() => r.cidrBlocks)), ...strings(peek(() => r.ipv6CidrBlocks))];
    switch (type) {
        case T.ingressRule:
        case T.egressRule: {
            const one = [peek(() => props.cidrIpv4), peek(() => props.cidrIpv6)].filter((c): c is string => typeof c === "string");
            return [ruleOf(type === T.ingressRule ? "ingress" : "egress", props, "ipProtocol", one)];
        }
        case T.securityGroupRule:
            return [ruleOf(props.type === "egress" ? "egress" : "ingress", props, "protocol", cidrs(props))];
        case T.securityGroup:
            return (["ingress", "egress"] as const).flatMap((direction) =>
                list(peek(() => props[direction]))
                    .filter(isRecord)
                    .map((r) => ruleOf(direction, r, "protocol", cidrs(r))),
            );
        default:
            return [];
    }
}

/** Ports a rule opens, or undefined when it opens more than `limit` (then it is too wide anyway). */
export function portsOf(rule: RuleView, limit = 1024): number[] | undefined {
    if (rule.toPort - rule.fromPort >= limit) return undefined;
    return Array.from({ length: rule.toPort - rule.fromPort + 1 }, (_, i) => rule.fromPort + i);
}

export function describeRule(rule: RuleView): string {
    const ports =
        rule.protocol === "-1"
            ? "every port"
            : rule.fromPort === rule.toPort
              ? `${rule.protocol}/${rule.fromPort}`
              : `${rule.protocol}/${rule.fromPort}-${rule.toPort}`;
    return `${rule.direction} ${ports} ${rule.direction === "ingress" ? "from" : "to"} ${rule.cidrs.join(", ")}`;
}

/**
 * Admin and replication ports of every service profile (`8443/tcp` -> `admin port of generic:
 * management console`), so a violation says what the port is for.
 */
export function sensitivePorts(): ReadonlyMap<string, string> {
    const out = new Map<string, string>();
    for (const p of Object.values(profiles)) {
        const groups: [string, readonly PortSpec[]][] = [
            ["admin", p.ports.admin],
            // Node-to-node ports differ by topology (GHES HA vs cluster); every one is sensitive.
            ...p.topologies.map((t): [string, readonly PortSpec[]] => [`${t} replication`, p.ports.replication[t]]),
        ];
        for (const [kind, ports] of groups) {
            for (const port of ports) {
                const key = `${port.port}/${port.protocol}`;
                const what = `${kind} port of ${p.name}: ${port.description}`;
                if (!out.get(key)?.includes(what)) out.set(key, out.has(key) ? `${out.get(key)}; ${what}` : what);
            }
        }
    }
    return out;
}

/**
 * ELB security policies that allow only TLS 1.2 and newer (ELBSecurityPolicy-TLS13-1-2-*,
 * -TLS-1-2-*, -FS-1-2-*, and their FIPS variants). `ELBSecurityPolicy-2016-08`, the AWS default,
 * still allows TLS 1.0.
 */
export function isTls12Policy(policy: string): boolean {
    return /^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)(-|$)/.test(policy);
}

/** Patterns of secrets that must never be in user data (readable by anything on the node via IMDS). */
const SECRET_PATTERNS: readonly [string, RegExp][] = [
    ["an AWS access key id", /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
    ["a private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
    ["an AWS secret access key", /aws_secret_access_key\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}/i],
    // A literal value after a secret-looking key; shell variables, SSM parameter paths and templates are references, not secrets.
    ["a password or token assigned in clear", /(password|passwd|pwd|secret|token|api[_-]?key)\s*[:=]\s*["']?(?![$/{])[^\s"'$]{8,}/i],
];

/** What kind of secret a user-data text seems to contain, if any. */
export function secretIn(text: string): string | undefined {
    return SECRET_PATTERNS.find(([, re]) => re.test(text))?.[0];
}

/** User data as text, decoding the base64 form. */
export function userDataText(props: Props): string {
    const plain = peek(() => props.userData);
    const b64 = peek(() => props.userDataBase64);
    const parts = [typeof plain === "string" ? plain : ""];
    if (typeof b64 === "string") parts.push(Buffer.from(b64, "base64").toString("utf8"));
    return parts.join("\n");
}
