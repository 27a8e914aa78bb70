import { createHash } from "node:crypto";
import type { StackSpec } from "../config";
import type { AddressRef, PlannedNode, ReplicationDocument, ReplicationPeer } from "./types";

export function addressRef(node: string): AddressRef {
    return `{{address:${node}}}`;
}

const ADDRESS_REF = /\{\{address:([a-z0-9-]+)\}\}/g;

/** Node keys a document refers to by address. */
export function referencedNodes(text: string): string[] {
    return [...new Set([...text.matchAll(ADDRESS_REF)].map((m) => m[1]))];
}

/** Replaces every address placeholder with the node's private IP; an unknown node is an error. */
export function resolveAddresses(text: string, addresses: Readonly<Record<string, string>>): string {
    return text.replace(ADDRESS_REF, (_, node: string) => {
        const address = addresses[node];
        if (address === undefined) throw new Error(`no address for node "${node}"`);
        return address;
    });
}

/** Stable JSON (sorted keys) so the same document always hashes the same. */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(value, (_, v: unknown) =>
        v && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
            : v,
    );
}

export function documentHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

function peer(n: PlannedNode): ReplicationPeer {
    return { name: n.key, address: addressRef(n.key), zone: n.zone, roles: n.roles };
}

/**
 * The replication document of every node. HA: role, the primary and the replicas. Cluster: the
 * node's roles and every peer. Documents hold parameter names, never the secret itself.
 */
export function planDocuments(spec: StackSpec, nodes: readonly PlannedNode[], secretParameter: string): ReplicationDocument[] {
    const ports = {
        tcp: spec.profile.ports.replication.filter((p) => p.protocol === "tcp").map((p) => p.port),
        udp: spec.profile.ports.replication.filter((p) => p.protocol === "udp").map((p) => p.port),
    };
    if (spec.topology === "ha") {
        const primary = spec.primary ?? nodes[0].key;
        const replicas = nodes.filter((n) => n.key !== primary).map(peer);
        return nodes.map((n) => ({
            schema: 1,
            service: spec.profile.name,
            topology: "ha",
            node: n.key,
            role: n.key === primary ? "primary" : "replica",
            self: addressRef(n.key),
            primary: { name: primary, address: addressRef(primary) },
            replicas,
            ports,
            secretParameter,
        }));
    }
    const peers = nodes.map(peer);
    return nodes.map((n) => ({
        schema: 1,
        service: spec.profile.name,
        topology: "cluster",
        node: n.key,
        roles: n.roles,
        self: addressRef(n.key),
        peers: peers.filter((p) => p.name !== n.key),
        ports,
        secretParameter,
    }));
}
