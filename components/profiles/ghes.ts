import type { NodeDocument } from "../plan/types";
import { CLUSTER_PORTS, GHES_LEADER_MOVE, GHES_MIN_NODES, GHES_ROLES, renderCluster } from "./ghes-cluster";
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

/**
 * Run on the node the config names primary. It promotes only an appliance this package last set
 * up as a replica, so it does nothing on a primary that never was one (or was promoted already).
 */
function promoteRunbook(node: string, roleFile: string): string {
    return `#!/bin/bash
# Promotion runbook of ${node}, rendered because the stack config names it primary. Before changing
# \`primary\`: put the old primary in maintenance mode (ghe-maintenance -s) if it is still up, and wait
# for its active Git operations to reach zero. Afterwards the load balancer or DNS record already
# points here, and the other nodes re-point their replication to this node.
set -euo pipefail

role_file='${roleFile}'
if [ "$(cat "\${role_file}" 2>/dev/null || true)" != replica ]; then
  echo "${node} is not a replica set up by ha-service: nothing to promote"
  exit 0
fi
# With the old primary down the status is critical; that is why we are promoting.
ghe-repl-status -vv || echo "replication is not healthy; promoting ${node} anyway" >&2
ghe-repl-promote
printf 'primary\\n' > "\${role_file}"
`;
}

function renderHa(doc: HaDocument, ctx: RenderContext): NodeConfig {
    const roleFile = `${ctx.stateDir}/ghes-role`;
    if (doc.role === "primary") {
        const runbook = `${ctx.stateDir}/ghes-promote`;
        return { files: [{ path: runbook, mode: "0755", content: promoteRunbook(doc.node, roleFile) }], commands: [runbook] };
    }
    // The first replica (in config order) sets replication up; every further one is added to it.
    const first = doc.replicas[0]?.name === doc.node;
    return {
        files: [],
        commands: [
            first ? `ghe-repl-setup ${doc.primary.address}` : `ghe-repl-setup --add ${doc.primary.address}`,
            // GitHub: ghe-config-apply between ghe-repl-setup and ghe-repl-start keeps the primary serving.
            "ghe-config-apply",
            "ghe-repl-start",
            `printf 'replica\\n' > ${roleFile}`,
        ],
    };
}

export const ghes: ServiceProfile = {
    name: "ghes",
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
    newNameOnReplace: {
        source: "github/docs content/admin/monitoring-and-managing-your-instance/configuring-clustering/replacing-a-cluster-node.md: do not reuse a hostname that was previously assigned to a node in the cluster",
    },
    limits: {
        ha: { min: 2, max: 10 },
        // Git, Pages and storage data keep three copies on different nodes.
        cluster: { min: 3, max: 200 },
    },
    failover: {
        automaticAllowed: false,
        reason: "GHES promotion is manual: put the primary in maintenance mode (ghe-maintenance -s), run ghe-repl-promote on the replica, then re-point DNS; a DNS failover record alone would send users to a replica that was never promoted",
    },
    promotionSteps: [
        "If {primary} still runs: `ghe-maintenance -s` on {primary}, so nothing is written there after the switch.",
        "`ghe-repl-status` on {replica}: replication must be caught up.",
        "`ghe-repl-promote` on {replica} (the rendered runbook /etc/ha-service/ghes-promote does this when the association re-runs after the config change; run it by hand to promote before `pulumi up`).",
    ],
    render: (doc, ctx) => (doc.topology === "ha" ? renderHa(doc, ctx) : renderCluster(doc, ctx)),
};
