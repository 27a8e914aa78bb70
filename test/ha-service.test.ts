/**
 * The HaService component (issue 14, point 1): args in the stack config's shape, validated by the same
 * schema with `args.<path>` key paths, the same resources as the stack program, the membership gate,
 * clients by security group, outputs for wiring, and the compile-time guard against schema drift.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import { HaService } from "../components/aws/ha-service";
import { type HaServiceArgs, HaServiceArgsError, type SameShape } from "../components/config/ha-service-args";
import * as lib from "../lib";
import program = require("../index");
import { byType, getResource, type ProgramRun, runProgram } from "../tools/harness";
import { engineUrns } from "../tools/urns";
import { parse } from "yaml";
import { cloudRegistrations, exampleRun } from "./examples";
import { asPulumiConfig, clusterConfig, haConfig, plan, PreviousDeployment, type Raw } from "./fixtures";
import { stackConfig } from "./stacks";

const args = (raw: Raw) => raw as unknown as HaServiceArgs;

/** Runs a program that builds one HaService and exports its outputs, as a consumer's program would. */
function consumer(name: string, raw: Raw, mocks?: PreviousDeployment, stack = "test"): Promise<ProgramRun> {
    const build = () => {
        const s = new HaService(name, args(raw));
        return { endpoint: s.endpoint, nodes: s.nodes, securityGroupIds: s.securityGroupIds };
    };
    return runProgram(build, { stack, config: { "aws:region": "us-east-1" }, ...(mocks ? { mocks } : {}) });
}

describe("HaService: args validated like the stack config", function () {
    this.timeout(120_000);
    const bad = haConfig({ nodeCount: undefined, primary: "replica1", nodes: { replica1: { zone: "us-east-1" } } });

    it("names every bad key as args.<path>, with the stack file's message, and registers nothing", async () => {
        const run = await consumer("git", bad);
        assert.ok(run.error instanceof HaServiceArgsError, String(run.error));
        assert.match(run.error.message, /^Invalid args for HaService "git": 1 problem, nothing was deployed\./);
        assert.ok(run.error.stack!.startsWith(`HaServiceArgsError: ${run.error.message}\n    at `), run.error.stack);
        assert.match(
            run.error.message,
            /\n {2}- args\.nodes\.replica1\.zone: must be an availability zone name such as us-east-1a \(got "us-east-1"\)/,
        );
        assert.match(run.error.message, /Fix each key in the args of `new HaService\("git", args\)`/);
        assert.deepEqual(
            run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"),
            [],
        );
        // The stack program reports the same problem under the stack file's key path.
        const stackRun = await runProgram(program, { stack: "test", config: asPulumiConfig(bad) });
        assert.match(
            stackRun.error!.message,
            /- ha-service:nodes\.replica1\.zone: must be an availability zone name such as us-east-1a \(got "us-east-1"\)/,
        );
    });

    it("takes the service name from the resource name unless args.name sets it", async () => {
        const named = await consumer("git", haConfig());
        assert.ok(getResource(named, "aws:ec2/instance:Instance", "git-node-1"));
        const explicit = await consumer("git", haConfig({ name: "code" }));
        assert.ok(getResource(explicit, "aws:ec2/instance:Instance", "code-node-1"));
    });
});

describe("HaService: the same resources as the stack program", function () {
    this.timeout(180_000);
    for (const stack of ["dev", "ghes-cluster"]) {
        it(`${stack}: a program constructing HaService from the stack's keys registers the example stack's URNs`, async () => {
            const raw = stackConfig(stack);
            const expected = engineUrns(await exampleRun(stack));
            const run = await consumer(String(raw.name ?? "svc"), raw, undefined, stack);
            assert.equal(run.error, undefined, String(run.error));
            assert.deepEqual(engineUrns(run), expected);
            assert.deepEqual(cloudRegistrations(run), cloudRegistrations(await exampleRun(stack)));
        });
    }
});

describe("HaService: members leave only explicitly (cloudify)", function () {
    this.timeout(120_000);
    const raw = stackConfig("cloudify");
    const { "mgr-c": _gone, ...withoutC } = raw.nodes as Raw;

    it("fails before any child registers when a manager was deleted without removedNodes, with the stack's message", async () => {
        const run = await consumer("cfy", { ...raw, nodes: withoutC }, new PreviousDeployment(["mgr-a", "mgr-b", "mgr-c"]), "cloudify");
        assert.ok(run.error instanceof HaServiceArgsError, String(run.error));
        assert.match(run.error.message, /- args\.removedNodes: does not list mgr-c, deleted from `nodes` since the last deployment/);
        assert.deepEqual(
            run.resources.filter((r) => r.custom),
            [],
            "no cloud resource is registered",
        );
    });

    it("builds when the deleted manager is listed in removedNodes", async () => {
        const run = await consumer(
            "cfy",
            { ...raw, nodes: withoutC, removedNodes: ["mgr-c"] },
            new PreviousDeployment(["mgr-a", "mgr-b", "mgr-c"]),
            "cloudify",
        );
        assert.equal(run.error, undefined, String(run.error));
        assert.ok(byType(run, "aws:ec2/instance:Instance").length === 2);
    });
});

describe("HaService: clients allowed by security group", function () {
    this.timeout(120_000);
    const SG = "sg-0123456789abcdef0";

    it("opens every listener port to each client security group, as it does to each client CIDR", () => {
        const p = plan(clusterConfig({ access: { clientCidrs: ["10.0.0.0/8"], clientSecurityGroups: [SG] } }));
        const lb = p.securityGroups.find((g) => g.key === "loadBalancer")!;
        const fromGroup = lb.rules.filter((r) => "securityGroupId" in r.peer);
        const fromCidr = lb.rules.filter((r) => "cidr" in r.peer && r.direction === "ingress");
        assert.deepEqual(
            fromGroup.map((r) => [r.key, r.fromPort, r.peer]),
            fromCidr.map((r) => [r.key.replace("10-0-0-0-8", SG), r.fromPort, { securityGroupId: SG }]),
        );
        assert.ok(fromGroup.length >= 2, "HTTPS and the HTTP redirect");
    });

    it("without a load balancer, opens the profile's user ports on the nodes to the group", () => {
        const p = plan(haConfig({ profile: "ghes", access: { clientCidrs: ["10.0.0.0/8"], clientSecurityGroups: [SG] } }));
        const nodes = p.securityGroups.find((g) => g.key === "nodes")!;
        const ports = nodes.rules.filter((r) => "securityGroupId" in r.peer).map((r) => `${r.protocol}/${r.fromPort}`);
        // GHES user ports (git over SSH, HTTP, HTTPS, git protocol); admin ports stay with adminCidrs.
        assert.deepEqual(ports, ["tcp/22", "tcp/80", "tcp/443", "tcp/9418"]);
    });

    it("registers the rule with the group as its source", async () => {
        const run = await consumer("web", clusterConfig({ access: { clientCidrs: ["10.0.0.0/8"], clientSecurityGroups: [SG] } }));
        const rule = getResource(
            run,
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            `web-sg-loadBalancer-client-tcp-443-${SG}`,
        );
        assert.equal(rule.inputs.referencedSecurityGroupId, SG);
        assert.equal(rule.inputs.cidrIpv4, undefined);
    });

    it("lets security groups alone admit the clients, but refuses a stack no client can reach", () => {
        const onlyGroup = plan(clusterConfig({ access: { clientSecurityGroups: [SG] } }));
        const lb = onlyGroup.securityGroups.find((g) => g.key === "loadBalancer")!;
        assert.deepEqual(
            lb.rules.filter((r) => r.direction === "ingress").map((r) => r.peer),
            lb.rules.filter((r) => r.direction === "ingress").map(() => ({ securityGroupId: SG })),
        );
        assert.throws(
            () => plan(clusterConfig({ access: { clientCidrs: [] } })),
            /- ha-service:access\.clientCidrs: must list at least one CIDR block that clients connect from, or set `access\.clientSecurityGroups` \(got \[\]\)/,
        );
    });

    it("refuses an id that is not a security group id, naming the key", async () => {
        const run = await consumer(
            "web",
            clusterConfig({ access: { clientCidrs: ["10.0.0.0/8"], clientSecurityGroups: ["sg-XYZ", "web"] } }),
        );
        assert.match(
            run.error!.message,
            /args\.access\.clientSecurityGroups\[0\]: must be a security group id such as sg-0123456789abcdef0 \(got "sg-XYZ"\)/,
        );
        assert.match(run.error!.message, /args\.access\.clientSecurityGroups\[1\]: must be a security group id/);
    });
});

describe("HaService: outputs", function () {
    this.timeout(120_000);

    it("gives node ids and addresses, security groups, load balancer and target groups, and the alarm topic", async () => {
        const build = () => {
            const s = new HaService("web", args(clusterConfig()));
            return {
                instanceIds: s.instanceIds,
                privateIps: s.privateIps,
                securityGroupIds: s.securityGroupIds,
                loadBalancerArn: s.loadBalancerArn,
                targetGroupArns: s.targetGroupArns,
                alarmTopicArn: s.alarmTopicArn,
                dnsName: s.dnsName,
            };
        };
        const run = await runProgram(build, { stack: "test", config: { "aws:region": "us-east-1" } });
        const o = run.outputs as Record<string, Record<string, string>>;
        const instances = byType(run, "aws:ec2/instance:Instance");
        assert.deepEqual(Object.keys(o.instanceIds), ["app-a", "app-b", "app-c"]);
        assert.deepEqual(Object.values(o.instanceIds).sort(), instances.map((r) => r.id).sort());
        assert.deepEqual(Object.values(o.privateIps).sort(), instances.map((r) => r.state!.privateIp).sort());
        const groups = byType(run, "aws:ec2/securityGroup:SecurityGroup");
        assert.deepEqual(o.securityGroupIds, {
            nodes: groups.find((g) => g.name === "web-sg-nodes")!.id,
            loadBalancer: groups.find((g) => g.name === "web-sg-loadBalancer")!.id,
        });
        assert.equal(o.loadBalancerArn, byType(run, "aws:lb/loadBalancer:LoadBalancer")[0].state!.arn);
        const tgs = byType(run, "aws:lb/targetGroup:TargetGroup");
        assert.deepEqual(Object.values(o.targetGroupArns).sort(), tgs.map((t) => t.state!.arn).sort());
        assert.equal(o.alarmTopicArn, byType(run, "aws:sns/topic:Topic")[0].state!.arn);
        assert.equal(o.dnsName, "svc.test.example.com");
    });
});

describe("HaService: the package's entry points", () => {
    it("lib.ts exports the component (what the component provider serves); index.ts exports only the stack program", () => {
        assert.deepEqual(getPulumiComponents(lib), [HaService]);
        assert.equal(typeof program, "function");
        assert.deepEqual(getPulumiComponents(program), [], "`pulumi up` must run the program, not start a provider");
    });

    it("Pulumi.yaml runs index.ts (also what the preload loads); package.json's main is lib.ts", () => {
        const root = path.join(__dirname, "..");
        const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { main?: string };
        assert.equal(project.main, "index.ts");
        // The `pulumi up` preload (it runs on import, so it is read, not imported) loads the same file.
        assert.match(
            fs.readFileSync(path.join(root, "tools", "sourcemaps-preload.ts"), "utf8"),
            /PROGRAM = path\.join\(__dirname, "\.\.", "index\.ts"\)/,
        );
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { main: string };
        // The package branch may point main at the built file (dist/lib.js); its source is lib.ts either way.
        assert.match(pkg.main, /^(\.\/)?(dist\/)?lib\.(ts|js)$/);
    });
});

// The compile-time guard against schema drift (components/config/ha-service-args.ts, ArgsMatchSchema): each
// `@ts-expect-error` line below fails `tsc` (run by `npm test`) if SameShape wrongly accepts the pair.
type Assert<T extends true> = T;
export type SameWhenEqual = Assert<
    SameShape<{ a: string; m?: Record<string, { x?: string[] }> }, { a: string; m?: Record<string, { x?: string[] }> }>
>;
// @ts-expect-error an extra optional key in the first
export type ExtraOptionalKey = Assert<SameShape<{ a: string; b?: number }, { a: string }>>;
// @ts-expect-error an extra optional key in the second
export type MissingOptionalKey = Assert<SameShape<{ a: string }, { a: string; b?: number }>>;
// @ts-expect-error required in one, optional in the other
export type OptionalityDiffers = Assert<SameShape<{ a: string }, { a?: string }>>;
// @ts-expect-error a nested key's type differs
export type NestedTypeDiffers = Assert<SameShape<{ a: { b: string[] } }, { a: { b: number[] } }>>;
// @ts-expect-error a key inside a map's values is missing
export type MapValueKeyMissing = Assert<SameShape<{ m: Record<string, { x?: string }> }, { m: Record<string, { y?: string }> }>>;
// @ts-expect-error a literal union lost a member
export type UnionMemberMissing = Assert<SameShape<{ t: "ha" | "cluster" }, { t: "ha" }>>;
