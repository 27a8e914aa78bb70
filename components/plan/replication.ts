import { createHash } from "node:crypto";
import type { ConfigProblem, StackSpec } from "../config";
import type {
    AddressRef,
    AssetPlan,
    ApplyDocument,
    ApplyParameter,
    PlannedNode,
    ReplicationDocument,
    ReplicationPeer,
    ReplicationPlan,
} from "./types";

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

/** Longest an IPv4 address can be ("255.255.255.255"). */
const MAX_ADDRESS_LENGTH = 15;

/** The most characters `text` can have once its address placeholders are resolved. */
export function resolvedLengthBound(text: string): number {
    let length = text.length;
    for (const m of text.matchAll(ADDRESS_REF)) length += MAX_ADDRESS_LENGTH - m[0].length;
    return length;
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
    const replication = spec.profile.ports.replication[spec.topology];
    const ports = {
        tcp: replication.filter((p) => p.protocol === "tcp").map((p) => p.port),
        udp: replication.filter((p) => p.protocol === "udp").map((p) => p.port),
    };
    if (spec.topology === "ha") {
        const primary = spec.primary ?? nodes[0].key;
        const replicas = nodes.filter((n) => n.key !== primary).map(peer);
        const { formerPrimaries, geo } = spec.ghesHa;
        const ghesHa = Object.keys(formerPrimaries).length + Object.keys(geo).length > 0 ? { ghesHa: spec.ghesHa } : {};
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
            ...ghesHa,
        }));
    }
    const peers = nodes.map(peer);
    const leaders = Object.fromEntries(
        Object.entries(spec.leaders).map(([role, node]) => [role, { name: node, address: addressRef(node) }]),
    );
    return nodes.map((n) => ({
        schema: 1,
        service: spec.profile.name,
        topology: "cluster",
        node: n.key,
        roles: n.roles,
        self: addressRef(n.key),
        peers: peers.filter((p) => p.name !== n.key),
        leaders,
        removed: spec.removedNodes,
        ports,
        secretParameter,
    }));
}

/** The most an SSM parameter (advanced tier) holds. */
export const PARAMETER_MAX_LENGTH = 8192;

/**
 * Tier of the documents' and scripts' parameters: Intelligent-Tiering moves a large cluster's
 * documents past the 4 KB standard limit by itself (up to PARAMETER_MAX_LENGTH).
 */
export const PARAMETER_TIER = "Intelligent-Tiering";

/** Why each association parameter exists: a new value of any of them re-runs the association. */
const APPLY_PARAMETERS: Readonly<Record<ApplyParameter, string>> = {
    documentHash: "Hash of the node's replication document; a new hash re-runs the association.",
    configHash: "Hash of the node's rendered configuration script; a new hash re-runs the association.",
    secretVersion: "Version of the join secret; a rotated secret re-runs the association.",
    node: "Key of the node the association targets: names its parameters in the commands.",
};

/**
 * The SSM command document every node's association runs: one shell step with `runCommand`, which
 * names the node's parameters through `{{ node }}` (userdata.ts associationCommands). The pattern
 * keeps the interpolated value shell-safe.
 */
export function applyDocument(runCommand: readonly string[]): ApplyDocument {
    return {
        schemaVersion: "2.2",
        description: "Re-apply this node's replication document",
        parameters: {
            documentHash: { type: "String", description: APPLY_PARAMETERS.documentHash },
            configHash: { type: "String", description: APPLY_PARAMETERS.configHash },
            secretVersion: { type: "String", description: APPLY_PARAMETERS.secretVersion },
            node: { type: "String", description: APPLY_PARAMETERS.node, allowedPattern: "^[a-z0-9-]{1,32}$" },
        },
        mainSteps: [{ action: "aws:runShellScript", name: "apply", inputs: { runCommand } }],
    };
}

/**
 * Documents or scripts that could outgrow their SSM parameter once addresses are filled in: one
 * problem per kind, naming the largest, so AWS never rejects a parameter halfway through an update.
 */
export function oversizedParameters(documents: ReplicationPlan["documents"]): ConfigProblem[] {
    const kinds: readonly [string, (d: ReplicationPlan["documents"][number]) => string][] = [
        ["replication document", (d) => canonicalJson(d.document)],
        ["rendered configuration", (d) => d.script],
    ];
    return kinds.flatMap(([what, text]) => {
        const over = documents
            .map((d) => ({ node: d.node, length: resolvedLengthBound(text(d)) }))
            .filter((x) => x.length > PARAMETER_MAX_LENGTH)
            .sort((a, b) => b.length - a.length);
        if (over.length === 0) return [];
        const others = over.length > 1 ? ` (and ${over.length - 1} more node${over.length > 2 ? "s" : ""})` : "";
        return [
            {
                path: "nodes",
                message: `the ${what} of ${over[0].node}${others} would be up to ${over[0].length} characters, more than the ${PARAMETER_MAX_LENGTH} an SSM parameter holds; use fewer nodes or shorter node names`,
            },
        ];
    });
}

/** A profile asset larger than its SSM parameter can hold (a bug in the profile, caught before any resource). */
export function oversizedAssets(assets: readonly AssetPlan[]): ConfigProblem[] {
    return assets
        .filter((a) => a.content.length > PARAMETER_MAX_LENGTH)
        .map((a) => ({
            path: "profile",
            message: `the profile's file ${a.path} has ${a.content.length} characters, more than the ${PARAMETER_MAX_LENGTH} an SSM parameter holds`,
        }));
}
