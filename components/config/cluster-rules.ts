/**
 * Cluster rules a profile declares as data: per-role minimum node counts (`roles.minNodes`; GHES:
 * about-cluster-nodes.md, "Services required for clustering") and host names that a replacement
 * must not keep (`newNameOnReplace`). Pure; every problem is returned.
 */
import type { ServiceProfile } from "../profiles";
import type { ConfigProblem, NodeSpec } from "./spec";

export function clusterRuleProblems(profile: ServiceProfile, nodes: readonly NodeSpec[], counted: boolean): ConfigProblem[] {
    return [...roleMinimumProblems(profile, nodes, counted), ...replacementProblems(profile, nodes)];
}

/**
 * `allowReplacement` replaces a running node under its own name; a profile whose service forbids
 * reusing a host name refuses it (a `pulumi up --replace` the plan cannot see is refused on the node).
 */
function replacementProblems(profile: ServiceProfile, nodes: readonly NodeSpec[]): ConfigProblem[] {
    const rule = profile.newNameOnReplace;
    if (!rule) return [];
    return nodes
        .filter((n) => n.allowReplacement)
        .map((n) => ({
            path: `nodes.${n.key}.allowReplacement`,
            message: `would replace ${n.key} under its own host name, which the "${profile.name}" profile forbids (${rule.source}): remove the key, add a node with a new name and list ${n.key} in \`removedNodes\` (runbook replace-node)`,
            value: true,
        }));
}

function roleMinimumProblems(profile: ServiceProfile, nodes: readonly NodeSpec[], counted: boolean): ConfigProblem[] {
    const minimums = profile.roles.minNodes ?? {};
    return Object.entries(minimums).flatMap(([role, min]) => {
        const carriers = nodes.filter((n) => n.roles.includes(role)).map((n) => n.key);
        // No carrier at all is `roles.required`'s problem (or an optional role left out).
        if (carriers.length === 0 || carriers.length >= min) return [];
        const fix = counted
            ? `raise \`nodeCount\` to at least ${min}, or switch to a \`nodes\` map`
            : `add "${role}" to the \`roles\` of ${min - carriers.length} more node(s)`;
        return [
            {
                path: counted ? "nodeCount" : "nodes",
                message: `only ${carriers.length} node(s) carry the role "${role}" (${carriers.join(", ")}); the "${profile.name}" profile needs at least ${min} for redundancy: ${fix}`,
                value: carriers.length,
            },
        ];
    });
}
