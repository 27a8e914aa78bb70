/**
 * `npm run plan -- <stack> --diff <ref> --fail-on replace,delete`: which kinds of change fail a CI
 * check. Its own module, so the CLI's usage text can name the kinds without the plan <-> plandiff
 * import cycle deciding what is initialised first.
 */
import type { DiffItem, PlanDiff } from "./plandiff";
import { displayType } from "./planview/summaries";

export const FAIL_ON_KINDS = ["replace", "delete", "create", "update"] as const;
export type FailOnKind = (typeof FAIL_ON_KINDS)[number];

/** `replace,delete` -> the kinds; an unknown kind is an error naming the valid ones. */
export function parseFailOn(text: string): FailOnKind[] {
    const kinds = text.split(",").map((k) => k.trim());
    const bad = kinds.filter((k) => !(FAIL_ON_KINDS as readonly string[]).includes(k));
    if (bad.length > 0 || kinds.length === 0) {
        throw new Error(`--fail-on ${JSON.stringify(text)}: expected a comma-separated list of ${FAIL_ON_KINDS.join(", ")}`);
    }
    return [...new Set(kinds as FailOnKind[])];
}

/** The changes of the listed kinds, one line each (`replace aws:ec2:Instance svc-app-a`); empty: CI passes. */
export function failOnHits(d: PlanDiff, kinds: readonly FailOnKind[]): string[] {
    const of: Record<FailOnKind, readonly DiffItem[]> = { replace: d.replaced, delete: d.deleted, create: d.created, update: d.updated };
    return kinds.flatMap((k) => of[k].map((i) => `${k} ${displayType(i.type)} ${i.name}`));
}

export function failOnMessage(hits: readonly string[]): string {
    return [
        `--fail-on: ${hits.length} change${hits.length === 1 ? "" : "s"} of a kind this check refuses:`,
        ...hits.map((h) => `  ${h}`),
    ].join("\n");
}
