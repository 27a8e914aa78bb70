/**
 * Upgrade safety: the URNs of every example stack match the committed snapshots in test/urns/, so
 * a refactor that would make `pulumi up` replace resources fails here unless it adds `aliases`.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as aws from "../components/aws/sdk";
import * as pulumi from "@pulumi/pulumi";
import { type ProgramRun, runProgram } from "../tools/harness";
import { listStacks } from "../tools/stackfile";
import { HA_SERVICE_TYPE, LEGACY_SERVICE_TYPE } from "../components/config/ha-service-args";
import { diffUrns, engineUrns, explainDiff, mockForm, readSnapshot, snapshotPath } from "../tools/urns";
import { exampleRun } from "./examples";
import { EXAMPLE_STACKS } from "./stacks";

describe("URN snapshots of the example stacks", () => {
    // The example stacks must have a snapshot; a user's own stack is compared once it has one.
    for (const stack of listStacks("stacks").filter((s) => EXAMPLE_STACKS.includes(s) || fs.existsSync(snapshotPath(s)))) {
        it(`${stack}: every URN is unchanged, or kept through an alias (test/urns/${stack}.txt)`, async () => {
            const snapshot = readSnapshot(snapshotPath(stack));
            assert.ok(snapshot, `stack ${stack}: no URN snapshot in test/urns/; create it with \`npm run urns:update\``);
            const message = explainDiff(stack, diffUrns(snapshot, await exampleRun(stack)));
            if (message) assert.fail(message);
        });
    }
});

describe("URNs from before HaService (top component hatopo:index:Service)", () => {
    for (const stack of EXAMPLE_STACKS) {
        it(`${stack}: every resource's former URN is kept through the component's alias, so nothing is replaced`, async () => {
            const run = await exampleRun(stack);
            const now = engineUrns(run);
            assert.ok(now.some((u) => u.includes(`::${HA_SERVICE_TYPE}$`)));
            // The URNs a stack deployed before HaService holds: the same chain under the old top type.
            const before = now.filter((u) => u.includes(HA_SERVICE_TYPE)).map((u) => u.replace(HA_SERVICE_TYPE, LEGACY_SERVICE_TYPE));
            const d = diffUrns(before, run);
            assert.deepEqual(d.replaced, []);
            assert.equal(d.aliased.length, before.length);
        });
    }
});

/** Outer > Inner > bucket, with the bucket's name and aliases given (and the outer component's). */
function nested(bucket: string, aliases: pulumi.Alias[] = [], outerType = "test:index:Outer", outerAliases: pulumi.Alias[] = []) {
    return async () => {
        const outer = new pulumi.ComponentResource(outerType, "outer", {}, { aliases: outerAliases });
        const inner = new pulumi.ComponentResource("test:index:Inner", "inner", {}, { parent: outer });
        new aws.s3.Bucket(bucket, {}, { parent: inner, aliases });
        return {};
    };
}

describe("URN snapshot check", () => {
    let original: ProgramRun;
    let snapshot: string[];

    before(async () => {
        original = await runProgram(nested("old"), { stack: "test" });
        snapshot = engineUrns(original);
    });

    it("writes URNs as the engine does, with every ancestor's type below the stack", () => {
        assert.ok(
            snapshot.includes("urn:pulumi:test::ha-service::test:index:Outer$test:index:Inner$aws:s3/bucket:Bucket::old"),
            snapshot.join("\n"),
        );
        assert.ok(snapshot.includes("urn:pulumi:test::ha-service::pulumi:pulumi:Stack::ha-service-test"));
        assert.equal(mockForm("urn:pulumi:s::p::a:b:C$d:e:F$g:h:I::n"), "urn:pulumi:s::p::d:e:F$g:h:I::n");
    });

    it("finds nothing to report when nothing changed", () => {
        assert.equal(explainDiff("test", diffUrns(snapshot, original)), undefined);
    });

    it("fails a rename without an alias, naming the old URN, the likely new name and the fix", async () => {
        const renamed = await runProgram(nested("new"), { stack: "test" });
        const d = diffUrns(snapshot, renamed);
        assert.deepEqual(d.replaced, ["urn:pulumi:test::ha-service::test:index:Outer$test:index:Inner$aws:s3/bucket:Bucket::old"]);
        const message = explainDiff("test", d)!;
        assert.match(message, /1 resource\(s\) would be DELETED and re-created/);
        assert.match(message, /now perhaps: new/);
        assert.match(message, /aliases: \[\{ name: "<old name>" \}\]/);
        assert.match(message, /upgrade note to CHANGELOG\.md/);
        assert.match(message, /npm run urns:update/);
    });

    it("keeps the whole subtree of a component whose type changed, through the alias on the component alone", async () => {
        const moved = await runProgram(nested("old", [], "test:index:Renamed", [{ type: "test:index:Outer" }]), { stack: "test" });
        const d = diffUrns(snapshot, moved);
        assert.deepEqual(d.replaced, []);
        assert.ok(d.aliased.includes("urn:pulumi:test::ha-service::test:index:Outer$test:index:Inner$aws:s3/bucket:Bucket::old"));
        const unaliased = await runProgram(nested("old", [], "test:index:Renamed"), { stack: "test" });
        assert.equal(diffUrns(snapshot, unaliased).replaced.length, 3, "outer, inner and the bucket");
    });

    it("accepts a rename that keeps the old identity through an alias, and asks to record the new URN", async () => {
        const aliased = await runProgram(nested("new", [{ name: "old" }]), { stack: "test" });
        const d = diffUrns(snapshot, aliased);
        assert.deepEqual(d.replaced, []);
        assert.equal(d.aliased.length, 1);
        assert.match(
            explainDiff("test", d)!,
            /no existing resource would be replaced[\s\S]*~ .*::old \(kept through an alias\)[\s\S]*\+ .*::new/,
        );
    });
});
