import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import type { SnapshotArchivePlan } from "../plan";

export interface SnapshotArchiveArgs {
    readonly plan: SnapshotArchivePlan;
    /** The nodes' instance role: the only principal that reads or writes the archives. */
    readonly nodeRoleName: pulumi.Input<string>;
    readonly nodeRoleArn: pulumi.Input<string>;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The bucket for the service's own snapshot archives: KMS-encrypted, versioned, expired by a
 * lifecycle rule, public access blocked, objects reachable only by the nodes' role over TLS; and the
 * SSM parameter that tells the nodes its (autonamed) name.
 */
export class SnapshotArchive extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;

    constructor(name: string, args: SnapshotArchiveArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:backup:SnapshotArchive", name, {}, opts);
        const parent = { parent: this };
        const { plan, tags } = args;
        const bucket = new aws.s3.Bucket(name, { tags }, parent);
        new aws.s3.BucketPublicAccessBlock(
            name,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            parent,
        );
        new aws.s3.BucketOwnershipControls(name, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] },
            parent,
        );
        const versioning = new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, parent);
        new aws.s3.BucketLifecycleConfiguration(
            name,
            {
                bucket: bucket.id,
                rules: [
                    {
                        id: "expire-archives",
                        status: "Enabled",
                        filter: { prefix: plan.keyPrefix },
                        expiration: { days: plan.expireDays },
                        noncurrentVersionExpiration: { noncurrentDays: plan.noncurrentExpireDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                    },
                ],
            },
            // Lifecycle rules on noncurrent versions need versioning in place first.
            { ...parent, dependsOn: [versioning] },
        );
        new aws.s3.BucketPolicy(
            name,
            {
                bucket: bucket.id,
                policy: pulumi.all([bucket.arn, args.nodeRoleArn]).apply(([arn, roleArn]) => bucketPolicy(arn, roleArn)),
            },
            parent,
        );
        new aws.iam.RolePolicy(
            `${name}-nodes`,
            {
                role: args.nodeRoleName,
                policy: bucket.arn.apply((arn) => nodePolicy(arn, plan.keyPrefix)),
            },
            parent,
        );
        new aws.ssm.Parameter(
            `${name}-name`,
            { name: plan.bucketParameter, type: "String", value: bucket.bucket, description: plan.description, tags },
            parent,
        );
        this.bucketName = bucket.bucket;
        this.registerOutputs({ bucketName: this.bucketName });
    }
}

/** TLS only, and the archives readable and writable by the nodes' role alone. */
function bucketPolicy(arn: string, roleArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                // Administrators keep managing the bucket; only the nodes touch the archives.
                Sid: "ArchivesOnlyForTheNodes",
                Effect: "Deny",
                Principal: "*",
                Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                Resource: `${arn}/*`,
                Condition: { ArnNotEquals: { "aws:PrincipalArn": roleArn } },
            },
        ],
    });
}

/** The nodes' role writes, reads and lists the archives under the key prefix. */
function nodePolicy(arn: string, keyPrefix: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "WriteAndReadArchives",
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:GetObject"],
                Resource: `${arn}/${keyPrefix}*`,
            },
            { Sid: "ListArchives", Effect: "Allow", Action: "s3:ListBucket", Resource: arn },
        ],
    });
}
