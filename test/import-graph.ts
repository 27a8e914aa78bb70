/**
 * The import graph of the package's TypeScript modules, read with TypeScript's own parser, and the
 * two checks the layout rules need: cycles (strongly connected components) and layer edges.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** One relative import of a module; `typeOnly` when erased at run time (`import type`, `export type`, `import("x").T`). */
export interface ImportEdge {
    readonly from: string;
    readonly to: string;
    readonly typeOnly: boolean;
}

/** Every `.ts` file under `dir`, as paths relative to `root` with `/` separators. */
export function tsFiles(root: string, dir: string): string[] {
    const out: string[] = [];
    for (const name of readdirSync(join(root, dir)).sort()) {
        const path = `${dir}/${name}`;
        if (statSync(join(root, path)).isDirectory()) out.push(...tsFiles(root, path));
        else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path);
    }
    return out;
}

function resolveModule(root: string, from: string, specifier: string): string | undefined {
    const base = resolve(root, dirname(from), specifier);
    for (const candidate of [`${base}.ts`, join(base, "index.ts")]) {
        if (existsSync(candidate)) return relative(root, candidate).split("\\").join("/");
    }
    return undefined;
}

function allTypeOnly(elements: readonly (ts.ImportSpecifier | ts.ExportSpecifier)[]): boolean {
    return elements.length > 0 && elements.every((e) => e.isTypeOnly);
}

function importIsTypeOnly(node: ts.ImportDeclaration): boolean {
    const clause = node.importClause;
    if (clause === undefined) return false; // `import "./x"` runs the module.
    if (clause.isTypeOnly) return true;
    const bindings = clause.namedBindings;
    return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && allTypeOnly(bindings.elements);
}

function exportIsTypeOnly(node: ts.ExportDeclaration): boolean {
    if (node.isTypeOnly) return true;
    const clause = node.exportClause;
    return clause !== undefined && ts.isNamedExports(clause) && allTypeOnly(clause.elements);
}

/** The relative module specifiers `text` imports or re-exports, with whether each is type-only. */
export function moduleImports(fileName: string, text: string): { specifier: string; typeOnly: boolean }[] {
    const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const found: { specifier: string; typeOnly: boolean }[] = [];
    const visit = (node: ts.Node): void => {
        if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
            found.push({ specifier: node.moduleSpecifier.text, typeOnly: importIsTypeOnly(node) });
        } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
            found.push({ specifier: node.moduleSpecifier.text, typeOnly: exportIsTypeOnly(node) });
        } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
            const [arg] = node.arguments;
            if (arg !== undefined && ts.isStringLiteral(arg)) found.push({ specifier: arg.text, typeOnly: false });
        } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
            found.push({ specifier: node.argument.literal.text, typeOnly: true });
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    return found.filter((f) => f.specifier.startsWith("."));
}

/** The relative imports between `files` (paths relative to `root`). */
export function importGraph(root: string, files: readonly string[]): ImportEdge[] {
    const edges: ImportEdge[] = [];
    for (const from of files) {
        for (const { specifier, typeOnly } of moduleImports(from, readFileSync(join(root, from), "utf8"))) {
            const to = resolveModule(root, from, specifier);
            if (to === undefined) throw new Error(`${from}: cannot resolve import "${specifier}"`);
            edges.push({ from, to, typeOnly });
        }
    }
    return edges;
}

/** Every import cycle: the strongly connected components with more than one module, or a module importing itself. */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
    const next = new Map<string, string[]>();
    for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const connect = (v: string): void => {
        index.set(v, index.size);
        low.set(v, index.get(v)!);
        stack.push(v);
        onStack.add(v);
        for (const w of next.get(v) ?? []) {
            if (!index.has(w)) {
                connect(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) {
                low.set(v, Math.min(low.get(v)!, index.get(w)!));
            }
        }
        if (low.get(v) !== index.get(v)) return;
        const component: string[] = [];
        let w: string;
        do {
            w = stack.pop()!;
            onStack.delete(w);
            component.push(w);
        } while (w !== v);
        if (component.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(component.sort());
    };
    for (const v of [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort()) if (!index.has(v)) connect(v);
    return cycles;
}
