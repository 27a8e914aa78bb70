/**
 * HA automatic failover behind a load balancer (components/plan/autofailover.ts): heartbeats, their
 * alarms, the failover runbook and the rule that starts it. The runbook is executed step by step
 * against a simulated account whose promote hook (test/standin/heartbeat/promote) refuses while
 * another running node acts as primary; the heartbeat loop runs with bash against stand-in `curl`
 * and `aws` that enforce what IMDSv2 and CloudWatch accept.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AutomationDocument, renderNodeScript, type TopologyPlan } from "../components/plan";
import { failoverEventPattern, failoverRunbook, HEARTBEAT_SCRIPT_PATH } from "../components/plan/autofailover";
import { estimateCost } from "../components/plan/cost";
import { failoverEventsPolicy, failoverRunbookPolicy } from "../components/plan/iam";
import { APPLY_LOCK, heartbeatScript, MAINTENANCE_FLAG, MAINTENANCE_GRACE_MINUTES } from "../components/plan/heartbeat";
import { MODELS, shape } from "./aws-models";
import { crossCheck } from "../components/config";
import { ConfigSchema } from "../components/config/schema";
import { failoverLines } from "../tools/failover";
import { haConfig, plan, spec, type Raw } from "./fixtures";
import { run, runFailing } from "./program";
import { NO_STDIN } from "./processes";

const STANDIN = join(__dirname, "standin", "heartbeat");
const behindLb = (overrides: Raw = {}) => haConfig({ failover: "automatic", loadBalancer: { kind: "nlb" }, ...overrides });

/** An EventBridge pattern match: every pattern key must be in the event; a list names the allowed values. */
function matches(pattern: unknown, event: unknown): boolean {
    if (Array.isArray(pattern)) return pattern.includes(event);
    if (typeof pattern !== "object" || pattern === null) return false;
    if (typeof event !== "object" || event === null) return false;
    return Object.entries(pattern).every(([k, v]) => matches(v, (event as Record<string, unknown>)[k]));
}

const alarmEvent = (alarmName: string, from: string, to: string) => ({
    source: "aws.cloudwatch",
    "detail-type": "CloudWatch Alarm State Change",
    detail: { alarmName, previousState: { value: from }, state: { value: to } },
});

type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** Every temp directory the tests make, removed when the file's tests are done. */
const worlds: string[] = [];
const newWorld = (prefix: string): string => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    worlds.push(dir);
    return dir;
};
after(() => worlds.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A simulated account: alarm states, instances (node, state) and each node's role, kept as files the stand-in reads. */
class Account {
    readonly world = newWorld("autofailover-");
    constructor(
        readonly alarms: Record<string, AlarmState>,
        readonly instances: Record<string, { node: string; state: "running" | "stopping" | "stopped"; role: "primary" | "replica" }>,
    ) {
        writeFileSync(join(this.world, "calls.log"), "");
        for (const i of Object.values(instances)) this.write(i);
    }
    write(i: { node: string; state: string; role: string }): void {
        writeFileSync(join(this.world, `${i.node}.state`), i.state);
        writeFileSync(join(this.world, `${i.node}.role`), `${i.role}\n`);
    }
    calls(): string[] {
        return readFileSync(join(this.world, "calls.log"), "utf8").split("\n").filter(Boolean);
    }
    role(node: string): string {
        return readFileSync(join(this.world, `${node}.role`), "utf8").trim();
    }
}

const ALLOWED_INPUTS: Record<string, { required: readonly string[]; optional: readonly string[] }> = {
    "aws:assertAwsResourceProperty": { required: ["Service", "Api", "PropertySelector", "DesiredValues"], optional: ["AlarmNames"] },
    "aws:changeInstanceState": { required: ["InstanceIds", "DesiredState"], optional: ["Force", "CheckStateOnly", "AdditionalInfo"] },
    "aws:waitForAwsResourceProperty": { required: ["Service", "Api", "PropertySelector", "DesiredValues"], optional: ["InstanceIds"] },
    "aws:runCommand": { required: ["DocumentName", "InstanceIds"], optional: ["Parameters", "TimeoutSeconds", "Comment"] },
};

/**
 * Runs an Automation runbook's mainSteps in order, as SSM Automation does with its default
 * `onFailure: Abort`: the first step that fails ends the run. Parameters are substituted first.
 */
function execute(
    doc: AutomationDocument,
    params: Record<string, string>,
    account: Account,
    promoteCommand: string,
): { status: "Success" | "Failed"; failedStep?: string } {
    assert.deepEqual(Object.keys(params).sort(), Object.keys(doc.parameters).sort(), "every runbook parameter is given, and nothing else");
    const text = JSON.stringify(doc.mainSteps).replace(/\{\{ (\w+) \}\}/g, (_, p: string) => {
        assert.ok(p in params, `unknown parameter ${p}`);
        return params[p];
    });
    for (const step of JSON.parse(text) as AutomationDocument["mainSteps"]) {
        const inputs = step.inputs as Record<string, unknown>;
        const allowed = ALLOWED_INPUTS[step.action];
        for (const k of allowed.required) assert.ok(k in inputs, `${step.name}: ${step.action} needs ${k}`);
        for (const k of Object.keys(inputs)) assert.ok([...allowed.required, ...allowed.optional].includes(k), `${step.name}: ${k}`);
        if (step.action === "aws:assertAwsResourceProperty") {
            assert.equal(inputs.Service, "cloudwatch");
            assert.equal(inputs.Api, "DescribeAlarms");
            assert.equal(inputs.PropertySelector, "$.MetricAlarms[0].StateValue");
            const state = account.alarms[(inputs.AlarmNames as string[])[0]];
            if (!(inputs.DesiredValues as string[]).includes(state)) return { status: "Failed", failedStep: step.name };
        } else if (step.action === "aws:changeInstanceState") {
            assert.equal(inputs.DesiredState, "stopped");
            for (const id of inputs.InstanceIds as string[]) {
                const i = account.instances[id];
                assert.ok(i, `unknown instance ${id}`);
                // StopInstances returns at once with the instance `stopping`; it runs until it is `stopped`.
                i.state = "stopping";
                account.write(i);
                writeFileSync(join(account.world, "calls.log"), `stop ${i.node}\n`, { flag: "a" });
            }
        } else if (step.action === "aws:waitForAwsResourceProperty") {
            assert.equal(inputs.Service, "ec2");
            assert.equal(inputs.Api, "DescribeInstances");
            assert.equal(inputs.PropertySelector, "$.Reservations[0].Instances[0].State.Name");
            for (const id of inputs.InstanceIds as string[]) {
                const i = account.instances[id];
                // Time passes while the step polls: a stopping instance stops; a running one never does.
                if (i.state === "stopping") i.state = "stopped";
                account.write(i);
                if (!(inputs.DesiredValues as string[]).includes(i.state)) return { status: "Failed", failedStep: step.name };
            }
        } else {
            assert.equal(inputs.DocumentName, "AWS-RunShellScript");
            for (const id of inputs.InstanceIds as string[]) {
                const i = account.instances[id];
                assert.ok(i && i.state === "running", `runCommand on ${id}: SSM reaches only a running instance`);
                const commands = (inputs.Parameters as { commands: string[] }).commands;
                // The hook lives at the profile's path on a node; here the stand-in takes its place.
                const script = commands.map((c) => c.split(promoteCommand).join(join(STANDIN, "promote"))).join("\n");
                const r = spawnSync("bash", ["-c", script], {
                    stdio: NO_STDIN,
                    env: { ...process.env, WORLD: account.world, NODE: i.node },
                    encoding: "utf8",
                });
                if (r.status !== 0) return { status: "Failed", failedStep: step.name };
            }
        }
    }
    return { status: "Success" };
}

describe("automatic failover behind a load balancer", function () {
    const p = plan(behindLb());
    const auto = p.autoFailover!;
    const alarmOf = (node: string) => auto.alarms.find((a) => a.subject.kind === "heartbeat" && a.subject.node === node)!;
    const params = (_account: Account) => ({
        AutomationAssumeRole: "arn:aws:iam::123456789012:role/runbook",
        PrimaryInstanceId: "i-primary",
        PrimaryAlarm: alarmOf(auto.primary).name,
        SecondaryInstanceId: "i-secondary",
        SecondaryAlarm: alarmOf(auto.secondary).name,
    });
    const account = (primaryAlarm: AlarmState, secondaryAlarm: AlarmState) =>
        new Account(
            { [alarmOf("node-1").name]: primaryAlarm, [alarmOf("node-2").name]: secondaryAlarm },
            {
                "i-primary": { node: "node-1", state: "running", role: "primary" },
                "i-secondary": { node: "node-2", state: "running", role: "replica" },
            },
        );

    describe("the plan", () => {
        it("keeps DNS on the load balancer and adds no Route 53 failover records", () => {
            assert.deepEqual(
                p.dns.map((r) => [r.key, r.target.kind, r.failover]),
                [["service", "loadBalancer", undefined]],
            );
            assert.ok(
                p.healthChecks.every((h) => h.key === "primary"),
                "no SECONDARY check: DNS never moves",
            );
            assert.equal(auto.primary, "node-1");
            assert.equal(auto.secondary, "node-2");
            assert.equal(auto.promoteCommand, "/etc/ha-service/hooks/promote");
        });

        it("watches every node's heartbeat with a 10 s high-resolution alarm, silence counting as down", () => {
            assert.deepEqual(
                auto.alarms
                    .filter((a) => a.subject.kind === "heartbeat")
                    .map((a) => [a.key, a.namespace, a.period, a.evaluationPeriods, a.treatMissingData, a.comparison, a.threshold]),
                p.nodes.map((n) => [`${n.key}-heartbeat`, "HaService/Heartbeat", 10, 2, "breaching", "LessThanThreshold", 1]),
            );
        });

        it("pages when EventBridge could not start the runbook: the rule's FailedInvocations, sent only when not zero", () => {
            const [notStarted, ...others] = auto.alarms.filter((a) => a.subject.kind !== "heartbeat");
            assert.equal(others.length, 0);
            assert.deepEqual(notStarted.subject, { kind: "rule", rule: auto.ruleName });
            assert.deepEqual(
                [notStarted.namespace, notStarted.metricName, notStarted.statistic, notStarted.comparison, notStarted.threshold],
                ["AWS/Events", "FailedInvocations", "Sum", "GreaterThanThreshold", 0],
            );
            // EventBridge User Guide: "EventBridge only sends this metric to CloudWatch if it isn't zero".
            assert.equal(notStarted.treatMissingData, "notBreaching");
            assert.equal(notStarted.period, 60);
            assert.match(notStarted.description, /could not start the failover runbook .*Promote by hand/);
        });

        it("uses periods and resolutions CloudWatch accepts (AWS's CloudWatch API model)", function () {
            if (!existsSync(MODELS)) this.skip();
            const period = shape("monitoring", "PutMetricAlarmInput") as unknown as { members: Record<string, { documentation?: string }> };
            assert.match(period.members.Period.documentation ?? "", /Valid values are 10, (20, )?30, and any multiple of 60/);
            for (const a of auto.alarms) assert.ok([10, 30].includes(a.period) || a.period % 60 === 0, `${a.key}: ${a.period}`);
            const statistics = (shape("monitoring", "Statistic") as unknown as { enum: string[] }).enum;
            for (const a of auto.alarms)
                assert.ok(statistics.includes(a.statistic), `${a.key}: ${a.statistic} not in ${statistics.join(", ")}`);
            const datum = shape("monitoring", "MetricDatum") as unknown as { members: Record<string, { documentation?: string }> };
            assert.match(datum.members.StorageResolution.documentation ?? "", /Valid values are 1 and 60/);
        });

        it("detects the primary's loss in 30 s at worst (a beat just before it, then 2 empty 10 s periods) and moves clients 2 x 5 s after the promotion", () => {
            const lost = p.failoverAnalysis.scenarios.find((s) => s.key === "node:node-1")!;
            assert.equal(p.failoverAnalysis.mechanism, "automatic");
            assert.equal(p.failoverAnalysis.automaticBy, "runbook");
            assert.equal(plan(haConfig({ failover: "automatic" })).failoverAnalysis.automaticBy, "dns");
            assert.match(
                failoverLines(p.failoverAnalysis).join("\n"),
                /automatic failover behind the load balancer \(the primary's heartbeat alarm starts a runbook/,
            );
            assert.equal(lost.failover, "automatic");
            assert.equal(lost.operator, false);
            assert.equal(lost.detectSeconds, 30);
            assert.equal(lost.followSeconds, 10);
            assert.equal(lost.clientsMoveSeconds, 40);
            assert.match(lost.clientsMoveBy, /stops \(fences\) node-1 .* then runs `\/etc\/ha-service\/hooks\/promote` on node-2/);
            assert.match(lost.detectedBy, /2 x 10 s periods without a heartbeat: 20 to 30 s after the failure/);
            assert.match(lost.clientsMoveBy, /A lower bound/);
            assert.match(lost.notes.join(" "), /run the promote-node-2 runbook so config matches before node-1 is started again/);
        });

        it("says a lost NAT zone leaves only a manual promotion (the secondary's heartbeat and SSM need the NAT gateway)", () => {
            const nat = p.failoverAnalysis.scenarios.find((s) => s.key === "zone:us-east-1a")!;
            assert.equal(nat.failover, "manual");
            assert.match(nat.notes.join(" "), /reaches neither CloudWatch nor SSM without the NAT gateway/);
            const other = plan(behindLb({ primary: "node-2" })).failoverAnalysis.scenarios.find((s) => s.key === "zone:us-east-1b")!;
            assert.equal(other.failover, "automatic", "the primary's zone without the NAT gateway fails over by itself");
        });

        it("re-points only the runbook's targets when `primary` changes", () => {
            const promoted = plan(behindLb({ primary: "node-2" })).autoFailover!;
            assert.deepEqual([promoted.primary, promoted.secondary], ["node-2", "node-1"]);
            assert.deepEqual(promoted.alarms, auto.alarms, "alarms are per node: a promotion changes none");
            assert.deepEqual(promoted.document, auto.document);
        });
    });

    describe("the rule", () => {
        const pattern = failoverEventPattern(alarmOf("node-1").name);
        it("starts the runbook when the primary's heartbeat alarm goes from OK to ALARM", () => {
            assert.ok(matches(pattern, alarmEvent(alarmOf("node-1").name, "OK", "ALARM")));
        });
        it("ignores a first boot (INSUFFICIENT_DATA -> ALARM), a recovery, and the other nodes' alarms", () => {
            assert.ok(!matches(pattern, alarmEvent(alarmOf("node-1").name, "INSUFFICIENT_DATA", "ALARM")));
            assert.ok(!matches(pattern, alarmEvent(alarmOf("node-1").name, "ALARM", "OK")));
            assert.ok(!matches(pattern, alarmEvent(alarmOf("node-2").name, "OK", "ALARM")));
        });
    });

    describe("the roles", () => {
        const ctx = { partition: "aws", region: "us-east-1", accountId: "123456789012" };
        type Statement = { Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string>> };
        const statements = (policy: Record<string, unknown>) => policy.Statement as Statement[];
        const allows = (policy: Record<string, unknown>, action: string) =>
            statements(policy).filter((st) => ([] as string[]).concat(st.Action).includes(action));
        /** The API calls each of the runbook's actions makes (SSM Automation actions reference). */
        const CALLS: Record<string, readonly string[]> = {
            "aws:assertAwsResourceProperty": [],
            "aws:waitForAwsResourceProperty": [],
            "aws:changeInstanceState": ["ec2:StopInstances", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus"],
            "aws:runCommand": ["ssm:SendCommand", "ssm:ListCommands", "ssm:ListCommandInvocations", "ssm:GetCommandInvocation"],
        };

        it("let the runbook make every call its steps make, and stop or command only this stack's instances", () => {
            const policy = failoverRunbookPolicy(ctx, p.tags);
            for (const step of auto.document.mainSteps) {
                const inputs = step.inputs as { Service?: string; Api?: string };
                const calls = [...CALLS[step.action], ...(inputs.Service ? [`${inputs.Service}:${inputs.Api}`] : [])];
                for (const call of calls) assert.ok(allows(policy, call).length > 0, `${step.name}: ${call} is not allowed`);
            }
            const [stop] = allows(policy, "ec2:StopInstances");
            assert.deepEqual(stop.Condition, {
                StringEquals: {
                    "aws:ResourceTag/Project": "ha-service",
                    "aws:ResourceTag/Stack": "test",
                    "aws:ResourceTag/Service": "svc",
                },
            });
            const onInstances = allows(policy, "ssm:SendCommand").find((st) => String(st.Resource).includes(":instance/"))!;
            assert.deepEqual(Object.keys(onInstances.Condition!.StringEquals), [
                "ssm:resourceTag/Project",
                "ssm:resourceTag/Stack",
                "ssm:resourceTag/Service",
            ]);
        });

        it("let EventBridge start this runbook only, handing it the runbook's role only", () => {
            const policy = failoverEventsPolicy(ctx, "svc-failover-runbook-1a2b", "arn:aws:iam::123456789012:role/runbook");
            assert.deepEqual(allows(policy, "ssm:StartAutomationExecution")[0].Resource, [
                "arn:aws:ssm:us-east-1:123456789012:automation-definition/svc-failover-runbook-1a2b",
                "arn:aws:ssm:us-east-1:123456789012:automation-definition/svc-failover-runbook-1a2b:*",
            ]);
            const [pass] = allows(policy, "iam:PassRole");
            assert.equal(pass.Resource, "arn:aws:iam::123456789012:role/runbook");
            assert.deepEqual(pass.Condition, { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } });
        });
    });

    describe("the promotion runbook an operator follows", () => {
        it("disables the failover rule before the promotion and enables it after the stopped node is back", () => {
            const steps = p.runbooks.find((r) => r.key === "promote-node-2")!.steps;
            const at = (re: RegExp) => steps.findIndex((x) => re.test(x));
            const disable = at(/aws events disable-rule --name ha-service-test-svc-failover/);
            const up = at(/^Apply: `pulumi up`/);
            const start = at(/start it now/);
            const enable = at(/aws events enable-rule --name ha-service-test-svc-failover/);
            assert.ok(disable >= 0 && disable < up && up < start && start < enable, steps.join("\n"));
        });
    });

    describe("the runbook, executed against a simulated account", () => {
        it("fences the silent primary, then promotes the secondary", () => {
            const a = account("ALARM", "OK");
            assert.deepEqual(execute(auto.document, params(a), a, auto.promoteCommand), { status: "Success" });
            assert.deepEqual(a.calls(), ["stop node-1", "promote node-2"]);
            assert.equal(a.instances["i-primary"].state, "stopped");
            assert.equal(a.role("node-2"), "primary");
        });

        it("does nothing when the secondary is silent too (the network path to CloudWatch, not two nodes)", () => {
            const a = account("ALARM", "ALARM");
            assert.deepEqual(execute(auto.document, params(a), a, auto.promoteCommand), { status: "Failed", failedStep: "secondaryAlive" });
            assert.deepEqual(a.calls(), []);
            assert.equal(a.instances["i-primary"].state, "running");
        });

        it("does nothing when the primary's heartbeat came back before the runbook ran", () => {
            const a = account("OK", "OK");
            assert.deepEqual(execute(auto.document, params(a), a, auto.promoteCommand), {
                status: "Failed",
                failedStep: "primaryStillSilent",
            });
            assert.deepEqual(a.calls(), []);
        });

        it("the stand-in hook catches a runbook that promotes before the primary is stopped (so the order is what keeps it safe)", () => {
            const good = failoverRunbook(auto.promoteCommand);
            const [silent, alive, fence, stopped, promote] = good.mainSteps;
            assert.deepEqual(
                good.mainSteps.map((s) => s.name),
                ["primaryStillSilent", "secondaryAlive", "fencePrimary", "primaryStopped", "promoteSecondary"],
            );
            for (const steps of [
                [silent, alive, promote, fence, stopped],
                // Without the wait the primary is only `stopping` when the promotion starts.
                [silent, alive, fence, promote],
            ]) {
                const a = account("ALARM", "OK");
                assert.deepEqual(execute({ ...good, mainSteps: steps }, params(a), a, auto.promoteCommand), {
                    status: "Failed",
                    failedStep: "promoteSecondary",
                });
                assert.ok(a.calls().includes("promote node-2 refused"), a.calls().join(", "));
                assert.equal(a.role("node-2"), "replica");
            }
        });
    });

    describe("the heartbeat loop on a node, against stand-in curl and aws", () => {
        const hc = p.loadBalancer!.targetGroups[0].healthCheck;
        const sent = [`us-east-1 HaService/Heartbeat Heartbeat Service=${auto.heartbeat.service},Node=node-2 1 1`];
        /** One `--once` run; the flag and the lock live in the run's own directory instead of /etc and /run. */
        const beat = (health: string, setup: (world: string, paths: { flag: string; lock: string }) => void = () => {}) => {
            const world = newWorld("heartbeat-");
            const paths = { flag: join(world, "maintenance"), lock: join(world, "apply.lock") };
            writeFileSync(join(world, "health"), health);
            writeFileSync(join(world, "calls.log"), "");
            writeFileSync(join(world, "metrics.log"), "");
            setup(world, paths);
            const script = join(world, "ha-service-heartbeat");
            const text = heartbeatScript(auto, "node-2", hc).split(MAINTENANCE_FLAG).join(paths.flag).split(APPLY_LOCK).join(paths.lock);
            writeFileSync(script, text);
            const r = spawnSync("bash", [script, "--once"], {
                stdio: NO_STDIN,
                env: { ...process.env, WORLD: world, PATH: `${STANDIN}:${process.env.PATH}` },
                encoding: "utf8",
                timeout: 20_000,
            });
            const metrics = readFileSync(join(world, "metrics.log"), "utf8").split("\n").filter(Boolean);
            const probed = readFileSync(join(world, "calls.log"), "utf8")
                .split("\n")
                .filter((l) => l.includes(":80/"));
            return { status: r.status, metrics, probed, stderr: r.stderr };
        };

        it("probes the health check where the load balancer does (the node's private address, from IMDSv2)", () => {
            assert.deepEqual(beat("200").probed, ["curl http://10.40.1.10:80/health"]);
        });

        it("sends one high-resolution data point while the service answers as a live node: 200, a replica's 503, a 4xx", () => {
            for (const code of ["200", "503", "404"]) {
                const r = beat(code);
                assert.deepEqual([r.status, r.metrics], [0, sent], code);
            }
        });

        it("sends nothing, and --once says so, when nothing answers or a proxy reports a dead application (500, 502, 504)", () => {
            for (const code of ["000", "500", "502", "504"]) {
                const r = beat(code);
                assert.deepEqual([r.status, r.metrics], [1, []], code);
            }
        });

        it("reports a failed send (exit 2) instead of a beat", () => {
            const r = beat("200", (w) => writeFileSync(join(w, "aws-fails"), ""));
            assert.deepEqual([r.status, r.metrics], [2, []]);
            assert.match(r.stderr, /heartbeat not sent/);
        });

        it("keeps beating through planned work: a fresh maintenance flag, or an apply run holding its lock", () => {
            assert.deepEqual(beat("000", (_, { flag }) => writeFileSync(flag, "")).metrics, sent);
            const stale = beat("000", (_, { flag }) => {
                writeFileSync(flag, "");
                const old = new Date(Date.now() - (MAINTENANCE_GRACE_MINUTES + 1) * 60_000);
                utimesSync(flag, old, old);
            });
            assert.deepEqual(stale.metrics, [], "a forgotten flag stops holding after its grace time");
            const locked = beat("000", (_, { lock }) => {
                writeFileSync(lock, "");
                // Holds the lock as the apply script does (flock on the same file) while the beat runs.
                spawn("flock", [lock, "sleep", "5"], { detached: true, stdio: "ignore" }).unref();
                spawnSync("sleep", ["0.3"]);
            });
            assert.deepEqual(locked.metrics, sent);
            assert.deepEqual(beat("000", (_, { lock }) => writeFileSync(lock, "")).metrics, [], "an unheld lock file is no apply run");
        });

        it("is installed on every node after all of the profile's steps (so turning it on re-runs none of them)", () => {
            for (const d of p.replication.documents) {
                assert.deepEqual(
                    d.after?.files.map((f) => [f.path, f.mode]),
                    [
                        [HEARTBEAT_SCRIPT_PATH, "0755"],
                        ["/etc/systemd/system/ha-service-heartbeat.service", "0644"],
                    ],
                );
                assert.equal(d.after?.files[0].content, heartbeatScript(auto, d.node, hc));
                assert.deepEqual(d.after?.commands, [
                    "systemctl daemon-reload",
                    "systemctl enable ha-service-heartbeat.service",
                    "systemctl restart ha-service-heartbeat.service",
                ]);
            }
            // A profile with a file and a command: its steps come first and do not change when the heartbeat is added.
            const profileConfig = { files: [{ path: "/etc/svc.conf", mode: "0644", content: "x\n" }], commands: ["svc join"] };
            const ctx = { node: "node-1", stateDir: "/etc/ha-service" };
            const tail = "keep ${#cur[@]}";
            const before = renderNodeScript(profileConfig, ctx).split(tail)[0];
            const withHeartbeat = renderNodeScript(profileConfig, { ...ctx, after: p.replication.documents[0].after! });
            assert.ok(withHeartbeat.startsWith(before), "the profile's steps are a prefix of the new step list");
            assert.ok(withHeartbeat.indexOf("svc join") < withHeartbeat.indexOf(HEARTBEAT_SCRIPT_PATH));
            const manual = plan(haConfig({ loadBalancer: { kind: "nlb" } }));
            assert.equal(manual.replication.documents[0].after, undefined, "no heartbeat without automatic failover");
        });
    });

    describe("the program", function () {
        this.timeout(120_000);
        let plan1: TopologyPlan;
        before(() => (plan1 = p));

        it("registers the alarms, the runbook and the rule, wired to the runbook's parameters", async () => {
            const r = await run(behindLb());
            const of = (type: string) => r.resources.filter((x) => x.type === type);
            const alarms = of("aws:cloudwatch/metricAlarm:MetricAlarm").filter((x) => x.name.startsWith("svc-failover-"));
            assert.deepEqual(
                Object.fromEntries(alarms.map((x) => [x.name, [x.inputs.period, x.inputs.namespace, x.inputs.dimensions]])),
                Object.fromEntries([
                    ...plan1.nodes.map((n) => [
                        `svc-failover-${n.key}-heartbeat`,
                        [10, "HaService/Heartbeat", { Service: auto.heartbeat.service, Node: n.key }],
                    ]),
                    ["svc-failover-failover-not-started", [60, "AWS/Events", { RuleName: auto.ruleName }]],
                ]),
            );
            const topic = of("aws:sns/topic:Topic")[0];
            assert.ok(topic, "monitoring's topic");
            for (const a of alarms) assert.deepEqual(a.inputs.alarmActions, [topic.state!.arn], a.name);
            const [doc] = of("aws:ssm/document:Document").filter((x) => x.name === "svc-failover-runbook");
            assert.equal(doc.inputs.documentType, "Automation");
            const content = JSON.parse(doc.inputs.content as string) as AutomationDocument;
            const [target] = of("aws:cloudwatch/eventTarget:EventTarget");
            const input = JSON.parse(target.inputs.input as string) as Record<string, string[]>;
            assert.deepEqual(Object.keys(input).sort(), Object.keys(content.parameters).sort());
            assert.match(
                target.inputs.arn as string,
                /^arn:aws:ssm:us-east-1:\d{12}:automation-definition\/svc-failover-runbook(-[a-z0-9]+)?$/,
            );
            assert.deepEqual(input.PrimaryAlarm, [alarmOf("node-1").name]);
            const [rule] = of("aws:cloudwatch/eventRule:EventRule");
            assert.deepEqual(JSON.parse(rule.inputs.eventPattern as string), failoverEventPattern(alarmOf("node-1").name));
            const nodePolicy = of("aws:iam/rolePolicy:RolePolicy").find((x) => x.name === "svc-parameters")!;
            const statements = (JSON.parse(nodePolicy.inputs.policy as string) as { Statement: { Sid: string; Condition?: unknown }[] })
                .Statement;
            assert.deepEqual(statements.find((s) => s.Sid === "PutHeartbeat")?.Condition, {
                StringEquals: { "cloudwatch:namespace": "HaService/Heartbeat" },
            });
        });

        it("prices the heartbeats per node: a custom metric, a PutMetricData call every 10 s and a high-resolution alarm", async () => {
            const r = await run(behindLb());
            const heartbeats = r.resources.filter(
                (x) =>
                    x.type === "aws:cloudwatch/metricAlarm:MetricAlarm" &&
                    x.name.startsWith("svc-failover-") &&
                    x.name.endsWith("-heartbeat"),
            );
            const c = estimateCost(heartbeats, "us-east-1");
            const line = (item: RegExp) => c.lines.find((l) => item.test(l.item))!;
            // 730 h x 3600 s / 10 s = 262,800 calls per node and month, at $0.01 per 1,000.
            assert.equal(line(/^PutMetricData requests/).quantity, 2 * 262.8);
            assert.equal(line(/^CloudWatch custom metrics/).quantity, 2);
            assert.equal(line(/^CloudWatch high-resolution alarms/).quantity, 2);
            // Per node: 2.628 + 0.30 + 0.30 = $3.228 a month.
            assert.equal(Math.round(c.monthlyUsd * 1000), 2 * 3228);
            // And once per stack, the standard alarm on the rule's failed starts: $0.10 a month.
            const notStarted = r.resources.filter((x) => x.name === "svc-failover-failover-not-started");
            assert.equal(estimateCost(notStarted, "us-east-1").monthlyUsd, 0.1);
        });

        it("refuses a profile that allows no automatic failover, before registering anything", async () => {
            const ghes = await runFailing(behindLb({ profile: "ghes" }));
            assert.match(ghes.error!.message, /ha-service:failover: profile "ghes" refuses automatic failover/);
            assert.deepEqual(
                ghes.resources.filter((x) => x.custom),
                [],
            );
        });

        it("refuses it with monitoring off: it stops the primary by itself and nobody would be told", () => {
            const s = spec(behindLb());
            const { problems } = crossCheck(ConfigSchema.parse(behindLb()), { ...s, monitoring: { ...s.monitoring, enabled: false } });
            assert.match(
                problems.find((x) => x.path === "failover")?.message ?? "",
                /with `monitoring.enabled: false` nobody would be told/,
            );
        });

        it("refuses a profile without a promote command, naming the key and both ways out", () => {
            const raw = ConfigSchema.parse(behindLb());
            const s = spec(behindLb());
            const noHook = { ...s.profile, failover: { automaticAllowed: true as const } };
            const { problems } = crossCheck(raw, { ...s, profile: noHook });
            assert.deepEqual(
                problems.filter((x) => x.path === "failover").map((x) => x.message),
                [
                    'profile "generic" has no promote command, so automatic failover behind the load balancer cannot promote a replica; set `dns.target: primary` (DNS failover) or keep `manual`',
                ],
            );
        });
    });
});
