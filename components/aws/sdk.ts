/**
 * The parts of @pulumi/aws the components use, imported module by module. `import * as aws from
 * "@pulumi/aws"` makes TypeScript read the declarations of every AWS service (about 3,000 files,
 * 800,000 lines); these modules need about 550 of them. That is what a program type-checking
 * against this package, and the SDK's schema inference for `pulumi package add` (which parses the
 * program tsconfig.json names), spend most of their time on. The components import this module as
 * `aws` and read `aws.ec2.Instance` as before.
 *
 * At run time nothing changes: the package's entry is loaded first, as `import * as aws` did (it
 * registers the aws package with the SDK, which resource references and providers passed to a
 * component need); the modules below are the same objects as `aws.ec2` etc. there.
 */
// A require() call, not an import: TypeScript does not follow it, so it adds no declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("@pulumi/aws");

export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as dlm from "@pulumi/aws/dlm";
export * as ebs from "@pulumi/aws/ebs";
export * as ec2 from "@pulumi/aws/ec2";
export * as iam from "@pulumi/aws/iam";
export * as kms from "@pulumi/aws/kms";
export * as lb from "@pulumi/aws/lb";
export * as route53 from "@pulumi/aws/route53";
export * as s3 from "@pulumi/aws/s3";
export * as sns from "@pulumi/aws/sns";
export * as ssm from "@pulumi/aws/ssm";
export * as vpc from "@pulumi/aws/vpc";
export { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
export { getPartitionOutput } from "@pulumi/aws/getPartition";
export { getRegionOutput } from "@pulumi/aws/getRegion";
export type * as types from "@pulumi/aws/types";
