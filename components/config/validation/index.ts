/**
 * Checks that need more than one key at a time: topology, nodes and placement, network, load
 * balancer, failover, profile rules and the secure defaults a stack may relax only by name. Pure;
 * every problem is collected so the user fixes them all in one go.
 */
import { drProblems, zonesOfNode } from "../dr-config";
import { ghesBackupChecks } from "../ghes-backup";
import { slug } from "../../common/naming";
import { activeTargetCount } from "../../profiles";
import { placeNode } from "../../common/placement";
import { clusterRuleProblems } from "../cluster-rules";
import { safeOperationProblems } from "../safeops";
import type { ParsedConfig } from "../schema";
import { awsLimitProblems } from "./aws";
import { ghesHaProblems } from "../validation-ghes-ha";
import { type ConfigProblem, MAX_HEALTH_CHECK_INTERVAL, networkZones, type Relaxation, type RelaxSwitch, type StackSpec } from "../spec";

/** What every cross-field check reads, and where it records what it finds (in the order found). */
interface Check {
    readonly cfg: ParsedConfig;
    readonly spec: Omit<StackSpec, "warnings" | "relaxations">;
    /** The network's zones in slot order (`networkZones`). */
    readonly zones: string[];
    readonly problems: ConfigProblem[];
    readonly warnings: string[];
    readonly relaxations: Relaxation[];
    readonly add: (path: string, message: string, ...value: unknown[]) => void;
    /** A secure default this config breaks: allowed only when its `relax` switch is on, and then recorded. */
    readonly guard: (sw: RelaxSwitch, detail: string, path: string, message: string, ...value: unknown[]) => void;
}

function newCheck(cfg: ParsedConfig, spec: Omit<StackSpec, "warnings" | "relaxations">): Check {
    const problems: ConfigProblem[] = [];
    const relaxations: Relaxation[] = [];
    const add = (path: string, message: string, ...value: unknown[]) =>
        void problems.push(value.length ? { path, message, value: value[0] } : { path, message });
    const guard = (sw: RelaxSwitch, detail: string, path: string, message: string, ...value: unknown[]) => {
        if (cfg.relax[sw]) relaxations.push({ key: `relax.${sw}`, detail });
        else add(path, `${message}; to accept this on purpose set \`relax.${sw}: true\``, ...value);
    };
    return { cfg, spec, zones: networkZones(spec.network), problems, warnings: [], relaxations, add, guard };
}

/**
 * Checks that need more than one key at a time. Pure; returns every problem found. `region` is the
 * stack's `aws:region`; without it zones and ARNs are not compared with a region.
 */
export function crossCheck(
    cfg: ParsedConfig,
    spec: Omit<StackSpec, "warnings" | "relaxations">,
    region?: string,
): { problems: ConfigProblem[]; warnings: string[]; relaxations: Relaxation[] } {
    const c = newCheck(cfg, spec);
    checkProfileTopology(c);
    checkNodeCount(c);
    c.problems.push(...ghesHaProblems(cfg, spec));
    checkNetwork(c);
    checkPlacement(c);
    if (spec.topology === "ha") checkHaKeys(c);
    else checkClusterKeys(c);
    checkFailover(c);
    checkMonitoring(c);
    checkHaLeaders(c);
    checkRemovedNodes(c);
    checkDnsTarget(c);
    checkLoadBalancer(c);
    checkDataSafety(c);
    checkAccessAndTags(c);
    const { problems, warnings, relaxations, zones } = c;
    const backupHost = ghesBackupChecks(cfg, { ...spec, zones });
    problems.push(...backupHost.problems);
    warnings.push(...backupHost.warnings);
    problems.push(...awsLimitProblems(cfg, spec, region));
    problems.push(...drProblems(cfg, spec, region));
    // Configs that would make a later edit unsafe (implicit primary, zone order): components/config/safeops.ts.
    problems.push(...safeOperationProblems(cfg, spec));

    // A switch that relaxes nothing here would silently allow the next change that needs it.
    for (const [sw, on] of Object.entries(cfg.relax)) {
        if (on && !relaxations.some((r) => r.key === `relax.${sw}`))
            warnings.push(`relax.${sw} is set but relaxes nothing in this stack; remove it.`);
    }
    return { problems, warnings, relaxations };
}

/** The profile runs in the chosen topology. */
function checkProfileTopology(c: Check): void {
    const { spec, add } = c;
    const { profile, topology } = spec;
    if (!profile.topologies.includes(topology)) {
        const fix = profile.topologies.map((t) => `\`topology: ${t}\``).join(" or ");
        const note = profile.topologyNote === undefined ? "" : ` (${profile.topologyNote})`;
        add("topology", `profile "${profile.name}" supports only: ${profile.topologies.join(", ")}; set ${fix}${note}`, topology);
    }
}

/** Nodes: exactly one of the two forms, and a count the profile supports. */
function checkNodeCount(c: Check): void {
    const { cfg, spec, add } = c;
    const { profile, topology, nodes } = spec;
    if (cfg.nodes && cfg.nodeCount !== undefined) add("nodeCount", "set either `nodes` (a map) or `nodeCount`, not both", cfg.nodeCount);
    if (!cfg.nodes && cfg.nodeCount === undefined) add("nodes", "is required: set `nodes` (a map of node name to settings) or `nodeCount`");
    const limits = profile.limits[topology];
    if (nodes.length > 0 && (nodes.length < limits.min || nodes.length > limits.max)) {
        const what = topology === "ha" ? "one primary and at least one replica" : `a cluster of the "${profile.name}" profile`;
        const reason =
            limits.maxReason === undefined || nodes.length <= limits.max
                ? ""
                : ` (${limits.maxReason}); remove ${nodes.length - limits.max}`;
        add(cfg.nodes ? "nodes" : "nodeCount", `must have ${limits.min} to ${limits.max} nodes for ${what}${reason}`, nodes.length);
    }
    if (limits.recommendedMax !== undefined && nodes.length > limits.recommendedMax) {
        c.warnings.push(`${nodes.length} nodes: the "${profile.name}" profile recommends at most ${limits.recommendedMax}.`);
    }
}

/** Network: a new VPC or an existing one, one subnet per zone, a CIDR block every zone fits in. */
function checkNetwork(c: Check): void {
    const { cfg, add } = c;
    const n = cfg.network;
    if (n.create && (n.vpcId !== undefined || n.subnets !== undefined || n.loadBalancerSubnets !== undefined)) {
        add("network", "set either `create` or an existing `vpcId` with `subnets`, not both");
    }
    if (!n.create && n.vpcId === undefined) add("network.vpcId", "is required unless `network.create` is set");
    if (!n.create && (n.subnets ?? []).length === 0)
        add("network.subnets", "must list at least one subnet { id, zone } of the existing VPC", n.subnets);
    const seen = new Set<string>();
    (n.subnets ?? []).forEach((s, i) => {
        if (seen.has(s.zone))
            add(`network.subnets[${i}].zone`, "each subnet must be in a different zone (one node subnet per zone)", s.zone);
        seen.add(s.zone);
    });
    if (n.create) {
        const bits = Number(n.create.cidr.split("/")[1]);
        if (bits < 16 || bits > 23)
            add(
                "network.create.cidr",
                "must be a /16 to /23 block: a /23 cut for 6 zones gives /27 subnets, the smallest an ALB accepts",
                n.create.cidr,
            );
    }
    if (n.create && new Set(n.create.zones).size !== n.create.zones.length)
        add("network.create.zones", "must not list a zone twice", n.create.zones);
}

/** Placement: every node in one of the network's zones, and not all of them in one. */
function checkPlacement(c: Check): void {
    const { cfg, spec, zones, add, guard } = c;
    const { topology } = spec;
    // DR nodes are placed in the DR network's zones (dr-config.ts checks them).
    const nodes = spec.nodes.filter((n) => zonesOfNode(spec, n, zones) === zones);
    nodes.forEach((node) => {
        const path = `nodes.${node.key}.zone`;
        if (node.zone !== undefined && zones.length > 0 && !zones.includes(node.zone)) {
            add(path, `must be one of the network's zones: ${zones.join(", ")}`, node.zone);
        }
        if (node.zone === undefined && node.ordinal === undefined && zones.length > 1) {
            add(path, `is required when the network has more than one zone (pin each named node to one of: ${zones.join(", ")})`);
        }
    });

    // Only judged when every node has a valid place; the problems above cover the rest.
    const n = cfg.network;
    const placeable = nodes.every((x) => (x.zone === undefined ? x.ordinal !== undefined || zones.length === 1 : zones.includes(x.zone)));
    const placed = placeable && zones.length > 0 ? new Set(nodes.map((x) => placeNode(x, zones))) : new Set<string>();
    if (nodes.length > 1 && placed.size === 1) {
        const [zone] = placed;
        const others = zones.filter((z) => z !== zone);
        const fix =
            others.length === 0
                ? "list at least two zones"
                : topology === "ha"
                  ? `put at least one replica in another zone (${others.join(", ")})`
                  : `spread the nodes over ${zones.join(", ")}`;
        guard(
            "singleZone",
            `every node is in ${zone}; losing that zone loses the service`,
            others.length > 0 ? "nodes" : n.create ? "network.create.zones" : "network.subnets",
            `every node is in ${zone}, so losing that zone loses the service: ${fix}`,
        );
    }
}

/** Keys of the ha topology. */
function checkHaKeys(c: Check): void {
    const { cfg, spec, add } = c;
    const { nodes } = spec;
    if (cfg.primary !== undefined && !nodes.some((x) => x.key === cfg.primary)) {
        add("primary", `must name one of the nodes: ${nodes.map((x) => x.key).join(", ")}`, cfg.primary);
    }
    nodes.forEach((x) => {
        if (cfg.nodes?.[x.key]?.roles !== undefined)
            add(`nodes.${x.key}.roles`, "roles apply to the cluster topology only; remove them for `ha`");
    });
}

/** Keys of the cluster topology: load balancer, DNS, leaders and roles. */
function checkClusterKeys(c: Check): void {
    const { cfg, spec, add } = c;
    const { profile, nodes } = spec;
    if (cfg.primary !== undefined)
        add("primary", "applies to the ha topology only; a cluster has no primary (remove the key)", cfg.primary);
    if (!cfg.loadBalancer) add("loadBalancer", "is required for the cluster topology: its health checks take failed nodes out of rotation");
    if (cfg.dns.target === "primary")
        add("dns.target", "a cluster's DNS record always aliases the load balancer; remove the key", cfg.dns.target);
    checkLeaders(c);
    nodes.forEach((x) => {
        x.roles.forEach((role, i) => {
            if (!profile.roles.names.includes(role)) {
                add(
                    `nodes.${x.key}.roles[${i}]`,
                    `is not a role of the "${profile.name}" profile; valid roles: ${profile.roles.names.join(", ")}`,
                    role,
                );
            }
        });
    });
    for (const role of profile.roles.required) {
        if (nodes.length > 0 && !nodes.some((x) => x.roles.includes(role))) {
            add("nodes", `no node carries the required role "${role}"; add it to some node's \`roles\``);
        }
    }
    c.problems.push(...clusterRuleProblems(profile, nodes, !cfg.nodes));
    if (nodes.length > 0 && !nodes.some((x) => x.roles.some((r) => profile.roles.serving.includes(r)))) {
        add("nodes", `no node serves users: give at least one node a role among ${profile.roles.serving.join(", ")}`);
    }
}

/** A cluster's single-leader roles: each named leader carries its role; unnamed ones are warned about. */
function checkLeaders(c: Check): void {
    const { cfg, spec, add } = c;
    const { profile, nodes } = spec;
    for (const [role, node] of Object.entries(cfg.leaders ?? {})) {
        const path = `leaders.${role}`;
        const target = nodes.find((x) => x.key === node);
        if (!profile.roles.leaders.includes(role)) {
            const valid = profile.roles.leaders.length > 0 ? `valid: ${profile.roles.leaders.join(", ")}` : "it has none; remove the key";
            add(path, `is not a single-leader role of the "${profile.name}" profile (${valid})`, role);
        } else if (!target) {
            add(path, `must name one of the nodes: ${nodes.map((x) => x.key).join(", ")}`, node);
        } else if (!target.roles.includes(role)) {
            add(
                path,
                `node "${node}" does not carry the role "${role}": name a node whose \`roles\` include it, or add the role to ${node}`,
                node,
            );
        }
    }
    for (const role of profile.roles.leaders) {
        const leader = spec.leaders[role];
        if (cfg.nodes && cfg.leaders?.[role] === undefined && leader !== undefined) {
            c.warnings.push(
                `leaders.${role} is not set, so ${leader} (the first node with the role) leads it; set it so that adding or reordering nodes cannot move it.`,
            );
        }
    }
}

/** Automatic failover and its secondary. */
function checkFailover(c: Check): void {
    const { cfg, spec, add } = c;
    const { profile, topology, nodes } = spec;
    if (cfg.failover === "automatic") {
        if (topology !== "ha") {
            add("failover", "applies to the ha topology only; a cluster's load balancer fails over by health checks", cfg.failover);
        } else if (!profile.failover.automaticAllowed) {
            add(
                "failover",
                `profile "${profile.name}" refuses automatic failover: ${profile.failover.reason}; keep \`manual\` and promote by changing \`primary\``,
                cfg.failover,
            );
        }
    }
    if (cfg.failover === "automatic" && topology === "ha" && spec.dns.target === "loadBalancer") {
        // Behind the load balancer nothing in DNS moves: the heartbeat runbook promotes the replica
        // (plan/autofailover.ts), so the profile must say how, and every node must be in this region.
        if (profile.failover.automaticAllowed && profile.failover.promoteCommand === undefined) {
            add(
                "failover",
                `profile "${profile.name}" has no promote command, so automatic failover behind the load balancer cannot promote a replica; set \`dns.target: primary\` (DNS failover) or keep \`manual\``,
                cfg.failover,
            );
        }
        if (!spec.monitoring.enabled) {
            add(
                "failover",
                "automatic failover behind the load balancer stops the primary by itself, and with `monitoring.enabled: false` nobody would be told (the heartbeat and healthy-target alarms notify the alarm topic); turn monitoring on or keep `manual`",
                cfg.failover,
            );
        }
        if (spec.dr !== undefined) {
            add(
                "failover",
                "automatic failover behind the load balancer acts in the stack's region only; with `dr` keep `manual` (a region failover is an operator's decision: runbook dr-promote)",
                cfg.failover,
            );
        }
    }
    const secondary = cfg.failoverSettings.secondary;
    if (secondary !== undefined) {
        const path = "failoverSettings.secondary";
        if (topology !== "ha") add(path, "applies to the ha topology only; remove it", secondary);
        else if (cfg.failover !== "automatic")
            add(path, "applies only with `failover: automatic` (a manual promotion names its target in `primary`); remove it", secondary);
        else if (!nodes.some((x) => x.key === secondary))
            add(path, `must name one of the nodes: ${nodes.map((x) => x.key).join(", ")}`, secondary);
        else if (secondary === spec.primary)
            add(path, "is the primary; name another replica, or remove the key to use the first replica", secondary);
    }
}

/** Monitoring: a healthy-target threshold that can clear, and distinct subscriptions. */
function checkMonitoring(c: Check): void {
    const { cfg, spec, add } = c;
    const { profile, topology, nodes } = spec;
    const minHealthy = cfg.monitoring.minHealthyTargets;
    if (minHealthy !== undefined) {
        const serving = nodes.filter((x) => x.roles.some((r) => profile.roles.serving.includes(r))).length;
        if (topology !== "cluster")
            add(
                "monitoring.minHealthyTargets",
                "applies to the cluster topology only (an HA target group has one target, the primary)",
                minHealthy,
            );
        else if (nodes.length > 0 && minHealthy > activeTargetCount(profile, serving)) {
            const active = activeTargetCount(profile, serving);
            const what =
                active === serving
                    ? `the ${serving} serving node(s)`
                    : `the ${active} target(s) that pass the health check at once under the "${profile.name}" profile (the other serving nodes are standbys that fail it by design)`;
            add("monitoring.minHealthyTargets", `is more than ${what}, so the alarm would never clear; use at most ${active}`, minHealthy);
        }
    }
    for (const list of ["emails", "httpsEndpoints"] as const) {
        // Subscriptions are named from a slug of the endpoint; two endpoints with one slug would clash.
        const seenSlugs = new Map<string, string>();
        cfg.monitoring[list].forEach((e, i) => {
            const other = seenSlugs.get(slug(e));
            if (other !== undefined)
                add(`monitoring.${list}[${i}]`, `is the same subscription as ${JSON.stringify(other)}; list it once`, e);
            seenSlugs.set(slug(e), e);
        });
    }
    if (!cfg.monitoring.enabled && cfg.monitoring.emails.length + cfg.monitoring.httpsEndpoints.length > 0)
        c.warnings.push("monitoring is off: the configured alarm subscriptions are not created.");
}

/** `leaders` belongs to the cluster topology. */
function checkHaLeaders(c: Check): void {
    const { cfg, spec, add } = c;
    const { topology } = spec;
    if (topology === "ha" && cfg.leaders !== undefined) {
        add("leaders", "applies to the cluster topology only; an HA stack's leader is `primary`", cfg.leaders);
    }
}

/** A removed node's name is never reused. */
function checkRemovedNodes(c: Check): void {
    const { cfg, spec, add } = c;
    const { nodes } = spec;
    const removed = new Set(cfg.removedNodes);
    for (const x of nodes) {
        if (!removed.has(x.key)) continue;
        if (cfg.nodes) {
            add(`nodes.${x.key}`, `is listed in \`removedNodes\`: a removed node's name is never reused; give this node a new name`);
        } else {
            add(
                "nodeCount",
                `would bring back ${x.key}, which is listed in \`removedNodes\`: a removed node's name is never reused; switch to a \`nodes\` map with new names to grow`,
                cfg.nodeCount,
            );
        }
    }
}

/** An HA record that aliases the load balancer needs one. */
function checkDnsTarget(c: Check): void {
    const { cfg, spec, add } = c;
    const { topology } = spec;
    if (topology === "ha" && cfg.dns.target === "loadBalancer" && !cfg.loadBalancer) {
        add("dns.target", "is `loadBalancer` but no `loadBalancer` is configured; add one or use `primary`", cfg.dns.target);
    }
}

/** The load balancer: kind, listeners, certificate, health checks, subnets and production guards. */
function checkLoadBalancer(c: Check): void {
    const { cfg, spec, add, guard } = c;
    const { profile, network } = spec;
    const lb = spec.loadBalancer;
    if (lb) {
        if (!profile.loadBalancer.allowedKinds.includes(lb.kind)) {
            add("loadBalancer.kind", `profile "${profile.name}" supports: ${profile.loadBalancer.allowedKinds.join(", ")}`, lb.kind);
        }
        checkListeners(c, lb);
        const needsCert = lb.kind === "alb" || lb.listeners.some((l) => l.protocol === "TLS");
        if (needsCert && lb.certificateArn === undefined) {
            add("loadBalancer.certificateArn", "is required for HTTPS/TLS listeners (an ALB always has one): set the ACM certificate ARN");
        }
        if (lb.kind === "alb" && lb.healthCheck.protocol === "TCP") {
            add("loadBalancer.healthCheck.protocol", "an ALB checks with HTTP or HTTPS", lb.healthCheck.protocol);
        }
        if (lb.healthCheck.timeout >= lb.healthCheck.interval) {
            add(
                "loadBalancer.healthCheck.timeout",
                `must be less than the interval (${lb.healthCheck.interval} s)`,
                lb.healthCheck.timeout,
            );
        }
        if (lb.scheme === "internet-facing" && network.kind === "existing" && cfg.network.loadBalancerSubnets === undefined) {
            add(
                "network.loadBalancerSubnets",
                "is required for an internet-facing load balancer on an existing network: list its public subnets",
            );
        }
        const hc = lb.healthCheck;
        if (hc.interval > MAX_HEALTH_CHECK_INTERVAL) {
            guard(
                "slowHealthChecks",
                `health checks every ${hc.interval} s: a failed node stays in rotation for about ${hc.interval * hc.unhealthyThreshold} s`,
                "loadBalancer.healthCheck.interval",
                `must be at most ${MAX_HEALTH_CHECK_INTERVAL} s, so a failed node leaves rotation within about a minute`,
                hc.interval,
            );
        }
        if (spec.production && !lb.accessLogs) {
            guard(
                "loadBalancerWithoutAccessLogs",
                "the production load balancer writes no access logs",
                "loadBalancer.accessLogs",
                "is required in a production stack: set `{ bucket, prefix }` so every request can be audited",
            );
        }
        if (spec.production && !lb.deletionProtection) {
            guard(
                "loadBalancerWithoutDeletionProtection",
                "the production load balancer can be deleted",
                "loadBalancer.deletionProtection",
                "must stay on in a production stack (remove the key)",
                false,
            );
        }
    }
}

/** Each listener's port and protocols suit the load balancer's kind. */
function checkListeners(c: Check, lb: NonNullable<StackSpec["loadBalancer"]>): void {
    const { add } = c;
    const ports = new Set<number>();
    lb.listeners.forEach((l, i) => {
        const path = `loadBalancer.listeners[${i}]`;
        if (ports.has(l.port)) add(`${path}.port`, "two listeners use the same port", l.port);
        ports.add(l.port);
        if (lb.kind === "alb" && l.protocol !== "HTTPS") {
            add(`${path}.protocol`, "an ALB listener must be HTTPS (HTTP on 80 is added as a redirect to HTTPS)", l.protocol);
        }
        if (lb.kind === "alb" && !["HTTP", "HTTPS"].includes(l.targetProtocol)) {
            add(`${path}.targetProtocol`, "an ALB forwards HTTP or HTTPS to its targets", l.targetProtocol);
        }
        if (lb.kind === "alb" && l.port === 80)
            add(`${path}.port`, "port 80 on an ALB is the HTTP-to-HTTPS redirect; use another port", l.port);
        if (lb.kind === "nlb" && (l.protocol === "HTTPS" || ["HTTP", "HTTPS"].includes(l.targetProtocol))) {
            add(`${path}.protocol`, "an NLB listener is TCP, UDP, TCP_UDP or TLS, forwarding the same to its targets", l.protocol);
        }
    });
}

/** Data that could be lost: backups off, data volumes a delete would take in production. */
function checkDataSafety(c: Check): void {
    const { cfg, spec, guard } = c;
    if (!cfg.backups.enabled)
        c.warnings.push("backups are off: losing every copy of the data (all nodes, or one zone holding them) loses it for good.");
    if (spec.production && !spec.dataVolume.protect) {
        guard(
            "unprotectedDataVolumes",
            "production data volumes can be deleted through Pulumi",
            "dataVolume.protect",
            "must stay on in a production stack (remove the key)",
            false,
        );
    }
    if (spec.production && !spec.dataVolume.retainOnDelete) {
        guard(
            "unprotectedDataVolumes",
            "a production node's data volume is deleted with the node",
            "dataVolume.retainOnDelete",
            "must stay on in a production stack (remove the key)",
            false,
        );
    }
}

/** Admin access not open to the internet; tags AWS accepts. */
function checkAccessAndTags(c: Check): void {
    const { spec, add } = c;
    spec.access.adminCidrs.forEach((cidr, i) => {
        if (cidr.endsWith("/0"))
            add(`access.adminCidrs[${i}]`, "admin ports must not be open to the whole internet; list your admin networks", cidr);
    });

    for (const [k, v] of Object.entries(spec.tags)) {
        if (k.length > 128 || k.toLowerCase().startsWith("aws:"))
            add(`tags.${k}`, "tag keys are at most 128 characters and must not start with aws:");
        if (v.length > 256) add(`tags.${k}`, "tag values are at most 256 characters", v);
    }
}
