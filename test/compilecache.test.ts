/**
 * Node's compile cache (tools/compilecache.ts) shortens every start-up of the tools, the tests and
 * `pulumi up`; it only helps when it is on before the SDKs load.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as nodeModule from "node:module";
import * as path from "node:path";

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
