import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { alarmArgs } from "./alarms";
import { AwsLookups } from "./lookups";
import type { AutoFailoverPlan } from "../plan";
import { failoverEventPattern, failoverRunbookInput, heartbeatAlarmName } from "../plan/autofailover";
import { type AccountContext, assumeRolePolicy, automationDefinitionArn, failoverEventsPolicy, failoverRunbookPolicy } from "../plan/iam";

export interface AutoFailoverArgs {
    readonly plan: AutoFailoverPlan;
    readonly instanceIds: Readonly<Record<string, pulumi.Input<string>>>;
    /** Where the heartbeat alarms notify (monitoring on). */
    readonly alarmTopicArn?: pulumi.Input<string>;
    /** The stack's identifying tags (Project, Stack, Service): the runbook may act only on instances carrying them. */
    readonly tags: Readonly<Record<string, string>>;
    /** The service's shared lookups; default: the component's own. */
    readonly lookups?: AwsLookups;
}

/**
 * HA automatic failover behind a load balancer (plan/autofailover.ts): a heartbeat alarm per node,
 * the failover runbook (SSM Automation) with its role, and the EventBridge rule that starts it when
 * the primary's alarm goes from OK to ALARM. Everything is keyed by node or by role, so a promotion
 * by config only re-points the rule's pattern and the runbook's parameters.
 */
export class AutoFailover extends pulumi.ComponentResource {
    readonly documentName: pulumi.Output<string>;
    readonly ruleArn: pulumi.Output<string>;

    constructor(name: string, args: AutoFailoverArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:failover:AutoFailover", name, {}, opts);
        const parent = { parent: this };
        const { plan, tags } = args;
        const notify = plan.notify && args.alarmTopicArn !== undefined ? [args.alarmTopicArn] : [];
        for (const a of plan.alarms) {
            new aws.cloudwatch.MetricAlarm(
                `${name}-${a.key}`,
                alarmArgs(a, { instanceIds: args.instanceIds }, { alarm: notify, ok: notify }, tags),
                parent,
            );
        }
        const primaryId = args.instanceIds[plan.primary];
        const secondaryId = args.instanceIds[plan.secondary];
        if (primaryId === undefined || secondaryId === undefined) {
            throw new Error(`automatic failover: no instance for ${plan.primary} or ${plan.secondary}`);
        }
        const account = (args.lookups ?? new AwsLookups(parent)).context();
        const { document, runbookRole } = runbook(name, plan, account, tags, parent);
        const rule = startRule(name, plan, { account, document, runbookRole, primaryId, secondaryId, tags }, parent);
        this.documentName = document.name;
        this.ruleArn = rule.arn;
        this.registerOutputs({ documentName: this.documentName, ruleArn: this.ruleArn });
    }
}

type Account = pulumi.Output<AccountContext>;

/** The runbook (SSM Automation document) and the role it acts with. */
function runbook(
    name: string,
    plan: AutoFailoverPlan,
    account: Account,
    tags: Readonly<Record<string, string>>,
    parent: pulumi.CustomResourceOptions,
): { document: aws.ssm.Document; runbookRole: aws.iam.Role } {
    const runbookRole = new aws.iam.Role(
        `${name}-runbook`,
        {
            description: `Failover runbook of ${plan.heartbeat.service}: fence the primary, promote the secondary`,
            assumeRolePolicy: assumeRolePolicy("ssm.amazonaws.com"),
            tags,
        },
        parent,
    );
    new aws.iam.RolePolicy(
        `${name}-runbook`,
        {
            role: runbookRole.id,
            policy: account.apply((ctx) => JSON.stringify(failoverRunbookPolicy(ctx, tags))),
        },
        parent,
    );
    const document = new aws.ssm.Document(
        `${name}-runbook`,
        { documentType: "Automation", documentFormat: "JSON", content: JSON.stringify(plan.document), tags },
        parent,
    );
    return { document, runbookRole };
}

/** EventBridge: the rule on the primary's heartbeat alarm and its target, the runbook with its parameters. */
function startRule(
    name: string,
    plan: AutoFailoverPlan,
    from: {
        account: Account;
        document: aws.ssm.Document;
        runbookRole: aws.iam.Role;
        primaryId: pulumi.Input<string>;
        secondaryId: pulumi.Input<string>;
        tags: Readonly<Record<string, string>>;
    },
    parent: pulumi.CustomResourceOptions,
): aws.cloudwatch.EventRule {
    const { account, document, runbookRole, primaryId, secondaryId, tags } = from;
    const eventsRole = new aws.iam.Role(
        `${name}-events`,
        {
            description: `Starts the failover runbook of ${plan.heartbeat.service}`,
            assumeRolePolicy: assumeRolePolicy("events.amazonaws.com"),
            tags,
        },
        parent,
    );
    new aws.iam.RolePolicy(
        `${name}-events`,
        {
            role: eventsRole.id,
            policy: pulumi
                .all([account, document.name, runbookRole.arn])
                .apply(([ctx, doc, roleArn]) => JSON.stringify(failoverEventsPolicy(ctx, doc, roleArn))),
        },
        parent,
    );
    const rule = new aws.cloudwatch.EventRule(
        `${name}-primary-silent`,
        {
            name: plan.ruleName,
            description: `The primary's heartbeat alarm went from OK to ALARM: start the failover runbook of ${plan.heartbeat.service}.`,
            eventPattern: JSON.stringify(failoverEventPattern(heartbeatAlarmName(plan, plan.primary))),
            tags,
        },
        parent,
    );
    new aws.cloudwatch.EventTarget(
        `${name}-primary-silent`,
        {
            rule: rule.name,
            arn: pulumi.all([account, document.name]).apply(([ctx, doc]) => automationDefinitionArn(ctx, doc)),
            roleArn: eventsRole.arn,
            // A failover that could not start within 5 minutes is dropped, not retried for a day:
            // the runbook's first step would refuse a stale one anyway; the alarms have paged.
            retryPolicy: { maximumEventAgeInSeconds: 300, maximumRetryAttempts: 3 },
            input: pulumi
                .all([runbookRole.arn, primaryId, secondaryId])
                .apply(([roleArn, primaryInstanceId, secondaryInstanceId]) =>
                    JSON.stringify(failoverRunbookInput(plan, { roleArn, primaryInstanceId, secondaryInstanceId })),
                ),
        },
        parent,
    );
    return rule;
}
