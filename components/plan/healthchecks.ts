/**
 * HA health checks and automatic DNS failover.
 *
 * The nodes live in private subnets and Route 53's health checkers run on the internet, so an
 * endpoint check (HTTP/TCP to the node) can never reach them. Each check is therefore a
 * CLOUDWATCH_METRIC health check that follows a CloudWatch alarm on the node's EC2 status checks,
 * with missing data counted as a failure. It sees the instance, not the service: a hung service on a
 * healthy instance is caught by the target-group alarms when there is a load balancer, not here.
 */
import type { StackSpec } from "../config";
import { nodeHealthAlarm } from "./monitoring";
import type { DnsHealthCheckPlan, DnsRecordPlan, PlannedNode } from "./types";

/**
 * The replica the SECONDARY record points at when `primary` is primary: the configured one, else the
 * first other node in node order.
 */
export function failoverSecondary(spec: StackSpec, primary: string | undefined = spec.primary): string | undefined {
    const pinned = spec.failoverSettings.secondary;
    if (pinned !== undefined && pinned !== primary) return pinned;
    return spec.nodes.find((n) => n.key !== primary)?.key;
}

/** Whether the stack fails over by itself behind its load balancer (HA, `failover: automatic`, DNS on the load balancer): plan/autofailover.ts. */
export function autoFailoverBehindLb(spec: StackSpec): boolean {
    return spec.topology === "ha" && spec.failover === "automatic" && spec.loadBalancer !== undefined && spec.dns.target === "loadBalancer";
}

/**
 * HA only: with automatic DNS failover, checks on the primary and on the secondary (Route 53 skips an
 * unhealthy secondary too); otherwise, with monitoring on, a check on the primary alone. Keyed by
 * role, so a promotion re-points the checks in place.
 */
export function planHealthChecks(spec: StackSpec): DnsHealthCheckPlan[] {
    if (spec.topology !== "ha" || spec.primary === undefined) return [];
    const notify = spec.monitoring.enabled;
    const check = (key: DnsHealthCheckPlan["key"], node: string): DnsHealthCheckPlan => ({
        key,
        node,
        alarm: nodeHealthAlarm(spec, key, node),
        notify,
        // A brand-new alarm has no data yet; that must not fail DNS over.
        insufficientDataHealthStatus: "LastKnownStatus",
    });
    // Behind a load balancer automatic failover needs no Route 53 check: DNS never moves.
    if (spec.failover === "automatic" && !autoFailoverBehindLb(spec)) {
        const secondary = failoverSecondary(spec);
        if (secondary === undefined) throw new Error("automatic failover needs a second node (config validation guarantees one)");
        return [check("primary", spec.primary), check("secondary", secondary)];
    }
    return notify ? [check("primary", spec.primary)] : [];
}

/** Automatic failover whose secondary shares the primary's zone cannot survive that zone's loss. */
export function failoverWarnings(spec: StackSpec, nodes: readonly PlannedNode[]): string[] {
    if (spec.topology !== "ha" || spec.failover !== "automatic") return [];
    const zoneOf = (key: string | undefined) => nodes.find((n) => n.key === key)?.zone;
    const secondary = failoverSecondary(spec);
    const zone = zoneOf(spec.primary);
    return zone !== undefined && zone === zoneOf(secondary)
        ? [
              `automatic failover: the secondary ${secondary} is in the primary's zone ${zone}; losing that zone leaves only a manual promotion.`,
          ]
        : [];
}

/**
 * The service record of an HA stack whose DNS points at the nodes: always failover routing, a PRIMARY
 * on the primary and, with automatic failover only, a SECONDARY on the secondary, each with its
 * health check. A manual stack's PRIMARY has no health check and no SECONDARY, so Route 53 always
 * answers with it, exactly like a plain record.
 *
 * Why never a plain record: Route 53 refuses a non-failover record set beside failover record sets of
 * the same name and type (Route 53 API reference, ResourceRecordSet.Failover), and Pulumi deletes the
 * resources a program no longer registers only after every create and update. Switching `automatic`
 * to `manual` with a plain record would write it while the SECONDARY still exists, and fail. With
 * failover records on both sides, `manual` -> `automatic` updates the PRIMARY (adds its health check)
 * and creates the SECONDARY after it; `automatic` -> `manual` updates the PRIMARY and deletes the
 * SECONDARY last: every intermediate state is valid, so either switch is one `pulumi up`.
 *
 * The PRIMARY keeps the key of the former plain record (`service`), so an existing stack's record is
 * updated in place (the provider deletes the plain record and creates the PRIMARY in one Route 53
 * change batch) and never removed. Set identifiers name roles, never nodes, so a promotion changes
 * only the records' addresses and health checks.
 */
export function planFailoverRecords(spec: StackSpec): DnsRecordPlan[] {
    const { dns, primary } = spec;
    if (primary === undefined) throw new Error("failover records need an HA primary");
    const automatic = spec.failover === "automatic";
    const record = (key: string, node: string, type: "PRIMARY" | "SECONDARY"): DnsRecordPlan => ({
        key,
        zoneId: dns.zoneId,
        name: dns.name,
        type: "A",
        target: { kind: "node", node },
        effectiveTtl: dns.ttl,
        ttl: dns.ttl,
        failover: {
            type,
            setIdentifier: type === "PRIMARY" ? "primary" : "secondary",
            ...(automatic ? { healthCheck: type === "PRIMARY" ? "primary" : "secondary" } : {}),
        },
    });
    if (!automatic) return [record("service", primary, "PRIMARY")];
    const secondary = failoverSecondary(spec);
    if (secondary === undefined) throw new Error("failover records need an HA primary and secondary");
    return [record("service", primary, "PRIMARY"), record("service-secondary", secondary, "SECONDARY")];
}
