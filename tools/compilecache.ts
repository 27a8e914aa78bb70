/**
 * Turns on Node's on-disk compile cache (`module.enableCompileCache`, Node 22.1 and later) for the
 * process that imports this module first. Start-up of every tool, test run and `pulumi up` is mostly
 * the compilation of @pulumi/pulumi and @pulumi/aws (thousands of modules, about 1.5 to 2 s on the
 * 2-core build machine); with the cache, later runs reuse the compiled code. The cache lives in
 * Node's default directory (under the OS temp dir), is keyed by file content and Node version, and
 * is skipped when `NODE_DISABLE_COMPILE_CACHE` is set.
 *
 * It also lets the dependencies' CommonJS files load as Node loads them (`loadDependenciesAsIs`):
 * tsx's `.js` handler reads every file it is given and, unless it finds neither "import" nor "export"
 * in it (and "exports" contains "export"), runs its ES module lexer over it to decide whether to
 * transform it, about 0.45 CPU s for the SDKs' thousands of files in every process.
 *
 * Imported for its effect: first in tools/plan.ts, tools/sourcemaps-preload.ts (Pulumi.yaml) and
 * .mocharc.js.
 */
import * as fs from "node:fs";
import * as nodeModule from "node:module";
import * as path from "node:path";

type EnableCompileCache = (dir?: string) => { readonly status: number; readonly directory?: string };

/** Enables the cache; returns its directory, or undefined where Node has none or it is disabled. */
export function enableCompileCache(): string | undefined {
    const enable = (nodeModule as unknown as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
    if (enable === undefined) return undefined;
    return enable().directory;
}

/** A line that starts an import or export statement, or uses `import.meta`: syntax only an ES module holds (`import(` too, to be safe). */
const MODULE_SYNTAX = /^[ \t]*(?:import[\s{*"'(.]|export[\s{*])/m;
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

type CompilingModule = NodeJS.Module & { _compile(content: string, filename: string): unknown };
type Loader = (module: CompilingModule, filename: string) => unknown;

const packageTypes = new Map<string, string | undefined>();
/** The `type` of the package.json nearest to `dir` (cached per directory). */
function packageType(dir: string): string | undefined {
    if (packageTypes.has(dir)) return packageTypes.get(dir);
    let type: string | undefined;
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
        try {
            type = (JSON.parse(fs.readFileSync(file, "utf8")) as { type?: string }).type ?? "commonjs";
        } catch {
            type = undefined;
        }
    } else {
        const parent = path.dirname(dir);
        type = parent === dir ? undefined : packageType(parent);
    }
    packageTypes.set(dir, type);
    return type;
}

/**
 * Whether a file is a dependency's CommonJS module that Node's loader can compile as it is: a `.js`
 * file under node_modules, in a package that is not `"type": "module"`, with no line of ES module syntax.
 */
export function isPlainDependency(filename: string, content: () => string): boolean {
    return (
        filename.includes(NODE_MODULES) &&
        filename.endsWith(".js") &&
        packageType(path.dirname(filename)) === "commonjs" &&
        !MODULE_SYNTAX.test(content())
    );
}

/**
 * Where tsx's CommonJS `.js` handler is registered (its function is named "transformer"), wraps it so
 * a plain dependency (`isPlainDependency`) is compiled as it is, which is what tsx does with it after
 * its lexer found no ES module syntax; every other file still goes through tsx. True when installed.
 */
export function loadDependenciesAsIs(): boolean {
    const extensions = (nodeModule as unknown as { _extensions: Record<string, Loader> })._extensions;
    const tsx = extensions[".js"];
    if (tsx?.name !== "transformer") return false;
    extensions[".js"] = function (this: unknown, module: CompilingModule, filename: string) {
        let content: string | undefined;
        const read = () => (content ??= fs.readFileSync(filename, "utf8"));
        if (isPlainDependency(filename, read)) return module._compile(read(), filename);
        return tsx.call(this, module, filename);
    };
    return true;
}

enableCompileCache();
loadDependenciesAsIs();
