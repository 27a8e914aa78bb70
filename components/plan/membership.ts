/**
 * Members that leave only explicitly (`ServiceProfile.membersLeaveExplicitly`). Pure.
 *
 * Offline there is no state, so the rule needs the previous members from outside: at `pulumi up`
 * and `pulumi preview` the program reads the node keys of its own stack's last `nodes` output
 * (components/aws/previous.ts, a StackReference to the stack itself); a stack that was never deployed
 * has none, and nothing is refused.
 */
import type { ConfigProblem, StackSpec } from "../config";

/** Previous members deleted from the config without being listed in `removedNodes`. */
export function departedWithoutRemoval(spec: StackSpec, previousMembers: readonly string[]): ConfigProblem[] {
    if (!spec.profile.membersLeaveExplicitly?.includes(spec.topology)) return [];
    const current = new Set(spec.nodes.map((n) => n.key));
    const removed = new Set(spec.removedNodes);
    const silent = previousMembers.filter((key) => !current.has(key) && !removed.has(key));
    if (silent.length === 0) return [];
    const names = silent.join(", ");
    const listed = JSON.stringify([...spec.removedNodes, ...silent]);
    return [
        {
            path: "removedNodes",
            value: spec.removedNodes,
            message: `does not list ${names}, deleted from \`nodes\` since the last deployment; a "${spec.profile.name}" member leaves its cluster only when told to (a deleted one stays a member forever): set \`removedNodes: ${listed}\` so the cluster removes ${silent.length > 1 ? "them" : "it"}, or put ${names} back in \`nodes\``,
        },
    ];
}
