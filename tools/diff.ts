/**
 * Compares two offline runs of the program resource by resource (by type and name, i.e. URN), the
 * way `pulumi preview` would after a config change: created, deleted, updated (with the input
 * properties that changed, honouring ignoreChanges as the engine does) and unchanged. An update is
 * flagged as a replacement when a property the AWS provider cannot change in place differs (see
 * tools/replacements.ts), and `withDependents` adds what a replacement drags along: resources whose
 * inputs are outputs of a replaced resource.
 */
import { isDeepStrictEqual } from "node:util";
import { resourceKey } from "./harness";
import { applyIgnoreChanges, getPath, replaceTriggers } from "./replacements";

/** What a diff needs to know about one registered resource. */
export interface DiffableResource {
    readonly type: string;
    readonly name: string;
    readonly urn?: string;
    readonly custom: boolean;
    readonly inputs: Record<string, unknown>;
    readonly ignoreChanges: readonly string[];
    readonly replaceOnChanges?: readonly string[];
    /** Per input property, the URNs whose outputs feed it (only needed on the newer side). */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    /** Former URNs this resource declares (only needed on the newer side). */
    readonly aliases?: readonly string[];
}

export interface DiffableRun {
    readonly resources: readonly DiffableResource[];
}

export interface ResourceChange {
    readonly key: string;
    readonly type: string;
    readonly name: string;
    /** Top-level input properties whose values differ (minus the resource's ignoreChanges). */
    readonly changed: readonly string[];
    /** Properties that differ but that Pulumi is told to ignore. */
    readonly ignored: readonly string[];
    /** True when the provider has to replace the resource (delete and re-create) to apply the change. */
    readonly replace: boolean;
    /** Property paths that force the replacement. */
    readonly replaceKeys: readonly string[];
    /** Properties fed by outputs of a replaced resource: unknown until that replacement is applied. */
    readonly unknown: readonly string[];
}

export interface RunDiff {
    readonly created: readonly string[];
    readonly deleted: readonly string[];
    readonly updated: readonly ResourceChange[];
    readonly unchanged: readonly string[];
}

/** Resources Pulumi manages (components have no inputs of their own to diff). */
const managed = (r: DiffableResource) => r.custom;

function compare(key: string, old: DiffableResource, now: DiffableResource): ResourceChange | undefined {
    // Like the engine: a property in ignoreChanges keeps its old value, so it is no change.
    const effective = applyIgnoreChanges(old.inputs, now.inputs, now.ignoreChanges);
    const props = new Set([...Object.keys(old.inputs), ...Object.keys(effective)]);
    const changed = [...props].filter((p) => !isDeepStrictEqual(old.inputs[p], effective[p])).sort();
    const ignored = now.ignoreChanges.filter((p) => !isDeepStrictEqual(getPath(old.inputs, p), getPath(now.inputs, p))).sort();
    if (changed.length === 0) return undefined;
    const replaceKeys = replaceTriggers(now.type, old.inputs, effective, now.replaceOnChanges ?? []);
    return { key, type: now.type, name: now.name, changed, ignored, replace: replaceKeys.length > 0, replaceKeys, unknown: [] };
}

/**
 * Older resources that a newer one names in its `aliases`, by old key -> new key: Pulumi moves them to
 * the new name in place (compared, not deleted and created). Only when the old key is gone.
 */
export function aliasRenames(before: readonly DiffableResource[], after: readonly DiffableResource[]): Map<string, string> {
    const byUrn = new Map(before.filter((r) => r.urn !== undefined).map((r) => [r.urn, resourceKey(r)]));
    const afterKeys = new Set(after.map(resourceKey));
    const renames = new Map<string, string>();
    for (const r of after) {
        for (const urn of r.aliases ?? []) {
            const old = byUrn.get(urn);
            if (old !== undefined && !afterKeys.has(old)) renames.set(old, resourceKey(r));
        }
    }
    return renames;
}

export function diffRuns(before: DiffableRun, after: DiffableRun): RunDiff {
    const renames = aliasRenames(before.resources, after.resources);
    const a = new Map(before.resources.filter(managed).map((r) => [renames.get(resourceKey(r)) ?? resourceKey(r), r]));
    const b = new Map(after.resources.filter(managed).map((r) => [resourceKey(r), r]));
    const created = [...b.keys()].filter((k) => !a.has(k));
    const deleted = [...a.keys()].filter((k) => !b.has(k));
    const updated: ResourceChange[] = [];
    const unchanged: string[] = [];
    for (const [key, old] of a) {
        const now = b.get(key);
        if (!now) continue;
        const change = compare(key, old, now);
        if (change) updated.push(change);
        else unchanged.push(key);
    }
    return { created, deleted, updated, unchanged };
}

/**
 * Adds the changes a replacement drags along. The offline runs give a replaced resource the same
 * mock id, so its dependents look unchanged; in a real preview the replaced resource's outputs are
 * unknown until it is re-created, and every input fed by them changes: an update, or a replacement
 * when that input is one the provider cannot change in place. Repeats until nothing new is replaced.
 */
export function withDependents(diff: RunDiff, after: DiffableRun): RunDiff {
    const byKey = new Map(after.resources.filter(managed).map((r) => [resourceKey(r), r]));
    const urnOf = (key: string) => byKey.get(key)?.urn;
    const changes = new Map(diff.updated.map((u) => [u.key, u]));
    let unchanged = [...diff.unchanged];
    for (;;) {
        const replacedUrns = new Set([...changes.values()].filter((c) => c.replace).map((c) => urnOf(c.key)));
        let grew = false;
        for (const key of [...unchanged, ...changes.keys()]) {
            const r = byKey.get(key);
            const prev = changes.get(key);
            if (!r?.propertyDependencies || prev?.replace) continue;
            const unknown = Object.entries(r.propertyDependencies)
                .filter(([prop, urns]) => !r.ignoreChanges.includes(prop) && urns.some((u) => replacedUrns.has(u)))
                .map(([prop]) => prop)
                .filter((p) => !(prev?.unknown ?? []).includes(p))
                .sort();
            if (unknown.length === 0) continue;
            // An unknown value differs from anything, so each such property counts as changed.
            const marker = Object.fromEntries(unknown.map((p) => [p, { unknown: true }]));
            const forced = replaceTriggers(r.type, r.inputs, { ...r.inputs, ...marker }, r.replaceOnChanges ?? []);
            const replaceKeys = [...new Set([...(prev?.replaceKeys ?? []), ...forced])].sort();
            changes.set(key, {
                key,
                type: r.type,
                name: r.name,
                changed: [...new Set([...(prev?.changed ?? []), ...unknown])].sort(),
                ignored: prev?.ignored ?? [],
                replace: replaceKeys.length > 0,
                replaceKeys,
                unknown: [...(prev?.unknown ?? []), ...unknown].sort(),
            });
            unchanged = unchanged.filter((k) => k !== key);
            grew = true;
        }
        if (!grew) break;
    }
    const order = new Map([...diff.updated.map((u) => u.key), ...diff.unchanged].map((k, i) => [k, i]));
    const updated = [...changes.values()].sort((x, y) => (order.get(x.key) ?? 0) - (order.get(y.key) ?? 0));
    return { ...diff, updated, unchanged };
}
