import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as YAML from "yaml";
import { configRows, expectedFiles, renderConfigTable, splice } from "../tools/docs";
import { listStacks, readStackFile } from "../tools/stackfile";

const root = join(__dirname, "..");

describe("generated docs", () => {
    it("README config table and Pulumi.yaml config block match the schema (run `npm run docs` if this fails)", () => {
        for (const f of expectedFiles(root)) {
            assert.equal(readFileSync(f.path, "utf8"), f.text, `${f.path} is stale: run npm run docs`);
        }
    });

    it("documents every key with a description and marks required keys", () => {
        const rows = configRows();
        for (const r of rows) assert.ok(r.description.length > 0, `${r.key} has no description`);
        const required = rows.filter((r) => r.required).map((r) => r.key);
        assert.ok(required.includes("topology") && required.includes("ami") && required.includes("dns.zoneId"), required.join(","));
        assert.match(renderConfigTable(), /\| `dns\.ttl` \| integer 1-300 \| `60` \|/);
        assert.match(renderConfigTable(), /\| `loadBalancer\.deregistrationDelay` \| integer 0-3600 \| `30` \|/);
    });

    it("splice refuses a file without markers", () => {
        assert.throws(() => splice("no markers", "<a>", "<b>", "x"), /markers <a> \.\.\. <b> not found/);
    });
});

describe("Pulumi.yaml config declarations", () => {
    // Pulumi refuses `pulumi up` for a stack missing a declared key that has no default.
    const declared = (YAML.parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> })
        .config;

    it("declares keys without a default only where every example stack sets them", () => {
        const required = Object.entries(declared)
            .filter(([, d]) => d.default === undefined)
            .map(([k]) => k);
        assert.deepEqual(required.sort(), ["ami", "topology"]);
        for (const stack of listStacks(join(root, "stacks"))) {
            const config = readStackFile(stack, join(root, "stacks"));
            for (const key of required) assert.ok(`ha-service:${key}` in config, `stack ${stack} does not set ha-service:${key}`);
        }
    });

    it("declares the schema's own defaults, so the CLI and the program agree", () => {
        const rows = new Map(configRows().map((r) => [r.key, r]));
        for (const [key, d] of Object.entries(declared)) {
            if (d.default === undefined) continue;
            assert.equal(JSON.stringify(d.default), rows.get(key)?.default, key);
        }
    });
});
