import type { NodeDocument } from "../plan/types";
import { CLUSTER_PORTS, GHES_LEADER_MOVE, GHES_MIN_NODES, GHES_ROLES, renderCluster } from "./ghes-cluster";
import { HELPER, helperScript, licenseParameter, promoteScript } from "./ghes-manage";
import type { NodeConfig, PortSpec, RenderContext, ServiceProfile } from "./types";

export { CLUSTER_CONF_PATH, CLUSTER_PORTS, clusterConf, GHES_DATACENTER, GHES_MIN_NODES, GHES_ROLES } from "./ghes-cluster";

/**
 * GitHub Enterprise Server, as an HA pair (or primary with several replicas) or as a cluster.
 * Ports, commands and the cluster.conf format follow GitHub's "Cluster network configuration",
 * "Creating a high availability replica", "Initiating a failover to your replica appliance" and
 * "Initializing the cluster" documentation.
 */

const tcp = (port: number, description: string): PortSpec => ({ port, protocol: "tcp", description });
const udp = (port: number, description: string): PortSpec => ({ port, protocol: "udp", description });

type HaDocument = Extract<NodeDocument, { topology: "ha" }>;

/** GHES keeps the package's state on the user data volume: every upgrade replaces the root filesystem. */
export const GHES_STATE_DIR = "/data/user/ha-service";

/**
 * The first replica, in config order, that never was primary: it is set up with plain
 * `ghe-repl-setup`; every other replica waits for it and is added with `--add`.
 */
export function seedReplica(doc: HaDocument): string | undefined {
    const former = doc.ghesHa?.formerPrimaries ?? {};
    return doc.replicas.find((r) => former[r.name] === undefined)?.name;
}

function renderHa(doc: HaDocument, ctx: RenderContext): NodeConfig {
    const helper = `${ctx.stateDir}/${HELPER}`;
    const license = licenseParameter(doc.secretParameter);
    const helperFile = { path: helper, mode: "0700", content: helperScript(ctx.stateDir, doc.secretParameter, doc.role) };
    if (doc.role === "primary") {
        const promote = `${ctx.stateDir}/ghes-promote`;
        return {
            files: [helperFile, { path: promote, mode: "0700", content: promoteScript(doc.node, ctx.stateDir) }],
            // A promoted replica is promoted first; a new appliance gets its license and password.
            commands: [promote, `${helper} init ${license} apply`, `${helper} primary`],
        };
    }
    const primary = doc.primary.address;
    const seed = seedReplica(doc) === doc.node;
    const add = seed ? "" : "--add ";
    const geo = doc.ghesHa?.geo[doc.node];
    // The steps of joining PRIMARY's group are skipped on a replica that follows it already, so a new
    // helper file (which re-runs every later step) never sets up a running replica again.
    const join = (step: string) => `${helper} join ${primary} ${step}`;
    return {
        files: [helperFile],
        commands: [
            `${helper} guard ${doc.ghesHa?.formerPrimaries[doc.node] ?? "replica"}`,
            `${helper} leave ${primary}`,
            `${helper} init ${license} setup`,
            ...(seed ? [] : [join(`wait-for-seed ${primary}`)]),
            join(`authorize ${add}${primary}`),
            join(`ghe-repl-setup ${add}${primary}`),
            // GitHub: ghe-config-apply between ghe-repl-setup and ghe-repl-start keeps the primary serving.
            join("ghe-config-apply"),
            join("ghe-repl-start"),
            // Datacenter and active/inactive per node, then a config apply on the primary: github/docs
            // content/admin/monitoring-and-managing-your-instance/configuring-high-availability/
            // creating-a-high-availability-replica.md, "Creating geo-replication replicas". The helper
            // skips settings it applied already, so a new helper file starts no config run on the primary.
            ...(geo ? [`${helper} geo ${primary} ${geo.datacenter} ${geo.active ? "active" : "inactive"}`] : []),
            "ghe-repl-status",
            `${helper} joined ${primary}`,
        ],
    };
}

export const ghes: ServiceProfile = {
    name: "ghes",
    stateDir: GHES_STATE_DIR,
    description: "GitHub Enterprise Server: HA replicas (ghe-repl-*) or a cluster (cluster.conf).",
    topologies: ["ha", "cluster"],
    ports: {
        user: [
            tcp(22, "Git over SSH"),
            tcp(80, "HTTP (redirects to HTTPS)"),
            tcp(443, "HTTPS"),
            tcp(9418, "Git protocol (disabled in private mode)"),
        ],
        admin: [tcp(8443, "management console (HTTPS)"), tcp(122, "administrative SSH")],
        replication: {
            ha: [tcp(122, "replication over administrative SSH"), udp(1194, "replication VPN")],
            cluster: CLUSTER_PORTS,
        },
    },
    // /status answers 200 only when the node can serve users, 503 on a passive replica and in
    // maintenance mode (github/docs: monitoring-a-high-availability-configuration.md, "Monitoring
    // replication from a remote system"), so HA registers every node and the check picks the primary.
    healthCheck: { protocol: "HTTPS", port: 443, path: "/status", matcher: "200" },
    loadBalancer: {
        // Git over SSH (22) and the Git protocol (9418) are not HTTP, and GHES terminates TLS itself.
        defaultKind: "nlb",
        allowedKinds: ["nlb"],
        listeners: {
            alb: [],
            nlb: [22, 80, 443, 9418].map((port) => ({ port, protocol: "TCP", targetPort: port, targetProtocol: "TCP" }) as const),
        },
        // GHES speaks PROXY protocol v1 only, which NLBs do not send; instance targets keep client IPs.
        preserveClientIp: true,
        proxyProtocolV2: false,
    },
    roles: {
        names: GHES_ROLES,
        serving: ["web-server"],
        // Every service must run somewhere; metrics (Grafana) is optional.
        required: GHES_ROLES.filter((r) => r !== "metrics-server"),
        defaults: GHES_ROLES,
        leaders: ["mysql-server", "redis-server"],
        minNodes: GHES_MIN_NODES,
    },
    manualLeaderMove: GHES_LEADER_MOVE,
    // A cluster node leaves only through ghe-remove-node (removedNodes); a node deleted from the config
    // without it stays in cluster.conf with its data (configuring-clustering/replacing-a-cluster-node.md).
    membersLeaveExplicitly: ["cluster"],
    newNameOnReplace: {
        source: "github/docs content/admin/monitoring-and-managing-your-instance/configuring-clustering/replacing-a-cluster-node.md: do not reuse a hostname that was previously assigned to a node in the cluster",
    },
    limits: {
        // One primary and at most 8 replicas, passive and active (geo) ones together.
        ha: {
            min: 2,
            max: 9,
            maxReason:
                "GHES allows at most 8 replicas, passive and active together, beside the primary (github/docs data/reusables/enterprise_installation/replica-limit.md)",
        },
        // Git, Pages and storage data keep three copies on different nodes.
        cluster: { min: 3, max: 200 },
    },
    failover: {
        automaticAllowed: false,
        reason: "GHES promotion is manual: put the primary in maintenance mode (ghe-maintenance -s), run ghe-repl-promote on the replica, then re-point DNS; a DNS failover record alone would send users to a replica that was never promoted",
    },
    // github/docs content/admin/monitoring-and-managing-your-instance/configuring-high-availability/
    // initiating-a-failover-to-your-replica-appliance.md, in its order.
    promotionSteps: [
        "If {primary} still runs: `ghe-maintenance -s` on {primary}, so nothing is written there after the switch.",
        "On {primary}: wait until active Git operations, MySQL queries and job (Resque) queues are at zero (the management console's maintenance page lists them; Nomad jobs may be ignored), then 30 s more.",
        "`ghe-repl-status -vv` on {primary}: every replication channel must report OK.",
        "`ghe-maintenance -s` on every active replica ({activeReplicas}).",
        "`ghe-repl-promote` on {replica}; with {primary} unreachable, warnings and timeouts may be ignored. The rendered runbook " +
            `${GHES_STATE_DIR}/ghes-promote does this when the association re-runs after the config change; run it by hand to promote before \`pulumi up\`.`,
        "In the same config change as `primary` below, set `ghesHa.formerPrimaries.{primary}: fenced`: {primary} then stays in maintenance mode and out of replication when it returns, and the other replicas do not wait for it. Its UUID is decommissioned on {replica}; to make it a replica again later, set the entry to `rejoin`.",
    ],
    promotionDuration: {
        minMinutes: 20,
        maxMinutes: 30,
        source: "GitHub gives 20 to 30 minutes on average for a manual promotion and redirecting traffic (github/docs initiating-a-failover-to-your-replica-appliance.md).",
    },
    render: (doc, ctx) => (doc.topology === "ha" ? renderHa(doc, ctx) : renderCluster(doc, ctx)),
};
