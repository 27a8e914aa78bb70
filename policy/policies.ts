/**
 * The policies of the `ha-service-guardrails` pack: the secure defaults trusted checkers expect
 * (each names the Checkov and Trivy rules it matches) and the topology invariants of this package.
 * Definitions only: `index.ts` serves them, tests call their validation functions directly.
 */
import type {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { MAX_HEALTH_CHECK_INTERVAL } from "../components/config";
import {
    describeRule,
    isRecord,
    isTls12Policy,
    isWorld,
    peek,
    portsOf,
    type RuleView,
    secretIn,
    securityRules,
    sensitivePorts,
    T,
    UNKNOWN,
    userDataText,
} from "./checks";

type Props = Record<string, unknown>;

/** A check of one resource's properties; it runs only for the listed types. */
type Check = (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void;

function resourcePolicy(
    meta: Omit<ResourceValidationPolicy, "validateResource">,
    types: readonly string[],
    check: Check,
): ResourceValidationPolicy {
    return {
        ...meta,
        validateResource: (args, report) => {
            if (!types.includes(args.type)) args.notApplicable(`applies to ${types.join(", ")} only`);
            check(args.props, args, report);
        },
    };
}

/** Policy config with the schema defaults applied (the engine passes only what the user set). */
function configOf<C extends object>(args: { getConfig<X extends object>(): X }, defaults: C): C {
    return { ...defaults, ...args.getConfig<Partial<C>>() };
}

const rules = (checkov: string[], trivy: string[]) => ({
    tags: [...checkov, ...trivy],
    suffix: ` (${[...checkov.map((c) => `Checkov ${c}`), ...trivy.map((t) => `Trivy ${t}`)].join(", ")})`,
});

function about(text: string, checkov: string[] = [], trivy: string[] = []): Pick<ResourceValidationPolicy, "description" | "tags"> {
    const r = rules(checkov, trivy);
    return { description: checkov.length + trivy.length > 0 ? `${text}${r.suffix}` : text, tags: r.tags };
}

// ---------------------------------------------------------------------------------------------
// Nodes (EC2 instances and their volumes)

export const imdsv2Required = resourcePolicy(
    {
        name: "ec2-imdsv2-required",
        ...about("EC2 instances require IMDSv2 session tokens.", ["CKV_AWS_79"], ["AVD-AWS-0028"]),
        remediationSteps: "Set metadataOptions.httpTokens to required.",
    },
    [T.instance],
    (props, _args, report) => {
        const md = peek(() => props.metadataOptions);
        const tokens = isRecord(md) ? peek(() => md.httpTokens) : undefined;
        const endpoint = isRecord(md) ? peek(() => md.httpEndpoint) : undefined;
        if (endpoint === "disabled" || tokens === UNKNOWN) return;
        if (tokens !== "required")
            report(`metadataOptions.httpTokens is ${JSON.stringify(tokens ?? "optional")}; set it to "required" (IMDSv2 only).`);
    },
);

export const rootVolumeEncrypted = resourcePolicy(
    {
        name: "ec2-root-volume-encrypted",
        ...about("EC2 root and attached block devices are encrypted.", ["CKV_AWS_8"], ["AVD-AWS-0131"]),
    },
    [T.instance],
    (props, _args, report) => {
        const root = peek(() => props.rootBlockDevice);
        if (!isRecord(root) || root.encrypted !== true) report("rootBlockDevice.encrypted is not true; encrypt the root volume.");
        const extra = peek(() => props.ebsBlockDevices);
        (Array.isArray(extra) ? extra : []).forEach((d: unknown, i) => {
            if (!isRecord(d) || d.encrypted !== true) report(`ebsBlockDevices[${i}].encrypted is not true.`);
        });
    },
);

export const volumeEncrypted = resourcePolicy(
    { name: "ebs-volume-encrypted", ...about("EBS volumes are encrypted.", ["CKV_AWS_3"], ["AVD-AWS-0026"]) },
    [T.volume],
    (props, _args, report) => {
        if (props.encrypted !== true) report("encrypted is not true; data volumes must be encrypted at rest.");
    },
);

export const noPublicIp = resourcePolicy(
    {
        name: "ec2-no-public-ip",
        ...about("EC2 instances get no public IP address (set explicitly, not left to the subnet).", ["CKV_AWS_88"]),
    },
    [T.instance],
    (props, _args, report) => {
        if (props.associatePublicIpAddress !== false)
            report(
                `associatePublicIpAddress is ${JSON.stringify(props.associatePublicIpAddress ?? "unset")}; set it to false (nodes live in private subnets).`,
            );
    },
);

export const userDataNoSecrets = resourcePolicy(
    {
        name: "ec2-user-data-no-secrets",
        ...about("EC2 user data holds no secrets (anything on the node can read it through IMDS).", ["CKV_AWS_46"]),
        remediationSteps: "Store the secret as an SSM SecureString and read it at boot, as the replication join secret is.",
    },
    [T.instance],
    (props, _args, report) => {
        const found = secretIn(userDataText(props));
        if (found) report(`user data contains ${found}; read secrets from SSM Parameter Store at boot instead.`);
    },
);

export const instanceProfile = resourcePolicy(
    {
        name: "ec2-instance-profile",
        ...about("EC2 instances have an IAM instance profile (SSM access instead of SSH keys).", ["CKV2_AWS_41"]),
    },
    [T.instance],
    (props, _args, report) => {
        const profile = peek(() => props.iamInstanceProfile);
        if (profile !== UNKNOWN && (typeof profile !== "string" || profile === "")) report("iamInstanceProfile is not set.");
    },
);

export const detailedMonitoring = resourcePolicy(
    { name: "ec2-detailed-monitoring", ...about("EC2 detailed (1-minute) monitoring is on.", ["CKV_AWS_126"]) },
    [T.instance],
    (props, _args, report) => {
        if (props.monitoring !== true) report("monitoring is not true; turn on detailed monitoring.");
    },
);

export const ebsOptimized = resourcePolicy(
    { name: "ec2-ebs-optimized", ...about("EC2 instances are EBS-optimised.", ["CKV_AWS_135"]) },
    [T.instance],
    (props, _args, report) => {
        if (props.ebsOptimized !== true) report("ebsOptimized is not true.");
    },
);

// ---------------------------------------------------------------------------------------------
// Security groups

const ALL_RULE_TYPES = [T.securityGroup, T.securityGroupRule, T.ingressRule, T.egressRule];

export const securityGroupDescriptions = resourcePolicy(
    {
        name: "security-group-descriptions",
        ...about("Every security group and every rule has a description.", ["CKV_AWS_23"], ["AVD-AWS-0099"]),
    },
    ALL_RULE_TYPES,
    (props, args, report) => {
        if (args.type === T.securityGroup) {
            const d = peek(() => props.description);
            if (d !== UNKNOWN && (typeof d !== "string" || d.trim() === "" || d === "Managed by Pulumi" || d === "Managed by Terraform"))
                report("the security group has no description of its own; say what it protects.");
        }
        for (const r of securityRules(args.type, props)) {
            if (r.description !== UNKNOWN && (r.description === undefined || r.description.trim() === ""))
                report(`rule ${describeRule(r)} has no description; say why it is open.`);
        }
    },
);

export interface PublicIngressConfig {
    /** Ports the whole internet may reach (for example an internet-facing load balancer). */
    allowedPublicPorts: number[];
}

const openPorts = (r: RuleView, allowed: readonly number[]): number[] | undefined =>
    r.protocol === "-1" || r.protocol === "icmp" ? undefined : portsOf(r)?.filter((p) => !allowed.includes(p));

export const noPublicIngress = {
    ...resourcePolicy(
        {
            name: "no-public-ingress",
            ...about(
                "No ingress from 0.0.0.0/0 or ::/0 except to the allowed public ports; never to admin or replication ports, never to every port.",
                ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"],
                ["AVD-AWS-0107"],
            ),
        },
        ALL_RULE_TYPES,
        (props, args, report) => {
            const { allowedPublicPorts } = configOf<PublicIngressConfig>(args, { allowedPublicPorts: [80, 443] });
            const purposes = sensitivePorts();
            for (const r of securityRules(args.type, props)) {
                if (r.direction !== "ingress" || !r.cidrs.some(isWorld)) continue;
                const bad = openPorts(r, allowedPublicPorts);
                if (bad === undefined) {
                    report(`${describeRule(r)} opens every port to the internet; list the client networks instead.`);
                } else if (bad.length > 0) {
                    const why = bad.map((p) => purposes.get(`${p}/${r.protocol}`)).filter((w) => w !== undefined);
                    report(
                        `${describeRule(r)} opens port ${bad.join(", ")} to the internet${why.length ? ` (${why.join("; ")})` : ""}; only ${allowedPublicPorts.join(", ") || "no port"} may be public. Use the admin or client CIDRs.`,
                    );
                }
            }
        },
    ),
    configSchema: {
        properties: {
            allowedPublicPorts: {
                type: "array",
                items: { type: "integer", minimum: 1, maximum: 65535 },
                default: [80, 443],
                description: "Ports that may be open to 0.0.0.0/0 (an internet-facing load balancer's HTTPS and HTTP redirect).",
            },
        },
    },
} satisfies ResourceValidationPolicy;

export interface EgressConfig {
    /** TCP ports the nodes may reach anywhere on the internet. */
    allowedPublicEgressPorts: number[];
}

export const noUnrestrictedEgress = {
    ...resourcePolicy(
        {
            name: "no-unrestricted-egress",
            ...about(
                "No egress to 0.0.0.0/0 or ::/0 except HTTPS (443/tcp), which the nodes need for SSM and the AWS APIs when the VPC has no endpoints.",
                [],
                ["AVD-AWS-0104"],
            ),
        },
        ALL_RULE_TYPES,
        (props, args, report) => {
            const { allowedPublicEgressPorts } = configOf<EgressConfig>(args, { allowedPublicEgressPorts: [443] });
            for (const r of securityRules(args.type, props)) {
                if (r.direction !== "egress" || !r.cidrs.some(isWorld)) continue;
                const bad = r.protocol === "tcp" ? openPorts(r, allowedPublicEgressPorts) : undefined;
                if (bad === undefined || bad.length > 0)
                    report(
                        `${describeRule(r)} lets traffic out to the whole internet; only tcp/${allowedPublicEgressPorts.join(", ") || "none"} may leave unrestricted.`,
                    );
            }
        },
    ),
    configSchema: {
        properties: {
            allowedPublicEgressPorts: {
                type: "array",
                items: { type: "integer", minimum: 1, maximum: 65535 },
                default: [443],
                description: "TCP ports that may go to 0.0.0.0/0. Set [] when the VPC reaches SSM through interface endpoints.",
            },
        },
    },
} satisfies ResourceValidationPolicy;

// ---------------------------------------------------------------------------------------------
// Load balancer

export const albHttpsOnly = resourcePolicy(
    {
        name: "alb-https-only",
        ...about("ALB listeners use HTTPS; a plain HTTP listener only redirects to HTTPS.", ["CKV_AWS_2", "CKV2_AWS_20"], ["AVD-AWS-0054"]),
    },
    [T.listener],
    (props, _args, report) => {
        if (props.protocol !== "HTTP") return;
        const actions = peek(() => props.defaultActions);
        const redirects =
            Array.isArray(actions) &&
            actions.length > 0 &&
            actions.every((a: unknown) => isRecord(a) && a.type === "redirect" && isRecord(a.redirect) && a.redirect.protocol === "HTTPS");
        if (!redirects) report(`the HTTP listener on port ${String(props.port)} does not redirect to HTTPS.`);
    },
);

export const tls12Policy = resourcePolicy(
    {
        name: "lb-tls12-policy",
        ...about("HTTPS and TLS listeners use a TLS 1.2+ security policy.", ["CKV_AWS_103"], ["AVD-AWS-0047"]),
    },
    [T.listener],
    (props, _args, report) => {
        if (props.protocol !== "HTTPS" && props.protocol !== "TLS") return;
        const policy = props.sslPolicy;
        if (typeof policy !== "string" || !isTls12Policy(policy))
            report(
                `sslPolicy ${JSON.stringify(policy ?? "unset (ELBSecurityPolicy-2016-08 allows TLS 1.0)")} is not a TLS 1.2+ policy; use ELBSecurityPolicy-TLS13-1-2-2021-06.`,
            );
    },
);

export const dropInvalidHeaders = resourcePolicy(
    { name: "alb-drop-invalid-headers", ...about("ALBs drop requests with invalid header fields.", ["CKV_AWS_131"], ["AVD-AWS-0052"]) },
    [T.loadBalancer],
    (props, _args, report) => {
        const kind = props.loadBalancerType ?? "application";
        if (kind === "application" && props.dropInvalidHeaderFields !== true) report("dropInvalidHeaderFields is not true.");
    },
);

export interface HealthCheckConfig {
    /** Longest interval between target-group health checks. */
    maxInterval: number;
}

export const targetGroupHealthCheck = {
    ...resourcePolicy(
        {
            name: "target-group-health-check",
            ...about(
                `Every target group is health-checked, at most every ${MAX_HEALTH_CHECK_INTERVAL} s by default, HTTP(S) checks on a path.`,
                ["CKV_AWS_261"],
            ),
        },
        [T.targetGroup],
        (props, args, report) => {
            const { maxInterval } = configOf<HealthCheckConfig>(args, { maxInterval: MAX_HEALTH_CHECK_INTERVAL });
            const hc = peek(() => props.healthCheck);
            if (!isRecord(hc) || hc.enabled === false) {
                report("the target group has no enabled health check, so a failed node stays in rotation.");
                return;
            }
            // AWS's own default interval is 30 s.
            const interval = typeof hc.interval === "number" ? hc.interval : 30;
            if (interval > maxInterval)
                report(`healthCheck.interval is ${interval} s; at most ${maxInterval} s, so a failed node leaves rotation quickly.`);
            const protocol = hc.protocol ?? props.protocol;
            if ((protocol === "HTTP" || protocol === "HTTPS") && (typeof hc.path !== "string" || hc.path === ""))
                report("the HTTP(S) health check has no path; probe the service's health endpoint.");
        },
    ),
    configSchema: {
        properties: {
            maxInterval: {
                type: "integer",
                minimum: 5,
                maximum: 300,
                default: MAX_HEALTH_CHECK_INTERVAL,
                description: "Longest allowed health-check interval in seconds.",
            },
        },
    },
} satisfies ResourceValidationPolicy;

// ---------------------------------------------------------------------------------------------
// DNS

export interface DnsTtlConfig {
    /** The stack's TTL ceiling; never above 300 s. */
    maxTtl: number;
}

/** Clients must follow a promotion within minutes; GHES documents 60 s to 5 min for the HA record. */
const DNS_TTL_CEILING = 300;

export const dnsTtl = {
    ...resourcePolicy(
        { name: "dns-ttl", ...about(`DNS records have a TTL of at most ${DNS_TTL_CEILING} s and the stack's configured ceiling.`) },
        [T.record],
        (props, args, report) => {
            const { maxTtl } = configOf<DnsTtlConfig>(args, { maxTtl: DNS_TTL_CEILING });
            const ceiling = Math.min(maxTtl, DNS_TTL_CEILING);
            const ttl = peek(() => props.ttl);
            if (typeof ttl === "number" && ttl > ceiling)
                report(`ttl is ${ttl} s; at most ${ceiling} s, or clients keep using the old primary that long after a promotion.`);
        },
    ),
    configSchema: {
        properties: {
            maxTtl: {
                type: "integer",
                minimum: 1,
                maximum: DNS_TTL_CEILING,
                default: DNS_TTL_CEILING,
                description: "This stack's TTL ceiling in seconds (for example 60 for a stack that promises a one-minute failover).",
            },
        },
    },
} satisfies ResourceValidationPolicy;

// ---------------------------------------------------------------------------------------------
// Stack-wide invariants. They read the stack outputs of this package (topology, primary,
// production, relaxations), which are known during preview.

function stackOutputs(resources: readonly PolicyResource[]): Props {
    const stack = resources.find((r) => r.type === T.stack);
    return stack && isRecord(stack.props) ? stack.props : {};
}

function ofType(resources: readonly PolicyResource[], type: string): PolicyResource[] {
    return resources.filter((r) => r.type === type);
}

export interface ProductionConfig {
    /** Apply the production rules to every stack, whatever its `production` output says. */
    allStacks: boolean;
}

const productionSchema = {
    properties: {
        allStacks: {
            type: "boolean" as const,
            default: false,
            description: "Apply this rule to every stack, not only those whose `production` output is true.",
        },
    },
};

function productionPolicy(
    meta: Pick<StackValidationPolicy, "name" | "description" | "tags">,
    check: (resources: readonly PolicyResource[], report: ReportViolation) => void,
): StackValidationPolicy {
    return {
        ...meta,
        configSchema: productionSchema,
        validateStack: (args: StackValidationArgs, report) => {
            const { allStacks } = configOf<ProductionConfig>(args, { allStacks: false });
            if (!allStacks && stackOutputs(args.resources).production !== true) args.notApplicable("not a production stack");
            check(args.resources, report);
        },
    };
}

export const lbDeletionProtection = productionPolicy(
    { name: "lb-deletion-protection-in-production", ...about("Production load balancers have deletion protection.", ["CKV_AWS_150"]) },
    (resources, report) => {
        for (const lb of ofType(resources, T.loadBalancer)) {
            if (lb.props.enableDeletionProtection !== true) report("enableDeletionProtection is not true.", lb.urn);
        }
    },
);

export const lbAccessLogs = productionPolicy(
    { name: "lb-access-logs-in-production", ...about("Production load balancers write access logs.", ["CKV_AWS_91"]) },
    (resources, report) => {
        for (const lb of ofType(resources, T.loadBalancer)) {
            const logs = peek(() => lb.props.accessLogs);
            const on =
                logs === UNKNOWN || (isRecord(logs) && logs.enabled === true && typeof logs.bucket === "string" && logs.bucket !== "");
            if (!on) report("accessLogs are not enabled with a bucket.", lb.urn);
        }
    },
);

/** The data volumes of this package's nodes, by node group. */
function dataVolumes(resources: readonly PolicyResource[]): PolicyResource[][] {
    const groups = new Map<string, PolicyResource[]>();
    for (const v of ofType(resources, T.volume)) {
        if (v.parent?.type !== T.nodeGroup) continue;
        groups.set(v.parent.urn, [...(groups.get(v.parent.urn) ?? []), v]);
    }
    return [...groups.values()];
}

export const dataVolumesProtected = productionPolicy(
    {
        name: "data-volumes-protected-in-production",
        // retainOnDelete is not among the options a policy sees; the program's config check covers it.
        description: "Production data volumes are protected: Pulumi refuses to delete them.",
    },
    (resources, report) => {
        for (const v of dataVolumes(resources).flat()) {
            if (!v.opts.protect) report("the protect resource option is off; turn it back on (`dataVolume.protect`).", v.urn);
        }
    },
);

/** Node key and zone of each data volume (tags.Node is set by the node group); undefined when unknown. */
function placements(volumes: readonly PolicyResource[]): { node: string; zone: string }[] | undefined {
    const out: { node: string; zone: string }[] = [];
    for (const v of volumes) {
        const zone = peek(() => v.props.availabilityZone);
        const tags = peek(() => v.props.tags);
        const node = isRecord(tags) ? peek(() => tags.Node) : undefined;
        if (typeof zone !== "string") return undefined;
        out.push({ node: typeof node === "string" ? node : v.name, zone });
    }
    return out;
}

export const nodesSpanZones: StackValidationPolicy = {
    name: "nodes-span-zones",
    description: "HA: at least one replica is in another zone than the primary. Cluster: the nodes span at least two zones.",
    validateStack: (args, report) => {
        const outputs = stackOutputs(args.resources);
        for (const volumes of dataVolumes(args.resources)) {
            const placed = placements(volumes);
            if (!placed || placed.length < 2) continue;
            const zones = new Set(placed.map((p) => p.zone));
            const primary = outputs.topology === "ha" ? placed.find((p) => p.node === outputs.primary) : undefined;
            if (primary && !placed.some((p) => p.node !== primary.node && p.zone !== primary.zone)) {
                report(
                    `the primary ${primary.node} and every replica are in ${primary.zone}: put at least one replica in another zone.`,
                    volumes[0].parent?.urn,
                );
            } else if (zones.size < 2) {
                report(
                    `every node (${placed.map((p) => p.node).join(", ")}) is in ${[...zones][0]}: losing that zone loses the service.`,
                    volumes[0].parent?.urn,
                );
            }
        }
    },
};

export const clusterDnsAliasesLoadBalancer: StackValidationPolicy = {
    name: "cluster-dns-aliases-load-balancer",
    description: "A cluster's DNS record is an alias to its load balancer, whose health checks take failed nodes out of rotation.",
    validateStack: (args, report) => {
        if (stackOutputs(args.resources).topology !== "cluster") args.notApplicable("not a cluster stack");
        const lbNames = ofType(args.resources, T.loadBalancer).map((lb) => peek(() => lb.props.dnsName));
        for (const rec of ofType(args.resources, T.record).filter((r) => r.parent?.type === T.dnsRecords)) {
            const aliases = peek(() => rec.props.aliases);
            if (!Array.isArray(aliases) || aliases.length === 0) {
                report(`the record points at addresses, not at the load balancer; a failed node would keep receiving traffic.`, rec.urn);
                continue;
            }
            const known = lbNames.filter((n): n is string => typeof n === "string").map((n) => n.toLowerCase());
            for (const a of aliases) {
                const name = isRecord(a) ? peek(() => a.name) : undefined;
                if (
                    typeof name === "string" &&
                    known.length === lbNames.length &&
                    !known.includes(name.toLowerCase().replace(/^dualstack\./, ""))
                )
                    report(`the alias target ${name} is not this stack's load balancer.`, rec.urn);
            }
        }
    },
};

export const stackRelaxations: StackValidationPolicy = {
    name: "stack-relaxations",
    description:
        "Lists the secure defaults the stack relaxed with a `relax` switch (the `relaxations` output). Advisory by default; make it mandatory to forbid relaxations.",
    enforcementLevel: "advisory",
    validateStack: (args, report) => {
        const relaxed = stackOutputs(args.resources).relaxations;
        for (const r of Array.isArray(relaxed) ? relaxed : []) report(`the stack relaxes a secure default: ${String(r)}`);
    },
};

/** Every policy of the pack, in the order `pulumi preview` lists them. */
export const policies = [
    imdsv2Required,
    rootVolumeEncrypted,
    volumeEncrypted,
    noPublicIp,
    userDataNoSecrets,
    instanceProfile,
    detailedMonitoring,
    ebsOptimized,
    securityGroupDescriptions,
    noPublicIngress,
    noUnrestrictedEgress,
    albHttpsOnly,
    tls12Policy,
    dropInvalidHeaders,
    targetGroupHealthCheck,
    dnsTtl,
    lbDeletionProtection,
    lbAccessLogs,
    dataVolumesProtected,
    nodesSpanZones,
    clusterDnsAliasesLoadBalancer,
    stackRelaxations,
] satisfies (ResourceValidationPolicy | StackValidationPolicy)[];

export const PACK_NAME = "ha-service-guardrails";
