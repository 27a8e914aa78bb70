/**
 * HA automatic failover behind a load balancer: a per-node high-resolution heartbeat, an alarm per
 * node, and an SSM Automation runbook that an EventBridge rule starts when the primary's heartbeat
 * alarm goes from OK to ALARM. Pure: the plan only; components/aws/autofailover.ts builds it.
 *
 * Why not Route 53: its health checks can follow standard-resolution alarms only (Route 53 API,
 * AlarmIdentifier.Name: "High-resolution metrics aren't supported") and its checkers cannot reach the
 * nodes' private addresses, so DNS failover detects no faster than 60 s status checks allow. Behind a
 * load balancer every HA node is registered and only the node that takes writes passes the health
 * check, so nothing in DNS or in the target groups has to change: the replica has to be promoted.
 *
 * The runbook keeps the promotion safe, in this order:
 * 1. the primary's heartbeat alarm must still be in ALARM (an event that is no longer true does nothing);
 * 2. the secondary's own heartbeat alarm must be OK: when both nodes went silent together the cause
 *    is more likely the network path to CloudWatch (the NAT gateway, CloudWatch itself) than two dead
 *    nodes, and fencing the primary would then take the service down;
 * 3. the primary is stopped (forced), and the next step waits until EC2 reports it `stopped` (at most
 *    FENCE_TIMEOUT): from then on it cannot answer the load balancer's health check nor take a write
 *    (fencing);
 * 4. only then the secondary runs the profile's promote command; once it passes the health check the
 *    load balancer sends it traffic after healthy threshold x interval.
 * A step that fails stops the runbook (SSM Automation's default `onFailure: Abort`), so a refused
 * assertion or a stop that does not complete never reaches the promotion.
 */
import type { StackSpec } from "../config";
import type { ConfigProblem } from "../config/spec";
import { uniquePrefix } from "../common/naming";
import { autoFailoverBehindLb, failoverSecondary } from "./healthchecks";
import type { AlarmPlan, AutoFailoverPlan, AutomationDocument } from "./types";

/** Each node publishes its heartbeat this often (s); the alarm evaluates periods of the same length. */
export const HEARTBEAT_PERIOD = 10;
/**
 * Periods without a heartbeat before a node counts as down. The loop keeps a fixed 10 s cadence and
 * bounds each call (plan/heartbeat.ts), so jitter empties at most one period; two in a row mean the
 * node or its service is gone. A failure just after a beat leaves that period full: the alarm fires
 * (missed + 1) x period after it at worst, 30 s (heartbeatDetectSeconds).
 */
export const HEARTBEAT_MISSED_PERIODS = 2;

/** Worst-case detection: the period that still held the last beat, then `missed` empty ones. */
export function heartbeatDetectSeconds(h: { readonly periodSeconds: number; readonly missedPeriods: number }): number {
    return h.periodSeconds * (h.missedPeriods + 1);
}
/**
 * How long the runbook waits for the fenced primary to be `stopped` before it gives up (and promotes
 * nothing). AWS publishes no stop duration; its troubleshooting guide asks for help "If, after 10
 * minutes, the instance has not stopped" (EC2 User Guide, troubleshooting stopping your instance).
 */
export const FENCE_TIMEOUT = 600;
/** CloudWatch namespace of the heartbeat metric (custom metrics may not start with `AWS/`). */
export const HEARTBEAT_NAMESPACE = "HaService/Heartbeat";
export const HEARTBEAT_METRIC = "Heartbeat";
/** Where the node keeps its heartbeat loop. */
export const HEARTBEAT_SCRIPT_PATH = "/usr/local/sbin/ha-service-heartbeat";
export const HEARTBEAT_UNIT = "ha-service-heartbeat.service";

/** A node's heartbeat alarm: no heartbeat for HEARTBEAT_MISSED_PERIODS periods of HEARTBEAT_PERIOD s. */
function heartbeatAlarm(service: string, prefix: string, node: string): AlarmPlan {
    return {
        key: `${node}-heartbeat`,
        name: `${prefix}-${node}-heartbeat`,
        description: `Node ${node} sent no heartbeat for ${HEARTBEAT_MISSED_PERIODS} x ${HEARTBEAT_PERIOD} s: its service does not answer its health endpoint, or the node is down. On the primary this starts the failover runbook.`,
        subject: { kind: "heartbeat", service, node },
        namespace: HEARTBEAT_NAMESPACE,
        metricName: HEARTBEAT_METRIC,
        statistic: "Maximum",
        comparison: "LessThanThreshold",
        threshold: 1,
        period: HEARTBEAT_PERIOD,
        evaluationPeriods: HEARTBEAT_MISSED_PERIODS,
        // No heartbeat is the failure this alarm exists for.
        treatMissingData: "breaching",
        recover: false,
    };
}

/**
 * The alarm that pages when EventBridge could not start the failover runbook: its target's
 * invocations that failed permanently (after the retry policy's attempts, or once the event is 5
 * minutes old), AWS/Events FailedInvocations by RuleName (EventBridge User Guide, "Monitoring Amazon
 * EventBridge"). EventBridge sends the metric only when it is not zero, so no data is OK. A runbook
 * that started and then stopped at one of its steps is not counted here: its execution says so.
 */
function failedStartAlarm(prefix: string, ruleName: string): AlarmPlan {
    return {
        key: "failover-not-started",
        name: `${prefix}-failover-not-started`,
        description: `EventBridge could not start the failover runbook (rule ${ruleName}): the primary's heartbeat alarm fired, and no failover runs. Promote by hand (runbook promote-<node>).`,
        subject: { kind: "rule", rule: ruleName },
        namespace: "AWS/Events",
        metricName: "FailedInvocations",
        statistic: "Sum",
        comparison: "GreaterThanThreshold",
        threshold: 0,
        period: 60,
        evaluationPeriods: 1,
        treatMissingData: "notBreaching",
        recover: false,
    };
}

/** The SSM Automation runbook (schemaVersion 0.3); its order is the safety argument above. */
export function failoverRunbook(promoteCommand: string): AutomationDocument {
    const alarmState = (name: string, parameter: string, desired: string) => ({
        name,
        action: "aws:assertAwsResourceProperty" as const,
        inputs: {
            Service: "cloudwatch",
            Api: "DescribeAlarms",
            AlarmNames: [`{{ ${parameter} }}`],
            PropertySelector: "$.MetricAlarms[0].StateValue",
            DesiredValues: [desired],
        },
    });
    return {
        schemaVersion: "0.3",
        description:
            "Fails the service over from its primary to the secondary: checks that the primary is still silent and the secondary alive, stops (fences) the primary, then promotes the secondary.",
        assumeRole: "{{ AutomationAssumeRole }}",
        parameters: {
            AutomationAssumeRole: { type: "String", description: "The role the runbook acts with." },
            PrimaryInstanceId: { type: "String", description: "The primary's instance." },
            PrimaryAlarm: { type: "String", description: "The primary's heartbeat alarm." },
            SecondaryInstanceId: { type: "String", description: "The replica to promote." },
            SecondaryAlarm: { type: "String", description: "The secondary's heartbeat alarm." },
        },
        mainSteps: [
            alarmState("primaryStillSilent", "PrimaryAlarm", "ALARM"),
            alarmState("secondaryAlive", "SecondaryAlarm", "OK"),
            {
                name: "fencePrimary",
                action: "aws:changeInstanceState",
                inputs: { InstanceIds: ["{{ PrimaryInstanceId }}"], DesiredState: "stopped", Force: true },
            },
            {
                // SSM documents the wait of aws:changeInstanceState for `running` only: wait for
                // `stopped` explicitly, so the promotion can never start while the primary still runs.
                name: "primaryStopped",
                action: "aws:waitForAwsResourceProperty",
                timeoutSeconds: FENCE_TIMEOUT,
                inputs: {
                    Service: "ec2",
                    Api: "DescribeInstances",
                    InstanceIds: ["{{ PrimaryInstanceId }}"],
                    PropertySelector: "$.Reservations[0].Instances[0].State.Name",
                    DesiredValues: ["stopped"],
                },
            },
            {
                name: "promoteSecondary",
                action: "aws:runCommand",
                inputs: {
                    DocumentName: "AWS-RunShellScript",
                    InstanceIds: ["{{ SecondaryInstanceId }}"],
                    Parameters: { commands: [promoteCommand] },
                },
            },
        ],
    };
}

/** EventBridge rule names: at most 64 characters of [.-_A-Za-z0-9] (EventBridge PutRule). */
export const RULE_NAME_MAX = 64;

/** The rule's name, fixed so runbooks and operators can name it (disable it before stopping the primary's service on purpose). */
export function failoverRuleName(prefix: string): string {
    return `${prefix}-failover`;
}

/** A rule name longer than EventBridge allows would pass every offline check and fail on `pulumi up`. */
export function autoFailoverNameProblems(spec: StackSpec, plan: AutoFailoverPlan | undefined): ConfigProblem[] {
    if (!plan || plan.ruleName.length <= RULE_NAME_MAX) return [];
    return [
        {
            path: "name",
            message: `the failover rule's name ${plan.ruleName} has ${plan.ruleName.length} characters, more than the ${RULE_NAME_MAX} EventBridge allows; use a shorter service name (\`name\`) or stack name`,
            value: spec.name,
        },
    ];
}

/** Undefined unless the stack fails over by itself behind its load balancer. */
export function planAutoFailover(spec: StackSpec): AutoFailoverPlan | undefined {
    if (!autoFailoverBehindLb(spec) || spec.primary === undefined) return undefined;
    const profileFailover = spec.profile.failover;
    if (!profileFailover.automaticAllowed || profileFailover.promoteCommand === undefined) return undefined;
    const secondary = failoverSecondary(spec);
    if (secondary === undefined) throw new Error("automatic failover needs a second node (config validation guarantees one)");
    const prefix = uniquePrefix(spec.project, spec.stack, spec.name);
    const service = prefix;
    return {
        heartbeat: {
            namespace: HEARTBEAT_NAMESPACE,
            metricName: HEARTBEAT_METRIC,
            service,
            periodSeconds: HEARTBEAT_PERIOD,
            missedPeriods: HEARTBEAT_MISSED_PERIODS,
        },
        alarms: [...spec.nodes.map((n) => heartbeatAlarm(service, prefix, n.key)), failedStartAlarm(prefix, failoverRuleName(prefix))],
        primary: spec.primary,
        secondary,
        notify: spec.monitoring.enabled,
        document: failoverRunbook(profileFailover.promoteCommand),
        ruleName: failoverRuleName(prefix),
        promoteCommand: profileFailover.promoteCommand,
    };
}

/** The heartbeat alarm's name of one node of the plan. */
export function heartbeatAlarmName(plan: AutoFailoverPlan, node: string): string {
    const alarm = plan.alarms.find((a) => a.subject.kind === "heartbeat" && a.subject.node === node);
    if (!alarm) throw new Error(`automatic failover: no heartbeat alarm for ${node}`);
    return alarm.name;
}

/**
 * The runbook's parameters as an EventBridge Automation target passes them: each a list of strings
 * (Systems Manager User Guide, "Run automations based on EventBridge events"). The instance ids and
 * the runbook's role exist only at deployment.
 */
export function failoverRunbookInput(
    plan: AutoFailoverPlan,
    at: { readonly roleArn: string; readonly primaryInstanceId: string; readonly secondaryInstanceId: string },
): Record<keyof AutoFailoverPlan["document"]["parameters"], string[]> {
    return {
        AutomationAssumeRole: [at.roleArn],
        PrimaryInstanceId: [at.primaryInstanceId],
        PrimaryAlarm: [heartbeatAlarmName(plan, plan.primary)],
        SecondaryInstanceId: [at.secondaryInstanceId],
        SecondaryAlarm: [heartbeatAlarmName(plan, plan.secondary)],
    };
}

/**
 * The EventBridge pattern: the primary's heartbeat alarm going from OK to ALARM. A node that never
 * sent a heartbeat (a first boot) leaves INSUFFICIENT_DATA for ALARM, which starts nothing.
 */
export function failoverEventPattern(primaryAlarmName: string): Record<string, unknown> {
    return {
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        detail: { alarmName: [primaryAlarmName], previousState: { value: ["OK"] }, state: { value: ["ALARM"] } },
    };
}
