import assert from "node:assert/strict";
import { byType, getResource, isCloudResource, type ProgramRun, type RecordedResource } from "../tools/harness";
import { clusterConfig, haConfig, plan } from "./fixtures";
import { run, runFailing } from "./program";
import { stackConfig } from "./stacks";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const TG = "aws:lb/targetGroup:TargetGroup";
const INSTANCE = "aws:ec2/instance:Instance";
const HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck";
const RECOVER = "arn:aws:automate:us-east-1:ec2:recover";

type Inputs = Record<string, unknown>;
const alarmsOf = (r: ProgramRun) => byType(r, ALARM);
const topicArn = (r: ProgramRun) => String(getResource(r, TOPIC, "svc-mon-alarms").state!.arn);

/** The alarm settings a reviewer checks, in one comparable object. */
function settings(a: RecordedResource): Inputs {
    const i = a.inputs;
    return {
        namespace: i.namespace,
        metricName: i.metricName,
        statistic: i.statistic,
        comparison: i.comparisonOperator,
        threshold: i.threshold,
        period: i.period,
        evaluationPeriods: i.evaluationPeriods,
        treatMissingData: i.treatMissingData,
    };
}

describe("monitoring", function () {
    let ha: ProgramRun;
    let cluster: ProgramRun;
    let haNlb: ProgramRun;
    before(async () => {
        ha = await run(haConfig({ monitoring: { emails: ["ops@example.com"], httpsEndpoints: ["https://events.example.com/hook"] } }));
        cluster = await run(clusterConfig());
        haNlb = await run(
            haConfig({ loadBalancer: { kind: "nlb" }, dns: { zoneId: "Z0123456789TESTZONE", name: "svc.test.example.com" } }),
        );
    });

    it("gives every node an instance and a system status-check alarm: 2 x 60 s, > 0, on its own instance", () => {
        for (const r of [ha, cluster, haNlb]) {
            for (const inst of byType(r, INSTANCE)) {
                const node = inst.name.replace(/^svc-/, "");
                for (const [check, metric] of [
                    ["instance-check", "StatusCheckFailed_Instance"],
                    ["system-check", "StatusCheckFailed_System"],
                ]) {
                    const a = getResource(r, ALARM, `svc-mon-${node}-${check}`);
                    assert.deepEqual(settings(a), {
                        namespace: "AWS/EC2",
                        metricName: metric,
                        statistic: "Maximum",
                        comparison: "GreaterThanThreshold",
                        threshold: 0,
                        period: 60,
                        evaluationPeriods: 2,
                        treatMissingData: "missing",
                    });
                    assert.deepEqual(a.inputs.dimensions, { InstanceId: inst.id });
                }
            }
        }
    });

    it("sends every alarm and its recovery to the topic; the system check also recovers the instance", () => {
        for (const r of [ha, cluster, haNlb]) {
            const topic = topicArn(r);
            for (const a of alarmsOf(r)) {
                const expected = a.name.endsWith("-system-check") ? [RECOVER, topic] : [topic];
                assert.deepEqual(a.inputs.alarmActions, expected, a.name);
                assert.deepEqual(a.inputs.okActions, [topic], a.name);
            }
        }
    });

    it("watches every ALB target group: any target unhealthy, and fewer healthy targets than serving nodes", () => {
        const lb = getResource(cluster, "aws:lb/loadBalancer:LoadBalancer", "svc-lb");
        const tgs = byType(cluster, TG);
        assert.ok(tgs.length > 0);
        for (const tg of tgs) {
            const dims = { TargetGroup: tg.state!.arnSuffix, LoadBalancer: lb.state!.arnSuffix };
            const unhealthy = getResource(cluster, ALARM, `${tg.name.replace("svc-lb-", "svc-mon-")}-unhealthy`);
            const below = getResource(cluster, ALARM, `${tg.name.replace("svc-lb-", "svc-mon-")}-healthy-below`);
            assert.deepEqual(settings(unhealthy), {
                namespace: "AWS/ApplicationELB",
                metricName: "UnHealthyHostCount",
                statistic: "Maximum",
                comparison: "GreaterThanThreshold",
                threshold: 0,
                period: 60,
                evaluationPeriods: 1,
                treatMissingData: "notBreaching",
            });
            assert.deepEqual(settings(below), {
                namespace: "AWS/ApplicationELB",
                metricName: "HealthyHostCount",
                statistic: "Minimum",
                comparison: "LessThanThreshold",
                threshold: 3,
                period: 60,
                evaluationPeriods: 1,
                treatMissingData: "breaching",
            });
            assert.deepEqual(unhealthy.inputs.dimensions, dims);
            assert.deepEqual(below.inputs.dimensions, dims);
            assert.match(String(tg.state!.arnSuffix), /^targetgroup\//);
        }
    });

    it("uses the NLB namespace, and one healthy target (the primary) for HA", () => {
        const tgs = byType(haNlb, TG).map((t) => t.name.replace("svc-lb-", ""));
        assert.deepEqual(tgs, ["tcp-443", "tcp-80"]);
        for (const tg of tgs) {
            assert.equal(getResource(haNlb, ALARM, `svc-mon-${tg}-unhealthy`).inputs.namespace, "AWS/NetworkELB");
            const below = getResource(haNlb, ALARM, `svc-mon-${tg}-healthy-below`);
            assert.equal(below.inputs.namespace, "AWS/NetworkELB");
            assert.equal(below.inputs.threshold, 1);
        }
    });

    it("lets a cluster alarm on a configured minimum of healthy targets", () => {
        const p = plan(clusterConfig({ monitoring: { minHealthyTargets: 2 } }));
        const below = p.monitoring!.alarms.find((a) => a.key === "http-80-healthy-below")!;
        assert.equal(below.threshold, 2);
        assert.match(below.description, /fewer than 2 healthy target/);
    });

    it("puts a Route 53 health check on the HA primary, based on an alarm that counts missing data as down and notifies", () => {
        const r = ha;
        const alarm = getResource(r, ALARM, "svc-dns-primary-health");
        assert.deepEqual(settings(alarm), {
            namespace: "AWS/EC2",
            metricName: "StatusCheckFailed",
            statistic: "Maximum",
            comparison: "GreaterThanThreshold",
            threshold: 0,
            period: 60,
            evaluationPeriods: 2,
            treatMissingData: "breaching",
        });
        assert.deepEqual(alarm.inputs.dimensions, { InstanceId: getResource(r, INSTANCE, "svc-node-1").id });
        assert.deepEqual(alarm.inputs.alarmActions, [topicArn(r)]);
        const hc = getResource(r, HEALTH_CHECK, "svc-dns-primary");
        assert.equal(hc.inputs.type, "CLOUDWATCH_METRIC");
        assert.equal(hc.inputs.cloudwatchAlarmName, "ha-service-test-svc-primary-health");
        assert.equal(hc.inputs.cloudwatchAlarmName, alarm.inputs.name);
        assert.equal(hc.inputs.cloudwatchAlarmRegion, "us-east-1");
        assert.equal(hc.inputs.ipAddress, undefined, "no endpoint check: Route 53 cannot reach private addresses");
        assert.deepEqual(byType(cluster, HEALTH_CHECK), [], "a cluster's load balancer does the health checking");
    });

    it("takes the health check's failure threshold from failoverSettings.healthCheckFailures", async () => {
        const r = await run(haConfig({ failoverSettings: { healthCheckFailures: 4 } }));
        assert.equal(getResource(r, ALARM, "svc-dns-primary-health").inputs.evaluationPeriods, 4);
    });

    it("encrypts the topic with a rotated customer managed key that CloudWatch may use (not alias/aws/sns)", () => {
        const topic = getResource(ha, TOPIC, "svc-mon-alarms");
        const key = getResource(ha, "aws:kms/key:Key", "svc-mon-topic");
        assert.equal(topic.inputs.name, "ha-service-test-svc-alarms");
        assert.equal(topic.inputs.kmsMasterKeyId, key.state!.arn);
        assert.notEqual(topic.inputs.kmsMasterKeyId, "alias/aws/sns");
        assert.equal(key.inputs.enableKeyRotation, true);
        const policy = JSON.parse(String(key.inputs.policy)) as { Statement: { Principal: Inputs; Action: unknown }[] };
        const cw = policy.Statement.find((s) => s.Principal.Service === "cloudwatch.amazonaws.com");
        assert.deepEqual(cw?.Action, ["kms:Decrypt", "kms:GenerateDataKey*"]);
        assert.ok(
            policy.Statement.some((s) => s.Principal.AWS === "arn:aws:iam::123456789012:root"),
            "the account keeps control of its key",
        );
    });

    it("subscribes the configured email and HTTPS endpoints, named from the endpoint", () => {
        const subs = byType(ha, "aws:sns/topicSubscription:TopicSubscription");
        assert.deepEqual(
            subs.map((s) => [s.name, s.inputs.protocol, s.inputs.endpoint, s.inputs.topic]),
            [
                ["svc-mon-email-ops-example-com", "email", "ops@example.com", topicArn(ha)],
                ["svc-mon-https-events-example-com-hook", "https", "https://events.example.com/hook", topicArn(ha)],
            ],
        );
    });

    it("tags every monitoring resource with the stack and names alarms uniquely per project, stack and service", () => {
        const names = alarmsOf(cluster).map((a) => String(a.inputs.name));
        assert.equal(new Set(names).size, names.length);
        for (const n of names) assert.match(n, /^ha-service-test-svc-/);
        for (const r of [...alarmsOf(cluster), getResource(cluster, TOPIC, "svc-mon-alarms")]) {
            const tags = r.inputs.tags as Record<string, string>;
            assert.equal(tags.Stack, "test", r.name);
            assert.equal(tags.Project, "ha-service", r.name);
        }
        assert.equal(cluster.outputs.alarmTopicArn, topicArn(cluster));
    });

    it("creates no topic, key, alarm or health check when monitoring is off", async () => {
        const r = await run(haConfig({ monitoring: { enabled: false } }));
        for (const t of [ALARM, TOPIC, "aws:kms/key:Key", HEALTH_CHECK]) assert.deepEqual(byType(r, t), [], t);
        assert.equal(r.outputs.alarmTopicArn, undefined);
    });

    it("rejects monitoring settings that cannot work, naming the key", async () => {
        const bad = await runFailing(clusterConfig({ monitoring: { minHealthyTargets: 4 } }));
        assert.match(
            bad.error!.message,
            /ha-service:monitoring\.minHealthyTargets: is more than the 3 serving node\(s\).*use at most 3 \(got 4\)/,
        );
        assert.deepEqual(bad.resources.filter(isCloudResource), []);
        const email = await runFailing(clusterConfig({ monitoring: { emails: ["not-an-address"] } }));
        assert.match(email.error!.message, /ha-service:monitoring\.emails\[0\]: must be an email address such as ops@example\.com/);
        const dup = await runFailing(clusterConfig({ monitoring: { emails: ["ops@example.com", "ops@example.com"] } }));
        assert.match(
            dup.error!.message,
            /ha-service:monitoring\.emails\[1\]: is the same subscription as "ops@example\.com"; list it once/,
        );
        const ha1 = await runFailing(haConfig({ monitoring: { minHealthyTargets: 1 } }));
        assert.match(ha1.error!.message, /ha-service:monitoring\.minHealthyTargets: applies to the cluster topology only/);
    });
});

describe("monitoring of a cluster whose standbys fail the health check by design (stacks/Pulumi.cloudify.yaml)", function () {
    let cfy: ProgramRun;
    before(async () => {
        cfy = await run(stackConfig("cloudify"), "cloudify");
    });
    const groups = () => byType(cfy, TG).map((t) => t.name.replace("cfy-lb-", ""));
    const alarm = (tg: string, kind: "unhealthy" | "healthy-below") => getResource(cfy, ALARM, `cfy-mon-${tg}-${kind}`);
    /** Whether an alarm on one host count is in ALARM for that count, as CloudWatch compares it. */
    const fires = (a: RecordedResource, count: number) => {
        const threshold = Number(a.inputs.threshold);
        switch (a.inputs.comparisonOperator) {
            case "GreaterThanThreshold":
                return count > threshold;
            case "LessThanThreshold":
                return count < threshold;
            default:
                throw new Error(`unexpected comparison ${String(a.inputs.comparisonOperator)} on ${a.name}`);
        }
    };

    it("alarms when fewer than 1 target (the active manager) is healthy or more than 3 - 1 = 2 are unhealthy, on every target group", () => {
        const lb = getResource(cfy, "aws:lb/loadBalancer:LoadBalancer", "cfy-lb");
        assert.deepEqual(groups(), ["tcp-443", "tcp-5671", "tcp-53333"]);
        for (const tg of groups()) {
            const unhealthy = alarm(tg, "unhealthy");
            const below = alarm(tg, "healthy-below");
            assert.deepEqual(settings(unhealthy), {
                namespace: "AWS/NetworkELB",
                metricName: "UnHealthyHostCount",
                statistic: "Maximum",
                comparison: "GreaterThanThreshold",
                threshold: 2,
                period: 60,
                evaluationPeriods: 1,
                treatMissingData: "notBreaching",
            });
            assert.deepEqual(settings(below), {
                namespace: "AWS/NetworkELB",
                metricName: "HealthyHostCount",
                statistic: "Minimum",
                comparison: "LessThanThreshold",
                threshold: 1,
                period: 60,
                evaluationPeriods: 1,
                treatMissingData: "breaching",
            });
            const dims = { TargetGroup: getResource(cfy, TG, `cfy-lb-${tg}`).state!.arnSuffix, LoadBalancer: lb.state!.arnSuffix };
            for (const a of [unhealthy, below]) {
                assert.deepEqual(a.inputs.dimensions, dims, a.name);
                assert.deepEqual(a.inputs.alarmActions, [String(getResource(cfy, TOPIC, "cfy-mon-alarms").state!.arn)], a.name);
            }
            assert.match(String(unhealthy.inputs.alarmDescription), /Only 1 of 3 are meant to pass it \(the others are standbys\)/);
            assert.match(
                String(below.inputs.alarmDescription),
                /fewer than 1 healthy target\(s\) \(active nodes; the standbys fail the check/,
            );
        }
    });

    it("stays OK for a healthy cluster and a lost standby, and fires when the active manager is lost", () => {
        // [healthy, unhealthy] targets per group: 1 active + 2 standbys; a dead standby still fails its
        // check (it stays registered); the active manager lost, before a standby takes over.
        const states: [string, number, number, boolean][] = [
            ["healthy cluster", 1, 2, false],
            ["standby lost", 1, 2, false],
            ["active manager lost", 0, 3, true],
        ];
        for (const tg of groups()) {
            for (const [what, healthy, unhealthy, expected] of states) {
                assert.equal(fires(alarm(tg, "healthy-below"), healthy), expected, `${tg} healthy-below: ${what}`);
                assert.equal(fires(alarm(tg, "unhealthy"), unhealthy), expected, `${tg} unhealthy: ${what}`);
            }
        }
    });

    it("accepts monitoring.minHealthyTargets up to the 1 active manager, not up to the 3 managers", async () => {
        const bad = await runFailing(stackConfig("cloudify", { monitoring: { minHealthyTargets: 2 } }), "cloudify");
        assert.match(
            bad.error!.message,
            /ha-service:monitoring\.minHealthyTargets: is more than the 1 target\(s\) that pass the health check at once under the "cloudify" profile \(the other serving nodes are standbys that fail it by design\), so the alarm would never clear; use at most 1 \(got 2\)/,
        );
        assert.deepEqual(bad.resources.filter(isCloudResource), []);
        const one = plan(stackConfig("cloudify", { monitoring: { minHealthyTargets: 1 } }), "cloudify");
        assert.deepEqual(
            one.monitoring!.alarms.filter((a) => a.key.endsWith("-healthy-below")).map((a) => a.threshold),
            [1, 1, 1],
        );
    });

    it("tells the replace-node runbook that a lost standby shows only in its status-check alarms", () => {
        const steps = (cfy.outputs.runbooks as { key: string; steps: string[] }[])[0].steps;
        assert.match(steps[0], /Only 1 of the 3 serving nodes pass the load balancer's health check at once \(the others are standbys\)/);
        assert.match(steps.at(-1)!, /they expect only the 1 active target\(s\), so they do not show a standby's return/);
    });
});

describe("monitoring of HA behind a load balancer: every node registered, exactly one passes the health check", () => {
    const p = plan(haConfig({ nodeCount: 3, loadBalancer: { kind: "nlb" } }));
    const alarms = (tg: string) => p.monitoring!.alarms.filter((a) => a.key.startsWith(`${tg}-`));
    /** Whether an alarm fires for one host count, as CloudWatch compares it. */
    const fires = (a: { comparison: string; threshold: number }, count: number) =>
        a.comparison === "GreaterThanThreshold" ? count > a.threshold : count < a.threshold;

    it("expects exactly one healthy target: below 1 or above 1 healthy, or more than the 2 replicas unhealthy, alarms", () => {
        assert.deepEqual(
            p.loadBalancer!.targetGroups.map((tg) => tg.key),
            ["tcp-443", "tcp-80"],
        );
        for (const tg of ["tcp-443", "tcp-80"]) {
            assert.deepEqual(
                alarms(tg).map((a) => [a.key, a.metricName, a.statistic, a.comparison, a.threshold, a.treatMissingData]),
                [
                    [`${tg}-unhealthy`, "UnHealthyHostCount", "Maximum", "GreaterThanThreshold", 2, "notBreaching"],
                    [`${tg}-healthy-below`, "HealthyHostCount", "Minimum", "LessThanThreshold", 1, "breaching"],
                    [`${tg}-healthy-above`, "HealthyHostCount", "Maximum", "GreaterThanThreshold", 1, "notBreaching"],
                ],
            );
        }
    });

    it("stays OK with one primary, fires when none or two pass (each step of a promotion, in the runbook's order)", () => {
        // [healthy, unhealthy] per target group of 3 registered nodes.
        const states: [string, number, number, boolean][] = [
            ["primary serving, 2 replicas failing /status by design", 1, 2, false],
            ["a replica lost (still registered, failing)", 1, 2, false],
            ["old primary in maintenance mode, replica not yet promoted (no writer)", 0, 3, true],
            ["replica promoted: the one new primary passes", 1, 2, false],
            ["replica promoted while the old primary still serves (two writers)", 2, 1, true],
        ];
        for (const tg of ["tcp-443", "tcp-80"]) {
            const [unhealthy, below, above] = alarms(tg);
            for (const [what, healthy, failing, expected] of states) {
                assert.equal(fires(below, healthy) || fires(above, healthy) || fires(unhealthy, failing), expected, `${tg}: ${what}`);
            }
            assert.equal(fires(above, 2), true, "two passing targets alone alarm");
        }
    });

    it("adds no two-primaries alarm to a cluster, whose serving nodes all pass", () => {
        assert.ok(!plan(clusterConfig()).monitoring!.alarms.some((a) => a.key.endsWith("-healthy-above")));
    });
});
