/**
 * The offline plan as text (a resource tree with each resource's summary, the outputs, failover
 * analysis and runbooks) and as one JSON document. Pure: takes a recorded run.
 */
import { isCloudResource, maskOutputs, type ProgramRun, type RecordedResource } from "../harness";
import { failoverLines, isFailoverAnalysis, isRunbookList, runbookLines } from "../failover";
import { type CostEstimate } from "../../components/plan/cost";
import { costLines, stackCost } from "./cost";
import { documentLines, type NodeDocument, nodeDocuments } from "./documents";
import { displayType, NameIndex, optionFlags, summarize, type Summary } from "./summaries";

export interface PlanOptions {
    /** Maximum line width before a resource's summary wraps onto the next line (default 160). */
    width?: number;
}

export interface PlanHeader {
    stack: string;
    project: string;
    topology?: string;
    profile?: string;
    primary?: string;
    warnings: string[];
    /** Secure defaults the stack relaxed (the `relaxations` output), one line each. */
    relaxations: string[];
}

function renderValue(v: string | number | boolean): string {
    const str = String(v);
    return /[\s"]/.test(str) || str === "" ? JSON.stringify(str) : str;
}

function renderPairs(s: Summary): string[] {
    return Object.entries(s).map(([k, v]) => (v === true ? k : `${k}=${renderValue(v)}`));
}

// ---------------------------------------------------------------------------------------------
// Header and tree

function asLabel(v: unknown): string | undefined {
    if (v === undefined || v === null) {
        return undefined;
    }
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
        return String(v);
    }
    if (typeof v === "object") {
        for (const k of ["name", "key", "kind", "id"]) {
            const x = (v as Record<string, unknown>)[k];
            if (typeof x === "string") {
                return x;
            }
        }
        return JSON.stringify(v);
    }
    return String(v);
}

function textList(v: unknown): string[] {
    return Array.isArray(v) ? v.map((w) => (typeof w === "string" ? w : JSON.stringify(w))) : [];
}

/** Stack, topology, profile, primary, warnings and relaxations, from the stack outputs (and config as fallback). */
export function planHeader(run: ProgramRun): PlanHeader {
    const o = run.outputs;
    const cfg = (k: string) => run.config[`${run.project}:${k}`];
    const warnings = textList(o.warnings);
    return {
        stack: run.stack,
        project: run.project,
        topology: asLabel(o.topology) ?? cfg("topology"),
        profile: asLabel(o.profile) ?? asLabel(o.service) ?? cfg("profile") ?? cfg("service"),
        primary: asLabel(o.primary),
        warnings,
        relaxations: textList(o.relaxations),
    };
}

interface TreeNode {
    r: RecordedResource;
    children: TreeNode[];
}

/** Resources arranged by parent URN, siblings in registration order. */
export function resourceTree(resources: readonly RecordedResource[]): TreeNode[] {
    const nodes = new Map<string, TreeNode>();
    for (const r of resources) {
        nodes.set(r.urn, { r, children: [] });
    }
    const roots: TreeNode[] = [];
    for (const r of resources) {
        const node = nodes.get(r.urn)!;
        const parent = r.parent ? nodes.get(r.parent) : undefined;
        if (parent && parent !== node) {
            parent.children.push(node);
        } else {
            roots.push(node);
        }
    }
    return roots;
}

/** `head  k=v k=v ...`, continuing on lines starting with `contPrefix` when longer than `width`. */
function wrapLine(head: string, pairs: string[], contPrefix: string, width: number): string[] {
    const out: string[] = [];
    let cur = head;
    let sep = "  ";
    for (const p of pairs) {
        // Break before `p` if it does not fit, unless the line is an empty continuation line.
        if (cur.length + sep.length + p.length > width && cur !== contPrefix) {
            out.push(cur);
            cur = contPrefix;
            sep = "";
        }
        cur += sep + p;
        sep = " ";
    }
    out.push(cur);
    return out;
}

function formatValue(v: unknown, indent: string): string {
    if (typeof v === "string") {
        return v;
    }
    if (v === undefined) {
        return "(undefined)";
    }
    const compact = JSON.stringify(v);
    if (compact === undefined) {
        return String(v);
    }
    if (compact.length <= 100) {
        return compact;
    }
    return JSON.stringify(v, null, 2)
        .split("\n")
        .map((l, i) => (i === 0 ? l : indent + l))
        .join("\n");
}

/** The count line: `N resources (M AWS)` (N counts every registration, stack and components included). */
export function countLine(run: ProgramRun): string {
    const aws = run.resources.filter((r) => r.type.startsWith("aws:")).length;
    return `${run.resources.length} resources (${aws} AWS)`;
}

/** The human-readable plan. */
export function formatPlan(run: ProgramRun, opts: PlanOptions = {}): string {
    const width = opts.width ?? 160;
    const h = planHeader(run);
    const lines: string[] = [];
    lines.push(`stack: ${h.stack}  (project ${h.project}${run.preview ? ", preview" : ""})`);
    const topo = [`topology: ${h.topology ?? "?"}`, `profile: ${h.profile ?? "?"}`];
    if (h.primary !== undefined) {
        topo.push(`primary: ${h.primary}`);
    }
    lines.push(topo.join("  "));
    for (const w of h.warnings) {
        lines.push(`warning: ${w}`);
    }
    for (const r of h.relaxations) {
        lines.push(`relaxed: ${r}`);
    }
    if (run.error) {
        lines.push(`error: ${run.error.message}`);
    }
    lines.push("");
    lines.push("resources:");
    const names = new NameIndex(run.resources);
    const walk = (node: TreeNode, prefix: string, childPrefix: string) => {
        const r = node.r;
        const pairs = [...renderPairs(summarize(r, names))];
        const flags = renderPairs(optionFlags(r));
        if (flags.length > 0) {
            pairs.push(`[${flags.join(" ")}]`);
        }
        const head = `${prefix}${displayType(r.type)}  ${r.name}`;
        const cont = `${childPrefix}${node.children.length > 0 ? "│" : " "}      `;
        lines.push(...wrapLine(head, pairs, cont, width));
        node.children.forEach((c, i) => {
            const last = i === node.children.length - 1;
            walk(c, `${childPrefix}${last ? "└─ " : "├─ "}`, `${childPrefix}${last ? "   " : "│  "}`);
        });
    };
    for (const root of resourceTree(run.resources)) {
        walk(root, "", "");
    }
    lines.push("");
    lines.push("outputs:");
    const masked = maskOutputs(run);
    const keys = Object.keys(masked);
    if (keys.length === 0) {
        lines.push("  (none)");
    }
    const failover = masked.failoverAnalysis;
    const runbooks = masked.runbooks;
    for (const k of keys) {
        if (k === "failoverAnalysis" && isFailoverAnalysis(failover)) {
            lines.push(`  ${k}: ${failover.scenarios.length} scenarios (below)`);
        } else if (k === "runbooks" && isRunbookList(runbooks)) {
            lines.push(`  ${k}: ${runbooks.map((r) => r.key).join(", ")} (below)`);
        } else {
            lines.push(`  ${k}: ${formatValue(masked[k], "  ")}`);
        }
    }
    if (isFailoverAnalysis(failover)) lines.push("", ...failoverLines(failover, width));
    if (isRunbookList(runbooks)) lines.push("", ...runbookLines(runbooks, width));
    const docs = documentLines(nodeDocuments(run));
    if (docs.length > 0) lines.push("", ...docs);
    lines.push("", ...costLines(stackCost(run)));
    lines.push("");
    lines.push(countLine(run));
    return `${lines.join("\n")}\n`;
}

export interface PlanJsonResource {
    type: string;
    name: string;
    urn: string;
    parent?: string;
    custom: boolean;
    id?: string;
    summary: Summary;
    options: {
        protect?: boolean;
        retainOnDelete?: boolean;
        ignoreChanges: string[];
        replaceOnChanges: string[];
        deleteBeforeReplace: boolean;
        dependencies: string[];
        aliases: string[];
        provider?: string;
        additionalSecretOutputs: string[];
    };
    /** Inputs with secrets as "[secret]" and unknowns as "(unknown)". */
    inputs: Record<string, unknown>;
    secretPaths: string[];
}

export interface PlanJson extends PlanHeader {
    preview: boolean;
    error?: string;
    resources: PlanJsonResource[];
    outputs: Record<string, unknown>;
    secretOutputs: string[];
    /** Each node's replication document and configuration script, secret values redacted. */
    documents: NodeDocument[];
    /** The monthly cost from the dated price table (components/plan/prices.ts). */
    cost: CostEstimate;
    counts: { resources: number; aws: number; cloud: number };
}

/** The same plan as one JSON-serialisable document (secrets masked). */
export function planJson(run: ProgramRun): PlanJson {
    const names = new NameIndex(run.resources);
    return {
        ...planHeader(run),
        preview: run.preview,
        ...(run.error ? { error: run.error.message } : {}),
        resources: run.resources.map((r) => ({
            type: r.type,
            name: r.name,
            urn: r.urn,
            parent: r.parent,
            custom: r.custom,
            id: r.id,
            summary: summarize(r, names),
            options: {
                protect: r.protect,
                retainOnDelete: r.retainOnDelete,
                ignoreChanges: r.ignoreChanges,
                replaceOnChanges: r.replaceOnChanges,
                deleteBeforeReplace: r.deleteBeforeReplace,
                dependencies: r.dependencies,
                aliases: r.aliases,
                provider: r.provider,
                additionalSecretOutputs: r.additionalSecretOutputs,
            },
            inputs: r.maskedInputs,
            secretPaths: r.secretPaths,
        })),
        outputs: maskOutputs(run),
        secretOutputs: run.secretOutputs,
        documents: nodeDocuments(run),
        cost: stackCost(run),
        counts: {
            resources: run.resources.length,
            aws: run.resources.filter((r) => r.type.startsWith("aws:")).length,
            cloud: run.resources.filter(isCloudResource).length,
        },
    };
}
