/**
 * Issue 13, classes 1-7: configs the offline check used to accept but AWS (or the Pulumi engine)
 * would refuse partway through `pulumi up`. One table per class; each rejected case names the key
 * path and a fragment of the fix, and fails without its rule. Near misses that AWS accepts are
 * listed too, so no rule is broader than AWS's own.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, type ConfigProblem, parseSpec } from "../components/config";
import { planTopology, plannedRegistrations, registrationKey } from "../components/plan";
import { INSTANCE_TYPE } from "../components/config/validation/resources";
import { TAG_RULES } from "../components/config/validation/tags";
import { CERT, clusterConfig, haConfig, type Raw } from "./fixtures";
import { stackConfig } from "./stacks";

import { MODELS } from "./aws-models";
import { exampleRun } from "./examples";

/** Every problem of a config, through validation and planning (as `pulumi up` runs them); [] when accepted. */
function problemsOf(raw: Raw, region: string | undefined): ConfigProblem[] {
    try {
        planTopology(parseSpec(raw, { project: "ha-service", stack: "test", ...(region === undefined ? {} : { region }) }));
        return [];
    } catch (e) {
        if (e instanceof ConfigError) return [...e.problems];
        throw e;
    }
}

interface Case {
    readonly what: string;
    readonly raw: Raw;
    readonly region?: string;
    /** Expected problem; undefined: accepted. */
    readonly path?: string;
    readonly fix?: RegExp;
}

function table(cases: readonly Case[]): void {
    for (const c of cases) {
        const verdict = c.path === undefined ? "accepts" : `refuses at ${c.path}`;
        it(`${verdict}: ${c.what}`, () => {
            const found = problemsOf(c.raw, "region" in c ? c.region : "us-east-1");
            const list = found.map((p) => `${p.path}: ${p.message}`).join("\n");
            if (c.path === undefined) {
                assert.deepEqual(found, [], `expected no problems, got:\n${list}`);
                return;
            }
            const hit = found.find((p) => p.path === c.path && (c.fix === undefined || c.fix.test(p.message)));
            assert.ok(hit, `no problem at ${c.path} matching ${String(c.fix)}; got:\n${list}`);
        });
    }
}

const EU_CERT = CERT.replace("us-east-1", "eu-west-1");
const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const twoZones = (zones: string[], cidr = "10.40.0.0/16") => ({ network: { create: { cidr, zones } } });
const alb = { loadBalancer: { kind: "alb", certificateArn: CERT } };
const withLb = (lb: Raw) => clusterConfig({ loadBalancer: { kind: "alb", certificateArn: CERT, ...lb } });
const tags = (n: number, extra: Record<string, string> = {}) => ({
    tags: { ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"])), ...extra },
});

describe("AWS limits, class 1: region and zones", () => {
    table([
        {
            what: "created zones of another region",
            raw: haConfig(twoZones(["eu-west-1a", "eu-west-1b"])),
            path: "network.create.zones[0]",
            fix: /not an availability zone of the stack's region aws:region=us-east-1; use a zone of us-east-1/,
        },
        {
            what: "an existing subnet in another region's zone",
            raw: clusterConfig(),
            region: "us-east-2",
            path: "network.subnets[0].zone",
            fix: /aws:region=us-east-2/,
        },
        { what: "a node pinned to another region's zone", raw: clusterConfig(), region: "us-east-2", path: "nodes.app-a.zone" },
        {
            what: "an ACM certificate from another region",
            raw: clusterConfig({ loadBalancer: { kind: "alb", certificateArn: EU_CERT } }),
            path: "loadBalancer.certificateArn",
            fix: /in eu-west-1, but the stack deploys to aws:region=us-east-1/,
        },
        {
            what: "a KMS key from another region",
            raw: haConfig({ dataVolume: { kmsKeyId: KEY_ARN.replace("us-east-1", "eu-west-1") } }),
            path: "dataVolume.kmsKeyId",
            fix: /in eu-west-1/,
        },
        { what: "zones, certificate and key of the stack's region", raw: clusterConfig({ dataVolume: { kmsKeyId: KEY_ARN } }) },
        { what: "nothing compared when the region is unknown", raw: haConfig(twoZones(["eu-west-1a", "eu-west-1b"])), region: undefined },
    ]);
});

describe("AWS limits, class 2: addresses", () => {
    table([
        {
            what: "a VPC block with host bits",
            raw: haConfig(twoZones(["us-east-1a", "us-east-1b"], "10.40.1.0/16")),
            path: "network.create.cidr",
            fix: /write 10\.40\.0\.0\/16/,
        },
        {
            what: "a client CIDR with host bits",
            raw: haConfig({ access: { clientCidrs: ["10.1.2.3/8"] } }),
            path: "access.clientCidrs[0]",
            fix: /write 10\.0\.0\.0\/8/,
        },
        {
            what: "an admin CIDR with host bits",
            raw: haConfig({ access: { clientCidrs: ["10.0.0.0/8"], adminCidrs: ["192.168.1.1/24"] } }),
            path: "access.adminCidrs[0]",
            fix: /write 192\.168\.1\.0\/24/,
        },
        {
            what: "a CIDR with leading zeros",
            raw: haConfig({ access: { clientCidrs: ["010.0.0.0/8"] } }),
            path: "access.clientCidrs[0]",
            fix: /without leading zeros.*write it like 10\.0\.0\.0\/16/,
        },
        {
            what: "one client CIDR listed twice",
            raw: haConfig({ access: { clientCidrs: ["10.0.0.0/8", "10.0.0.0/8"] } }),
            path: "access.clientCidrs[1]",
            fix: /same block as access\.clientCidrs\[0\]; list it once/,
        },
        {
            what: "one subnet id under two zones",
            raw: clusterConfig({
                network: {
                    vpcId: "vpc-0a1b2c3d4e5f60718",
                    subnets: [
                        { id: "subnet-0aaa1111bbbb2222a", zone: "us-east-1a" },
                        { id: "subnet-0aaa1111bbbb2222a", zone: "us-east-1b" },
                        { id: "subnet-0aaa1111bbbb2222c", zone: "us-east-1c" },
                    ],
                },
            }),
            path: "network.subnets[1].id",
            fix: /already listed as network\.subnets\[0\]/,
        },
        {
            what: "admin blocks that together cover the internet",
            raw: haConfig({ access: { clientCidrs: ["10.0.0.0/8"], adminCidrs: ["0.0.0.0/1", "128.0.0.0/1"] } }),
            path: "access.adminCidrs",
            fix: /cover the whole internet/,
        },
        {
            what: "the whole internet with an odd prefix",
            raw: haConfig({ access: { clientCidrs: ["10.0.0.0/8"], adminCidrs: ["0.0.0.0/00"] } }),
            path: "access.adminCidrs[0]",
            fix: /prefix \/0 to \/32\); write it like 10\.0\.0\.0\/16/,
        },
        {
            what: "admin blocks that leave part of the internet out",
            raw: haConfig({ access: { clientCidrs: ["10.0.0.0/8"], adminCidrs: ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2"] } }),
        },
        {
            what: "clients from the whole internet (a public service)",
            raw: haConfig({ access: { clientCidrs: ["0.0.0.0/1", "128.0.0.0/1"] } }),
        },
    ]);
});

describe("AWS limits, class 3: load balancer", () => {
    table([
        {
            what: "an ALB in a one-zone network",
            raw: haConfig({ ...twoZones(["us-east-1a"]), ...alb, relax: { singleZone: true } }),
            path: "network.create.zones",
            fix: /ALB needs subnets in at least two availability zones/,
        },
        {
            what: "an ALB given one load-balancer subnet",
            raw: clusterConfig({
                loadBalancer: { kind: "alb", certificateArn: CERT, scheme: "internet-facing" },
                network: { ...(clusterConfig().network as Raw), loadBalancerSubnets: ["subnet-0bbb1111bbbb2222a"] },
            }),
            path: "network.loadBalancerSubnets",
            fix: /at least two availability zones/,
        },
        {
            what: "an ALB matcher above 499",
            raw: withLb({ healthCheck: { matcher: "200-599" } }),
            path: "loadBalancer.healthCheck.matcher",
            fix: /outside 200-499, the range an ALB accepts/,
        },
        {
            what: "a matcher that is not a code list",
            raw: withLb({ healthCheck: { matcher: "2xx" } }),
            path: "loadBalancer.healthCheck.matcher",
            fix: /not an HTTP code list/,
        },
        {
            what: "a matcher range written backwards",
            raw: withLb({ healthCheck: { matcher: "299-200" } }),
            path: "loadBalancer.healthCheck.matcher",
            fix: /end is below its start/,
        },
        {
            what: "an NLB matcher of 5xx codes",
            raw: clusterConfig({ loadBalancer: { kind: "nlb", healthCheck: { protocol: "HTTP", matcher: "200-599" } } }),
        },
        { what: "an ALB matcher list", raw: withLb({ healthCheck: { matcher: "200,302,400-499" } }) },
        {
            what: "a bucket name with capitals",
            raw: withLb({ accessLogs: { bucket: "My_Logs" } }),
            path: "loadBalancer.accessLogs.bucket",
            fix: /lower-case letters/,
        },
        {
            what: "a bucket name shaped like an IP address",
            raw: withLb({ accessLogs: { bucket: "192.168.1.1" } }),
            path: "loadBalancer.accessLogs.bucket",
            fix: /IP address/,
        },
        {
            what: "a bucket name of two characters",
            raw: withLb({ accessLogs: { bucket: "ab" } }),
            path: "loadBalancer.accessLogs.bucket",
            fix: /3 to 63/,
        },
        {
            what: "a bucket name with a reserved prefix",
            raw: withLb({ accessLogs: { bucket: "xn--logs" } }),
            path: "loadBalancer.accessLogs.bucket",
            fix: /xn--/,
        },
        {
            what: "a bucket name with adjacent dots",
            raw: withLb({ accessLogs: { bucket: "logs..prod" } }),
            path: "loadBalancer.accessLogs.bucket",
            fix: /adjacent dots/,
        },
        {
            what: "a prefix holding AWSLogs",
            raw: withLb({ accessLogs: { bucket: "logs", prefix: "alb/AWSLogs" } }),
            path: "loadBalancer.accessLogs.prefix",
            fix: /must not include AWSLogs/,
        },
        {
            what: "a prefix starting with a slash",
            raw: withLb({ accessLogs: { bucket: "logs", prefix: "/alb" } }),
            path: "loadBalancer.accessLogs.prefix",
            fix: /must not start with '\/'/,
        },
        { what: "a dotted bucket and a nested prefix", raw: withLb({ accessLogs: { bucket: "logs.example-prod", prefix: "alb/prod" } }) },
    ]);
});

describe("AWS limits, class 4: volumes", () => {
    table([
        {
            what: "throughput above IOPS/4 at the baseline",
            raw: haConfig({ dataVolume: { throughput: 800 } }),
            path: "dataVolume.throughput",
            fix: /more than IOPS\/4 = 750 MiB\/s.*at least 3200/,
        },
        {
            what: "throughput above IOPS/4",
            raw: haConfig({ dataVolume: { iops: 3600, throughput: 1000 } }),
            path: "dataVolume.throughput",
            fix: /more than IOPS\/4 = 900 MiB\/s/,
        },
        { what: "throughput at exactly IOPS/4", raw: haConfig({ dataVolume: { iops: 4000, throughput: 1000 } }) },
        {
            what: "more than 500 IOPS per GiB",
            raw: haConfig({ dataVolume: { size: 20, iops: 16000 } }),
            path: "dataVolume.size",
            fix: /at least 32 GiB/,
        },
        {
            what: "one node's own size too small for the IOPS",
            raw: haConfig({
                nodeCount: undefined,
                nodes: { a: { zone: "us-east-1a" }, b: { zone: "us-east-1b", dataVolumeSize: 8 } },
                dataVolume: { iops: 6000 },
            }),
            path: "nodes.b.dataVolumeSize",
            fix: /at least 12 GiB/,
        },
        { what: "the baseline IOPS on a tiny volume", raw: haConfig({ dataVolume: { size: 1, iops: 3000 } }) },
        { what: "16000 IOPS on 32 GiB", raw: haConfig({ dataVolume: { size: 32, iops: 16000 } }) },
        {
            what: "a KMS alias",
            raw: haConfig({ dataVolume: { kmsKeyId: "alias/ebs" } }),
            path: "dataVolume.kmsKeyId",
            fix: /must be a KMS key ARN/,
        },
        {
            what: "a bare KMS key id",
            raw: haConfig({ dataVolume: { kmsKeyId: "1234abcd-12ab-34cd-56ef-1234567890ab" } }),
            path: "dataVolume.kmsKeyId",
            fix: /not a key id or alias/,
        },
        {
            what: "a KMS alias ARN",
            raw: haConfig({ dataVolume: { kmsKeyId: "arn:aws:kms:us-east-1:123456789012:alias/ebs" } }),
            path: "dataVolume.kmsKeyId",
            fix: /must be a KMS key ARN/,
        },
        {
            what: "a multi-region key ARN",
            raw: haConfig({ dataVolume: { kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef" } }),
        },
    ]);
});

describe("AWS limits, class 5: tags and DNS names", () => {
    table([
        {
            what: "6 tags on an HA stack (its Route 53 health check takes 10, 5 are the package's)",
            raw: haConfig(tags(6)),
            path: "tags",
            fix: /Route 53 health check 11 tags.*keep at most 5 tags of your own/,
        },
        { what: "5 tags on an HA stack", raw: haConfig(tags(5)) },
        { what: "a tag the package sets anyway does not count twice", raw: haConfig(tags(5, { Name: "x" })) },
        {
            what: "44 tags on a cluster (an EC2 data volume takes 50, 7 are the package's)",
            raw: clusterConfig(tags(44)),
            path: "tags",
            fix: /EC2 data volume .* 51 tags.*keep at most 43/,
        },
        { what: "43 tags on a cluster", raw: clusterConfig(tags(43)) },
        {
            what: "45 tags (Node and DataVolumeBackup among them) with a GHES backup host, whose own tags are Name and Role",
            raw: haConfig({
                profile: "ghes",
                loadBalancer: undefined,
                ghesBackup: { ami: "ami-0fedcba9876543210", ghesVersion: "3.16" },
                ...tags(43, { Node: "n", DataVolumeBackup: "d" }),
            }),
            path: "tags",
            fix: /EC2 GHES backup host and its data volume 51 tags with the package's own 6 \(Project, Stack, Service, ManagedBy, Name, Role\).*keep at most 44/,
        },
        {
            what: "45 tags in a created network (a subnet takes 50, 6 are the package's)",
            raw: haConfig({ ...tags(45), monitoring: { enabled: false }, failover: "manual" }),
            path: "tags",
            fix: /EC2 subnet .*keep at most 44/,
        },
        {
            what: "a key IAM refuses",
            raw: haConfig({ tags: { "cost#center": "1" } }),
            path: "tags.cost#center",
            fix: /IAM role .* tag key/,
        },
        { what: "a value IAM refuses", raw: haConfig({ tags: { team: "a&b" } }), path: "tags.team", fix: /IAM role .* tag value/ },
        {
            what: "an @ in a key (Data Lifecycle Manager refuses it)",
            raw: haConfig({ tags: { "owner@team": "x" } }),
            path: "tags.owner@team",
            fix: /Data Lifecycle Manager policy refuses in a tag key/,
        },
        { what: "an @ in a key without backups", raw: haConfig({ tags: { "owner@team": "x" }, backups: { enabled: false } }) },
        { what: "unicode letters in a value", raw: haConfig({ tags: { owner: "Zoë Müller" } }) },
        { what: "an empty key", raw: haConfig({ tags: { "": "x" } }), path: 'tags[""]', fix: /empty tag key/ },
        {
            what: "a DNS name over 253 characters",
            raw: haConfig({
                dns: { zoneId: "Z0123456789TESTZONE", name: `${["a", "b", "c", "d"].map((c) => c.repeat(63)).join(".")}.com` },
            }),
            path: "dns.name",
            fix: /at most 253/,
        },
    ]);

    it("the tag character rules agree with the services' API models", () => {
        const shapes = (file: string) =>
            (JSON.parse(readFileSync(join(MODELS, file), "utf8")) as { shapes: Record<string, { pattern?: string }> }).shapes;
        const model = {
            "IAM role and instance profile": new RegExp(`^(?:${shapes("iam-2010-05-08.normal.json").tagKeyType.pattern})$`, "u"),
            "SSM parameter and document": new RegExp(`^(?:${shapes("ssm-2014-11-06.normal.json").TagKey.pattern})$`, "u"),
            "load balancer, target group and listener": new RegExp(
                `^(?:${shapes("elasticloadbalancingv2-2015-12-01.normal.json").TagKey.pattern})$`,
                "u",
            ),
            "Data Lifecycle Manager policy": new RegExp(shapes("dlm-2018-01-12.normal.json").TagKey.pattern!),
        };
        const samples = [
            "Team",
            "cost center",
            "a:b/c=d+e-f@g_h.i",
            "Zoë",
            "数字",
            "cost#center",
            "a&b",
            "owner@team",
            "x y",
            "tab\tkey",
            "k;v",
            "aws:x",
        ];
        for (const rule of TAG_RULES) {
            const oracle = model[rule.what as keyof typeof model];
            if (!rule.key) continue;
            assert.ok(oracle, `no model pattern for ${rule.what}`);
            for (const s of samples) {
                if (s.startsWith("aws:")) continue; // refused for every service by crossCheck's own rule
                assert.equal(rule.key.test(s), oracle.test(s), `${rule.what}: ${JSON.stringify(s)}`);
            }
        }
    });
});

describe("AWS limits, class 6: names and URNs", () => {
    table([
        {
            what: "nodes `a` and `a-config` (both derive the SSM parameter svc-repl-a-config)",
            raw: haConfig({ nodeCount: undefined, nodes: { a: { zone: "us-east-1a" }, "a-config": { zone: "us-east-1b" } }, primary: "a" }),
            path: "nodes.a-config",
            fix: /aws:ssm\/parameter:Parameter "svc-repl-a-config".*Pulumi refuses two resources with one URN: rename the node/,
        },
        {
            what: "a node named `secret` (the join secret's parameter is svc-repl-secret)",
            raw: haConfig({
                nodeCount: undefined,
                nodes: { secret: { zone: "us-east-1a" }, b: { zone: "us-east-1b" } },
                primary: "secret",
            }),
            path: "nodes.secret",
            fix: /svc-repl-secret/,
        },
        {
            what: "nodes `a` and `a-data` (different resource types)",
            raw: haConfig({ nodeCount: undefined, nodes: { a: { zone: "us-east-1a" }, "a-data": { zone: "us-east-1b" } }, primary: "a" }),
        },
    ]);

    it("planned registrations are exactly what the program registers, for every example stack", async () => {
        for (const stack of ["dev", "prod", "ghes-ha", "ghes-cluster", "cloudify", "ghes-dr"]) {
            // The run every test of this process shares (test/examples.ts); it throws if the stack fails.
            const run = await exampleRun(stack);
            const registered = run.resources
                .filter((r) => r.type !== "pulumi:pulumi:Stack")
                .map((r) => {
                    const parent = run.resources.find((p) => p.urn === r.parent);
                    return registrationKey({ parent: parent?.type ?? "", type: r.type, name: r.name });
                })
                .sort();
            const planned = plannedRegistrations(planTopology(parseSpec(stackConfig(stack), { project: "ha-service", stack })))
                .map(registrationKey)
                .sort();
            assert.deepEqual(planned, registered, stack);
        }
    });
});

describe("AWS limits, class 7: instance types", () => {
    table([
        {
            what: "a family without a size",
            raw: haConfig({ instanceType: "m6i" }),
            path: "instanceType",
            fix: /write family\.size, such as m6i\.xlarge/,
        },
        { what: "an unknown size word", raw: haConfig({ instanceType: "m6i.huge" }), path: "instanceType", fix: /family\.size/ },
        { what: "capitals", raw: haConfig({ instanceType: "M6I.large" }), path: "instanceType" },
        {
            what: "an instance-store type (the recover alarm cannot act)",
            raw: haConfig({ instanceType: "m6id.xlarge" }),
            path: "instanceType",
            fix: /instance-store volumes, so the node's recover alarm/,
        },
        {
            what: "an instance-store type on one node",
            raw: haConfig({
                nodeCount: undefined,
                nodes: { a: { zone: "us-east-1a" }, b: { zone: "us-east-1b", instanceType: "i4i.large" } },
            }),
            path: "nodes.b.instanceType",
        },
        {
            what: "an instance-store type without monitoring (no recover alarm)",
            raw: haConfig({ instanceType: "m6id.xlarge", monitoring: { enabled: false } }),
        },
        { what: "a flex type", raw: haConfig({ instanceType: "m7i-flex.large" }) },
        { what: "an EBS-only Graviton GPU type (g5g, unlike g5)", raw: haConfig({ instanceType: "g5g.xlarge" }) },
        { what: "an inference type (inf2: EBS only)", raw: haConfig({ instanceType: "inf2.xlarge" }) },
        {
            what: "a storage-optimised type (d3)",
            raw: haConfig({ instanceType: "d3.xlarge" }),
            path: "instanceType",
            fix: /instance-store/,
        },
        { what: "a metal size", raw: haConfig({ instanceType: "m6i.metal" }) },
    ]);

    it("every instance type in the EC2 API model has the family.size shape the rule accepts", () => {
        const model = JSON.parse(readFileSync(join(MODELS, "ec2-2016-11-15.normal.json"), "utf8")) as {
            shapes: { InstanceType: { enum: string[] } };
        };
        const types = model.shapes.InstanceType.enum;
        assert.ok(types.length > 500);
        assert.deepEqual(
            types.filter((t) => !INSTANCE_TYPE.test(t)),
            [],
        );
    });
});
