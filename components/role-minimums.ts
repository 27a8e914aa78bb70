/**
 * Per-role minimum node counts of a cluster (profile `roles.minNodes`; GHES: about-cluster-nodes.md,
 * "Services required for clustering"). Pure; one problem per role that falls short.
 */
import type { ServiceProfile } from "./profiles";
import type { ConfigProblem, NodeSpec } from "./spec";

export function roleMinimumProblems(profile: ServiceProfile, nodes: readonly NodeSpec[], counted: boolean): ConfigProblem[] {
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
