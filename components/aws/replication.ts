import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { inRegion } from "../common/region";
import * as random from "@pulumi/random";
import { type ApplyParameter, canonicalJson, documentHash, type ReplicationPlan, resolveAddresses } from "../plan";

export interface ReplicationArgs {
    /** DR region resources: the region they live in; undefined: the stack's region. */
    readonly region?: string;
    readonly plan: ReplicationPlan;
    readonly nodeAddresses: Readonly<Record<string, pulumi.Input<string>>>;
    readonly instanceIds: Readonly<Record<string, pulumi.Input<string>>>;
    readonly tags: Readonly<Record<string, string>>;
    /** DR region: the join secret of the main region's Replication (one secret for every node); default: a new random one. */
    readonly secret?: pulumi.Output<string>;
}

/**
 * The join secret (random, SecureString, Pulumi secret), each node's replication document and
 * rendered configuration script in SSM, and an SSM association per node that re-applies them
 * whenever either hash changes. Both change on a promotion; instances do not.
 */
export class Replication extends pulumi.ComponentResource {
    /** Resolved documents by node key (no secrets in them). */
    readonly documents: Readonly<Record<string, pulumi.Output<string>>>;
    readonly secretParameterName: pulumi.Output<string>;
    /** The join secret (a Pulumi secret), for the DR region's copy of its parameter. */
    readonly secret: pulumi.Output<string>;

    constructor(name: string, args: ReplicationArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:replication:Replication", name, {}, opts);
        const parent = { parent: this };
        const secret = args.secret ?? new random.RandomPassword(`${name}-secret`, { length: 40, special: false }, parent).result;
        const secretParam = new aws.ssm.Parameter(
            `${name}-secret`,
            {
                ...inRegion(args.region),
                name: args.plan.secretParameter,
                type: "SecureString",
                value: pulumi.secret(secret),
                description: "Replication / cluster join secret",
                tags: args.tags,
            },
            { ...parent, additionalSecretOutputs: ["value"] },
        );
        const command = new aws.ssm.Document(
            `${name}-apply`,
            {
                ...inRegion(args.region),
                documentType: "Command",
                documentFormat: "JSON",
                content: JSON.stringify(args.plan.applyDocument),
                tags: args.tags,
            },
            parent,
        );
        // Created with its first value; from then on the nodes own the value (cloudify: `started`).
        const clusterState = args.plan.clusterState
            ? new aws.ssm.Parameter(
                  `${name}-cluster-state`,
                  {
                      ...inRegion(args.region),
                      name: args.plan.clusterState.parameter,
                      type: "String",
                      value: args.plan.clusterState.initial,
                      description: "Whether the cluster has been created; set by the node that created it",
                      tags: args.tags,
                  },
                  { ...parent, ignoreChanges: ["value"] },
              )
            : undefined;
        // The profile's programs, the same for every node; each node's script fetches them.
        const assets = args.plan.assets.map(
            (a) =>
                new aws.ssm.Parameter(
                    `${name}-asset-${a.parameter.split("/").pop()}`,
                    {
                        ...inRegion(args.region),
                        name: a.parameter,
                        type: "String",
                        tier: args.plan.parameterTier,
                        value: a.content,
                        description: `${a.path} on every node`,
                        tags: args.tags,
                    },
                    parent,
                ),
        );
        const addresses = pulumi.all(args.nodeAddresses);
        const documents: Record<string, pulumi.Output<string>> = {};
        const shared = { command, secretParam, dependsOn: [...assets, ...(clusterState ? [clusterState] : [])] };
        for (const d of args.plan.documents) documents[d.node] = nodeDocument(name, args, d, addresses, shared, parent);
        this.documents = documents;
        this.secretParameterName = secretParam.name;
        this.secret = pulumi.secret(secret);
        this.registerOutputs({ documents });
    }
}

/**
 * One node's replication document and rendered script (SSM parameters, addresses resolved) and the
 * association that re-applies them; returns the resolved document.
 */
function nodeDocument(
    name: string,
    args: ReplicationArgs,
    d: ReplicationArgs["plan"]["documents"][number],
    addresses: pulumi.Output<Record<string, string>>,
    shared: { command: aws.ssm.Document; secretParam: aws.ssm.Parameter; dependsOn: pulumi.Resource[] },
    parent: pulumi.ResourceOptions,
): pulumi.Output<string> {
    const template = canonicalJson(d.document);
    const text = addresses.apply((a) => resolveAddresses(template, a));
    const parameter = new aws.ssm.Parameter(
        `${name}-${d.node}`,
        {
            ...inRegion(args.region),
            name: d.parameter,
            type: "String",
            tier: args.plan.parameterTier,
            value: text,
            description: `Replication document of ${d.node}`,
            tags: args.tags,
        },
        parent,
    );
    // The plan rendered the script with address placeholders; the profile's renderer treats
    // addresses as opaque text, so resolving them here equals rendering the resolved document.
    const script = new aws.ssm.Parameter(
        `${name}-${d.node}-config`,
        {
            ...inRegion(args.region),
            name: d.configParameter,
            type: "String",
            tier: args.plan.parameterTier,
            value: addresses.apply((a) => resolveAddresses(d.script, a)),
            description: `Rendered configuration script of ${d.node}`,
            tags: args.tags,
        },
        parent,
    );
    const instanceId = args.instanceIds[d.node];
    if (instanceId === undefined) throw new Error(`replication document for unknown node "${d.node}"`);
    new aws.ssm.Association(
        `${name}-${d.node}`,
        {
            ...inRegion(args.region),
            name: shared.command.name,
            targets: [{ key: "InstanceIds", values: [instanceId] }],
            // Read through the parameter resources, so the association runs only once both exist.
            parameters: {
                documentHash: parameter.value.apply(documentHash),
                configHash: script.value.apply(documentHash),
                secretVersion: shared.secretParam.version.apply(String),
                node: d.node,
            } satisfies Record<ApplyParameter, pulumi.Input<string>>,
        },
        { ...parent, dependsOn: shared.dependsOn },
    );
    return text;
}
