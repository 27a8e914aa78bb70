/**
 * Node's compile cache (tools/compilecache.ts) shortens every start-up of the tools, the tests and
 * `pulumi up`; it only helps when it is on before the SDKs load.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as nodeModule from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { isPlainDependency } from "../tools/compilecache";

const ROOT = path.join(__dirname, "..");

describe("compile cache", () => {
    it("is on in the test process, loaded by .mocharc.js before the SDKs", () => {
        const getDir = (nodeModule as unknown as { getCompileCacheDir?: () => string | undefined }).getCompileCacheDir;
        assert.ok(getDir, "this Node has no compile cache: the project needs Node 22.1 or later");
        if (process.env.NODE_DISABLE_COMPILE_CACHE) return assert.equal(getDir(), undefined);
        const dir = getDir();
        assert.ok(typeof dir === "string" && fs.existsSync(dir), `compile cache directory ${String(dir)}`);
    });

    it("is the first import of the plan tool and of the `pulumi up` preload (Pulumi.yaml nodeargs)", () => {
        for (const file of ["tools/plan.ts", "tools/sourcemaps-preload.ts"]) {
            const imports = fs
                .readFileSync(path.join(ROOT, file), "utf8")
                .split("\n")
                .filter((l) => l.startsWith("import "));
            assert.equal(imports[0], 'import "./compilecache";', file);
        }
        assert.match(
            fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"),
            /nodeargs: "--import tsx --import \.\/tools\/sourcemaps-preload\.ts"/,
        );
    });
});

describe("dependencies' CommonJS files load as Node loads them (tools/compilecache.ts loadDependenciesAsIs)", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "deps-loader-"));
        const pkg = (name: string, manifest: object) => {
            fs.mkdirSync(path.join(dir, "node_modules", name, "lib"), { recursive: true });
            fs.writeFileSync(path.join(dir, "node_modules", name, "package.json"), JSON.stringify(manifest));
            return path.join(dir, "node_modules", name, "lib");
        };
        pkg("plain", { name: "plain" });
        pkg("typed-cjs", { name: "typed-cjs", type: "commonjs" });
        pkg("esm", { name: "esm", type: "module" });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, f = "a.js") => path.join(dir, "node_modules", name, "lib", f);

    it("compiles a dependency's CommonJS file as it is, and leaves ES module syntax, ES packages and other files to tsx", () => {
        const cjs =
            '"use strict";\nexports.importer = void 0;\nconst x = require("./x");\n// import { y } from "z" in a comment\nmodule.exports.export = 1;\n';
        assert.equal(
            isPlainDependency(file("plain"), () => cjs),
            true,
            "no type: CommonJS",
        );
        assert.equal(
            isPlainDependency(file("typed-cjs"), () => cjs),
            true,
        );
        assert.equal(
            isPlainDependency(file("esm"), () => cjs),
            false,
            '"type": "module"',
        );
        for (const esm of [
            'import { a } from "b";\n',
            "  import * as b from 'b';\n",
            'import "side-effect";\n',
            "export const a = 1;\n",
            "export { a };\n",
            "export * from './b';\n",
            "export default 1;\n",
            "const u = 1;\nimport.meta.url;\n",
            'import("./dynamic.js").then(() => 1);\n',
        ]) {
            assert.equal(
                isPlainDependency(file("plain"), () => esm),
                false,
                esm,
            );
        }
        assert.equal(
            isPlainDependency(file("plain", "a.cjs"), () => cjs),
            false,
            ".cjs stays with tsx",
        );
        assert.equal(
            isPlainDependency(file("plain", "a.ts"), () => cjs),
            false,
        );
        assert.equal(
            isPlainDependency(path.join(ROOT, "tools", "a.js"), () => cjs),
            false,
            "not a dependency",
        );
    });

    it("is installed over tsx's handler in the test process, and the SDKs and an ES module dependency still load", () => {
        const js = (nodeModule as unknown as { _extensions: Record<string, { name: string }> })._extensions[".js"];
        assert.notEqual(js.name, "transformer", "tsx's own handler is still the one for .js");
        assert.equal(typeof require("@pulumi/pulumi").ComponentResource, "function");
        // markdown-table is an ES module package ("type": "module"): it still goes through tsx.
        assert.equal(typeof (require("markdown-table") as { markdownTable: unknown }).markdownTable, "function");
    });
});
