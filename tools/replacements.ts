/**
 * Which input changes make the AWS provider replace a resource instead of updating it in place, for
 * the resource types this program registers, and the property-path helpers the offline diff uses to
 * apply them (and ignoreChanges) the way the Pulumi engine does.
 *
 * @pulumi/aws is bridged from the Terraform AWS provider: an input whose Terraform schema attribute
 * is `ForceNew` (or `RequiresReplace`) replaces the resource. The table lists those attributes under
 * their Pulumi (camelCase) names, taken from the provider's resource schemas; provider-side
 * conditional replacements that depend on live state (an NLB losing a subnet, for example) cannot be
 * known offline and are left out. Add a type here when the program starts using it: a test fails for
 * a type the example stacks use that has no entry.
 */
import { isDeepStrictEqual } from "node:util";

export interface ReplaceRule {
    /** Property path, `rootBlockDevice.encrypted` style. */
    readonly path: string;
    /** The rule applies only when this holds for the new inputs. */
    readonly when?: (inputs: Record<string, unknown>) => boolean;
    /** Shown beside the path: why it only sometimes replaces. */
    readonly note?: string;
}

const userDataRule = (path: string): ReplaceRule => ({
    path,
    when: (inputs) => inputs.userDataReplaceOnChange === true,
    note: "only with userDataReplaceOnChange",
});

/** Type token -> input paths that force a replacement when they change. */
export const REPLACE_ON_CHANGE: Readonly<Record<string, readonly (string | ReplaceRule)[]>> = {
    "aws:ec2/instance:Instance": [
        "ami",
        "associatePublicIpAddress",
        "availabilityZone",
        "subnetId",
        "privateIp",
        "keyName",
        "tenancy",
        "placementGroup",
        "placementPartitionNumber",
        "hostId",
        "hibernation",
        "ebsOptimized",
        "ipv6AddressCount",
        "ipv6Addresses",
        "launchTemplate",
        "cpuOptions",
        "enclaveOptions",
        "ebsBlockDevices",
        "ephemeralBlockDevices",
        "networkInterfaces",
        "securityGroups",
        "rootBlockDevice.encrypted",
        "rootBlockDevice.kmsKeyId",
        userDataRule("userData"),
        userDataRule("userDataBase64"),
    ],
    "aws:ebs/volume:Volume": ["availabilityZone", "encrypted", "kmsKeyId", "snapshotId", "outpostArn"],
    "aws:ec2/volumeAttachment:VolumeAttachment": ["deviceName", "instanceId", "volumeId"],
    "aws:ec2/vpc:Vpc": ["cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"],
    "aws:ec2/subnet:Subnet": ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "outpostArn"],
    "aws:ec2/internetGateway:InternetGateway": [],
    "aws:ec2/routeTable:RouteTable": ["vpcId"],
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ["subnetId", "gatewayId"],
    "aws:ec2/eip:Eip": ["domain", "address", "customerOwnedIpv4Pool", "networkBorderGroup", "publicIpv4Pool"],
    "aws:ec2/natGateway:NatGateway": ["allocationId", "subnetId", "connectivityType", "privateIp"],
    "aws:ec2/securityGroup:SecurityGroup": ["name", "namePrefix", "description", "vpcId"],
    // The DR region's peering (plan/dr.ts): both ends and the routes to it.
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": ["vpcId", "peerVpcId", "peerOwnerId", "peerRegion"],
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": ["vpcPeeringConnectionId"],
    "aws:ec2/route:Route": ["routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["securityGroupId"],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ["securityGroupId"],
    "aws:iam/role:Role": ["name", "namePrefix", "path"],
    "aws:iam/rolePolicy:RolePolicy": ["name", "namePrefix", "role"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["role", "policyArn"],
    "aws:iam/instanceProfile:InstanceProfile": ["name", "namePrefix", "path"],
    "aws:lb/loadBalancer:LoadBalancer": ["name", "namePrefix", "internal", "loadBalancerType", "customerOwnedIpv4Pool"],
    "aws:lb/targetGroup:TargetGroup": ["name", "namePrefix", "port", "protocol", "protocolVersion", "vpcId", "targetType", "ipAddressType"],
    "aws:lb/listener:Listener": ["loadBalancerArn"],
    "aws:lb/targetGroupAttachment:TargetGroupAttachment": ["targetGroupArn", "targetId", "port", "availabilityZone"],
    // `type` and `setIdentifier` change in one Route 53 batch (delete + create), not as a replacement.
    "aws:route53/record:Record": ["zoneId", "name"],
    "aws:route53/healthCheck:HealthCheck": ["type", "referenceName", "requestInterval", "measureLatency", "routingControlArn"],
    "aws:ssm/parameter:Parameter": ["name"],
    // The snapshot archive bucket (cloudify) and its settings, each keyed by the bucket.
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix", "objectLockEnabled"],
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ["bucket"],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["bucket"],
    "aws:s3/bucketVersioning:BucketVersioning": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketPolicy:BucketPolicy": ["bucket"],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ["bucket", "expectedBucketOwner"],
    "aws:ssm/document:Document": ["name"],
    "aws:ssm/association:Association": ["name", "instanceId"],
    "aws:cloudwatch/metricAlarm:MetricAlarm": ["name"],
    "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix"],
    "aws:sns/topic:Topic": ["name", "namePrefix", "fifoTopic"],
    "aws:sns/topicSubscription:TopicSubscription": ["topic", "protocol", "endpoint"],
    "aws:iam/policy:Policy": ["name", "namePrefix", "path", "description"],
    "aws:kms/alias:Alias": ["name", "namePrefix"],
    "aws:kms/key:Key": ["customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"],
    "aws:lb/listenerRule:ListenerRule": ["listenerArn"],
    // The legacy rule resource can only change its description in place.
    "aws:ec2/securityGroupRule:SecurityGroupRule": [
        "type",
        "securityGroupId",
        "protocol",
        "fromPort",
        "toPort",
        "cidrBlocks",
        "ipv6CidrBlocks",
        "prefixListIds",
        "sourceSecurityGroupId",
        "self",
    ],
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": [],
    "aws:backup/vault:Vault": ["name", "kmsKeyArn"],
    "aws:backup/plan:Plan": ["name"],
    // A backup selection has no update: any change re-creates it.
    "aws:backup/selection:Selection": ["name", "planId", "iamRoleArn", "resources", "notResources", "selectionTags", "conditions"],
    // Every argument of random_password is RequiresReplace: a new length or alphabet means a new secret.
    "random:index/randomPassword:RandomPassword": [
        "length",
        "special",
        "upper",
        "lower",
        "numeric",
        "number",
        "minLower",
        "minUpper",
        "minNumeric",
        "minSpecial",
        "overrideSpecial",
        "keepers",
    ],
};

/** Whether the table knows this type (unknown types are reported as in-place updates, with a warning). */
export function hasReplaceRules(type: string): boolean {
    return type in REPLACE_ON_CHANGE;
}

// ---------------------------------------------------------------------------------------------
// Property paths (`a.b`, `a[0].b`, `tags["x.y"]`), as in ignoreChanges and replaceOnChanges.

export function parsePath(path: string): (string | number)[] {
    const out: (string | number)[] = [];
    const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\[\*\]/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(path)) !== null) {
        if (m[1] !== undefined) out.push(m[1]);
        else if (m[2] !== undefined) out.push(Number(m[2]));
        else if (m[3] !== undefined) out.push(JSON.parse(`"${m[3]}"`) as string);
        else out.push("*");
    }
    return out;
}

export type Keys = (string | number)[];

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Paths of the leaves that differ (a list whose length changed counts as one leaf). */
export function leafChanges(a: unknown, b: unknown, at: Keys): Keys[] {
    if (isDeepStrictEqual(a, b)) return [];
    if (isPlainObject(a) && isPlainObject(b)) {
        return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().flatMap((k) => leafChanges(a[k], b[k], [...at, k]));
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
        return a.flatMap((x, i) => leafChanges(x, b[i], [...at, i]));
    }
    return [at];
}

/** `a.b[0]["c.d"]` from keys. */
export function formatPath(keys: Keys): string {
    return keys
        .map((k, i) =>
            typeof k === "number" ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `${i === 0 ? "" : "."}${k}` : `[${JSON.stringify(k)}]`,
        )
        .join("");
}

export function getPath(obj: unknown, path: string | (string | number)[]): unknown {
    let cur: unknown = obj;
    for (const k of typeof path === "string" ? parsePath(path) : path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<string | number, unknown>)[k];
    }
    return cur;
}

function setPath(obj: Record<string, unknown>, keys: (string | number)[], value: unknown): void {
    let cur: Record<string | number, unknown> = obj;
    for (let i = 0; i < keys.length - 1; i++) {
        const next = cur[keys[i]];
        if (next === null || typeof next !== "object") {
            cur[keys[i]] = typeof keys[i + 1] === "number" ? [] : {};
        }
        cur = cur[keys[i]] as Record<string | number, unknown>;
    }
    const last = keys[keys.length - 1];
    if (value === undefined) delete cur[last];
    else cur[last] = value;
}

/**
 * The new inputs as the engine sees them with `ignoreChanges`: every ignored path keeps its old
 * value (or stays absent), `*` ignores everything.
 */
export function applyIgnoreChanges(
    oldInputs: Record<string, unknown>,
    newInputs: Record<string, unknown>,
    ignoreChanges: readonly string[],
): Record<string, unknown> {
    if (ignoreChanges.includes("*")) return structuredClone(oldInputs);
    const out = structuredClone(newInputs);
    for (const p of ignoreChanges) {
        const keys = parsePath(p);
        if (keys.length === 0 || keys.includes("*")) continue;
        setPath(out, keys, structuredClone(getPath(oldInputs, keys)));
    }
    return out;
}

/**
 * The paths whose change forces a replacement of a resource of this type: the provider's
 * replace-on-change properties plus the resource's own `replaceOnChanges` option (`*` = any change).
 * `newInputs` must already have ignoreChanges applied.
 */
export function replaceTriggers(
    type: string,
    oldInputs: Record<string, unknown>,
    newInputs: Record<string, unknown>,
    replaceOnChanges: readonly string[],
): string[] {
    const differs = (p: string) => !isDeepStrictEqual(getPath(oldInputs, p), getPath(newInputs, p));
    const out = new Set<string>();
    for (const rule of REPLACE_ON_CHANGE[type] ?? []) {
        const r = typeof rule === "string" ? { path: rule } : rule;
        if ((r.when === undefined || r.when(newInputs)) && differs(r.path)) out.add(r.path);
    }
    // @pulumi/aws v7: a resource's `region` names where it lives; changing it re-creates the resource
    // there (the provider's region attribute is replace-on-change for every regional resource).
    if (type.startsWith("aws:") && differs("region")) out.add("region");
    for (const p of replaceOnChanges) {
        if (p === "*") {
            for (const k of new Set([...Object.keys(oldInputs), ...Object.keys(newInputs)])) if (differs(k)) out.add(k);
        } else if (differs(p)) {
            out.add(p);
        }
    }
    return [...out].sort();
}
