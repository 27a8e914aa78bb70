/**
 * Compares two offline runs of the program resource by resource (by type and name, i.e. URN), the
 * way `pulumi preview` would after a config change: created, deleted, updated (with the input
 * properties that changed, honouring ignoreChanges as the engine does) and unchanged.
 */
import { isDeepStrictEqual } from "node:util";
import { type ProgramRun, type RecordedResource, resourceKey } from "./harness";

export interface ResourceChange {
    readonly key: string;
    readonly type: string;
    readonly name: string;
    /** Top-level input properties whose values differ (minus the resource's ignoreChanges). */
    readonly changed: readonly string[];
    /** Properties that differ but that Pulumi is told to ignore. */
    readonly ignored: readonly string[];
}

export interface RunDiff {
    readonly created: readonly string[];
    readonly deleted: readonly string[];
    readonly updated: readonly ResourceChange[];
    readonly unchanged: readonly string[];
}

/** Resources Pulumi manages (components have no inputs of their own to diff). */
const managed = (r: RecordedResource) => r.custom;

export function diffRuns(before: ProgramRun, after: ProgramRun): RunDiff {
    const a = new Map(before.resources.filter(managed).map((r) => [resourceKey(r), r]));
    const b = new Map(after.resources.filter(managed).map((r) => [resourceKey(r), r]));
    const created = [...b.keys()].filter((k) => !a.has(k));
    const deleted = [...a.keys()].filter((k) => !b.has(k));
    const updated: ResourceChange[] = [];
    const unchanged: string[] = [];
    for (const [key, old] of a) {
        const now = b.get(key);
        if (!now) continue;
        const props = new Set([...Object.keys(old.inputs), ...Object.keys(now.inputs)]);
        const differing = [...props].filter((p) => !isDeepStrictEqual(old.inputs[p], now.inputs[p])).sort();
        // Like the engine: a property in ignoreChanges keeps its old value, so it is no change.
        const ignored = differing.filter((p) => now.ignoreChanges.includes(p));
        const changed = differing.filter((p) => !now.ignoreChanges.includes(p));
        if (changed.length) updated.push({ key, type: now.type, name: now.name, changed, ignored });
        else unchanged.push(key);
    }
    return { created, deleted, updated, unchanged };
}
