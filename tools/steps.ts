/**
 * The order in which the Pulumi engine would apply the difference between two offline runs, for
 * checks that depend on it (for example Route 53's rule about record sets of one name, see
 * test/safe-operations.test.ts). The engine's rules (pulumi/pulumi pkg/resource/deploy, "step
 * generation" and "step execution" in the architecture docs):
 *
 * - While the program runs, each registration becomes a step: create, update, or replace. A step
 *   starts once the steps of its dependencies (dependsOn, inputs fed by outputs, the parent) are done;
 *   steps that do not depend on each other may run in any order, in parallel.
 * - A replacement is create-before-delete unless the resource asks for deleteBeforeReplace: the new
 *   resource is created in the program phase and the old one deleted at the end; with
 *   deleteBeforeReplace the old one is deleted right before the new one is created.
 * - Resources the program no longer registers are deleted only after the program has finished and
 *   every other step is done, dependents before their dependencies.
 */
import { diffRuns, withDependents } from "./diff";
import { type ProgramRun, type RecordedResource, resourceKey } from "./harness";

export type StepOp = "create" | "update" | "delete";

export interface Step {
    readonly op: StepOp;
    /** `type::name` of the resource. */
    readonly key: string;
    /** The registration the step writes (create, update) or removes (delete). */
    readonly resource: RecordedResource;
    /** For an update, the state it replaces. */
    readonly old?: RecordedResource;
    /** Part of a replacement. */
    readonly replacement?: boolean;
}

export interface EngineSteps {
    /** Steps of the program phase, in registration order. */
    readonly program: readonly Step[];
    /** For each program step (by index), the indices of program steps that must finish before it. */
    readonly after: readonly (readonly number[])[];
    /** Deletions after the program phase (replaced resources' old halves and removed resources). */
    readonly deletes: readonly Step[];
}

/** The steps that turn `before` (undefined: a new stack) into `after`. */
export function engineSteps(before: ProgramRun | undefined, after: ProgramRun): EngineSteps {
    const b = before?.resources ?? [];
    const d = withDependents(diffRuns({ resources: b }, after), after);
    const old = new Map(b.map((r) => [resourceKey(r), r]));
    const created = new Set(d.created);
    const changes = new Map(d.updated.map((u) => [u.key, u]));
    const program: Step[] = [];
    const lateDeletes: Step[] = [];
    const stepOf = new Map<string, number[]>();
    for (const r of after.resources.filter((x) => x.custom)) {
        const key = resourceKey(r);
        const change = changes.get(key);
        const at: number[] = [];
        const push = (s: Step) => at.push(program.push(s) - 1);
        if (created.has(key)) push({ op: "create", key, resource: r });
        else if (change && !change.replace) push({ op: "update", key, resource: r, old: old.get(key)! });
        else if (change) {
            const prior = old.get(key)!;
            if (r.deleteBeforeReplace) {
                push({ op: "delete", key, resource: prior, replacement: true });
                push({ op: "create", key, resource: r, replacement: true });
            } else {
                push({ op: "create", key, resource: r, replacement: true });
                lateDeletes.push({ op: "delete", key, resource: prior, replacement: true });
            }
        }
        if (at.length > 0) stepOf.set(r.urn, at);
    }
    // Dependencies, followed through resources that have no step of their own (components, unchanged).
    const byUrn = new Map(after.resources.map((r) => [r.urn, r]));
    const directDeps = (r: RecordedResource) => [
        ...r.dependencies,
        ...Object.values(r.propertyDependencies).flat(),
        ...(r.parent === undefined ? [] : [r.parent]),
    ];
    const stepDeps = (urn: string, seen = new Set<string>()): number[] => {
        if (seen.has(urn)) return [];
        seen.add(urn);
        const own = stepOf.get(urn) ?? [];
        const r = byUrn.get(urn);
        return [...own, ...(r ? directDeps(r).flatMap((u) => stepDeps(u, seen)) : [])];
    };
    const afterIdx = program.map((s, i) => {
        const deps = directDeps(s.resource).flatMap((u) => stepDeps(u));
        // The two halves of a delete-first replacement run in order.
        const prev = program[i - 1];
        if (s.replacement && s.op === "create" && prev?.key === s.key && prev.op === "delete") deps.push(i - 1);
        return [...new Set(deps.filter((j) => j !== i && j < program.length))].sort((x, y) => x - y);
    });
    const removed = b.filter((r) => r.custom && d.deleted.includes(resourceKey(r))).reverse();
    return {
        program,
        after: afterIdx,
        deletes: [...lateDeletes, ...removed.map((r): Step => ({ op: "delete", key: resourceKey(r), resource: r }))],
    };
}

/**
 * Every order in which the engine may apply the program steps accepted by `keep` (the others are
 * left out, their ordering constraints kept transitively), each followed by the deletions it keeps,
 * in one valid order (dependents first); the engine may run independent deletions in another order,
 * which matters only to a check where one deletion can make another fail. Meant for a handful of
 * steps: the number of orders grows factorially.
 */
export function possibleOrders(steps: EngineSteps, keep: (s: Step) => boolean): Step[][] {
    const n = steps.program.length;
    // Transitive closure of "must finish before".
    const before: Set<number>[] = steps.after.map((a) => new Set(a));
    for (let changed = true; changed;) {
        changed = false;
        for (let i = 0; i < n; i++) {
            for (const j of [...before[i]]) {
                for (const k of before[j]) {
                    if (!before[i].has(k)) {
                        before[i].add(k);
                        changed = true;
                    }
                }
            }
        }
    }
    const kept = steps.program.map((s, i) => [s, i] as const).filter(([s]) => keep(s));
    const deletes = steps.deletes.filter(keep);
    const out: Step[][] = [];
    const walk = (done: number[], left: (readonly [Step, number])[]) => {
        if (left.length === 0) {
            out.push([...done.map((i) => steps.program[i]), ...deletes]);
            return;
        }
        for (const [, i] of left) {
            if (left.some(([, j]) => j !== i && before[i].has(j))) continue;
            walk(
                [...done, i],
                left.filter(([, j]) => j !== i),
            );
        }
    };
    walk([], kept);
    return out;
}
