import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { type AccountContext, assumeRolePolicy } from "../plan/iam";
import { AwsLookups } from "./lookups";

/**
 * The role and instance profile of this package's instances: SSM access instead of SSH keys, plus
 * a parameter policy built for the account (`policy`). Children are `<name>-role`, `-ssm-core`,
 * `-parameters` and `-profile`, parented as `opts` says.
 */
export function instanceRole(
    name: string,
    args: {
        readonly description: string;
        readonly policy: (ctx: AccountContext) => Record<string, unknown>;
        readonly tags: Readonly<Record<string, string>>;
        /** DR nodes: the policy names the DR region's parameters. */
        readonly region?: string;
        /** The service's shared lookups; default: the role's own. */
        readonly lookups?: AwsLookups;
    },
    opts: pulumi.CustomResourceOptions,
): { readonly role: aws.iam.Role; readonly profile: aws.iam.InstanceProfile } {
    const role = new aws.iam.Role(
        `${name}-role`,
        {
            description: args.description,
            assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"),
            tags: args.tags,
        },
        opts,
    );
    new aws.iam.RolePolicyAttachment(
        `${name}-ssm-core`,
        { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
        opts,
    );
    const lookups = args.lookups ?? new AwsLookups(opts);
    new aws.iam.RolePolicy(
        `${name}-parameters`,
        {
            role: role.id,
            policy: lookups.context(args.region).apply((ctx) => JSON.stringify(args.policy(ctx))),
        },
        opts,
    );
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags: args.tags }, opts);
    return { role, profile };
}

/** What every instance of this package has: private, IMDSv2 only, encrypted gp3 root, monitored, EBS-optimised. */
export function privateInstanceArgs(args: {
    readonly ami: string;
    readonly instanceType: string;
    readonly subnetId: pulumi.Input<string>;
    readonly securityGroupId: pulumi.Input<string>;
    readonly profile: aws.iam.InstanceProfile;
    readonly rootVolumeSize: number;
    readonly userData: string;
    readonly tags: Readonly<Record<string, string>>;
}): aws.ec2.InstanceArgs {
    return {
        ami: args.ami,
        instanceType: args.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [args.securityGroupId],
        iamInstanceProfile: args.profile.name,
        associatePublicIpAddress: false,
        monitoring: true,
        ebsOptimized: true,
        metadataOptions: {
            httpTokens: "required",
            httpEndpoint: "enabled",
            httpPutResponseHopLimit: 1,
            instanceMetadataTags: "disabled",
        },
        rootBlockDevice: {
            encrypted: true,
            volumeType: "gp3",
            volumeSize: args.rootVolumeSize,
            deleteOnTermination: true,
            tags: args.tags,
        },
        userData: args.userData,
        tags: args.tags,
    };
}
