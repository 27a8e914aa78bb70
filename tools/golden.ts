/**
 * Golden plans: the offline plan JSON (tools/plan.ts `planJson`) of every stack file, committed as
 * test/golden/<stack>.json. `npm test` compares the program's current plan with them and prints
 * what changed resource by resource; `npm run plan:update` rewrites them (and removes those of
 * stacks that no longer exist), so a change to the plan is a reviewed diff in the pull request.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { runMain } from "./cli";
import { type ProgramRun, runProgram } from "./harness";
import { loadProgram, type PlanJson, planJson } from "./plan";
import { formatPath, getPath, leafChanges } from "./replacements";
import { DEFAULT_PROJECT, DEFAULT_STACK_DIR, listStacks, readStackFile } from "./stackfile";

export const GOLDEN_DIR = path.join(__dirname, "..", "test", "golden");
export const UPDATE_COMMAND = "npm run plan:update";

export function goldenFile(stack: string, dir: string = GOLDEN_DIR): string {
    return path.join(dir, `${stack}.json`);
}

/** Stacks that have a golden file. */
export function goldenStacks(dir: string = GOLDEN_DIR): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => f.slice(0, -".json".length))
        .sort();
}

/** Resources in URN order: the registration order of independent resources is not part of the plan. */
export function normalise(doc: PlanJson): PlanJson {
    return { ...doc, resources: [...doc.resources].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0)) };
}

/** The current plan of a stack, normalised. Throws when the program rejects the stack's config. */
export async function currentPlan(stack: string, stackDir: string = DEFAULT_STACK_DIR): Promise<PlanJson> {
    const config = readStackFile(stack, stackDir, DEFAULT_PROJECT);
    const run = await runProgram(loadProgram(), { stack, project: DEFAULT_PROJECT, config });
    if (run.error) throw new Error(`stack ${stack}: ${run.error.message}`);
    return comparablePlan(run);
}

/** A run's plan as `currentPlan` returns it: normalised, and through JSON as the golden file is (absent and undefined fields compare equal). */
export function comparablePlan(run: ProgramRun): PlanJson {
    return JSON.parse(serialise(normalise(planJson(run)))) as PlanJson;
}

export function serialise(doc: PlanJson): string {
    return `${JSON.stringify(doc, null, 2)}\n`;
}

function show(v: unknown): string {
    const s = v === undefined ? "(absent)" : (JSON.stringify(v) ?? String(v));
    return s.length <= 100 ? s : `${s.slice(0, 99)}…`;
}

/**
 * What differs between the golden plan and the current one, one line per change: resources matched
 * by URN (`+` new, `-` gone, `~` a changed field with both values), then other fields. Empty when
 * they are equal.
 */
export function compareGolden(golden: PlanJson, current: PlanJson, max = 60): string[] {
    const lines: string[] = [];
    const byUrn = (doc: PlanJson) => new Map(doc.resources.map((r) => [r.urn, r]));
    const [was, now] = [byUrn(golden), byUrn(current)];
    for (const [urn, r] of now) if (!was.has(urn)) lines.push(`+ new resource ${r.type} ${r.name}  (${urn})`);
    for (const [urn, r] of was) if (!now.has(urn)) lines.push(`- resource gone: ${r.type} ${r.name}  (${urn})`);
    for (const [urn, r] of now) {
        const old = was.get(urn);
        if (old === undefined) continue;
        for (const keys of leafChanges(old, r, [])) {
            lines.push(`~ ${r.name} [${r.type}] ${formatPath(keys)}: ${show(getPath(old, keys))} -> ${show(getPath(r, keys))}`);
        }
    }
    const rest = (doc: PlanJson) => ({ ...doc, resources: undefined });
    for (const keys of leafChanges(rest(golden), rest(current), [])) {
        lines.push(`~ ${formatPath(keys)}: ${show(getPath(golden, keys))} -> ${show(getPath(current, keys))}`);
    }
    if (lines.length === 0 && !isDeepStrictEqual(golden, current)) lines.push("~ the resources are in a different order");
    return lines.length > max ? [...lines.slice(0, max), `... and ${lines.length - max} more`] : lines;
}

/** Rewrites the golden file of every stack and removes the files of stacks that are gone. */
export async function updateGolden(
    stackDir: string = DEFAULT_STACK_DIR,
    dir: string = GOLDEN_DIR,
): Promise<{ written: string[]; unchanged: string[]; removed: string[] }> {
    fs.mkdirSync(dir, { recursive: true });
    const stacks = listStacks(stackDir);
    const written: string[] = [];
    const unchanged: string[] = [];
    for (const stack of stacks) {
        const text = serialise(await currentPlan(stack, stackDir));
        const file = goldenFile(stack, dir);
        if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) {
            unchanged.push(stack);
        } else {
            fs.writeFileSync(file, text);
            written.push(stack);
        }
    }
    const removed = goldenStacks(dir).filter((s) => !stacks.includes(s));
    for (const s of removed) fs.rmSync(goldenFile(s, dir));
    return { written, unchanged, removed };
}

/** `npm run plan:update`. */
export async function main(): Promise<number> {
    const { written, unchanged, removed } = await updateGolden();
    const rel = (s: string) => path.relative(process.cwd(), goldenFile(s));
    for (const s of written) process.stdout.write(`wrote ${rel(s)}\n`);
    for (const s of unchanged) process.stdout.write(`unchanged ${rel(s)}\n`);
    for (const s of removed) process.stdout.write(`removed ${rel(s)} (no stacks/Pulumi.${s}.yaml)\n`);
    return 0;
}

if (require.main === module) {
    runMain(main);
}
