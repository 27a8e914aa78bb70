/**
 * The package build's stamp (tools/buildstamp.ts): the package test reuses dist/ only when it is
 * provably the build of the current sources, and builds again after any change to a build input or
 * to dist/. A temporary project stands in for the repository; its "build" copies the sources into
 * dist/ and stamps, as `npm run build` does with tsc.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildInputs, clean, ensureBuilt, STAMP_FILE, staleReason, writeStamp } from "../tools/buildstamp";

const ROOT = path.join(__dirname, "..");

const PROJECT: Record<string, string> = {
    "lib.ts": 'export * from "./components/a";\n',
    "components/a.ts": "export const a = 1;\n",
    "components/plan/b.ts": "export const b = 2;\n",
    "tsconfig.json": '{ "compilerOptions": { "strict": true } }\n',
    "tsconfig.build.json": '{ "extends": "./tsconfig.json", "include": ["lib.ts", "components/**/*.ts"] }\n',
    "package.json": '{ "name": "p", "version": "1.0.0" }\n',
    "package-lock.json": '{ "lockfileVersion": 3 }\n',
    "node_modules/typescript/package.json": '{ "version": "5.9.3" }\n',
    "README.md": "# p\n",
    "test/a.test.ts": "// a test\n",
};

function write(root: string, file: string, text: string): void {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
}

/** The stand-in build: every .ts source becomes a .js file under dist/, then the stamp (as `npm run build`). */
function build(root: string): void {
    clean(root);
    for (const f of buildInputs(root).filter((x) => x.endsWith(".ts"))) {
        write(root, path.join("dist", f.replace(/\.ts$/, ".js")), fs.readFileSync(path.join(root, f), "utf8"));
    }
    writeStamp(root);
}

describe("package build stamp: dist/ is reused only when it is the build of the current sources", () => {
    let root: string;
    let builds: number;
    const ensure = () => ensureBuilt(root, () => (builds++, build(root)));

    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "ha-buildstamp-"));
        for (const [f, text] of Object.entries(PROJECT)) write(root, f, text);
        builds = 0;
        build(root);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("reuses dist/ right after a build, and after a change to a file that is no build input", () => {
        assert.equal(ensure(), undefined);
        write(root, "README.md", "# changed\n");
        write(root, "test/a.test.ts", "// changed\n");
        assert.equal(ensure(), undefined);
        assert.equal(builds, 0);
    });

    for (const [what, change] of [
        ["a changed source file", (r: string) => write(r, "components/plan/b.ts", "export const b = 3;\n")],
        ["a new source file", (r: string) => write(r, "components/c.ts", "export const c = 3;\n")],
        ["a deleted source file", (r: string) => fs.rmSync(path.join(r, "components/a.ts"))],
        ["a changed lib.ts", (r: string) => write(r, "lib.ts", "export {};\n")],
        ["a changed tsconfig.json", (r: string) => write(r, "tsconfig.json", '{ "compilerOptions": { "strict": false } }\n')],
        ["a changed tsconfig.build.json", (r: string) => write(r, "tsconfig.build.json", "{}\n")],
        ["a changed package.json", (r: string) => write(r, "package.json", '{ "name": "p", "version": "1.0.1" }\n')],
        ["a changed package-lock.json", (r: string) => write(r, "package-lock.json", '{ "lockfileVersion": 2 }\n')],
        ["another TypeScript compiler", (r: string) => write(r, "node_modules/typescript/package.json", '{ "version": "5.9.4" }\n')],
    ] as const) {
        it(`builds again after ${what}, and then reuses the new build`, () => {
            change(root);
            assert.match(ensure() ?? "", /inputs changed/);
            assert.equal(builds, 1);
            assert.equal(ensure(), undefined);
            assert.equal(builds, 1);
        });
    }

    for (const [what, change, reason] of [
        ["an edited dist file", (r: string) => write(r, "dist/components/a.js", "export const a = 2;\n"), /dist\/ changed/],
        ["a deleted dist file", (r: string) => fs.rmSync(path.join(r, "dist/components/plan/b.js")), /dist\/ changed/],
        ["an extra dist file", (r: string) => write(r, "dist/stale.js", "\n"), /dist\/ changed/],
        ["a deleted dist/", (r: string) => fs.rmSync(path.join(r, "dist"), { recursive: true }), /dist\/ is missing/],
        ["a deleted stamp", (r: string) => fs.rmSync(path.join(r, STAMP_FILE)), /no build stamp/],
        ["a stamp that is not JSON", (r: string) => write(r, STAMP_FILE, "{"), /no build stamp/],
    ] as const) {
        it(`builds again after ${what}`, () => {
            change(root);
            assert.match(ensure() ?? "", reason);
            assert.equal(builds, 1);
            assert.equal(staleReason(root), undefined);
        });
    }

    it("a build that fails half-way leaves no stamp, so the next check builds again", () => {
        write(root, "components/a.ts", "export const a = 5;\n");
        assert.throws(() =>
            ensureBuilt(root, () => {
                clean(root);
                throw new Error("tsc failed");
            }),
        );
        assert.equal(fs.existsSync(path.join(root, STAMP_FILE)), false);
        assert.match(staleReason(root) ?? "", /no build stamp/);
    });

    it("throws when the build does not leave a matching stamp", () => {
        write(root, "components/a.ts", "export const a = 5;\n");
        assert.throws(
            () => ensureBuilt(root, () => undefined),
            /built because the build's inputs changed.*, but afterwards the build's inputs changed/,
        );
    });
});

describe("package build stamp: wired into the repository's build", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };

    it("`npm run build` clears dist/ and the stamp first and stamps last; `prepare` (npm ci, the release's npm pack) runs it", () => {
        assert.equal(pkg.scripts.build, "tsx tools/buildstamp.ts clean && tsc -p tsconfig.build.json && tsx tools/buildstamp.ts write");
        assert.equal(pkg.scripts.prepare, "npm run build");
    });

    it("the stamp covers every file tsconfig.build.json compiles, and lives outside dist/ (never packed)", () => {
        const build = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.build.json"), "utf8")) as { include: string[] };
        assert.deepEqual(build.include, ["lib.ts", "components/**/*.ts"]);
        const inputs = buildInputs(ROOT);
        for (const f of [
            "lib.ts",
            "components/aws/ha-service.ts",
            "tsconfig.json",
            "tsconfig.build.json",
            "package.json",
            "package-lock.json",
        ]) {
            assert.ok(inputs.includes(f), `${f} is a build input`);
        }
        assert.ok(!STAMP_FILE.startsWith("dist"), STAMP_FILE);
    });
});
