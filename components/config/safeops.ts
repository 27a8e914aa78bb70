/**
 * Config rules that keep later operations safe (issue 13, operations 9 and 10): a config that is
 * fine today but would make an ordinary edit tomorrow re-point DNS or move nodes is refused now,
 * with the key, the value and the fix. Pure; called from crossCheck (components/config/validation/index.ts).
 */
import { subnetCidrs, zoneOrder, zoneSlot } from "../common/network";
import type { ParsedConfig } from "./schema";
import type { ConfigProblem, StackSpec } from "./spec";

type BaseSpec = Omit<StackSpec, "warnings" | "relaxations">;

/** Every safe-operation problem of a config. */
export function safeOperationProblems(cfg: ParsedConfig, spec: BaseSpec): ConfigProblem[] {
    return [...implicitPrimaryProblems(cfg, spec), ...zoneLayoutProblems(cfg, spec)];
}

/**
 * With no `primary` the first node is primary. For `nodeCount` that is `node-1`, which the count never
 * removes (it grows and shrinks at the end). A `nodes` map has no such guarantee: deleting or
 * reordering its first entry would silently point DNS and the load balancer at a replica nobody
 * promoted (GHES: a promotion is `ghe-repl-promote` on the replica, never a DNS change alone), so an
 * HA stack with a `nodes` map names its primary.
 */
export function implicitPrimaryProblems(cfg: ParsedConfig, spec: BaseSpec): ConfigProblem[] {
    if (spec.topology !== "ha" || cfg.primary !== undefined || cfg.nodes === undefined) return [];
    const first = spec.nodes[0]?.key;
    if (first === undefined) return [];
    return [
        {
            path: "primary",
            message:
                `is required with a \`nodes\` map: the first entry (${first}) would be primary implicitly, and deleting or reordering it ` +
                `would point DNS at a node nobody promoted; set \`primary: ${first}\` (the node that is primary today)`,
        },
    ];
}

const yamlMap = (m: Readonly<Record<string, number>>) =>
    `{ ${Object.entries(m)
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ")} }`;

/**
 * Zone order must never move a subnet or a node (components/common/network.ts). A created VPC's
 * subnets sit in each zone's slot: by default its letter, which is also the list position a stack
 * deployed before slots existed used, as long as the list reads a, b, c, ... in order. Any other list
 * (reordered, a zone left out or removed, a letter past the list's length) is ambiguous: the addresses
 * deployed from it followed the list position, the default would follow the letter, and moving a
 * subnet replaces it and every node in it. So such a list needs explicit `zoneSlots`. With existing
 * subnets, `nodeCount` nodes follow the zones in letter order; a list in another order is refused
 * because a stack deployed from it placed its nodes by the list.
 */
export function zoneLayoutProblems(cfg: ParsedConfig, spec: BaseSpec): ConfigProblem[] {
    const network = spec.network;
    const problems: ConfigProblem[] = [];
    if (network.kind === "create") {
        const { zones, zoneSlots, cidr } = network;
        if (zoneSlots !== undefined) {
            const missing = zones.filter((z) => zoneSlots[z] === undefined);
            if (missing.length > 0)
                problems.push({
                    path: "network.create.zoneSlots",
                    message: `must give every zone of network.create.zones a slot (0 to 7); add ${missing.join(", ")}`,
                    value: zoneSlots,
                });
            const owner = new Map<number, string>();
            for (const [zone, slot] of Object.entries(zoneSlots)) {
                if (!zones.includes(zone))
                    problems.push({
                        path: `network.create.zoneSlots.${zone}`,
                        message: "is not one of network.create.zones; remove it",
                        value: slot,
                    });
                const other = owner.get(slot);
                if (other !== undefined)
                    problems.push({
                        path: `network.create.zoneSlots.${zone}`,
                        message: `is also the slot of ${other}; give each zone its own slot (0 to 7)`,
                        value: slot,
                    });
                else owner.set(slot, zone);
            }
            return problems;
        }
        const moved = zones.findIndex((z, i) => zoneSlot(z) !== i);
        if (moved >= 0) {
            const byPosition = Object.fromEntries(zones.map((z, i) => [z, i]));
            const byLetter = Object.fromEntries(zones.map((z) => [z, zoneSlot(z)]));
            const zone = zones[moved];
            const validCidr = /^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-3])$/.test(cidr);
            const at = (slots: Record<string, number>) => {
                if (!validCidr || Object.values(slots).some((v) => v < 0 || v > 7)) return "";
                return subnetCidrs(cidr, [zone], slots)[0].privateCidr;
            };
            const [pos, letter] = [at(byPosition), at(byLetter)];
            const where = pos !== "" && letter !== "" ? ` (its private subnet ${pos} by position, ${letter} by letter)` : "";
            const letterFix = Object.values(byLetter).every((v) => v >= 0 && v <= 7)
                ? `, or ${yamlMap(byLetter)} to place each zone by its letter (a new stack, or one deployed with the zones listed a, b, c, ... in order)`
                : "";
            problems.push({
                path: "network.create.zones",
                message:
                    `is not listed a, b, c, ... in order, so ${zone} at position ${moved} would move its subnets${where} and replace the nodes in them; ` +
                    `subnet slots no longer follow the list order: set \`network.create.zoneSlots\` to ${yamlMap(byPosition)} to keep the addresses of a stack deployed with this list${letterFix}`,
                value: zones,
            });
        }
        return problems;
    }
    const listed = network.subnets.map((s) => s.zone);
    const ordered = zoneOrder(listed);
    if (cfg.nodeCount !== undefined && listed.length > 1 && listed.some((z, i) => z !== ordered[i])) {
        problems.push({
            path: "network.subnets",
            message:
                `\`nodeCount\` nodes are spread over the zones in zone order (${ordered.join(", ")}), never in the list's order: list the subnets in that order; ` +
                "a stack deployed with this list placed node-1 in its first zone, so to keep every node where it is replace `nodeCount` by `nodes` naming each node's zone",
            value: listed,
        });
    }
    return problems;
}
