import assert from "node:assert/strict";
import { join } from "node:path";
import { markedSection } from "../tools/docfiles";
import { crossCheck, type StackSpec } from "../components/config";
import { planTopology, type FailoverAnalysis, type FailureScenario } from "../components/plan";
import { ConfigSchema } from "../components/config/schema";
import { diffRuns } from "../tools/diff";
import { failoverMarkdown, failoverMarkers, stackFailoverAnalysis } from "../tools/failover";
import { byType, getResource, isCloudResource, type ProgramRun } from "../tools/harness";
import { formatPlan } from "../tools/plan";
import { profiles } from "../components/profiles";
import { clusterConfig, haConfig, plan, spec, type Raw } from "./fixtures";
import { run, runFailing } from "./program";
import { stackConfig } from "./stacks";

const RECORD = "aws:route53/record:Record";
const HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const NODE_TYPES = ["aws:ec2/instance:Instance", "aws:ebs/volume:Volume", "aws:ec2/volumeAttachment:VolumeAttachment"];
const root = join(__dirname, "..");

const automatic = (overrides: Raw = {}) => haConfig({ failover: "automatic", ...overrides });
const scenario = (a: FailoverAnalysis, key: string): FailureScenario => {
    const s = a.scenarios.find((x) => x.key === key);
    if (!s) throw new Error(`no scenario ${key}; have ${a.scenarios.map((x) => x.key).join(", ")}`);
    return s;
};
/** The figures a scenario's test compares, in one object. */
const figures = (s: FailureScenario) => ({
    staysUp: s.staysUp,
    failover: s.failover,
    detectSeconds: s.detectSeconds,
    followSeconds: s.followSeconds,
    clientsMoveSeconds: s.clientsMoveSeconds,
    operator: s.operator,
});
const withProfile = (raw: Raw, profile: Partial<StackSpec["profile"]>) => {
    const s = spec(raw);
    return planTopology({ ...s, profile: { ...s.profile, ...profile } });
};

describe("automatic DNS failover", function () {
    let auto: ProgramRun;
    before(async () => {
        auto = await run(automatic());
    });

    it("plans a PRIMARY record on the primary and a SECONDARY on the first replica, each with its health check", () => {
        const p = plan(automatic({ nodeCount: 3 }));
        assert.deepEqual(
            p.dns.map((r) => [r.key, r.target, r.failover, r.ttl]),
            [
                ["service", { kind: "node", node: "node-1" }, { type: "PRIMARY", setIdentifier: "primary", healthCheck: "primary" }, 60],
                [
                    "service-secondary",
                    { kind: "node", node: "node-2" },
                    { type: "SECONDARY", setIdentifier: "secondary", healthCheck: "secondary" },
                    60,
                ],
            ],
        );
        assert.deepEqual(
            p.healthChecks.map((h) => [h.key, h.node, h.alarm.evaluationPeriods]),
            [
                ["primary", "node-1", 2],
                ["secondary", "node-2", 2],
            ],
        );
        const pinned = plan(automatic({ nodeCount: 3, failoverSettings: { secondary: "node-3" } }));
        assert.equal(pinned.dns[1].target.kind === "node" && pinned.dns[1].target.node, "node-3");
    });

    it("creates the failover records with set identifiers, routing policies and the health checks' ids", () => {
        const ip = (n: string) => getResource(auto, "aws:ec2/instance:Instance", `svc-${n}`).state!.privateIp;
        const primary = getResource(auto, RECORD, "svc-dns-service");
        const secondary = getResource(auto, RECORD, "svc-dns-service-secondary");
        const hc = (k: string) => getResource(auto, HEALTH_CHECK, `svc-dns-${k}`);
        for (const [rec, node, type, key] of [
            [primary, "node-1", "PRIMARY", "primary"],
            [secondary, "node-2", "SECONDARY", "secondary"],
        ] as const) {
            assert.equal(rec.inputs.name, "svc.test.example.com");
            assert.equal(rec.inputs.type, "A");
            assert.equal(rec.inputs.ttl, 60);
            assert.deepEqual(rec.inputs.records, [ip(node)]);
            assert.equal(rec.inputs.setIdentifier, key);
            assert.deepEqual(rec.inputs.failoverRoutingPolicies, [{ type }]);
            assert.equal(rec.inputs.healthCheckId, hc(key).id);
            assert.equal(hc(key).inputs.type, "CLOUDWATCH_METRIC");
            assert.equal(hc(key).inputs.cloudwatchAlarmName, `ha-service-test-svc-${key}-health`);
            assert.deepEqual(getResource(auto, ALARM, `svc-dns-${key}-health`).inputs.dimensions, {
                InstanceId: getResource(auto, "aws:ec2/instance:Instance", `svc-${node}`).id,
            });
        }
        assert.ok(secondary.dependencies.includes(primary.urn), "the SECONDARY record waits for the PRIMARY one");
        assert.equal(byType(auto, RECORD).length, 2);
    });

    it("keeps the health checks when monitoring is off, without notifying anyone", async () => {
        const r = await run(automatic({ monitoring: { enabled: false } }));
        assert.equal(byType(r, HEALTH_CHECK).length, 2);
        for (const k of ["primary", "secondary"]) assert.deepEqual(getResource(r, ALARM, `svc-dns-${k}-health`).inputs.alarmActions, []);
    });

    it("promotes by updating records, health alarms and documents only: no instance or volume is touched", async () => {
        const d = diffRuns(auto, await run(automatic({ primary: "node-2" })));
        assert.deepEqual([...d.created, ...d.deleted], []);
        assert.deepEqual(d.updated.map((u) => `${u.key} ${u.changed.join(",")}`).sort(), [
            "aws:cloudwatch/metricAlarm:MetricAlarm::svc-dns-primary-health dimensions",
            "aws:cloudwatch/metricAlarm:MetricAlarm::svc-dns-secondary-health dimensions",
            "aws:route53/record:Record::svc-dns-service records",
            "aws:route53/record:Record::svc-dns-service-secondary records",
            "aws:ssm/association:Association::svc-repl-node-1 parameters",
            "aws:ssm/association:Association::svc-repl-node-2 parameters",
            "aws:ssm/parameter:Parameter::svc-repl-node-1 value",
            "aws:ssm/parameter:Parameter::svc-repl-node-2 value",
        ]);
        for (const u of d.updated) assert.ok(!NODE_TYPES.includes(u.type), `promotion touched ${u.key}`);
    });

    it("switches a manual stack to automatic by giving the PRIMARY record its health check in place and adding the rest", async () => {
        const d = diffRuns(await run(haConfig()), auto);
        assert.deepEqual(d.deleted, []);
        assert.deepEqual(
            [...d.created].sort(),
            [`${ALARM}::svc-dns-secondary-health`, `${RECORD}::svc-dns-service-secondary`, `${HEALTH_CHECK}::svc-dns-secondary`].sort(),
        );
        assert.deepEqual(
            d.updated.map((u) => `${u.key} ${u.changed.join(",")}`),
            [`${RECORD}::svc-dns-service healthCheckId`],
        );
    });

    it("refuses automatic failover where it cannot work, naming the key and the fix", async () => {
        const cases: [Raw, RegExp][] = [
            [clusterConfig({ failover: "automatic" }), /ha-service:failover: applies to the ha topology only/],
            [
                // Behind the load balancer automatic failover promotes through the heartbeat runbook,
                // which acts in the stack's region only (test/autofailover.test.ts for the rest).
                automatic({
                    nodeCount: 3,
                    loadBalancer: { kind: "nlb" },
                    dr: { region: "us-west-2", nodes: ["node-3"], network: { create: { cidr: "10.60.0.0/16", zones: ["us-west-2a"] } } },
                }),
                /ha-service:failover: automatic failover behind the load balancer acts in the stack's region only/,
            ],
            [
                haConfig({ failoverSettings: { secondary: "node-2" } }),
                /ha-service:failoverSettings\.secondary: applies only with `failover: automatic`/,
            ],
            [
                automatic({ failoverSettings: { secondary: "node-9" } }),
                /ha-service:failoverSettings\.secondary: must name one of the nodes: node-1, node-2 \(got "node-9"\)/,
            ],
            [
                automatic({ failoverSettings: { secondary: "node-1" } }),
                /ha-service:failoverSettings\.secondary: is the primary; name another replica/,
            ],
        ];
        for (const [raw, message] of cases) {
            const bad = await runFailing(raw);
            assert.match(bad.error!.message, message);
            assert.deepEqual(bad.resources.filter(isCloudResource), []);
        }
        const lbButNodeDns = plan(
            automatic({
                loadBalancer: { kind: "nlb" },
                dns: { zoneId: "Z0123456789TESTZONE", name: "svc.test.example.com", target: "primary" },
            }),
        );
        assert.equal(lbButNodeDns.dns[0].failover?.type, "PRIMARY");
    });

    it("is refused, with the profile's reason, for a profile whose promotion is manual", () => {
        const s = spec(haConfig());
        const manualOnly = {
            ...s.profile,
            name: "manual-only",
            failover: { automaticAllowed: false as const, reason: "promotion needs a command on the replica" },
        };
        const { problems } = crossCheck(ConfigSchema.parse(automatic()), { ...s, failover: "automatic", profile: manualOnly });
        assert.deepEqual(problems, [
            {
                path: "failover",
                message:
                    'profile "manual-only" refuses automatic failover: promotion needs a command on the replica; keep `manual` and promote by changing `primary`',
                value: "automatic",
            },
        ]);
    });
});

describe("failover analysis", () => {
    it("prod: the load balancer takes a lost node out in 5 s x 2 = 10 s; a lost zone also waits out the LB's DNS", () => {
        const a = stackFailoverAnalysis("prod", join(root, "stacks"));
        assert.equal(a.mechanism, "loadBalancer");
        assert.deepEqual(
            a.scenarios.map((s) => s.key),
            [
                "node:app-a",
                "node:app-b",
                "node:app-c",
                "zone:us-east-1a",
                "zone:us-east-1b",
                "zone:us-east-1c",
                "loadBalancerZone:us-east-1a",
                "loadBalancerZone:us-east-1b",
                "loadBalancerZone:us-east-1c",
            ],
        );
        for (const n of ["app-a", "app-b", "app-c"]) {
            assert.deepEqual(figures(scenario(a, `node:${n}`)), {
                staysUp: true,
                failover: "automatic",
                detectSeconds: 10,
                followSeconds: 0,
                clientsMoveSeconds: 10,
                operator: false,
            });
        }
        // Nodes out after 10 s; clients on the lost zone's LB address after 60 s (assumed) + 60 s alias TTL.
        assert.deepEqual(figures(scenario(a, "zone:us-east-1a")), {
            staysUp: true,
            failover: "automatic",
            detectSeconds: 10,
            followSeconds: 110,
            clientsMoveSeconds: 120,
            operator: false,
        });
        assert.deepEqual(figures(scenario(a, "loadBalancerZone:us-east-1b")), {
            staysUp: true,
            failover: "automatic",
            detectSeconds: 60,
            followSeconds: 60,
            clientsMoveSeconds: 120,
            operator: false,
        });
        assert.match(scenario(a, "node:app-a").dataAtRisk, /asynchronous replication \(the replication lag\), on app-a/);
    });

    it("dev: losing the primary needs a promotion: 2 x 60 s to detect, then 60 s propagation + 60 s TTL", () => {
        const a = stackFailoverAnalysis("dev", join(root, "stacks"));
        assert.equal(a.mechanism, "manual");
        const primary = scenario(a, "node:node-1");
        assert.deepEqual(figures(primary), {
            staysUp: false,
            failover: "manual",
            detectSeconds: 120,
            followSeconds: 120,
            clientsMoveSeconds: 240,
            operator: true,
        });
        assert.match(primary.clientsMoveBy, /^promote node-2 \(runbook promote-node-2\)/);
        assert.deepEqual(figures(scenario(a, "zone:us-east-1a")), figures(primary));
        assert.deepEqual(figures(scenario(a, "node:node-2")), {
            staysUp: true,
            failover: "none",
            detectSeconds: 120,
            followSeconds: 0,
            clientsMoveSeconds: 0,
            operator: false,
        });
        assert.match(scenario(a, "zone:us-east-1a").notes.join(" "), /only NAT gateway is in this zone/);
        assert.deepEqual(scenario(a, "zone:us-east-1b").notes, [], "the NAT gateway is in the first zone only");
    });

    it("adds the configured TTL, not a fixed 60 s, to an HA DNS change", () => {
        const a = plan(haConfig({ dns: { zoneId: "Z0123456789TESTZONE", name: "svc.test.example.com", ttl: 30 } })).failoverAnalysis;
        assert.equal(scenario(a, "node:node-1").followSeconds, 60 + 30);
        assert.equal(scenario(a, "node:node-1").clientsMoveSeconds, 120 + 60 + 30);
    });

    it("automatic: the service stays up; Route 53 detects in failures x 60 s and clients follow after propagation and TTL", () => {
        const a = plan(automatic({ failoverSettings: { healthCheckFailures: 3 } })).failoverAnalysis;
        assert.equal(a.mechanism, "automatic");
        const s = scenario(a, "node:node-1");
        assert.deepEqual(figures(s), {
            staysUp: true,
            failover: "automatic",
            detectSeconds: 180,
            followSeconds: 120,
            clientsMoveSeconds: 300,
            operator: false,
        });
        assert.match(s.notes[0], /node-2 is still a replica in config: the service must accept writes there by itself/);
    });

    it("automatic cannot help when the zone takes the secondary too; a promotion to the surviving replica can", () => {
        const raw = automatic({
            nodeCount: undefined,
            nodes: { "db-a": { zone: "us-east-1a" }, "db-b": { zone: "us-east-1a" }, "db-c": { zone: "us-east-1b" } },
            primary: "db-a",
        });
        const a = plan(raw).failoverAnalysis;
        assert.deepEqual(plan({ ...raw, failoverSettings: { secondary: "db-b" } }).warnings, [
            "automatic failover: the secondary db-b is in the primary's zone us-east-1a; losing that zone leaves only a manual promotion.",
        ]);
        assert.deepEqual(plan({ ...raw, failoverSettings: { secondary: "db-c" } }).warnings, []);
        const s = scenario(a, "zone:us-east-1a");
        assert.deepEqual(s.nodesLost, ["db-a", "db-b"]);
        assert.equal(s.staysUp, false);
        assert.equal(s.failover, "manual");
        assert.match(s.clientsMoveBy, /^promote db-c/);
        assert.match(s.notes.join(" "), /its secondary db-b is lost too/);
    });

    it("a two-node HA stack in a single-zone network does not survive that zone's loss", () => {
        // Allowed only through the named switch; the analysis must still report the consequence.
        const single = haConfig({ network: { create: { cidr: "10.40.0.0/16", zones: ["us-east-1a"] } }, relax: { singleZone: true } });
        const p = plan(single);
        assert.deepEqual(
            p.relaxations.map((r) => r.key),
            ["relax.singleZone"],
        );
        const s = scenario(p.failoverAnalysis, "zone:us-east-1a");
        assert.deepEqual(s.nodesLost, ["node-1", "node-2"]);
        assert.equal(s.staysUp, false);
        assert.equal(s.failover, "none");
        assert.equal(s.clientsMoveSeconds, undefined);
        assert.equal(s.dataAtRisk, "everything written since the last snapshot (one every 24 h, so up to 24 h of writes)");
        const noBackups = plan({ ...single, backups: { enabled: false } });
        assert.equal(scenario(noBackups.failoverAnalysis, "zone:us-east-1a").dataAtRisk, "all data: backups are off");
    });

    it("HA behind a load balancer: detection by its health check, and the new primary in after healthy threshold x interval", () => {
        const a = plan(
            haConfig({ loadBalancer: { kind: "nlb", healthCheck: { interval: 10, unhealthyThreshold: 3, healthyThreshold: 2 } } }),
        ).failoverAnalysis;
        const s = scenario(a, "node:node-1");
        assert.deepEqual(figures(s), {
            staysUp: false,
            failover: "manual",
            detectSeconds: 30,
            followSeconds: 20,
            clientsMoveSeconds: 50,
            operator: true,
        });
        assert.match(s.clientsMoveBy, /DNS does not change/);
        assert.ok(a.scenarios.some((x) => x.key === "loadBalancerZone:us-east-1a"));
    });

    it("a cluster with a slow health check detects in interval x threshold", () => {
        const a = plan(
            clusterConfig({
                loadBalancer: {
                    kind: "alb",
                    certificateArn: spec(clusterConfig()).loadBalancer!.certificateArn,
                    healthCheck: { interval: 30, unhealthyThreshold: 3 },
                },
            }),
        ).failoverAnalysis;
        assert.equal(scenario(a, "node:app-b").detectSeconds, 90);
    });

    it("a cluster that loses its last serving node is down until nodes are added", () => {
        const a = plan(
            clusterConfig({
                nodes: { "app-a": { zone: "us-east-1a" }, "app-b": { zone: "us-east-1b" } },
            }),
        ).failoverAnalysis;
        assert.equal(scenario(a, "node:app-a").staysUp, true);
        assert.equal(scenario(a, "zone:us-east-1c").failover, "automatic", "only the LB's node is there");
        const twoInOne = plan(
            clusterConfig({ nodes: { "app-a": { zone: "us-east-1a" }, "app-b": { zone: "us-east-1a" } }, relax: { singleZone: true } }),
        ).failoverAnalysis;
        assert.equal(scenario(twoInOne, "zone:us-east-1a").staysUp, false);
    });

    it("uses the profile's data risk (split-brain) where it declares one, and says when nothing watches the primary", () => {
        const p = withProfile(clusterConfig(), {
            failoverDataRisk: {
                kind: "split-brain",
                description: "after a partition the most recently updated side wins; the other side's writes are lost",
            },
        });
        assert.match(scenario(p.failoverAnalysis, "zone:us-east-1a").dataAtRisk, /^after a partition the most recently updated side wins/);
        const unwatched = plan(haConfig({ monitoring: { enabled: false } })).failoverAnalysis;
        const s = scenario(unwatched, "node:node-1");
        assert.equal(s.detectSeconds, undefined);
        assert.equal(s.clientsMoveSeconds, undefined);
        assert.equal(s.followSeconds, 120);
        assert.match(s.detectedBy, /monitoring is off/);
    });

    it("is a stack output, printed readably by the offline plan within its width", async () => {
        const r = await run(haConfig());
        assert.deepEqual(r.outputs.failoverAnalysis, plan(haConfig()).failoverAnalysis);
        const text = formatPlan(r);
        assert.ok(text.includes("\n  failoverAnalysis: 4 scenarios (below)\n"));
        assert.ok(
            text.includes(
                "\nfailover analysis (ha, manual promotion (DNS or load-balancer targets follow `primary`)):\n  node node-1 (primary, us-east-1a) lost\n",
            ),
        );
        assert.ok(text.includes("\nrunbooks:\n  promote-node-2: Promote node-2 (primary now: node-1)\n"));
        const sections = text.slice(text.indexOf("\nfailover analysis ("));
        assert.ok(sections.split("\n").every((l) => l.length <= 160));
    });

    it("is summarised in the README for the dev and prod stacks (regenerated by `npm run docs`)", () => {
        const bodies = ["dev", "prod"].map((stack) => {
            const { start, end } = failoverMarkers(stack);
            const body = markedSection(root, start, end);
            assert.equal(body, failoverMarkdown(stackFailoverAnalysis(stack, join(root, "stacks"))), `README failover summary of ${stack}`);
            return body;
        });
        const readme = bodies.join("\n");
        assert.ok(
            readme.includes(
                "| node node-1 (primary, us-east-1a) lost | down until an operator acts | manual | 120 s | 240 s + the operator's time |",
            ),
        );
        assert.ok(readme.includes("| node app-a (member, us-east-1a) lost | stays up | automatic | 10 s | 10 s |"));
    });
});

describe("failover analysis of a service that elects its active node (stacks/Pulumi.cloudify.yaml)", () => {
    const cloudify = (overrides: Raw = {}) => plan(stackConfig("cloudify", overrides), "cloudify").failoverAnalysis;
    // The stack: mgr-a (leaders.manager, the active manager), mgr-b, mgr-c in us-east-1a/b/c; NLB health
    // check every 5 s (the default), healthy threshold 2; the profile's election estimate 60 s.
    const ELECTION = 60;
    const NEW_ACTIVE_IN = 5 * 2;

    it("losing the active manager: elected in 60 s, in rotation after 5 s x 2, so clients move after 70 s without a DNS change", () => {
        const a = cloudify();
        assert.equal(a.mechanism, "election");
        const s = scenario(a, "node:mgr-a");
        assert.deepEqual(figures(s), {
            staysUp: true,
            failover: "automatic",
            detectSeconds: ELECTION,
            followSeconds: NEW_ACTIVE_IN,
            clientsMoveSeconds: ELECTION + NEW_ACTIVE_IN,
            operator: false,
        });
        assert.equal(s.clientsMoveSeconds, 70);
        assert.match(s.detectedBy, /^the manager nodes' own election of a new active manager \(60 s/);
        assert.match(
            s.clientsMoveBy,
            /^mgr-b, mgr-c elect a new active manager; .*passes 2 health checks 5 s apart \(10 s\); DNS does not change/,
        );
        assert.match(
            s.dataAtRisk,
            /^on a network partition both sides may act as the active manager; when they reconnect the most recently updated side wins/,
        );
    });

    it("losing a standby: the service stays up and no client moves; only the status-check alarms (2 x 60 s) notice", () => {
        const a = cloudify();
        for (const n of ["mgr-b", "mgr-c"]) {
            const s = scenario(a, `node:${n}`);
            assert.deepEqual(figures(s), {
                staysUp: true,
                failover: "none",
                detectSeconds: 120,
                followSeconds: 0,
                clientsMoveSeconds: 0,
                operator: false,
            });
            assert.match(s.clientsMoveBy, /^clients are not affected: they use the active manager mgr-a/);
            assert.match(s.dataAtRisk, /^none/);
        }
    });

    it("losing a zone: the active manager's zone adds the LB's DNS (60 s + 60 s TTL); a standby's zone moves only that zone's LB clients", () => {
        const a = cloudify();
        // max(60 + 20, 60 + 60) = 120 s for clients; detection stays the election.
        assert.deepEqual(figures(scenario(a, "zone:us-east-1a")), {
            staysUp: true,
            failover: "automatic",
            detectSeconds: ELECTION,
            followSeconds: 120 - ELECTION,
            clientsMoveSeconds: 120,
            operator: false,
        });
        for (const z of ["us-east-1b", "us-east-1c"]) {
            // Only the clients of that zone's LB address move: the LB's zone checks (assumed 60 s), then
            // the 60 s alias TTL. This read 120 s detection and 0 s follow before (the standby's status
            // checks), which did not say what moved the clients; the status checks are now a note.
            const s = scenario(a, `zone:${z}`);
            assert.deepEqual(figures(s), {
                staysUp: true,
                failover: "automatic",
                detectSeconds: 60,
                followSeconds: 60,
                clientsMoveSeconds: 120,
                operator: false,
            });
            assert.match(
                s.clientsMoveBy,
                /^clients that resolved the lost zone's load-balancer address move .*\(120 s\); otherwise clients are not affected: they use the active manager mgr-a/,
            );
            assert.ok(s.notes.includes("The status-check alarm (2 x 60 s) notices the lost node(s) after 120 s."));
        }
        for (const z of ["us-east-1a", "us-east-1b", "us-east-1c"]) {
            assert.deepEqual(figures(scenario(a, `loadBalancerZone:${z}`)), {
                staysUp: true,
                failover: "automatic",
                detectSeconds: 60,
                followSeconds: 60,
                clientsMoveSeconds: 120,
                operator: false,
            });
        }
    });

    it("states the election estimate as an assumption, with its source, and which manager it takes to be active", () => {
        const text = cloudify().assumptions.join("\n");
        assert.match(text, /The active one is taken to be `leaders\.manager` \(mgr-a\)/);
        assert.match(
            text,
            /A new active manager is elected by a majority of the manager nodes within 60 s of the active one's failure\. This is an assumption: Cloudify's High Availability guide .* every 15 s but no failover time/,
        );
    });

    it("follows leaders.manager and the stack's health-check settings", () => {
        const a = cloudify({
            leaders: { manager: "mgr-b" },
            loadBalancer: { kind: "nlb", scheme: "internal", healthCheck: { interval: 5, timeout: 4, healthyThreshold: 3 } },
        });
        assert.equal(scenario(a, "node:mgr-b").clientsMoveSeconds, ELECTION + 5 * 3);
        assert.equal(scenario(a, "node:mgr-a").failover, "none");
        assert.equal(scenario(a, "node:mgr-a").clientsMoveSeconds, 0);
    });

    it("without a majority left, no new active manager is elected: down until an operator acts", () => {
        const two = cloudify({ nodes: { "mgr-a": { zone: "us-east-1a" }, "mgr-b": { zone: "us-east-1b" } } });
        const active = scenario(two, "node:mgr-a");
        assert.deepEqual(figures(active), {
            staysUp: false,
            failover: "manual",
            detectSeconds: 10,
            followSeconds: undefined,
            clientsMoveSeconds: undefined,
            operator: true,
        });
        assert.match(
            active.clientsMoveBy,
            /^only 1 of the 2 manager nodes are left, which is no majority, so no new active manager is elected/,
        );
        const standby = scenario(two, "node:mgr-b");
        assert.equal(standby.staysUp, true);
        assert.match(
            standby.notes.join(" "),
            /Only 1 of the 2 manager nodes are left, which is no majority: if the active manager fails too/,
        );
    });

    it("is summarised in the README (regenerated by `npm run docs`)", () => {
        const { start, end } = failoverMarkers("cloudify");
        const body = markedSection(root, start, end);
        assert.equal(body, failoverMarkdown(stackFailoverAnalysis("cloudify", join(root, "stacks"))));
        assert.ok(body.includes("| node mgr-a (manager, us-east-1a) lost | stays up | automatic | 60 s | 70 s |"));
        assert.ok(body.includes("| node mgr-b (manager, us-east-1b) lost | stays up | none | 120 s | 0 s |"));
    });

    it("every profile that elects its active node keeps one active target and elects among a single-leader role", () => {
        for (const p of Object.values(profiles)) {
            if (!p.election) continue;
            assert.equal(p.activeTargets, 1, p.name);
            assert.ok(p.roles.leaders.includes(p.election.role), p.name);
            assert.ok(p.election.seconds > 0 && p.election.source.length > 0, p.name);
        }
        assert.ok(profiles.cloudify.election, "the cloudify profile declares its election");
    });
});

describe("failover analysis: the lost zone's load-balancer node and nodes that serve no client", () => {
    // Both stacks: NLB health check every 5 s (the default), unhealthy and healthy threshold 2, cross-zone on; the
    // LB's zone address leaves its DNS in an assumed 60 s, then the fixed 60 s alias TTL: 120 s.
    const LB_ZONE = 60 + 60;
    const ghesHa = () => stackFailoverAnalysis("ghes-ha", join(root, "stacks"));
    const ghesCluster = (overrides: Raw = {}) => plan(stackConfig("ghes-cluster", overrides), "ghes-cluster").failoverAnalysis;
    const notAffected = { staysUp: true, failover: "none", detectSeconds: 120, followSeconds: 0, clientsMoveSeconds: 0, operator: false };
    /** Figures of a failover that needs no operator: detected after `detect` s, clients moved after `move` s. */
    const automaticMove = (detect: number, move: number) => ({
        staysUp: true,
        failover: "automatic",
        detectSeconds: detect,
        followSeconds: move - detect,
        clientsMoveSeconds: move,
        operator: false,
    });
    const onlyLbZone = automaticMove(60, LB_ZONE);

    it("ghes-ha, the primary's zone: max(120 s for the zone's LB address, 10 s + GitHub's 20 to 30 min promotion + 10 s + the operator's time)", () => {
        const a = ghesHa();
        // The primary alone: detected in 5 s x 2 = 10 s; GitHub's promotion takes 20 to 30 minutes on
        // average (initiating-a-failover-to-your-replica-appliance.md); after `pulumi up` ghe-2 is in
        // after 5 s x 2 = 10 s.
        const PROMOTION = 20 * 60;
        assert.deepEqual(figures(scenario(a, "node:ghe-1")), {
            staysUp: false,
            failover: "manual",
            detectSeconds: 10,
            followSeconds: 10,
            clientsMoveSeconds: 10 + PROMOTION + 10,
            operator: true,
        });
        // Its zone also takes the LB's node there. That address leaves DNS without waiting for the
        // operator, so the two run in parallel: max(120, 1220 + operator); here the promotion is the
        // longer one.
        const zone = scenario(a, "zone:us-east-1a");
        assert.deepEqual(figures(zone), {
            staysUp: false,
            failover: "manual",
            detectSeconds: 10,
            followSeconds: 10,
            clientsMoveSeconds: Math.max(LB_ZONE, 10 + PROMOTION + 10),
            operator: true,
        });
        assert.equal(zone.clientsMoveSeconds, 1220);
        assert.match(
            zone.clientsMoveBy,
            /^promote ghe-2 .*\(10 s\); DNS does not change\. Meanwhile clients that resolved the lost zone's load-balancer address .*\(120 s\), counted from the failure: those clients move after max\(120 s, 1220 s \+ the operator's time\)$/,
        );
        const table = failoverMarkdown(a);
        assert.ok(
            table.includes(
                "| zone us-east-1a lost (ghe-1) | down until an operator acts | manual | 10 s | 1220 to 1820 s + the operator's time |",
            ),
        );
        assert.ok(
            table.includes(
                "| node ghe-1 (primary, us-east-1a) lost | down until an operator acts | manual | 10 s | 1220 to 1820 s + the operator's time |",
            ),
        );
        assert.match(a.assumptions.join("\n"), /clients move after the later of the two \(max, not sum\)/);
    });

    it("ghes-ha, the replica's zone: only the clients of that zone's LB address move (60 s + 60 s TTL)", () => {
        const a = ghesHa();
        assert.deepEqual(figures(scenario(a, "node:ghe-2")), notAffected);
        const zone = scenario(a, "zone:us-east-1b");
        assert.deepEqual(figures(zone), onlyLbZone);
        assert.match(zone.clientsMoveBy, /\(120 s\); otherwise clients are not affected: they use the primary$/);
        assert.deepEqual(figures(zone), figures(scenario(a, "loadBalancerZone:us-east-1b")), "as if only the LB's node were lost");
    });

    it("ghes-cluster, a data node (no web-server role): no failover and no client moves, like an HA replica", () => {
        const a = ghesCluster();
        for (const n of ["ghe-data-2", "ghe-data-3"]) {
            // Read 120 s before (the status-check detection added to a 0 s follow) though no client moves.
            const s = scenario(a, `node:${n}`);
            assert.deepEqual(figures(s), notAffected, n);
            assert.equal(s.clientsMoveBy, "clients are not affected: no serving node is lost");
        }
        assert.deepEqual(figures(scenario(a, "node:ghe-app-1")), automaticMove(10, 10), "a web node: out after 5 s x 2");
    });

    it("ghes-cluster, a zone of data nodes only: the LB's node there still moves its clients; without one, nothing moves", () => {
        const a = ghesCluster();
        const c = scenario(a, "zone:us-east-1c");
        assert.deepEqual(c.nodesLost, ["ghe-data-3"]);
        assert.deepEqual(figures(c), onlyLbZone);
        assert.match(c.clientsMoveBy, /\(120 s\); otherwise clients are not affected: no serving node is lost$/);
        // A web node's zone: targets out at 5 s x 2 = 10 s, the zone's LB clients at 120 s: max.
        assert.deepEqual(figures(scenario(a, "zone:us-east-1b")), automaticMove(10, Math.max(10, LB_ZONE)));
        // us-east-1a also holds the MySQL/Redis primary ghe-data-1: see the single-primary tests.
        assert.equal(scenario(a, "zone:us-east-1a").staysUp, false);
        // The load balancer only in the web nodes' zones: losing us-east-1c moves no client.
        const net = stackConfig("ghes-cluster").network as { subnets: { id: string }[] };
        const noLbInC = ghesCluster({ network: { ...net, loadBalancerSubnets: [net.subnets[0].id, net.subnets[1].id] } });
        const c2 = scenario(noLbInC, "zone:us-east-1c");
        assert.deepEqual(figures(c2), notAffected);
        assert.equal(c2.clientsMoveBy, "clients are not affected: no serving node is lost");
        assert.ok(!noLbInC.scenarios.some((s) => s.key === "loadBalancerZone:us-east-1c"));
    });

    it("never says clients move after a non-zero time with failover none, nor 0 s with a failover", () => {
        const stacks = ["dev", "prod", "cloudify", "ghes-ha", "ghes-cluster"].map((st) => stackFailoverAnalysis(st, join(root, "stacks")));
        for (const s of stacks.flatMap((a) => a.scenarios)) {
            if (s.failover === "none" && s.staysUp) assert.equal(s.clientsMoveSeconds, 0, s.key);
            if (s.failover !== "none") assert.notEqual(s.clientsMoveSeconds, 0, s.key);
            if (s.clientsMoveBy.startsWith("clients are not affected")) assert.equal(s.failover, "none", s.key);
        }
    });
});

describe("runbooks", () => {
    it("HA: one promotion runbook per replica with this stack's key, the profile's commands, the DNS target and the follow time", () => {
        const p = withProfile(haConfig({ nodeCount: 3 }), { promotionSteps: ["on {replica}: svc-promote --from {primary}"] });
        assert.deepEqual(
            p.runbooks.map((r) => r.key),
            ["promote-node-2", "promote-node-3"],
        );
        const r = p.runbooks[1];
        assert.ok(r.steps.includes("Run: on node-3: svc-promote --from node-1"));
        assert.ok(r.steps.includes("Change the config key `ha-service:primary`: `pulumi config set ha-service:primary node-3`."));
        assert.deepEqual(r.after, {
            target: "svc.test.example.com A record -> node-3's private address",
            clientsFollowSeconds: 120,
            why: "Route 53 propagates the change within 60 s; resolvers keep the old address for up to the 60 s TTL",
        });
        const generic = plan(haConfig()).runbooks[0];
        assert.ok(generic.steps.some((s) => /The "generic" profile declares no promotion command/.test(s)));
    });

    it("HA behind a load balancer: clients follow once the new primary passes its health checks", () => {
        const r = plan(haConfig({ loadBalancer: { kind: "nlb" } })).runbooks[0];
        assert.equal(r.after?.clientsFollowSeconds, 10, "5 s x 2 passed checks");
        assert.match(
            r.after!.target,
            /keeps aliasing the load balancer, which forwards only to the node passing its health check, node-2$/,
        );
    });

    it("automatic: says what DNS points at after the promotion and asks to move a pinned secondary", () => {
        const r = plan(automatic({ nodeCount: 3, failoverSettings: { secondary: "node-2" } })).runbooks[0];
        assert.equal(r.after!.target, "svc.test.example.com: PRIMARY record -> node-2, SECONDARY record -> node-1");
        assert.ok(r.steps.some((s) => s.includes("`ha-service:failoverSettings.secondary` names node-2")));
    });

    it("cluster: how to replace a failed node, as an output", async () => {
        const r = await run(clusterConfig());
        const runbooks = r.outputs.runbooks as { key: string; steps: string[] }[];
        assert.deepEqual(
            runbooks.map((x) => x.key),
            ["replace-node"],
        );
        const text = runbooks[0].steps.join("\n");
        assert.match(text, /pulumi stack --show-urns \| grep 'Instance::svc-NODE'/);
        assert.match(text, /pulumi up --replace '<that URN>'/);
        assert.match(text, /aws ec2 detach-volume/);
        assert.ok(
            byType(r, "aws:ec2/instance:Instance").some((i) => i.name === "svc-app-a"),
            "the runbook's instance name pattern matches",
        );
    });
});
