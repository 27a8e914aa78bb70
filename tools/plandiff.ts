/**
 * `npm run plan -- <stack> --diff <git-ref>`: the offline plan of a stack at the working tree
 * compared with the same stack at a git ref, as a reviewer wants to see it on a pull request: what
 * would be created, deleted, updated or replaced (replacement from the AWS provider's
 * replace-on-change properties, minus each resource's ignoreChanges, plus what a replacement drags
 * along). No cloud, no Pulumi CLI.
 *
 * The ref is materialised with `git archive` into a temporary directory that reuses this checkout's
 * node_modules, and the ref's program (index.ts, components, stack file as they were at that commit)
 * runs in this process under the same harness as the working tree's. Comparing the two recorded runs
 * compares real input values, so a change inside a secret-tainted input (the replication documents)
 * is seen; only masked values are printed. The comparison itself is pure (`planDiff`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { aliasRenames, diffRuns, type ResourceChange, withDependents } from "./diff";
import { type ProgramRun, type RecordedResource, resourceKey, runProgram, SECRET_MASK } from "./harness";
import { displayType, loadProgram, planHeader } from "./plan";
import { type CostChange, costChange, costChangeLines, stackCost } from "./planview/cost";
import { readableText, secretValues, shownInputs, textDiffLines } from "./planview/documents";
import { applyIgnoreChanges, formatPath, getPath, hasReplaceRules, type Keys, leafChanges } from "./replacements";
import { readProjectName, readStackFile, stackFilePath } from "./stackfile";

export interface PropertyChange {
    readonly property: string;
    readonly old: unknown;
    readonly new: unknown;
    /** True when the new value is an output of a replaced resource, unknown until it is re-created. */
    readonly unknown?: boolean;
}

export interface DiffItem {
    readonly type: string;
    readonly name: string;
    readonly urn?: string;
    readonly protect?: boolean;
    readonly retainOnDelete?: boolean;
    /** For updates and replacements. */
    readonly changes?: readonly PropertyChange[];
    /** For replacements: the property paths that force it. */
    readonly replaceKeys?: readonly string[];
}

export interface PlanDiff {
    readonly stack: string;
    readonly ref: string;
    readonly commit?: string;
    /** Header fields (topology, profile, primary) that differ: field -> [before, after]. */
    readonly header: Readonly<Record<string, readonly [unknown, unknown]>>;
    readonly replaced: readonly DiffItem[];
    readonly deleted: readonly DiffItem[];
    readonly created: readonly DiffItem[];
    readonly updated: readonly DiffItem[];
    readonly unchanged: number;
    readonly warnings: readonly string[];
    /** What a reviewer must not miss: ignored changes that leave AWS as it is, a replaced current primary. */
    readonly callouts?: readonly string[];
    /** The monthly cost before -> after (components/plan/prices.ts), so a reviewer sees what the change costs. */
    readonly cost?: CostChange;
}

const UNKNOWN_AFTER_REPLACE = "(known after the replacement)";

/** Compares the plan of a stack before (at the ref; undefined: the stack did not exist) and after. */
export function planDiff(before: ProgramRun | undefined, after: ProgramRun, ref: string, commit?: string): PlanDiff {
    const b: readonly RecordedResource[] = before?.resources ?? [];
    const a = after.resources;
    const d = withDependents(diffRuns({ resources: b }, after), after);
    const index = (rs: readonly RecordedResource[]) => new Map(rs.map((r) => [resourceKey(r), r]));
    // Keyed like diffRuns keys them: a resource kept through an alias under its new name.
    const renames = aliasRenames(b, a);
    const beforeByKey = new Map(b.map((r) => [renames.get(resourceKey(r)) ?? resourceKey(r), r]));
    const afterByKey = index(a);
    const item = (key: string, side: Map<string, RecordedResource>): DiffItem => {
        const r = side.get(key)!;
        return {
            type: r.type,
            name: r.name,
            urn: r.urn,
            ...(r.protect ? { protect: true } : {}),
            ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
        };
    };
    // Plain-text parameters (the node documents) are shown as text, only secret values redacted.
    const secrets = secretValues(before, after);
    const changeItem = (u: ResourceChange): DiffItem => {
        const old = beforeByKey.get(u.key)!;
        const now = afterByKey.get(u.key)!;
        const [oldShown, nowShown] = [shownInputs(old, secrets), shownInputs(now, secrets)];
        const effective = applyIgnoreChanges(old.inputs, now.inputs, now.ignoreChanges);
        const changes = u.changed.flatMap((p): PropertyChange[] => {
            if (u.unknown.includes(p)) return [{ property: p, old: oldShown[p], new: UNKNOWN_AFTER_REPLACE, unknown: true }];
            // Real values decide what changed; only masked values leave this function.
            return leafChanges(old.inputs[p], effective[p], [p]).map((keys) => ({
                property: formatPath(keys),
                old: maskedAt(oldShown, keys),
                new: maskedAt(nowShown, keys),
            }));
        });
        return { ...item(u.key, afterByKey), changes, ...(u.replace ? { replaceKeys: u.replaceKeys } : {}) };
    };

    const header: Record<string, readonly [unknown, unknown]> = {};
    const [hb, ha] = [before && planHeader(before), planHeader(after)];
    for (const k of ["topology", "profile", "primary"] as const) {
        if (hb !== undefined && hb[k] !== ha[k]) header[k] = [hb[k], ha[k]];
    }
    const unknownTypes = new Set(
        [...a, ...b].filter((r) => r.custom && !r.type.startsWith("pulumi:providers:") && !hasReplaceRules(r.type)).map((r) => r.type),
    );
    const replaced = d.updated.filter((u) => u.replace).map(changeItem);
    const callouts = [...ignoredChangeCallouts(b, a, renames), ...primaryReplacementCallouts(replaced, a, hb?.primary)];
    return {
        stack: after.stack,
        ref,
        ...(commit ? { commit } : {}),
        header,
        replaced,
        deleted: d.deleted.map((k) => item(k, beforeByKey)),
        created: d.created.map((k) => item(k, afterByKey)),
        updated: d.updated.filter((u) => !u.replace).map(changeItem),
        unchanged: d.unchanged.length,
        warnings: [...unknownTypes]
            .sort()
            .map((t) => `no replace-on-change table for ${t} (tools/replacements.ts): its changes are shown as updates`),
        ...(callouts.length > 0 ? { callouts } : {}),
        cost: costChange(before && stackCost(before), stackCost(after)),
    };
}

/**
 * Inputs that differ but that the resource's ignoreChanges keeps as they are in AWS. The instances
 * ignore `ami` (and user data): a new AMI reaches only nodes created or replaced later.
 */
function ignoredChangeCallouts(b: readonly RecordedResource[], a: readonly RecordedResource[], renames: Map<string, string>): string[] {
    const before = new Map(b.map((r) => [renames.get(resourceKey(r)) ?? resourceKey(r), r]));
    return a.flatMap((now) => {
        const old = before.get(resourceKey(now));
        if (old === undefined || !now.custom) return [];
        return now.ignoreChanges
            .filter((p) => !isDeepStrictEqual(getPath(old.inputs, p), getPath(now.inputs, p)))
            .map((p) => {
                const [was, is] = [show(maskedAt(old.maskedInputs, [p])), show(maskedAt(now.maskedInputs, [p]))];
                if (p === "ami") {
                    return `${now.name}: ami ${was} -> ${is} is ignored (ignoreChanges): the running node keeps ${was}; only a node created or replaced later boots ${is}`;
                }
                return `${now.name}: ${p} ${was} -> ${is} is ignored (ignoreChanges): AWS keeps the current value`;
            });
    });
}

/** A replaced instance or data volume of the node that is primary before the change: the service goes down with it. */
function primaryReplacementCallouts(replaced: readonly DiffItem[], a: readonly RecordedResource[], primary: string | undefined): string[] {
    if (primary === undefined) return [];
    const nodeOf = new Map(a.map((r) => [resourceKey(r), getPath(r.inputs, ["tags", "Node"])]));
    return replaced
        .filter((i) => ["aws:ec2/instance:Instance", "aws:ebs/volume:Volume"].includes(i.type))
        .filter((i) => nodeOf.get(resourceKey(i)) === primary)
        .map(
            (i) =>
                `${i.name} is replaced and belongs to the current primary ${primary}: the service is down until it is back; ` +
                "promote another node first (set `primary` and apply), then replace this one as a replica",
        );
}

/** The masked value at a path; inside a value that is secret as a whole, "[secret]". */
function maskedAt(masked: Record<string, unknown>, keys: Keys): unknown {
    for (let i = 1; i < keys.length; i++) {
        if (getPath(masked, keys.slice(0, i)) === SECRET_MASK) return SECRET_MASK;
    }
    return getPath(masked, keys);
}

// ---------------------------------------------------------------------------------------------
// Formatting

function show(v: unknown, max = 80): string {
    if (v === undefined) return "(unset)";
    const s = typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
    return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function flags(i: DiffItem, op: "delete" | "replace"): string {
    const out: string[] = [];
    if (i.protect)
        out.push(op === "delete" ? "[protect: pulumi up refuses to delete it]" : "[protect: the replacement fails until unprotected]");
    if (i.retainOnDelete) {
        out.push(
            op === "delete" ? "[retainOnDelete: it stays in AWS, only the stack forgets it]" : "[retainOnDelete: the old one stays in AWS]",
        );
    }
    return out.length > 0 ? `  ${out.join(" ")}` : "";
}

/** Multi-line text or a JSON document (a node's script or replication document): shown as a line diff. */
const isDocument = (...texts: string[]) => texts.some((t) => t.includes("\n") || readableText(t) !== t);

/** One line per change, prefixed like a diff (`+` create, `-` delete, `~` update, `+-` replace). */
export function formatPlanDiff(d: PlanDiff): string {
    const lines: string[] = [];
    lines.push(`plan diff for stack ${d.stack}: ${d.ref}${d.commit ? ` (${d.commit.slice(0, 7)})` : ""} -> working tree`);
    for (const [k, [was, now]] of Object.entries(d.header)) lines.push(`${k}: ${show(was)} -> ${show(now)}`);
    lines.push("");
    const w = Math.max(0, ...[...d.replaced, ...d.deleted, ...d.created, ...d.updated].map((i) => displayType(i.type).length));
    const head = (sign: string, op: string, i: DiffItem) => `${sign.padEnd(3)}${op.padEnd(8)} ${displayType(i.type).padEnd(w)}  ${i.name}`;
    const details = (i: DiffItem) =>
        (i.changes ?? []).flatMap((c) =>
            // A multi-line text (a node's script or document): the lines that change.
            typeof c.old === "string" && typeof c.new === "string" && !c.unknown && isDocument(c.old, c.new)
                ? [`      ${c.property}:`, ...textDiffLines(readableText(c.old), readableText(c.new), "        ")]
                : [`      ${c.property}: ${show(c.old)} -> ${c.unknown ? UNKNOWN_AFTER_REPLACE : show(c.new)}`],
        );
    for (const i of d.replaced) {
        lines.push(`${head("+-", "replace", i)}  (forced by ${(i.replaceKeys ?? []).join(", ")})${flags(i, "replace")}`);
        lines.push(...details(i));
    }
    for (const i of d.deleted) lines.push(`${head("-", "delete", i)}${flags(i, "delete")}`);
    for (const i of d.created) lines.push(head("+", "create", i));
    for (const i of d.updated) {
        lines.push(head("~", "update", i));
        lines.push(...details(i));
    }
    const total = d.replaced.length + d.deleted.length + d.created.length + d.updated.length;
    if (total === 0) lines.push("no changes");
    lines.push("");
    for (const callout of d.callouts ?? []) lines.push(`note: ${callout}`);
    for (const warning of d.warnings) lines.push(`warning: ${warning}`);
    if (d.cost) lines.push(...costChangeLines(d.cost));
    lines.push(
        `${d.created.length} to create, ${d.deleted.length} to delete, ${d.updated.length} to update, ` +
            `${d.replaced.length} to replace, ${d.unchanged} unchanged`,
    );
    return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------
// The plan at a git ref

function git(cwd: string, args: string[], input?: Buffer): Buffer {
    const res = spawnSync("git", ["-C", cwd, ...args], { input, maxBuffer: 512 * 1024 * 1024 });
    if (res.error) {
        throw new Error(`git is needed for --diff but could not run: ${res.error.message}`);
    }
    if (res.status !== 0) {
        throw new Error(`git ${args[0]} failed: ${res.stderr.toString().trim()}`);
    }
    return res.stdout;
}

export interface RefTree {
    /** Root of the materialised tree (the repository root at the ref). */
    readonly dir: string;
    readonly commit: string;
    readonly cleanup: () => void;
}

/**
 * Trees this process has materialised, per repository and commit. A commit's tree never changes, so a
 * second diff against the same commit in one process (the plan-diff tests run several) reuses the
 * directory and with it the ref's program already loaded from there; each is removed when the process
 * exits. Nothing outlives the process.
 */
const materialised = new Map<string, RefTree>();
let removeAtExit = false;

/** Extracts the tree of `ref` into a temporary directory (nothing in the repository is touched); reused within the process. */
export function materializeRef(ref: string, repoDir: string): RefTree {
    const res = spawnSync("git", ["-C", repoDir, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    if (res.error) throw new Error(`git is needed for --diff but could not run: ${res.error.message}`);
    if (res.status !== 0) {
        throw new Error(`unknown git ref "${ref}" in ${repoDir}; fetch it first (in GitHub Actions: actions/checkout with fetch-depth: 0)`);
    }
    const commit = res.stdout.toString().trim();
    const key = `${fs.realpathSync(repoDir)}\0${commit}`;
    const known = materialised.get(key);
    if (known && fs.existsSync(known.dir)) return known;
    // Its `cleanup` is a no-op: the tree is shared until the process exits.
    const tree: RefTree = { ...extractCommit(commit, ref, repoDir), cleanup: () => undefined };
    materialised.set(key, tree);
    if (!removeAtExit) {
        removeAtExit = true;
        process.on("exit", () => materialised.forEach((t) => fs.rmSync(t.dir, { recursive: true, force: true })));
    }
    return tree;
}

function extractCommit(commit: string, ref: string, repoDir: string): RefTree {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
    const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
    try {
        const tar = git(repoDir, ["archive", "--format=tar", commit]);
        const x = spawnSync("tar", ["-x", "-C", dir], { input: tar });
        if (x.status !== 0) throw new Error(`tar could not extract ${ref}: ${x.stderr?.toString().trim() ?? x.error?.message}`);
    } catch (e) {
        cleanup();
        throw e;
    }
    return { dir, commit, cleanup };
}

export interface RefPlanOptions {
    /** The project directory of the working tree (holds index.ts and node_modules). */
    projectDir: string;
    /** The stack directory of the working tree; the same path inside the ref is used. */
    stackDir: string;
}

/**
 * Runs the ref's program for `stack` with the ref's stack file, offline, in this process. Returns
 * undefined when the stack file does not exist at the ref (a new stack).
 */
export async function planAtRef(tree: RefTree, stack: string, opts: RefPlanOptions): Promise<ProgramRun | undefined> {
    const repoRoot = git(opts.projectDir, ["rev-parse", "--show-toplevel"]).toString().trim();
    const inTree = (p: string, what: string) => {
        const rel = path.relative(fs.realpathSync(repoRoot), fs.realpathSync(path.resolve(p)));
        if (rel.startsWith("..") || path.isAbsolute(rel)) throw new Error(`--diff needs ${what} inside the git repository ${repoRoot}`);
        return path.join(tree.dir, rel);
    };
    const projectDir = inTree(opts.projectDir, "the project");
    const stackDir = inTree(opts.stackDir, "the stack directory");
    if (!fs.existsSync(stackFilePath(stack, stackDir))) return undefined;
    // The ref's own dependencies are not installed; this checkout's are the closest available, and
    // sharing them keeps one @pulumi/pulumi runtime for the harness and both programs.
    const modules = path.join(projectDir, "node_modules");
    if (!fs.existsSync(modules)) fs.symlinkSync(path.join(opts.projectDir, "node_modules"), modules, "dir");
    // The ref's project name: the config namespace and the URNs are the ref's own.
    const project = readProjectName(projectDir);
    const config = readStackFile(stack, stackDir, project);
    const run = await runProgram(loadProgram(path.join(projectDir, "index")), { stack, project, config });
    if (run.error) {
        throw new Error(`the plan of stack ${stack} at ${tree.commit.slice(0, 7)} failed: ${run.error.message}`);
    }
    return run;
}
