/**
 * The pure parts of the benchmarks (tools/bench/): statistics, the critical path on hand-made
 * graphs, replacement classification and blast-radius verdicts, tables and arguments. Nothing here
 * is timed; `npm run bench` measures.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { classify, nextKey, ownedBy, replacesLocally, verdict } from "../tools/bench/blast";
import { creationGraph, deploymentFloor, type GraphNode, longestPath, orderingOnlyDependencies } from "../tools/bench/critical-path";
import { failoverFloor, flatten, loadFailoverAnalysis } from "../tools/bench/failover";
import { fixed, table } from "../tools/bench/markdown";
import { increments, linearFit, median } from "../tools/bench/stats";
import { parseBenchArgs, SECTIONS } from "../tools/bench";
import { diffRuns, type RunDiff } from "../tools/diff";
import type { ProgramRun, RecordedResource } from "../tools/harness";
import { haConfig, plan } from "./fixtures";

const urn = (type: string, name: string) => `urn:pulumi:test::p::${type}::${name}`;

function rec(type: string, name: string, extra: Partial<RecordedResource> = {}): RecordedResource {
    return {
        type,
        name,
        urn: urn(type, name),
        custom: !type.startsWith("hatopo:") && type !== "pulumi:pulumi:Stack",
        ignoreChanges: [],
        dependencies: [],
        propertyDependencies: {},
        aliases: [],
        deleteBeforeReplace: false,
        replaceOnChanges: [],
        additionalSecretOutputs: [],
        inputs: {},
        maskedInputs: {},
        secretPaths: [],
        unknownPaths: [],
        ...extra,
    };
}

function runOf(resources: RecordedResource[]): ProgramRun {
    return {
        stack: "test",
        project: "p",
        preview: false,
        config: {},
        resources,
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
};

describe("benchmarks (pure parts)", () => {
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
        });

        it("the floor is LB -> listener -> record with a load balancer, instance -> record without", () => {
            assert.deepEqual(deploymentFloor([{ type: T.lb }, { type: T.record }], () => 1).types, [T.lb, T.listener, T.record]);
            assert.deepEqual(
                deploymentFloor([{ type: T.instance }], (t) => (t === T.instance ? 45 : 60)),
                {
                    types: [T.instance, T.record],
                    seconds: 105,
                },
            );
        });
    });

    describe("blast radius", () => {
        it("the local table replaces an instance on an AMI change, not on an instance-type change", () => {
            const inst = rec(T.instance, "svc-a", { inputs: { userDataReplaceOnChange: false } });
            assert.ok(replacesLocally(inst, ["tags", "ami"]));
            assert.ok(!replacesLocally(inst, ["instanceType", "userData"]));
            assert.ok(replacesLocally(rec(T.instance, "b", { inputs: { userDataReplaceOnChange: true } }), ["userData"]));
            assert.ok(replacesLocally(rec(T.volume, "v"), ["availabilityZone"]));
            assert.ok(!replacesLocally(rec(T.volume, "v"), ["size"]));
            assert.ok(replacesLocally(rec(T.param, "p", { replaceOnChanges: ["value"] }), ["value"]));
        });

        it("classifies with the local table unless tools/diff.ts reports replacements itself", () => {
            const run = runOf([rec(T.instance, "svc-a"), rec(T.param, "p")]);
            const change = (type: string, name: string, changed: string[]) => ({
                key: `${type}::${name}`,
                type,
                name,
                changed,
                ignored: [],
            });
            const d: RunDiff = {
                created: [],
                deleted: [],
                updated: [change(T.instance, "svc-a", ["ami"]), change(T.param, "p", ["value"])],
                unchanged: [],
            };
            assert.deepEqual(classify(run, run, d), {
                created: [],
                updated: [`${T.param}::p`],
                replaced: [`${T.instance}::svc-a`],
                deleted: [],
                replaceSource: "local table",
            });
            const fromDiff = Object.assign({}, d, { replaced: [{ key: `${T.param}::p` }] });
            const c = classify(run, run, fromDiff);
            assert.deepEqual([c.replaced, c.updated, c.replaceSource], [[`${T.param}::p`], [`${T.instance}::svc-a`], "tools/diff.ts"]);
        });

        it("a resource belongs to a node when the node key is a whole dash-separated part of its name", () => {
            assert.ok(ownedBy("svc-node-1", "node-1"));
            assert.ok(ownedBy("svc-node-1-data", "node-1"));
            assert.ok(!ownedBy("svc-node-10", "node-1"));
            assert.ok(!ownedBy("svc-app-dd", "app-d"));
        });

        it("a node operation may touch only that node, the documents naming it and their associations", () => {
            const before = runOf([rec(T.param, "svc-repl-a", { inputs: { value: '{"peers":["a"]}' } }), rec(T.instance, "svc-a")]);
            const after = runOf([
                rec(T.param, "svc-repl-a", { inputs: { value: '{"peers":["a","d"]}' } }),
                rec(T.instance, "svc-a", { inputs: { tags: { n: "2" } } }),
                rec(T.instance, "svc-d"),
            ]);
            const d = diffRuns(before, after);
            const v = verdict({ kind: "only-node", node: "d", added: true }, classify(before, after, d), before, after, d);
            assert.deepEqual(v, { met: false, problems: [`updates ${T.instance}::svc-a`] });
            const clean = runOf(
                after.resources.filter((r) => r.name !== "svc-a").concat(before.resources.filter((r) => r.name === "svc-a")),
            );
            const d2 = diffRuns(before, clean);
            assert.deepEqual(verdict({ kind: "only-node", node: "d", added: true }, classify(before, clean, d2), before, clean, d2), {
                met: true,
                problems: [],
            });
        });

        it("promotion-like goals fail on any delete or replacement", () => {
            const c = { created: ["x"], updated: [], replaced: ["r"], deleted: ["d"], replaceSource: "local table" as const };
            const empty = runOf([]);
            assert.deepEqual(verdict({ kind: "no-replace-or-delete" }, c, empty, empty, diffRuns(empty, empty)).problems, [
                "replaces r",
                "deletes d",
            ]);
        });

        it("nextKey continues the naming pattern and avoids taken keys", () => {
            assert.equal(nextKey("app-c", ["app-a", "app-c"]), "app-d");
            assert.equal(nextKey("node-9", []), "node-10");
            assert.equal(nextKey("app-c", ["app-d"]), "app-d-new");
            assert.equal(nextKey("zeta", []), "zeta-new");
        });
    });

    describe("failover", () => {
        it("reports the analysis as not available when its module is missing", () => {
            const missing = path.join(__dirname, "no-such-failover-module");
            assert.deepEqual(loadFailoverAnalysis(missing), { available: false, reason: "failover analysis not built" });
        });

        it("flattens any analysis result into named figures", () => {
            assert.deepEqual(flatten({ detection: 20, moves: [{ ttl: 60.25 }], manual: true }), [
                ["detection", "20"],
                ["moves[0].ttl", "60.3"],
                ["manual", "true"],
            ]);
        });

        it("the AWS floor adds the TTL only when DNS moves", () => {
            assert.deepEqual(
                failoverFloor(plan(haConfig({ dns: { zoneId: "Z0123456789TESTZONE", name: "svc.test.example.com", ttl: 30 } }))).move,
                30,
            );
            assert.equal(failoverFloor(plan(haConfig({ loadBalancer: { kind: "nlb" } }))).move, 0);
        });
    });

    describe("output and arguments", () => {
        it("renders a padded markdown table, numbers right-aligned", () => {
            assert.equal(table(["name", "n"], [["a|b", 5]]), ["| name |   n |", "| ---- | --: |", "| a\\|b |   5 |"].join("\n"));
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
            assert.throws(() => parseBenchArgs(["--fast"]), /unknown argument --fast/);
        });
    });
});
