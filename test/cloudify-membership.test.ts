/**
 * Members that leave only explicitly (profile flag `membersLeaveExplicitly`, on for cloudify): a
 * manager deleted from `nodes` without being listed in `removedNodes` is refused, because Cloudify
 * keeps a departed manager in the cluster until `cfy cluster nodes remove` runs. The previous members
 * come from the stack's own last `nodes` output (a StackReference to itself).
 */
import assert from "node:assert/strict";
import { ConfigError } from "../components/config";
import { departedWithoutRemoval } from "../components/plan/membership";
import { profiles } from "../components/profiles";
import program = require("../index");
import { runProgram } from "../tools/harness";
import { asPulumiConfig, clusterConfig, PreviousDeployment, type Raw, spec } from "./fixtures";
import { stackConfig } from "./stacks";

const raw = stackConfig("cloudify");
const { "mgr-c": _gone, ...withoutC } = raw.nodes as Raw;
const MANAGERS = ["mgr-a", "mgr-b", "mgr-c"];

const deploy = (config: Raw, previous: readonly string[] | undefined) =>
    runProgram(program, { stack: "cloudify", config: asPulumiConfig(config), mocks: new PreviousDeployment(previous) });

describe("members leave only explicitly (cloudify)", function () {
    this.timeout(120_000);

    it("refuses a manager deleted since the last deployment without `removedNodes`, naming the key and the fix", () => {
        const problems = departedWithoutRemoval(spec({ ...raw, nodes: withoutC }, "cloudify"), MANAGERS);
        assert.deepEqual(problems, [
            {
                path: "removedNodes",
                value: [],
                message:
                    'does not list mgr-c, deleted from `nodes` since the last deployment; a "cloudify" member leaves its cluster only when told to (a deleted one stays a member forever): set `removedNodes: ["mgr-c"]` so the cluster removes it, or put mgr-c back in `nodes`',
            },
        ]);
    });

    it("accepts the deletion once the manager is in `removedNodes`, a first deployment, and unchanged nodes", () => {
        assert.deepEqual(departedWithoutRemoval(spec({ ...raw, nodes: withoutC, removedNodes: ["mgr-c"] }, "cloudify"), MANAGERS), []);
        assert.deepEqual(departedWithoutRemoval(spec(raw, "cloudify"), []), []);
        assert.deepEqual(departedWithoutRemoval(spec(raw, "cloudify"), MANAGERS), []);
    });

    it("is on for cloudify and GHES clusters only; a profile or topology without the flag may drop nodes silently", () => {
        assert.deepEqual(
            Object.entries(profiles)
                .filter(([, p]) => p.membersLeaveExplicitly)
                .map(([name, p]) => `${name}: ${p.membersLeaveExplicitly!.join(",")}`)
                .sort(),
            ["cloudify: cluster", "ghes: cluster"],
        );
        const generic = spec(clusterConfig());
        assert.deepEqual(departedWithoutRemoval(generic, ["app-a", "app-b", "app-c", "app-d"]), []);
    });

    it("holds for a GHES cluster (ghe-remove-node needs `removedNodes`) but not for GHES HA", () => {
        const cluster = stackConfig("ghes-cluster");
        const clusterNodes = Object.keys(cluster.nodes as Raw);
        const departed = departedWithoutRemoval(spec(cluster, "ghes-cluster"), [...clusterNodes, "ghe-app-3"]);
        assert.deepEqual(
            departed.map((p) => p.path),
            ["removedNodes"],
        );
        assert.match(departed[0].message, /does not list ghe-app-3, .*set `removedNodes: \["ghe-app-3"\]`/);
        assert.deepEqual(
            departedWithoutRemoval(spec({ ...cluster, removedNodes: ["ghe-app-3"] }, "ghes-cluster"), [...clusterNodes, "ghe-app-3"]),
            [],
        );
        const ha = stackConfig("ghes-ha");
        assert.deepEqual(departedWithoutRemoval(spec(ha, "ghes-ha"), [...Object.keys(ha.nodes as Raw), "ghe-3"]), []);
    });

    it("`pulumi up` reads the previous members from the stack's own last output and fails before registering anything else", async () => {
        const run = await deploy({ ...raw, nodes: withoutC }, MANAGERS);
        assert.ok(run.error instanceof ConfigError, String(run.error));
        assert.match(run.error.message, /ha-service:removedNodes: does not list mgr-c, deleted from `nodes` since the last deployment/);
        // Only the mocked StackReference knows mgr-c ever existed: the refusal proves the program read it.
        assert.deepEqual(
            run.resources.filter((r) => r.custom && r.type.startsWith("aws:")),
            [],
            "no AWS resource is registered",
        );
    });

    it("reads the previous members once: the program's check, which HaService then trusts", async () => {
        const mocks = new PreviousDeployment(MANAGERS);
        const config = asPulumiConfig({ ...raw, nodes: withoutC, removedNodes: ["mgr-c"] });
        const run = await runProgram(program, { stack: "cloudify", config, mocks });
        assert.equal(run.error, undefined);
        assert.deepEqual(mocks.references, [`organization/${run.project}/cloudify`]);
    });

    it("deploys when the deleted manager is listed, and on a stack never deployed", async () => {
        assert.equal((await deploy({ ...raw, nodes: withoutC, removedNodes: ["mgr-c"] }, MANAGERS)).error, undefined);
        assert.equal((await deploy(raw, undefined)).error, undefined);
    });
});
