/**
 * Property: whenever validation accepts a config generated from the schema, every resource the
 * program registers (run under the mock harness, as `pulumi up` would) satisfies AWS's limits, as
 * AWS's own API models state them (../shared/aws-models) or, where a model leaves a limit to its
 * documentation, as that documentation states it. And no two registrations share a URN.
 *
 * The generator is kept honest: it must produce accepted configs in most runs (checked on many
 * cheap validation-only samples), while still reaching every rule's edge now and then.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigError, parseSpec } from "../components/config";
import { planTopology } from "../components/plan";
import program = require("../index");
import { isCloudResource, type RecordedResource, runProgram } from "../tools/harness";
import { modelPattern, shape, violations } from "./aws-models";
import { asPulumiConfig, CERT, type Raw } from "./fixtures";

const REGIONS = ["us-east-1", "eu-west-1"] as const;
const HARNESS_RUNS = Number(process.env.PROPERTY_RUNS ?? 12);
const VALIDATION_RUNS = 600;

// ---------------------------------------------------------------------------------------------
// The generator: every key of the schema the rules touch, mostly valid, sometimes at or past an edge.

/** Usually `usual`, one time in 30 `edge` (unbiased: fast-check's bias would otherwise pick the edge far more often). */
const rare = <T>(usual: fc.Arbitrary<T>, edge: fc.Arbitrary<T>): fc.Arbitrary<T> =>
    fc.noBias(fc.integer({ min: 0, max: 29 })).chain((i) => (i === 0 ? edge : usual));
const octet = fc.integer({ min: 0, max: 255 });
const ip = fc.tuple(octet, octet, octet, octet);
/** A CIDR: usually its network address, sometimes with host bits set. */
const cidr = (minBits: number, maxBits: number) =>
    fc.tuple(ip, fc.integer({ min: minBits, max: maxBits }), fc.integer({ min: 0, max: 40 })).map(([o, bits, host]) => {
        const n = o.reduce((a, x) => a * 256 + x, 0);
        const size = 2 ** (32 - bits);
        const base = host === 0 ? n : n - (n % size);
        return `${[24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join(".")}/${bits}`;
    });
const tagChar = fc.constantFrom(..."abcXYZ019 _.:/=+-@#&ëü数".split(""));
const tagText = (min: number) => fc.string({ unit: tagChar, minLength: min, maxLength: 12 });
const tagKey = fc.string({ unit: fc.constantFrom(..."abcXYZ019_.:/=+-".split("")), minLength: 1, maxLength: 12 });
const tags = rare(
    fc.dictionary(tagKey, fc.string({ unit: fc.constantFrom(..."abc XYZ019_.:/=+-ëü".split("")), maxLength: 20 }), { maxKeys: 5 }),
    fc.dictionary(tagText(0), tagText(0), { minKeys: 1, maxKeys: 12 }),
);
const instanceType = rare(
    fc.constantFrom("m6i.large", "m6i.xlarge", "r6i.2xlarge", "c7g.medium", "t3.micro", "m7i-flex.large", "m6i.metal"),
    fc.constantFrom("m6id.large", "i4i.xlarge", "g4dn.xlarge", "m6i", "m6i.huge"),
);
const bucket = rare(
    fc.constantFrom("logs", "alb-logs.example", "my-logs-2026"),
    fc.constantFrom("ab", "My_Logs", "1.2.3.4", "xn--logs", "a..b"),
);
const prefix = rare(fc.constantFrom("", "alb", "alb/prod"), fc.constantFrom("/alb", "AWSLogs", "alb/"));
const matcher = rare(fc.constantFrom("200", "200-299", "200,302", "200-399"), fc.constantFrom("200-499", "200-599", "2xx", "299-200"));
const kmsKeyId = (region: string) =>
    rare(
        fc.constant(`arn:aws:kms:${region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`),
        fc.constantFrom(
            "alias/ebs",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:ap-south-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef",
        ),
    );
const nodeName = rare(fc.constantFrom("a", "b", "c", "db", "app-1", "web"), fc.constantFrom("a-config", "secret", "b-config"));

const configArb = fc.constantFrom(...REGIONS).chain((region) => {
    const letters = ["a", "b", "c", "d"];
    const zone = rare(fc.constantFrom(...letters.map((l) => `${region}${l}`)), fc.constant("ap-south-1a"));
    const zones = rare(fc.uniqueArray(zone, { minLength: 2, maxLength: 3 }), fc.uniqueArray(zone, { minLength: 1, maxLength: 1 }));
    return fc
        .record({
            topology: fc.constantFrom("ha", "cluster"),
            profile: fc.constantFrom("generic", "ghes", "cloudify"),
            zones,
            existing: fc.boolean(),
            vpcCidr: cidr(16, 23),
            names: fc.uniqueArray(nodeName, { minLength: 2, maxLength: 4 }),
            useCount: fc.boolean(),
            clientCidrs: fc.array(rare(cidr(8, 32), fc.constant("10.0.0.0/8")), { minLength: 1, maxLength: 2 }),
            adminCidrs: rare(fc.array(cidr(8, 32), { maxLength: 2 }), fc.constant<string[]>(["0.0.0.0/1", "128.0.0.0/1"])),
            lb: fc.option(
                fc.record({
                    kind: fc.constantFrom("alb", "nlb"),
                    hcProtocol: fc.constantFrom("HTTP", "TCP"),
                    matcher,
                    logs: fc.option(fc.record({ bucket, prefix }), { nil: undefined }),
                    certRegion: rare(fc.constant(region), fc.constant("ap-south-1")),
                }),
                { nil: undefined },
            ),
            size: rare(fc.integer({ min: 32, max: 2000 }), fc.integer({ min: 1, max: 31 })),
            iops: fc.option(fc.integer({ min: 3000, max: 16000 }), { nil: undefined }),
            throughput: fc.option(rare(fc.integer({ min: 125, max: 750 }), fc.integer({ min: 751, max: 1000 })), { nil: undefined }),
            kms: fc.option(kmsKeyId(region), { nil: undefined }),
            instanceType,
            tags,
            longDns: rare(fc.constant(false), fc.constant(true)),
            monitoring: fc.boolean(),
            backups: fc.boolean(),
            backupHost: fc.boolean(),
        })
        .map((g) => ({ region, raw: buildConfig(g) }));
});

interface Generated {
    topology: string;
    profile: string;
    zones: string[];
    existing: boolean;
    vpcCidr: string;
    names: string[];
    useCount: boolean;
    clientCidrs: string[];
    adminCidrs: string[];
    lb?: { kind: string; hcProtocol: string; matcher: string; logs?: { bucket: string; prefix: string }; certRegion: string };
    size: number;
    iops?: number;
    throughput?: number;
    kms?: string;
    instanceType: string;
    tags: Record<string, string>;
    longDns: boolean;
    monitoring: boolean;
    backups: boolean;
    backupHost: boolean;
}

/**
 * Subnet slots the safe-operation rules accept: the default (each zone's letter) only while the
 * zones read a, b, c, ... in order; any other list gets explicit slots (its positions).
 */
function zoneSlots(zones: readonly string[]): Record<string, number> | undefined {
    const byLetter = zones.every((z, i) => z.charCodeAt(z.length - 1) - "a".charCodeAt(0) === i);
    return byLetter ? undefined : Object.fromEntries(zones.map((z, i) => [z, i]));
}

function buildConfig(g: Generated): Raw {
    const cluster = g.topology === "cluster";
    // `nodeCount` nodes follow existing subnets in zone order, so such a list must be in that order.
    const subnetZones = g.useCount ? [...g.zones].sort() : g.zones;
    const slots = zoneSlots(g.zones);
    const network = g.existing
        ? {
              vpcId: "vpc-0a1b2c3d4e5f60718",
              subnets: subnetZones.map((zone, i) => ({ id: `subnet-0aaa1111bbbb222${i}`, zone })),
          }
        : { create: { cidr: g.vpcCidr, zones: g.zones, ...(slots ? { zoneSlots: slots } : {}) } };
    const nodes = g.useCount ? undefined : Object.fromEntries(g.names.map((n, i) => [n, { zone: g.zones[i % g.zones.length] }]));
    // Cloudify runs only as a cluster; GHES and Cloudify take only an NLB.
    const profile = g.profile === "cloudify" && !cluster ? "generic" : g.profile;
    const generated = cluster && !g.lb ? { kind: "nlb", hcProtocol: "TCP", matcher: "200", certRegion: "" } : g.lb;
    const lb = generated && profile !== "generic" ? { ...generated, kind: "nlb" } : generated;
    return {
        topology: g.topology,
        profile,
        ...(nodes ? { nodes } : { nodeCount: cluster ? 3 : 2 }),
        // An HA `nodes` map names its primary explicitly (safe operations).
        ...(nodes && !cluster ? { primary: g.names[0] } : {}),
        ...(g.backupHost && profile === "ghes" && !cluster ? { ghesBackup: { ami: "ami-0fedcba9876543210", ghesVersion: "3.16" } } : {}),
        ami: "ami-0123456789abcdef0",
        instanceType: g.instanceType,
        network,
        ...(g.zones.length === 1 ? { relax: { singleZone: true } } : {}),
        access: { clientCidrs: g.clientCidrs, adminCidrs: g.adminCidrs },
        dns: {
            zoneId: "Z0123456789TESTZONE",
            name: g.longDns ? `${["a", "b", "c", "d"].map((c) => c.repeat(63)).join(".")}.com` : "svc.test.example.com",
        },
        ...(lb
            ? {
                  loadBalancer: {
                      kind: lb.kind,
                      ...(lb.kind === "alb" ? { certificateArn: CERT.replace("us-east-1", lb.certRegion) } : {}),
                      healthCheck: { protocol: lb.kind === "alb" ? "HTTP" : lb.hcProtocol, matcher: lb.matcher },
                      ...(lb.logs ? { accessLogs: lb.logs } : {}),
                  },
              }
            : {}),
        dataVolume: {
            size: g.size,
            ...(g.iops === undefined ? {} : { iops: g.iops }),
            ...(g.throughput === undefined ? {} : { throughput: g.throughput }),
            ...(g.kms === undefined ? {} : { kmsKeyId: g.kms }),
        },
        monitoring: { enabled: g.monitoring },
        backups: { enabled: g.backups },
        tags: g.tags,
    };
}

function accepted(raw: Raw, region: string): boolean {
    try {
        planTopology(parseSpec(raw, { project: "ha-service", stack: "prop", region }));
        return true;
    } catch (e) {
        if (e instanceof ConfigError) return false;
        throw e;
    }
}

// ---------------------------------------------------------------------------------------------
// The oracle: each registered resource's inputs against the models' limits.

/** Model file prefix of the service behind a Pulumi type token. */
const SERVICE: Record<string, string> = {
    ec2: "ec2",
    ebs: "ec2",
    vpc: "ec2",
    lb: "elbv2",
    iam: "iam",
    ssm: "ssm",
    dlm: "dlm",
    route53: "route53",
    cloudwatch: "monitoring",
    sns: "sns",
    kms: "kms",
    s3: "s3",
};

/**
 * Tags per resource: Route 53 and IAM state the count in their models (TagList max 10,
 * tagListType max 50); DLM's TagMap allows 200; EC2, ELB, SSM, SNS, KMS and CloudWatch document 50
 * ("Tagging AWS resources": 50 user tags per resource). Keys and values: each service's TagKey and
 * TagValue shapes.
 */
const TAG_SHAPES: Record<string, { count?: string; key: string; value: string; max: number }> = {
    ec2: { key: "", value: "", max: 50 },
    elbv2: { key: "TagKey", value: "TagValue", max: 50 },
    iam: { count: "tagListType", key: "tagKeyType", value: "tagValueType", max: 50 },
    ssm: { key: "TagKey", value: "TagValue", max: 50 },
    dlm: { key: "TagKey", value: "TagValue", max: 200 },
    route53: { count: "TagList", key: "TagKey", value: "TagValue", max: 10 },
    monitoring: { key: "TagKey", value: "TagValue", max: 50 },
    sns: { key: "TagKey", value: "TagValue", max: 50 },
    kms: { key: "TagKeyType", value: "TagValueType", max: 50 },
    // S3 User Guide, "Using cost allocation S3 bucket tags": up to 50 tags per bucket.
    s3: { key: "ObjectKey", value: "Value", max: 50 },
};
const MODEL_FILE: Record<string, string> = { elbv2: "elasticloadbalancingv2" };
const model = (svc: string) => MODEL_FILE[svc] ?? svc;

/** Scalar inputs with a model shape, per resource type: [input path, shape]. */
const FIELDS: Record<string, [string, string][]> = {
    "aws:ec2/instance:Instance": [["instanceType", "InstanceType"]],
    "aws:cloudwatch/metricAlarm:MetricAlarm": [
        ["name", "AlarmName"],
        ["alarmDescription", "AlarmDescription"],
        ["evaluationPeriods", "EvaluationPeriods"],
        ["period", "Period"],
        ["namespace", "Namespace"],
        ["metricName", "MetricName"],
        ["comparisonOperator", "ComparisonOperator"],
        ["statistic", "Statistic"],
        ["treatMissingData", "TreatMissingData"],
    ],
    "aws:route53/healthCheck:HealthCheck": [
        ["cloudwatchAlarmName", "AlarmName"],
        ["type", "HealthCheckType"],
        ["insufficientDataHealthStatus", "InsufficientDataHealthStatus"],
    ],
    "aws:route53/record:Record": [
        ["name", "DNSName"],
        ["ttl", "TTL"],
        ["setIdentifier", "ResourceRecordSetIdentifier"],
    ],
    "aws:ssm/parameter:Parameter": [
        ["name", "PSParameterName"],
        ["description", "ParameterDescription"],
        ["tier", "ParameterTier"],
        ["type", "ParameterType"],
    ],
    "aws:ssm/document:Document": [["content", "DocumentContent"]],
    "aws:lb/targetGroup:TargetGroup": [
        ["port", "Port"],
        ["healthCheck.interval", "HealthCheckIntervalSeconds"],
        ["healthCheck.timeout", "HealthCheckTimeoutSeconds"],
        ["healthCheck.healthyThreshold", "HealthCheckThresholdCount"],
        ["healthCheck.unhealthyThreshold", "HealthCheckThresholdCount"],
        ["healthCheck.path", "Path"],
    ],
    "aws:lb/listener:Listener": [["port", "Port"]],
    "aws:iam/role:Role": [["description", "roleDescriptionType"]],
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": [["description", "PolicyDescription"]],
    "aws:kms/key:Key": [["description", "DescriptionType"]],
};

function at(obj: unknown, path: string): unknown {
    return path
        .split(".")
        .reduce<unknown>((o, k) => (o === null || typeof o !== "object" ? undefined : (o as Record<string, unknown>)[k]), obj);
}

/** An IPv4 CIDR whose host bits are clear, written as AWS writes it. */
function canonicalNetwork(c: string): boolean {
    const [addr, bits] = c.split("/");
    const o = addr.split(".").map(Number);
    const n = o.reduce((a, x) => a * 256 + x, 0);
    return `${o.join(".")}/${Number(bits)}` === c && n % 2 ** (32 - Number(bits)) === 0;
}

/** S3 general purpose bucket naming rules (Amazon S3 User Guide), written independently of the package's rule. */
const S3_BUCKET =
    /^(?!xn--|sthree-|amzn-s3-demo-)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)(?!.*(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Numbers the EC2 model states only in its documentation (CreateVolume: Iops, Throughput). */
function documentedRange(name: "Iops" | "Throughput"): [number, number] {
    const doc = (shape("ec2", "CreateVolumeRequest") as unknown as { members: Record<string, { documentation: string }> }).members[
        name
    ].documentation.replace(/<[^>]+>/g, "");
    const m = name === "Iops" ? /gp3: ([\d,]+) - ([\d,]+) IOPS/.exec(doc) : /Minimum value of (\d+)\. Maximum value of (\d+)/.exec(doc);
    assert.ok(m, `the EC2 model no longer documents the gp3 ${name} range`);
    return [Number(m[1].replace(/,/g, "")), Number(m[2].replace(/,/g, ""))];
}

/** ELBv2 `Matcher.HttpCode`: "For Application Load Balancers ... between 200 and 499"; NLB "between 200 and 599". */
function matcherRange(kind: "Application" | "Network"): [number, number] {
    const doc = (shape("elasticloadbalancingv2", "Matcher") as unknown as { members: { HttpCode: { documentation: string } } }).members
        .HttpCode.documentation;
    const m = new RegExp(`For ${kind} Load Balancers, you can specify values between (\\d+) and (\\d+)`).exec(doc);
    assert.ok(m, `the ELBv2 model no longer documents the ${kind} matcher range`);
    return [Number(m[1]), Number(m[2])];
}

function limitViolations(resources: readonly RecordedResource[], region: string): string[] {
    const out: string[] = [];
    const byUrn = new Map<string, number>();
    for (const r of resources) byUrn.set(r.urn, (byUrn.get(r.urn) ?? 0) + 1);
    for (const [urn, n] of byUrn) if (n > 1) out.push(`${urn}: registered ${n} times (the engine refuses duplicate URNs)`);

    const lbKind = new Map<string, string>();
    for (const r of resources.filter((x) => x.type === "aws:lb/loadBalancer:LoadBalancer"))
        lbKind.set(r.parent ?? "", String(r.inputs.loadBalancerType));
    for (const r of resources.filter(isCloudResource)) {
        const where = `${r.type} ${r.name}`;
        const inputs = r.inputs;
        const svc = SERVICE[r.type.slice(4, r.type.indexOf("/"))];
        if (r.type.startsWith("random:")) continue;
        assert.ok(svc, `no AWS service known for ${r.type}; add it to the property test's oracle`);
        for (const [path, name] of FIELDS[r.type] ?? []) {
            const v = at(inputs, path);
            if (v !== undefined) out.push(...violations(model(svc), name, v, `${where}.${path}`));
        }
        const tagSets = [inputs.tags, at(inputs, "rootBlockDevice.tags")].filter((t) => t !== undefined) as Record<string, string>[];
        for (const t of tagSets) {
            const spec = TAG_SHAPES[svc];
            const keys = Object.keys(t);
            const max = spec.count ? (shape(model(svc), spec.count).max ?? spec.max) : spec.max;
            if (keys.length > max) out.push(`${where}: ${keys.length} tags, more than ${max}`);
            for (const [k, v] of Object.entries(t)) {
                if (k.length < 1 || k.length > 128) out.push(`${where}: tag key ${JSON.stringify(k)} is not 1 to 128 characters`);
                if (v.length > 256) out.push(`${where}: tag ${k} value over 256 characters`);
                if (spec.key) out.push(...violations(model(svc), spec.key, k, `${where}.tags key`));
                if (spec.value) out.push(...violations(model(svc), spec.value, v, `${where}.tags[${k}]`));
            }
        }
        const zone = inputs.availabilityZone;
        if (typeof zone === "string" && zone.slice(0, -1) !== region) out.push(`${where}: zone ${zone} is not in ${region}`);
        switch (r.type) {
            case "aws:ebs/volume:Volume": {
                const size = Number(inputs.size);
                const [iMin, iMax] = documentedRange("Iops");
                const [tMin, tMax] = documentedRange("Throughput");
                const iops = (inputs.iops as number | undefined) ?? iMin;
                if (iops < iMin || iops > iMax) out.push(`${where}: iops ${iops} outside ${iMin}-${iMax}`);
                if (inputs.iops !== undefined && iops > iMin && iops > size * 500)
                    out.push(`${where}: ${iops} IOPS on ${size} GiB (> 500/GiB)`);
                const t = inputs.throughput as number | undefined;
                if (t !== undefined && (t < tMin || t > tMax || t > iops / 4)) out.push(`${where}: throughput ${t} with ${iops} IOPS`);
                const kms = inputs.kmsKeyId as string | undefined;
                if (kms !== undefined && !new RegExp(`^arn:aws:kms:${region}:\\d{12}:key/`).test(kms))
                    out.push(`${where}: kmsKeyId ${kms} is not a key ARN of ${region}`);
                break;
            }
            case "aws:ec2/vpc:Vpc":
                if (!canonicalNetwork(String(inputs.cidrBlock)))
                    out.push(`${where}: cidrBlock ${String(inputs.cidrBlock)} has host bits or odd form`);
                break;
            case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
                const c = inputs.cidrIpv4 as string | undefined;
                if (c !== undefined && !canonicalNetwork(c)) out.push(`${where}: cidrIpv4 ${c} has host bits or odd form`);
                break;
            }
            case "aws:lb/loadBalancer:LoadBalancer": {
                const subnets = inputs.subnets as string[] | undefined;
                if (inputs.loadBalancerType === "application" && subnets !== undefined && new Set(subnets).size < 2)
                    out.push(`${where}: an ALB in ${new Set(subnets).size} subnet(s)`);
                const logs = inputs.accessLogs as { bucket?: string; prefix?: string; enabled?: boolean } | undefined;
                if (logs?.bucket !== undefined && !S3_BUCKET.test(logs.bucket)) out.push(`${where}: access-log bucket ${logs.bucket}`);
                if (logs?.prefix !== undefined && (logs.prefix.includes("AWSLogs") || logs.prefix.startsWith("/")))
                    out.push(`${where}: access-log prefix ${logs.prefix}`);
                break;
            }
            case "aws:lb/targetGroup:TargetGroup": {
                const m = at(inputs, "healthCheck.matcher") as string | undefined;
                if (m === undefined) break;
                const kind = lbKind.get(r.parent ?? "") === "network" ? "Network" : "Application";
                const [lo, hi] = matcherRange(kind);
                const ok = m.split(",").every((p) => {
                    const x = /^(\d+)(?:-(\d+))?$/.exec(p);
                    return x !== null && Number(x[1]) >= lo && Number(x[2] ?? x[1]) <= hi && Number(x[1]) <= Number(x[2] ?? x[1]);
                });
                if (!ok) out.push(`${where}: matcher ${m} for a ${kind} Load Balancer`);
                break;
            }
            case "aws:lb/listener:Listener": {
                const cert = inputs.certificateArn as string | undefined;
                if (cert !== undefined && cert.split(":")[3] !== region) out.push(`${where}: certificate from ${cert.split(":")[3]}`);
                break;
            }
            case "aws:route53/record:Record":
                if (String(inputs.name).replace(/\.$/, "").length > 253) out.push(`${where}: DNS name over 253 characters`);
                break;
        }
    }
    // The recover action needs an EBS-only instance (EC2 User Guide, "Recover your instance").
    const recovering = resources.filter(
        (r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && JSON.stringify(r.inputs.alarmActions ?? []).includes(":ec2:recover"),
    );
    for (const r of resources.filter((x) => x.type === "aws:ec2/instance:Instance")) {
        const t = String(r.inputs.instanceType);
        const family = t.split(".")[0];
        if (recovering.length > 0 && (/^[a-z]+\d+[a-z-]*d/.test(family) || /^(i\d|d\d)/.test(family)))
            out.push(`${r.type} ${r.name}: ${t} has instance store, recover cannot act`);
    }
    return out;
}

/** How many generated configs validation accepts, and the key paths of the refusals (node names as `*`). */
function acceptance(runs: number): { accepted: number; backupHosts: number; refusedAt: Record<string, number> } {
    const refusedAt: Record<string, number> = {};
    let accepted = 0;
    let backupHosts = 0;
    for (const { raw, region } of fc.sample(configArb, runs)) {
        try {
            const p = planTopology(parseSpec(raw, { project: "ha-service", stack: "prop", region }));
            accepted++;
            if (p.backupHost) backupHosts++;
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            const paths = e.problems.map((x) =>
                x.path
                    .replace(/\[\d+\]/g, "[]")
                    .replace(/^nodes\.[^.]+/, "nodes.*")
                    .replace(/^tags\b.+/, "tags.*"),
            );
            for (const p of new Set(paths)) refusedAt[p] = (refusedAt[p] ?? 0) + 1;
        }
    }
    return { accepted, backupHosts, refusedAt };
}

describe("AWS limits (property)", () => {
    it("the generator is honest: most generated configs are accepted, and the rest reach every class's rules", () => {
        const { accepted, backupHosts, refusedAt } = acceptance(VALIDATION_RUNS);
        const tally = JSON.stringify(refusedAt, null, 1);
        assert.ok(
            accepted > VALIDATION_RUNS / 2,
            `only ${accepted} of ${VALIDATION_RUNS} generated configs were accepted; refusals: ${tally}`,
        );
        // The GHES backup host registers resources of its own (instance, volume, role, SSM): reach it.
        assert.ok(backupHosts >= VALIDATION_RUNS / 50, `only ${backupHosts} accepted configs have a GHES backup host`);
        const classes: Record<string, RegExp> = {
            "1 region and zones": /^(network\.create\.zones\[\]|network\.subnets\[\]\.zone|nodes\.\*\.zone|loadBalancer\.certificateArn)$/,
            "2 addresses": /^(access\.|network\.create\.cidr)/,
            "3 load balancer": /^loadBalancer\.(healthCheck\.matcher|accessLogs)/,
            "4 volumes": /^dataVolume\./,
            "5 tags and DNS names": /^(tags|dns\.name)/,
            "6 names": /^nodes\.\*$/,
            "7 instance types": /^instanceType$/,
        };
        for (const [what, path] of Object.entries(classes))
            assert.ok(
                Object.keys(refusedAt).some((p) => path.test(p)),
                `no generated config reached class ${what}; refusals: ${tally}`,
            );
    });

    it("every resource of an accepted config satisfies AWS's limits (models and documented ranges)", async function () {
        // Each run is a whole program under the mock runtime (large clusters included): minutes on a
        // loaded 2-core machine, so this test alone gets a longer timeout than .mocharc.js's.
        this.timeout(600_000);
        await fc.assert(
            fc.asyncProperty(configArb, async ({ raw, region }) => {
                fc.pre(accepted(raw, region));
                const run = await runProgram(program, { stack: "prop", config: asPulumiConfig(raw, { "aws:region": region }) });
                assert.equal(run.error, undefined, run.error?.message);
                assert.deepEqual(limitViolations(run.resources, region), []);
            }),
            { numRuns: HARNESS_RUNS },
        );
    });

    it("the oracle finds violations, so the property above can fail", () => {
        const fake = (type: string, inputs: Record<string, unknown>, name = "x"): RecordedResource =>
            ({ type, name, urn: `urn:${type}::${name}`, inputs }) as unknown as RecordedResource;
        const found = limitViolations(
            [
                fake("aws:ebs/volume:Volume", { size: 10, iops: 16000, availabilityZone: "eu-west-1a" }),
                fake("aws:ebs/volume:Volume", { size: 100, throughput: 1000 }, "y"),
                fake("aws:route53/healthCheck:HealthCheck", {
                    tags: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"])),
                }),
                fake("aws:iam/role:Role", { tags: { "a#b": "v" } }),
                fake("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { cidrIpv4: "10.0.0.1/8" }),
                fake("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { cidrIpv4: "10.0.0.1/8" }),
            ],
            "us-east-1",
        );
        for (const fragment of [
            "> 500/GiB",
            "throughput 1000",
            "zone eu-west-1a",
            "11 tags",
            "does not match",
            "host bits",
            "registered 2 times",
        ])
            assert.ok(
                found.some((f) => f.includes(fragment)),
                `no violation mentioning "${fragment}":\n${found.join("\n")}`,
            );
        assert.ok(modelPattern("[\\p{all}]*").test("anything"));
    });
});
