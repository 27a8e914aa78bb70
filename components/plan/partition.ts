/**
 * Network partitions (not losses) in the failover analysis, for profiles whose minority side keeps
 * answering (`ServiceProfile.minorityMode`, Cloudify's active-minority mode). Pure.
 */
import type { StackSpec } from "../config";
import type { PlannedNode } from "./types";

/** Assumption lines on what a partition does to this stack, with its own zones and node counts. */
export function partitionAssumptions(spec: StackSpec, nodes: readonly PlannedNode[]): string[] {
    const mode = spec.topology === "cluster" ? spec.profile.minorityMode : undefined;
    const election = spec.profile.election;
    if (!mode || !election) return [];
    const role = election.role;
    const voters = nodes.filter((n) => n.roles.includes(role));
    const perZone = new Map<string, number>();
    for (const n of voters) perZone.set(n.zone, (perZone.get(n.zone) ?? 0) + 1);
    const majority = Math.floor(voters.length / 2) + 1;
    const zones = [...perZone.entries()].map(([zone, count]) => `${count} in ${zone}`).join(", ");
    const safe = [...perZone.values()].every((count) => voters.length - count >= majority);
    const layout = safe
        ? `With ${voters.length} ${role} nodes (${zones}), cutting off any one zone leaves a majority of ${majority} or more in the others, which keeps electing; the cut-off zone's ${role} nodes enter the minority mode. That is why the default is three ${role} nodes in three zones: no single zone's loss or isolation takes the majority.`
        : `With ${voters.length} ${role} nodes (${zones}), cutting off the zone with the most of them leaves no majority of ${majority} elsewhere: the whole cluster is then without a majority side. Spread the ${role} nodes over three zones (one each) so that no single zone holds the majority.`;
    return [
        `Network partition (the nodes are up but cannot reach each other): ${mode.description} (${mode.source})`,
        `${layout} The load balancer checks every target from each of its zones, so while it still reaches both sides, both active ${role} nodes pass its health check and clients are split between them. ${mode.healthCheck} Treat a partition as an incident: check \`cfy cluster nodes list\` and stop the minority side's manager if the partition lasts.`,
    ];
}
