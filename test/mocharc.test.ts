/**
 * The test run's configuration (.mocharc.js, docs/development.md "Test run time"): every test file
 * runs exactly once, the slowest first.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SHARED_RUNS_ENV } from "./examples";

const ROOT = path.join(__dirname, "..");

describe("mocha configuration (.mocharc.js)", () => {
    const config = require(path.join(ROOT, ".mocharc.js")) as { spec: string[]; parallel: boolean; jobs: number; require: string[] };

    it("lists every test file under test/ once, at any depth, and nothing else", () => {
        const files = (fs.readdirSync(path.join(ROOT, "test"), { recursive: true }) as string[])
            .filter((f) => f.endsWith(".test.ts"))
            .map((f) => `test/${f.split(path.sep).join("/")}`)
            .sort();
        assert.ok(files.includes("test/mocharc.test.ts"));
        assert.equal(new Set(config.spec).size, config.spec.length, "a file listed twice would run twice");
        assert.deepEqual([...config.spec].sort(), files);
    });

    it("hands out the slowest files first (the npm package's pack, install and checks lead), then the rest in name order", () => {
        assert.equal(config.spec[0], "test/package.test.ts");
        const slow = config.spec.indexOf("test/bench.test.ts");
        assert.ok(slow > 0 && slow < 20, "the slow files' list is in effect");
        const rest = config.spec.slice(slow + 1);
        assert.deepEqual(rest, [...rest].sort());
    });

    it("gives the run a directory for the workers' shared program runs, removed when the run exits, and keeps one already set", () => {
        // The variable test/examples.ts reads: the two files must name the same one.
        const script = [
            'const fs = require("node:fs");',
            'require("./.mocharc.js");',
            `const dir = process.env.${SHARED_RUNS_ENV};`,
            "console.log(JSON.stringify({ dir, existed: fs.statSync(dir).isDirectory() }));",
        ].join("\n");
        const env = { ...process.env };
        delete env[SHARED_RUNS_ENV];
        const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", env });
        assert.equal(r.status, 0, r.stderr);
        const { dir, existed } = JSON.parse(r.stdout) as { dir: string; existed: boolean };
        assert.ok(existed && dir.startsWith(path.join(os.tmpdir(), "ha-test-runs-")), dir);
        assert.equal(fs.existsSync(dir), false, "removed when the run exited");
        const kept = spawnSync(process.execPath, ["-e", `require("./.mocharc.js"); console.log(process.env.${SHARED_RUNS_ENV})`], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...env, [SHARED_RUNS_ENV]: "/set/by/the/run" },
        });
        assert.equal(kept.stdout.trim(), "/set/by/the/run");
    });

    it("runs in 2 workers with the SDK set-up loaded first in each", () => {
        assert.equal(config.parallel, true);
        assert.equal(config.jobs, 2);
        assert.deepEqual(config.require, ["tsx/cjs", "./tools/compilecache.ts", "./test/setup-sdk.ts"]);
    });
});
