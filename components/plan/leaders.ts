/**
 * Single-leader roles a service never moves by itself (profile `manualLeaderMove`; GHES: the MySQL
 * and Redis primaries): what losing the leader's node means, and the runbook that moves a leader.
 */
import type { StackSpec } from "../config";
import type { Runbook } from "./types";

/**
 * The lost node(s) holding a manually moved leader, and why the service stops: undefined when the
 * loss takes no such leader.
 */
export function manualLeaderLoss(spec: StackSpec, lost: ReadonlySet<string>): string | undefined {
    const move = spec.topology === "cluster" ? spec.profile.manualLeaderMove : undefined;
    if (!move) return undefined;
    const held = move.roles.filter((role) => {
        const leader = spec.leaders[role];
        return leader !== undefined && lost.has(leader);
    });
    if (held.length === 0) return undefined;
    const nodes = [...new Set(held.map((role) => spec.leaders[role]))].join(", ");
    return `${nodes} led ${held.join(" and ")}: each runs with a single primary that the service never moves by itself (${move.source}), so the service is down until ${nodes} returns or an operator moves the primary to a caught-up replica (runbook move-leaders); the load balancer keeps sending requests to the web servers, which fail`;
}

/** Steps that move each manually moved leader to the node `leaders` names; none for other profiles. */
export function moveLeadersRunbooks(spec: StackSpec): Runbook[] {
    const move = spec.topology === "cluster" ? spec.profile.manualLeaderMove : undefined;
    if (!move) return [];
    const fill = (step: string) => step.replace(/\{leader:([a-z0-9-]+)\}/g, (_, role: string) => spec.leaders[role] ?? `<leaders.${role}>`);
    const now = move.roles.map((role) => `${role}: ${spec.leaders[role] ?? "none"}`).join(", ");
    return [
        {
            key: "move-leaders",
            title: `Move the single primaries to the nodes \`leaders\` names (now in config: ${now}); never applied by the stack`,
            steps: move.steps.map(fill),
        },
    ];
}
