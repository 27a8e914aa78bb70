/**
 * Load balancer, volume and instance-type rules: values AWS refuses at create time, after other
 * resources of the stack already exist. Pure; each names its source.
 */
import type { ParsedConfig } from "../schema";
import type { ConfigProblem, StackSpec } from "../spec";

type Add = (path: string, message: string, ...value: unknown[]) => void;
type Spec = Omit<StackSpec, "warnings" | "relaxations">;

/**
 * Health-check success codes (ELBv2 API reference, `Matcher.HttpCode`): a list ("200,202") or
 * ranges ("200-299"); an ALB accepts 200 to 499, an NLB 200 to 599.
 */
export const MATCHER_RANGE = { alb: [200, 499], nlb: [200, 599] } as const;

/** Problems of a matcher for a load-balancer kind; empty when AWS accepts it. */
export function matcherProblem(matcher: string, kind: keyof typeof MATCHER_RANGE): string | undefined {
    const [lo, hi] = MATCHER_RANGE[kind];
    const fix = `write codes from ${lo} to ${hi} as a list or ranges, such as 200 or 200,302 or 200-299`;
    const parts = matcher.split(",");
    for (const part of parts) {
        const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
        if (!m) return `is not an HTTP code list (${kind.toUpperCase()}: ${fix})`;
        const a = Number(m[1]);
        const b = m[2] === undefined ? a : Number(m[2]);
        if (a < lo || b > hi || b < lo || a > hi)
            return `has a code outside ${lo}-${hi}, the range an ${kind.toUpperCase()} accepts; ${fix}`;
        if (b < a) return `has a range whose end is below its start; ${fix}`;
    }
    return undefined;
}

/**
 * S3 general purpose bucket naming rules (Amazon S3 User Guide, "General purpose bucket naming
 * rules"): 3 to 63 characters of lower-case letters, digits, dots and hyphens; starting and ending
 * with a letter or digit; no two adjacent dots; not shaped like an IP address; not starting with
 * xn--, sthree- or amzn-s3-demo-; not ending with -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3.
 */
export function bucketNameProblem(bucket: string): string | undefined {
    if (bucket.length < 3 || bucket.length > 63) return "must be 3 to 63 characters (S3 bucket naming rules)";
    if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket))
        return "must be lower-case letters, digits, '.' and '-', starting and ending with a letter or digit (S3 bucket naming rules)";
    if (bucket.includes("..")) return "must not have two adjacent dots (S3 bucket naming rules)";
    if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return "must not be formatted as an IP address (S3 bucket naming rules)";
    const prefix = ["xn--", "sthree-", "amzn-s3-demo-"].find((p) => bucket.startsWith(p));
    if (prefix) return `must not start with ${prefix} (reserved by S3)`;
    const suffix = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].find((s) => bucket.endsWith(s));
    if (suffix) return `must not end with ${suffix} (reserved by S3)`;
    return undefined;
}

/**
 * Access-log prefix (ELB user guide, "Enable access logs": the prefix must not include AWSLogs,
 * which ELB appends itself (`bucket[/prefix]/AWSLogs/...`), and must not start with a slash; ELBv2 API `LoadBalancerAttribute.Value`
 * is at most 1024 characters).
 */
export function logPrefixProblem(prefix: string): string | undefined {
    if (prefix.includes("AWSLogs")) return "must not include AWSLogs (ELB appends AWSLogs/<account>/... itself); remove it";
    if (prefix.startsWith("/")) return "must not start with '/' (write logs/prod, not /logs/prod)";
    if (prefix.length > 1024) return "must be at most 1024 characters (ELBv2 attribute value limit)";
    return undefined;
}

export function loadBalancerProblems(cfg: ParsedConfig, spec: Spec, add: Add): void {
    const lb = spec.loadBalancer;
    if (!lb) return;
    // ELBv2 CreateLoadBalancer: "[Application Load Balancers] You must specify subnets from at least two Availability Zones."
    if (lb.kind === "alb") {
        const n = cfg.network;
        const explicit = n.loadBalancerSubnets;
        if (n.create && n.create.zones.length < 2)
            add("network.create.zones", "an ALB needs subnets in at least two availability zones; list a second zone", n.create.zones);
        else if (!n.create && explicit === undefined && new Set((n.subnets ?? []).map((s) => s.zone)).size === 1)
            add("network.subnets", "an ALB needs subnets in at least two availability zones; add a subnet in a second zone", n.subnets);
        else if (explicit !== undefined && new Set(explicit).size < 2)
            add(
                "network.loadBalancerSubnets",
                "an ALB needs subnets in at least two availability zones; list one subnet in each of two or more zones",
                explicit,
            );
    }
    if (lb.healthCheck.protocol !== "TCP") {
        const problem = matcherProblem(lb.healthCheck.matcher, lb.kind);
        if (problem) add("loadBalancer.healthCheck.matcher", problem, lb.healthCheck.matcher);
    }
    if (lb.accessLogs) {
        const bucket = bucketNameProblem(lb.accessLogs.bucket);
        if (bucket) add("loadBalancer.accessLogs.bucket", bucket, lb.accessLogs.bucket);
        const prefix = logPrefixProblem(lb.accessLogs.prefix);
        if (prefix) add("loadBalancer.accessLogs.prefix", prefix, lb.accessLogs.prefix);
    }
}

/** gp3 baseline IOPS: provisioned without extra charge at any size (EC2 API, CreateVolume `Iops`). */
export const GP3_BASELINE_IOPS = 3000;

/** A KMS key ARN (not an alias, alias ARN or bare key id): the form EBS reports back, so no perpetual diff. */
export const KMS_KEY_ARN =
    /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * gp3 limits (Amazon EBS User Guide, "General Purpose SSD volumes", gp3): at most 500 IOPS per GiB
 * of volume size, and at most 0.25 MiB/s of throughput per provisioned IOPS. `kmsKeyId` must be a
 * key ARN: @pulumi/aws's ebs.Volume validates `kmsKeyId` as an ARN (a bare id is refused), and AWS
 * stores the key ARN, so an alias ARN would differ on every refresh and replace the data volumes.
 */
export function volumeProblems(cfg: ParsedConfig, spec: Spec, add: Add): void {
    const v = cfg.dataVolume;
    const iops = v.iops ?? GP3_BASELINE_IOPS;
    if (v.throughput !== undefined && v.throughput > iops / 4)
        add(
            "dataVolume.throughput",
            `is more than IOPS/4 = ${iops / 4} MiB/s (gp3 allows 0.25 MiB/s per IOPS, IOPS ${iops}); lower it or raise dataVolume.iops to at least ${v.throughput * 4}`,
            v.throughput,
        );
    if (v.iops !== undefined && v.iops > GP3_BASELINE_IOPS) {
        for (const node of spec.nodes) {
            if (v.iops <= node.dataVolumeSize * 500) continue;
            const own = cfg.nodes?.[node.key]?.dataVolumeSize !== undefined;
            const path = own ? `nodes.${node.key}.dataVolumeSize` : "dataVolume.size";
            add(
                path,
                `is too small for ${v.iops} IOPS: gp3 allows at most 500 IOPS per GiB; use at least ${Math.ceil(v.iops / 500)} GiB or lower dataVolume.iops`,
                node.dataVolumeSize,
            );
            if (!own) break;
        }
    }
    if (v.kmsKeyId !== undefined && !KMS_KEY_ARN.test(v.kmsKeyId))
        add(
            "dataVolume.kmsKeyId",
            "must be a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (not a key id or alias: the provider refuses those, and an alias would replace the data volumes on every run)",
            v.kmsKeyId,
        );
}

/** family.size, as every value of the EC2 API's `InstanceType` enum is written (m6i.xlarge, u-6tb1.metal, m7i-flex.large). */
export const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\d[a-z0-9-]*\.(nano|micro|small|medium|large|\d*xlarge|metal(-\d+xl)?)$/;

/**
 * Families with instance-store volumes (Amazon EC2 User Guide, "Instance store volume limits"):
 * a `d` among the attribute letters (m5d, c6id, r6gd, g4dn, x2iedn, z1d) and the storage,
 * accelerated and previous-generation families below. The CloudWatch recover action does not work
 * on them (EC2 User Guide, "Recover your instance": "Has only EBS volumes (do not configure
 * instance store volumes)"), so the package's recover alarm could never act.
 */
const STORE_FAMILIES =
    /^(i\d+[a-z]*|im4gn|is4gen|d\d+[a-z]*|dl1|h1|hs1|hi1|c1|cc2|cr1|c3|m1|m2|m3|r3|g2|g5|g6|g6e|gr6|x1|x1e|f1|f2|p5|p5e|p5en|trn1|trn1n)$/;

export function hasInstanceStore(instanceType: string): boolean {
    const family = instanceType.split(".")[0];
    const m = /^([a-z]+)(\d+)([a-z-]*)$/.exec(family);
    if (m && m[3].replace(/-flex$/, "").includes("d")) return true;
    return STORE_FAMILIES.test(family);
}

export function instanceTypeProblems(cfg: ParsedConfig, spec: Spec, add: Add): void {
    const check = (path: string, t: string) => {
        if (!INSTANCE_TYPE.test(t)) add(path, "is not an EC2 instance type: write family.size, such as m6i.xlarge", t);
        else if (spec.monitoring.enabled && hasInstanceStore(t))
            add(
                path,
                "has instance-store volumes, so the node's recover alarm (EC2 system check) can never act; choose an EBS-only type such as m6i or r6i",
                t,
            );
    };
    check("instanceType", cfg.instanceType);
    for (const [key, node] of Object.entries(cfg.nodes ?? {}))
        if (node.instanceType !== undefined) check(`nodes.${key}.instanceType`, node.instanceType);
}

export function resourceProblems(cfg: ParsedConfig, spec: Spec): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const add: Add = (path, message, ...value) => problems.push(value.length ? { path, message, value: value[0] } : { path, message });
    loadBalancerProblems(cfg, spec, add);
    volumeProblems(cfg, spec, add);
    instanceTypeProblems(cfg, spec, add);
    return problems;
}
