/**
 * Turns on Node's on-disk compile cache (`module.enableCompileCache`, Node 22.1 and later) for the
 * process that imports this module first. Start-up of every tool, test run and `pulumi up` is mostly
 * the compilation of @pulumi/pulumi and @pulumi/aws (thousands of modules, about 1.5 to 2 s on the
 * 2-core build machine); with the cache, later runs reuse the compiled code. The cache lives in
 * Node's default directory (under the OS temp dir), is keyed by file content and Node version, and
 * is skipped when `NODE_DISABLE_COMPILE_CACHE` is set. Imported for its effect: first in
 * tools/plan.ts, tools/sourcemaps-preload.ts (Pulumi.yaml) and .mocharc.js.
 */
import * as nodeModule from "node:module";

type EnableCompileCache = (dir?: string) => { readonly status: number; readonly directory?: string };

/** Enables the cache; returns its directory, or undefined where Node has none or it is disabled. */
export function enableCompileCache(): string | undefined {
    const enable = (nodeModule as unknown as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
    if (enable === undefined) return undefined;
    return enable().directory;
}

enableCompileCache();
