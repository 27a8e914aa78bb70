/**
 * Cross-key checks of `ghesHa` (GHES profile, HA topology): former primaries and geo-replication
 * settings must name nodes of the stack in a role they can have. Pure; returns every problem.
 */
import type { ParsedConfig } from "./schema";
import type { ConfigProblem, StackSpec } from "./spec";

export function ghesHaProblems(cfg: ParsedConfig, spec: Pick<StackSpec, "profile" | "topology" | "nodes" | "primary">): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const { formerPrimaries, geo } = cfg.ghesHa;
    const used = Object.keys(formerPrimaries).length + Object.keys(geo).length > 0;
    if (!used) return problems;
    if (spec.profile.name !== "ghes" || spec.topology !== "ha") {
        problems.push({
            path: "ghesHa",
            message: `applies only to \`profile: ghes\` with \`topology: ha\` (this stack: profile ${spec.profile.name}, topology ${spec.topology}); remove it`,
        });
        return problems;
    }
    const keys = spec.nodes.map((n) => n.key);
    const known = (path: string, node: string): boolean => {
        if (keys.includes(node)) return true;
        problems.push({ path, message: `names no node of \`nodes\` (${keys.join(", ")}); remove it or fix the name`, value: node });
        return false;
    };
    for (const node of Object.keys(formerPrimaries)) {
        const path = `ghesHa.formerPrimaries.${node}`;
        if (known(path, node) && node === spec.primary) {
            problems.push({
                path,
                message: `is the current \`primary\`; a node is a former primary only after another node was promoted: remove this entry or set \`primary\` to another node`,
                value: formerPrimaries[node],
            });
        }
    }
    const seeds = keys.filter((k) => k !== spec.primary && formerPrimaries[k] === undefined);
    if (Object.keys(formerPrimaries).length > 0 && seeds.length === 0) {
        problems.push({
            path: "ghesHa.formerPrimaries",
            message:
                "lists every replica: the first replica set up against the primary must be one that never was primary; add a replica to `nodes` or remove an entry",
            value: formerPrimaries,
        });
    }
    for (const node of Object.keys(geo)) known(`ghesHa.geo.${node}`, node);
    return problems;
}
