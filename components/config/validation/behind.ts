/**
 * The problems a schema error would otherwise hide (issue 14, point 5: "every config problem is
 * reported at once"). The cross-key, AWS-limit and safe-operation checks need a schema-valid config,
 * so a single bad value used to hide, say, a missing `primary` until the next run. Here the keys the
 * schema rejected are set aside (first the bad values themselves, then, if that is not enough, their
 * top-level keys), the rest is validated again, and the checks run on it. Problems that involve a
 * key set aside are dropped: its default stood in for it, and a message about that default would be
 * wrong. Pure.
 */
import type { z } from "zod";
import { ConfigSchema, type ParsedConfig } from "../schema";
import type { ConfigProblem } from "../spec";

type Path = readonly PropertyKey[];

/** The key paths a schema error rejects (each unknown key on its own). */
function rejectedPaths(error: z.ZodError): Path[] {
    return error.issues.flatMap((issue) => (issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k]) : [issue.path]));
}

/** A deep copy of `raw` without the values at `paths`. */
function without(raw: unknown, paths: readonly Path[]): unknown {
    const copy = structuredClone(raw);
    for (const p of paths) {
        let cur: unknown = copy;
        for (const k of p.slice(0, -1))
            cur = cur !== null && typeof cur === "object" ? (cur as Record<PropertyKey, unknown>)[k] : undefined;
        const last = p[p.length - 1];
        if (last !== undefined && cur !== null && typeof cur === "object") delete (cur as Record<PropertyKey, unknown>)[last];
    }
    return copy;
}

/** `nodes.app-a.zone`, `subnets[0]`: the form of a problem's path. */
function dotted(p: Path): string {
    return p
        .map((k) => (typeof k === "number" ? `[${k}]` : String(k)))
        .join(".")
        .replace(/\.\[/g, "[");
}

/** Whether a problem is about (or may follow from) a key that was set aside. */
function involves(problem: ConfigProblem, aside: readonly Path[]): boolean {
    return aside.some((p) => {
        const key = dotted(p);
        const top = String(p[0]);
        const related = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
        return key === "" || related(problem.path, key) || related(key, problem.path) || problem.message.includes(`\`${top}`);
    });
}

/**
 * The problems `check` finds in `raw` once the values the schema rejected are set aside; empty when
 * the rest still does not pass the schema (a required key is bad) or the check cannot run.
 */
export function problemsBehindSchemaErrors(
    raw: Record<string, unknown>,
    error: z.ZodError,
    check: (cfg: ParsedConfig) => readonly ConfigProblem[],
): ConfigProblem[] {
    const rejected = rejectedPaths(error);
    const tops: Path[] = [...new Set(rejected.map((p) => p[0]).filter((k) => k !== undefined))].map((k) => [k]);
    for (const aside of [rejected, tops]) {
        const parsed = ConfigSchema.safeParse(without(raw, aside));
        if (!parsed.success) continue;
        try {
            return check(parsed.data).filter((p) => !involves(p, aside));
        } catch {
            return [];
        }
    }
    return [];
}
