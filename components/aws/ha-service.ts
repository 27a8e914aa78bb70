/**
 * `HaService`: one highly available service (HA or cluster topology) as a Pulumi component, for this
 * repository's stack program (index.ts) and for any other Pulumi program, in TypeScript directly or
 * in any language through the component provider (PulumiPlugin.yaml).
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseSpec, programContext, type StackSpec } from "../config";
import { HA_SERVICE_TYPE, type HaServiceArgs, HaServiceArgsError, LEGACY_SERVICE_TYPE } from "../config/ha-service-args";
import { planTopology } from "../plan";
import { backupHostSummary } from "../plan/backuphost";
import { departedWithoutRemoval } from "../plan/membership";
import { previousMembers } from "./previous";
import { markSecretInputs, secretInputsTransformation } from "./secrets";
import type { NodeOutput } from "./outputs";
import { buildService, nodeOutputs, type ServiceParts } from "./service";
import { formatRelaxation } from "../config/spec";

export type { NodeOutput } from "./outputs";

/**
 * A free-form document (the failover analysis, runbooks, the backup host summary): `any` is how the
 * component provider's schema analyzer spells `pulumi.json#/Any`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HaServiceDocument = any;

/**
 * One highly available service on AWS: its network (or an existing VPC's subnets), security groups,
 * nodes with encrypted data volumes, load balancer, DNS, replication, monitoring and backups, all
 * decided by the pure plan from `args` (the stack config's shape).
 */
export class HaService extends pulumi.ComponentResource {
    /** URL clients use. */
    readonly endpoint: string;
    /** The service's DNS record name. */
    readonly dnsName: string;
    readonly topology: string;
    readonly profile: string;
    /** HA only: the node that is primary. */
    readonly primary?: string;
    readonly production: boolean;
    /** Each node's instance id, private address, zone and role, by node name. */
    readonly nodes: pulumi.Output<Record<string, NodeOutput>>;
    /** EC2 instance id of each node, by node name. */
    readonly instanceIds: pulumi.Output<Record<string, string>>;
    /** Private IPv4 address of each node, by node name. */
    readonly privateIps: pulumi.Output<Record<string, string>>;
    /** The service's security groups by role: `nodes`, and `loadBalancer` / `backupHost` where planned. */
    readonly securityGroupIds: pulumi.Output<Record<string, string>>;
    readonly loadBalancerArn?: pulumi.Output<string>;
    readonly loadBalancerDnsName?: pulumi.Output<string>;
    /** Target group ARNs by target group key. */
    readonly targetGroupArns?: pulumi.Output<Record<string, string>>;
    /** SNS topic the alarms notify (monitoring on). */
    readonly alarmTopicArn?: pulumi.Output<string>;
    /** Each node's replication document (parameter names, never the secret), by node name. */
    readonly replicationDocuments: pulumi.Output<Record<string, string>>;
    /** GHES backup host summary, where planned. */
    readonly backupHost?: HaServiceDocument;
    /** Failover analysis as the offline plan prints it: detection and recovery times with their sources. */
    readonly failoverAnalysis: HaServiceDocument;
    /** Operations runbooks (promotion, node removal, ...) for this service. */
    readonly runbooks: HaServiceDocument;
    /** Things allowed but worth a reviewer's attention. */
    readonly warnings: string[];
    /** Secure defaults relaxed with a `relax` switch, as `relax.<switch>: <detail>`. */
    readonly relaxations: string[];

    constructor(name: string, args: HaServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
        // Validate before registering anything: a bad config never half-applies.
        const spec = specOf(name, args);
        // Stacks deployed before HaService hold their resources under hatopo:index:Service. Children
        // inherit a parent's aliases ("Aliases are inherited from a parent": pulumi/docs,
        // content/docs/iac/operations/stack-management/refactoring-with-aliases.md), so this one alias
        // keeps every resource below in place.
        // Secret config texts (the stack program's, withValidatedSpec): marked secret in every child's
        // inputs (a transformation, which children inherit) and in this component's outputs.
        const secrets = validatedSpecs.get(args)?.secretTexts ?? [];
        const markSecrets = secretInputsTransformation(secrets);
        super(
            HA_SERVICE_TYPE,
            name,
            {},
            {
                ...opts,
                aliases: [...(opts.aliases ?? []), { type: LEGACY_SERVICE_TYPE }],
                ...(markSecrets ? { transformations: [...(opts.transformations ?? []), markSecrets] } : {}),
            },
        );
        const plan = planTopology(spec);
        const gate = membersCheckedByCaller(name, args) ? undefined : membershipGate(name, spec, this);
        const parts = buildService(plan.name, plan, { parent: this, ...(gate ? { dependsOn: gate } : {}) });
        this.endpoint = plan.endpoint;
        this.dnsName = plan.dns[0]?.name ?? "";
        this.topology = plan.topology;
        this.profile = plan.profile;
        if (plan.primary !== undefined) this.primary = plan.primary;
        this.production = plan.production;
        this.nodes = nodeOutputs(plan, parts.allNodes);
        this.instanceIds = byNode(parts, "id");
        this.privateIps = byNode(parts, "privateIp");
        this.securityGroupIds = pulumi.all(parts.security.ids as Record<string, pulumi.Output<string>>);
        if (parts.loadBalancer) {
            this.loadBalancerArn = parts.loadBalancer.arn;
            this.loadBalancerDnsName = parts.loadBalancer.dnsName;
            this.targetGroupArns = pulumi.all(parts.loadBalancer.targetGroupArns);
        }
        if (parts.monitoring) this.alarmTopicArn = parts.monitoring.topicArn;
        this.replicationDocuments = pulumi.all(parts.replication.documents);
        if (plan.backupHost) this.backupHost = backupHostSummary(plan.backupHost);
        this.failoverAnalysis = plan.failoverAnalysis;
        this.runbooks = plan.runbooks;
        this.warnings = [...plan.warnings];
        this.relaxations = plan.relaxations.map(formatRelaxation);
        this.registerOutputs(markSecretInputs(outputsOf(this), secrets));
    }
}

/** Specs already validated from these very args objects (`withValidatedSpec`), and whether the caller checked membership. */
const validatedSpecs = new WeakMap<
    HaServiceArgs,
    { readonly spec: StackSpec; readonly membersChecked: boolean; readonly secretTexts: readonly string[] }
>();

/**
 * `args`, marked as read from the same config as `spec`: the stack program (index.ts) validates the
 * stack config first, for errors in stack-file key paths, and HaService then takes that spec instead
 * of validating the same config a second time in the same run. `membersChecked`: the caller has also
 * compared the nodes with the last deployment's (plan/membership.ts), so HaService does not read the
 * stack's previous `nodes` a second time. `secretTexts`: the texts of the config's secret keys
 * (config/secrets.ts), which HaService marks secret wherever they land (aws/secrets.ts).
 */
export function withValidatedSpec(
    args: HaServiceArgs,
    spec: StackSpec,
    opts: { readonly membersChecked?: boolean; readonly secretTexts?: readonly string[] } = {},
): HaServiceArgs {
    validatedSpecs.set(args, { spec, membersChecked: opts.membersChecked ?? false, secretTexts: opts.secretTexts ?? [] });
    return args;
}

/** Whether the caller that validated `args` for the service `name` also ran the membership check. */
function membersCheckedByCaller(name: string, args: HaServiceArgs): boolean {
    const v = validatedSpecs.get(args);
    return v !== undefined && v.spec.name === (args.name ?? name) && v.membersChecked;
}

/** The validated spec of the args, or an HaServiceArgsError naming every bad key as `args.<path>`. */
function specOf(name: string, args: HaServiceArgs): StackSpec {
    const validated = validatedSpecs.get(args)?.spec;
    if (validated !== undefined && validated.name === (args.name ?? name)) return validated;
    const ctx = programContext();
    // The service name defaults to the component's name (`new HaService("git", ...)` names resources git-*).
    const raw: Record<string, unknown> = { ...args, name: args.name ?? name };
    try {
        return parseSpec(raw, ctx);
    } catch (e) {
        if (e instanceof ConfigError) throw new HaServiceArgsError(name, e.problems, ctx.stack);
        throw e;
    }
}

/**
 * Profiles whose members leave only when told to (cloudify): a node deleted from `nodes` since the
 * last deployment without being listed in `removedNodes` fails the deployment before any child of
 * the component is registered (every child waits for this check), with the same message as the
 * stack program. The previous members are the stack's own last `nodes` output, as in index.ts.
 */
function membershipGate(name: string, spec: StackSpec, parent: HaService): Promise<pulumi.Resource[]> | undefined {
    if (!spec.profile.membersLeaveExplicitly?.includes(spec.topology)) return undefined;
    return previousMembers({ name: `${name}-previous-members`, parent }).then((previous) => {
        const departed = departedWithoutRemoval(spec, previous);
        if (departed.length > 0) throw new HaServiceArgsError(name, departed, spec.stack);
        return [];
    });
}

function byNode(parts: ServiceParts, key: "id" | "privateIp"): pulumi.Output<Record<string, string>> {
    return pulumi.all(Object.fromEntries(Object.entries(parts.allNodes).map(([k, n]) => [k, n.instance[key]])));
}

/** The public outputs, for `registerOutputs`: every output property that is set. */
function outputsOf(s: HaService): Record<string, unknown> {
    return Object.fromEntries(HA_SERVICE_OUTPUTS.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
}

/** Every output property of HaService (test/ha-service.test.ts checks the inferred schema lists the same). */
export const HA_SERVICE_OUTPUTS = [
    "endpoint",
    "dnsName",
    "topology",
    "profile",
    "primary",
    "production",
    "nodes",
    "instanceIds",
    "privateIps",
    "securityGroupIds",
    "loadBalancerArn",
    "loadBalancerDnsName",
    "targetGroupArns",
    "alarmTopicArn",
    "replicationDocuments",
    "backupHost",
    "failoverAnalysis",
    "runbooks",
    "warnings",
    "relaxations",
] as const satisfies readonly (keyof HaService)[];
