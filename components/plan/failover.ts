/**
 * Failover analysis: for this stack's own settings, what happens when one node, one zone or the
 * load balancer's presence in one zone is lost. Estimates, from documented AWS mechanisms:
 *
 * - a target-group health check takes a target out after interval x unhealthy threshold and puts a
 *   registered one in after interval x healthy threshold (HA registers every node, so a promoted
 *   node is already a target: no new registration, which takes minutes on an NLB);
 * - a node's Route 53 health check follows a CloudWatch alarm on one-minute EC2 status checks, so
 *   it turns unhealthy after 60 s x `failoverSettings.healthCheckFailures`;
 * - a DNS answer changes within Route 53's 60 s propagation, and resolvers keep the old answer for
 *   up to the TTL (60 s, fixed, for an alias to a load balancer).
 */
import type { StackSpec } from "../config";
import type { Election, FailoverDataRisk } from "../profiles";
import { heartbeatDetectSeconds } from "./autofailover";
import { failoverSecondary } from "./healthchecks";
import { manualLeaderLoss } from "./leaders";
import { ALIAS_TTL } from "./loadbalancer";
import { natZone } from "../common/network";
import { partitionAssumptions } from "./partition";
import { STATUS_CHECK_EVALUATIONS, STATUS_CHECK_PERIOD } from "./monitoring";
import type { AutoFailoverPlan, DnsHealthCheckPlan, FailoverAnalysis, FailureScenario, LoadBalancerPlan, PlannedNode } from "./types";

/** Route 53 propagates a change to all its name servers within about 60 s. */
export const ROUTE53_PROPAGATION = 60;
/**
 * AWS does not publish how fast a load balancer stops advertising the address of a failed zone;
 * this analysis assumes Route 53's own propagation time.
 */
export const ELB_ZONE_DETECT = ROUTE53_PROPAGATION;

const NAT_NOTE =
    "The created VPC's only NAT gateway is in this zone: the surviving nodes lose outbound access, SSM included, so State Manager cannot apply changed replication documents (a promotion's) until the zone returns. VPC endpoints for ssm, ssmmessages and ec2messages would remove this dependency.";

const REPLACE_NOTE = "Replace the lost node(s) to restore redundancy (runbook replace-node).";

const DEFAULT_DATA_RISK: FailoverDataRisk = {
    kind: "replication-lag",
    description: "writes not yet copied to the surviving nodes by the asynchronous replication (the replication lag)",
};

export interface FailoverInputs {
    readonly spec: StackSpec;
    readonly nodes: readonly PlannedNode[];
    readonly zones: readonly string[];
    readonly loadBalancer?: LoadBalancerPlan | undefined;
    readonly healthChecks: readonly DnsHealthCheckPlan[];
    /** HA with `failover: automatic` behind a load balancer: the heartbeats and the runbook. */
    readonly autoFailover?: AutoFailoverPlan | undefined;
}

interface Timing {
    readonly detectSeconds?: number;
    readonly detectedBy: string;
}

/** A loss described by the nodes it takes and whether it takes the load balancer's node in a zone. */
interface Loss {
    readonly key: string;
    readonly kind: FailureScenario["kind"];
    readonly title: string;
    readonly lost: ReadonlySet<string>;
    readonly lbZoneLost: boolean;
    /** The created VPC's only NAT gateway goes with it: the surviving nodes reach no AWS API. */
    readonly natLost?: boolean;
}

type Outcome = Omit<FailureScenario, "key" | "kind" | "title" | "nodesLost">;

/** The profile's election and the node taken to be active (its role's leader), for a cluster that elects one. */
function electionOf(spec: StackSpec): { readonly election: Election; readonly active: string } | undefined {
    const election = spec.topology === "cluster" ? spec.profile.election : undefined;
    const active = election && spec.leaders[election.role];
    return election && active !== undefined ? { election, active } : undefined;
}

export function dataRiskOf(spec: StackSpec): FailoverDataRisk {
    return spec.profile.failoverDataRisk ?? DEFAULT_DATA_RISK;
}

/** The zones the load balancer has a node in; undefined when its subnets' zones are not in config. */
function loadBalancerZones(spec: StackSpec, zones: readonly string[]): readonly string[] | undefined {
    if (!spec.loadBalancer) return [];
    const net = spec.network;
    if (net.kind === "create") return zones;
    const byId = new Map(net.subnets.map((s) => [s.id, s.zone]));
    const lbZones = net.loadBalancerSubnets.map((id) => byId.get(id));
    return lbZones.every((z): z is string => z !== undefined) ? [...new Set(lbZones)] : undefined;
}

/** What every scenario's outcome is worked out from: the stack and how each kind of loss is detected. */
interface Context {
    readonly inputs: FailoverInputs;
    readonly spec: StackSpec;
    readonly nodes: readonly PlannedNode[];
    readonly risk: FailoverDataRisk;
    /** Clients reach HA nodes through the load balancer (DNS aliases it). */
    readonly viaLb: boolean;
    /** The target groups' health check; undefined without a load balancer. */
    readonly hc: LoadBalancerPlan["targetGroups"][number]["healthCheck"] | undefined;
    readonly lbDetect: Timing;
    readonly statusDetect: Timing;
}

export function analyseFailover(inputs: FailoverInputs): FailoverAnalysis {
    const ctx = failoverContext(inputs);
    const { spec, viaLb } = ctx;
    const scenarios = failureScenarios(ctx);

    const mechanism = spec.topology === "ha" ? spec.failover : electionOf(spec) ? "election" : "loadBalancer";
    const automaticBy = mechanism === "automatic" ? { automaticBy: inputs.autoFailover ? ("runbook" as const) : ("dns" as const) } : {};
    return { topology: spec.topology, mechanism, ...automaticBy, assumptions: assumptions(inputs, viaLb), scenarios };
}

function failoverContext(inputs: FailoverInputs): Context {
    const { spec, nodes, loadBalancer: lb } = inputs;
    const risk = dataRiskOf(spec);
    const viaLb = spec.dns.target === "loadBalancer" && lb !== undefined;
    const hc = lb?.targetGroups[0]?.healthCheck;
    const lbDetect: Timing = hc
        ? {
              detectSeconds: hc.interval * hc.unhealthyThreshold,
              detectedBy: `load-balancer health check (${hc.interval} s x ${hc.unhealthyThreshold})`,
          }
        : { detectedBy: "no load balancer" };
    const statusDetect: Timing = spec.monitoring.enabled
        ? {
              detectSeconds: STATUS_CHECK_PERIOD * STATUS_CHECK_EVALUATIONS,
              detectedBy: `status-check alarm (${STATUS_CHECK_EVALUATIONS} x ${STATUS_CHECK_PERIOD} s)`,
          }
        : { detectedBy: "nothing: monitoring is off" };
    return { inputs, spec, nodes, risk, viaLb, hc, lbDetect, statusDetect };
}

function healthDetect(ctx: Context, key: DnsHealthCheckPlan["key"]): Timing {
    const { inputs } = ctx;
    const check = inputs.healthChecks.find((h) => h.key === key);
    if (!check) return { detectedBy: "nothing watches the primary: monitoring is off" };
    const { evaluationPeriods: n, period } = check.alarm;
    return { detectSeconds: n * period, detectedBy: `Route 53 health check on ${check.node} (${n} x ${period} s status checks)` };
}

/** An automatic move that ends when the load balancer routes to a node that starts passing its health check `follow` s later. */
function movedByLb(detect: Timing, follow: number | undefined) {
    return {
        staysUp: true,
        failover: "automatic" as const,
        ...detect,
        ...(follow === undefined ? {} : { followSeconds: follow }),
        ...sum(detect, follow),
        operator: false,
    };
}

function sum(t: Timing, follow: number | undefined): { readonly clientsMoveSeconds?: number } {
    return t.detectSeconds === undefined || follow === undefined ? {} : { clientsMoveSeconds: t.detectSeconds + follow };
}

function lostAll(ctx: Context): Outcome {
    const { spec, viaLb, lbDetect, statusDetect } = ctx;
    return {
        staysUp: false,
        failover: "none",
        ...(viaLb || spec.topology === "cluster" ? lbDetect : statusDetect),
        operator: true,
        clientsMoveBy:
            "no node is left: rebuild the nodes and restore their data volumes from snapshots (docs/operations.md: Restore a data volume)",
        dataAtRisk: spec.backups.enabled
            ? `everything written since the last snapshot (one every ${spec.backups.everyHours} h, so up to ${spec.backups.everyHours} h of writes)`
            : "all data: backups are off",
        notes: [],
    };
}

/** Only nodes clients do not use are lost: the status-check alarms notice, nobody moves. */
function unaffected(ctx: Context, clientsMoveBy: string, dataAtRisk: string, notes: readonly string[]): Outcome {
    return {
        staysUp: true,
        failover: "none",
        ...ctx.statusDetect,
        followSeconds: 0,
        clientsMoveSeconds: 0,
        operator: false,
        clientsMoveBy,
        dataAtRisk,
        notes,
    };
}

const LB_ZONE_MOVE = ELB_ZONE_DETECT + ALIAS_TTL;
const LB_ZONE_MOVE_BY = `clients that resolved the lost zone's load-balancer address move to another zone's address once it leaves the load balancer's DNS (assumed ${ELB_ZONE_DETECT} s) and their ${ALIAS_TTL} s TTL expires (${LB_ZONE_MOVE} s)`;

/**
 * The load balancer's node in the lost zone. Cross-zone load balancing is on (components/aws/loadbalancer.ts),
 * so every zone's address reaches every target: the clients holding the lost zone's address fail
 * until it leaves the load balancer's DNS and their TTL expires, whether or not a serving node is
 * lost. That runs from the failure, in parallel with whatever moves the other clients, so the last
 * client moves after the later of the two (max, not sum):
 * - nothing else moves clients (a replica, a standby or a non-serving node is lost): the zone's
 *   DNS is the whole client-visible effect, timed like losing only the load balancer's node;
 * - an automatic move (targets dropped, an election): max(its figure, the zone's);
 * - a manual promotion: max(zone's figure, detection + operator's time + follow); with the
 *   operator's time left out that is max(zone's, detection + follow), and `followSeconds` stays
 *   the time after the operator's `pulumi up`, so the printers can show both terms;
 * - nothing left to move to, or no figure: unchanged.
 */
function withLbZone(o: Outcome, loss: Loss): Outcome {
    if (!loss.lbZoneLost || o.clientsMoveSeconds === undefined) return o;
    if (o.failover === "none") {
        return {
            ...o,
            failover: "automatic",
            detectSeconds: ELB_ZONE_DETECT,
            detectedBy: `the load balancer's own zone health checks (assumed ${ELB_ZONE_DETECT} s)`,
            followSeconds: ALIAS_TTL,
            clientsMoveSeconds: LB_ZONE_MOVE,
            clientsMoveBy: `${LB_ZONE_MOVE_BY}; otherwise ${o.clientsMoveBy}`,
            notes: [
                ...o.notes,
                o.detectSeconds === undefined
                    ? "Nothing notices the lost node(s): monitoring is off."
                    : `The ${o.detectedBy} notices the lost node(s) after ${o.detectSeconds} s.`,
            ],
        };
    }
    const move = Math.max(o.clientsMoveSeconds, LB_ZONE_MOVE);
    if (o.operator) {
        return {
            ...o,
            clientsMoveSeconds: move,
            clientsMoveBy: `${o.clientsMoveBy}. Meanwhile ${LB_ZONE_MOVE_BY}, counted from the failure: those clients move after max(${LB_ZONE_MOVE} s, ${o.clientsMoveSeconds} s + the operator's time)`,
        };
    }
    const detect = o.detectSeconds ?? ELB_ZONE_DETECT;
    return {
        ...o,
        detectSeconds: detect,
        followSeconds: move - detect,
        clientsMoveSeconds: move,
        notes: [...o.notes, `${capitalise(LB_ZONE_MOVE_BY)}.`],
    };
}

function haOutcome(ctx: Context, loss: Loss): Outcome {
    const { spec, nodes, risk, viaLb, hc, lbDetect } = ctx;
    const primary = spec.primary ?? "";
    const survivors = nodes.filter((n) => !loss.lost.has(n.key));
    if (survivors.length === 0) return lostAll(ctx);
    if (!loss.lost.has(primary)) {
        const secondary = failoverSecondary(spec);
        const notes =
            spec.failover === "automatic" && secondary !== undefined && loss.lost.has(secondary)
                ? [`Automatic failover has no target until ${secondary} is back (or \`failoverSettings.secondary\` names another replica).`]
                : [];
        return withLbZone(
            unaffected(
                ctx,
                "clients are not affected: they use the primary",
                "none: a replica catches up from the primary when it returns",
                notes,
            ),
            loss,
        );
    }
    const secondary = failoverSecondary(spec);
    const auto = ctx.inputs.autoFailover;
    if (auto && !loss.lost.has(auto.secondary) && !loss.natLost) return withLbZone(heartbeatOutcome(ctx, auto), loss);
    if (spec.failover === "automatic" && !auto && secondary !== undefined && !loss.lost.has(secondary)) {
        const detect = healthDetect(ctx, "primary");
        const follow = ROUTE53_PROPAGATION + spec.dns.ttl;
        return {
            staysUp: true,
            failover: "automatic",
            ...detect,
            followSeconds: follow,
            ...sum(detect, follow),
            operator: false,
            clientsMoveBy: `Route 53 answers with ${secondary}'s address once the primary's health check fails (${ROUTE53_PROPAGATION} s propagation), resolvers follow after the ${spec.dns.ttl} s TTL`,
            dataAtRisk: `${risk.description}, on ${primary}`,
            notes: [
                `${secondary} is still a replica in config: the service must accept writes there by itself. Then run the promote-${secondary} runbook so config matches.`,
            ],
        };
    }
    // Manual promotion to the surviving secondary, else the first surviving replica.
    const target = secondary !== undefined && !loss.lost.has(secondary) ? secondary : survivors[0].key;
    const detect = viaLb ? lbDetect : healthDetect(ctx, "primary");
    const follow = viaLb && hc ? hc.interval * hc.healthyThreshold : ROUTE53_PROPAGATION + spec.dns.ttl;
    const how = viaLb
        ? `every node is registered, so no attachment changes: once promoted, ${target} passes the health check and the load balancer sends traffic to it after ${hc?.healthyThreshold} passed checks ${hc?.interval} s apart (${follow} s); DNS does not change`
        : `after \`pulumi up\` the record points at ${target} (${ROUTE53_PROPAGATION} s propagation), resolvers follow after the ${spec.dns.ttl} s TTL`;
    const promotion = promotionOf(spec);
    return withLbZone(
        {
            staysUp: false,
            failover: "manual",
            ...detect,
            followSeconds: follow,
            ...sum(detect, follow === undefined || promotion === undefined ? follow : follow + promotion.minSeconds),
            ...(promotion === undefined ? {} : { promotion }),
            operator: true,
            clientsMoveBy: `promote ${target} (runbook promote-${target}${promotionText(spec)}); ${how}`,
            dataAtRisk: `${risk.description}, on ${primary}`,
            notes:
                spec.failover === "automatic"
                    ? [
                          auto && loss.natLost && !loss.lost.has(auto.secondary)
                              ? `Automatic failover cannot help: ${auto.secondary} reaches neither CloudWatch nor SSM without the NAT gateway, so its own heartbeat stops too and the runbook refuses to fence ${primary}.`
                              : `Automatic failover cannot help: its secondary ${secondary} is lost too.`,
                      ]
                    : viaLb && !spec.monitoring.enabled
                      ? ["Monitoring is off: the load balancer stops sending traffic, but nobody is told."]
                      : [],
        },
        loss,
    );
}

/**
 * HA behind a load balancer with automatic failover: the primary's heartbeat alarm starts the
 * runbook, which fences the primary and promotes the secondary; the load balancer then routes to it.
 */
function heartbeatOutcome(ctx: Context, auto: AutoFailoverPlan): Outcome {
    const { risk, hc } = ctx;
    const { primary, secondary, heartbeat } = auto;
    const worst = heartbeatDetectSeconds(heartbeat);
    const detect: Timing = {
        detectSeconds: worst,
        detectedBy: `the primary's heartbeat alarm (${heartbeat.missedPeriods} x ${heartbeat.periodSeconds} s periods without a heartbeat: ${worst - heartbeat.periodSeconds} to ${worst} s after the failure)`,
    };
    const follow = hc ? hc.interval * hc.healthyThreshold : undefined;
    return {
        ...movedByLb(detect, follow),
        clientsMoveBy: `the failover runbook stops (fences) ${primary} and waits until EC2 reports it stopped, then runs \`${auto.promoteCommand}\` on ${secondary}; once promoted, ${secondary} passes the health check and the load balancer sends it traffic after ${hc?.healthyThreshold} passed checks ${hc?.interval} s apart (${follow} s); no attachment or DNS record changes. A lower bound: the runbook's start, the forced stop ("it can take a few minutes for the instance to stop", EC2 User Guide) and the service's own promotion are not counted, for want of published figures`,
        dataAtRisk: `${risk.description}, on ${primary}`,
        notes: [
            `${secondary} is the primary now while \`primary\` still names ${primary}: run the promote-${secondary} runbook so config matches before ${primary} is started again (started first, it would come back as a second primary).`,
        ],
    };
}

function clusterOutcome(ctx: Context, loss: Loss): Outcome {
    const { spec, nodes, risk, lbDetect, statusDetect } = ctx;
    const survivors = nodes.filter((n) => !loss.lost.has(n.key));
    if (survivors.length === 0) return lostAll(ctx);
    const lostServing = nodes.filter((n) => loss.lost.has(n.key) && n.serving).map((n) => n.key);
    const missingRoles = spec.profile.roles.required.filter((r) => !survivors.some((n) => n.roles.includes(r)));
    const servingLeft = survivors.some((n) => n.serving);
    const dataAtRisk = `${risk.description}, on ${[...loss.lost].join(", ")}`;
    if (!servingLeft || missingRoles.length > 0) {
        const why = !servingLeft ? "no serving node is left" : `no node with the required role(s) ${missingRoles.join(", ")} is left`;
        return {
            staysUp: false,
            failover: "manual",
            ...lbDetect,
            operator: true,
            clientsMoveBy: `${why}: add nodes (runbook replace-node)`,
            dataAtRisk,
            notes: [],
        };
    }
    // A single primary the service never moves by itself (GHES MySQL/Redis): plan/leaders.ts.
    const leaderLost = manualLeaderLoss(spec, loss.lost);
    if (leaderLost !== undefined) {
        return {
            staysUp: false,
            failover: "manual",
            ...statusDetect,
            operator: true,
            clientsMoveBy: leaderLost,
            dataAtRisk,
            notes: [REPLACE_NOTE],
        };
    }
    const elected = electionOf(spec);
    if (elected) return withLbZone(electedOutcome(ctx, loss, elected.election, elected.active, dataAtRisk), loss);
    const replace = [REPLACE_NOTE];
    // Like an HA replica: a lost node that serves no client moves none, so no failover and 0 s.
    if (lostServing.length === 0) {
        return withLbZone(unaffected(ctx, "clients are not affected: no serving node is lost", dataAtRisk, replace), loss);
    }
    return withLbZone(
        {
            staysUp: true,
            failover: "automatic",
            ...lbDetect,
            followSeconds: 0,
            ...sum(lbDetect, 0),
            operator: false,
            clientsMoveBy: "the load balancer stops sending requests to the lost node(s) at detection; requests in flight on them fail",
            dataAtRisk,
            notes: replace,
        },
        loss,
    );
}

/**
 * A service that elects its one active node itself, the only target passing the health check:
 * losing a standby moves no client; losing the active node moves them once a majority of the
 * role's nodes has elected another and the load balancer has seen it pass its checks.
 */
function electedOutcome(ctx: Context, loss: Loss, election: Election, active: string, dataAtRisk: string): Outcome {
    const { nodes, hc, lbDetect } = ctx;
    const role = election.role;
    const voters = nodes.filter((n) => n.roles.includes(role));
    const left = voters.filter((n) => !loss.lost.has(n.key)).map((n) => n.key);
    const majority = left.length * 2 > voters.length;
    const noMajority = `only ${left.length} of the ${voters.length} ${role} nodes are left, which is no majority`;
    const replace = REPLACE_NOTE;
    if (!loss.lost.has(active)) {
        return unaffected(
            ctx,
            `clients are not affected: they use the active ${role} ${active}; the lost node(s) were standbys, which fail the load balancer's health check by design (so only the status-check alarms notice)`,
            `none: only the active ${role} takes writes, and a standby catches up from it when it returns`,
            [...(majority ? [] : [`${capitalise(noMajority)}: if the active ${role} fails too, no new one is elected.`]), replace],
        );
    }
    if (!majority) {
        return {
            staysUp: false,
            failover: "manual",
            ...lbDetect,
            operator: true,
            clientsMoveBy: `${noMajority}, so no new active ${role} is elected: bring the lost nodes back, or recover the cluster as the service documents`,
            dataAtRisk,
            notes: [replace],
        };
    }
    const follow = hc ? hc.interval * hc.healthyThreshold : undefined;
    const detect: Timing = {
        detectSeconds: election.seconds,
        detectedBy: `the ${role} nodes' own election of a new active ${role} (${election.seconds} s, see assumptions)`,
    };
    return {
        ...movedByLb(detect, follow),
        clientsMoveBy: `${left.join(", ")} elect a new active ${role}; the load balancer sends traffic to it once it passes ${hc?.healthyThreshold} health checks ${hc?.interval} s apart (${follow} s); DNS does not change (the record aliases the load balancer); requests in flight on ${active} fail`,
        dataAtRisk,
        notes: [replace],
    };
}

/** No node is lost: only the load balancer's presence in a zone, or nothing of the stack at all. */
function noNodeLost(loss: Loss): Outcome {
    return loss.lbZoneLost
        ? {
              staysUp: true,
              failover: "automatic",
              detectSeconds: ELB_ZONE_DETECT,
              detectedBy: `the load balancer's own zone health checks (assumed ${ELB_ZONE_DETECT} s)`,
              followSeconds: ALIAS_TTL,
              clientsMoveSeconds: LB_ZONE_MOVE,
              operator: false,
              clientsMoveBy: `${LB_ZONE_MOVE_BY}; other clients are not affected`,
              dataAtRisk: "none: requests in flight through that zone fail and are retried",
              notes: [],
          }
        : {
              staysUp: true,
              failover: "none",
              detectedBy: "nothing to detect: no node of this stack runs there",
              followSeconds: 0,
              clientsMoveSeconds: 0,
              operator: false,
              clientsMoveBy: "clients are not affected",
              dataAtRisk: "none",
              notes: [],
          };
}

function outcome(ctx: Context, loss: Loss): FailureScenario {
    const { spec, nodes } = ctx;
    return {
        key: loss.key,
        kind: loss.kind,
        title: loss.title,
        nodesLost: nodes.filter((n) => loss.lost.has(n.key)).map((n) => n.key),
        ...(loss.lost.size === 0 ? noNodeLost(loss) : spec.topology === "ha" ? haOutcome(ctx, loss) : clusterOutcome(ctx, loss)),
    };
}

/** Every loss the analysis covers: each node, each zone, and the load balancer's node in each of its zones. */
function failureScenarios(ctx: Context): FailureScenario[] {
    const { spec, nodes, viaLb, inputs } = ctx;
    const { zones, loadBalancer: lb } = inputs;
    const lbZones = loadBalancerZones(spec, zones);
    // Clients go through the load balancer: a cluster always, HA when DNS aliases it.
    const lbInPath = lb !== undefined && (viaLb || spec.topology === "cluster");
    const scenarios: FailureScenario[] = [
        ...nodes.map((n) =>
            outcome(ctx, {
                key: `node:${n.key}`,
                kind: "node",
                title: `node ${n.key} (${n.role}, ${n.zone}) lost`,
                lost: new Set([n.key]),
                lbZoneLost: false,
            }),
        ),
        ...zones.map((z) => {
            const inZone = nodes.filter((n) => n.zone === z).map((n) => n.key);
            const natLost = spec.network.kind === "create" && z === natZone(spec.network.zones) && inZone.length < nodes.length;
            const scenario = outcome(ctx, {
                key: `zone:${z}`,
                kind: "zone",
                title: `zone ${z} lost (${inZone.length > 0 ? inZone.join(", ") : "no node"})`,
                lost: new Set(inZone),
                lbZoneLost: lbInPath && (lbZones?.includes(z) ?? false),
                natLost,
            });
            return natLost ? { ...scenario, notes: [...scenario.notes, NAT_NOTE] } : scenario;
        }),
    ];
    if (lbInPath) {
        for (const z of lbZones ?? [undefined]) {
            scenarios.push(
                outcome(ctx, {
                    key: `loadBalancerZone:${z ?? "any"}`,
                    kind: "loadBalancerZone",
                    title:
                        z === undefined
                            ? "the load balancer's node in one of its zones lost (its subnets' zones are not in config)"
                            : `the load balancer's node in ${z} lost (nodes keep running)`,
                    lost: new Set(),
                    lbZoneLost: true,
                }),
            );
        }
    }
    return scenarios;
}

function assumptions(inputs: FailoverInputs, viaLb: boolean): string[] {
    const { spec, loadBalancer: lb, healthChecks } = inputs;
    const out: string[] = [];
    const hc = lb?.targetGroups[0]?.healthCheck;
    if (hc && (viaLb || spec.topology === "cluster")) {
        out.push(
            `Load balancer: a target is out after ${hc.interval} s x ${hc.unhealthyThreshold} failed checks and a new one is in after ${hc.interval} s x ${hc.healthyThreshold} passed checks.`,
        );
        out.push(
            `A failed zone's load-balancer address leaves its DNS in an assumed ${ELB_ZONE_DETECT} s (AWS publishes no figure); clients then wait out the ${ALIAS_TTL} s alias TTL. With cross-zone load balancing this affects the clients holding that address even when no serving node is lost; it runs from the failure alongside the nodes' own failover, so clients move after the later of the two (max, not sum).`,
        );
    }
    if (hc && viaLb && spec.topology === "ha") {
        out.push(
            `While no registered node passes the health check (from the primary's loss until a promotion), the load balancer fails open and sends clients to every registered node, the replicas included (Elastic Load Balancing guides, target group health checks: "if all targets fail health checks at the same time in all enabled Availability Zones, the load balancer fails open"): a replica must refuse writes, as the health-check contract asks of the service.`,
        );
    }
    const elected = electionOf(spec);
    if (elected) {
        const { election: e, active } = elected;
        out.push(
            `Only the active ${e.role} passes the health check; the others are standbys. The active one is taken to be \`leaders.${e.role}\` (${active}); after a failover another ${e.role} is active and its loss has these figures instead.`,
        );
        out.push(
            `A new active ${e.role} is elected by a majority of the ${e.role} nodes within ${e.seconds} s of the active one's failure. ${e.source}`,
        );
    }
    out.push(...partitionAssumptions(spec, inputs.nodes));
    if (inputs.autoFailover) out.push(...heartbeatAssumptions(inputs.autoFailover));
    if (healthChecks.length > 0) {
        const { evaluationPeriods: n, period } = healthChecks[0].alarm;
        out.push(
            `Route 53 health checks follow CloudWatch alarms on EC2 status checks (one per ${period} s): unhealthy after ${n} failed or missing checks (${n * period} s). They see the instance, not the service.`,
        );
    }
    if (spec.topology === "ha" && !viaLb) {
        out.push(
            `A DNS change reaches every Route 53 name server within ${ROUTE53_PROPAGATION} s; resolvers keep the old answer for up to the ${spec.dns.ttl} s TTL.`,
        );
    }
    if (spec.monitoring.enabled)
        out.push(
            `Status-check alarms fire after ${STATUS_CHECK_EVALUATIONS} x ${STATUS_CHECK_PERIOD} s; a notification adds up to a minute.`,
        );
    const promotion = spec.topology === "ha" ? spec.profile.promotionDuration : undefined;
    if (promotion)
        out.push(
            `A manual promotion takes ${promotion.minMinutes} to ${promotion.maxMinutes} minutes on average; a lost primary's figures include the ${promotion.minMinutes} minutes, and clients may wait up to ${promotion.maxMinutes}. ${promotion.source}`,
        );
    out.push("An operator's own time (noticing, deciding, running `pulumi up`) is not in `clientsMoveSeconds`.");
    return out;
}

function heartbeatAssumptions(auto: AutoFailoverPlan): string[] {
    const { periodSeconds: p, missedPeriods: n } = auto.heartbeat;
    return [
        `Every node sends a heartbeat every ${p} s while its service is alive (it answers its health check below 500, or 503); the primary counts as lost after ${n} periods of ${p} s without one (a high-resolution alarm, missing data breaching): ${heartbeatDetectSeconds(auto.heartbeat)} s after the failure at worst, when it came just after a beat. CloudWatch's delivery of the data points, the alarm's evaluation and its event are not counted (AWS publishes no figure).`,
        `The failover runbook acts only when the primary's alarm went from OK to ALARM, is still in ALARM, and the secondary's own heartbeat alarm is OK; it stops the primary before it promotes the secondary, so the old primary fails the health check before the new one can pass it.`,
    ];
}

/** HA: the profile's published promotion time, in seconds (profiles/types.ts `promotionDuration`). */
export function promotionOf(spec: StackSpec): { readonly minSeconds: number; readonly maxSeconds: number } | undefined {
    const d = spec.topology === "ha" ? spec.profile.promotionDuration : undefined;
    return d && { minSeconds: d.minMinutes * 60, maxSeconds: d.maxMinutes * 60 };
}

function promotionText(spec: StackSpec): string {
    const d = spec.profile.promotionDuration;
    return d ? `: ${d.minMinutes} to ${d.maxMinutes} minutes on average, see assumptions` : "";
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
