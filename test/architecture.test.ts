import assert from "node:assert/strict";
import { join } from "node:path";
import { type ImportEdge, importCycles, importGraph, moduleImports, tsFiles } from "./import-graph";

const root = join(__dirname, "..");

/**
 * The layers of components/, lowest first; a module may import its own layer and the ones below.
 * profiles: what each service needs (scripts, ports), common: names and addresses every layer derives,
 * config: reading and validating the stack config, plan: the pure decisions, aws: the Pulumi components.
 */
const LAYERS = ["profiles", "common", "config", "plan", "aws"] as const;
type Layer = (typeof LAYERS)[number];

/** Modules at the top of components/ that read or validate the config (README "Development"). */
const CONFIG_MODULES = [
    "cluster-rules.ts",
    "config.ts",
    "dr-config.ts",
    "ghes-backup-config.ts",
    "ha-service-args.ts",
    "safeops.ts",
    "schema.ts",
    "spec.ts",
    "validation-ghes-ha.ts",
    "validation.ts",
];
/** Modules at the top of components/ that register resources. */
const AWS_MODULES = [
    "alarms.ts",
    "backuphost.ts",
    "backups.ts",
    "dns.ts",
    "dr-links.ts",
    "dr-region.ts",
    "ha-service.ts",
    "instance.ts",
    "loadbalancer.ts",
    "monitoring.ts",
    "network.ts",
    "nodes.ts",
    "previous.ts",
    "replication.ts",
    "security.ts",
    "service.ts",
    "snapshotarchive.ts",
];

function layerOf(file: string): Layer {
    const path = file.replace(/^components\//, "");
    for (const folder of ["profiles", "common", "plan", "validation"] as const) {
        if (path.startsWith(`${folder}/`)) return folder === "validation" ? "config" : folder;
    }
    if (CONFIG_MODULES.includes(path)) return "config";
    if (AWS_MODULES.includes(path)) return "aws";
    throw new Error(
        `${file} is in no layer: add it to CONFIG_MODULES or AWS_MODULES in test/architecture.test.ts (or put it in a layer's folder)`,
    );
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

    it("puts every module in a layer", () => {
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

    it("reports an edge upwards, naming both modules and layers", () => {
        const edges: ImportEdge[] = [
            { from: "components/validation.ts", to: "components/plan/naming.ts", typeOnly: false },
            { from: "components/profiles/ghes.ts", to: "components/plan/types.ts", typeOnly: true },
            { from: "components/profiles/ghes.ts", to: "components/plan/nodescript.ts", typeOnly: false },
            { from: "components/plan/index.ts", to: "components/config.ts", typeOnly: false },
        ];
        assert.deepEqual(layerViolations(edges), [
            "components/validation.ts (config) imports components/plan/naming.ts (plan)",
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
        assert.deepEqual(await rule("components/validation.ts"), expected);
        assert.deepEqual(await rule("components/plan/failover.ts"), expected);
        assert.deepEqual(await rule("tools/mocks.ts"), expected);
        assert.equal(await rule("test/architecture.test.ts"), undefined);
    });
});
