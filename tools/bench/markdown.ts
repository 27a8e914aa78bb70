/** Benchmark tables: padded so that the same text reads well on a terminal and renders on GitHub. */
import { type Cell, table as markdownTable } from "../markdown";

export type { Cell };

/** A number with a fixed count of decimals, without "-0". */
export function fixed(n: number, digits = 0): string {
    const s = n.toFixed(digits);
    return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

/** Columns whose cells are all numbers (or "-") are right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
    const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+]?[\d.,]+( ?[%x×s])?$|^-$/.test(String(r[i]))));
    return markdownTable(headers, rows, { align: numeric.map((n) => (n ? "r" : "")), pad: true });
}
