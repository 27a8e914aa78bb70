/**
 * Deployment critical path from a recorded run: how long a first `pulumi up` takes at best if the
 * engine creates every resource as soon as what it waits for exists, with unlimited parallelism.
 * The engine runs only 4 x CPU operations at once, which for the large stacks is the limit: see
 * tools/bench/rollout.ts for the schedule with that parallelism and for when clients can connect.
 */
import type { RecordedResource } from "../harness";
import { displayType } from "../plan";

export interface CreationTime {
    readonly seconds: number;
    /** Key into CREATION_TIME_SOURCES. */
    readonly source: keyof typeof CREATION_TIME_SOURCES;
}

/** Where the typical creation times come from. None of them is measured by this benchmark. */
export const CREATION_TIME_SOURCES = {
    elb:
        "The provider waits until a new ALB/NLB is `active` (aws_lb create timeout 10 min). Observed: " +
        '"Creation complete after 2m19s" (github.com/turbot/steampipe-plugin-aws/pull/792); "very normal that it takes > 2 minutes" ' +
        "(github.com/kubernetes/kubernetes/issues/44695). 3 min used.",
    route53:
        'AWS Route 53 Developer Guide, "Editing records": "Changes generally propagate to all Route 53 name servers within 60 seconds" ' +
        "(docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-editing.html); the provider waits for the change to be " +
        "INSYNC, so the upper figure is used.",
    nat:
        "The provider waits until a NAT gateway is `available`: typically 1 to 2 minutes, up to 10 " +
        "(github.com/kubernetes/kops/pull/944). 2 min used.",
    ec2: "The provider waits until the instance is `running`: typically 30 to 60 s (experience). 45 s used.",
    iam:
        "IAM is eventually consistent: `aws iam wait instance-profile-exists` polls every second up to 40 times, and a new role or " +
        "instance profile is typically usable by EC2 after about 10 s (experience).",
    ebs: "The provider waits until a volume is `available` and an attachment `attached`: seconds, about 10 s (experience).",
    api: "One API call that completes within seconds (experience).",
    local: "Computed by the provider on the deploying machine; no AWS call.",
    default: "No figure for this type: assumed 5 s.",
} as const;

/** Typical creation time of each resource type the components register. */
export const CREATION_TIMES: Readonly<Record<string, CreationTime>> = {
    "aws:lb/loadBalancer:LoadBalancer": { seconds: 180, source: "elb" },
    "aws:lb/listener:Listener": { seconds: 2, source: "api" },
    "aws:lb/targetGroup:TargetGroup": { seconds: 2, source: "api" },
    "aws:lb/targetGroupAttachment:TargetGroupAttachment": { seconds: 2, source: "api" },
    "aws:route53/record:Record": { seconds: 60, source: "route53" },
    "aws:route53/healthCheck:HealthCheck": { seconds: 5, source: "api" },
    "aws:ec2/instance:Instance": { seconds: 45, source: "ec2" },
    "aws:ebs/volume:Volume": { seconds: 10, source: "ebs" },
    "aws:ec2/volumeAttachment:VolumeAttachment": { seconds: 10, source: "ebs" },
    "aws:ec2/natGateway:NatGateway": { seconds: 120, source: "nat" },
    "aws:ec2/eip:Eip": { seconds: 2, source: "api" },
    "aws:ec2/vpc:Vpc": { seconds: 5, source: "api" },
    "aws:ec2/subnet:Subnet": { seconds: 3, source: "api" },
    "aws:ec2/internetGateway:InternetGateway": { seconds: 3, source: "api" },
    "aws:ec2/routeTable:RouteTable": { seconds: 3, source: "api" },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": { seconds: 1, source: "api" },
    "aws:ec2/securityGroup:SecurityGroup": { seconds: 3, source: "api" },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": { seconds: 1, source: "api" },
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": { seconds: 1, source: "api" },
    "aws:iam/role:Role": { seconds: 10, source: "iam" },
    "aws:iam/instanceProfile:InstanceProfile": { seconds: 10, source: "iam" },
    "aws:iam/rolePolicy:RolePolicy": { seconds: 2, source: "api" },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { seconds: 2, source: "api" },
    "aws:ssm/parameter:Parameter": { seconds: 1, source: "api" },
    "aws:ssm/document:Document": { seconds: 2, source: "api" },
    // Creating the association returns at once; the command runs on the instance afterwards.
    "aws:ssm/association:Association": { seconds: 2, source: "api" },
    "aws:cloudwatch/metricAlarm:MetricAlarm": { seconds: 1, source: "api" },
    "aws:cloudwatch/eventRule:EventRule": { seconds: 1, source: "api" },
    "aws:cloudwatch/eventTarget:EventTarget": { seconds: 1, source: "api" },
    "aws:sns/topic:Topic": { seconds: 1, source: "api" },
    "aws:sns/topicSubscription:TopicSubscription": { seconds: 1, source: "api" },
    "aws:kms/key:Key": { seconds: 2, source: "api" },
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": { seconds: 2, source: "api" },
    "random:index/randomPassword:RandomPassword": { seconds: 0, source: "local" },
};

export const DEFAULT_CREATION_TIME: CreationTime = { seconds: 5, source: "default" };

export function creationTime(type: string): CreationTime {
    return CREATION_TIMES[type] ?? DEFAULT_CREATION_TIME;
}

export interface GraphNode {
    readonly id: string;
    readonly type: string;
    readonly name: string;
    readonly seconds: number;
    /** Ids of the nodes whose creation this one waits for. */
    readonly deps: readonly string[];
}

export interface CriticalPath {
    readonly seconds: number;
    /** From the first resource created to the last. */
    readonly chain: readonly GraphNode[];
}

/**
 * Longest weighted chain in a DAG (finish time of a node = its seconds + the latest finish of its
 * deps), over all nodes or only over chains that end in a node `endsAt` accepts (empty if none does).
 */
export function longestPath(nodes: readonly GraphNode[], endsAt: (n: GraphNode) => boolean = () => true): CriticalPath {
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const finish = new Map<string, number>();
    const via = new Map<string, string | undefined>();
    const visiting = new Set<string>();
    const visit = (id: string, from: string): number => {
        const known = finish.get(id);
        if (known !== undefined) return known;
        const node = byId.get(id);
        if (!node) throw new Error(`${from} waits for ${id}, which is not in the graph`);
        if (visiting.has(id)) throw new Error(`dependency cycle through ${id}`);
        visiting.add(id);
        let start = 0;
        let before: string | undefined;
        for (const d of node.deps) {
            const f = visit(d, id);
            if (before === undefined || f > start) {
                start = f;
                before = d;
            }
        }
        visiting.delete(id);
        finish.set(id, start + node.seconds);
        via.set(id, before);
        return start + node.seconds;
    };
    let last: string | undefined;
    let total = 0;
    for (const n of nodes) {
        const f = visit(n.id, "(root)");
        if (!endsAt(n)) continue;
        if (last === undefined || f > total) {
            last = n.id;
            total = f;
        }
    }
    const chain: GraphNode[] = [];
    for (let id = last; id !== undefined; id = via.get(id)) chain.unshift(byId.get(id)!);
    return { seconds: total, chain };
}

const isProvider = (r: Pick<RecordedResource, "type">) => r.type.startsWith("pulumi:providers:");
/** Resources the engine creates in AWS (or locally): custom resources other than providers. */
const isCreated = (r: RecordedResource) => r.custom && !isProvider(r);

/**
 * The creation graph of a run. A dependency on a component means waiting for every resource under
 * it (the SDK expands dependsOn that way); components and providers themselves cost nothing. A
 * custom parent must exist before its child.
 */
export function creationGraph(
    resources: readonly RecordedResource[],
    timeOf: (type: string) => number = (t) => creationTime(t).seconds,
    /** A dependency to leave out (to see what it costs): the waiting resource's URN and the dependency's. */
    without?: { readonly urn: string; readonly dependency: string },
): GraphNode[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const children = new Map<string, RecordedResource[]>();
    for (const r of resources) {
        if (r.parent === undefined) continue;
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const createdUnder = (urn: string): string[] =>
        (children.get(urn) ?? []).flatMap((c) => (isCreated(c) ? [c.urn] : isProvider(c) ? [] : createdUnder(c.urn)));
    const expand = (urn: string, from: RecordedResource): string[] => {
        const r = byUrn.get(urn);
        if (!r) throw new Error(`${from.name} [${from.type}] depends on ${urn}, which the run did not register`);
        if (isProvider(r)) return [];
        return isCreated(r) ? [urn] : createdUnder(urn);
    };
    return resources.filter(isCreated).map((r) => {
        const kept = r.dependencies.filter((d) => !(without && without.urn === r.urn && without.dependency === d));
        const deps = new Set(kept.flatMap((d) => expand(d, r)));
        const parent = r.parent === undefined ? undefined : byUrn.get(r.parent);
        if (parent && isCreated(parent)) deps.add(parent.urn);
        return { id: r.urn, type: r.type, name: r.name, seconds: timeOf(r.type), deps: [...deps] };
    });
}

export interface OrderingOnly {
    readonly urn: string;
    readonly dependency: string;
    readonly resource: string;
    readonly waitsFor: string;
    /** Resource types of the waiting resource and of what it waits for. */
    readonly types: readonly [string, string | undefined];
}

/**
 * Why the components order these pairs of types without passing data (from their comments), so the
 * report says which waits are deliberate. A pair not listed is reported without a reason.
 */
export const ORDERING_REASONS: Readonly<Record<string, string>> = {
    "aws:ec2/natGateway:NatGateway -> aws:ec2/internetGateway:InternetGateway":
        "a public NAT gateway needs the VPC's internet gateway; the AWS provider's NAT gateway example recommends this explicit dependency",
    "aws:dlm/lifecyclePolicy:LifecyclePolicy -> aws:iam/rolePolicyAttachment:RolePolicyAttachment":
        "the policy's first run needs the role's permissions in place (components/aws/backups.ts)",
    "aws:route53/record:Record -> aws:route53/record:Record":
        "Route 53 refuses a failover record beside a plain one of the same name, so when a stack switches to automatic " +
        "failover the PRIMARY record (the former plain one) changes before the SECONDARY is created (components/aws/dns.ts); " +
        "on a first deployment the wait only costs time",
};

export function orderingReason(o: Pick<OrderingOnly, "types">): string | undefined {
    return ORDERING_REASONS[`${o.types[0]} -> ${o.types[1]}`];
}

/** `name [type]` as the report shows a resource. */
export function label(r: Pick<RecordedResource, "name" | "type">): string {
    return `${r.name} [${displayType(r.type)}]`;
}

/**
 * Dependencies that carry no data: in `dependencies` (what the engine waits for) but in no input's
 * `propertyDependencies`, i.e. an explicit dependsOn. Each is worth a reason, since it serialises work.
 */
export function orderingOnlyDependencies(resources: readonly RecordedResource[]): OrderingOnly[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const out: OrderingOnly[] = [];
    for (const r of resources.filter(isCreated)) {
        const carried = new Set(Object.values(r.propertyDependencies).flat());
        for (const d of r.dependencies) {
            if (carried.has(d)) continue;
            const dep = byUrn.get(d);
            out.push({ urn: r.urn, dependency: d, resource: label(r), waitsFor: dep ? label(dep) : d, types: [r.type, dep?.type] });
        }
    }
    return out;
}

export const DNS_RECORD = "aws:route53/record:Record";
