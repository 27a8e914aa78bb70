/**
 * The ghes and cloudify profiles, through the example stacks: ports, health checks, load-balancer
 * targets and what each node renders, asserted against GitHub's and Cloudify's documented facts;
 * the configs each profile refuses; and promotion and removal as config changes.
 */
import assert from "node:assert/strict";
import { ConfigError } from "../components/config";
import { canonicalJson, type NodeDocument, resolveAddresses, type SecurityRule, STATE_DIR, type TopologyPlan } from "../components/plan";
import { getProfile } from "../components/profiles";
import { diffRuns } from "../tools/diff";
import { main } from "../tools/plan";
import { plan, spec, type Raw } from "./fixtures";
import { run } from "./program";
import { PROFILE_STACKS, stackConfig } from "./stacks";

const ingress = (p: TopologyPlan): string[] =>
    (p.securityGroups.find((g) => g.key === "nodes")?.rules ?? [])
        .filter((r: SecurityRule) => r.direction === "ingress")
        .map(
            (r) =>
                `${r.protocol}/${r.fromPort} from ${"cidr" in r.peer ? r.peer.cidr : "group" in r.peer ? `sg:${r.peer.group}` : r.peer.securityGroupId}`,
        )
        .sort();
const replicationPorts = (p: TopologyPlan) =>
    ingress(p)
        .filter((r) => r.endsWith("from sg:nodes"))
        .map((r) => r.replace(" from sg:nodes", ""));
const docOf = (p: TopologyPlan, node: string) => p.replication.documents.find((d) => d.node === node)!;
const commandsOf = (p: TopologyPlan, node: string) => docOf(p, node).config.commands;

/** The config error a raw config causes (in validation or planning); fails the test if it is accepted. */
function rejection(raw: Raw, stack = "test"): string {
    try {
        plan(raw, stack);
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.message;
    }
    assert.fail("the config was accepted");
}

describe("profile ghes: HA (stacks/Pulumi.ghes-ha.yaml)", () => {
    const p = plan(stackConfig("ghes-ha"), "ghes-ha");

    it("opens user ports only from the NLB, admin 8443 and 122 only from admin CIDRs, 122/tcp and 1194/udp only between nodes", () => {
        assert.deepEqual(ingress(p), [
            "tcp/122 from 10.20.0.0/16",
            // The backup host (ghesBackup): ghe-backup over admin SSH, and the Manage API to authorise its key.
            "tcp/122 from sg:backupHost",
            "tcp/122 from sg:nodes",
            "tcp/22 from sg:loadBalancer",
            "tcp/443 from sg:loadBalancer",
            "tcp/80 from sg:loadBalancer",
            "tcp/8443 from 10.20.0.0/16",
            "tcp/8443 from sg:backupHost",
            "tcp/9418 from sg:loadBalancer",
            "udp/1194 from sg:nodes",
        ]);
    });

    it("registers both nodes with an NLB (only the primary passes GET /status), passes TCP through, PROXY protocol off, client IPs kept, health-checked on GET /status", () => {
        const lb = p.loadBalancer!;
        assert.equal(lb.kind, "nlb");
        assert.deepEqual(
            lb.listeners.map((l) => `${l.protocol}/${l.port}`),
            ["TCP/22", "TCP/80", "TCP/443", "TCP/9418"],
        );
        for (const tg of lb.targetGroups) {
            assert.equal(tg.protocol, "TCP");
            assert.equal(tg.preserveClientIp, true);
            assert.equal(tg.proxyProtocolV2, false);
            assert.deepEqual(
                [tg.healthCheck.protocol, tg.healthCheck.port, tg.healthCheck.path, tg.healthCheck.matcher],
                ["HTTPS", 443, "/status", "200"],
            );
        }
        // Every node is registered; /status answers 503 on the replica, so only the primary takes traffic.
        assert.deepEqual([...new Set(lb.attachments.map((a) => a.node))], ["ghe-1", "ghe-2"]);
        assert.deepEqual(p.dns[0].target, { kind: "loadBalancer", evaluateTargetHealth: true });
    });

    it("sets the replica up against the primary's address and leaves the primary nothing to join", () => {
        const helper = "/data/user/ha-service/ghes-ha";
        assert.deepEqual(commandsOf(p, "ghe-2"), [
            `${helper} guard replica`,
            `${helper} leave {{address:ghe-1}}`,
            `${helper} init /ha-service/ghes-ha/ghe/ghes-license setup`,
            // The join steps, skipped by the helper on a replica that follows ghe-1 already.
            `${helper} join {{address:ghe-1}} authorize {{address:ghe-1}}`,
            `${helper} join {{address:ghe-1}} ghe-repl-setup {{address:ghe-1}}`,
            `${helper} join {{address:ghe-1}} ghe-config-apply`,
            `${helper} join {{address:ghe-1}} ghe-repl-start`,
            "ghe-repl-status",
            `${helper} joined {{address:ghe-1}}`,
        ]);
        assert.deepEqual(
            docOf(p, "ghe-2").config.files.map((f) => [f.path, f.mode]),
            [[helper, "0700"]],
        );
        const primary = docOf(p, "ghe-1").config;
        assert.ok(!primary.commands.some((c) => c.includes("ghe-repl-setup")), "the primary joins nothing");
        assert.deepEqual(primary.commands, [
            "/data/user/ha-service/ghes-promote",
            `${helper} init /ha-service/ghes-ha/ghe/ghes-license apply`,
            `${helper} primary`,
        ]);
    });

    it("adds further replicas with ghe-repl-setup --add, after waiting for the first", () => {
        const nodes = { ...(stackConfig("ghes-ha").nodes as Raw), "ghe-3": { zone: "us-east-1a" } };
        const three = plan(stackConfig("ghes-ha", { nodes }), "ghes-ha");
        const setup = (node: string) => commandsOf(three, node).filter((c) => /ghe-repl-setup|wait-for-seed/.test(c));
        const join = "/data/user/ha-service/ghes-ha join {{address:ghe-1}}";
        assert.deepEqual(setup("ghe-2"), [`${join} ghe-repl-setup {{address:ghe-1}}`]);
        assert.deepEqual(setup("ghe-3"), [`${join} wait-for-seed {{address:ghe-1}}`, `${join} ghe-repl-setup --add {{address:ghe-1}}`]);
    });

    it("after a promotion gives the new primary the ghe-repl-promote runbook and re-points the old one", () => {
        const promoted = plan(stackConfig("ghes-ha", { primary: "ghe-2" }), "ghes-ha");
        const runbook = docOf(promoted, "ghe-2").config.files[1];
        assert.equal(runbook.path, "/data/user/ha-service/ghes-promote");
        assert.equal(runbook.mode, "0700");
        assert.match(runbook.content, /^ghe-repl-promote$/m);
        assert.match(
            runbook.content,
            /maintenance mode\n# on the old primary/,
            "the runbook says to put the old primary in maintenance mode first",
        );
        assert.equal(commandsOf(promoted, "ghe-2")[0], "/data/user/ha-service/ghes-promote");
        assert.deepEqual(commandsOf(promoted, "ghe-1").slice(0, 2), [
            "/data/user/ha-service/ghes-ha guard replica",
            "/data/user/ha-service/ghes-ha leave {{address:ghe-2}}",
        ]);
    });

    it("refuses automatic failover, naming the key, why promotion is manual and the fix", () => {
        const message = rejection(stackConfig("ghes-ha", { failover: "automatic" }), "ghes-ha");
        assert.match(message, /ha-service:failover: profile "ghes" refuses automatic failover/);
        assert.match(message, /maintenance mode.*ghe-repl-promote.*re-point DNS/);
        assert.match(message, /keep `manual` and promote by changing `primary`/);
    });

    it("refuses an ALB: Git over SSH cannot pass through it", () => {
        assert.match(
            rejection(stackConfig("ghes-ha", { loadBalancer: { kind: "alb" } })),
            /ha-service:loadBalancer\.kind: profile "ghes" supports: nlb/,
        );
    });
});

describe("profile ghes: cluster (stacks/Pulumi.ghes-cluster.yaml)", () => {
    const raw = stackConfig("ghes-cluster");
    const p = plan(raw, "ghes-cluster");
    const DATA_ROLES = [
        "consul-server",
        "mysql-server",
        "redis-server",
        "elasticsearch-server",
        "git-server",
        "pages-server",
        "storage-server",
        "metrics-server",
    ];
    const section = (name: string, roles: readonly string[]) => [
        `[cluster "${name}"]`,
        `  hostname = ${name}`,
        `  ipv4 = {{address:${name}}}`,
        "  consul-datacenter = default",
        "  datacenter = default",
        ...roles.map((r) => `  ${r} = true`),
    ];

    it("opens exactly GHES's cluster ports between the nodes, and not the HA ones", () => {
        assert.deepEqual(
            replicationPorts(p),
            [
                ...[122, 1336, 3033, 3037, 3306, 4486, 5115, 5208, 6379, 8001, 8090, 8149, 8300, 8301, 8302, 9000]
                    .concat([9102, 9105, 9200, 9203, 9300, 11211])
                    .map((port) => `tcp/${port}`),
                ...[161, 8125, 8301, 8302, 25827].map((port) => `udp/${port}`),
            ].sort(),
        );
        assert.ok(!replicationPorts(p).includes("udp/1194"));
    });

    it("puts only web-server nodes behind the load balancer", () => {
        assert.deepEqual(
            p.nodes.filter((n) => n.serving).map((n) => n.key),
            ["ghe-app-1", "ghe-app-2"],
        );
        for (const tg of p.loadBalancer!.targetGroups) {
            assert.deepEqual(
                p.loadBalancer!.attachments.filter((a) => a.targetGroup === tg.key).map((a) => a.node),
                ["ghe-app-1", "ghe-app-2"],
            );
            assert.equal(tg.healthCheck.path, "/status");
        }
    });

    it("holds the cluster.conf keys the stack owns on the MySQL primary only: masters, both datacenters, each node's role flags", () => {
        const expected = [
            "[cluster]",
            "  mysql-master = ghe-data-1",
            "  redis-master = ghe-data-1",
            "  primary-datacenter = default",
            ...section("ghe-app-1", ["web-server", "job-server", "memcache-server"]),
            ...section("ghe-app-2", ["web-server", "job-server", "memcache-server"]),
            ...section("ghe-data-1", DATA_ROLES),
            ...section("ghe-data-2", DATA_ROLES),
            ...section("ghe-data-3", DATA_ROLES),
            "",
        ].join("\n");
        const files = p.replication.documents.find((d) => d.node === "ghe-data-1")!.config.files;
        assert.deepEqual(
            files.map((f) => [f.path, f.mode]),
            [
                ["/data/user/ha-service/cluster.conf.stack", "0644"],
                ["/data/user/ha-service/ghes-cluster-sync", "0755"],
            ],
        );
        assert.equal(files[0].content, expected);
        // Never the whole cluster.conf: GHES writes its own keys there.
        for (const d of p.replication.documents)
            assert.ok(!d.config.files.some((f) => f.path === "/data/user/common/cluster.conf"), d.node);
    });

    it("syncs, initialises and applies the cluster from the MySQL master only, passing it the removed nodes", () => {
        assert.deepEqual(commandsOf(p, "ghe-data-1"), ["/data/user/ha-service/ghes-cluster-sync ghe-data-1"]);
        for (const node of ["ghe-app-1", "ghe-app-2", "ghe-data-2", "ghe-data-3"]) assert.deepEqual(commandsOf(p, node), [], node);
        const removed = plan({ ...raw, removedNodes: ["ghe-app-0", "ghe-data-0"] }, "ghes-cluster");
        assert.deepEqual(commandsOf(removed, "ghe-data-1"), ["/data/user/ha-service/ghes-cluster-sync ghe-data-1 ghe-app-0 ghe-data-0"]);
    });

    it("refuses a cluster missing a required role, naming the role and the fix", () => {
        const nodes = Object.fromEntries(
            Object.entries(raw.nodes as Record<string, { roles: string[] }>).map(([k, v]) => [
                k,
                { ...v, roles: v.roles.filter((r) => r !== "elasticsearch-server") },
            ]),
        );
        const message = rejection({ ...raw, nodes });
        assert.match(message, /ha-service:nodes: no node carries the required role "elasticsearch-server"; add it to some node's `roles`/);
    });

    it("refuses masters that do not carry their role, or are not nodes", () => {
        const message = rejection({ ...raw, leaders: { "mysql-server": "ghe-app-1", "redis-server": "ghe-data-9" } });
        assert.match(message, /ha-service:leaders\.mysql-server: node "ghe-app-1" does not carry the role "mysql-server"/);
        assert.match(message, /ha-service:leaders\.redis-server: must name one of the nodes/);
        assert.match(
            rejection({ ...raw, leaders: { "web-server": "ghe-app-1" } }),
            /ha-service:leaders\.web-server: is not a single-leader role/,
        );
        assert.match(
            rejection(stackConfig("ghes-ha", { leaders: { "mysql-server": "ghe-1" } })),
            /ha-service:leaders: applies to the cluster topology only/,
        );
    });

    it("derives unset masters from the first node with the role, and warns that they should be pinned", () => {
        const { leaders: _pinned, ...unpinned } = raw;
        const s = spec(unpinned);
        assert.deepEqual(s.leaders, { "mysql-server": "ghe-data-1", "redis-server": "ghe-data-1" });
        assert.equal(s.warnings.filter((w) => /^leaders\.(mysql|redis)-server is not set/.test(w)).length, 2);
        assert.deepEqual(spec(raw).warnings, [
            "ghes cluster: EBS snapshots of running nodes are not a supported GHES backup; run Backup Utilities against the cluster yourself (this package automates it for HA only).",
        ]);
    });

    it("refuses a cluster whose node script could outgrow its SSM parameter, before anything is deployed", () => {
        const counted = (nodeCount: number) => ({ ...raw, nodes: undefined, leaders: undefined, nodeCount });
        assert.match(
            rejection(counted(12)),
            /ha-service:nodes: the rendered configuration of node-1 (\(and \d+ more nodes\) )?would be up to \d+ characters, more than the 8192 an SSM parameter holds; use fewer nodes/,
        );
        assert.doesNotThrow(() => plan(counted(11)));
    });

    it("never reuses the name of a removed node", () => {
        assert.match(
            rejection({ ...raw, removedNodes: ["ghe-app-2"] }),
            /ha-service:nodes\.ghe-app-2: is listed in `removedNodes`: a removed node's name is never reused; give this node a new name/,
        );
        const counted = { ...raw, nodes: undefined, leaders: undefined, nodeCount: 3, removedNodes: ["node-3"] };
        assert.match(rejection(counted), /ha-service:nodeCount: would bring back node-3, which is listed in `removedNodes`/);
    });
});

describe("profile cloudify (stacks/Pulumi.cloudify.yaml)", () => {
    const raw = stackConfig("cloudify");
    const p = plan(raw, "cloudify");

    it("opens the manager cluster ports between managers only, and the client and agent ports from the NLB", () => {
        assert.deepEqual(ingress(p), [
            "tcp/15432 from sg:nodes",
            "tcp/22 from 10.20.0.0/16",
            "tcp/22000 from sg:nodes",
            "tcp/443 from sg:loadBalancer",
            "tcp/443 from sg:nodes",
            "tcp/53333 from sg:loadBalancer",
            "tcp/5671 from sg:loadBalancer",
            "tcp/8300 from sg:nodes",
            "tcp/8301 from sg:nodes",
            "tcp/8500 from sg:nodes",
            "tcp/8780 from sg:loadBalancer",
            "udp/8301 from sg:nodes",
        ]);
    });

    it("health-checks every target on the managers' own endpoint, so only the active manager gets traffic", () => {
        const lb = p.loadBalancer!;
        assert.deepEqual(
            lb.targetGroups.map((tg) => [
                tg.key,
                tg.healthCheck.protocol,
                tg.healthCheck.port,
                tg.healthCheck.path,
                tg.healthCheck.matcher,
            ]),
            [
                ["tcp-443", "HTTP", 8780, "/active", "200"],
                ["tcp-5671", "HTTP", 8780, "/active", "200"],
                ["tcp-53333", "HTTP", 8780, "/active", "200"],
            ],
        );
        assert.deepEqual([...new Set(lb.attachments.map((a) => a.node))], ["mgr-a", "mgr-b", "mgr-c"]);
    });

    it("lets only leaders.manager start the cluster; every manager finds the others by IP address at run time", () => {
        const member = (node: string) => commandsOf(p, node).find((c) => c.includes("cloudify-cluster.sh member"))!;
        assert.equal(
            member("mgr-a"),
            "bash /etc/ha-service/cloudify-cluster.sh member {{address:mgr-a}} mgr-a starter {{address:mgr-b}} {{address:mgr-c}}",
        );
        assert.match(member("mgr-b"), / mgr-b joiner \{\{address:mgr-a\}\} \{\{address:mgr-c\}\}$/);
        assert.match(member("mgr-c"), / mgr-c joiner /);
    });

    it("removes a deleted manager with one command on the leader, run against whichever manager is active", () => {
        const { "mgr-c": _gone, ...nodes } = raw.nodes as Raw;
        const after = plan({ ...raw, nodes, removedNodes: ["mgr-c"] }, "cloudify");
        assert.deepEqual(
            commandsOf(after, "mgr-a").filter((c) => c.includes(" remove ")),
            ["bash /etc/ha-service/cloudify-cluster.sh remove mgr-c {{address:mgr-a}} {{address:mgr-b}}"],
        );
        assert.deepEqual(
            commandsOf(after, "mgr-b").filter((c) => c.includes(" remove ")),
            [],
        );
    });

    it("refuses the ha topology, naming `topology` and the fix", () => {
        const message = rejection({ ...raw, topology: "ha", leaders: undefined, loadBalancer: undefined });
        assert.match(message, /ha-service:topology: profile "cloudify" supports only: cluster; set `topology: cluster`/);
        assert.match(message, /load balancer finds the active manager/);
    });

    it("warns, without failing, above three managers", () => {
        const nodes = { ...(raw.nodes as Raw), "mgr-d": { zone: "us-east-1a" } };
        assert.deepEqual(spec({ ...raw, nodes }).warnings, ['4 nodes: the "cloudify" profile recommends at most 3.']);
        assert.deepEqual(spec(raw).warnings, []);
    });
});

describe("profile renderers", () => {
    it("treat addresses as opaque: rendering the resolved document equals resolving the rendered config", () => {
        for (const stack of PROFILE_STACKS) {
            const p = plan(stackConfig(stack), stack);
            const addresses = Object.fromEntries(p.nodes.map((n, i) => [n.key, `10.9.${i}.${200 + i}`]));
            for (const d of p.replication.documents) {
                const resolved = JSON.parse(resolveAddresses(canonicalJson(d.document), addresses)) as NodeDocument;
                // The plan's render context: the stack's cluster-state parameter and snapshot schedule (cloudify).
                const ctx = {
                    stateDir: getProfile(p.profile).stateDir ?? STATE_DIR,
                    ...(p.replication.clusterState ? { clusterStateParameter: p.replication.clusterState.parameter } : {}),
                    ...(p.snapshotArchive ? { snapshotArchive: p.snapshotArchive } : {}),
                };
                const direct = getProfile(p.profile).render(resolved, ctx);
                assert.equal(canonicalJson(direct), resolveAddresses(canonicalJson(d.config), addresses), `${stack} ${d.node}`);
            }
        }
    });
});

describe("profile stacks through the program", () => {
    it("plan offline with `npm run plan -- <stack>`", async () => {
        for (const stack of PROFILE_STACKS) {
            let out = "";
            let err = "";
            const code = await main([stack], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
            assert.equal(code, 0, `${stack}: ${err}`);
            assert.match(out, new RegExp(`^stack: ${stack} `));
            assert.match(out, /profile: (ghes|cloudify)/);
        }
    });

    it("deliver each node's resolved script to its own SSM parameter", async () => {
        const r = await run(stackConfig("ghes-ha"), "ghes-ha");
        const primaryIp = r.resources.find((x) => x.type === "aws:ec2/instance:Instance" && x.name === "ghe-ghe-1")!.state!.privateIp;
        const param = r.resources.find((x) => x.type === "aws:ssm/parameter:Parameter" && x.name === "ghe-repl-ghe-2-config")!;
        assert.equal(param.inputs.name, "/ha-service/ghes-ha/ghe/nodes/ghe-2/config");
        const ip = String(primaryIp).replace(/\./g, "\\.");
        assert.match(String(param.inputs.value), new RegExp(`^run '/data/user/ha-service/ghes-ha join ${ip} ghe-repl-setup ${ip}'$`, "m"));
        assert.doesNotMatch(String(param.inputs.value), /\{\{address:/);
    });

    it("promote a GHES replica by rewriting documents and scripts, changing no target attachment and replacing nothing", async () => {
        const d = diffRuns(
            await run(stackConfig("ghes-ha"), "ghes-ha"),
            await run(stackConfig("ghes-ha", { primary: "ghe-2" }), "ghes-ha"),
        );
        assert.deepEqual([...d.created, ...d.deleted], []);
        assert.deepEqual(d.updated.map((u) => `${u.key} ${u.changed.join(",")}`).sort(), [
            // The primary's health alarm follows the new primary (dimensions only).
            "aws:cloudwatch/metricAlarm:MetricAlarm::ghe-dns-primary-health dimensions",
            // The backup host's script names the new primary (GHE_HOSTNAME); its association re-runs it.
            "aws:ssm/association:Association::ghe-backup-host parameters",
            "aws:ssm/association:Association::ghe-repl-ghe-1 parameters",
            "aws:ssm/association:Association::ghe-repl-ghe-2 parameters",
            "aws:ssm/parameter:Parameter::ghe-backup-host-config value",
            "aws:ssm/parameter:Parameter::ghe-repl-ghe-1 value",
            "aws:ssm/parameter:Parameter::ghe-repl-ghe-1-config value",
            "aws:ssm/parameter:Parameter::ghe-repl-ghe-2 value",
            "aws:ssm/parameter:Parameter::ghe-repl-ghe-2-config value",
        ]);
    });
});
