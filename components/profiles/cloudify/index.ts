import type { PortSpec, RenderContext, ServiceProfile } from "../types";
import { CLUSTER_NOT_STARTED, clusterAsset, clusterCommands } from "./cluster";
import { snapshotAsset, snapshotCommands, snapshotFiles } from "./snapshots";
import { HEALTH_PATH, HEALTH_PORT, healthAsset, healthCommands, healthFiles } from "./health";

/**
 * Cloudify Manager 4.x cluster: one active manager and hot standbys that elect a new active manager
 * by majority (Consul). Ports follow Cloudify's "Cloudify High Availability" guide (4.x): the cluster
 * ports between managers, and the ports clients and agents use. Only 4.x: `cfy cluster` exists
 * there alone (5.x replaced it with the Cluster Manager); the cluster script refuses any other
 * version on the node (cluster.ts `check_version`).
 */

function stateParameterOf(ctx: RenderContext): string {
    if (ctx.clusterStateParameter === undefined) throw new Error("the cloudify profile needs the cluster-state parameter");
    return ctx.clusterStateParameter;
}

/** The Cloudify releases this profile drives. */
export const SUPPORTED_VERSION = "4.x";

const tcp = (port: number, description: string): PortSpec => ({ port, protocol: "tcp", description });

export const cloudify: ServiceProfile = {
    name: "cloudify",
    description: `Cloudify Manager ${SUPPORTED_VERSION} cluster: one active manager, hot standbys, majority election.`,
    topologies: ["cluster"],
    singleRegion: {
        reason: "its managers elect the active one by majority and mirror it as hot standbys, so they must share a low-latency network; split across regions, a partition makes the minority side active and its data is lost when the sides reconnect",
        source: "Cloudify 4.x HA guide, docs.getcloudify.org content/working_with/manager/high-availability-clusters.md",
    },
    topologyNote: "Cloudify managers form a cluster whose load balancer finds the active manager through its health check",
    ports: {
        user: [
            tcp(443, "REST API and web UI (TLS)"),
            tcp(5671, "RabbitMQ (AMQPS) for Cloudify agents"),
            tcp(53333, "internal REST API for Cloudify agents"),
        ],
        admin: [tcp(22, "SSH for the cfy CLI")],
        replication: {
            ha: [],
            cluster: [
                tcp(8300, "Consul: distributed key/value store"),
                tcp(8301, "Consul: heartbeats"),
                { port: 8301, protocol: "udp", description: "Consul: heartbeats" },
                tcp(8500, "Consul: outage recovery after half the managers failed"),
                tcp(15432, "PostgreSQL replication"),
                tcp(22000, "file system replication"),
                // Not in the guide's port list, but `cfy cluster join` and finding the active manager
                // (GET /api/v3.1/status) reach the other managers' REST API.
                tcp(443, "REST API: cluster join and finding the active manager"),
            ],
        },
    },
    // The managers' own endpoint (health.ts): 200 only on the active manager, so the load balancer
    // sends every client and agent to it alone. GET /api/v3.1/status itself needs credentials,
    // which a target-group health check cannot send.
    healthCheck: { protocol: "HTTP", port: HEALTH_PORT, path: HEALTH_PATH, matcher: "200" },
    loadBalancer: {
        // Agents speak AMQP on 5671, which an ALB cannot carry; the managers terminate TLS themselves.
        defaultKind: "nlb",
        allowedKinds: ["nlb"],
        listeners: {
            alb: [],
            nlb: [443, 5671, 53333].map((port) => ({ port, protocol: "TCP", targetPort: port, targetProtocol: "TCP" }) as const),
        },
        preserveClientIp: true,
        proxyProtocolV2: false,
    },
    roles: { names: ["manager"], serving: ["manager"], required: ["manager"], defaults: ["manager"], leaders: ["manager"] },
    limits: {
        ha: { min: 2, max: 10 },
        // One manager is not highly available; Cloudify recommends three (a majority survives one loss).
        cluster: { min: 2, max: 200, recommendedMax: 3 },
    },
    // The status check answers 200 on the active manager only: the standbys fail it by design.
    activeTargets: 1,
    election: {
        role: "manager",
        seconds: 60,
        source: 'This is an assumption: Cloudify\'s High Availability guide (4.x, "Using Clusters to Provide High Availability") documents a heartbeat between managers every 15 s but no failover time; 60 s allows for missed heartbeats, the majority election, and the new active manager starting RabbitMQ and MgmtWorker and promoting PostgreSQL. Measure it on your cluster.',
    },
    clusterState: { initial: CLUSTER_NOT_STARTED },
    // "A Cloudify Manager that is down remains in the cluster unless you remove it" (HA guide, Health Checks).
    membersLeaveExplicitly: ["cluster"],
    minorityMode: {
        description:
            "the managers cut off from the majority enter active-minority mode: they become active and answer requests, but their writes are not replicated to the majority; when the connection returns, the manager with the most recently updated database becomes active and the other side's writes are lost.",
        source: 'Cloudify HA guide (4.x), content/working_with/manager/high-availability-clusters.md, "Managing Network Failure".',
        healthCheck:
            "The health endpoint (GET /active) cannot tell active-minority mode apart: Cloudify 4.x documents no REST status for it (only `cfy cluster nodes list` shows the unreachable managers), so a minority manager that the load balancer still reaches passes its check like the majority's active manager.",
    },
    failover: {
        automaticAllowed: false,
        reason: "Cloudify managers elect a new active manager by themselves, in the cluster topology",
    },
    failoverDataRisk: {
        kind: "split-brain",
        description:
            "on a network partition both sides may act as the active manager; when they reconnect the most recently updated side wins and the other side's changes are lost (policies are not synchronised, in-flight workflows may not resume)",
    },
    snapshotArchive: {
        keyPrefix: "cloudify-snapshots/",
        description: "Cloudify snapshots (cfy snapshots create on the active manager)",
    },
    assets: (ctx) => [
        healthAsset(ctx.stateDir),
        clusterAsset(ctx.stateDir, stateParameterOf(ctx)),
        ...(ctx.snapshotArchive ? [snapshotAsset(ctx.stateDir)] : []),
    ],
    render: (doc, ctx) => {
        if (doc.topology !== "cluster") throw new Error("the cloudify profile renders the cluster topology only");
        const leader = doc.leaders.manager;
        if (leader === undefined) throw new Error(`cluster document of ${doc.node} names no leading manager`);
        return {
            files: [...healthFiles(ctx.stateDir), ...(ctx.snapshotArchive ? snapshotFiles(ctx.stateDir, ctx.snapshotArchive) : [])],
            commands: [
                ...healthCommands(ctx.stateDir),
                ...clusterCommands(ctx.stateDir, {
                    self: doc.self,
                    name: doc.node,
                    starter: doc.node === leader.name,
                    peers: doc.peers.map((p) => p.address),
                    removed: doc.removed,
                }),
                ...(ctx.snapshotArchive ? snapshotCommands(ctx.stateDir) : []),
            ],
        };
    },
};
