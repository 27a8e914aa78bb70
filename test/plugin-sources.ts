/**
 * What the Pulumi SDK's component provider reads to infer a component's schema, which `pulumi package
 * add` runs on a package directory that has a PulumiPlugin.yaml (@pulumi/pulumi
 * provider/experimental/analyzer.js, `Analyzer`): `<dir>/tsconfig.json`, and the TypeScript source of
 * the entry point, found as package.json `exports["."]` (a string, or its `default`, `require` or
 * `import`), else `main`, each with `.js` read as `.ts`, else `index.ts` or `src/index.ts`. Without them
 * `getSchema` fails ("No entry points found"). Mirrored here so a test can say, from a file list alone,
 * whether a package directory could serve the plugin its PulumiPlugin.yaml advertises.
 */
import * as path from "node:path";

export interface PackageEntries {
    main?: string;
    exports?: string | Record<string, string | { default?: string; require?: string; import?: string }>;
}

/** The entry point's TypeScript source paths the analyzer tries, in its order (relative, posix). */
export function schemaEntryCandidates(pkg: PackageEntries): string[] {
    const root = typeof pkg.exports === "string" ? pkg.exports : pkg.exports?.["."];
    const exported = typeof root === "string" ? root : root && (root.default ?? root.require ?? root.import);
    const fromPackage = [exported, pkg.main]
        .filter((f): f is string => typeof f === "string")
        .map((f) => path.posix.normalize(f.replace(/\.js$/, ".ts")));
    return [...new Set([...fromPackage, "index.ts", "src/index.ts"])];
}

/**
 * What a package directory lacks of what the analyzer reads: `tsconfig.json`, and the entry's
 * candidates (as one "a or b" item) when none of them is there. `has` says whether a relative path is
 * in the directory. Empty: the analyzer has its inputs.
 */
export function schemaSourcesMissing(pkg: PackageEntries, has: (file: string) => boolean): string[] {
    const candidates = schemaEntryCandidates(pkg);
    return [...(has("tsconfig.json") ? [] : ["tsconfig.json"]), ...(candidates.some(has) ? [] : [candidates.join(" or ")])];
}
