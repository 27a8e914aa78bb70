/**
 * Mocha's configuration (`npm test`). The test files run in 2 worker processes (`jobs`: the build
 * machine has 2 cores); mocha hands the files to whichever worker is free in the order of `spec`, so
 * the slowest files (most of their time in processes they spawn: npm, tsc, bash and Python stand-ins,
 * cloud-init, git) go first and the many short ones fill the gaps at the end, and neither worker is left
 * with one long file while the other idles. SLOWEST_FIRST is that order (measured, docs/development.md);
 * every other file under test/ follows in name order. A file missing from the list only runs later.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

// The directory where this run's processes share the stack program's finished runs (test/examples.ts,
// SHARED_RUNS_ENV): created here, in mocha's own process, which the workers inherit it from, and
// removed when the run exits, so nothing is kept between runs. Left as it is when already set (this
// file read again inside a run, as test/mocharc.test.ts does).
const SHARED_RUNS_ENV = "HA_TEST_SHARED_RUNS";
if (!process.env[SHARED_RUNS_ENV]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ha-test-runs-"));
    process.env[SHARED_RUNS_ENV] = dir;
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
}

const SLOWEST_FIRST = [
    "package",
    "ghes-ha-appliance",
    "plandiff",
    "component-provider",
    "first-hour",
    "ghes-cluster-appliance",
    "rendered",
    "plantools",
    "cloudify-cluster",
    "sourcemaps",
    "guardrails",
    "aws-limits.property",
    "harness",
    "readme",
    "urns",
    "cloudify-snapshots",
    "bench",
].map((name) => `test/${name}.test.ts`);

// Every *.test.ts under test/, at any depth (what the glob test/**/*.test.ts matched before).
const all = fs
    .readdirSync(path.join(__dirname, "test"), { recursive: true })
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => `test/${f.split(path.sep).join("/")}`)
    .sort();

module.exports = {
    require: ["tsx/cjs", "./tools/compilecache.ts", "./test/setup-sdk.ts"],
    spec: [...SLOWEST_FIRST.filter((f) => all.includes(f)), ...all.filter((f) => !SLOWEST_FIRST.includes(f))],
    timeout: 60000,
    reporter: "spec",
    parallel: true,
    jobs: 2,
};
