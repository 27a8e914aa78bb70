import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { configRows, expectedFiles, renderConfigTable, splice } from "../tools/docs";

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
