import type { NodeDocument } from "../plan/types";
import { HELPER, helperScript, licenseParameter, promoteScript } from "./ghes-manage";
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
    const helperFile = { path: helper, mode: "0700", content: helperScript(ctx.stateDir) };
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
    return {
        files: [helperFile],
        commands: [
            `${helper} guard ${doc.ghesHa?.formerPrimaries[doc.node] ?? "replica"}`,
            `${helper} leave ${primary}`,
            `${helper} init ${license} setup`,
            ...(seed ? [] : [`${helper} wait-for-seed ${primary}`]),
            `${helper} authorize ${add}${primary}`,
            `ghe-repl-setup ${add}${primary}`,
            // GitHub: ghe-config-apply between ghe-repl-setup and ghe-repl-start keeps the primary serving.
            "ghe-config-apply",
            "ghe-repl-start",
            ...(geo
                ? [
                      `ghe-repl-node --datacenter ${geo.datacenter} ${geo.active ? "--active" : "--inactive"}`,
                      `${helper} config-apply ${primary}`,
                  ]
                : []),
            "ghe-repl-status",
            `${helper} joined ${primary}`,
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
    // /status answers 200 only when the node can serve users; GHES serves it over HTTPS.
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
    render: (doc, ctx) => (doc.topology === "ha" ? renderHa(doc, ctx) : renderCluster(doc)),
};
