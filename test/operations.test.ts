/**
 * Operations by config change: each runs the program twice and compares every resource and input,
 * as `pulumi preview` would. They fail if a promotion touched an instance or volume, or if adding
 * or removing one node renamed or changed another node's resources.
 */
import assert from "node:assert/strict";
import { diffRuns, type RunDiff } from "../tools/diff";
import { getResource } from "../tools/harness";
import { clusterConfig, haConfig, type Raw } from "./fixtures";
import { run } from "./program";

async function change(before: Raw, after: Raw): Promise<RunDiff> {
    return diffRuns(await run(before), await run(after));
}

const NODE_TYPES = ["aws:ec2/instance:Instance", "aws:ebs/volume:Volume", "aws:ec2/volumeAttachment:VolumeAttachment"];
const touched = (d: RunDiff) => [...d.created, ...d.deleted, ...d.updated.map((u) => u.key)];
const typeOf = (key: string) => key.split("::")[0];
const sorted = (xs: readonly string[]) => [...xs].sort();
/** What adding or removing a cluster node may update besides its own resources: peers' documents, and the healthy-target alarm's threshold. */
const documentsOrHealthyCount = (u: RunDiff["updated"][number]) =>
    ["aws:ssm/parameter:Parameter", "aws:ssm/association:Association"].includes(u.type) ||
    (u.key === "aws:cloudwatch/metricAlarm:MetricAlarm::svc-mon-http-80-healthy-below" &&
        u.changed.join(",") === "alarmDescription,threshold");

describe("operations by config change", function () {
    describe("HA promotion (primary: node-1 -> node-2)", () => {
        it("without a load balancer: updates the DNS record, the documents and the primary's health alarm only", async () => {
            const d = await change(haConfig({ primary: "node-1" }), haConfig({ primary: "node-2" }));
            assert.deepEqual(d.created, []);
            assert.deepEqual(d.deleted, []);
            assert.deepEqual(
                sorted(d.updated.map((u) => `${u.key} ${u.changed.join(",")}`)),
                sorted([
                    "aws:cloudwatch/metricAlarm:MetricAlarm::svc-dns-primary-health dimensions",
                    "aws:route53/record:Record::svc-dns-service records",
                    "aws:ssm/parameter:Parameter::svc-repl-node-1 value",
                    "aws:ssm/parameter:Parameter::svc-repl-node-2 value",
                    "aws:ssm/association:Association::svc-repl-node-1 parameters",
                    "aws:ssm/association:Association::svc-repl-node-2 parameters",
                ]),
            );
        });

        it("behind an NLB: changes no target attachment, keeps the DNS alias, replaces no instance or volume", async () => {
            const lb = { loadBalancer: { kind: "nlb" } };
            const before = await run(haConfig({ ...lb, primary: "node-1" }));
            const after = await run(haConfig({ ...lb, primary: "node-2" }));
            const d = diffRuns(before, after);
            assert.deepEqual([...d.created, ...d.deleted], []);
            // Every node stays registered: only which one passes the health check changes.
            assert.deepEqual(
                d.updated.filter((u) => u.type === "aws:lb/targetGroupAttachment:TargetGroupAttachment"),
                [],
            );
            const attached = after.resources
                .filter((r) => r.type === "aws:lb/targetGroupAttachment:TargetGroupAttachment")
                .map((r) => `${r.name} ${String(r.inputs.targetId)}`);
            const id = (node: string) => getResource(after, "aws:ec2/instance:Instance", `svc-${node}`).id;
            assert.deepEqual(sorted(attached), [
                `svc-lb-tcp-443-node-1 ${id("node-1")}`,
                `svc-lb-tcp-443-node-2 ${id("node-2")}`,
                `svc-lb-tcp-80-node-1 ${id("node-1")}`,
                `svc-lb-tcp-80-node-2 ${id("node-2")}`,
            ]);
            assert.deepEqual(sorted([...new Set(d.updated.map((u) => u.type))]), [
                "aws:cloudwatch/metricAlarm:MetricAlarm",
                "aws:ssm/association:Association",
                "aws:ssm/parameter:Parameter",
            ]);
            assert.deepEqual(
                d.updated.filter((u) => u.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((u) => `${u.key} ${u.changed.join(",")}`),
                ["aws:cloudwatch/metricAlarm:MetricAlarm::svc-dns-primary-health dimensions"],
            );
            for (const key of touched(d)) assert.ok(!NODE_TYPES.includes(typeOf(key)), `promotion touched ${key}`);
        });
    });

    describe("adding a node", () => {
        it("creates only that node's resources; others change only in documents and their associations", async () => {
            const before = clusterConfig();
            const nodes = { ...(before.nodes as Raw), "app-d": { zone: "us-east-1a" } };
            const d = await change(before, { ...before, nodes });
            assert.deepEqual(d.deleted, []);
            assert.ok(d.created.length > 0);
            for (const key of d.created) assert.match(key, /app-d/, `adding app-d created ${key}`);
            assert.deepEqual(
                sorted(d.created.map(typeOf)),
                sorted([
                    "aws:ec2/instance:Instance",
                    "aws:ebs/volume:Volume",
                    "aws:ec2/volumeAttachment:VolumeAttachment",
                    "aws:lb/targetGroupAttachment:TargetGroupAttachment",
                    "aws:ssm/parameter:Parameter", // replication document
                    "aws:ssm/parameter:Parameter", // rendered configuration script
                    "aws:ssm/association:Association",
                    "aws:cloudwatch/metricAlarm:MetricAlarm",
                    "aws:cloudwatch/metricAlarm:MetricAlarm",
                ]),
            );
            for (const u of d.updated) assert.ok(documentsOrHealthyCount(u), `adding a node updated ${u.key} ${u.changed.join(",")}`);
        });

        it("appends node-N+1 to a counted HA stack without moving the others", async () => {
            const d = await change(haConfig({ nodeCount: 2 }), haConfig({ nodeCount: 3 }));
            assert.deepEqual(d.deleted, []);
            for (const key of d.created) assert.match(key, /node-3/);
            for (const key of touched(d)) if (NODE_TYPES.includes(typeOf(key))) assert.match(key, /node-3/);
        });
    });

    describe("removing a node from the middle of the map", () => {
        it("deletes only that node's resources and renames nothing", async () => {
            const before = clusterConfig();
            const { "app-b": _removed, ...rest } = before.nodes as Raw;
            const d = await change(before, { ...before, nodes: rest });
            assert.deepEqual(d.created, [], "nothing is created (a rename would show as create + delete)");
            assert.ok(d.deleted.length >= 6);
            for (const key of d.deleted) assert.match(key, /app-b/, `removing app-b deleted ${key}`);
            for (const u of d.updated) assert.ok(documentsOrHealthyCount(u), `removing a node updated ${u.key} ${u.changed.join(",")}`);
            for (const key of touched(d)) if (NODE_TYPES.includes(typeOf(key))) assert.match(key, /app-b/);
        });
    });

    describe("AMI change", () => {
        it("does not replace running nodes by default", async () => {
            const d = await change(haConfig(), haConfig({ ami: "ami-0fedcba9876543210" }));
            assert.deepEqual(touched(d), [], "ami is in ignoreChanges, so nothing changes");
        });

        it("replaces only the nodes that opt in with allowReplacement", async () => {
            const nodes = (allow: boolean) => ({
                "app-a": { zone: "us-east-1a", allowReplacement: allow },
                "app-b": { zone: "us-east-1b" },
                "app-c": { zone: "us-east-1c" },
            });
            const d = await change(
                clusterConfig({ nodes: nodes(true) }),
                clusterConfig({ nodes: nodes(true), ami: "ami-0fedcba9876543210" }),
            );
            assert.deepEqual(
                d.updated.map((u) => `${u.key} ${u.changed.join(",")}`),
                ["aws:ec2/instance:Instance::svc-app-a ami"],
            );
        });
    });

    it("changing the TTL updates only the DNS record", async () => {
        const dns = (ttl: number) => ({ dns: { zoneId: "Z0123456789TESTZONE", name: "svc.test.example.com", ttl } });
        const d = await change(haConfig(dns(60)), haConfig(dns(30)));
        assert.deepEqual(
            d.updated.map((u) => `${u.key} ${u.changed.join(",")}`),
            ["aws:route53/record:Record::svc-dns-service ttl"],
        );
        assert.deepEqual([...d.created, ...d.deleted], []);
    });
});
