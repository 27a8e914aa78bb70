/**
 * Upgrade safety: the URNs of every example stack, committed in test/urns/<stack>.txt. A URN is a
 * resource's identity in Pulumi state; a change to one (a renamed resource, a component's type
 * token, a child moved to another parent) makes `pulumi up` delete the old resource and create a
 * new one, unless the resource declares the old identity in `aliases`.
 *
 *   npm run urns:update        rewrite the snapshots after an intended, safe change
 *   tsx tools/urns.ts          compare, print what changed and how to fix it (exit 1 on a change)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runMain } from "./cli";
import { type ProgramRun, type RecordedResource, runProgram } from "./harness";
import { loadProgram } from "./plan";
import { DEFAULT_STACK_DIR, listStacks, readStackFile } from "./stackfile";

export const URN_DIR = path.join(__dirname, "..", "test", "urns");

const STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * The URNs the Pulumi engine gives the recorded resources: the type part chains every ancestor
 * below the stack (`hatopo:index:Service$hatopo:net:Network$aws:ec2/vpc:Vpc`). The mock monitor
 * keeps only the direct parent's type, so the chain is rebuilt from the parent links.
 */
export function engineUrns(
    run: Pick<ProgramRun, "stack" | "project"> & {
        readonly resources: readonly Pick<RecordedResource, "type" | "name" | "urn" | "parent">[];
    },
): string[] {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const qualified = (urn: string | undefined): string | undefined => {
        const r = urn === undefined ? undefined : byUrn.get(urn);
        if (!r || r.type === STACK_TYPE) return undefined;
        const parent = qualified(r.parent);
        return parent === undefined ? r.type : `${parent}$${r.type}`;
    };
    const urns = run.resources.map((r) => `urn:pulumi:${run.stack}::${run.project}::${qualified(r.urn) ?? r.type}::${r.name}`);
    return [...new Set(urns)].sort();
}

/** The same URN as the mock monitor (and so the harness's alias URNs) writes it: direct parent type only. */
export function mockForm(urn: string): string {
    const parts = urn.split("::");
    parts[2] = parts[2].split("$").slice(-2).join("$");
    return parts.join("::");
}

export function snapshotPath(stack: string, dir = URN_DIR): string {
    return path.join(dir, `${stack}.txt`);
}

export function renderSnapshot(stack: string, urns: readonly string[]): string {
    return [
        `# URNs of stack ${stack}, sorted. A change here deletes and re-creates resources on \`pulumi up\`;`,
        "# see tools/urns.ts. Regenerate with `npm run urns:update` only for intended, safe changes.",
        ...urns,
        "",
    ].join("\n");
}

export function readSnapshot(file: string): string[] | undefined {
    if (!fs.existsSync(file)) return undefined;
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "" && !l.startsWith("#"));
}

export interface UrnDiff {
    /** In the snapshot, gone now, and no resource names it in `aliases`: Pulumi would replace it. */
    readonly replaced: string[];
    /** In the snapshot, gone now, but a resource carries it as an alias: Pulumi moves it in place. */
    readonly aliased: string[];
    /** New URNs (new resources, or the new names of renamed ones). */
    readonly added: string[];
}

/**
 * Every former identity the engine would accept for the recorded resources, in engine form: a
 * resource's own aliases, and (as the engine derives them) each child's URN under every former
 * identity of its parent, so an alias on a component keeps its whole subtree in place ("Aliases are
 * inherited from a parent": pulumi/docs, content/docs/iac/operations/stack-management/refactoring-with-aliases.md).
 */
export function inheritedAliasUrns(run: ProgramRun): Set<string> {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const memo = new Map<string, string[]>();
    /** Type chains (below the stack) plus name, `A$B$T::name`, the resource is or was known by. */
    const forms = (urn: string): string[] => {
        const r = byUrn.get(urn);
        if (!r || r.type === STACK_TYPE) return [];
        const cached = memo.get(urn);
        if (cached) return cached;
        const parents = r.parent === undefined ? [] : forms(r.parent);
        const chains = parents.length === 0 ? [""] : parents.map((f) => `${f.split("::")[0]}$`);
        const own = [`${r.type}::${r.name}`];
        for (const alias of r.aliases) {
            const [typeChain, name] = alias.split("::").slice(2);
            const [first, last] = typeChain.split("$").slice(-2);
            // A type or name alias under the same parent (the mock form keeps only the parent's type).
            if (last !== undefined && (first === STACK_TYPE || first === byUrn.get(r.parent ?? "")?.type)) own.push(`${last}::${name}`);
        }
        const result = chains.flatMap((c) => own.map((o) => `${c}${o}`));
        memo.set(urn, result);
        return result;
    };
    return new Set(run.resources.flatMap((r) => forms(r.urn).map((f) => `urn:pulumi:${run.stack}::${run.project}::${f}`)));
}

export function diffUrns(snapshot: readonly string[], run: ProgramRun): UrnDiff {
    const now = engineUrns(run);
    const explicit = new Set(run.resources.flatMap((r) => r.aliases));
    const inherited = inheritedAliasUrns(run);
    const kept = (u: string) => explicit.has(mockForm(u)) || inherited.has(u);
    const gone = snapshot.filter((u) => !now.includes(u));
    return {
        replaced: gone.filter((u) => !kept(u)),
        aliased: gone.filter(kept),
        added: now.filter((u) => !snapshot.includes(u)),
    };
}

const typeOf = (urn: string) => urn.split("::")[2].split("$").pop();
const nameOf = (urn: string) => urn.split("::").pop();

/** What changed and what to do about it, for a developer reading a failed test. */
export function explainDiff(stack: string, d: UrnDiff): string | undefined {
    const out: string[] = [];
    const file = path.relative(process.cwd(), snapshotPath(stack));
    if (d.replaced.length > 0) {
        out.push(`stack ${stack}: ${d.replaced.length} resource(s) would be DELETED and re-created, because their URN changed:`);
        for (const u of d.replaced) {
            const candidates = d.added.filter((a) => typeOf(a) === typeOf(u)).map(nameOf);
            out.push(`  - ${u}${candidates.length ? `\n      now perhaps: ${candidates.join(", ")}` : ""}`);
        }
        out.push(
            "  If this is a refactor, keep the existing resources: give each renamed resource its old identity,",
            '  e.g. `{ aliases: [{ name: "<old name>" }] }` (or `{ type: "<old type>" }`, `{ parent: <old parent> }`),',
            "  and add an upgrade note to CHANGELOG.md. If deleting them is intended and safe (a removed",
            `  resource, or nothing deployed yet), regenerate ${file} with \`npm run urns:update\`.`,
        );
    }
    if (d.replaced.length === 0 && (d.added.length > 0 || d.aliased.length > 0)) {
        out.push(`stack ${stack}: the URNs differ from ${file}, and no existing resource would be replaced:`);
        for (const u of d.aliased) out.push(`  ~ ${u} (kept through an alias)`);
        for (const u of d.added) out.push(`  + ${u}`);
        out.push("  Record them with `npm run urns:update`.");
    }
    return out.length ? out.join("\n") : undefined;
}

export async function stackRun(stack: string, dir = DEFAULT_STACK_DIR): Promise<ProgramRun> {
    const run = await runProgram(loadProgram(), { stack, config: readStackFile(stack, dir) });
    if (run.error) throw new Error(`stack ${stack}: ${run.error.message}`);
    return run;
}

export async function main(argv: readonly string[], out = (s: string) => process.stdout.write(s)): Promise<number> {
    const update = argv.includes("--update");
    const stacks = listStacks(DEFAULT_STACK_DIR);
    let failed = false;
    for (const stack of stacks) {
        const run = await stackRun(stack);
        const file = snapshotPath(stack);
        if (update) {
            fs.mkdirSync(URN_DIR, { recursive: true });
            fs.writeFileSync(file, renderSnapshot(stack, engineUrns(run)));
            out(`wrote ${path.relative(process.cwd(), file)}\n`);
            continue;
        }
        const snapshot = readSnapshot(file);
        const message =
            snapshot === undefined
                ? `stack ${stack}: no URN snapshot; create it with \`npm run urns:update\``
                : explainDiff(stack, diffUrns(snapshot, run));
        if (message) {
            failed = true;
            out(`${message}\n`);
        }
    }
    if (update) {
        // Snapshots of stacks that no longer exist would never be checked again.
        for (const f of fs.existsSync(URN_DIR) ? fs.readdirSync(URN_DIR) : []) {
            if (f.endsWith(".txt") && !stacks.includes(f.slice(0, -4))) {
                fs.rmSync(path.join(URN_DIR, f));
                out(`removed ${path.join(path.relative(process.cwd(), URN_DIR), f)} (no such stack)\n`);
            }
        }
    } else if (!failed) {
        out(`URNs of ${stacks.join(", ")} match test/urns/\n`);
    }
    return failed ? 1 : 0;
}

if (require.main === module) runMain(main);
