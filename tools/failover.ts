/**
 * Readable forms of the failover analysis and runbooks (stack outputs `failoverAnalysis` and
 * `runbooks`): text for the offline plan, a Markdown table for the README's per-stack summaries
 * (spliced in by `npm run docs`). Pure.
 */
import { join } from "node:path";
import { parseSpec, readNamespace } from "../components/config";
import { planTopology, type FailoverAnalysis, type FailureScenario, type Runbook } from "../components/plan";
import { DEFAULT_PROJECT, readStackFile } from "./stackfile";
import { table } from "./markdown";

export function isFailoverAnalysis(v: unknown): v is FailoverAnalysis {
    return typeof v === "object" && v !== null && Array.isArray((v as FailoverAnalysis).scenarios) && "mechanism" in v;
}

export function isRunbookList(v: unknown): v is Runbook[] {
    return Array.isArray(v) && v.every((r) => typeof r === "object" && r !== null && "key" in r && Array.isArray((r as Runbook).steps));
}

const AUTOMATIC_BY: Record<NonNullable<FailoverAnalysis["automaticBy"]>, string> = {
    dns: "automatic DNS failover (Route 53 PRIMARY/SECONDARY records)",
    runbook:
        "automatic failover behind the load balancer (the primary's heartbeat alarm starts a runbook that stops it and promotes the secondary)",
};

/** How the stack fails over, in words. */
function mechanismText(a: FailoverAnalysis): string {
    return a.mechanism === "automatic" ? AUTOMATIC_BY[a.automaticBy ?? "dns"] : MECHANISM[a.mechanism];
}

const MECHANISM: Record<FailoverAnalysis["mechanism"], string> = {
    manual: "manual promotion (DNS or load-balancer targets follow `primary`)",
    automatic: "automatic failover",
    loadBalancer: "load-balancer health checks",
    election: "the nodes elect their active node themselves; load-balancer health checks find it",
};

function service(s: FailureScenario): string {
    if (s.staysUp) return "stays up";
    return s.failover === "manual" ? "down until an operator acts" : "down";
}

const seconds = (n: number | undefined) => (n === undefined ? "-" : `${n} s`);

function clientsMove(s: FailureScenario): string {
    // A manual failover whose lost zone also held a load-balancer node: that zone's DNS runs from the
    // failure, the promotion after the operator, so the later of the two (components/plan/failover.ts).
    const promotion =
        s.operator && s.detectSeconds !== undefined && s.followSeconds !== undefined
            ? s.detectSeconds + s.followSeconds + (s.promotion?.minSeconds ?? 0)
            : undefined;
    // The service's own promotion time (GHES: 20 to 30 minutes): the figure is a range.
    const upTo = (n: number) => (s.promotion ? ` to ${n - s.promotion.minSeconds + s.promotion.maxSeconds}` : "");
    if (promotion !== undefined && s.clientsMoveSeconds !== undefined && promotion < s.clientsMoveSeconds) {
        return `max(${s.clientsMoveSeconds} s, ${promotion}${upTo(promotion)} s + the operator's time)`;
    }
    if (s.clientsMoveSeconds !== undefined)
        return `${s.clientsMoveSeconds}${upTo(s.clientsMoveSeconds)} s${s.operator ? " + the operator's time" : ""}`;
    if (s.followSeconds !== undefined) return `${s.followSeconds} s after ${s.operator ? "the operator's `pulumi up`" : "detection"}`;
    return "never: nothing is left to move to";
}

/** Word-wraps `text` (after `first`) to `width`, continuing under `indent`. */
export function wrapText(first: string, text: string, indent: string, width: number): string[] {
    const out: string[] = [];
    let line = first;
    for (const word of text.split(" ")) {
        const sep = line === first || line === indent ? "" : " ";
        if (line.length + sep.length + word.length > width && line !== first && line !== indent) {
            out.push(line);
            line = indent + word;
        } else {
            line += sep + word;
        }
    }
    out.push(line);
    return out;
}

/** The analysis as indented text lines, for the offline plan. */
export function failoverLines(a: FailoverAnalysis, width = 160): string[] {
    const lines = [`failover analysis (${a.topology}, ${mechanismText(a)}):`];
    const item = (label: string, text: string) => lines.push(...wrapText(`      ${label}`, text, "        ", width));
    for (const s of a.scenarios) {
        lines.push(`  ${s.title}`);
        item(
            "",
            `${service(s)}; failover ${s.failover}; detected after ${seconds(s.detectSeconds)} by ${s.detectedBy}; clients move after ${clientsMove(s)}`,
        );
        item("how: ", s.clientsMoveBy);
        item("data at risk: ", s.dataAtRisk);
        for (const n of s.notes) item("note: ", n);
    }
    lines.push("  assumptions:");
    for (const x of a.assumptions) lines.push(...wrapText("    - ", x, "      ", width));
    return lines;
}

export function runbookLines(runbooks: readonly Runbook[], width = 160): string[] {
    const lines = ["runbooks:"];
    for (const r of runbooks) {
        lines.push(`  ${r.key}: ${r.title}`);
        r.steps.forEach((step, i) => lines.push(...wrapText(`    ${i + 1}. `, step, "       ", width)));
    }
    return lines;
}

/** A Markdown summary: one row per scenario, then the notes and assumptions. */
export function failoverMarkdown(a: FailoverAnalysis): string {
    const lines = [
        `Failover: ${mechanismText(a)}.`,
        "",
        table(
            ["failure", "service", "failover", "detected after", "clients move after", "data at risk"],
            a.scenarios.map((s) => [s.title, service(s), s.failover, seconds(s.detectSeconds), clientsMove(s), s.dataAtRisk]),
            { pad: false },
        ),
    ];
    // Each note once, with the scenarios it belongs to.
    const notes = new Map<string, string[]>();
    for (const s of a.scenarios) for (const n of s.notes) notes.set(n, [...(notes.get(n) ?? []), `\`${s.key}\``]);
    if (notes.size > 0) lines.push("", ...[...notes].map(([n, keys]) => `- ${keys.join(", ")}: ${n}`));
    lines.push("", "Assumptions:", "", ...a.assumptions.map((x) => `- ${x}`));
    return lines.join("\n");
}

/** The analysis of a stack file, without running the program (the plan is pure). */
export function stackFailoverAnalysis(stack: string, stackDir: string, project: string = DEFAULT_PROJECT): FailoverAnalysis {
    const raw = readNamespace(readStackFile(stack, stackDir, project), project);
    return planTopology(parseSpec(raw, { project, stack })).failoverAnalysis;
}

export const failoverMarkers = (stack: string) => ({
    start: `<!-- failover:${stack}:start (generated by \`npm run docs\`) -->`,
    end: `<!-- failover:${stack}:end -->`,
});

/** The example stacks whose failover summary the README carries. */
export const README_FAILOVER_STACKS = ["dev", "prod", "cloudify", "ghes-dr"] as const;

export function readmeFailoverSections(root: string): { stack: string; start: string; end: string; body: string }[] {
    return README_FAILOVER_STACKS.map((stack) => ({
        stack,
        ...failoverMarkers(stack),
        body: failoverMarkdown(stackFailoverAnalysis(stack, join(root, "stacks"))),
    }));
}
