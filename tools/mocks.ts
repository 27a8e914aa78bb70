/**
 * Deterministic mocks for the Pulumi runtime (`pulumi.runtime.setMocks`).
 *
 * Every fake id, address, ARN and DNS name is derived from a SHA-256 hash of the resource's logical
 * name (no randomness, no clock), so the same program and config always produce the same plan and
 * two runs in one process can be compared value by value.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT_ID = "123456789012";
export const MOCK_DEFAULT_REGION = "us-east-1";
/** Hosted zone id of ELB load balancers in us-east-1; the mock uses it for every region. */
export const MOCK_ELB_ZONE_ID = "Z35SXDOTRQ7X7K";

/** Hex SHA-256 of the given parts joined by "::". */
export function mockHash(...parts: string[]): string {
    return createHash("sha256").update(parts.join("::")).digest("hex");
}

/** `<prefix>-` followed by 17 hex digits, like real EC2 ids (`i-0123456789abcdef0`). */
export function mockAwsId(prefix: string, name: string): string {
    return `${prefix}-${mockHash(prefix, name).slice(0, 17)}`;
}

/** A stable, valid private IPv4 address in 10.0.0.0/8 derived from the name (never .0-.3 or .255). */
export function mockPrivateIp(name: string): string {
    const h = Buffer.from(mockHash("ip", name).slice(0, 8), "hex");
    return `10.${h[0]}.${h[1]}.${4 + (h[2] % 250)}`;
}

/** A stable public address from TEST-NET-3 (203.0.113.0/24, reserved for documentation). */
export function mockPublicIp(name: string): string {
    const h = Buffer.from(mockHash("eip", name).slice(0, 2), "hex");
    return `203.0.113.${1 + (h[0] % 254)}`;
}

/** Eight decimal digits derived from the name (ELB DNS names carry such a number). */
export function mockDigits(name: string, count = 8): string {
    const n = parseInt(mockHash("digits", name).slice(0, 12), 16) % 10 ** count;
    return String(n).padStart(count, "0");
}

/** A UUID-shaped, stable identifier (SSM association ids, etc.). */
export function mockUuid(name: string): string {
    const h = mockHash("uuid", name);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export interface HaMocksOptions {
    /** Region used when a resource has no `region` input; default: config `aws:region`, else us-east-1. */
    region?: string;
    /** Account id used in ARNs (default 123456789012). */
    accountId?: string;
}

/** One provider function call seen by the mocks. */
export interface RecordedCall {
    token: string;
    inputs: Record<string, unknown>;
}

type State = Record<string, unknown>;

/**
 * `pulumi.runtime.Mocks` for this package. Create a fresh instance per run if you want `calls` to
 * hold only that run's invokes (the harness does).
 */
export class HaMocks implements pulumi.runtime.Mocks {
    /** Every `call` (invoke) in order. */
    readonly calls: RecordedCall[] = [];
    private readonly opts: HaMocksOptions;

    constructor(opts: HaMocksOptions = {}) {
        this.opts = opts;
    }

    /** The region of a resource: its own `region` input, else the configured/default region. */
    region(inputs?: Record<string, unknown>): string {
        const own = inputs?.region;
        if (typeof own === "string" && own !== "") {
            return own;
        }
        if (this.opts.region) {
            return this.opts.region;
        }
        const configured = pulumi.runtime.getConfig("aws:region");
        return configured && configured !== "" ? configured : MOCK_DEFAULT_REGION;
    }

    private account(): string {
        return this.opts.accountId ?? MOCK_ACCOUNT_ID;
    }

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const inputs: State = { ...(args.inputs ?? {}) };
        if (args.custom === false) {
            // Component resources (and the stack): no physical id, state = inputs.
            return { id: undefined, state: inputs };
        }
        const m = minting(args.name, inputs, this.region(inputs), this.account());
        return (
            computeAndNetworkMock(args.type, m) ??
            loadBalancerMock(args.type, m) ??
            identityAndConfigMock(args.type, m) ??
            m.withId(`${m.name}-id`, { arn: `arn:aws:mock::${m.account}:${m.name}` })
        );
    }

    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        const inputs: Record<string, unknown> = { ...(args.inputs ?? {}) };
        this.calls.push({ token: args.token, inputs });
        const region = this.region(inputs);
        switch (args.token) {
            case "aws:index/getRegion:getRegion":
                return {
                    id: region,
                    name: region,
                    region,
                    description: `Mock region ${region}`,
                    endpoint: `ec2.${region}.amazonaws.com`,
                };
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return {
                    id: this.account(),
                    accountId: this.account(),
                    arn: `arn:aws:iam::${this.account()}:user/mock`,
                    userId: "AIDAMOCKUSER000000000",
                };
            case "aws:index/getPartition:getPartition":
                return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
            case "aws:index/getAvailabilityZones:getAvailabilityZones": {
                const letters = ["a", "b", "c"];
                return {
                    id: region,
                    names: letters.map((l) => `${region}${l}`),
                    zoneIds: letters.map((_, i) => `${regionShort(region)}-az${i + 1}`),
                    groupNames: [region],
                    state: (inputs.state as string | undefined) ?? "available",
                };
            }
            default:
                return {};
        }
    }
}

/** ELB/target group name: `name` input, else `namePrefix` + hash, else the logical name (max 32 chars). */
function lbNameOf(inputs: State, logical: string): string {
    if (typeof inputs.name === "string" && inputs.name !== "") {
        return inputs.name;
    }
    if (typeof inputs.namePrefix === "string" && inputs.namePrefix !== "") {
        return `${inputs.namePrefix}${mockHash("prefix", logical).slice(0, 26)}`.slice(0, 32);
    }
    return logical.slice(0, 32).replace(/-+$/, "");
}

/** `us-east-1` -> `use1`, `ap-southeast-2` -> `apse2` (the prefix of zone ids). */
function regionShort(region: string): string {
    const m = /^([a-z]+)-([a-z]+)-(\d+)$/.exec(region);
    if (!m) {
        return region;
    }
    const direction = m[2].replace(/north|south|east|west|central/g, (d) => d[0]);
    return `${m[1]}${direction}${m[3]}`;
}

/** What every mocked resource's state is made from: its name, inputs, region and account. */
interface Minting {
    readonly name: string;
    readonly inputs: State;
    readonly region: string;
    readonly account: string;
    readonly str: (k: string) => string | undefined;
    readonly arn: (service: string, resource: string, withRegion?: boolean, withAccount?: boolean) => string;
    readonly withId: (id: string, extra?: State) => pulumi.runtime.MockResourceResult;
    readonly ec2: (prefix: string, kind: string, extra?: State) => pulumi.runtime.MockResourceResult;
}

function minting(name: string, inputs: State, region: string, account: string): Minting {
    const str = (k: string): string | undefined => (typeof inputs[k] === "string" && inputs[k] !== "" ? (inputs[k] as string) : undefined);
    const arn = (service: string, resource: string, withRegion = true, withAccount = true): string =>
        `arn:aws:${service}:${withRegion ? region : ""}:${withAccount ? account : ""}:${resource}`;
    const withId = (id: string, extra: State = {}): pulumi.runtime.MockResourceResult => ({
        id,
        state: { ...inputs, ...extra },
    });
    const ec2 = (prefix: string, kind: string, extra: State = {}): pulumi.runtime.MockResourceResult => {
        const id = mockAwsId(prefix, name);
        return withId(id, { arn: arn("ec2", `${kind}/${id}`), ownerId: account, ...extra });
    };
    return { name, inputs, region, account, str, arn, withId, ec2 };
}

/** EC2 instances, volumes and the network: ids and ARNs as EC2 forms them. */
function computeAndNetworkMock(type: string, m: Minting): pulumi.runtime.MockResourceResult | undefined {
    const { name, region, str, arn, withId, ec2 } = m;
    switch (type) {
        case "aws:ec2/instance:Instance": {
            const id = mockAwsId("i", name);
            const ip = mockPrivateIp(name);
            const dnsSuffix = region === "us-east-1" ? "ec2.internal" : `${region}.compute.internal`;
            return withId(id, {
                arn: arn("ec2", `instance/${id}`),
                privateIp: ip,
                privateDns: `ip-${ip.replace(/\./g, "-")}.${dnsSuffix}`,
                availabilityZone: str("availabilityZone") ?? `${region}a`,
                instanceState: "running",
                primaryNetworkInterfaceId: mockAwsId("eni", name),
            });
        }
        case "aws:ec2/vpc:Vpc":
            return ec2("vpc", "vpc", {
                defaultSecurityGroupId: mockAwsId("sg", `${name}-default`),
                mainRouteTableId: mockAwsId("rtb", `${name}-main`),
                defaultNetworkAclId: mockAwsId("acl", `${name}-default`),
            });
        case "aws:ec2/subnet:Subnet":
            return ec2("subnet", "subnet", { availabilityZone: str("availabilityZone") ?? `${region}a` });
        case "aws:ec2/securityGroup:SecurityGroup":
            return ec2("sg", "security-group", { name: str("name") ?? name });
        case "aws:ec2/internetGateway:InternetGateway":
            return ec2("igw", "internet-gateway");
        case "aws:ec2/natGateway:NatGateway":
            return ec2("nat", "natgateway", { privateIp: mockPrivateIp(name), publicIp: mockPublicIp(name) });
        case "aws:ec2/eip:Eip": {
            const id = mockAwsId("eipalloc", name);
            return withId(id, {
                arn: arn("ec2", `elastic-ip/${id}`),
                allocationId: id,
                publicIp: mockPublicIp(name),
                domain: str("domain") ?? "vpc",
            });
        }
        case "aws:ec2/routeTable:RouteTable":
            return ec2("rtb", "route-table");
        case "aws:ec2/routeTableAssociation:RouteTableAssociation":
            return withId(mockAwsId("rtbassoc", name));
        case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
            const id = mockAwsId("sgr", name);
            return withId(id, { arn: arn("ec2", `security-group-rule/${id}`), securityGroupRuleId: id });
        }
        case "aws:ebs/volume:Volume":
            return ec2("vol", "volume", { availabilityZone: str("availabilityZone") ?? `${region}a` });
        default:
            return undefined;
    }
}

/** Load balancers, target groups, listeners and attachments: ELB\'s ARN and DNS forms. */
function loadBalancerMock(type: string, m: Minting): pulumi.runtime.MockResourceResult | undefined {
    const { name, region, inputs, str, arn, withId } = m;
    switch (type) {
        case "aws:lb/loadBalancer:LoadBalancer": {
            const lbName = lbNameOf(inputs, name);
            const kind = inputs.loadBalancerType === "network" ? "net" : inputs.loadBalancerType === "gateway" ? "gwy" : "app";
            const suffix = `${kind}/${lbName}/${mockHash("lb", name).slice(0, 16)}`;
            const internal = inputs.internal === true ? "internal-" : "";
            return withId(arn("elasticloadbalancing", `loadbalancer/${suffix}`), {
                name: lbName,
                arn: arn("elasticloadbalancing", `loadbalancer/${suffix}`),
                arnSuffix: suffix,
                dnsName: `${internal}${lbName}-${mockDigits(name)}.${region}.elb.amazonaws.com`.toLowerCase(),
                zoneId: MOCK_ELB_ZONE_ID,
            });
        }
        case "aws:lb/targetGroup:TargetGroup": {
            const tgName = lbNameOf(inputs, name);
            const suffix = `targetgroup/${tgName}/${mockHash("tg", name).slice(0, 16)}`;
            return withId(arn("elasticloadbalancing", suffix), {
                name: tgName,
                arn: arn("elasticloadbalancing", suffix),
                arnSuffix: suffix,
            });
        }
        case "aws:lb/listener:Listener": {
            const lbArn = str("loadBalancerArn");
            const tail = mockHash("listener", name).slice(0, 16);
            const listenerArn =
                lbArn && lbArn.includes(":loadbalancer/")
                    ? `${lbArn.replace(":loadbalancer/", ":listener/")}/${tail}`
                    : arn("elasticloadbalancing", `listener/app/${name}/${mockHash("lb", name).slice(0, 16)}/${tail}`);
            return withId(listenerArn, { arn: listenerArn });
        }
        case "aws:lb/targetGroupAttachment:TargetGroupAttachment":
            return withId(`${str("targetGroupArn") ?? name}-${mockDigits(name, 19)}`);
        default:
            return undefined;
    }
}

/** IAM, SSM, Route 53, random passwords and stack references. */
function identityAndConfigMock(type: string, m: Minting): pulumi.runtime.MockResourceResult | undefined {
    const { name, str, arn, withId } = m;
    switch (type) {
        case "aws:iam/role:Role": {
            const roleName = str("name") ?? name;
            return withId(roleName, {
                name: roleName,
                arn: arn("iam", `role/${roleName}`, false),
                uniqueId: `AROA${mockHash("role", name).slice(0, 17).toUpperCase()}`,
            });
        }
        case "aws:iam/instanceProfile:InstanceProfile": {
            const profileName = str("name") ?? name;
            return withId(profileName, {
                name: profileName,
                arn: arn("iam", `instance-profile/${profileName}`, false),
                uniqueId: `AIPA${mockHash("profile", name).slice(0, 17).toUpperCase()}`,
            });
        }
        case "aws:ssm/parameter:Parameter": {
            const paramName = str("name") ?? name;
            return withId(paramName, {
                name: paramName,
                arn: arn("ssm", `parameter/${paramName.replace(/^\//, "")}`),
                version: 1,
            });
        }
        case "aws:ssm/document:Document": {
            const docName = str("name") ?? name;
            return withId(docName, { name: docName, arn: arn("ssm", `document/${docName}`) });
        }
        case "aws:ssm/association:Association": {
            const id = mockUuid(name);
            return withId(id, { associationId: id, arn: arn("ssm", `association/${id}`) });
        }
        case "random:index/randomPassword:RandomPassword":
            return withId("none", { result: `mock-secret-${mockHash("password", name).slice(0, 16)}` });
        case "aws:route53/record:Record": {
            const fqdn = str("name") ?? name;
            return withId(`${str("zoneId") ?? "ZMOCK"}_${fqdn}_${str("type") ?? "A"}`, { fqdn });
        }
        case "pulumi:pulumi:StackReference":
            // Like the engine for a stack never deployed: a reference with no outputs.
            return withId(name, { outputs: {}, secretOutputNames: [] });
        default:
            return undefined;
    }
}
