import assert from "node:assert/strict";
import { join } from "node:path";
import { type ImportEdge, importCycles, importGraph, moduleImports, tsFiles } from "./import-graph";

const root = join(__dirname, "..");

/**
 * The layers of components/, lowest first, each a folder of the same name; a module may import its own
 * layer and the ones below. profiles: what each service needs (scripts, ports), common: names and
 * addresses every layer derives, config: reading and validating the stack config, plan: the pure
 * decisions, aws: the Pulumi components that register resources.
 */
const LAYERS = ["profiles", "common", "config", "plan", "aws"] as const;
type Layer = (typeof LAYERS)[number];

function layerOf(file: string): Layer {
    const folder = file.startsWith("components/") ? (file.split("/")[1] ?? "") : "";
    if ((LAYERS as readonly string[]).includes(folder)) return folder as Layer;
    throw new Error(`${file} is in no layer: put it in the folder of its layer (components/${LAYERS.join(", components/")})`);
}

/**
 * The one edge allowed upwards: a profile renders the replication document the plan builds, so it
 * may name that document's type (`import type` from plan/types.ts; erased at run time). It is left
 * out of the cycle check too, since plan/types.ts names the profiles' types in turn.
 */
function allowedUpwards(e: ImportEdge): boolean {
    return e.typeOnly && layerOf(e.from) === "profiles" && e.to === "components/plan/types.ts";
}

/** Edges from a layer to a higher one, as readable lines. */
function layerViolations(edges: readonly ImportEdge[]): string[] {
    return edges
        .filter((e) => LAYERS.indexOf(layerOf(e.to)) > LAYERS.indexOf(layerOf(e.from)) && !allowedUpwards(e))
        .map((e) => `${e.from} (${layerOf(e.from)}) imports ${e.typeOnly ? "types of " : ""}${e.to} (${layerOf(e.to)})`);
}

describe("architecture: the import graph of components/", () => {
    const edges = importGraph(root, tsFiles(root, "components"));

    it("puts every module in a layer's folder (no module at the top of components/)", () => {
        for (const e of edges) {
            layerOf(e.from);
            layerOf(e.to);
        }
        assert.ok(edges.length > 100, `only ${edges.length} imports found: is the parser reading the files?`);
    });

    it("has no import cycle (type-only imports included, except a profile naming plan/types.ts)", () => {
        const cycles = importCycles(edges.filter((e) => !allowedUpwards(e)));
        assert.deepEqual(cycles, [], `import cycles:\n${cycles.map((c) => c.join(" <-> ")).join("\n")}`);
    });

    it("imports only downwards: profiles depend on nothing above them, config does not import the plan", () => {
        assert.deepEqual(layerViolations(edges), []);
    });
});

describe("architecture: the checks themselves", () => {
    it("finds a cycle through a type-only import and through re-exports", () => {
        const edges: ImportEdge[] = [
            { from: "a.ts", to: "b.ts", typeOnly: false },
            { from: "b.ts", to: "c.ts", typeOnly: true },
            { from: "c.ts", to: "a.ts", typeOnly: false },
            { from: "c.ts", to: "d.ts", typeOnly: false },
            { from: "e.ts", to: "e.ts", typeOnly: false },
        ];
        assert.deepEqual(importCycles(edges), [["a.ts", "b.ts", "c.ts"], ["e.ts"]]);
        assert.deepEqual(importCycles(edges.filter((e) => e.from !== "c.ts" && e.from !== "e.ts")), []);
    });

    it("reads every kind of import and tells type-only ones apart", () => {
        const text = [
            'import { a } from "./a";',
            'import type { B } from "./b";',
            'import { type C, type D } from "./c";',
            'import { type E, e } from "./e";',
            'export * from "./f";',
            'export type { G } from "./g";',
            'import "./h";',
            'import * as z from "zod";',
            'const i = import("./i");',
            'type J = import("./j").J;',
        ].join("\n");
        assert.deepEqual(moduleImports("x.ts", text), [
            { specifier: "./a", typeOnly: false },
            { specifier: "./b", typeOnly: true },
            { specifier: "./c", typeOnly: true },
            { specifier: "./e", typeOnly: false },
            { specifier: "./f", typeOnly: false },
            { specifier: "./g", typeOnly: true },
            { specifier: "./h", typeOnly: false },
            { specifier: "./i", typeOnly: false },
            { specifier: "./j", typeOnly: true },
        ]);
    });

    it("names a module outside the layer folders", () => {
        assert.throws(() => layerOf("components/stray.ts"), /components\/stray\.ts is in no layer: put it in the folder of its layer/);
    });

    it("reports an edge upwards, naming both modules and layers", () => {
        const edges: ImportEdge[] = [
            { from: "components/config/validation/index.ts", to: "components/plan/healthchecks.ts", typeOnly: false },
            { from: "components/profiles/ghes.ts", to: "components/plan/types.ts", typeOnly: true },
            { from: "components/profiles/ghes.ts", to: "components/plan/nodescript.ts", typeOnly: false },
            { from: "components/plan/index.ts", to: "components/config/index.ts", typeOnly: false },
            { from: "components/aws/service.ts", to: "components/plan/index.ts", typeOnly: false },
        ];
        assert.deepEqual(layerViolations(edges), [
            "components/config/validation/index.ts (config) imports components/plan/healthchecks.ts (plan)",
            "components/profiles/ghes.ts (profiles) imports components/plan/nodescript.ts (plan)",
        ]);
    });
});

describe("architecture: function length", () => {
    it("lints components/ and tools/ with max-lines-per-function 80 (blank lines and comments not counted); tests are exempt", async () => {
        const { ESLint } = await import("eslint");
        const eslint = new ESLint({ cwd: root });
        const rule = async (file: string) => (await eslint.calculateConfigForFile(join(root, file))).rules?.["max-lines-per-function"];
        const expected = [2, { max: 80, skipBlankLines: true, skipComments: true }];
        assert.deepEqual(await rule("components/config/validation/index.ts"), expected);
        assert.deepEqual(await rule("components/plan/failover.ts"), expected);
        assert.deepEqual(await rule("tools/mocks.ts"), expected);
        assert.equal(await rule("test/architecture.test.ts"), undefined);
    });
});
