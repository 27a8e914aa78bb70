/**
 * The project's hand-written Markdown: README.md (the front page) and the pages in docs/. Generated
 * sections (config table, failover summaries) live between markers in whichever page carries them, and
 * the README checks read every page.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** README.md then docs/*.md, relative to the repository root, in a stable order. */
export function docFiles(root: string): string[] {
    const dir = join(root, "docs");
    const pages = existsSync(dir)
        ? readdirSync(dir)
              .filter((f) => f.endsWith(".md"))
              .sort()
              .map((f) => `docs/${f}`)
        : [];
    return ["README.md", ...pages];
}

/** The one page that carries `marker`; throws naming the marker when none or several do. */
export function pageWithMarker(root: string, marker: string): string {
    const pages = docFiles(root).filter((f) => readFileSync(join(root, f), "utf8").includes(marker));
    if (pages.length !== 1) {
        throw new Error(
            `${pages.length === 0 ? "no page" : `${pages.length} pages (${pages.join(", ")})`} of README.md and docs/ carry ${marker}`,
        );
    }
    return pages[0];
}

/** The text between two markers of the page that carries them, trimmed. */
export function markedSection(root: string, start: string, end: string): string {
    const text = readFileSync(join(root, pageWithMarker(root, start)), "utf8");
    return text.slice(text.indexOf(start) + start.length, text.indexOf(end)).trim();
}
