/**
 * The parts of the benchmarks (tools/bench/) that decide something: statistics, the critical path on
 * hand-made graphs, replacement classification and blast-radius verdicts (one through the real
 * program), failover floors, scenario sizes, tables and arguments. Nothing here is timed; `npm run
 * bench` measures.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { type FailureScenario } from "../components/plan";
import { allowedForNode, classify, nextKey, operations, ownedBy, parametersListing, verdict, type Classified } from "../tools/bench/blast";
import { creationGraph, type GraphNode, longestPath, orderingOnlyDependencies, orderingReason } from "../tools/bench/critical-path";
import { deployCases } from "../tools/bench/deploy";
import { failoverRows, loadBalancerZones, movesOf, scenarioFloor, scenarioLabel } from "../tools/bench/failover";
import { fixed, table } from "../tools/bench/markdown";
import { acceptedScenario, COST_SCENARIOS, exampleStackOf, exampleStacks, planOf } from "../tools/bench/scenarios";
import { increments, linearFit, median } from "../tools/bench/stats";
import { parseBenchArgs, SECTIONS } from "../tools/bench";
import {
    childCpuSeconds,
    compareVerdict,
    type CompareCommand,
    pairOrder,
    parseCompareArgs,
    renderCompare,
    summarise,
} from "../tools/bench/compare";
import { combineRounds, type CostRound, type CostRow, MAX_RUNS, renderCost, roundShare } from "../tools/bench/cost";
import type { CostSample } from "../tools/bench/cost-worker";
import { failureTail } from "../tools/bench/compare";
import { clusterDetectionGoal, costGoal, haAutomaticDetectionGoal, promotionGoal } from "../tools/bench/goals";
import { clientsCanConnect, NLB_REGISTRATION_SECONDS, registrationSeconds, scheduleFinish } from "../tools/bench/rollout";
import { baselineProgram, firstResources, flatResources, resourceClass } from "../tools/bench/scenarios";
import { runProgram } from "../tools/harness";
import type { ProgramRun, RecordedResource } from "../tools/harness";
import { clusterConfig, haConfig, plan } from "./fixtures";
import { run } from "./program";
import { recorded, testUrn } from "./records";
import { stackConfig } from "./stacks";

const urn = testUrn;
const rec = (type: string, name: string, extra: Partial<RecordedResource> = {}): RecordedResource => recorded(type, name, {}, extra);

function runOf(resources: RecordedResource[]): ProgramRun {
    return {
        stack: "test",
        project: "p",
        preview: false,
        config: {},
        resources,
        registeredOutputs: [],
        outputs: {},
        secretOutputs: [],
        calls: [],
        unhandledRejections: [],
    };
}

const node = (id: string, seconds: number, deps: string[] = []): GraphNode => ({ id, type: "t", name: id, seconds, deps });

const T = {
    lb: "aws:lb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    record: "aws:route53/record:Record",
    instance: "aws:ec2/instance:Instance",
    volume: "aws:ebs/volume:Volume",
    param: "aws:ssm/parameter:Parameter",
    assoc: "aws:ssm/association:Association",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    group: "hatopo:compute:NodeGroup",
    attachment: "aws:ec2/volumeAttachment:VolumeAttachment",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
};

describe("benchmarks", () => {
    describe("statistics", () => {
        it("median takes the middle value, or the mean of the two middle values", () => {
            assert.equal(median([5, 1, 3]), 3);
            assert.equal(median([4, 1, 3, 2]), 2.5);
            assert.throws(() => median([]), /empty/);
        });

        it("linearFit recovers an exact line with R^2 = 1", () => {
            const f = linearFit([3, 10, 30, 100], [3 * 2 + 7, 10 * 2 + 7, 30 * 2 + 7, 100 * 2 + 7]);
            assert.ok(Math.abs(f.slope - 2) < 1e-9);
            assert.ok(Math.abs(f.intercept - 7) < 1e-9);
            assert.ok(Math.abs(f.r2 - 1) < 1e-12);
        });

        it("linearFit gives R^2 below 1 for a curve, and needs two distinct x", () => {
            const xs = [1, 2, 3, 4, 5, 6];
            const f = linearFit(
                xs,
                xs.map((x) => x * x),
            );
            assert.ok(f.r2 < 0.99 && f.r2 > 0.9, `r2 ${f.r2}`);
            assert.equal(linearFit([1, 2], [4, 4]).r2, 1);
            assert.throws(() => linearFit([2, 2], [1, 3]), /two distinct/);
            assert.throws(() => linearFit([1, 2], [1]), /2 x values but 1/);
        });

        it("increments are the slopes between consecutive points", () => {
            assert.deepEqual(increments([3, 10, 30], [100, 170, 570]), [10, 20]);
        });
    });

    describe("critical path", () => {
        it("follows the heaviest chain, not the longest by count", () => {
            // a -> b -> d weighs 5 + 10 + 2; a -> c1 -> c2 -> c3 -> d has more links but weighs less.
            const p = longestPath([
                node("a", 5),
                node("b", 10, ["a"]),
                node("c1", 1, ["a"]),
                node("c2", 1, ["c1"]),
                node("c3", 1, ["c2"]),
                node("d", 2, ["b", "c3"]),
            ]);
            assert.equal(p.seconds, 17);
            assert.deepEqual(
                p.chain.map((n) => n.id),
                ["a", "b", "d"],
            );
        });

        it("can be limited to chains ending at some nodes", () => {
            const nodes = [node("slow", 100), node("x", 1), node("dns", 60, ["x"])];
            assert.equal(longestPath(nodes).seconds, 100);
            const p = longestPath(nodes, (n) => n.id === "dns");
            assert.equal(p.seconds, 61);
            assert.deepEqual(
                p.chain.map((n) => n.id),
                ["x", "dns"],
            );
            assert.deepEqual(
                longestPath(nodes, () => false),
                { seconds: 0, chain: [] },
            );
        });

        it("rejects cycles and dependencies on unknown nodes", () => {
            assert.throws(() => longestPath([node("a", 1, ["b"]), node("b", 1, ["a"])]), /cycle/);
            assert.throws(() => longestPath([node("a", 1, ["ghost"])]), /a waits for ghost/);
        });

        it("expands a dependency on a component to the resources under it, and waits for a custom parent", () => {
            const group = rec(T.group, "g");
            const inst = rec(T.instance, "i", { parent: group.urn });
            const vol = rec(T.volume, "v", { parent: group.urn });
            const waiter = rec(T.record, "r", { dependencies: [group.urn] });
            const child = rec(T.param, "c", { parent: inst.urn });
            const g = creationGraph([group, inst, vol, waiter, child], () => 1);
            const deps = Object.fromEntries(g.map((n) => [n.name, [...n.deps].sort()]));
            assert.deepEqual(deps, { i: [], v: [], r: [inst.urn, vol.urn].sort(), c: [inst.urn] });
            assert.throws(() => creationGraph([rec(T.record, "x", { dependencies: [urn(T.lb, "gone")] })]), /did not register/);
        });

        it("finds dependencies that carry no data, and leaving one out shortens the graph", () => {
            const lb = rec(T.lb, "lb");
            const sg = rec(T.sg, "sg");
            const listener = rec(T.listener, "l", { dependencies: [lb.urn, sg.urn], propertyDependencies: { loadBalancerArn: [lb.urn] } });
            const found = orderingOnlyDependencies([lb, sg, listener]);
            assert.deepEqual(
                found.map((o) => [o.resource, o.waitsFor]),
                [["l [aws:lb:Listener]", "sg [aws:ec2:SecurityGroup]"]],
            );
            const g = creationGraph([lb, sg, listener], undefined, found[0]);
            assert.deepEqual(g.find((n) => n.name === "l")!.deps, [lb.urn]);
            assert.equal(orderingReason(found[0]), undefined, "a wait nobody explained has no reason");
        });

        it("knows why the components order a NAT gateway, a DLM policy and a SECONDARY failover record", () => {
            const igw = rec("aws:ec2/internetGateway:InternetGateway", "igw");
            const nat = rec("aws:ec2/natGateway:NatGateway", "nat", { dependencies: [igw.urn] });
            const primary = rec(T.record, "primary");
            const secondary = rec(T.record, "secondary", { dependencies: [primary.urn] });
            const found = orderingOnlyDependencies([igw, nat, primary, secondary]);
            assert.deepEqual(
                found.map((o) => o.types),
                [
                    ["aws:ec2/natGateway:NatGateway", "aws:ec2/internetGateway:InternetGateway"],
                    [T.record, T.record],
                ],
            );
            assert.match(orderingReason(found[0]) ?? "", /internet gateway/);
            assert.match(orderingReason(found[1]) ?? "", /PRIMARY record/);
        });
    });

    describe("blast radius", () => {
        it("classifies with the plan diff: replace-on-change minus ignoreChanges, and what a replacement drags along", () => {
            const inst = (ami: string, extra: Partial<RecordedResource> = {}) => rec(T.instance, "svc-a", { inputs: { ami }, ...extra });
            const attach = rec(T.attachment, "svc-a-data", {
                inputs: { instanceId: "i-1", deviceName: "/dev/sdf" },
                propertyDependencies: { instanceId: [urn(T.instance, "svc-a")] },
            });
            const before = runOf([inst("ami-1"), attach, rec(T.param, "p", { inputs: { value: "1" } })]);
            const after = runOf([inst("ami-2"), attach, rec(T.param, "p", { inputs: { value: "2" } }), rec(T.param, "q")]);
            const c = classify(before, after);
            assert.deepEqual(c.replaced, [`${T.instance}::svc-a`, `${T.attachment}::svc-a-data`]);
            assert.deepEqual(c.updated, [`${T.param}::p`]);
            assert.deepEqual(c.created, [`${T.param}::q`]);
            assert.deepEqual(c.changes[`${T.instance}::svc-a`], ["ami"]);
            // An AMI the instance ignores changes nothing, so nothing is dragged along either.
            const ignoring = classify(
                runOf([inst("ami-1", { ignoreChanges: ["ami"] }), attach]),
                runOf([inst("ami-2", { ignoreChanges: ["ami"] }), attach]),
            );
            assert.deepEqual([ignoring.replaced, ignoring.updated], [[], []]);
        });

        it("passes on the plan diff's warning for a type without replace-on-change rules", () => {
            const c = classify(
                runOf([rec("aws:made/up:Thing", "x", { inputs: { a: 1 } })]),
                runOf([rec("aws:made/up:Thing", "x", { inputs: { a: 2 } })]),
            );
            assert.deepEqual(c.updated, ["aws:made/up:Thing::x"]);
            assert.match(c.warnings.join("\n"), /no replace-on-change table for aws:made\/up:Thing/);
        });

        it("a resource belongs to a node when the node key is a whole dash-separated part of its name", () => {
            assert.ok(ownedBy("svc-node-1", "node-1"));
            assert.ok(ownedBy("svc-node-1-data", "node-1"));
            assert.ok(!ownedBy("svc-node-10", "node-1"));
            assert.ok(!ownedBy("svc-app-dd", "app-d"));
        });

        it("the documents listing a node are the other nodes' documents and scripts, from the plan", () => {
            const p = plan(clusterConfig());
            const listing = parametersListing(p, "app-b");
            const doc = (node: string) => p.replication.documents.find((d) => d.node === node)!;
            assert.deepEqual(
                [...listing].sort(),
                [doc("app-a").parameter, doc("app-a").configParameter, doc("app-c").parameter, doc("app-c").configParameter].sort(),
            );
            assert.ok(!parametersListing(p, "app").size, "a prefix of node names lists nothing");
        });

        it("outside the node, allows only the documented consequences of adding or removing it", () => {
            const listing = new Set(["/p/doc-a"]);
            const param = `${T.param}::svc-repl-app-a`;
            assert.equal(allowedForNode("updates", param, ["value"], { name: "/p/doc-a" }, listing), "documents that list the node");
            assert.equal(allowedForNode("updates", param, ["value"], { name: "/p/doc-z" }, listing), undefined);
            assert.equal(allowedForNode("updates", param, ["value", "tier"], { name: "/p/doc-a" }, listing), undefined);
            assert.equal(allowedForNode("deletes", param, [], { name: "/p/doc-a" }, listing), undefined);
            const assoc = `${T.assoc}::svc-repl-app-a`;
            assert.match(allowedForNode("updates", assoc, ["parameters"], {}, listing) ?? "", /associations/);
            assert.equal(allowedForNode("updates", assoc, ["parameters", "targets"], {}, listing), undefined);
            const alarm = `${T.alarm}::svc-mon-http-80-healthy-below`;
            const healthy = { metricName: "HealthyHostCount" };
            assert.match(allowedForNode("updates", alarm, ["alarmDescription", "threshold"], healthy, listing) ?? "", /threshold/);
            assert.equal(allowedForNode("updates", alarm, ["dimensions"], healthy, listing), undefined);
            assert.equal(allowedForNode("updates", alarm, ["threshold"], { metricName: "UnHealthyHostCount" }, listing), undefined);
            assert.equal(allowedForNode("replaces", alarm, ["threshold"], healthy, listing), undefined);
        });

        it("a node operation fails on anything else outside the node, and lists what it allowed", () => {
            const c: Classified = {
                created: [`${T.instance}::svc-d`],
                updated: [`${T.instance}::svc-a`, `${T.param}::svc-repl-a`],
                replaced: [],
                deleted: [],
                changes: { [`${T.instance}::svc-a`]: ["tags"], [`${T.param}::svc-repl-a`]: ["value"] },
                warnings: [],
            };
            const withNode = runOf([rec(T.param, "svc-repl-a", { inputs: { name: "/p/a", value: "x" } })]);
            const v = verdict({ kind: "only-node", node: "d", added: true }, c, withNode, new Set(["/p/a"]));
            assert.deepEqual(v, {
                met: false,
                problems: [`updates ${T.instance}::svc-a`],
                allowed: ["documents that list the node: svc-repl-a (Parameter)"],
            });
        });

        it("promotion-like goals fail on any delete or replacement", () => {
            const c: Classified = { created: ["x"], updated: [], replaced: ["r"], deleted: ["d"], changes: {}, warnings: [] };
            assert.deepEqual(verdict({ kind: "no-replace-or-delete" }, c).problems, ["replaces r", "deletes d"]);
        });

        it("adding a node to a cluster with monitoring touches the healthy-target alarm, and the goal allows it by name", async () => {
            const before = await run(clusterConfig());
            const raw = clusterConfig({ nodes: { ...(clusterConfig().nodes as object), "app-d": { zone: "us-east-1a" } } });
            const after = await run(raw);
            const c = classify(before, after);
            const v = verdict({ kind: "only-node", node: "app-d", added: true }, c, after, parametersListing(plan(raw), "app-d"));
            assert.deepEqual(v.problems, []);
            assert.ok(v.met);
            assert.ok(
                v.allowed.some((a) => /^healthy-target alarm threshold.*healthy-below \(MetricAlarm\)/.test(a)),
                v.allowed.join("\n"),
            );
            assert.deepEqual(c.replaced, []);
        });

        it("builds the operations from the generic example stacks, and promotes behind the example stack's load balancer", () => {
            const ops = operations();
            assert.deepEqual(
                ops.map((o) => [o.stack, o.goal.kind]),
                [
                    ["dev", "no-replace-or-delete"],
                    ["ghes-ha", "no-replace-or-delete"],
                    ["prod", "only-node"],
                    ["prod", "only-node"],
                    ["prod", "no-replace-or-delete"],
                    ["dev", "no-replace-or-delete"],
                ],
            );
            assert.match(ops[1].name, /behind NLB \(ghe-1 -> ghe-2\)/);
        });

        it("nextKey continues the naming pattern and avoids taken keys", () => {
            assert.equal(nextKey("app-c", ["app-a", "app-c"]), "app-d");
            assert.equal(nextKey("node-9", []), "node-10");
            assert.equal(nextKey("app-c", ["app-d"]), "app-d-new");
            assert.equal(nextKey("zeta", []), "zeta-new");
        });
    });

    describe("failover", () => {
        const scenario = (p: ReturnType<typeof plan>, key: string) => {
            const s = p.failoverAnalysis.scenarios.find((x) => x.key === key);
            if (!s) throw new Error(`no scenario ${key}: ${p.failoverAnalysis.scenarios.map((x) => x.key).join(", ")}`);
            return s;
        };

        it("HA with DNS on the primary: the floor is detection plus the record's TTL; a replica's loss moves nobody", () => {
            const p = plan(haConfig({ dns: { zoneId: "Z0123456789TESTZONE", name: "svc.test.example.com", ttl: 30 } }));
            assert.deepEqual(scenarioFloor(p, scenario(p, "node:node-1")), { detect: 10, move: 30, moves: [{ kind: "dns", ttl: 30 }] });
            assert.equal(scenarioFloor(p, scenario(p, "node:node-2")), undefined);
        });

        it("HA behind a load balancer: a promotion's new target needs 2 checks 5 s apart at best", () => {
            const p = plan(
                haConfig({
                    loadBalancer: { kind: "nlb" },
                    dns: { zoneId: "Z0123456789TESTZONE", name: "svc.test.example.com", target: "loadBalancer" },
                }),
            );
            const f = scenarioFloor(p, scenario(p, "node:node-1"));
            assert.equal(f?.move, 10);
            assert.equal(f?.moves[0].kind, "new-target");
        });

        it("a cluster: a serving node's loss costs only detection; a zone's adds the alias TTL of its load-balancer address", () => {
            const p = plan(clusterConfig());
            assert.deepEqual(movesOf(p, scenario(p, "node:app-a")), [{ kind: "drop-target" }]);
            assert.equal(scenarioFloor(p, scenario(p, "node:app-a"))?.move, 0);
            assert.deepEqual(
                movesOf(p, scenario(p, "zone:us-east-1a")).map((m) => m.kind),
                ["drop-target", "lb-zone"],
            );
            assert.equal(scenarioFloor(p, scenario(p, "zone:us-east-1a"))?.move, 60);
            assert.deepEqual(loadBalancerZones(p), ["us-east-1a", "us-east-1b", "us-east-1c"]);
        });

        it("the load balancer's zones of an existing network are those of its subnets", () => {
            const raw = clusterConfig();
            const net = raw.network as { subnets: { id: string }[] };
            const p = plan({ ...raw, network: { ...net, loadBalancerSubnets: [net.subnets[0].id, net.subnets[1].id] } });
            assert.deepEqual(loadBalancerZones(p), ["us-east-1a", "us-east-1b"]);
            assert.deepEqual(
                movesOf(p, scenario(p, "zone:us-east-1c")).map((m) => m.kind),
                ["drop-target"],
            );
        });

        it("says why the stack is slower: CloudWatch-metric health checks on 60 s status checks, Route 53 propagation", () => {
            const p = planOf(exampleStackOf("ha").config, "dev");
            const row = failoverRows("dev", p).find((r) => r.scenario.key === `node:${p.primary}`)!;
            assert.equal(row.floor?.detect, 10);
            assert.ok(row.scenario.detectSeconds! > 10);
            assert.match(row.slower.join("\n"), /Route 53 health check on node-1 \(\d x 60 s status checks\)/);
            assert.match(row.slower.join("\n"), /Route 53's name servers in up to 60 s/);
            assert.deepEqual(row.belowFloor, []);
        });

        it("flags an analysis figure below the floor, naming the move it leaves out", () => {
            const p = plan(clusterConfig());
            const base = scenario(p, "zone:us-east-1a");
            const tooFast: FailureScenario = { ...base, detectSeconds: 20, followSeconds: 0, clientsMoveSeconds: 20 };
            const row = failoverRows("x", { ...p, failoverAnalysis: { ...p.failoverAnalysis, scenarios: [tooFast] } })[0];
            assert.deepEqual(row.belowFloor, ["the 60 s alias TTL for which clients keep the lost zone's load-balancer address"]);
        });

        it("labels scenarios compactly, with the HA role or whether a cluster node serves", () => {
            const ha = plan(haConfig());
            assert.equal(scenarioLabel(ha, scenario(ha, "node:node-1")), "node node-1 (primary)");
            const g = plan(stackConfig("ghes-cluster"), "ghes-cluster");
            assert.equal(scenarioLabel(g, scenario(g, "node:ghe-data-1")), "node ghe-data-1 (not serving)");
            assert.equal(scenarioLabel(g, scenario(g, "zone:us-east-1c")), "zone us-east-1c (ghe-data-3)");
        });
    });

    describe("scenarios and deployment cases", () => {
        it("varies the generic example stacks, not the service profiles' ones", () => {
            assert.equal(exampleStackOf("ha").stack, "dev");
            assert.equal(exampleStackOf("cluster").stack, "prod");
        });

        it("measures the largest cluster the program accepts when it rejects the size asked for", () => {
            const small = COST_SCENARIOS.find((s) => s.id === "cluster-3")!;
            assert.equal(acceptedScenario(small), small);
            const big = acceptedScenario(COST_SCENARIOS.find((s) => s.id === "cluster-100")!);
            if (big.requested === undefined) return assert.equal(big.nodes, 100);
            assert.equal(big.requested, 100);
            assert.match(big.rejection ?? "", /SSM parameter/);
            assert.match(big.label, new RegExp(`^cluster, ${big.nodes} nodes \\(100 nodes rejected\\)$`));
            // The boundary: one more node is rejected.
            const next = acceptedScenario({ ...big, nodes: big.nodes + 1, requested: undefined, rejection: undefined });
            assert.equal(next.nodes, big.nodes);
        });

        it("deploys every example stack, automatic failover and the largest accepted cluster", () => {
            const cases = deployCases(exampleStacks());
            assert.deepEqual(cases.map((c) => c.label).slice(0, -1), [
                ...exampleStacks().map((s) => s.stack),
                "dev, failover: automatic",
                "dev, failover: automatic behind an NLB",
            ]);
            assert.match(cases[cases.length - 1].label, /^prod, cluster, \d+ nodes/);
        });
    });

    describe("output and arguments", () => {
        it("renders a padded markdown table, numbers right-aligned", () => {
            assert.equal(table(["name", "n"], [["a|b", 5]]), ["| name |  n |", "| ---- | -: |", "| a\\|b |  5 |"].join("\n"));
            assert.throws(() => table(["a", "b"], [["x"]]), /1 cells, headers 2/);
            assert.equal(fixed(-0.0001, 2), "0.00");
        });

        it("parses the bench options and rejects unknown ones", () => {
            const d = parseBenchArgs([]);
            assert.equal(d.out, "BENCHMARKS.md");
            assert.deepEqual(d.only, [...SECTIONS]);
            assert.deepEqual(parseBenchArgs(["--only", "deploy,blast", "--runs", "3"]).only, ["deploy", "blast"]);
            assert.throws(() => parseBenchArgs(["--only", "speed"]), /unknown section speed/);
            assert.throws(() => parseBenchArgs(["--runs", "0"]), /--runs needs a number >= 1/);
            assert.throws(() => parseBenchArgs(["--fast"]), /unknown option --fast/);
        });
    });
});

describe("bench: side by side against another commit (tools/bench/compare.ts)", () => {
    const cmd: CompareCommand = { label: "tests", command: "true", args: [], goal: 0.6 };

    it("alternates which tree runs first, so load drift hits both sides alike", () => {
        assert.deepEqual([0, 1, 2, 3].map(pairOrder), [
            ["base", "ours"],
            ["ours", "base"],
            ["base", "ours"],
            ["ours", "base"],
        ]);
    });

    it("takes medians of the passing runs and the median of the pairs' ratios; a failed run has no time", () => {
        const r = summarise(cmd, [
            { ours: 30, base: 60 },
            { ours: 40, base: 50 },
            { ours: 100, base: undefined },
            { ours: 20, base: 70 },
        ]);
        assert.equal(r.ours, 35);
        assert.equal(r.base, 60);
        assert.equal(r.ratio, 0.5, "median of 0.5, 0.8 and 2/7");
        assert.deepEqual(r.failures, { ours: 0, base: 1 });
        assert.equal(compareVerdict(r), "met");
        assert.equal(compareVerdict(summarise(cmd, [{ ours: 40, base: 60 }])), "NOT met", "0.67x misses a 0.6x goal");
        assert.equal(compareVerdict(summarise(cmd, [{ ours: undefined, base: 60 }])), "no figure");
    });

    it("reports the load average and the other commit with the table", () => {
        const text = renderCompare([summarise(cmd, [{ ours: 30, base: 60 }])], {
            ref: "4ab2534",
            commit: "4ab2534deadbeef00",
            cores: 2,
            loadBefore: [3.5, 2, 1],
            loadAfter: [4, 2, 1],
        });
        assert.match(text, /commit 4ab2534 \(4ab2534deadb\)/);
        assert.match(text, /before: 3\.50, 2\.00, 1\.00; after: 4\.00, 2\.00, 1\.00/);
        assert.match(text, /\| tests +\| +1 \| 0 \/ 0 +\| +30\.0 \| +60\.0 \| +0\.50x \| <= 0\.6x \| met +\|/);
    });

    it("reports CPU seconds beside the wall time, from the pairs where both runs passed", () => {
        const r = summarise(cmd, [
            { ours: 30, base: 60, oursCpu: 50, baseCpu: 55 },
            { ours: 40, base: 50, oursCpu: 70, baseCpu: 50 },
            { ours: 100, base: undefined, oursCpu: 1, baseCpu: undefined },
        ]);
        assert.equal(r.oursCpu, 60);
        assert.equal(r.baseCpu, 52.5);
        assert.equal(r.cpuRatio, (50 / 55 + 70 / 50) / 2);
        const text = renderCompare([r], {
            ref: "4ab2534",
            commit: "4ab2534deadbeef00",
            cores: 2,
            node: "v24.0.0",
            loadBefore: [1],
            loadAfter: [1],
        });
        assert.match(text, /\| 60\.0 \/ 52\.5 +\| +1\.15x \|/);
        assert.match(text, /Node v24\.0\.0 for both trees/);
        const none = summarise(cmd, [{ ours: 30, base: 60 }]);
        assert.equal(none.cpuRatio, undefined);
        assert.match(renderCompare([none], { ref: "x", commit: "x", cores: 2, loadBefore: [1], loadAfter: [1] }), /\| - \/ - +\| +- \|/);
    });

    it("counts the CPU time of the processes it waited for (Linux /proc)", function () {
        const before = childCpuSeconds();
        if (before === undefined) return this.skip();
        // Busy until the child itself has used 0.1 s of CPU, however loaded the machine is.
        spawnSync(process.execPath, ["-e", "while (process.cpuUsage().user < 100000);"]);
        const spent = childCpuSeconds()! - before;
        assert.ok(spent >= 0.09 && spent < 5, `a child that used 0.1 s of CPU counted ${spent} s`);
    });

    it("parses a ref, a worktree and the number of pairs", () => {
        assert.deepEqual(parseCompareArgs([]), { ref: "4ab2534", baseDir: undefined, pairs: 3 });
        assert.deepEqual(parseCompareArgs(["main", "--base-dir", "/tmp/b", "--pairs", "5"]), { ref: "main", baseDir: "/tmp/b", pairs: 5 });
        assert.throws(() => parseCompareArgs(["--pairs", "0"]), /--pairs needs a whole number >= 1, got 0/);
    });
});

describe("bench: goals that a regression breaks (tools/bench/goals.ts)", () => {
    const ATT = "aws:lb/targetGroupAttachment:TargetGroupAttachment::";
    const none: Classified = { created: [], updated: [], replaced: [], deleted: [], changes: {}, warnings: [] };
    const ghes = () => plan(stackConfig("ghes-ha"), "ghes-ha");

    it("promotion behind a load balancer: met only with no attachment moved and clients following within 2 x interval", () => {
        const p = ghes();
        const interval = p.loadBalancer!.targetGroups[0].healthCheck.interval;
        const withFollow = (s: number) => ({
            ...p,
            runbooks: p.runbooks.map((r) => (r.key === "promote-ghe-2" ? { ...r, after: { ...r.after!, clientsFollowSeconds: s } } : r)),
        });
        assert.equal(promotionGoal("ghes-ha", withFollow(2 * interval), "ghe-2", none).met, true);
        assert.equal(promotionGoal("ghes-ha", withFollow(2 * interval + 1), "ghe-2", none).met, false, "slower than 2 intervals");
        const replaced = { ...none, replaced: [`${ATT}ghe-lb-tcp-443-primary`] };
        const r = promotionGoal("ghes-ha", withFollow(2 * interval), "ghe-2", replaced);
        assert.equal(r.met, false, "a replaced attachment waits for target registration");
        assert.match(r.measured, /^1 attachment created, replaced or deleted/);
        assert.equal(promotionGoal("ghes-ha", withFollow(2 * interval), "ghe-2", { ...none, created: [`${ATT}x`] }).met, false);
    });

    it("cluster detection: the worst serving-node detection of the load-balanced cluster stacks, at most 10 s", () => {
        const prod = plan(stackConfig("prod"), "prod");
        const at = (s: number) => ({
            ...prod,
            failoverAnalysis: {
                ...prod.failoverAnalysis,
                scenarios: prod.failoverAnalysis.scenarios.map((x, i) => (x.kind === "node" && i === 0 ? { ...x, detectSeconds: s } : x)),
            },
        });
        const others = prod.failoverAnalysis.scenarios.filter((x) => x.kind === "node" && x.failover === "automatic").slice(1);
        const fast = (p: ReturnType<typeof at>) => ({
            ...p,
            failoverAnalysis: {
                ...p.failoverAnalysis,
                scenarios: p.failoverAnalysis.scenarios.map((x) => (others.includes(x) ? { ...x, detectSeconds: 10 } : x)),
            },
        });
        assert.equal(clusterDetectionGoal([{ stack: "prod", plan: fast(at(10)) }]).met, true);
        const slow = clusterDetectionGoal([{ stack: "prod", plan: fast(at(11)) }]);
        assert.equal(slow.met, false);
        assert.match(slow.measured, /^11 s/);
        assert.equal(clusterDetectionGoal([]).met, false, "no stack to read it from is not a pass");
    });

    it("HA automatic detection: at most 30 s, and only with automatic failover", () => {
        const auto = plan(haConfig({ failover: "automatic", loadBalancer: { kind: "nlb" } }));
        const at = (s: number, p = auto) => ({
            ...p,
            failoverAnalysis: {
                ...p.failoverAnalysis,
                scenarios: p.failoverAnalysis.scenarios.map((x) =>
                    x.nodesLost.includes(p.primary!) && x.kind === "node" ? { ...x, detectSeconds: s } : x,
                ),
            },
        });
        assert.equal(haAutomaticDetectionGoal("test", at(30), "v").met, true);
        assert.equal(haAutomaticDetectionGoal("test", at(31), "v").met, false);
        assert.equal(
            haAutomaticDetectionGoal("test", at(20, plan(haConfig())), "v").met,
            false,
            "manual failover detects nothing by itself",
        );
    });

    it("HA automatic detection: behind a load balancer the heartbeat meets 30 s; DNS failover is shown beside it", () => {
        const lb = plan(haConfig({ failover: "automatic", loadBalancer: { kind: "nlb" } }));
        const row = haAutomaticDetectionGoal("test", lb, "behind an NLB", plan(haConfig({ failover: "automatic" })));
        assert.equal(row.met, true);
        assert.equal(
            row.measured,
            "30 s (the primary's heartbeat alarm (2 x 10 s periods without a heartbeat: 20 to 30 s after the failure)); DNS failover without a load balancer: 120 s (Route 53 health check on node-1 (2 x 60 s status checks))",
        );
    });

    it("program cost: the highest of the time, allocation and peak RSS ratios against the same-types baseline, at most 1.2x; not measured is not met", () => {
        const row = (label: string, timeRatio: number, allocRatio = 1, rssRatio = 1) =>
            ({ scenario: { label }, timeRatio, allocRatio, rssRatio }) as unknown as CostRow;
        assert.equal(costGoal([row("a", 1.1), row("b", 1.2, 1.2, 1.2)]).met, true);
        const r = costGoal([row("a", 1.1), row("b", 1.21)]);
        assert.deepEqual([r.met, r.measured], [false, "highest 1.21x (time, b)"]);
        const rss = costGoal([row("a", 1.1, 1.0, 1.25), row("b", 1.15, 1.19)]);
        assert.deepEqual([rss.met, rss.measured], [false, "highest 1.25x (peak RSS, a)"]);
        assert.equal(costGoal(undefined).met, undefined);
    });
});

describe("bench: program cost table (tools/bench/cost.ts)", () => {
    it("shows the CPU time beside the wall time; the verdict reads the wall time", () => {
        const summary = (ms: number, cpuMs: number) => ({ ms, cpuMs, allocatedMB: 10, maxRssMB: 100, registrations: 61, resources: 52 });
        const row: CostRow = {
            scenario: COST_SCENARIOS.find((s) => s.id === "ha-1")!,
            runs: 5,
            rounds: 1,
            ours: summary(260, 220),
            baseline: summary(200, 200),
            timeRatio: 1.3,
            roundTimeRatios: [1.3],
            cpuRatio: 1.1,
            allocRatio: 1,
            rssRatio: 1,
        };
        const text = renderCost([row], { runs: 3, minMs: 3000, warmup: 1, rounds: 1 });
        assert.match(text, /\| time ratio \| rounds' time ratios \| CPU ms \| baseline CPU ms \| CPU ratio \|/);
        assert.match(text, /\| +1\.30x \| +1\.30 \| +220 \| +200 \| +1\.10x \|/);
        assert.match(text, /\| NOT met +\|/);
        assert.match(text, /the verdict reads the time/);
        assert.doesNotMatch(text, /As `pulumi up` runs/, "no such table without its measurements");
    });

    it("shows ours as `pulumi up` runs it beside the baseline, apart from the overhead goal", () => {
        const summary = (ms: number) => ({ ms, cpuMs: ms, allocatedMB: 10, maxRssMB: 100, registrations: 61, resources: 52 });
        const row: CostRow = {
            scenario: COST_SCENARIOS.find((s) => s.id === "ha-1")!,
            runs: 5,
            rounds: 1,
            ours: summary(260),
            baseline: summary(200),
            timeRatio: 1.3,
            roundTimeRatios: [1.3],
            cpuRatio: 1.3,
            allocRatio: 1,
            rssRatio: 1,
            asPulumiUp: { ms: 90, cpuMs: 85, timeRatio: 0.45 },
        };
        const text = renderCost([row], { runs: 3, minMs: 3000, warmup: 1, rounds: 1 });
        assert.match(text, /\| HA, 1 replica +\| +90 \| +85 \| +200 \| +0\.45x \| +260 \|/);
        assert.match(text, /Overhead goal .*: NOT met/, "the goal still reads the like-for-like time ratio");
    });
});

describe("bench: program cost over rounds of new processes (tools/bench/cost.ts combineRounds)", () => {
    const scenario = COST_SCENARIOS.find((s) => s.id === "ha-1")!;
    const sample = (ms: number, allocatedMB = 10): CostSample => ({ ms, cpuMs: ms / 2, allocatedMB, registrations: 61, resources: 52 });
    const round = (pairs: [number, number][], rss: [number, number] = [100, 100], alloc: [number, number] = [10, 10]): CostRound => ({
        ours: pairs.map(([o]) => sample(o, alloc[0])),
        baseline: pairs.map(([, b]) => sample(b, alloc[1])),
        asUp: pairs.slice(1).map(([o]) => sample(o / 2)),
        oursRssMB: rss[0],
        baselineRssMB: rss[1],
    });

    it("takes each ratio per round and the median over the rounds, so one round's processes do not set it", () => {
        const row = combineRounds(scenario, [
            round(
                [
                    [110, 100],
                    [120, 100],
                    [115, 100],
                ],
                [110, 100],
                [11, 10],
            ),
            round(
                [
                    [150, 100],
                    [160, 100],
                    [140, 100],
                ],
                [150, 100],
                [20, 10],
            ),
            round(
                [
                    [100, 100],
                    [105, 100],
                    [95, 100],
                ],
                [105, 100],
                [12, 10],
            ),
        ]);
        assert.deepEqual(row.roundTimeRatios, [1.15, 1.5, 1]);
        assert.equal(row.timeRatio, 1.15, "the median round, not the pooled pairs (whose median is 1.15 too) nor the mean");
        assert.equal(row.cpuRatio, 1.15);
        assert.equal(row.rssRatio, 1.1);
        assert.ok(Math.abs(row.allocRatio - 1.2) < 1e-9, String(row.allocRatio));
        assert.deepEqual([row.runs, row.rounds], [9, 3]);
        assert.equal(row.ours.ms, 115, "times: the median of every run");
        assert.equal(row.ours.maxRssMB, 110, "peak memory: the median over the rounds' processes");
        // Each as-`pulumi up` run against the baseline run it went beside, in its own round: 0.6, 0.575, 0.8, 0.7, 0.525, 0.475.
        assert.ok(Math.abs(row.asPulumiUp!.timeRatio - 0.5875) < 1e-9, String(row.asPulumiUp?.timeRatio));
    });

    it("differs from pooling the pairs when one round's processes are slow throughout", () => {
        const slow = round([
            [130, 100],
            [131, 100],
            [132, 100],
            [133, 100],
            [134, 100],
        ]);
        const fast = round([[100, 100]]);
        const row = combineRounds(scenario, [slow, fast, fast]);
        assert.equal(row.timeRatio, 1, "two rounds of three say 1.0");
        assert.equal(
            median([...slow.ours, ...fast.ours, ...fast.ours].map((s) => s.ms / 100)),
            1.31,
            "pooled, the slow round would set it",
        );
        assert.throws(() => combineRounds(scenario, []), /no rounds/);
    });

    it("splits the scenario's pairs and minimum time over the rounds", () => {
        assert.deepEqual(roundShare({ runs: 3, minMs: 3000, rounds: 3 }), { runs: 1, minMs: 1000, maxRuns: 16 });
        assert.deepEqual(roundShare({ runs: 4, minMs: 3000, rounds: 3 }), { runs: 2, minMs: 1000, maxRuns: 16 });
        assert.deepEqual(roundShare({ runs: 3, minMs: 3000, rounds: 1 }), { runs: 3, minMs: 3000, maxRuns: MAX_RUNS });
        assert.equal(parseBenchArgs([]).rounds, 5);
        assert.throws(() => parseBenchArgs(["--rounds", "0"]), /--rounds needs a number >= 1/);
    });
});

describe("bench: a failed command says why (tools/bench/compare.ts)", () => {
    it("keeps the last lines of its output for the log", () => {
        const out = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join("\n") + "\n\n";
        assert.equal(failureTail(out, 3), "line 48\nline 49\nline 50");
        assert.equal(failureTail("only\n"), "only");
    });
});

describe("bench: the same-types baseline (tools/bench/scenarios.ts)", () => {
    it("maps type tokens to the SDK classes", () => {
        assert.equal(resourceClass("aws:ec2/instance:Instance").name, "Instance");
        assert.equal(resourceClass("aws:lb/targetGroupAttachment:TargetGroupAttachment").name, "TargetGroupAttachment");
        assert.equal(resourceClass("random:index/randomPassword:RandomPassword").name, "RandomPassword");
        assert.throws(() => resourceClass("hatopo:index:Service"), /no SDK class for resource type hatopo:index:Service/);
    });

    it("registers the program's cloud resources again, flat: same types, names and inputs, no components, the same dependencies", async () => {
        const ours = await run(clusterConfig());
        const flat = flatResources(ours);
        const base = await runProgram(baselineProgram(flat), { stack: "test", config: { "aws:region": "us-east-1" } });
        assert.equal(base.error, undefined);
        const cloudOnly = (r: ProgramRun) => r.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:"));
        const key = (x: RecordedResource) => `${x.type}::${x.name}`;
        assert.deepEqual(cloudOnly(base).map(key).sort(), cloudOnly(ours).map(key).sort());
        assert.ok(new Set(flat.map((f) => f.type)).size > 10, "many resource types, not one cheap type");
        const stackUrn = base.resources.find((x) => x.type === "pulumi:pulumi:Stack")?.urn;
        assert.ok(
            cloudOnly(base).every((x) => x.parent === stackUrn),
            "flat: every cloud resource directly under the stack",
        );
        assert.ok(
            base.resources.every((x) => !x.type.startsWith("hatopo:")),
            "no components",
        );
        // Each cloud resource depends on the same cloud resources as in ours (a component there stands for the ones under it).
        const nameOf = new Map(base.resources.map((x) => [x.urn, key(x)]));
        const baseDeps = new Map(cloudOnly(base).map((x) => [key(x), x.dependencies.map((u) => nameOf.get(u)).sort()]));
        const oursDeps = flat.map(
            (f) =>
                [
                    `${f.type}::${f.name}`,
                    [...Object.values(f.propertyDeps ?? {}).flat(), ...(f.dependsOn ?? [])].map((i) => `${flat[i].type}::${flat[i].name}`),
                ] as const,
        );
        for (const [k, deps] of oursDeps) assert.deepEqual(baseDeps.get(k), [...new Set(deps)].sort(), k);
        const wired = cloudOnly(base).filter((x) => Object.keys(x.propertyDependencies).length > 0).length;
        assert.ok(wired > flat.length / 2, `most resources take another's outputs as inputs (${wired} of ${flat.length})`);
        const passed = flat.flatMap((f) =>
            Object.entries(f.passed ?? {}).map(([prop, [d, out]]) => `${f.name}.${prop} <- ${flat[d].name}.${out}`),
        );
        // Under the mocks a load balancer's id is its ARN, so either output is the one passed.
        assert.ok(passed.includes("svc-lb-http-80.loadBalancerArn <- svc-lb.id"), passed.join("\n"));
        assert.ok(passed.includes("svc-lb-http-80-app-a.targetId <- svc-app-a.id"), passed.join("\n"));
        // ...with the input values, secrets and options ours had.
        // Secret at the same properties (an input the baseline derives from another resource is secret as a whole).
        const top = (paths: string[]) => [...new Set(paths.map((p) => p.split(/[.[]/)[0]))].sort();
        const same = (x: RecordedResource) =>
            JSON.stringify([
                top(x.secretPaths),
                x.protect,
                x.retainOnDelete,
                x.deleteBeforeReplace,
                x.ignoreChanges,
                [...new Set(x.additionalSecretOutputs)].sort(),
            ]);
        const baseByKey = new Map(cloudOnly(base).map((x) => [key(x), x]));
        for (const x of cloudOnly(ours)) assert.equal(same(baseByKey.get(key(x))!), same(x), key(x));
        assert.ok(
            cloudOnly(ours).some((x) => x.secretPaths.length > 0),
            "the cluster config has secret inputs",
        );
        assert.ok(
            cloudOnly(ours).some((x) => x.protect !== undefined || x.ignoreChanges.length > 0),
            "...and resource options",
        );
        const baseInputs = new Map(cloudOnly(base).map((x) => [key(x), x.inputs]));
        for (const f of flat) assert.deepEqual(baseInputs.get(`${f.type}::${f.name}`), f.inputs, `${f.type}::${f.name}`);
    });

    it("a dependency on a component stands for the cloud resources under it; the smaller warm-up program drops dependencies it leaves out", () => {
        const group = rec(T.group, "g");
        const a = rec(T.instance, "a", { parent: group.urn });
        const b = rec(T.volume, "b", { parent: group.urn });
        const p = rec(T.param, "p", { propertyDependencies: { value: [a.urn] }, dependencies: [a.urn, group.urn] });
        const flat = flatResources(runOf([rec("pulumi:pulumi:Stack", "s"), group, a, b, p]));
        assert.deepEqual(
            flat.map((f) => [f.name, f.propertyDeps, f.dependsOn]),
            [
                ["a", undefined, undefined],
                ["b", undefined, undefined],
                ["p", { value: [0] }, [1]],
            ],
        );
        assert.deepEqual(
            firstResources(flat, 2).map((f) => f.name),
            ["a", "b"],
        );
        const cut = firstResources([flat[0], { ...flat[2], propertyDeps: { value: [0, 2] }, dependsOn: [2] }, flat[1]], 2);
        assert.deepEqual([cut.length, cut[1].propertyDeps, cut[1].dependsOn], [2, { value: [0] }, []]);
        const late = rec(T.param, "late", { propertyDependencies: { value: [testUrn(T.instance, "z")] } });
        assert.throws(() => flatResources(runOf([late, rec(T.instance, "z")])), /late depends on z, registered after it/);
    });
});

describe("bench: a first deployment with the engine's parallelism, until clients connect (tools/bench/rollout.ts)", () => {
    const node = (id: string, seconds: number, deps: string[] = []) => ({ id, type: "t", name: id, seconds, deps });

    it("runs at most `slots` operations at once, each as soon as its dependencies exist", () => {
        const nodes = [node("a", 10), node("b", 10), node("c", 10), node("d", 5, ["a"])];
        assert.deepEqual(Object.fromEntries(scheduleFinish(nodes, 2)), { a: 10, b: 10, c: 20, d: 15 });
        assert.deepEqual(Object.fromEntries(scheduleFinish(nodes, 8)), { a: 10, b: 10, c: 10, d: 15 }, "unlimited: the critical path");
        assert.deepEqual(Object.fromEntries(scheduleFinish(nodes, 1)), { a: 10, b: 20, c: 30, d: 35 });
        assert.throws(() => scheduleFinish([node("x", 1, ["y"]), node("y", 1, ["x"])], 2), /dependency cycle/);
    });

    const LBT = "aws:lb/loadBalancer:LoadBalancer";
    const TGT = "aws:lb/targetGroup:TargetGroup";
    const ATT = "aws:lb/targetGroupAttachment:TargetGroupAttachment";
    const world = (lbType: string) => [
        rec(LBT, "lb", { inputs: { loadBalancerType: lbType } }),
        rec(TGT, "tg", { inputs: { healthCheck: { interval: 5, healthyThreshold: 3 } }, state: { arn: "arn:tg" } }),
        rec(T.instance, "n1", { id: "i-1" }),
        rec(T.instance, "n2", { id: "i-2" }),
        rec(ATT, "a1", { inputs: { targetGroupArn: "arn:tg", targetId: "i-1" } }),
        rec(ATT, "a2", { inputs: { targetGroupArn: "arn:tg", targetId: "i-2" } }),
        rec("aws:ec2/natGateway:NatGateway", "nat"),
        rec(T.record, "dns"),
    ];
    const at = (times: Record<string, number>) =>
        new Map(Object.entries(times).map(([n, t]) => [world("network").find((r) => r.name === n)!.urn, t]));

    it("behind an NLB: the first target in service after its node, NAT and attachment, plus registration", () => {
        const finish = at({ lb: 180, tg: 2, n1: 45, n2: 30, a1: 47, a2: 50, nat: 120, dns: 240 });
        const r = clientsCanConnect(world("network"), finish);
        assert.equal(r.seconds, 120 + NLB_REGISTRATION_SECONDS, "NAT at 120 s, then registration");
        assert.match(r.lastWait, /NLB target/);
        const alb = clientsCanConnect(world("application"), finish);
        assert.deepEqual([alb.seconds, alb.lastWait], [240, "the DNS record"], "an ALB target is in after 3 x 5 s: the record is last");
        assert.equal(registrationSeconds("application", world("application")[1]), 15);
    });

    it("without a load balancer: the record and the NAT gateway", () => {
        const resources = world("network").filter((r) => ![LBT, TGT, ATT].includes(r.type));
        const finish = new Map(resources.map((r) => [r.urn, r.type === T.record ? 100 : 130]));
        assert.deepEqual(clientsCanConnect(resources, finish), { seconds: 130, lastWait: "the NAT gateway (nodes bootstrap through it)" });
    });
});
