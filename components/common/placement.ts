/** What placement reads of a node (a `NodeSpec`); structural so this module imports nothing above it. */
export interface PlacedNode {
    readonly key: string;
    readonly ordinal?: number;
    readonly zone?: string;
}

/**
 * The zone of one node, from that node alone: its pinned zone, or for `nodeCount` nodes
 * round-robin by the ordinal in its name over `zones` in slot order (`networkZones`, never the
 * config's list order). It never depends on the other nodes, so adding or removing a node never
 * moves (and so replaces) another, and listing the zones in another order moves none.
 */
export function placeNode(node: PlacedNode, zones: readonly string[]): string {
    if (node.zone !== undefined) return node.zone;
    if (zones.length === 0) throw new Error(`no zones to place node "${node.key}" in`);
    const ordinal = node.ordinal ?? 1;
    return zones[(ordinal - 1) % zones.length];
}

/** Zones that hold at least one of the given placements, in the order of `zones`. */
export function zonesUsed(placements: readonly string[], zones: readonly string[]): string[] {
    return zones.filter((z) => placements.includes(z));
}
