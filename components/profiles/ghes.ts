import type { NodeDocument } from "../plan/types";
import type { NodeConfig, PortSpec, RenderContext, ServiceProfile } from "./types";

/**
 * GitHub Enterprise Server, as an HA pair (or primary with several replicas) or as a cluster.
 * Ports, commands and the cluster.conf format follow GitHub's "Cluster network configuration",
 * "Creating a high availability replica", "Initiating a failover to your replica appliance" and
 * "Initializing the cluster" documentation.
 */

const tcp = (port: number, description: string): PortSpec => ({ port, protocol: "tcp", description });
const udp = (port: number, description: string): PortSpec => ({ port, protocol: "udp", description });

/** Every cluster role flag cluster.conf knows, in the order they are written. */
export const GHES_ROLES = [
    "web-server",
    "job-server",
    "memcache-server",
    "consul-server",
    "mysql-server",
    "redis-server",
    "elasticsearch-server",
    "git-server",
    "pages-server",
    "storage-server",
    "metrics-server",
] as const;

export const CLUSTER_CONF_PATH = "/data/user/common/cluster.conf";

/**
 * The cluster's datacenter. GHES datacenters separate an active cluster from a passive replica
 * cluster, so every active node shares one, whatever its availability zone.
 */
export const GHES_DATACENTER = "default";

/** Node-to-node ports of a cluster ("Cluster network configuration"); none of them is encrypted. */
const CLUSTER_PORTS: readonly PortSpec[] = [
    tcp(122, "admin SSH: ghe-cluster-config-apply configures the other nodes over it"),
    tcp(1336, "internal API"),
    tcp(3033, "internal SVN access"),
    tcp(3037, "internal SVN access"),
    tcp(3306, "MySQL"),
    tcp(4486, "Governor access"),
    tcp(5115, "storage backend"),
    tcp(5208, "internal SVN access"),
    tcp(6379, "Redis"),
    tcp(8001, "Grafana"),
    tcp(8090, "internal GPG access"),
    tcp(8149, "GitRPC file server access"),
    tcp(8300, "Consul"),
    tcp(8301, "Consul"),
    tcp(8302, "Consul"),
    tcp(9000, "Git daemon"),
    tcp(9102, "Pages file server"),
    tcp(9105, "LFS server"),
    tcp(9200, "Elasticsearch"),
    tcp(9203, "semantic code service"),
    tcp(9300, "Elasticsearch"),
    tcp(11211, "Memcache"),
    udp(161, "SNMP"),
    udp(8125, "StatsD"),
    udp(8301, "Consul"),
    udp(8302, "Consul"),
    udp(25827, "collectd"),
];

type HaDocument = Extract<NodeDocument, { topology: "ha" }>;
type ClusterDocument = Extract<NodeDocument, { topology: "cluster" }>;

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

/** cluster.conf (git-config format), identical on every node: sections sorted by host name. */
export function clusterConf(doc: ClusterDocument): string {
    const leader = (role: string): string => {
        const l = doc.leaders[role];
        if (l === undefined) throw new Error(`cluster document of ${doc.node} names no leader for ${role}`);
        return l.name;
    };
    const members = [{ name: doc.node, address: doc.self, roles: doc.roles }, ...doc.peers].sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    const lines = [
        "[cluster]",
        `  mysql-master = ${leader("mysql-server")}`,
        `  redis-master = ${leader("redis-server")}`,
        `  primary-datacenter = ${GHES_DATACENTER}`,
    ];
    for (const m of members) {
        lines.push(`[cluster "${m.name}"]`, `  hostname = ${m.name}`, `  ipv4 = ${m.address}`, `  datacenter = ${GHES_DATACENTER}`);
        for (const role of GHES_ROLES) if (m.roles.includes(role)) lines.push(`  ${role} = true`);
    }
    return `${lines.join("\n")}\n`;
}

function renderCluster(doc: ClusterDocument): NodeConfig {
    // Every node holds the file; the MySQL master initialises new nodes and applies it to all of
    // them ("Initializing the cluster": both run on the first node, again after every change).
    const isMaster = doc.leaders["mysql-server"]?.name === doc.node;
    return {
        files: [{ path: CLUSTER_CONF_PATH, mode: "0644", content: clusterConf(doc) }],
        commands: isMaster ? ["ghe-cluster-config-init", "ghe-cluster-config-apply"] : [],
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
    render: (doc, ctx) => (doc.topology === "ha" ? renderHa(doc, ctx) : renderCluster(doc)),
};
