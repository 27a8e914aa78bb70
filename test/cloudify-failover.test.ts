/** Active-minority mode in the cloudify stack's failover analysis (components/plan/partition.ts). */
import assert from "node:assert/strict";
import { plan } from "./fixtures";
import { stackConfig } from "./stacks";

const analysis = (overrides = {}) => plan(stackConfig("cloudify", overrides), "cloudify").failoverAnalysis;

describe("failover analysis of a partitioned Cloudify cluster (active-minority mode)", () => {
    it("describes active-minority mode and its data loss, with the guide as the source", () => {
        const text = analysis().assumptions.join("\n");
        assert.match(
            text,
            /Network partition \(the nodes are up but cannot reach each other\): the managers cut off from the majority enter active-minority mode/,
        );
        assert.match(text, /the other side's writes are lost/);
        assert.match(text, /high-availability-clusters\.md, "Managing Network Failure"/);
    });

    it("explains the three-zone default with this stack's layout, and that both sides can pass the health check", () => {
        const text = analysis().assumptions.join("\n");
        assert.match(
            text,
            /With 3 manager nodes \(1 in us-east-1a, 1 in us-east-1b, 1 in us-east-1c\), cutting off any one zone leaves a majority of 2 or more in the others/,
        );
        assert.match(text, /both active manager nodes pass its health check and clients are split between them/);
        assert.match(text, /cannot tell active-minority mode apart/);
    });

    it("warns that two managers in one zone put the majority in that zone", () => {
        const nodes = { "mgr-a": { zone: "us-east-1a" }, "mgr-b": { zone: "us-east-1a" }, "mgr-c": { zone: "us-east-1b" } };
        const text = analysis({ nodes }).assumptions.join("\n");
        assert.match(
            text,
            /With 3 manager nodes \(2 in us-east-1a, 1 in us-east-1b\), cutting off the zone with the most of them leaves no majority of 2 elsewhere/,
        );
    });

    it("says nothing of the kind for profiles without a minority mode", () => {
        for (const stack of ["ghes-cluster", "prod"]) {
            assert.doesNotMatch(plan(stackConfig(stack), stack).failoverAnalysis.assumptions.join("\n"), /Network partition/, stack);
        }
    });
});
