/**
 * The DR region of an HA stack (`dr`): its defaults and the rules that need more than one key.
 * Pure; returns every problem. Where a rule comes from is cited beside it.
 */
import { zoneOrder } from "../common/network";
import type { ParsedConfig } from "./schema";
import type { ConfigProblem, DrSpec, GhesHaSpec, NetworkSpec, NodeSpec, StackSpec } from "./spec";

/** The DR section with every default applied; undefined when the stack has none. */
export function resolveDr(cfg: ParsedConfig): DrSpec | undefined {
    const dr = cfg.dr;
    if (!dr) return undefined;
    const n = dr.network;
    const network: NetworkSpec = n.create
        ? { kind: "create", cidr: n.create.cidr, zones: n.create.zones }
        : { kind: "existing", vpcId: n.vpcId ?? "", subnets: n.subnets ?? [], loadBalancerSubnets: (n.subnets ?? []).map((s) => s.id) };
    const cidr = n.create?.cidr ?? n.cidr;
    return {
        region: dr.region,
        nodes: dr.nodes,
        network,
        ...(cidr === undefined ? {} : { cidr }),
        connection: dr.connection.existing !== undefined ? { kind: "existing", id: dr.connection.existing } : { kind: "peering" },
        promoted: dr.promoted,
        backups: {
            copy: dr.backups.copy,
            keepDays: dr.backups.keepDays,
            ...(dr.backups.kmsKeyArn === undefined ? {} : { kmsKeyArn: dr.backups.kmsKeyArn }),
        },
    };
}

/** The zones of the DR network, in slot order. */
export function drZones(dr: DrSpec): string[] {
    return dr.network.kind === "create" ? zoneOrder(dr.network.zones) : zoneOrder(dr.network.subnets.map((s) => s.zone));
}

/** The zones a node may be placed in: the DR network's for a DR node, else the main network's. */
export function zonesOfNode(spec: Pick<StackSpec, "dr">, node: Pick<NodeSpec, "key">, mainZones: readonly string[]): readonly string[] {
    return spec.dr?.nodes.includes(node.key) ? drZones(spec.dr) : mainZones;
}

/**
 * GHES: a DR node is a passive replica in another datacenter (github/docs
 * content/admin/monitoring-and-managing-your-instance/configuring-high-availability/:
 * about-high-availability-configuration.md, replicas are passive standbys; about-geo-replication.md
 * and creating-a-high-availability-replica.md, `ghe-repl-node --datacenter` for a replica in another
 * datacenter). Unless the stack sets `ghesHa.geo` for it, it gets the DR region as its datacenter, passive.
 */
export function ghesHaWithDr(ghesHa: GhesHaSpec, dr: DrSpec | undefined, profile: string): GhesHaSpec {
    if (!dr || profile !== "ghes") return ghesHa;
    const geo = { ...ghesHa.geo };
    for (const node of dr.nodes) geo[node] ??= { datacenter: dr.region, active: false };
    return { ...ghesHa, geo };
}

function ipRange(cidr: string): [number, number] {
    const [base, bits] = cidr.split("/");
    const start = base.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    const first = start - (start % size);
    return [first, first + size];
}

/** Whether two CIDR blocks share an address (a VPC peering refuses overlapping blocks; routes would be ambiguous). */
export function cidrsOverlap(a: string, b: string): boolean {
    const [a0, a1] = ipRange(a);
    const [b0, b1] = ipRange(b);
    return a0 < b1 && b0 < a1;
}

type DrCheckSpec = Pick<StackSpec, "topology" | "profile" | "nodes" | "primary" | "network" | "dr" | "ghesHa">;

/** Every problem of the `dr` section. `region` is the stack's `aws:region` (undefined: not compared). */
export function drProblems(cfg: ParsedConfig, spec: DrCheckSpec, region: string | undefined): ConfigProblem[] {
    const dr = spec.dr;
    if (!dr) return [];
    const problems: ConfigProblem[] = [];
    const add = (path: string, message: string, ...value: unknown[]) =>
        void problems.push(value.length ? { path, message, value: value[0] } : { path, message });
    const single = spec.profile.singleRegion;
    if (single) {
        add("dr", `cannot be used with profile ${spec.profile.name}: ${single.reason} (${single.source}); remove \`dr\``);
        return problems;
    }
    if (spec.topology !== "ha") {
        add(
            "dr",
            "applies only to `topology: ha` (a replica in a second region); a cluster's DR (a passive cluster in a second datacenter) is not built by this package: remove `dr`",
        );
        return problems;
    }
    if (region !== undefined && dr.region === region)
        add("dr.region", `is the stack's own region (aws:region=${region}); name a second region such as us-west-2`, dr.region);
    checkDrNodes(spec, dr, add);
    checkDrNetwork(cfg, spec, dr, add);
    checkDrGeo(spec, dr, add);
    return problems;
}

type Add = (path: string, message: string, ...value: unknown[]) => void;

/** DR nodes are nodes of the stack, at least one replica stays in the main region, the primary stays there unless promoted. */
function checkDrNodes(spec: DrCheckSpec, dr: DrSpec, add: Add): void {
    const keys = spec.nodes.map((n) => n.key);
    dr.nodes.forEach((node, i) => {
        if (!keys.includes(node)) add(`dr.nodes[${i}]`, `names no node of \`nodes\` (${keys.join(", ")}); fix the name`, node);
    });
    if (new Set(dr.nodes).size !== dr.nodes.length) add("dr.nodes", "must not list a node twice", dr.nodes);
    const main = keys.filter((k) => !dr.nodes.includes(k));
    if (main.length === 0)
        add(
            "dr.nodes",
            "lists every node: keep the primary (and its local replica) in the main region, list only the DR replicas",
            dr.nodes,
        );
    if (spec.primary !== undefined && dr.nodes.includes(spec.primary) && !dr.promoted)
        add(
            "primary",
            `is ${spec.primary}, a node of the DR region (${dr.region}); the primary runs in the main region unless the service was promoted there: set \`dr.promoted: true\` after a region failover (docs/operations.md: Disaster recovery), or choose one of ${main.join(", ")}`,
            spec.primary,
        );
    if (dr.promoted && spec.primary !== undefined && !dr.nodes.includes(spec.primary))
        add(
            "dr.promoted",
            `is true but the primary ${spec.primary} is in the main region; set it back to false after failing back`,
            dr.promoted,
        );
    const zones = drZones(dr);
    for (const n of spec.nodes) {
        if (!dr.nodes.includes(n.key)) continue;
        const path = `nodes.${n.key}.zone`;
        if (n.zone !== undefined && !zones.includes(n.zone))
            add(path, `is a DR node's zone: it must be one of dr.network's zones in ${dr.region}: ${zones.join(", ")}`, n.zone);
        if (n.zone === undefined && zones.length > 1) add(path, `is required for a DR node (one of: ${zones.join(", ")})`);
    }
}

/** Zones belong to the DR region, the two VPCs do not overlap, peering only between created VPCs. */
function checkDrNetwork(cfg: ParsedConfig, spec: DrCheckSpec, dr: DrSpec, add: Add): void {
    const n = cfg.dr?.network;
    const inRegion = (path: string, z: string) => {
        if (z.slice(0, -1) !== dr.region)
            add(path, `is not an availability zone of dr.region=${dr.region}; use a zone such as ${dr.region}a`, z);
    };
    n?.create?.zones.forEach((z, i) => inRegion(`dr.network.create.zones[${i}]`, z));
    n?.subnets?.forEach((s, i) => inRegion(`dr.network.subnets[${i}].zone`, s.zone));
    if (n && !n.create && (n.vpcId === undefined || (n.subnets ?? []).length === 0))
        add("dr.network", "must `create` a VPC or name an existing `vpcId` with `subnets`", n);
    if (n?.create && (n.vpcId !== undefined || n.subnets !== undefined))
        add("dr.network", "must either `create` a VPC or use an existing `vpcId` with `subnets`, not both", n);
    const bits = Number(n?.create?.cidr.split("/")[1]);
    if (n?.create && (bits < 16 || bits > 23))
        add("dr.network.create.cidr", "must be a /16 to /23 block (subnets of /27 or larger, as for network.create)", n.create.cidr);
    const mainCidr = spec.network.kind === "create" ? spec.network.cidr : undefined;
    if (mainCidr !== undefined && dr.cidr !== undefined && cidrsOverlap(mainCidr, dr.cidr))
        add(
            n?.create ? "dr.network.create.cidr" : "dr.network.cidr",
            `overlaps the main VPC's ${mainCidr}; the two VPCs are routed to each other, so pick a block outside it (such as 10.60.0.0/16)`,
            dr.cidr,
        );
    if (dr.connection.kind === "peering" && (spec.network.kind !== "create" || dr.network.kind !== "create"))
        add(
            "dr.connection",
            "creates a VPC peering, which needs both VPCs created by the stack (it adds the routes); for an existing VPC set `peering: false` and `existing` to the transit gateway or peering that routes between them",
            cfg.dr?.connection,
        );
    if (cfg.dr?.connection.peering === true && cfg.dr.connection.existing !== undefined)
        add("dr.connection.peering", "must be false when `existing` names the connection", true);
    if (cfg.dr?.connection.peering === false && cfg.dr.connection.existing === undefined)
        add("dr.connection.existing", "is required with `peering: false`: the transit gateway or peering id (tgw-... or pcx-...)");
    const kms = dr.backups.kmsKeyArn?.split(":")[3];
    if (kms !== undefined && kms !== dr.region)
        add(
            "dr.backups.kmsKeyArn",
            `is a key in ${kms}; copies in ${dr.region} are encrypted with a key of that region (KMS keys are regional)`,
            dr.backups.kmsKeyArn,
        );
}

/** GHES: the DR nodes are in another datacenter than the main-region nodes. */
function checkDrGeo(spec: DrCheckSpec, dr: DrSpec, add: Add): void {
    if (spec.profile.name !== "ghes") return;
    const datacenter = (k: string) => spec.ghesHa.geo[k]?.datacenter ?? "default";
    const mainDcs = new Set(spec.nodes.filter((n) => !dr.nodes.includes(n.key)).map((n) => datacenter(n.key)));
    for (const node of dr.nodes) {
        if (mainDcs.has(datacenter(node)))
            add(
                `ghesHa.geo.${node}.datacenter`,
                `puts DR node ${node} in the main region's datacenter; GHES seeds and routes by datacenter, so give it its own (such as ${dr.region})`,
                datacenter(node),
            );
    }
}
