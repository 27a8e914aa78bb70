/**
 * The region-loss scenarios of a DR stack and its two region runbooks (promote the DR replica, fail
 * back). Pure. Every figure comes from the stack's settings and published numbers, each named:
 *
 * - detection: the primary's status-check alarm (`failoverSettings.healthCheckFailures` x 60 s,
 *   plan/monitoring.ts), which lives in the primary's region;
 * - the promotion: the profile's published duration (GHES: 20 to 30 minutes, github/docs
 *   content/admin/monitoring-and-managing-your-instance/configuring-high-availability/initiating-a-failover-to-your-replica-appliance.md);
 * - clients: Route 53 propagates a record change to all its name servers within about 60 s (Route 53
 *   Developer Guide, "Checking the status of your change"), then resolvers honour the record's TTL
 *   (an alias to a load balancer: AWS's fixed 60 s);
 * - data at risk: what the asynchronous replication had not yet copied across the regions.
 */
import type { StackSpec } from "../config";
import { dataRiskOf, ROUTE53_PROPAGATION } from "./failover";
import { STATUS_CHECK_PERIOD } from "./monitoring";
import type { FailureScenario, Runbook, TopologyPlan } from "./types";

/** GitHub: a high-availability cluster's active and passive networks need less than 70 ms between them (cluster-network-configuration.md). */
export const GHES_MAX_INTER_DATACENTER_LATENCY_MS = 70;

/** Losing the primary's region (manual promotion to the DR replica) and losing the other region. */
export function regionScenarios(spec: StackSpec, plan: TopologyPlan): FailureScenario[] {
    const dr = spec.dr!;
    const primary = spec.primary ?? "";
    const drNodes = plan.nodes.filter((n) => n.region !== undefined).map((n) => n.key);
    const mainNodes = plan.nodes.filter((n) => n.region === undefined).map((n) => n.key);
    const primaryInDr = drNodes.includes(primary);
    const [lostRegion, lost, survivors] = primaryInDr
        ? [dr.region, drNodes, mainNodes]
        : [regionOfZone(plan.nodes.find((n) => n.key === primary)?.zone), mainNodes, drNodes];
    const otherRegion = primaryInDr ? regionOfZone(plan.nodes.find((n) => n.region === undefined)?.zone) : dr.region;
    const target = survivors[0];
    const check = plan.healthChecks.find((h) => h.key === "primary");
    const detectSeconds = check ? check.alarm.evaluationPeriods * check.alarm.period : undefined;
    const ttl = plan.dns[0]?.effectiveTtl ?? spec.dns.ttl;
    const follow = ROUTE53_PROPAGATION + ttl;
    const duration = spec.profile.promotionDuration;
    const promotion = duration ? { minSeconds: duration.minMinutes * 60, maxSeconds: duration.maxMinutes * 60 } : undefined;
    const viaLb = plan.dns[0]?.target.kind === "loadBalancer";
    const primaryRegionLoss: FailureScenario = {
        key: `region:${lostRegion}`,
        kind: "region",
        title: `Region ${lostRegion} (the primary's) is lost`,
        nodesLost: lost,
        staysUp: false,
        failover: "manual",
        ...(detectSeconds === undefined ? {} : { detectSeconds }),
        detectedBy: check
            ? `the primary's status-check alarm (${check.alarm.evaluationPeriods} x ${STATUS_CHECK_PERIOD} s), which runs in ${lostRegion}: if CloudWatch there is down too, its Route 53 health check keeps its last status and nothing alerts`
            : "nothing watches the primary: monitoring is off",
        followSeconds: follow,
        ...(detectSeconds === undefined ? {} : { clientsMoveSeconds: detectSeconds + (promotion?.minSeconds ?? 0) + follow }),
        ...(promotion ? { promotion } : {}),
        operator: true,
        clientsMoveBy: `promote ${target} in ${otherRegion} (runbook dr-promote${duration ? `; ${duration.source.replace(/\.$/, "")}` : ""}); after \`pulumi up\` the record ${viaLb ? `aliases ${otherRegion}'s load balancer` : `points at ${target}`} (${ROUTE53_PROPAGATION} s Route 53 propagation), resolvers follow after the ${ttl} s TTL`,
        dataAtRisk: `${dataRiskOf(spec).description}, across the regions: what ${survivors.join(", ")} had not received from ${primary} (the cross-region replication lag; the last \`ghe-repl-status\` or replication alarm tells how much)`,
        notes: [
            `The lost region's resources cannot be updated until it returns: apply only the DNS record and ${otherRegion}'s resources (\`pulumi up --target\`, runbook dr-promote), the rest when the region is back.`,
            "Route 53 record changes go through its control plane (in us-east-1): if that is the lost region, changes may be delayed; the record's health checks (data plane) keep answering.",
            ...(spec.profile.name === "ghes"
                ? [
                      `GitHub asks for less than ${GHES_MAX_INTER_DATACENTER_LATENCY_MS} ms between the active and the passive network of a high-availability cluster (configuring-clustering/cluster-network-configuration.md); measure the latency between the regions before relying on this replica.`,
                  ]
                : []),
        ],
    };
    const otherRegionLoss: FailureScenario = {
        key: `region:${otherRegion}`,
        kind: "region",
        title: `Region ${otherRegion} (no primary there) is lost`,
        nodesLost: survivors,
        staysUp: true,
        failover: "none",
        ...(detectSeconds === undefined ? {} : { detectSeconds: 2 * STATUS_CHECK_PERIOD }),
        detectedBy: `the status-check alarms of ${survivors.join(", ")} in ${otherRegion} (2 x ${STATUS_CHECK_PERIOD} s), if that region's CloudWatch still runs`,
        followSeconds: 0,
        clientsMoveSeconds: 0,
        operator: false,
        clientsMoveBy: "clients are not affected: they use the primary",
        dataAtRisk: `none on the primary; until ${otherRegion} returns the stack has no copy outside ${lostRegion}, and snapshot copies stop`,
        notes: [`${survivors.join(", ")} ${survivors.length === 1 ? "catches" : "catch"} up from the primary when ${otherRegion} returns.`],
    };
    return [primaryRegionLoss, otherRegionLoss];
}

/** `us-east-1a` -> `us-east-1`. */
function regionOfZone(zone: string | undefined): string {
    return zone?.slice(0, -1) ?? "";
}

/** Promote the DR replica (the primary's region is lost) and fail back once it returns. */
export function drRunbooks(spec: StackSpec, plan: TopologyPlan): Runbook[] {
    const dr = spec.dr!;
    const ns = spec.project;
    const primary = spec.primary ?? "";
    const drNode = dr.nodes[0];
    const main = plan.nodes.filter((n) => n.region === undefined).map((n) => n.key);
    const ghes = spec.profile.name === "ghes";
    const record = plan.dns[0]?.name ?? spec.dns.name;
    const targets = [`${spec.name}-dns-service`, `${spec.name}-dr-repl-${drNode}`, `${spec.name}-dr-repl-${drNode}-config`];
    const promote: Runbook = {
        key: "dr-promote",
        title: `Region failover: promote ${drNode} in ${dr.region} (primary now: ${primary})`,
        steps: [
            `Confirm the primary's region is lost (AWS Health Dashboard; alarms of ${primary}) and not a network blip: a region failover loses what ${drNode} had not received.`,
            ghes
                ? `On ${drNode}: \`ghe-repl-status -vv\` to see how far behind it is (the data at risk).`
                : `On ${drNode}: check how far its replication is behind (the data at risk).`,
            `If ${primary} still answers, stop writes to it (${ghes ? "`ghe-maintenance -s`" : "the service's maintenance mode"}); it stays fenced: the package never lets a former primary rejoin by itself.`,
            ghes
                ? `On ${drNode}: \`ghe-repl-promote\` (github/docs configuring-high-availability/initiating-a-failover-to-your-replica-appliance.md; 20 to 30 minutes on average).`
                : `Promote the service on ${drNode} as it documents.`,
            `Config: \`pulumi config set ${ns}:primary ${drNode}\` and \`pulumi config set --path '${ns}:dr.promoted' true\`.`,
            `Apply what does not need the lost region: \`pulumi up ${targets.map((t) => `--target '<URN of ${t}>'`).join(" ")}\` (URNs: \`pulumi stack --show-urns\`); then the record ${record} follows ${drNode}'s region within ${ROUTE53_PROPAGATION} s plus the TTL.`,
            `Check: \`dig ${record}\` answers with ${dr.region}'s ${plan.dns[0]?.target.kind === "loadBalancer" ? "load balancer" : "node"}; ${ghes ? "`curl -k https://" + record + "/status` returns 200" : "the service answers"}.`,
            `When the region is back: a full \`pulumi up\` (its parameters and alarms); ${main.join(", ")} stay out of replication until runbook dr-failback.`,
        ],
    };
    const failback: Runbook = {
        key: "dr-failback",
        title: `Fail back to ${main[0]} once the main region is back`,
        steps: [
            `Only with the main region healthy again and the stack applied there (\`pulumi up\`).`,
            ghes
                ? `Let the former primary rejoin as a replica of ${drNode}: \`pulumi config set --path '${ns}:ghesHa.formerPrimaries.${main[0]}' rejoin\`, \`pulumi up\` (it is set up in maintenance mode, as GitHub requires); the other main-region replicas are torn down and set up against ${drNode} by their scripts.`
                : `Set up the former primary as a replica of ${drNode} (the service's own procedure), then \`pulumi up\`.`,
            `Wait until ${main[0]} has caught up (${ghes ? "`ghe-repl-status` all OK" : "replication healthy"}); a planned fail-back loses nothing.`,
            `Promote ${main[0]} as a planned failover: maintenance mode on ${drNode}, drain, ${ghes ? `\`ghe-repl-promote\` on ${main[0]}` : `promote ${main[0]}`}.`,
            `Config: \`pulumi config set ${ns}:primary ${main[0]}\`, \`pulumi config set --path '${ns}:dr.promoted' false\`${ghes ? `, remove \`ghesHa.formerPrimaries.${main[0]}\` and set \`ghesHa.formerPrimaries.${drNode}: rejoin\`` : ""}; \`pulumi up\` (DNS moves back; no instance or volume is replaced).`,
            `Check: \`dig ${record}\`, the status-check alarms, and that ${drNode} replicates from ${main[0]} again.`,
        ],
    };
    return [promote, failback];
}
