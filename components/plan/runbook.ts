/**
 * Runbooks with this stack's own names and numbers: for HA one promotion runbook per replica, for a
 * cluster how to replace a failed node. Exported as a stack output, so the steps an operator reads
 * at 3 a.m. are the ones that match the deployed config.
 */
import type { StackSpec } from "../config";
import { failoverRuleName } from "./autofailover";
import { autoFailoverBehindLb, failoverSecondary } from "./healthchecks";
import { moveLeadersRunbooks } from "./leaders";
import { ROUTE53_PROPAGATION } from "./failover";
import { activeTargetCount, STATUS_CHECK_EVALUATIONS, STATUS_CHECK_PERIOD } from "./monitoring";
import { uniquePrefix } from "../common/naming";
import { replaceByNewNameRunbook } from "./replace-by-name";
import type { LoadBalancerPlan, PlannedNode, Runbook } from "./types";

function promotionRunbook(spec: StackSpec, lb: LoadBalancerPlan | undefined, replica: string): Runbook {
    const primary = spec.primary ?? "";
    const ns = spec.project;
    const prefix = uniquePrefix(spec.project, spec.stack, spec.name);
    const viaLb = spec.dns.target === "loadBalancer" && lb !== undefined;
    const hc = lb?.targetGroups[0]?.healthCheck;
    const activeReplicas =
        Object.entries(spec.ghesHa.geo)
            .filter(([node, g]) => g.active && node !== primary && node !== replica)
            .map(([node]) => node)
            .join(", ") || "none in this stack";
    const commands = (spec.profile.promotionSteps ?? []).map((c) =>
        c.replaceAll("{primary}", primary).replaceAll("{replica}", replica).replaceAll("{activeReplicas}", activeReplicas),
    );
    const automatic = spec.failover === "automatic";
    const nextSecondary = failoverSecondary(spec, replica);

    const steps: string[] = [];
    const heartbeat = autoFailoverBehindLb(spec);
    if (automatic && heartbeat) {
        steps.push(
            `With \`failover: automatic\` behind the load balancer, the failover runbook (rule ${failoverRuleName(prefix)}) may already have stopped ${primary} and promoted ${failoverSecondary(spec)}; these steps make a promotion permanent. Until \`pulumi up\` below has run, do not start ${primary} again: its document still makes it the primary.`,
            `Disable the failover rule while you promote, so it cannot act on a primary you stop on purpose or race the change: \`aws events disable-rule --name ${failoverRuleName(prefix)}\`.`,
        );
    } else if (automatic) {
        steps.push(
            `With \`failover: automatic\`, Route 53 already answers with ${failoverSecondary(spec)}'s address while ${primary}'s health check (alarm ${prefix}-primary-health) is unhealthy; these steps make a promotion permanent.`,
        );
    }
    steps.push(
        `Check that ${replica} is healthy (alarms ${prefix}-${replica}-instance-check and -system-check are OK) and caught up with ${primary}.`,
        `If ${primary} still runs, stop writes to it (the service's maintenance mode), so nothing is written there after ${replica} takes over${viaLb ? ` and it fails the load balancer's health check before ${replica} passes it` : ""}.`,
    );
    if (commands.length > 0) steps.push(...commands.map((c) => `Run: ${c}`));
    else
        steps.push(
            `The "${spec.profile.name}" profile declares no promotion command: if the service needs one, promote it on ${replica} with its own tooling now.`,
        );
    steps.push(`Change the config key \`${ns}:primary\`: \`pulumi config set ${ns}:primary ${replica}\`.`);
    if (automatic && spec.failoverSettings.secondary === replica) {
        steps.push(
            `\`${ns}:failoverSettings.secondary\` names ${replica}: set it to another replica (for example \`pulumi config set --path '${ns}:failoverSettings.secondary' ${nextSecondary}\`) or remove it.`,
        );
    }
    steps.push(
        `Review: \`npm run plan -- ${spec.stack}\`, then \`pulumi preview\`: it must update only the ${viaLb ? "" : "DNS record(s), the "}replication documents and their State Manager associations, and the health-check alarms; no instance or volume may be replaced${viaLb ? " and no load-balancer attachment may change (every node stays registered)" : ""}.`,
        `Apply: \`pulumi up\`. Each node's association re-runs its apply script, because its document changed.`,
    );
    if (automatic && heartbeat) {
        steps.push(
            `If the failover runbook stopped ${primary}, start it now (\`aws ec2 start-instances\`): its document makes it a replica of ${replica}, and it becomes the runbook's next secondary only once its heartbeat alarm is OK.`,
        );
        steps.push(
            `Enable the failover rule again once every node's heartbeat alarm is OK: \`aws events enable-rule --name ${failoverRuleName(prefix)}\`.`,
        );
    }

    const after = viaLb
        ? {
              target: `${spec.dns.name} keeps aliasing the load balancer, which forwards only to the node passing its health check, ${replica}`,
              clientsFollowSeconds: (hc?.interval ?? 0) * (hc?.healthyThreshold ?? 0),
              why: `${replica} is registered already and receives traffic once, promoted, it passes ${hc?.healthyThreshold} health checks ${hc?.interval} s apart, which can happen before \`pulumi up\`; ${primary} failed the check when writes to it stopped; DNS does not change`,
          }
        : {
              target: automatic
                  ? `${spec.dns.name}: PRIMARY record -> ${replica}, SECONDARY record -> ${nextSecondary}`
                  : `${spec.dns.name} A record -> ${replica}'s private address`,
              clientsFollowSeconds: ROUTE53_PROPAGATION + spec.dns.ttl,
              why: `Route 53 propagates the change within ${ROUTE53_PROPAGATION} s; resolvers keep the old address for up to the ${spec.dns.ttl} s TTL`,
          };
    const duration = spec.profile.promotionDuration;
    const whole = duration
        ? ` The whole promotion, these steps included, takes ${duration.minMinutes} to ${duration.maxMinutes} minutes on average: ${duration.source}`
        : "";
    steps.push(
        `Afterwards: ${after.target}; once \`pulumi up\` has run, clients follow within ${after.clientsFollowSeconds} s (${after.why}).${whole}`,
    );
    return { key: `promote-${replica}`, title: `Promote ${replica} (primary now: ${primary})`, steps, after };
}

function replaceNodeRunbook(spec: StackSpec, nodes: readonly PlannedNode[], lb: LoadBalancerPlan | undefined): Runbook {
    const prefix = uniquePrefix(spec.project, spec.stack, spec.name);
    const hc = lb?.targetGroups[0]?.healthCheck;
    const example = nodes[0]?.key ?? "NODE";
    const zones = [...new Set(nodes.map((n) => n.zone))].join(", ");
    const serving = nodes.filter((n) => n.serving).length;
    const active = activeTargetCount(spec.profile, serving);
    // Standbys fail the load balancer's check by design: only the status checks see one go.
    const found =
        active === serving
            ? `, or a target group's -unhealthy alarm.${hc ? ` The load balancer has already taken it out of rotation (${hc.interval} s x ${hc.unhealthyThreshold}).` : ""}`
            : `. Only ${active} of the ${serving} serving nodes pass the load balancer's health check at once (the others are standbys), so a lost standby shows only in those alarms; a target group's -unhealthy alarm means an active node failed.`;
    const expected =
        spec.monitoring.minHealthyTargets !== undefined
            ? ""
            : active === serving
              ? " (they expect every serving node)"
              : ` (they expect only the ${active} active target(s), so they do not show a standby's return: check the node's status-check alarms and the service's own cluster status too)`;
    return {
        key: "replace-node",
        title: "Replace a failed cluster node (NODE below is its key, for example " + example + ")",
        steps: [
            `Find the node: alarm ${prefix}-NODE-instance-check or -system-check (${STATUS_CHECK_EVALUATIONS} x ${STATUS_CHECK_PERIOD} s)${found}`,
            "A failed system status check triggers EC2's recover action: the instance moves to new hardware with the same id, private address and data volume. Wait for the alarm to clear before replacing anything.",
            "Otherwise replace the instance and keep its data volume. A volume attaches to one instance at a time, so if the old instance still exists: `aws ec2 stop-instances --instance-ids <its instanceId from the `nodes` output>`, then `aws ec2 detach-volume --volume-id <its data volume id>`.",
            `\`pulumi stack --show-urns | grep 'Instance::${spec.name}-NODE'\`, then \`pulumi up --replace '<that URN>'\`: a new instance starts in the node's zone, the node's data volume is attached to it, and it is registered with the load balancer; the old instance is deleted last.`,
            "The new instance has a new private address: the other nodes' replication documents change with it and their State Manager associations re-apply them; review that in `pulumi preview`.",
            `If the data volume is lost too: restore it from the newest snapshot (docs/operations.md: Restore a data volume) before the step above${spec.backups.enabled ? "" : " (backups are off in this stack: there is no snapshot)"}.`,
            `If the node's zone is down (zones in use: ${zones}): add a node with a new key in a healthy zone (\`nodes.<new>.zone\`), \`pulumi up\`, and remove the failed node's entry once it is no longer needed (its data volume is retained). Never reuse a removed node's key.`,
            `Done when the target groups' -healthy-below alarms are OK${expected}.`,
        ],
    };
}

export function planRunbooks(spec: StackSpec, nodes: readonly PlannedNode[], lb: LoadBalancerPlan | undefined): Runbook[] {
    if (spec.topology === "ha") return nodes.filter((n) => n.key !== spec.primary).map((n) => promotionRunbook(spec, lb, n.key));
    const byName = spec.profile.newNameOnReplace;
    return [
        byName ? replaceByNewNameRunbook(spec, nodes, byName.source) : replaceNodeRunbook(spec, nodes, lb),
        ...moveLeadersRunbooks(spec),
    ];
}
