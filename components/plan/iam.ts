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

const READ_ACTIONS = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"];

/** `writable`: parameters the nodes set themselves (the cluster-state parameter), by full name. */
export function nodeParameterPolicy(
    ctx: AccountContext,
    parameterPrefix: string,
    writable: readonly string[] = [],
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
        ],
    };
}
