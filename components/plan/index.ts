/**
 * StackSpec -> TopologyPlan. Pure: no Pulumi imports, no I/O. Everything a reviewer wants to know
 * about a stack is decided here.
 */
import { networkZones, type StackSpec } from "../config";
import { planDns, planLoadBalancer } from "./loadbalancer";
import { subnetCidrs } from "./network";
import { baseTags, documentParameter, parameterPrefix, secretParameter } from "./naming";
import { placeNode } from "./placement";
import { planDocuments } from "./replication";
import { planSecurityGroups } from "./security";
import type { PlannedNode, TopologyPlan } from "./types";
import { APPLY_SCRIPT_PATH, renderUserData } from "./userdata";

export * from "./types";
export { ALIAS_TTL } from "./loadbalancer";
export { addressRef, canonicalJson, documentHash, referencedNodes, resolveAddresses } from "./replication";
export { slug } from "./naming";
export type { ZoneSubnets } from "./network";

/** Instance properties whose change would replace a running node; ignored unless the node opts in. */
export const REPLACING_INSTANCE_PROPERTIES = ["ami", "userData", "userDataBase64"] as const;

export function planTopology(spec: StackSpec): TopologyPlan {
    const zones = networkZones(spec.network);
    const prefix = parameterPrefix(spec.project, spec.stack, spec.name);
    const secret = secretParameter(prefix);
    const tags = baseTags(spec.project, spec.stack, spec.name, spec.tags);
    const { profile } = spec;

    const nodes: PlannedNode[] = spec.nodes.map((n) => {
        const isPrimary = spec.topology === "ha" && n.key === spec.primary;
        const parameter = documentParameter(prefix, n.key);
        return {
            key: n.key,
            zone: placeNode(n, zones),
            instanceType: n.instanceType,
            ami: n.ami,
            role: spec.topology === "ha" ? (isPrimary ? "primary" : "replica") : n.roles.join("+"),
            roles: n.roles,
            serving: spec.topology === "ha" ? isPrimary : n.roles.some((r) => profile.roles.serving.includes(r)),
            ignoreChanges: n.allowReplacement ? [] : [...REPLACING_INSTANCE_PROPERTIES],
            rootVolume: { size: spec.rootVolumeSize },
            dataVolume: {
                size: n.dataVolumeSize,
                ...(spec.dataVolume.iops === undefined ? {} : { iops: spec.dataVolume.iops }),
                ...(spec.dataVolume.throughput === undefined ? {} : { throughput: spec.dataVolume.throughput }),
                ...(spec.dataVolume.kmsKeyId === undefined ? {} : { kmsKeyId: spec.dataVolume.kmsKeyId }),
                deviceName: spec.dataVolume.deviceName,
                protect: spec.dataVolume.protect,
                retainOnDelete: spec.dataVolume.retainOnDelete,
            },
            documentParameter: parameter,
            userData: renderUserData(parameter, secret),
            // No role tag: a promotion must not touch the instances.
            tags: { ...tags, Name: `${spec.name}-${spec.stack}-${n.key}`, Node: n.key },
        };
    });

    const loadBalancer = planLoadBalancer(spec, nodes);
    const dns = planDns(spec);
    const documents = planDocuments(spec, nodes, secret);
    const scheme = (spec.loadBalancer?.listeners.some((l) => l.protocol === "HTTPS" || l.port === 443) ?? true) ? "https" : "http";

    return {
        project: spec.project,
        stack: spec.stack,
        name: spec.name,
        topology: spec.topology,
        profile: profile.name,
        production: spec.production,
        zones,
        network:
            spec.network.kind === "create"
                ? { ...spec.network, subnets: subnetCidrs(spec.network.cidr, spec.network.zones) }
                : spec.network,
        nodes,
        ...(spec.primary === undefined ? {} : { primary: spec.primary }),
        securityGroups: planSecurityGroups(spec, loadBalancer),
        ...(loadBalancer ? { loadBalancer } : {}),
        dns,
        replication: {
            secretParameter: secret,
            applyCommand: APPLY_SCRIPT_PATH,
            documents: documents.map((d) => ({ node: d.node, parameter: documentParameter(prefix, d.node), document: d })),
        },
        endpoint: `${scheme}://${spec.dns.name}`,
        tags,
        warnings: spec.warnings,
        relaxations: spec.relaxations,
    };
}
