/** Markdown tables padded so that the same text reads well on a terminal and renders on GitHub. */

export type Cell = string | number;

/** A number with a fixed count of decimals, without "-0". */
export function fixed(n: number, digits = 0): string {
    const s = n.toFixed(digits);
    return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

const escape = (c: Cell) => String(c).replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Columns whose cells are all numbers (or "-") are right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
    for (const r of rows) {
        if (r.length !== headers.length) throw new Error(`table row has ${r.length} cells, headers ${headers.length}: ${r.join(" | ")}`);
    }
    const cells = rows.map((r) => r.map(escape));
    const numeric = headers.map((_, i) => rows.length > 0 && cells.every((r) => /^[-+]?[\d.,]+( ?[%x×s])?$|^-$/.test(r[i])));
    const width = headers.map((h, i) => Math.max(3, h.length, ...cells.map((r) => r[i].length)));
    const pad = (s: string, i: number) => (numeric[i] ? s.padStart(width[i]) : s.padEnd(width[i]));
    const line = (r: readonly string[]) => `| ${r.map(pad).join(" | ")} |`;
    const rule = `| ${width.map((w, i) => (numeric[i] ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
    return [line(headers.map(escape)), rule, ...cells.map(line)].join("\n");
}
