/**
 * GHES cluster rules as plain data: per-service minimum node counts (about-cluster-nodes.md), the
 * failover analysis of losing the MySQL/Redis primary's node, and the cluster runbooks.
 */
import assert from "node:assert/strict";
import { ConfigError } from "../components/config";
import { GHES_MIN_NODES, GHES_STATE_DIR } from "../components/profiles/ghes";
import { plan, type Raw } from "./fixtures";
import { stackConfig } from "./stacks";

const raw = stackConfig("ghes-cluster");
const nodes = raw.nodes as Record<string, { roles: string[] }>;

function rejection(config: Raw): string {
    try {
        plan(config, "ghes-cluster");
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.message;
    }
    assert.fail("the config was accepted");
}

/** The example stack with roles taken off nodes: `{ node: [roles] }`. */
const without = (drop: Record<string, readonly string[]>): Raw => ({
    ...raw,
    nodes: Object.fromEntries(Object.entries(nodes).map(([k, v]) => [k, { ...v, roles: v.roles.filter((r) => !drop[k]?.includes(r)) }])),
});

describe("GHES cluster: per-service minimum node counts (about-cluster-nodes.md)", () => {
    it("are the documented ones: 2 front-end nodes, 3 database, storage and search nodes", () => {
        assert.deepEqual(GHES_MIN_NODES, {
            "web-server": 2,
            "job-server": 2,
            "memcache-server": 2,
            "consul-server": 3,
            "mysql-server": 3,
            "redis-server": 3,
            "elasticsearch-server": 3,
            "git-server": 3,
            "pages-server": 3,
            "storage-server": 3,
            "metrics-server": 3,
        });
    });

    it("the example stack meets them", () => {
        assert.doesNotThrow(() => plan(raw, "ghes-cluster"));
    });

    it("refuses two MySQL nodes, naming the key path, the count, the nodes and the fix", () => {
        const message = rejection(without({ "ghe-data-3": ["mysql-server"] }));
        assert.match(
            message,
            /ha-service:nodes: only 2 node\(s\) carry the role "mysql-server" \(ghe-data-1, ghe-data-2\); the "ghes" profile needs at least 3 for redundancy: add "mysql-server" to the `roles` of 1 more node\(s\)/,
        );
    });

    it("collects every role that falls short in one error", () => {
        const message = rejection(without({ "ghe-app-2": ["web-server"], "ghe-data-2": ["git-server"], "ghe-data-3": ["git-server"] }));
        assert.match(message, /only 1 node\(s\) carry the role "web-server" \(ghe-app-1\); the "ghes" profile needs at least 2/);
        assert.match(message, /only 1 node\(s\) carry the role "git-server" \(ghe-data-1\); the "ghes" profile needs at least 3/);
    });

    it("an optional role (metrics-server) may be left out entirely, but once used it needs its minimum too", () => {
        assert.doesNotThrow(() =>
            plan(
                without({ "ghe-data-1": ["metrics-server"], "ghe-data-2": ["metrics-server"], "ghe-data-3": ["metrics-server"] }),
                "ghes-cluster",
            ),
        );
        assert.match(
            rejection(without({ "ghe-data-2": ["metrics-server"], "ghe-data-3": ["metrics-server"] })),
            /only 1 node\(s\) carry the role "metrics-server"/,
        );
    });
});

describe("GHES cluster: losing the MySQL/Redis primary's node", () => {
    const scenario = (config: Raw, key: string) => plan(config, "ghes-cluster").failoverAnalysis.scenarios.find((s) => s.key === key)!;

    it("is not 'stays up': MySQL and Redis need a manual primary move (runbook move-leaders)", () => {
        const s = scenario(raw, "node:ghe-data-1");
        assert.equal(s.staysUp, false);
        assert.equal(s.failover, "manual");
        assert.equal(s.operator, true);
        assert.equal(s.clientsMoveSeconds, undefined, "GitHub publishes no time for it");
        assert.match(
            s.clientsMoveBy,
            /^ghe-data-1 led mysql-server and redis-server: each runs with a single primary that the service never moves by itself/,
        );
        assert.match(s.clientsMoveBy, /about-cluster-nodes\.md/);
        assert.match(s.clientsMoveBy, /runbook move-leaders/);
        assert.equal(scenario(raw, "zone:us-east-1a").staysUp, false, "the primary's zone too");
    });

    it("names only the role the lost node led, and a MySQL replica's loss still stays up", () => {
        const split = { ...raw, leaders: { "mysql-server": "ghe-data-1", "redis-server": "ghe-data-2" } };
        assert.match(scenario(split, "node:ghe-data-2").clientsMoveBy, /^ghe-data-2 led redis-server: /);
        assert.equal(scenario(split, "node:ghe-data-3").staysUp, true);
        assert.equal(scenario(split, "node:ghe-data-3").failover, "none");
    });
});

describe("GHES cluster: a node is never replaced under its own host name", () => {
    it("refuses allowReplacement on a cluster node, naming the key, the rule's source and the fix", () => {
        const message = rejection({ ...raw, nodes: { ...nodes, "ghe-app-2": { ...nodes["ghe-app-2"], allowReplacement: true } } });
        assert.match(
            message,
            /ha-service:nodes\.ghe-app-2\.allowReplacement: would replace ghe-app-2 under its own host name, which the "ghes" profile forbids \(.*replacing-a-cluster-node\.md.*\): remove the key, add a node with a new name and list ghe-app-2 in `removedNodes` \(runbook replace-node\)/,
        );
    });

    it("still lets a GHES HA node roll onto a new AMI (host-name reuse is a cluster rule)", () => {
        const ha = stackConfig("ghes-ha");
        const haNodes = ha.nodes as Record<string, Raw>;
        const [first] = Object.keys(haNodes);
        assert.doesNotThrow(() =>
            plan({ ...ha, nodes: { ...haNodes, [first]: { ...haNodes[first], allowReplacement: true } } }, "ghes-ha"),
        );
    });
});

describe("GHES cluster runbooks", () => {
    const runbooks = plan(raw, "ghes-cluster").runbooks;

    it("replace a node under a new name through removedNodes and ghe-remove-node, never pulumi up --replace", () => {
        const r = runbooks.find((b) => b.key === "replace-node")!;
        const text = r.steps.join("\n");
        assert.match(text, /^Never `pulumi up --replace` a node of this stack/);
        assert.match(text, /replacing-a-cluster-node\.md/);
        assert.match(text, /ghe-data-1 runs `ghe-remove-node NODE`, which evacuates NODE's data/);
        assert.match(text, /move that first \(runbook move-leaders\)/);
        // The sync reads its removed-node record on /data, where an upgrade keeps it.
        assert.ok(text.includes(`echo NODE >> ${GHES_STATE_DIR}/ghes-cluster/removed`), text);
        assert.ok(!/pulumi up --replace '</.test(text));
    });

    it("move the primaries to the configured leaders, gated by maintenance mode, super_read_only, GTIDs and Redis offsets", () => {
        const moved = plan({ ...raw, leaders: { "mysql-server": "ghe-data-3", "redis-server": "ghe-data-2" } }, "ghes-cluster");
        const r = moved.runbooks.find((b) => b.key === "move-leaders")!;
        assert.match(r.title, /mysql-server: ghe-data-3, redis-server: ghe-data-2\); never applied by the stack$/);
        const at = (re: RegExp) => r.steps.findIndex((s) => re.test(s));
        const order = [
            /ghe-cluster-maintenance -s/,
            /super_read_only = 1/,
            /gtid_executed/,
            /ghe-redis-cli --remote -h ghe-data-2 INFO replication/,
            /cluster\.mysql-master ghe-data-3`.*cluster\.redis-master ghe-data-2`.*ghe-cluster-config-apply/,
            /ghe-cluster-maintenance -u/,
        ].map(at);
        assert.ok(
            order.every((i) => i >= 0),
            String(order),
        );
        assert.deepEqual(
            [...order].sort((a, b) => a - b),
            order,
            "in the documented order",
        );
    });
});
