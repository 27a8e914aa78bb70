/**
 * GitHub Enterprise Server cluster: cluster.conf, the ports between nodes, per-service minimums and
 * the script that keeps the stack's keys in cluster.conf on the MySQL primary. Sources (repository
 * github/docs, content/admin/monitoring-and-managing-your-instance/configuring-clustering/):
 * initializing-the-cluster.md, about-cluster-nodes.md, replacing-a-cluster-node.md,
 * cluster-network-configuration.md; ghe-remove-node in
 * content/admin/administering-your-instance/administering-your-instance-from-the-command-line/command-line-utilities.md.
 */
import type { NodeDocument } from "../plan/types";
import type { NodeConfig, PortSpec, RenderContext } from "./types";

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

/**
 * Fewest nodes per service "for adequate redundancy" (about-cluster-nodes.md, "Services required
 * for clustering"): 2 for the front-end services, 3 for the database, storage and search services.
 */
export const GHES_MIN_NODES: Readonly<Record<(typeof GHES_ROLES)[number], number>> = {
    "web-server": 2,
    "job-server": 2,
    "memcache-server": 2,
    "consul-server": 3,
    "mysql-server": 3,
    "redis-server": 3,
    "elasticsearch-server": 3,
    "git-server": 3,
    "pages-server": 3,
    "storage-server": 3,
    "metrics-server": 3,
};

export const CLUSTER_CONF_PATH = "/data/user/common/cluster.conf";

/**
 * The cluster's datacenter, also its consul datacenter (initializing-the-cluster.md examples set
 * both). GHES datacenters separate an active cluster from a passive replica cluster, so every
 * active node shares one, whatever its availability zone.
 */
export const GHES_DATACENTER = "default";

/** Node-to-node ports of a cluster ("Cluster network configuration"); none of them is encrypted. */
export const CLUSTER_PORTS: readonly PortSpec[] = [
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

type ClusterDocument = Extract<NodeDocument, { topology: "cluster" }>;

/**
 * The cluster.conf keys this stack owns (git-config format), sections sorted by host name. GHES
 * writes keys of its own into the same file (`uuid` per node, offline markers from
 * `ghe-remove-node`), so this is never written over cluster.conf: CLUSTER_SYNC sets it key by key.
 */
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
        lines.push(
            `[cluster "${m.name}"]`,
            `  hostname = ${m.name}`,
            `  ipv4 = ${m.address}`,
            `  consul-datacenter = ${GHES_DATACENTER}`,
            `  datacenter = ${GHES_DATACENTER}`,
        );
        for (const role of GHES_ROLES) if (m.roles.includes(role)) lines.push(`  ${role} = true`);
    }
    return `${lines.join("\n")}\n`;
}

/**
 * Runs on the node the stack config names MySQL primary, as `ghes-cluster-sync SELF REMOVED...`.
 * Refuses (changing nothing) when cluster.conf names another MySQL or Redis primary (a leader
 * change is the manual runbook move-leaders), when a node GHES initialised comes back with a new
 * address under its old host name (replacing-a-cluster-node.md: never reuse a host name), or when
 * a node the stack set up vanished from the config without being listed in removedNodes. Otherwise
 * sets the stack's keys one by one, unsets the ones it set before and no longer wants, leaves every
 * other key alone, runs ghe-cluster-config-init and -apply when cluster.conf changed since the last
 * apply, and then removes each newly removed node with ghe-remove-node (it evacuates first), one at
 * a time. A removed node's section is GHES's from then on. It reads cluster.conf and the stack's
 * file once each (`git config --list`, last value of a key wins as with `--get`) and stops, changing
 * nothing, when git cannot parse either; only the removed nodes' host names are read again, after
 * the GHES commands may have changed the file. Bash 4.4 or later (namerefs, lastpipe; GHES ships
 * bash 5). Every character counts against the MySQL primary's SSM parameter (profiles.test.ts: 11
 * nodes with every role must fit), hence the terse bash. Note that `load` leaves in `keys` the keys
 * of the file it read last, in file order: the stack's file, because it reads cluster.conf first.
 */
function clusterSync(stateDir: string): string {
    return `#!/bin/bash
# Sets this stack's keys in cluster.conf one by one (components/profiles/ghes-cluster.ts).
set -euo pipefail
shopt -s lastpipe
self=$1; shift
conf=${CLUSTER_CONF_PATH} want=${stateDir}/cluster.conf.stack st=${stateDir}/ghes-cluster
die() { echo "ghes-cluster-sync on $self: $*; nothing changed" >&2; exit 1; }
load() {
  local -n m=$1
  keys=()
  git config -f "$2" --list -z | while IFS= read -r -d '' e; do
    k=\${e%%$'\\n'*}
    [ -n "\${m["$k"]+1}" ] || keys+=("$k")
    m["$k"]=\${e:\${#k}+1}
  done || die "git config cannot read $2"
}
mkdir -p "$st"; touch "$st/owned" "$st/removed" "$conf"
declare -A live wanted
load live "$conf"
load wanted "$want"
mapfile -t owned < "$st/owned"
for r in mysql redis; do
  old=\${live[cluster.$r-master]:-} new=\${wanted[cluster.$r-master]:-}
  [ -z "$old" ] || [ "$old" = "$new" ] || die "cluster.conf names $old $r-master, the stack config $new: move it by hand (runbook move-leaders)"
done
for k in "\${keys[@]}"; do
  [[ $k != cluster.*.ipv4 || -z \${live[\${k%.ipv4}.uuid]:-} || \${live[$k]:-} == "\${wanted[$k]}" ]] ||
    die "\${k:8:-5} is a new appliance (\${wanted[$k]}, was \${live[$k]:-}) under a host name GHES knows, which it forbids: add a node with a new name and list the old one in removedNodes"
done
drop=()
for k in "\${owned[@]}"; do
  node=\${k#cluster.} node=\${node%.*}
  [ -n "\${wanted[$k]+1}" ] || [[ " $* " == *" $node "* ]] || {
    [[ " \${keys[*]}" == *" cluster.$node."* ]] || die "$node left the stack config without being listed in removedNodes"
    [ -z "\${live[$k]+1}" ] || drop+=("$k")
  }
done
for k in "\${keys[@]}"; do
  [ "\${live[$k]:-}" = "\${wanted[$k]}" ] || git config -f "$conf" "$k" "\${wanted[$k]}"
done
for k in "\${drop[@]}"; do git config -f "$conf" --unset "$k" || true; done
if [ \${#keys[@]} -gt 0 ]; then printf '%s\\n' "\${keys[@]}"; fi > "$st/wanted"
mv -f "$st/wanted" "$st/owned"
if [ "$(sha256sum < "$conf")" != "$(cat "$st/applied" 2> /dev/null || true)" ]; then
  ghe-cluster-config-init
  ghe-cluster-config-apply
fi
mapfile -t removed < "$st/removed"
for node in "$@"; do
  [[ " \${removed[*]} " != *" $node "* ]] || continue
  h=$(git config -f "$conf" --get "cluster.$node.hostname") || [ $? = 1 ]
  [ -z "$h" ] || { ghe-remove-node "$node"; echo "$node" >> "$st/removed"; removed+=("$node"); }
done
sha256sum < "$conf" > "$st/applied"
`;
}

export function renderCluster(doc: ClusterDocument, ctx: RenderContext): NodeConfig {
    // Only the MySQL primary edits cluster.conf and runs ghe-cluster-config-init and -apply (and
    // ghe-remove-node): initializing-the-cluster.md; config-apply copies the file to every node.
    if (doc.leaders["mysql-server"]?.name !== doc.node) return { files: [], commands: [] };
    const sync = `${ctx.stateDir}/ghes-cluster-sync`;
    return {
        files: [
            { path: `${ctx.stateDir}/cluster.conf.stack`, mode: "0644", content: clusterConf(doc) },
            { path: sync, mode: "0755", content: clusterSync(ctx.stateDir) },
        ],
        commands: [[sync, doc.node, ...doc.removed].join(" ")],
    };
}

const DOCS = "github/docs content/admin/monitoring-and-managing-your-instance/configuring-clustering";

/**
 * MySQL and Redis run with one primary each (about-cluster-nodes.md); moving it is the manual
 * procedure of replacing-a-cluster-node.md, "Replacing the primary database node". The stack never
 * runs it: ghes-cluster-sync refuses to apply while cluster.conf names other primaries than the
 * config.
 */
export const GHES_LEADER_MOVE = {
    roles: ["mysql-server", "redis-server"],
    source: `${DOCS}/about-cluster-nodes.md and replacing-a-cluster-node.md ("Replacing the primary database node")`,
    steps: [
        "The stack does not move the primaries by itself: after `leaders` changes, `pulumi up` renders the new config, and ghes-cluster-sync on {leader:mysql-server} refuses to apply anything (its association fails, changing nothing) until cluster.conf names {leader:mysql-server} mysql-master and {leader:redis-server} redis-master.",
        "{leader:mysql-server} must already be a caught-up MySQL replica (mysql-server = true, applied by an earlier `pulumi up`): `ghe-cluster-status -v` on any node shows MySQL replication finished.",
        "In a maintenance window, on any node: `ghe-cluster-maintenance -s` (maintenance mode on every node).",
        "`ghe-cluster-status -v`: MySQL replication must be finished. Do not continue otherwise: you risk data loss.",
        'On the current MySQL primary (`ghe-config cluster.mysql-master` names it): `echo "SET GLOBAL super_read_only = 1;" | sudo mysql`; check with `echo "SHOW GLOBAL VARIABLES LIKE \'super_read_only\';" | sudo mysql`.',
        "Wait until the GTIDs of every MySQL node are identical: `ghe-cluster-each -r mysql -- 'echo \"SELECT @@global.gtid_executed;\" | sudo mysql'`.",
        "If redis-master moves: `ghe-cluster-status-redis -v` must show {leader:redis-server} `ok` and `Redis replication is in sync`; then `ghe-redis-cli --remote -h {leader:redis-server} INFO replication` first and `ghe-redis-cli --remote -h CURRENT-REDIS-MASTER INFO replication` second (`ghe-config cluster.redis-master` names it): its `slave_repl_offset` must equal the current primary's `master_repl_offset`. Never set redis-master to a replica that has not caught up: the old primary would discard what it has not replicated.",
        `On {leader:mysql-server}: \`cp ${CLUSTER_CONF_PATH} ${CLUSTER_CONF_PATH}.bak\`, \`git config -f ${CLUSTER_CONF_PATH} cluster.mysql-master {leader:mysql-server}\`, \`git config -f ${CLUSTER_CONF_PATH} cluster.redis-master {leader:redis-server}\`, then in a \`screen\` session \`ghe-cluster-config-apply\`.`,
        "With GitHub Actions enabled, also move the MSSQL primary as the same page documents (this package sets no mssql-server).",
        "Check `ghe-cluster-status-redis -v` and `ghe-cluster-status -v`, then `ghe-cluster-maintenance -u`.",
        "Re-run the association of {leader:mysql-server} (`aws ssm start-associations-once --association-ids <its id>`): ghes-cluster-sync now applies the rest of the config.",
    ],
} as const;
