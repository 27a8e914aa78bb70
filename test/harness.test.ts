/**
 * Tests of the offline harness (tools/harness.ts), the mocks, the stack file reader and the plan
 * formatter, on a small throwaway program (not the real index.ts).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { getAvailabilityZones } from "@pulumi/aws/getAvailabilityZones";
import { getCallerIdentity } from "@pulumi/aws/getCallerIdentity";
import { getRegion } from "@pulumi/aws/getRegion";
import * as aws from "../components/aws/sdk";
import * as random from "@pulumi/random";
import {
    byType,
    findResource,
    getResource,
    isCloudResource,
    ProgramRun,
    resolveDeep,
    resourceKey,
    runProgram,
    SECRET_MASK,
    UNKNOWN_MASK,
} from "../tools/harness";
import { HaMocks, mockPrivateIp, MOCK_ELB_ZONE_ID } from "../tools/mocks";
import { countLine, displayType, formatPlan, main, parseArgs, planJson } from "../tools/plan";
import { listStacks, readConfigFile, readStackFile, SECURE_PLACEHOLDER } from "../tools/stackfile";

const T = {
    stack: "pulumi:pulumi:Stack",
    node: "test:index:Node",
    instance: "aws:ec2/instance:Instance",
    volume: "aws:ebs/volume:Volume",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    param: "aws:ssm/parameter:Parameter",
    password: "random:index/randomPassword:RandomPassword",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    tg: "aws:lb/targetGroup:TargetGroup",
    listener: "aws:lb/listener:Listener",
    record: "aws:route53/record:Record",
};

class TestNode extends pulumi.ComponentResource {
    readonly instance: aws.ec2.Instance;
    readonly volume: aws.ebs.Volume;

    constructor(name: string, args: { sgId: pulumi.Input<string>; zone: string }, opts?: pulumi.ComponentResourceOptions) {
        super(T.node, name, {}, opts);
        this.instance = new aws.ec2.Instance(
            name,
            {
                ami: "ami-0123456789abcdef0",
                instanceType: "m5.large",
                availabilityZone: args.zone,
                subnetId: "subnet-private",
                vpcSecurityGroupIds: [args.sgId],
                associatePublicIpAddress: false,
                metadataOptions: { httpTokens: "required" },
                rootBlockDevice: { encrypted: true },
                monitoring: true,
                userData: "#cloud-config\n",
            },
            { parent: this, ignoreChanges: ["ami", "userData"] },
        );
        this.volume = new aws.ebs.Volume(
            `${name}-data`,
            { availabilityZone: this.instance.availabilityZone, size: 100, type: "gp3", encrypted: true },
            { parent: this, protect: true, retainOnDelete: true, dependsOn: [this.instance] },
        );
        this.registerOutputs({ privateIp: this.instance.privateIp });
    }
}

/** Config: ha-service:nodes (JSON list), ha-service:primary, optional ha-service:internal. */
async function testProgram(): Promise<Record<string, unknown>> {
    const cfg = new pulumi.Config("ha-service");
    const nodes = cfg.requireObject<string[]>("nodes");
    const primary = cfg.require("primary");
    if (!nodes.includes(primary)) {
        // Validation before any resource, like the real program's config layer.
        throw new Error(`ha-service:primary: "${primary}" is not one of the nodes (${nodes.join(", ")})`);
    }
    const sg = new aws.ec2.SecurityGroup(
        "nodes",
        { description: "HA nodes" },
        {
            aliases: [{ name: "old-nodes" }],
            deleteBeforeReplace: true,
            customTimeouts: { delete: "15m" },
            replaceOnChanges: ["description"],
        },
    );
    new aws.vpc.SecurityGroupIngressRule(
        "replication-122",
        {
            securityGroupId: sg.id,
            referencedSecurityGroupId: sg.id,
            ipProtocol: "tcp",
            fromPort: 122,
            toPort: 122,
            description: "replication SSH",
        },
        { parent: sg },
    );
    const members = nodes.map((n, i) => new TestNode(n, { sgId: sg.id, zone: `us-east-1${"abc"[i % 3]}` }));
    const password = new random.RandomPassword("join", { length: 32, special: false });
    const param = new aws.ssm.Parameter("join-secret", {
        name: "/ha/join",
        type: "SecureString",
        value: password.result,
        tags: { owner: pulumi.secret("team-secret-owner"), env: "test" },
    });
    const lb = new aws.lb.LoadBalancer("front", {
        loadBalancerType: "network",
        internal: cfg.getBoolean("internal") ?? false,
        enableDeletionProtection: true,
    });
    const tg = new aws.lb.TargetGroup("tg-443", {
        port: 443,
        protocol: "TCP",
        vpcId: "vpc-123",
        deregistrationDelay: 30,
        healthCheck: { protocol: "HTTPS", path: "/status", port: "443", interval: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
    });
    new aws.lb.Listener("l-443", {
        loadBalancerArn: lb.arn,
        port: 443,
        protocol: "TCP",
        defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
    });
    new aws.route53.Record("dns", {
        zoneId: "Z123",
        name: "ha.example.com",
        type: "A",
        aliases: [{ name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true }],
    });
    const nodeIps: Record<string, pulumi.Output<string>> = {};
    members.forEach((m, i) => (nodeIps[nodes[i]] = m.instance.privateIp));
    return {
        topology: "ha",
        profile: "ghes",
        primary,
        nodeIps,
        joinSecret: pulumi.secret(password.result),
        paramArn: param.arn,
        lbDns: lb.dnsName,
        warnings: nodes.length < 2 ? ["only one node: no failover"] : [],
    };
}

const baseConfig = { "ha-service:nodes": JSON.stringify(["ghe-1", "ghe-2"]), "ha-service:primary": "ghe-1", "aws:region": "us-east-1" };

function run(config: Record<string, string> = baseConfig, opts: { preview?: boolean; mocks?: HaMocks } = {}): Promise<ProgramRun> {
    return runProgram(testProgram, { stack: "test", config, ...opts });
}

describe("harness", () => {
    let r: ProgramRun;
    before(async () => {
        r = await run();
        assert.equal(r.error, undefined, r.error?.stack);
    });

    it("records every registration including the stack root and components", () => {
        assert.equal(r.resources[0].type, T.stack);
        assert.equal(r.resources[0].name, "ha-service-test");
        assert.equal(r.resources[0].parent, undefined);
        assert.equal(byType(r, T.node).length, 2);
        assert.equal(byType(r, T.instance).length, 2);
        assert.equal(byType(r, T.volume).length, 2);
        const keys = r.resources.map(resourceKey);
        assert.equal(new Set(keys).size, keys.length, "no duplicate registrations");
        assert.ok(keys.includes("aws:ssm/parameter:Parameter::join-secret"));
        assert.equal(r.unhandledRejections.length, 0);
    });

    it("records parent URNs as the monitor computes them", () => {
        const stack = r.resources[0];
        const node = getResource(r, T.node, "ghe-1");
        const inst = getResource(r, T.instance, "ghe-1");
        assert.equal(node.parent, stack.urn);
        assert.equal(inst.parent, node.urn);
        assert.equal(inst.urn, "urn:pulumi:test::ha-service::test:index:Node$aws:ec2/instance:Instance::ghe-1");
        const rule = getResource(r, T.ingress, "replication-122");
        assert.equal(rule.parent, getResource(r, T.sg, "nodes").urn);
    });

    it("records protect, retainOnDelete, ignoreChanges and dependsOn", () => {
        const vol = getResource(r, T.volume, "ghe-2-data");
        const inst = getResource(r, T.instance, "ghe-2");
        assert.equal(vol.protect, true);
        assert.equal(vol.retainOnDelete, true);
        assert.ok(vol.dependencies.includes(inst.urn), `volume depends on ${inst.urn}: ${vol.dependencies.join(", ")}`);
        assert.deepEqual(inst.ignoreChanges, ["ami", "userData"]);
        assert.equal(inst.protect, undefined, "protect not set on the instance");
        assert.equal(inst.retainOnDelete, undefined);
        assert.deepEqual(vol.ignoreChanges, []);
        // The instance's dependency on the security group comes from its inputs.
        const sg = getResource(r, T.sg, "nodes");
        assert.deepEqual(inst.propertyDependencies.vpcSecurityGroupIds, [sg.urn]);
        assert.ok(inst.dependencies.includes(sg.urn));
        assert.deepEqual(sg.aliases, ["urn:pulumi:test::ha-service::pulumi:pulumi:Stack$aws:ec2/securityGroup:SecurityGroup::old-nodes"]);
        assert.equal(sg.deleteBeforeReplace, true);
        assert.deepEqual(sg.replaceOnChanges, ["description"]);
        assert.deepEqual(sg.customTimeouts, { delete: "15m" });
        assert.equal(inst.deleteBeforeReplace, false);
        assert.equal(inst.customTimeouts, undefined);
    });

    it("keeps secret inputs but masks them and lists their paths", () => {
        const p = getResource(r, T.param, "join-secret");
        assert.match(String(p.inputs.value), /^mock-secret-[0-9a-f]{16}$/);
        assert.equal(p.maskedInputs.value, SECRET_MASK);
        assert.deepEqual((p.maskedInputs.tags as Record<string, unknown>).owner, SECRET_MASK);
        assert.equal((p.inputs.tags as Record<string, unknown>).owner, "team-secret-owner");
        assert.equal((p.maskedInputs.tags as Record<string, unknown>).env, "test");
        assert.deepEqual([...p.secretPaths].sort(), ["tags.owner", "value"]);
        assert.ok(!JSON.stringify(p.maskedInputs).includes("mock-secret-"));
        const inst = getResource(r, T.instance, "ghe-1");
        assert.deepEqual(inst.secretPaths, []);
        assert.equal(inst.maskedInputs.instanceType, "m5.large");
    });

    it("resolves outputs deeply and reports secret keys", () => {
        const ip1 = getResource(r, T.instance, "ghe-1").state?.privateIp;
        assert.equal(ip1, mockPrivateIp("ghe-1"));
        assert.deepEqual(r.outputs.nodeIps, { "ghe-1": mockPrivateIp("ghe-1"), "ghe-2": mockPrivateIp("ghe-2") });
        assert.equal(r.outputs.primary, "ghe-1");
        assert.match(String(r.outputs.joinSecret), /^mock-secret-/);
        assert.equal(r.outputs.joinSecret, getResource(r, T.param, "join-secret").inputs.value);
        assert.deepEqual(r.secretOutputs, ["joinSecret"]);
        assert.equal(r.outputs.paramArn, "arn:aws:ssm:us-east-1:123456789012:parameter/ha/join");
        assert.deepEqual(r.outputs.warnings, []);
    });

    it("gives deterministic mock ids across runs", async () => {
        const again = await run();
        const ids = (x: ProgramRun) => Object.fromEntries(x.resources.filter((y) => y.custom).map((y) => [resourceKey(y), y.id]));
        assert.deepEqual(ids(again), ids(r));
        assert.deepEqual(again.outputs, r.outputs);
        const i1 = getResource(r, T.instance, "ghe-1").id!;
        const i2 = getResource(r, T.instance, "ghe-2").id!;
        assert.match(i1, /^i-[0-9a-f]{17}$/);
        assert.notEqual(i1, i2);
        assert.match(getResource(r, T.sg, "nodes").id!, /^sg-[0-9a-f]{17}$/);
        assert.match(getResource(r, T.volume, "ghe-1-data").id!, /^vol-[0-9a-f]{17}$/);
    });

    it("sees each run's own config when runs follow each other", async () => {
        const three = await run({
            ...baseConfig,
            "ha-service:nodes": JSON.stringify(["ghe-1", "ghe-2", "ghe-3"]),
            "ha-service:primary": "ghe-3",
        });
        assert.equal(three.error, undefined);
        assert.equal(byType(three, T.instance).length, 3);
        assert.equal(three.outputs.primary, "ghe-3");
        const one = await run({ "ha-service:nodes": JSON.stringify(["solo"]), "ha-service:primary": "solo" });
        assert.deepEqual(
            byType(one, T.instance).map((x) => x.name),
            ["solo"],
        );
        assert.deepEqual(one.outputs.warnings, ["only one node: no failover"]);
        assert.equal(one.config["aws:region"], undefined, "config of the previous run does not leak");
        const again = await run();
        assert.equal(byType(again, T.instance).length, 2);
        assert.equal(again.outputs.primary, "ghe-1");
    });

    it("returns a thrown config error without registering cloud resources, and the next run works", async () => {
        // Without the harness's guard the SDK's re-raised error reaches process listeners (mocha
        // swallows it, plain node crashes): a listener of our own must see nothing.
        const seen: unknown[] = [];
        const spy = (reason: unknown) => seen.push(reason);
        process.on("unhandledRejection", spy);
        let bad: ProgramRun;
        try {
            bad = await run({ ...baseConfig, "ha-service:primary": "nope" });
            await new Promise((resolve) => setTimeout(resolve, 20));
        } finally {
            process.removeListener("unhandledRejection", spy);
        }
        assert.deepEqual(seen, []);
        assert.ok(bad.error instanceof Error);
        assert.match(bad.error.message, /ha-service:primary: "nope" is not one of the nodes/);
        assert.equal(bad.resources.filter(isCloudResource).length, 0);
        assert.equal(bad.resourcesAtError, 0);
        assert.deepEqual(bad.outputs, {});
        assert.deepEqual(bad.unhandledRejections, [], "the SDK's re-raised program error is not reported as extra");
        const missing = await run({});
        assert.match(String(missing.error?.message), /Missing required configuration variable 'ha-service:nodes'/);
        const good = await run();
        assert.equal(good.error, undefined);
        assert.equal(byType(good, T.instance).length, 2);
        assert.deepEqual(good.unhandledRejections, []);
    });

    it("returns a failed registration as the run's error, and the next run works", async () => {
        class Failing extends HaMocks {
            override newResource(args: pulumi.runtime.MockResourceArgs) {
                if (args.type === T.volume) {
                    throw new Error("mock volume quota exceeded");
                }
                return super.newResource(args);
            }
        }
        const failed = await run(baseConfig, { mocks: new Failing() });
        assert.match(String(failed.error?.message), /mock volume quota exceeded/);
        assert.equal(byType(failed, T.volume).length, 2, "the failing registrations are still recorded");
        assert.equal(getResource(failed, T.volume, "ghe-1-data").state, undefined);
        const good = await run();
        assert.equal(good.error, undefined);
        assert.equal(getResource(good, T.volume, "ghe-1-data").id?.startsWith("vol-"), true);
    });

    describe("refuses a duplicate URN like the engine", () => {
        // Two registrations collide when type, name and parent type are all equal (the mock URN
        // qualifies a type with its parent's, the stack's included).
        class Holder extends pulumi.ComponentResource {
            constructor(type: string, name: string) {
                super(type, name, {}, {});
            }
        }
        const cases: { what: string; build: () => void; duplicate?: string }[] = [
            {
                what: "two parameters with one name and no parent",
                build: () => {
                    new aws.ssm.Parameter("p", { type: "String", value: "a" });
                    new aws.ssm.Parameter("p", { type: "String", value: "b" });
                },
                duplicate: "urn:pulumi:test::ha-service::pulumi:pulumi:Stack$aws:ssm/parameter:Parameter::p",
            },
            {
                what: "two components with one type and name",
                build: () => {
                    new Holder("test:index:Node", "n");
                    new Holder("test:index:Node", "n");
                },
                duplicate: "urn:pulumi:test::ha-service::pulumi:pulumi:Stack$test:index:Node::n",
            },
            {
                what: "one name under two parents of one type",
                build: () => {
                    new aws.ssm.Parameter("p", { type: "String", value: "a" }, { parent: new Holder("test:index:Node", "a") });
                    new aws.ssm.Parameter("p", { type: "String", value: "b" }, { parent: new Holder("test:index:Node", "b") });
                },
                duplicate: "urn:pulumi:test::ha-service::test:index:Node$aws:ssm/parameter:Parameter::p",
            },
            {
                what: "one name for two types",
                build: () => {
                    new aws.ssm.Parameter("p", { type: "String", value: "a" });
                    new Holder("test:index:Node", "p");
                },
            },
            {
                what: "one name under parents of two types",
                build: () => {
                    new aws.ssm.Parameter("p", { type: "String", value: "a" }, { parent: new Holder("test:index:Node", "a") });
                    new aws.ssm.Parameter("p", { type: "String", value: "b" }, { parent: new Holder("test:index:Other", "a") });
                },
            },
        ];
        for (const c of cases) {
            it(`${c.duplicate ? "refuses" : "accepts"} ${c.what}`, async () => {
                const res = await runProgram(() => c.build(), { stack: "test", config: baseConfig });
                if (c.duplicate === undefined) {
                    assert.equal(res.error, undefined, res.error?.message);
                } else {
                    assert.ok(res.error, "the run must fail");
                    assert.match(res.error.message, /Duplicate resource URN '([^']+)'; try giving it a unique name/);
                    assert.ok(res.error.message.includes(`'${c.duplicate}'`), res.error.message);
                    assert.equal(res.resources.filter((r) => r.urn === c.duplicate && r.registrationError).length, 1);
                }
                assert.deepEqual(res.unhandledRejections, []);
            });
        }
        it("the next run after a refused one works", async () => {
            await runProgram(() => cases[0].build(), { stack: "test", config: baseConfig });
            const good = await run();
            assert.equal(good.error, undefined);
        });
    });

    it("queues overlapping runs instead of mixing their state", async () => {
        const [a, b] = await Promise.all([run(), run({ "ha-service:nodes": JSON.stringify(["x"]), "ha-service:primary": "x" })]);
        assert.deepEqual(
            byType(a, T.instance).map((x) => x.name),
            ["ghe-1", "ghe-2"],
        );
        assert.deepEqual(
            byType(b, T.instance).map((x) => x.name),
            ["x"],
        );
    });

    it("reports unknown values in preview", async () => {
        const p = await runProgram(
            async () => {
                const bucket = new aws.s3.Bucket("logs", {});
                new aws.s3.BucketPolicy("logs-policy", { bucket: bucket.bucketDomainName, policy: "{}" });
                return { domain: bucket.bucketDomainName, arn: bucket.arn };
            },
            { stack: "test", preview: true },
        );
        assert.equal(p.error, undefined);
        assert.equal(p.outputs.domain, UNKNOWN_MASK);
        assert.equal(p.outputs.arn, "arn:aws:mock::123456789012:logs");
        const pol = getResource(p, "aws:s3/bucketPolicy:BucketPolicy", "logs-policy");
        assert.deepEqual(pol.unknownPaths, ["bucket"]);
        assert.equal(pol.maskedInputs.bucket, UNKNOWN_MASK);
        assert.equal(pol.inputs.bucket, undefined);
        assert.equal(p.preview, true);
    });

    it("findResource returns undefined and getResource names what exists", () => {
        assert.equal(findResource(r, T.instance, "ghe-9"), undefined);
        assert.throws(() => getResource(r, T.instance, "ghe-9"), /registered: ghe-1, ghe-2/);
    });
});

describe("harness in plain node", () => {
    it("survives a throwing program without crashing the process (no mocha listeners)", function () {
        this.timeout(120000);
        // As the tools start: Node's compile cache first (tools/compilecache.ts), so the SDK's modules
        // are not compiled again in this process (about 0.3 CPU s).
        const script = [
            'require("./tools/compilecache");',
            'const { runProgram } = require("./tools/harness");',
            'const aws = require("@pulumi/aws");',
            "(async () => {",
            '  const bad = await runProgram(async () => { throw new Error("invalid config"); }, { stack: "a" });',
            '  const good = await runProgram(async () => { const b = new aws.s3.Bucket("b"); return { arn: b.arn }; }, { stack: "b" });',
            "  await new Promise((r) => setTimeout(r, 50));",
            "  console.log(JSON.stringify({ bad: bad.error && bad.error.message, good: good.outputs.arn, n: good.resources.length }));",
            "})();",
        ].join("\n");
        const res = spawnSync(path.join("node_modules", ".bin", "node"), ["--import", "tsx", "--eval", script], {
            cwd: path.join(__dirname, ".."),
            encoding: "utf8",
        });
        assert.equal(res.status, 0, res.stderr);
        assert.deepEqual(JSON.parse(res.stdout.trim().split("\n").pop()!), {
            bad: "invalid config",
            good: "arn:aws:mock::123456789012:b",
            n: 2,
        });
    });
});

describe("mocks", () => {
    it("computes AWS-shaped fields per type", async () => {
        const x = await run({ ...baseConfig, "ha-service:internal": "true", "aws:region": "eu-west-1" });
        const lb = getResource(x, T.lb, "front");
        assert.match(String(lb.state?.dnsName), /^internal-front-\d{8}\.eu-west-1\.elb\.amazonaws\.com$/);
        assert.equal(lb.state?.zoneId, MOCK_ELB_ZONE_ID);
        assert.match(String(lb.state?.arnSuffix), /^net\/front\/[0-9a-f]{16}$/);
        const listener = getResource(x, T.listener, "l-443");
        assert.ok(String(listener.id).startsWith(String(lb.state?.arn).replace(":loadbalancer/", ":listener/")));
        const tg = getResource(x, T.tg, "tg-443");
        assert.match(String(tg.state?.arnSuffix), /^targetgroup\/tg-443\/[0-9a-f]{16}$/);
        const inst = getResource(x, T.instance, "ghe-1");
        assert.equal(inst.state?.availabilityZone, "us-east-1a", "input zone kept");
        assert.match(String(inst.state?.privateDns), /^ip-10-\d+-\d+-\d+\.eu-west-1\.compute\.internal$/);
        assert.equal(getResource(x, T.record, "dns").state?.fqdn, "ha.example.com");
        assert.equal(
            getResource(x, T.record, "dns").inputs.aliases &&
                (getResource(x, T.record, "dns").inputs.aliases as { name: string }[])[0].name,
            lb.state?.dnsName,
        );
        assert.equal(x.outputs.lbDns, lb.state?.dnsName);
    });

    it("derives valid, stable private addresses", () => {
        for (const n of ["a", "b", "ghe-1", "node-with-a-long-name-0042"]) {
            const ip = mockPrivateIp(n);
            const parts = ip.split(".").map(Number);
            assert.equal(parts[0], 10);
            assert.ok(
                parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255),
                ip,
            );
            assert.ok(parts[3] >= 4 && parts[3] <= 254, ip);
            assert.equal(mockPrivateIp(n), ip);
        }
        assert.notEqual(mockPrivateIp("a"), mockPrivateIp("b"));
    });

    it("answers the AWS invokes and records them", async () => {
        const x = await runProgram(
            async () => {
                const zones = await getAvailabilityZones({ state: "available" });
                const region = await getRegion();
                const me = await getCallerIdentity();
                return { zones: zones.names, region: region.region, account: me.accountId };
            },
            { stack: "test", config: { "aws:region": "ap-southeast-2" } },
        );
        assert.equal(x.error, undefined, x.error?.stack);
        assert.deepEqual(x.outputs.zones, ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"]);
        assert.equal(x.outputs.region, "ap-southeast-2");
        assert.equal(x.outputs.account, "123456789012");
        assert.deepEqual(
            x.calls.map((c) => c.token),
            [
                "aws:index/getAvailabilityZones:getAvailabilityZones",
                "aws:index/getRegion:getRegion",
                "aws:index/getCallerIdentity:getCallerIdentity",
            ],
        );
        assert.deepEqual(new HaMocks({ region: "us-east-1" }).call({ token: "aws:ec2/getAmi:getAmi", inputs: {} }), {});
        const az = new HaMocks({ region: "eu-central-1" }).call({
            token: "aws:index/getAvailabilityZones:getAvailabilityZones",
            inputs: {},
        });
        assert.deepEqual(az.zoneIds, ["euc1-az1", "euc1-az2", "euc1-az3"]);
    });

    it("falls back to <name>-id for other types", () => {
        const res = new HaMocks().newResource({ type: "aws:kms/key:Key", name: "k", inputs: { description: "d" }, custom: true });
        assert.deepEqual(res, { id: "k-id", state: { description: "d", arn: "arn:aws:mock::123456789012:k" } });
    });
});

describe("stackfile", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
        fs.writeFileSync(
            path.join(dir, "Pulumi.dev.yaml"),
            [
                "config:",
                "  aws:region: eu-west-1",
                "  ha-service:topology: ha",
                "  ha-service:replicas: 2",
                "  ha-service:deletionProtection: false",
                "  ha-service:ratio: 0.5",
                "  ha-service:adminCidrs:",
                "    - 10.0.0.0/8",
                "    - 192.168.0.0/16",
                "  ha-service:nodes:",
                "    ghe-1: { zone: eu-west-1a, size: 100 }",
                '  ha-service:quoted: "42"',
                "  profile: ghes",
                "",
            ].join("\n"),
        );
        fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), "config:\n  ha-service:topology: cluster\n");
        fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), "config:\n  a: [1, 2\n  b: : :\n");
        fs.writeFileSync(path.join(dir, "Pulumi.noconfig.yaml"), "encryptionsalt: abc\n");
        fs.writeFileSync(path.join(dir, "Pulumi.listconfig.yaml"), "config:\n  - a\n");
        fs.writeFileSync(path.join(dir, "Pulumi.secure.yaml"), "config:\n  ha-service:token:\n    secure: AAABAxyz\n");
        fs.writeFileSync(path.join(dir, "README.md"), "not a stack\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("converts values to Pulumi's flat string map", () => {
        const c = readStackFile("dev", dir);
        assert.deepEqual(c, {
            "aws:region": "eu-west-1",
            "ha-service:topology": "ha",
            "ha-service:replicas": "2",
            "ha-service:deletionProtection": "false",
            "ha-service:ratio": "0.5",
            "ha-service:adminCidrs": '["10.0.0.0/8","192.168.0.0/16"]',
            "ha-service:nodes": '{"ghe-1":{"zone":"eu-west-1a","size":100}}',
            "ha-service:quoted": "42",
            "ha-service:profile": "ghes",
        });
    });

    it("lists the stacks in a directory", () => {
        assert.deepEqual(listStacks(dir), ["broken", "dev", "listconfig", "noconfig", "prod", "secure"]);
        assert.deepEqual(listStacks(path.join(dir, "nope")), []);
    });

    it("names the file and the available stacks when a stack is missing", () => {
        assert.throws(
            () => readStackFile("staging", dir),
            (e: Error) =>
                e.message.includes(path.join(dir, "Pulumi.staging.yaml")) &&
                e.message.includes("available stacks: broken, dev, listconfig"),
        );
    });

    it("names the file when it is not YAML or has no config map", () => {
        assert.throws(
            () => readStackFile("broken", dir),
            (e: Error) => e.message.startsWith(`${path.join(dir, "Pulumi.broken.yaml")} is not valid YAML`),
        );
        assert.throws(() => readStackFile("noconfig", dir), /Pulumi\.noconfig\.yaml has no top-level "config:" map/);
        assert.throws(() => readStackFile("listconfig", dir), /Pulumi\.listconfig\.yaml: top-level "config:" must be a map/);
        // An encrypted value is no error: it plans with a stand-in, as secret config (test/first-hour.test.ts).
        assert.deepEqual(readStackFile("secure", dir), { "ha-service:token": SECURE_PLACEHOLDER });
        assert.throws(() => readConfigFile(path.join(dir, "missing.yaml")), /cannot read stack config .*missing\.yaml/);
    });
});

describe("plan formatting", () => {
    let r: ProgramRun;
    before(async () => {
        r = await run();
        assert.equal(r.error, undefined);
    });

    it("prints the header with topology, profile and primary", () => {
        const text = formatPlan(r);
        const lines = text.split("\n");
        assert.equal(lines[0], "stack: test  (project ha-service)");
        assert.equal(lines[1], "topology: ha  profile: ghes  primary: ghe-1");
        assert.ok(!text.includes("warning:"));
    });

    it("prints warnings", async () => {
        const one = await run({ "ha-service:nodes": JSON.stringify(["solo"]), "ha-service:primary": "solo" });
        assert.ok(formatPlan(one).split("\n").includes("warning: only one node: no failover"));
    });

    it("indents children under their parents", () => {
        const lines = formatPlan(r).split("\n");
        const indexOf = (re: RegExp) => {
            const i = lines.findIndex((l) => re.test(l));
            assert.ok(i >= 0, `no line matches ${re}\n${lines.join("\n")}`);
            return i;
        };
        const indent = (i: number) => lines[i].search(/[a-z]/);
        const stack = indexOf(/^pulumi:pulumi:Stack {2}ha-service-test$/);
        const node = indexOf(/test:index:Node {2}ghe-1$/);
        const inst = indexOf(/aws:ec2:Instance {2}ghe-1 {2}/);
        const vol = indexOf(/aws:ebs:Volume {2}ghe-1-data {2}/);
        assert.equal(indent(stack), 0);
        assert.equal(indent(node), 3);
        assert.equal(indent(inst), 6);
        assert.equal(indent(vol), 6);
        assert.ok(stack < node && node < inst && inst < vol);
        const instText = `${lines[inst]} ${lines[inst + 1].replace(/^[│ ]+/, "")}`;
        assert.match(
            instText,
            /zone=us-east-1a subnet=subnet-private type=m5\.large ami=ami-0123456789abcdef0 imds=required publicIp=off rootEncrypted=yes monitoring=on/,
        );
        assert.match(lines[inst + 1], /^│ {2}│ {9}\S.*\[ignoreChanges=ami,userData\]$/);
        assert.match(lines[vol], /size=100GiB type=gp3 encrypted=yes \[protect retainOnDelete\]$/);
        assert.match(
            lines[indexOf(/aws:vpc:SecurityGroupIngressRule/)],
            /protocol=tcp ports=122 from=self group=nodes description="replication SSH"/,
        );
        assert.match(
            lines[indexOf(/aws:lb:TargetGroup/)],
            /port=443\/TCP target=instance health=HTTPS:443\/status every=10s healthy=2 unhealthy=2 deregDelay=30s/,
        );
        assert.match(lines[indexOf(/aws:lb:Listener/)], /port=443\/TCP lb=front action=forward to=tg-443/);
        assert.match(lines[indexOf(/aws:lb:LoadBalancer/)], /type=network internal=no deletionProtection=on/);
        assert.match(
            lines[indexOf(/aws:route53:Record/)],
            /name=ha\.example\.com type=A alias=front-\d{8}\.us-east-1\.elb\.amazonaws\.com evaluateHealth/,
        );
        assert.match(lines[indexOf(/random:index:RandomPassword/)], /length=32 special=false/);
        assert.ok(
            lines.every((l) => l.length <= 160),
            "lines fit 160 columns",
        );
    });

    it("masks secrets in the plan text and JSON", () => {
        const secret = String(r.outputs.joinSecret);
        const text = formatPlan(r);
        assert.ok(!text.includes(secret), "secret value not printed");
        assert.ok(!text.includes("team-secret-owner"));
        assert.match(text, /aws:ssm:Parameter {2}join-secret {2}name=\/ha\/join type=SecureString value=\[secret\]/);
        assert.ok(text.split("\n").includes("  joinSecret: [secret]"));
        assert.ok(text.split("\n").includes("  primary: ghe-1"));
        const json = planJson(r);
        assert.ok(!JSON.stringify(json).includes(secret));
        assert.equal(json.outputs.joinSecret, SECRET_MASK);
        assert.equal(json.outputs.primary, "ghe-1");
        assert.equal(json.primary, "ghe-1");
        const vol = json.resources.find((x) => x.name === "ghe-1-data")!;
        assert.equal(vol.options.protect, true);
        assert.equal(vol.summary.size, "100GiB");
    });

    it("ends with the resource count", () => {
        const text = formatPlan(r);
        const aws = r.resources.filter((x) => x.type.startsWith("aws:")).length;
        // stack + 2 components + password = 4 non-AWS registrations.
        assert.equal(aws, r.resources.length - 4);
        assert.equal(countLine(r), `${r.resources.length} resources (${aws} AWS)`);
        assert.ok(text.trimEnd().endsWith(`\n${r.resources.length} resources (${aws} AWS)`));
        assert.equal(planJson(r).counts.aws, aws);
    });

    it("wraps long summaries instead of overflowing", () => {
        const lines = formatPlan(r, { width: 60 }).split("\n");
        const inst = lines.findIndex((l) => /aws:ec2:Instance {2}ghe-1 {2}zone=us-east-1a$/.test(l));
        assert.ok(inst >= 0, lines.join("\n"));
        assert.match(lines[inst + 1], /^│ {2}│ {9}subnet=subnet-private type=m5\.large$/);
        const resourceLines = lines.slice(lines.indexOf("resources:") + 1, lines.indexOf("outputs:"));
        // Only a line holding a single pair that is longer than the width by itself may overflow.
        const overflowing = resourceLines.filter((l) => l.length > 60 && !/^[│ ]+\S+$/.test(l) && !/^[│├└─ ]*\S+ {2}\S+$/.test(l));
        assert.deepEqual(overflowing, []);
    });

    it("shortens type tokens like pulumi does", () => {
        assert.equal(displayType("aws:ec2/instance:Instance"), "aws:ec2:Instance");
        assert.equal(displayType("pulumi:pulumi:Stack"), "pulumi:pulumi:Stack");
        assert.equal(displayType("ha-service:index:Node"), "ha-service:index:Node");
    });
});

describe("plan CLI", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"));
        fs.writeFileSync(
            path.join(dir, "Pulumi.dev.yaml"),
            'config:\n  ha-service:nodes: ["ghe-1", "ghe-2"]\n  ha-service:primary: ghe-2\n',
        );
        fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), 'config:\n  ha-service:nodes: ["ghe-1"]\n  ha-service:primary: ghe-7\n');
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    async function cli(argv: string[]) {
        let out = "";
        let err = "";
        const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), program: testProgram });
        return { code, out, err };
    }

    it("parses its arguments", () => {
        assert.deepEqual(parseArgs(["dev", "--json", "--stack-dir", "x"]), {
            stack: "dev",
            json: true,
            preview: false,
            stackDir: "x",
            failOn: [],
            help: false,
        });
        assert.throws(() => parseArgs(["--stack-dir"]), /needs a value/);
        assert.throws(() => parseArgs(["--bogus"]), /unknown option --bogus/);
    });

    it("prints the plan for a stack", async () => {
        const res = await cli(["dev", "--stack-dir", dir]);
        assert.equal(res.code, 0, res.err);
        assert.match(res.out, /^stack: dev {2}\(project ha-service\)\ntopology: ha {2}profile: ghes {2}primary: ghe-2\n/);
    });

    it("prints JSON with --json", async () => {
        const res = await cli(["dev", "--json", "--stack-dir", dir]);
        assert.equal(res.code, 0, res.err);
        const doc = JSON.parse(res.out);
        assert.equal(doc.stack, "dev");
        assert.equal(doc.primary, "ghe-2");
        assert.equal(doc.outputs.joinSecret, "[secret]");
    });

    it("lists the stacks for an unknown stack and exits 1", async () => {
        const res = await cli(["nope", "--stack-dir", dir]);
        assert.equal(res.code, 1);
        assert.equal(res.out, "");
        assert.match(res.err, /unknown stack "nope".*available stacks: bad, dev/);
    });

    it("prints a config error to stderr and exits 1", async () => {
        const res = await cli(["bad", "--stack-dir", dir]);
        assert.equal(res.code, 1);
        assert.equal(res.out, "");
        assert.match(res.err, /^error: stack bad: ha-service:primary: "ghe-7" is not one of the nodes/);
    });

    it("reads --config-file and names the stack after it", async () => {
        const res = await cli(["--config-file", path.join(dir, "Pulumi.dev.yaml")]);
        assert.equal(res.code, 0, res.err);
        assert.match(res.out, /^stack: dev /);
    });
});

describe("harness: resolveDeep (plain values without awaiting each one)", () => {
    it("copies plain data, marks a secure placeholder secret, and names a cycle", async () => {
        const flag = { secret: false };
        const cyclic: Record<string, unknown> = { a: [1, "x", null, { b: true }] };
        cyclic.self = cyclic;
        const out = await resolveDeep(cyclic, flag);
        assert.deepEqual(out, { a: [1, "x", null, { b: true }], self: "[circular]" });
        assert.notEqual((out as Record<string, unknown>).a, cyclic.a, "a copy, not the program's own object");
        assert.equal(flag.secret, false);
        const secret = { secret: false };
        assert.deepEqual(await resolveDeep({ k: [`pre${SECURE_PLACEHOLDER}`] }, secret), { k: [`pre${SECURE_PLACEHOLDER}`] });
        assert.equal(secret.secret, true);
    });

    it("still resolves an Output, a Promise or an unknown deep inside plain data", async () => {
        const flag = { secret: false };
        const value = { plain: { n: 1 }, deep: [{ o: pulumi.output("v") }, Promise.resolve({ p: 2 })], s: pulumi.secret("hidden") };
        assert.deepEqual(await resolveDeep(value, flag), { plain: { n: 1 }, deep: [{ o: "v" }, { p: 2 }], s: "hidden" });
        assert.equal(flag.secret, true);
        assert.deepEqual(await resolveDeep({ u: [pulumi.unknown] }), { u: [UNKNOWN_MASK] });
    });
});
