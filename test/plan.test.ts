import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigError } from "../components/config";
import {
    APPLY_SCRIPT_PATH,
    applyScript,
    canonicalJson,
    documentHash,
    resolveAddresses,
    referencedNodes,
    type NetworkPlan,
    type SecurityRule,
} from "../components/plan";
import { loadBalancerSubnetTier, natZone, subnetCidrs } from "../components/common/network";
import { placeNode } from "../components/common/placement";
import { CERT, clusterConfig, haConfig, plan } from "./fixtures";

const rulesOf = (p: ReturnType<typeof plan>, group: "nodes" | "loadBalancer"): readonly SecurityRule[] =>
    p.securityGroups.find((g) => g.key === group)?.rules ?? [];

describe("plan: HA topology", () => {
    const p = plan(haConfig());

    it("has one primary and the rest replicas, spread over both zones", () => {
        assert.deepEqual(
            p.nodes.map((n) => [n.key, n.role, n.zone]),
            [
                ["node-1", "primary", "us-east-1a"],
                ["node-2", "replica", "us-east-1b"],
            ],
        );
        assert.equal(p.primary, "node-1");
    });

    it("points a 60 s DNS record at the primary when there is no load balancer (a lone PRIMARY without health check)", () => {
        assert.deepEqual(p.dns, [
            {
                key: "service",
                zoneId: "Z0123456789TESTZONE",
                name: "svc.test.example.com",
                type: "A",
                target: { kind: "node", node: "node-1" },
                effectiveTtl: 60,
                ttl: 60,
                failover: { type: "PRIMARY", setIdentifier: "primary" },
            },
        ]);
    });

    it("registers every node behind a load balancer, keyed by node, the primary's keeping its role-keyed identity", () => {
        const withLb = plan(haConfig({ loadBalancer: { kind: "nlb" } }));
        assert.deepEqual(
            withLb.loadBalancer!.attachments.map((a) => [a.key, a.node, a.formerKeys]),
            [
                ["tcp-443-node-1", "node-1", ["tcp-443-primary"]],
                ["tcp-443-node-2", "node-2", undefined],
                ["tcp-80-node-1", "node-1", ["tcp-80-primary"]],
                ["tcp-80-node-2", "node-2", undefined],
            ],
            "one attachment per target group and node",
        );
        const promoted = plan(haConfig({ loadBalancer: { kind: "nlb" }, primary: "node-2" }));
        assert.deepEqual(
            promoted.loadBalancer!.attachments.map(({ key, targetGroup, node, port }) => ({ key, targetGroup, node, port })),
            withLb.loadBalancer!.attachments.map(({ key, targetGroup, node, port }) => ({ key, targetGroup, node, port })),
            "a promotion changes no attachment",
        );
        assert.deepEqual(withLb.dns[0].target, { kind: "loadBalancer", evaluateTargetHealth: true });
        assert.equal(withLb.dns[0].effectiveTtl, 60, "alias records have AWS's fixed 60 s TTL");
        assert.equal(withLb.dns[0].ttl, undefined);
    });

    it("writes a replication document per node naming the primary and the replicas, without the secret", () => {
        const docs = p.replication.documents;
        assert.deepEqual(
            docs.map((d) => [d.node, d.parameter]),
            [
                ["node-1", "/ha-service/test/svc/nodes/node-1/replication"],
                ["node-2", "/ha-service/test/svc/nodes/node-2/replication"],
            ],
        );
        const replica = docs[1].document;
        assert.equal(replica.topology, "ha");
        if (replica.topology !== "ha") return;
        assert.equal(replica.role, "replica");
        assert.deepEqual(replica.primary, { name: "node-1", address: "{{address:node-1}}" });
        assert.deepEqual(replica.ports, { tcp: [7000], udp: [] });
        assert.equal(replica.secretParameter, "/ha-service/test/svc/join-secret");
        assert.doesNotMatch(canonicalJson(docs), /mock-secret|password/i);
    });

    it("follows a promotion in the documents, DNS and serving set, and nowhere else on the nodes", () => {
        const promoted = plan(haConfig({ primary: "node-2" }));
        assert.equal(promoted.dns[0].target.kind === "node" && promoted.dns[0].target.node, "node-2");
        assert.deepEqual(
            promoted.nodes.map((n) => [n.key, n.role, n.serving]),
            [
                ["node-1", "replica", false],
                ["node-2", "primary", true],
            ],
        );
        // Everything that becomes an instance or volume input is identical.
        const instanceInputs = (x: typeof p) =>
            x.nodes.map((n) => [n.key, n.zone, n.ami, n.instanceType, n.userData, n.tags, n.dataVolume, n.rootVolume]);
        assert.deepEqual(instanceInputs(promoted), instanceInputs(p));
    });
});

describe("plan: cluster topology", () => {
    const p = plan(clusterConfig());

    it("places each named node in its zone and serves from every member", () => {
        assert.deepEqual(
            p.nodes.map((n) => [n.key, n.zone, n.serving]),
            [
                ["app-a", "us-east-1a", true],
                ["app-b", "us-east-1b", true],
                ["app-c", "us-east-1c", true],
            ],
        );
    });

    it("gives an ALB an HTTPS listener with a TLS 1.2+ policy, an HTTP redirect and invalid headers dropped", () => {
        const lb = p.loadBalancer!;
        assert.deepEqual(lb.listeners, [
            {
                key: "https-443",
                port: 443,
                protocol: "HTTPS",
                action: "forward",
                targetGroup: "http-80",
                certificateArn: CERT,
                sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
            },
            { key: "http-80", port: 80, protocol: "HTTP", action: "redirect-https" },
        ]);
        assert.equal(lb.dropInvalidHeaderFields, true);
        assert.equal(lb.internal, true);
    });

    it("health-checks every target group every 5 s (AWS's minimum) by default, out after 2 failures, with a 30 s drain", () => {
        for (const tg of p.loadBalancer!.targetGroups) {
            assert.equal(tg.healthCheck.interval, 5);
            assert.ok(tg.healthCheck.timeout < tg.healthCheck.interval, "AWS: the timeout must be less than the interval");
            assert.equal(tg.healthCheck.unhealthyThreshold, 2);
            assert.equal(tg.healthCheck.path, "/health");
            assert.equal(tg.deregistrationDelay, 30);
        }
    });

    it("aliases DNS to the load balancer", () => {
        assert.deepEqual(p.dns[0].target, { kind: "loadBalancer", evaluateTargetHealth: true });
    });

    it("lists every other node as a peer in each document", () => {
        const doc = p.replication.documents[0].document;
        assert.equal(doc.topology, "cluster");
        if (doc.topology !== "cluster") return;
        assert.deepEqual(
            doc.peers.map((x) => x.name),
            ["app-b", "app-c"],
        );
        assert.deepEqual(doc.roles, ["member"]);
    });

    it("uses an NLB with TCP pass-through target groups that keep client IPs", () => {
        const nlb = plan(clusterConfig({ loadBalancer: { kind: "nlb" } })).loadBalancer!;
        assert.deepEqual(
            nlb.listeners.map((l) => [l.key, l.protocol]),
            [
                ["tcp-443", "TCP"],
                ["tcp-80", "TCP"],
            ],
        );
        assert.deepEqual(
            nlb.targetGroups.map((t) => [t.key, t.protocol, t.preserveClientIp, t.proxyProtocolV2]),
            [
                ["tcp-443", "TCP", true, false],
                ["tcp-80", "TCP", true, false],
            ],
        );
        assert.equal(nlb.dropInvalidHeaderFields, false);
    });
});

describe("plan: security rules", () => {
    it("opens user ports only from the load balancer, replication only between nodes, admin only from admin CIDRs", () => {
        const p = plan(clusterConfig({ access: { clientCidrs: ["10.0.0.0/8"], adminCidrs: ["10.20.0.0/16"] } }));
        const nodeRules = rulesOf(p, "nodes");
        assert.deepEqual(
            nodeRules.filter((r) => r.direction === "ingress").map((r) => [r.key, r.fromPort, r.peer]),
            [
                ["lb-tcp-80", 80, { group: "loadBalancer" }],
                ["admin-tcp-8443-10-20-0-0-16", 8443, { cidr: "10.20.0.0/16" }],
                ["repl-tcp-7000", 7000, { group: "nodes" }],
            ],
        );
        assert.deepEqual(
            rulesOf(p, "loadBalancer")
                .filter((r) => r.direction === "ingress")
                .map((r) => [r.fromPort, r.peer]),
            [
                [443, { cidr: "10.0.0.0/8" }],
                [80, { cidr: "10.0.0.0/8" }],
            ],
        );
    });

    it("never opens admin or replication ports to 0.0.0.0/0 and describes every rule", () => {
        for (const p of [plan(haConfig()), plan(clusterConfig()), plan(haConfig({ loadBalancer: { kind: "nlb" } }))]) {
            for (const g of p.securityGroups) {
                assert.ok(g.description.length > 0);
                for (const r of g.rules) {
                    assert.ok(r.description.length > 0, `${r.key} has no description`);
                    if (r.key.startsWith("admin") || r.key.startsWith("repl"))
                        assert.ok(!("cidr" in r.peer && r.peer.cidr === "0.0.0.0/0"), r.key);
                }
            }
        }
    });

    it("lets clients reach the nodes' user ports directly only when there is no load balancer", () => {
        const keys = rulesOf(plan(haConfig()), "nodes").map((r) => r.key);
        assert.ok(keys.includes("client-tcp-443-10-0-0-0-8"));
        assert.ok(!rulesOf(plan(clusterConfig()), "nodes").some((r) => r.key.startsWith("client-")));
    });
});

describe("plan: nodes and user data", () => {
    it("ignores AMI and user-data changes on running nodes unless the node opts in", () => {
        const p = plan(
            clusterConfig({ nodes: { "app-a": { zone: "us-east-1a", allowReplacement: true }, "app-b": { zone: "us-east-1b" } } }),
        );
        assert.deepEqual(p.nodes[0].ignoreChanges, []);
        assert.deepEqual(p.nodes[1].ignoreChanges, ["ami", "userData", "userDataBase64"]);
    });

    it("keeps user data free of secrets, roles and addresses", () => {
        const p = plan(haConfig());
        for (const n of p.nodes) {
            assert.match(n.userData, /^#cloud-config\n/);
            assert.match(n.userData, /exec 9>\/run\/ha-service-apply\.lock\n\s*flock 9\n/, "runs are serialised");
            assert.ok(n.userData.includes(n.documentParameter));
            assert.doesNotMatch(n.userData, /\bprimary\b|\breplica\b|\{\{address|10\.\d+\.\d+\.\d+/);
        }
        assert.equal(p.nodes[0].userData.replace(/node-1/g, "node-2"), p.nodes[1].userData, "user data differs only by node key");
    });

    it("tags every node without its role, so a promotion does not touch the instance", () => {
        const p = plan(haConfig({ tags: { Team: "platform" } }));
        assert.deepEqual(p.nodes[0].tags, {
            Team: "platform",
            Project: "ha-service",
            Stack: "test",
            Service: "svc",
            ManagedBy: "pulumi",
            Name: "svc-test-node-1",
            Node: "node-1",
        });
    });
});

describe("placement (property)", () => {
    const zones = fc.uniqueArray(fc.constantFrom("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"), {
        minLength: 1,
        maxLength: 6,
    });

    it("places a counted node by its own ordinal only, round-robin", () => {
        fc.assert(
            fc.property(zones, fc.integer({ min: 1, max: 200 }), (zs, ordinal) => {
                const zone = placeNode({ key: `node-${ordinal}`, ordinal }, zs);
                assert.equal(zone, zs[(ordinal - 1) % zs.length]);
            }),
        );
    });

    it("never moves an existing node when nodes are added or removed", () => {
        fc.assert(
            fc.property(fc.integer({ min: 2, max: 30 }), fc.integer({ min: 2, max: 30 }), (before, after) => {
                const zonesOf = (n: number) => plan(haConfig({ nodeCount: Math.min(n, 10) })).nodes.map((x) => [x.key, x.zone]);
                const a = new Map(zonesOf(before) as [string, string][]);
                const b = new Map(zonesOf(after) as [string, string][]);
                for (const [k, z] of a) if (b.has(k)) assert.equal(b.get(k), z, k);
            }),
            { numRuns: 30 },
        );
    });

    it("spreads HA nodes over at least two zones whenever two exist", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 2, max: 10 }),
                zones.filter((z) => z.length >= 2),
                (count, zs) => {
                    const zoneSlots = Object.fromEntries(zs.map((z, i) => [z, i]));
                    const p = plan(haConfig({ nodeCount: count, network: { create: { cidr: "10.40.0.0/16", zones: zs, zoneSlots } } }));
                    assert.ok(new Set(p.nodes.map((n) => n.zone)).size >= 2);
                },
            ),
            { numRuns: 40 },
        );
    });
});

describe("plan helpers", () => {
    it("resolves address placeholders and refuses unknown nodes", () => {
        const text = '{"a":"{{address:node-1}}","b":["{{address:node-2}}"]}';
        assert.deepEqual(referencedNodes(text), ["node-1", "node-2"]);
        assert.equal(resolveAddresses(text, { "node-1": "10.0.0.1", "node-2": "10.0.0.2" }), '{"a":"10.0.0.1","b":["10.0.0.2"]}');
        assert.throws(() => resolveAddresses(text, { "node-1": "10.0.0.1" }), /no address for node "node-2"/);
    });

    it("hashes documents canonically (key order does not matter)", () => {
        assert.equal(documentHash(canonicalJson({ a: 1, b: { c: 2, d: 3 } })), documentHash(canonicalJson({ b: { d: 3, c: 2 }, a: 1 })));
        assert.notEqual(documentHash(canonicalJson({ a: 1 })), documentHash(canonicalJson({ a: 2 })));
    });

    it("lays out non-overlapping private and public subnets per zone inside the VPC block", () => {
        assert.deepEqual(subnetCidrs("10.40.0.0/16", ["a", "b"]), [
            { zone: "a", privateCidr: "10.40.0.0/20", publicCidr: "10.40.16.0/20" },
            { zone: "b", privateCidr: "10.40.32.0/20", publicCidr: "10.40.48.0/20" },
        ]);
        // Never smaller than /27: an ALB refuses smaller subnets.
        assert.deepEqual(subnetCidrs("10.1.2.0/23", ["a"]), [{ zone: "a", privateCidr: "10.1.2.0/27", publicCidr: "10.1.2.32/27" }]);
        assert.equal(subnetCidrs("10.1.2.0/23", ["a", "b", "c", "d", "e", "f"])[5].publicCidr, "10.1.3.96/27");
    });
});

describe("plan: decisions the components only translate", () => {
    const created = (p: ReturnType<typeof plan>): Extract<NetworkPlan, { kind: "create" }> => {
        assert.equal(p.network.kind, "create");
        return p.network as Extract<NetworkPlan, { kind: "create" }>;
    };

    it("puts the single NAT gateway in the zone of the lowest subnet slot, whatever the list order", () => {
        assert.equal(created(plan(haConfig())).natZone, "us-east-1a");
        const slotted = (zones: string[]) => ({
            network: { create: { cidr: "10.40.0.0/16", zones, zoneSlots: { "us-east-1b": 0, "us-east-1a": 1 } } },
        });
        assert.equal(created(plan(haConfig(slotted(["us-east-1b", "us-east-1a"])))).natZone, "us-east-1b");
        assert.equal(created(plan(haConfig(slotted(["us-east-1a", "us-east-1b"])))).natZone, "us-east-1b");
        assert.equal(natZone(["c", "a", "b"]), "a");
        assert.throws(() => natZone([]), /at least one zone/);
    });

    it("puts an internet-facing load balancer in the public subnets, an internal one (or none) in the node subnets", () => {
        const lb = (scheme: string) => ({ loadBalancer: { kind: "nlb", scheme } });
        assert.equal(created(plan(haConfig(lb("internet-facing")))).loadBalancerSubnetTier, "public");
        assert.equal(created(plan(haConfig(lb("internal")))).loadBalancerSubnetTier, "private");
        assert.equal(created(plan(haConfig())).loadBalancerSubnetTier, "private");
        assert.equal(loadBalancerSubnetTier(undefined), "private");
        assert.equal(loadBalancerSubnetTier({ internal: false }), "public");
    });

    it("builds the apply command document: one shell step carrying the apply script, re-run by documentHash, configHash and secretVersion", () => {
        const r = plan(haConfig()).replication;
        assert.equal(r.applyDocument.schemaVersion, "2.2");
        assert.deepEqual(Object.keys(r.applyDocument.parameters), ["documentHash", "configHash", "secretVersion", "node"]);
        const { node, ...hashes } = r.applyDocument.parameters;
        for (const p of Object.values(hashes)) {
            assert.equal(p.type, "String");
            assert.match(p.description, /re-runs the association/);
        }
        assert.equal(node.allowedPattern, "^[a-z0-9-]{1,32}$");
        assert.equal(r.applyDocument.mainSteps.length, 1);
        const [step] = r.applyDocument.mainSteps;
        assert.equal(step.action, "aws:runShellScript");
        // The commands carry the script (nothing on the root filesystem is needed), naming the node's parameters by {{ node }}.
        const commands = step.inputs.runCommand.join("\n");
        assert.ok(!commands.includes(APPLY_SCRIPT_PATH), commands);
        assert.ok(
            commands.includes(
                applyScript({
                    document: "/ha-service/test/svc/nodes/{{ node }}/replication",
                    config: "/ha-service/test/svc/nodes/{{ node }}/config",
                    secret: r.secretParameter,
                }).trimEnd(),
            ),
        );
        assert.equal(r.parameterTier, "Intelligent-Tiering", "the standard tier's 4 KB is too small for a large cluster's documents");
    });

    it("evaluates target health on the load-balancer alias and keeps a health check's last status while its alarm has no data", () => {
        assert.deepEqual(plan(haConfig({ loadBalancer: { kind: "nlb" } })).dns[0].target, {
            kind: "loadBalancer",
            evaluateTargetHealth: true,
        });
        const p = plan(haConfig({ failover: "automatic" }));
        assert.deepEqual(
            p.healthChecks.map((h) => [h.key, h.insufficientDataHealthStatus]),
            [
                ["primary", "LastKnownStatus"],
                ["secondary", "LastKnownStatus"],
            ],
        );
    });

    it("balances an NLB across zones, so an HA primary in one zone is reachable through every zone's address", () => {
        assert.equal(plan(haConfig({ loadBalancer: { kind: "nlb" } })).loadBalancer!.crossZoneLoadBalancing, true);
    });
});

describe("plan: AWS name limits", () => {
    it("refuses a service name that would make a target-group name longer than AWS allows", () => {
        assert.throws(
            () => plan(clusterConfig({ name: "platform-github", loadBalancer: { kind: "nlb" } })),
            (e: Error) => {
                assert.ok(e instanceof ConfigError);
                assert.deepEqual(
                    e.problems.map((p) => p.path),
                    ["name"],
                );
                assert.match(e.message, /target group platform-github-lb-tcp-443 .*use at most 13 characters/);
                return true;
            },
        );
        assert.equal(plan(clusterConfig({ name: "platform-gh", loadBalancer: { kind: "nlb" } })).name, "platform-gh");
    });
});
