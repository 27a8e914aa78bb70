/**
 * Issue 14, point 5, the config half of "the first hour of a new user", tried as one would: add a
 * stack file of one's own, encrypt a value, rename the project, and make several config mistakes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../components/config";
import { maskOutputs, runProgram } from "../tools/harness";
import { main, type PlanJson } from "../tools/plan";
import { readProjectName, readStackFile, SECURE_PLACEHOLDER, secureConfigKeys } from "../tools/stackfile";
import { haConfig, spec } from "./fixtures";

const root = path.join(__dirname, "..");
const DEV = fs.readFileSync(path.join(root, "stacks", "Pulumi.dev.yaml"), "utf8");

/**
 * A copy of the project (without .git and the build output dist/; node_modules linked) in a temp dir,
 * removed after the suite. dist/ is left out because nothing here runs it and the package test in the
 * other worker may be rebuilding it meanwhile (`npm pack` runs the prepare script).
 */
function copyProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ha-first-hour-"));
    const dist = path.join(root, "dist");
    fs.cpSync(root, dir, { recursive: true, filter: (src) => !["node_modules", ".git"].includes(path.basename(src)) && src !== dist });
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

/**
 * The environment of a process run in a copy: tsx's disk cache off. Its entries are keyed by file path,
 * so a copy at a new temporary path never hits them and would leave a few hundred new files in the
 * shared cache directory on every test run (which tsx then lists at each start).
 */
const inCopy = (dir: string) => ({ cwd: dir, encoding: "utf8" as const, env: { ...process.env, TSX_DISABLE_CACHE: "1" } });

function problemsOf(raw: Record<string, unknown>): ConfigError {
    try {
        spec(raw);
    } catch (e) {
        if (e instanceof ConfigError) return e;
        throw e;
    }
    assert.fail("the config was accepted");
}

describe("the first hour of a new user (issue 14, point 5)", function () {
    this.timeout(300_000);
    const copies: string[] = [];
    after(() => copies.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("a user's own stack file in stacks/ keeps the all-stacks tests green (golden plans, URN snapshots, README, docs)", () => {
        const dir = copyProject();
        copies.push(dir);
        // A valid stack unlike every example: another name, three nodes in three zones, its own DNS.
        const mine = DEV.replace("ha-service:nodeCount: 2", "ha-service:nodeCount: 3")
            .replace("        - us-east-1b\n", "        - us-east-1b\n        - us-east-1c\n")
            .replace("svc.dev.example.com", "svc.mine.example.com")
            .replace("Z0123456789DEVZONE", "Z0123456789MINEZONE");
        assert.notEqual(mine, DEV);
        fs.writeFileSync(path.join(dir, "stacks", "Pulumi.mine.yaml"), mine);
        // The suites that run over every stack file (and not .mocharc's spec, which holds this file). The
        // process inherits the test run's shared program runs (test/examples.ts): the copy's program files
        // are this project's, so it reads the example stacks' runs; it evaluates the new stack itself.
        const files = ["golden", "urns", "readme", "docs"].map((f) => `test/${f}.test.ts`);
        const requires = ["tsx/cjs", "./tools/compilecache.ts", "./test/setup-sdk.ts"].flatMap((r) => ["--require", r]);
        const args = ["--no-config", ...requires, "--timeout", "120000", "--reporter", "dot", ...files];
        const r = spawnSync(path.join(dir, "node_modules", ".bin", "mocha"), args, inCopy(dir));
        assert.match(r.stdout, /passing/, `${r.stdout}\n${r.stderr}`);
        assert.equal(r.status, 0, `npm test's all-stacks suites fail with stacks/Pulumi.mine.yaml added:\n${r.stdout}\n${r.stderr}`);
    });

    describe("secure: values plan offline, as secrets", () => {
        let file: string;
        before(() => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ha-secure-"));
            copies.push(dir);
            file = path.join(dir, "Pulumi.sealed.yaml");
            const sealed = DEV.replace(
                "  aws:region: us-east-1\n",
                "  aws:region: us-east-1\n  aws:secretKey:\n    secure: AAABAKsecretkeyciphertext\n",
            ).replace("    Owner: platform-team\n", "    Owner:\n      secure: AAABAOwnerciphertext\n");
            fs.writeFileSync(file, sealed);
        });

        it("reads a top-level and a nested secure: value as secret config, never the ciphertext", () => {
            const config = readStackFile("sealed", path.dirname(file));
            assert.deepEqual(secureConfigKeys(config), ["aws:secretKey", "ha-service:tags"]);
            assert.equal(config["aws:secretKey"], SECURE_PLACEHOLDER);
            assert.deepEqual(JSON.parse(config["ha-service:tags"]), { Environment: "dev", Owner: SECURE_PLACEHOLDER });
            assert.ok(!JSON.stringify(config).includes("ciphertext"));
        });

        it("sets them as config the SDK treats as secret", async () => {
            const config = readStackFile("sealed", path.dirname(file));
            // The SDK's own test of a key's secrecy (what `Config.get` warns on); not in its typings.
            const sdk = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };
            const program = () => ({
                key: new pulumi.Config("aws").requireSecret("secretKey"),
                isSecret: sdk.isConfigSecret("aws:secretKey"),
            });
            const run = await runProgram(program, {
                stack: "sealed",
                config,
            });
            assert.equal(run.error, undefined);
            assert.equal(run.outputs.isSecret, true);
            assert.deepEqual(run.secretOutputs, ["key"]);
            assert.equal(maskOutputs(run).key, "[secret]");
        });

        it("npm run plan plans the stack and shows the nested value as [secret] wherever it lands", async () => {
            let out = "";
            let err = "";
            const code = await main(["--config-file", file, "--json"], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
            assert.equal(code, 0, err);
            assert.ok(!out.includes(SECURE_PLACEHOLDER), "the stand-in of an encrypted value is printed as if it were the value");
            const plan = JSON.parse(out) as PlanJson;
            const tagged = plan.resources.filter((r) => (r.inputs.tags as Record<string, unknown> | undefined)?.Owner !== undefined);
            assert.ok(tagged.length > 5, `${tagged.length} resources carry the Owner tag`);
            for (const r of tagged) assert.equal((r.inputs.tags as Record<string, unknown>).Owner, "[secret]", r.name);
            assert.ok(tagged.every((r) => r.secretPaths.includes("tags.Owner")));
        });

        it("refuses a plain value that holds the stand-in's text, so it cannot pass for a secret", () => {
            fs.writeFileSync(path.join(path.dirname(file), "Pulumi.odd.yaml"), `config:\n  ha-service:name: ${SECURE_PLACEHOLDER}\n`);
            assert.throws(
                () => readStackFile("odd", path.dirname(file)),
                /config key "ha-service:name" holds the text .* reserves for encrypted values/,
            );
        });
    });

    it("a project renamed in Pulumi.yaml (keys renamed with it) still plans with npm run plan", async () => {
        // The tool's `main` in this process, given the renamed project's directory as the command has
        // it when run there (one tsx process less: the command itself runs in test/plantools.test.ts).
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ha-renamed-"));
        copies.push(dir);
        const yaml = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yaml.replace(/^name: ha-service$/m, "name: acme-git"));
        assert.equal(readProjectName(dir), "acme-git");
        fs.mkdirSync(path.join(dir, "stacks"));
        fs.writeFileSync(path.join(dir, "stacks", "Pulumi.dev.yaml"), DEV.replaceAll("ha-service:", "acme-git:"));
        let out = "";
        let err = "";
        const code = await main(["dev", "--json", "--stack-dir", path.join(dir, "stacks")], {
            stdout: (s) => (out += s),
            stderr: (s) => (err += s),
            projectDir: dir,
        });
        assert.equal(code, 0, `${out}\n${err}`);
        const plan = JSON.parse(out) as PlanJson;
        assert.equal(plan.project, "acme-git");
        assert.ok(plan.resources.some((x) => x.urn.startsWith("urn:pulumi:dev::acme-git::")));
    });

    describe("every config problem at once", () => {
        it("lists schema, cross-key, AWS-limit and safe-operation problems in one error, each with its key path", () => {
            const e = problemsOf(
                haConfig({
                    nodeCount: undefined,
                    nodes: { "app-a": { zone: "us-east-1a" }, "app-b": { zone: "us-east-1b" } },
                    failoverSettings: { healthCheckFailure: 3 }, // schema: unknown key
                    instanceType: "m6i", // AWS limit: not family.size
                    access: { clientCidrs: ["10.0.0.0/8"], adminCidrs: ["0.0.0.0/0"] }, // cross-key rule
                    // safe operation: a `nodes` map without `primary`
                }),
            );
            const paths = e.problems.map((p) => p.path).sort();
            assert.deepEqual(paths, ["access.adminCidrs[0]", "failoverSettings.healthCheckFailure", "instanceType", "primary"]);
            assert.match(e.message, /ha-service:failoverSettings\.healthCheckFailure: unknown key "healthCheckFailure"/);
            assert.match(e.message, /ha-service:primary: is required with a `nodes` map: .*set `primary: app-a`/);
            assert.match(e.message, /ha-service:instanceType: is not an EC2 instance type.*\(got "m6i"\)/);
            assert.match(
                e.message,
                /ha-service:access\.adminCidrs\[0\]: admin ports must not be open to the whole internet.*\(got "0\.0\.0\.0\/0"\)/,
            );
            assert.match(e.message, /: 4 problems, nothing was deployed/);
        });

        it("does not report a problem that only the default of a rejected key would cause", () => {
            // `failover` is rejected, so its default (`manual`) stands in; "secondary applies only with
            // automatic failover" would be about that default, not about the user's config.
            const e = problemsOf(
                haConfig({
                    failover: "automatical",
                    failoverSettings: { secondary: "node-2" },
                    access: { clientCidrs: ["10.0.0.0/8"], adminCidrs: ["0.0.0.0/0"] },
                }),
            );
            assert.deepEqual(e.problems.map((p) => p.path).sort(), ["access.adminCidrs[0]", "failover"]);
        });

        it("still reports the schema problems alone when a required key is itself bad", () => {
            const e = problemsOf(haConfig({ topology: "ring", access: { clientCidrs: ["10.0.0.0/8"], adminCidrs: ["0.0.0.0/0"] } }));
            assert.deepEqual(
                e.problems.map((p) => p.path),
                ["topology"],
            );
        });
    });
});
