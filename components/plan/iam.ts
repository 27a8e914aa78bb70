/**
 * The nodes' own IAM policy. AmazonSSMManagedInstanceCore (which the SSM agent needs) already allows
 * ssm:GetParameter(s) on every parameter, and SecureStrings under the AWS-managed aws/ssm key decrypt
 * for any principal of the account through SSM. So an Allow on the stack's prefix restricts nothing:
 * the explicit Deny on everything else is what keeps one stack's nodes from reading another stack's
 * join secret.
 */
export interface AccountContext {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
}

/** The trust policy that lets one AWS service (`ec2.amazonaws.com`, ...) assume a role. */
export function assumeRolePolicy(service: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    });
}

/** An SSM Automation runbook's ARN, as an EventBridge target names it (no version: the default one runs). */
export function automationDefinitionArn(ctx: AccountContext, documentName: string): string {
    return `arn:${ctx.partition}:ssm:${ctx.region}:${ctx.accountId}:automation-definition/${documentName}`;
}

const READ_ACTIONS = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"];

/**
 * `writable`: parameters the nodes set themselves (the cluster-state parameter), by full name.
 * `heartbeatNamespace`: the one CloudWatch namespace the nodes may publish to (automatic failover behind a load balancer).
 */
export function nodeParameterPolicy(
    ctx: AccountContext,
    parameterPrefix: string,
    writable: readonly string[] = [],
    heartbeatNamespace?: string,
): Record<string, unknown> {
    const arn = (name: string) => `arn:${ctx.partition}:ssm:${ctx.region}:${ctx.accountId}:parameter${name}`;
    const own = arn(`${parameterPrefix}/*`);
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ReadOwnParameters", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:GetParameters"], Resource: own },
            {
                Sid: "DenyOtherParameters",
                Effect: "Deny",
                Action: READ_ACTIONS,
                // AWS's public parameters (/aws/service/...) stay readable: agents look up AMIs and endpoints there.
                NotResource: [own, `arn:${ctx.partition}:ssm:${ctx.region}::parameter/aws/*`],
            },
            ...(writable.length > 0
                ? [{ Sid: "WriteClusterState", Effect: "Allow", Action: ["ssm:PutParameter"], Resource: writable.map(arn) }]
                : []),
            // PutMetricData has no resource type: the namespace condition is what limits it.
            ...(heartbeatNamespace === undefined
                ? []
                : [
                      {
                          Sid: "PutHeartbeat",
                          Effect: "Allow",
                          Action: "cloudwatch:PutMetricData",
                          Resource: "*",
                          Condition: { StringEquals: { "cloudwatch:namespace": heartbeatNamespace } },
                      },
                  ]),
        ],
    };
}

/** The tags that identify this stack's instances (common/naming.ts baseTags), as IAM conditions. */
function stackTagCondition(prefix: string, tags: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(["Project", "Stack", "Service"].filter((k) => tags[k] !== undefined).map((k) => [`${prefix}/${k}`, tags[k]]));
}

/**
 * The failover runbook's own role (plan/autofailover.ts): read the heartbeat alarms, stop one of
 * this stack's instances and wait for it, run a shell command on one of them and read its result.
 * Stop and SendCommand are limited to instances carrying the stack's identifying tags; the Describe
 * and List calls have no resource-level permissions (Resource "*").
 */
export function failoverRunbookPolicy(ctx: AccountContext, stackTags: Readonly<Record<string, string>>): Record<string, unknown> {
    const instances = `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:instance/*`;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReadState",
                Effect: "Allow",
                Action: [
                    "cloudwatch:DescribeAlarms",
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceStatus",
                    "ssm:ListCommands",
                    "ssm:ListCommandInvocations",
                    "ssm:GetCommandInvocation",
                ],
                Resource: "*",
            },
            {
                Sid: "FenceOwnInstances",
                Effect: "Allow",
                Action: ["ec2:StopInstances"],
                Resource: instances,
                Condition: { StringEquals: stackTagCondition("aws:ResourceTag", stackTags) },
            },
            {
                Sid: "PromoteOnOwnInstances",
                Effect: "Allow",
                Action: ["ssm:SendCommand"],
                Resource: instances,
                Condition: { StringEquals: stackTagCondition("ssm:resourceTag", stackTags) },
            },
            {
                Sid: "RunShellScript",
                Effect: "Allow",
                Action: ["ssm:SendCommand"],
                Resource: `arn:${ctx.partition}:ssm:${ctx.region}::document/AWS-RunShellScript`,
            },
        ],
    };
}

/** EventBridge's role: start this one runbook, handing it the runbook's role. */
export function failoverEventsPolicy(ctx: AccountContext, documentName: string, runbookRoleArn: string): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "StartFailoverRunbook",
                Effect: "Allow",
                Action: "ssm:StartAutomationExecution",
                // The target names the definition without a version; the action's resource carries one.
                Resource: [automationDefinitionArn(ctx, documentName), `${automationDefinitionArn(ctx, documentName)}:*`],
            },
            {
                Sid: "PassRunbookRole",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: runbookRoleArn,
                Condition: { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } },
            },
        ],
    };
}
