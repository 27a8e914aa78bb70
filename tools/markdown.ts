/**
 * Markdown tables for every generated page and report (config reference, failover summaries, drift
 * report, benchmarks), rendered by the `markdown-table` library; this module only escapes cells and
 * checks row lengths.
 */
import { markdownTable } from "markdown-table";

export type Cell = string | number;
/** Column alignment; "" leaves it to the renderer (left, no colon). */
export type Align = "l" | "r" | "c" | "";

/** A cell's text on one line, its `|` escaped (markdown-table leaves escaping to the caller). */
export const escapeCell = (c: Cell): string => String(c).replace(/\|/g, "\\|").replace(/\n/g, " ");

/**
 * A table with a header row. `pad: true` pads every column to its widest cell, so the text reads well
 * on a terminal too; `pad: false` (generated docs) keeps rows short and diffs small.
 */
export function table(
    headers: readonly string[],
    rows: readonly (readonly Cell[])[],
    opts: { readonly align?: readonly Align[]; readonly pad?: boolean } = {},
): string {
    for (const r of rows) {
        if (r.length !== headers.length) throw new Error(`table row has ${r.length} cells, headers ${headers.length}: ${r.join(" | ")}`);
    }
    return markdownTable([headers.map(escapeCell), ...rows.map((r) => r.map(escapeCell))], {
        ...(opts.align ? { align: [...opts.align] } : {}),
        alignDelimiters: opts.pad ?? true,
    });
}
