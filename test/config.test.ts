import assert from "node:assert/strict";
import { ConfigError, readNamespace } from "../components/config";
import { CERT, clusterConfig, haConfig, type Raw, spec } from "./fixtures";

/** The problems of a config that must be rejected, as "path: message" lines. */
function problems(raw: Raw): { path: string; message: string; value?: unknown }[] {
    try {
        spec(raw);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
        return [...e.problems];
    }
    assert.fail("config was accepted but should have been rejected");
}

function rejects(raw: Raw, path: string, fragment: RegExp): void {
    const found = problems(raw);
    const hit = found.find((p) => p.path === path);
    assert.ok(hit, `no problem at ${path}; got: ${found.map((p) => `${p.path}: ${p.message}`).join(" | ")}`);
    assert.match(hit.message, fragment);
}

describe("config validation", () => {
    it("accepts the minimal HA config and applies the defaults", () => {
        const s = spec(haConfig());
        assert.equal(s.topology, "ha");
        assert.equal(s.name, "svc");
        assert.equal(s.profile.name, "generic");
        assert.deepEqual(
            s.nodes.map((n) => n.key),
            ["node-1", "node-2"],
        );
        assert.equal(s.primary, "node-1");
        assert.equal(s.dns.ttl, 60);
        assert.equal(s.dns.target, "primary", "HA without a load balancer points DNS at the primary");
        assert.equal(s.nodes[0].instanceType, "m6i.xlarge");
        assert.equal(s.nodes[0].dataVolumeSize, 100);
        assert.equal(s.dataVolume.retainOnDelete, true);
        assert.equal(s.dataVolume.protect, false, "non-production volumes are not protected by default");
        assert.equal(s.loadBalancer, undefined);
    });

    it("fills load-balancer defaults from the profile and the AWS-informed defaults", () => {
        const s = spec(clusterConfig());
        const lb = s.loadBalancer!;
        assert.equal(lb.kind, "alb");
        assert.equal(lb.deregistrationDelay, 30);
        assert.deepEqual(lb.healthCheck, {
            protocol: "HTTP",
            port: 80,
            path: "/health",
            matcher: "200",
            interval: 5,
            timeout: 4,
            healthyThreshold: 2,
            unhealthyThreshold: 2,
        });
        assert.deepEqual(lb.listeners, [{ port: 443, protocol: "HTTPS", targetPort: 80, targetProtocol: "HTTP" }]);
        assert.equal(lb.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
        assert.equal(s.dns.target, "loadBalancer");
    });

    it("turns on deletion and volume protection for production stacks", () => {
        const s = spec(
            clusterConfig({ production: true, loadBalancer: { kind: "alb", certificateArn: CERT, accessLogs: { bucket: "logs" } } }),
        );
        assert.equal(s.loadBalancer!.deletionProtection, true);
        assert.equal(s.dataVolume.protect, true);
        assert.deepEqual(s.relaxations, []);
    });

    it("reads the project's keys from Pulumi's flat config, decoding JSON values", () => {
        const raw = readNamespace({
            "ha-service:nodeCount": "3",
            "ha-service:ami": "ami-0123456789abcdef0",
            "ha-service:dns": '{"ttl":30}',
            "aws:region": "us-east-1",
        });
        assert.deepEqual(raw, { nodeCount: 3, ami: "ami-0123456789abcdef0", dns: { ttl: 30 } });
    });

    it("reports every problem at once, each with its key path and value", () => {
        const found = problems(
            haConfig({ dns: { zoneId: "Z0123456789TESTZONE", name: "svc.example.com", ttl: 86400 }, nodeCount: 0, ami: "not-an-ami" }),
        );
        assert.deepEqual(found.map((p) => p.path).sort(), ["ami", "dns.ttl", "nodeCount"]);
        assert.equal(found.find((p) => p.path === "dns.ttl")!.value, 86400);
    });

    it("puts the namespace, the key path, the value and the fix in the error message", () => {
        assert.throws(
            () => spec(haConfig({ dns: { zoneId: "Z0123456789TESTZONE", name: "svc.example.com", ttl: 0 } })),
            (e: Error) => {
                assert.match(e.message, /Invalid config for stack "test": 1 problem, nothing was deployed/);
                assert.match(e.message, /ha-service:dns\.ttl: must be a whole number of seconds from 1 to 300 .*\(got 0\)/);
                assert.match(e.message, /pulumi config set --path/);
                return true;
            },
        );
    });

    describe("rejects", () => {
        const cases: [string, Raw, string, RegExp][] = [
            ["a missing topology", haConfig({ topology: undefined }), "topology", /is required; it must be one of: ha, cluster/],
            ["an unknown topology", haConfig({ topology: "ring" }), "topology", /must be one of: ha, cluster/],
            [
                "an unknown top-level key, with a suggestion",
                haConfig({ primry: "node-1" }),
                "primry",
                /unknown key "primry" \(did you mean "primary"\?\)/,
            ],
            [
                "an unknown nested key",
                haConfig({ dns: { zoneId: "Z0123456789TESTZONE", name: "a.example.com", tll: 60 } }),
                "dns.tll",
                /did you mean "ttl"/,
            ],
            [
                "both nodes and nodeCount",
                haConfig({ nodes: { a: { zone: "us-east-1a" }, b: { zone: "us-east-1b" } } }),
                "nodeCount",
                /either `nodes`.*or `nodeCount`/,
            ],
            ["neither nodes nor nodeCount", haConfig({ nodeCount: undefined }), "nodes", /is required/],
            [
                "a one-node HA stack",
                haConfig({ nodeCount: 1 }),
                "nodeCount",
                /must have 2 to 10 nodes for one primary and at least one replica/,
            ],
            ["a primary that is not a node", haConfig({ primary: "node-9" }), "primary", /must name one of the nodes: node-1, node-2/],
            ["a primary on a cluster", clusterConfig({ primary: "app-a" }), "primary", /applies to the ha topology only/],
            [
                "a cluster without a load balancer",
                clusterConfig({ loadBalancer: undefined }),
                "loadBalancer",
                /is required for the cluster topology/,
            ],
            [
                "a cluster DNS record to a node",
                clusterConfig({ dns: { zoneId: "Z0123456789TESTZONE", name: "a.example.com", target: "primary" } }),
                "dns.target",
                /always aliases the load balancer/,
            ],
            [
                "an ALB without a certificate",
                clusterConfig({ loadBalancer: { kind: "alb" } }),
                "loadBalancer.certificateArn",
                /is required for HTTPS/,
            ],
            [
                "a health-check interval below AWS's minimum",
                clusterConfig({ loadBalancer: { kind: "nlb", healthCheck: { interval: 3 } } }),
                "loadBalancer.healthCheck.interval",
                /from 5 to 300/,
            ],
            [
                "a health-check timeout not below the interval",
                clusterConfig({ loadBalancer: { kind: "nlb", healthCheck: { interval: 5, timeout: 5 } } }),
                "loadBalancer.healthCheck.timeout",
                /less than the interval/,
            ],
            [
                "a deregistration delay above AWS's maximum",
                clusterConfig({ loadBalancer: { kind: "nlb", deregistrationDelay: 7200 } }),
                "loadBalancer.deregistrationDelay",
                /from 0 to 3600/,
            ],
            [
                "a TLS 1.0 policy",
                clusterConfig({
                    loadBalancer: {
                        kind: "alb",
                        certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                        sslPolicy: "ELBSecurityPolicy-2016-08",
                    },
                }),
                "loadBalancer.sslPolicy",
                /TLS 1\.2\+ policy/,
            ],
            [
                "an HTTP listener on an ALB",
                clusterConfig({
                    loadBalancer: {
                        kind: "alb",
                        certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                        listeners: [{ port: 8080, protocol: "TCP" }],
                    },
                }),
                "loadBalancer.listeners[0].protocol",
                /must be HTTPS/,
            ],
            ["an invalid CIDR", haConfig({ access: { clientCidrs: ["10.0.0.0/33"] } }), "access.clientCidrs[0]", /not a valid IPv4 CIDR/],
            [
                "admin ports open to the internet",
                haConfig({ access: { clientCidrs: ["10.0.0.0/8"], adminCidrs: ["0.0.0.0/0"] } }),
                "access.adminCidrs[0]",
                /must not be open to the whole internet/,
            ],
            [
                "a named node without a zone in a multi-zone network",
                clusterConfig({ nodes: { "app-a": {}, "app-b": { zone: "us-east-1b" } } }),
                "nodes.app-a.zone",
                /is required when the network has more than one zone/,
            ],
            [
                "a node in a zone the network lacks",
                clusterConfig({ nodes: { "app-a": { zone: "us-east-1d" }, "app-b": { zone: "us-east-1b" } } }),
                "nodes.app-a.zone",
                /must be one of the network's zones/,
            ],
            [
                "an HA stack with every node in one zone",
                haConfig({ nodeCount: undefined, nodes: { a: { zone: "us-east-1a" }, b: { zone: "us-east-1a" } } }),
                "nodes",
                /put at least one replica in another zone/,
            ],
            ["an invalid node name", clusterConfig({ nodes: { App_A: { zone: "us-east-1a" } } }), "nodes.App_A", /must be a DNS label/],
            [
                "a node name too long for a host name",
                clusterConfig({ nodes: { ["n".repeat(40)]: { zone: "us-east-1a" } } }),
                `nodes.${"n".repeat(40)}`,
                /1 to 32/,
            ],
            [
                "roles on an HA node",
                haConfig({ nodeCount: undefined, nodes: { a: { zone: "us-east-1a", roles: ["member"] }, b: { zone: "us-east-1b" } } }),
                "nodes.a.roles",
                /cluster topology only/,
            ],
            [
                "an unknown role",
                clusterConfig({ nodes: { "app-a": { zone: "us-east-1a", roles: ["db"] }, "app-b": { zone: "us-east-1b" } } }),
                "nodes.app-a.roles[0]",
                /valid roles: member/,
            ],
            [
                "both a new and an existing network",
                haConfig({ network: { create: { zones: ["us-east-1a"] }, vpcId: "vpc-0a1b2c3d4e5f60718" } }),
                "network",
                /either `create` or an existing/,
            ],
            [
                "an existing network without subnets",
                haConfig({ network: { vpcId: "vpc-0a1b2c3d4e5f60718" } }),
                "network.subnets",
                /at least one subnet/,
            ],
            [
                "two subnets in one zone",
                clusterConfig({
                    network: {
                        vpcId: "vpc-0a1b2c3d4e5f60718",
                        subnets: [
                            { id: "subnet-0aaa1111bbbb2222a", zone: "us-east-1a" },
                            { id: "subnet-0aaa1111bbbb2222b", zone: "us-east-1a" },
                        ],
                    },
                    nodes: { a: { zone: "us-east-1a" }, b: { zone: "us-east-1a" } },
                }),
                "network.subnets[1].zone",
                /different zone/,
            ],
            [
                "a VPC block too small",
                haConfig({ network: { create: { cidr: "10.0.0.0/27", zones: ["us-east-1a", "us-east-1b"] } } }),
                "network.create.cidr",
                /\/16 to \/23 block: .*\/27 subnets, the smallest an ALB accepts/,
            ],
            [
                "an internet-facing LB on existing private subnets only",
                clusterConfig({
                    loadBalancer: {
                        kind: "alb",
                        certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                        scheme: "internet-facing",
                    },
                }),
                "network.loadBalancerSubnets",
                /public subnets/,
            ],
            [
                "a DNS record to a load balancer that does not exist",
                haConfig({ dns: { zoneId: "Z0123456789TESTZONE", name: "a.example.com", target: "loadBalancer" } }),
                "dns.target",
                /no `loadBalancer` is configured/,
            ],
            ["automatic failover on a cluster", clusterConfig({ failover: "automatic" }), "failover", /ha topology only/],
            ["a wrong type", haConfig({ nodeCount: "two" }), "nodeCount", /whole number of nodes/],
            ["an empty service name", haConfig({ name: "" }), "name", /1 to 15 lower-case/],
            [
                "a service name AWS reserves for load balancers",
                haConfig({ name: "internal-svc" }),
                "name",
                /must not start with sg-, internal-/,
            ],
            ["a service name AWS reserves for security groups", haConfig({ name: "sg-svc" }), "name", /reserves those prefixes/],
            ["a service name too long for AWS name limits", haConfig({ name: "a-very-long-service-name" }), "name", /1 to 15/],
        ];
        for (const [what, raw, path, fragment] of cases) {
            it(`${what} (${path})`, () => rejects(raw, path, fragment));
        }
    });
});
