/**
 * StackSpec -> TopologyPlan. Pure: no Pulumi imports, no I/O. Everything a reviewer wants to know
 * about a stack is decided here.
 */
import { createHash } from "node:crypto";
import { ConfigError, networkZones, type StackSpec } from "../config";
import { zonesOfNode } from "../config/dr-config";
import { planBackupHost } from "./backuphost";
import { backupTargetTags, planBackups } from "./backups";
import { planDr } from "./dr";
import { autoFailoverNameProblems, planAutoFailover } from "./autofailover";
import { analyseFailover } from "./failover";
import { failoverWarnings, planHealthChecks } from "./healthchecks";
import { planDns, planLoadBalancer, targetGroupNameProblems } from "./loadbalancer";
import { planMonitoring } from "./monitoring";
import { loadBalancerSubnetTier, natZone, subnetCidrs } from "../common/network";
import {
    assetParameter,
    baseTags,
    clusterStateParameter,
    configParameter,
    documentParameter,
    parameterPrefix,
    secretParameter,
} from "../common/naming";
import { heartbeatSteps } from "./heartbeat";
import { renderNodeScript } from "./nodescript";
import { duplicateRegistrationProblems } from "./registrations";
import { placeNode } from "../common/placement";
import { applyDocument, oversizedAssets, oversizedParameters, PARAMETER_TIER, planDocuments } from "./replication";
import { planRunbooks } from "./runbook";
import { planSecurityGroups } from "./security";
import { planSnapshotArchive } from "./snapshots";
import type { LoadBalancerPlan, PlannedNode, TopologyPlan } from "./types";
import { associationCommands, NODE_PARAMETER_REF, renderUserData, STATE_DIR } from "./userdata";

export * from "./types";
export { ALIAS_TTL } from "./loadbalancer";
export { ELB_ZONE_DETECT, ROUTE53_PROPAGATION } from "./failover";
export { BACKUP_TAG } from "../common/naming";
export { addressRef, canonicalJson, documentHash, PARAMETER_MAX_LENGTH, referencedNodes, resolveAddresses } from "./replication";
export { slug } from "../common/naming";
export { renderNodeScript, shellQuote } from "./nodescript";
export { duplicateRegistrationProblems, plannedRegistrations, registrationKey } from "./registrations";
export { APPLY_SCRIPT_PATH, applyScript, associationCommands, NODE_PARAMETER_REF, STATE_DIR } from "./userdata";
export type { SubnetTier, ZoneSubnets } from "../common/network";

/** Instance properties whose change would replace a running node; ignored unless the node opts in. */
export const REPLACING_INSTANCE_PROPERTIES = ["ami", "userData", "userDataBase64"] as const;

export function planTopology(spec: StackSpec): TopologyPlan {
    const zones = networkZones(spec.network);
    const prefix = parameterPrefix(spec.project, spec.stack, spec.name);
    const secret = secretParameter(prefix);
    const tags = baseTags(spec.project, spec.stack, spec.name, spec.tags);
    const { profile } = spec;
    const stateDir = profile.stateDir ?? STATE_DIR;

    const nodes = spec.nodes.map((n) => planNode(spec, n, { zones, prefix, secret, tags, stateDir }));

    const loadBalancer = planLoadBalancer(spec, nodes);
    const healthChecks = planHealthChecks(spec);
    const autoFailover = planAutoFailover(spec);
    const dns = planDns(spec);
    const monitoring = planMonitoring(spec, nodes, loadBalancer);
    const backups = planBackups(spec);
    const backupHost = planBackupHost(spec);
    const clusterState = profile.clusterState && { parameter: clusterStateParameter(prefix), initial: profile.clusterState.initial };
    const snapshotArchive = planSnapshotArchive(spec, prefix);
    const { assets, documents } = planScripts(spec, {
        nodes,
        prefix,
        secret,
        stateDir,
        clusterState,
        snapshotArchive,
        autoFailover,
        loadBalancer,
    });
    const tooLarge = [
        ...oversizedParameters(documents),
        ...oversizedAssets(assets),
        ...targetGroupNameProblems(spec, loadBalancer),
        ...autoFailoverNameProblems(spec, autoFailover),
    ];
    if (tooLarge.length > 0) throw new ConfigError(spec.stack, tooLarge, spec.project);
    const scheme = (spec.loadBalancer?.listeners.some((l) => l.protocol === "HTTPS" || l.port === 443) ?? true) ? "https" : "http";

    const plan: TopologyPlan = planDr(spec, {
        project: spec.project,
        stack: spec.stack,
        name: spec.name,
        topology: spec.topology,
        profile: profile.name,
        production: spec.production,
        zones,
        network: planNetwork(spec, loadBalancer),
        nodes,
        ...(spec.primary === undefined ? {} : { primary: spec.primary }),
        securityGroups: planSecurityGroups(spec, loadBalancer),
        ...(loadBalancer ? { loadBalancer } : {}),
        dns,
        replication: {
            secretParameter: secret,
            applyDocument: planApplyDocument(prefix, secret, stateDir),
            parameterTier: PARAMETER_TIER,
            assets,
            ...(clusterState ? { clusterState } : {}),
            documents,
        },
        healthChecks,
        ...(autoFailover ? { autoFailover } : {}),
        ...(monitoring ? { monitoring } : {}),
        ...(backups ? { backups } : {}),
        ...(backupHost ? { backupHost } : {}),
        ...(snapshotArchive ? { snapshotArchive } : {}),
        failoverAnalysis: analyseFailover({ spec, nodes, zones, loadBalancer, healthChecks, autoFailover }),
        runbooks: planRunbooks(spec, nodes, loadBalancer),
        endpoint: `${scheme}://${spec.dns.name}`,
        tags,
        warnings: [...spec.warnings, ...failoverWarnings(spec, nodes)],
        relaxations: spec.relaxations,
    });
    // Derived names that collide (nodes `a` and `a-config`) would stop `pulumi up` halfway.
    const collisions = duplicateRegistrationProblems(plan);
    if (collisions.length > 0) throw new ConfigError(spec.stack, collisions, spec.project);
    return plan;
}

/** Each node's document, rendered config (the profile's, plus the heartbeat) and script, and the profile's assets. */
function planScripts(
    spec: StackSpec,
    at: {
        nodes: readonly PlannedNode[];
        prefix: string;
        secret: string;
        stateDir: string;
        clusterState: TopologyPlan["replication"]["clusterState"];
        snapshotArchive: TopologyPlan["snapshotArchive"];
        autoFailover: TopologyPlan["autoFailover"];
        loadBalancer: LoadBalancerPlan | undefined;
    },
): Pick<TopologyPlan["replication"], "assets" | "documents"> {
    const { profile } = spec;
    const { prefix, stateDir, clusterState, snapshotArchive } = at;
    const renderContext = {
        stateDir,
        ...(clusterState ? { clusterStateParameter: clusterState.parameter } : {}),
        ...(snapshotArchive ? { snapshotArchive } : {}),
    };
    const assets = (profile.assets?.(renderContext) ?? []).map((f) => ({
        parameter: assetParameter(prefix, f.path),
        ...f,
        sha256: createHash("sha256").update(f.content).digest("hex"),
    }));
    const hc = at.loadBalancer?.targetGroups[0]?.healthCheck;
    const documents = planDocuments(spec, at.nodes, at.secret).map((d) => {
        const config = profile.render(d, renderContext);
        const after = heartbeatSteps(at.autoFailover, d.node, hc);
        return {
            node: d.node,
            parameter: documentParameter(prefix, d.node),
            document: d,
            configParameter: configParameter(prefix, d.node),
            config,
            ...(after ? { after } : {}),
            script: renderNodeScript(config, { node: d.node, stateDir, assets, ...(after ? { after } : {}) }),
        };
    });
    return { assets, documents };
}

/** The SSM document every association runs: it carries the apply script, the node is its `node` parameter. */
function planApplyDocument(prefix: string, secret: string, stateDir: string): TopologyPlan["replication"]["applyDocument"] {
    return applyDocument(
        associationCommands({
            document: documentParameter(prefix, NODE_PARAMETER_REF),
            config: configParameter(prefix, NODE_PARAMETER_REF),
            secret,
            stateDir,
        }),
    );
}

/** One node: its zone, role, volumes, parameters and user data. */
function planNode(
    spec: StackSpec,
    n: StackSpec["nodes"][number],
    at: { zones: readonly string[]; prefix: string; secret: string; tags: Record<string, string>; stateDir: string },
): PlannedNode {
    const { zones, prefix, secret, tags, stateDir } = at;
    const { profile } = spec;
    const isPrimary = spec.topology === "ha" && n.key === spec.primary;
    const parameter = documentParameter(prefix, n.key);
    const config = configParameter(prefix, n.key);
    return {
        key: n.key,
        zone: placeNode(n, zonesOfNode(spec, n, zones)),
        ...(spec.dr?.nodes.includes(n.key) ? { region: spec.dr.region } : {}),
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
            // Always carried, so turning backups on or off never retags a volume.
            tags: { ...tags, Name: `${spec.name}-${spec.stack}-${n.key}-data`, Node: n.key, ...backupTargetTags(spec) },
        },
        documentParameter: parameter,
        configParameter: config,
        userData: renderUserData({ document: parameter, config, secret, stateDir }),
        // No role tag: a promotion must not touch the instances.
        tags: { ...tags, Name: `${spec.name}-${spec.stack}-${n.key}`, Node: n.key },
    };
}

/** A created network with its subnets and NAT zone; an existing one as configured. */
function planNetwork(spec: StackSpec, loadBalancer: LoadBalancerPlan | undefined): TopologyPlan["network"] {
    return spec.network.kind === "create"
        ? {
              ...spec.network,
              subnets: subnetCidrs(spec.network.cidr, spec.network.zones, spec.network.zoneSlots),
              natZone: natZone(spec.network.zones, spec.network.zoneSlots),
              loadBalancerSubnetTier: loadBalancerSubnetTier(loadBalancer),
          }
        : spec.network;
}
