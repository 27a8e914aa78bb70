/**
 * The npm package (issue 14, point 2): `npm pack` (of dist/ as `npm run build` builds it; see pack())
 * gives a tarball with the built JavaScript, its type declarations and the documents, and nothing of
 * the repository's tests, stacks or tools. Installed by npm, offline, into a fresh consumer project
 * whose SDKs are its own (peer dependencies), it loads with one @pulumi/pulumi, and a plain
 * JavaScript program run by plain Node (test/fixtures/consumer/program.js) builds an HA and a
 * cluster service with HaService that register exactly the URNs of the matching example stacks.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { readNamespace } from "../components/config";
import { ensureBuilt } from "../tools/buildstamp";
import { DEFAULT_PROJECT, readStackFile } from "../tools/stackfile";
import { engineUrns } from "../tools/urns";
import { exampleRun } from "./examples";
import { type PackageEntries, schemaSourcesMissing } from "./plugin-sources";
import { type Finished, startProcess } from "./processes";

const ROOT = path.join(__dirname, "..");
const NODE = path.join(ROOT, "node_modules", ".bin", "node");
const NAME = "@platform/ha-topologies";
/** The example stacks the consumer program builds, with their topology. */
const STACKS = [
    ["dev", "ha"],
    ["prod", "cluster"],
] as const;
/** The SDKs a consumer program brings itself (package.json peerDependencies). */
const PEERS = ["@pulumi/aws", "@pulumi/pulumi", "@pulumi/random"];

function run(command: string, args: readonly string[], cwd: string): string {
    const r = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    assert.equal(r.status, 0, `${command} ${args.join(" ")} (in ${cwd}) failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

/**
 * `npm pack` of this repository into `dir`; the tarball's path. The release workflow's `npm pack`
 * builds dist/ first (the prepare script); here dist/ is built (`npm run build`, the same script) only
 * when it is not provably the build of the current sources (tools/buildstamp.ts: the hashes of the
 * build's inputs and of dist/ that the last build stamped), and the pack runs without scripts.
 */
function pack(dir: string): string {
    ensureBuilt(ROOT, () => run("npm", ["run", "--silent", "build"], ROOT));
    run("npm", ["pack", "--ignore-scripts", "--pack-destination", dir, "--silent"], ROOT);
    const tarballs = fs.readdirSync(dir).filter((f) => f.endsWith(".tgz"));
    assert.equal(tarballs.length, 1, `npm pack wrote ${tarballs.join(", ")}`);
    return path.join(dir, tarballs[0]);
}

/** The files in a tarball, without npm's `package/` prefix. */
function tarballFiles(tarball: string): string[] {
    return run("tar", ["-tzf", tarball], ROOT)
        .split("\n")
        .filter((f) => f !== "" && !f.endsWith("/"))
        .map((f) => f.replace(/^package\//, ""))
        .sort();
}

/** The version of a package installed in this repository's node_modules. */
const installedVersion = (name: string): string =>
    (JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

/**
 * A consumer project in `dir` with the tarball installed by npm, offline. The project depends on the
 * SDK versions this repository tests with; they are already in its node_modules (links to this
 * repository's copies, as if installed before), and npm keeps them. So are the package's dependencies
 * (zod, fastest-levenshtein), exactly those its package.json declares: npm finds them satisfying the
 * package's ranges and installs only the tarball, and a module the package needs but does not declare is
 * not there to be found. (npm packing and unpacking this repository's copy of zod took about 1.9 of the
 * install's 3.5 CPU s; after `npm ci` npm's cache holds their content but not the registry's metadata,
 * which an offline install from the registry needs.) `--legacy-peer-deps` keeps npm from fetching the
 * peers' own peers.
 */
function createConsumer(dir: string, tarball: string): string {
    fs.mkdirSync(dir, { recursive: true });
    const sdks = Object.fromEntries(PEERS.map((p) => [p, installedVersion(p)]));
    fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({ name: "consumer", version: "1.0.0", private: true, dependencies: sdks }),
    );
    const { dependencies = {} } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
        dependencies?: Record<string, string>;
    };
    for (const dep of [...PEERS, ...Object.keys(dependencies)]) {
        const at = path.join(dir, "node_modules", dep);
        fs.mkdirSync(path.dirname(at), { recursive: true });
        fs.symlinkSync(path.join(ROOT, "node_modules", dep), at, "dir");
    }
    run("npm", ["install", "--offline", "--legacy-peer-deps", "--ignore-scripts", "--no-audit", "--no-fund", tarball], dir);
    fs.copyFileSync(path.join(__dirname, "fixtures", "consumer", "program.js"), path.join(dir, "program.js"));
    return dir;
}

interface ConsumerRun {
    resources: { type: string; name: string; parent?: string; urn?: string; error?: string }[];
    sdkFiles: string[];
}

/**
 * Starts the consumer program once for the example stacks `stacks`: it builds each in turn, HaService
 * with that stack file's config as args (test/fixtures/consumer/program.js), and prints a line per stack.
 */
function startConsumer(consumer: string, stacks: readonly string[], ...modules: string[]): Promise<Finished> {
    const inputs = stacks.map((stack) => {
        const all = readStackFile(stack);
        const config = Object.fromEntries(Object.entries(all).filter(([k]) => !k.startsWith(`${DEFAULT_PROJECT}:`)));
        const args = readNamespace(all, DEFAULT_PROJECT);
        const input = path.join(consumer, `${stack}.json`);
        fs.writeFileSync(input, JSON.stringify({ project: DEFAULT_PROJECT, stack, config, name: serviceName(args), args }));
        return input;
    });
    return startProcess(NODE, ["program.js", ...inputs, ...modules], consumer);
}

/** What the consumer program printed for `stack`; fails naming the stack when it printed none or an error. */
function consumerRun(r: Finished, stack: string): ConsumerRun {
    const lines = r.stdout.split("\n").filter((l) => l.startsWith("{"));
    const found = lines.map((l) => JSON.parse(l) as ConsumerRun & { stack: string; error?: string }).find((l) => l.stack === stack);
    assert.ok(found, `${r.what} printed no result for stack ${stack} (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    assert.equal(found.error, undefined, `stack ${stack} failed in the consumer program`);
    return found;
}

/** The component's name the repository's program gives it: the config's `name` (schema default "svc"). */
function serviceName(args: Record<string, unknown>): string {
    return typeof args.name === "string" ? args.name : "svc";
}

/**
 * How a program loads the package, in one ES module program run by plain Node, printed as JSON:
 * - `esm`: the named exports it imports (Node reads them from the CommonJS build);
 * - `oneSdk`: which @pulumi/pulumi the program (a `require` from the consumer project), the package and
 *   @pulumi/aws resolve, the package's API and the SDK copies loaded in the process;
 * - `plugin`: what Pulumi's plugin runner sees: @pulumi/pulumi/cmd/run-plugin requires the package
 *   directory (package.json `main`), takes the components it exports and names the provider after
 *   package.json's name without its scope.
 */
const LOAD_SCRIPT = [
    `import { HaService, HaServiceArgsError, HA_SERVICE_TYPE } from ${JSON.stringify(NAME)};`,
    'import { createRequire } from "node:module";',
    'import * as path from "node:path";',
    'const require = createRequire(path.join(process.cwd(), "program.js"));',
    'const program = require.resolve("@pulumi/pulumi");',
    `const pkg = require.resolve("@pulumi/pulumi", { paths: [path.dirname(require.resolve(${JSON.stringify(NAME)}))] });`,
    'const aws = require.resolve("@pulumi/pulumi", { paths: [path.dirname(require.resolve("@pulumi/aws"))] });',
    `const mod = require(${JSON.stringify(NAME)});`,
    "const api = Object.keys(mod);",
    "const esm = [typeof HaService, typeof HaServiceArgsError, HA_SERVICE_TYPE, HaService === mod.HaService];",
    'const { getPulumiComponents } = require("@pulumi/pulumi/provider/experimental");',
    `const { name } = require(${JSON.stringify(`${NAME}/package.json`)});`,
    'const provider = name.match(/(@.*?\\/)?(.+)/)[2].replace(/[^-a-zA-Z0-9_]/g, "-");',
    "const plugin = { components: getPulumiComponents(mod).map((c) => c.name), provider, type: mod.HA_SERVICE_TYPE };",
    "const loaded = Object.keys(require.cache).filter((f) => /[\\\\/]@pulumi[\\\\/]pulumi[\\\\/]index\\.js$/.test(f));",
    "console.log(JSON.stringify({ load: { esm, oneSdk: { program, pkg, aws, api, loaded }, plugin } }));",
].join("\n");

/** What LOAD_SCRIPT printed (its line of the consumer program's output); fails with the program's output when it printed none. */
function loadRun(r: Finished): LoadRun {
    const line = r.stdout.split("\n").find((l) => l.startsWith('{"load":'));
    assert.ok(line, `${r.what} printed no load line (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    assert.equal(r.status, 0, `${r.what} failed after its load checks:\n${r.stderr}`);
    return (JSON.parse(line) as { load: LoadRun }).load;
}

interface LoadRun {
    esm: string[];
    oneSdk: { program: string; pkg: string; aws: string; api: string[]; loaded: string[] };
    plugin: { components: string[]; provider: string; type: string };
}

/** Writes a good and a bad TypeScript program with a tsconfig into the consumer and starts `tsc -p .` there. */
function startTypeCheck(consumer: string): Promise<Finished> {
    const good = [
        'import { HaService, type HaServiceArgs } from "@platform/ha-topologies";',
        "const args: HaServiceArgs = {",
        '    topology: "ha", nodeCount: 2, ami: "ami-0123456789abcdef0",',
        '    network: { create: { cidr: "10.40.0.0/16", zones: ["us-east-1a", "us-east-1b"] } },',
        '    access: { clientCidrs: ["10.0.0.0/8"], clientSecurityGroups: ["sg-0123456789abcdef0"] },',
        '    dns: { zoneId: "Z0123456789", name: "svc.example.com" },',
        "};",
        'const service = new HaService("svc", args);',
        "export const endpoint: string = service.endpoint;",
        'export const ips = service.privateIps.apply((m) => Object.values(m).join(","));',
    ].join("\n");
    fs.writeFileSync(path.join(consumer, "good.ts"), good);
    fs.writeFileSync(path.join(consumer, "bad.ts"), good.replace('topology: "ha"', 'topology: "mesh"'));
    const tsconfig = {
        compilerOptions: {
            strict: true,
            module: "node16",
            moduleResolution: "node16",
            target: "ES2022",
            noEmit: true,
            skipLibCheck: true,
            types: ["node"],
            typeRoots: [path.join(ROOT, "node_modules", "@types")],
        },
        files: ["good.ts", "bad.ts"],
    };
    fs.writeFileSync(path.join(consumer, "tsconfig.json"), JSON.stringify(tsconfig));
    // --listFiles: the files tsc read, one per line, before its diagnostics.
    return startProcess(path.join(ROOT, "node_modules", ".bin", "tsc"), ["-p", ".", "--listFiles"], consumer);
}

describe("npm package: the packed tarball", function () {
    this.timeout(240_000);
    let work: string;
    let tarball: string;
    let files: string[];

    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "ha-package-"));
        tarball = pack(work);
        files = tarballFiles(tarball);
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("holds the built entry point with type declarations, README, CHANGELOG and LICENSE", () => {
        for (const f of ["package.json", "dist/lib.js", "dist/lib.d.ts", "README.md", "CHANGELOG.md", "LICENSE"]) {
            assert.ok(files.includes(f), `${f} is not in the tarball`);
        }
        const js = files.filter((f) => f.endsWith(".js"));
        assert.ok(js.length > 50, `only ${js.length} JavaScript files`);
        assert.deepEqual(
            js.filter((f) => !files.includes(f.replace(/\.js$/, ".d.ts"))),
            [],
            "every module has its type declarations",
        );
    });

    it("holds none of the repository's tests, stacks, tools, policy pack, TypeScript sources or CI", () => {
        const unwanted = files.filter(
            (f) =>
                /^(test|stacks|tools|policy|components|\.github|\.ci|node_modules)\//.test(f) ||
                /(?<!\.d)\.ts$/.test(f) ||
                /^Pulumi\./.test(f),
        );
        assert.deepEqual(unwanted, []);
        assert.ok(
            files.every((f) => /^(dist\/|package\.json$|README\.md$|CHANGELOG\.md$|LICENSE$)/.test(f)),
            files.join("\n"),
        );
    });

    it("advertises no Pulumi plugin it cannot serve: PulumiPlugin.yaml only beside the tsconfig.json and TypeScript entry the SDK infers the schema from (`pulumi package add` takes the repository)", () => {
        const pkg = JSON.parse(run("tar", ["-xzOf", tarball, "package/package.json"], ROOT)) as PackageEntries;
        const missing = schemaSourcesMissing(pkg, (f) => files.includes(f));
        assert.equal(
            files.includes("PulumiPlugin.yaml"),
            missing.length === 0,
            `the tarball ${files.includes("PulumiPlugin.yaml") ? "ships" : "lacks"} PulumiPlugin.yaml; of what the schema is inferred from it lacks: ${missing.join(", ") || "nothing"}`,
        );
        assert.ok(
            !files.includes("PulumiPlugin.yaml"),
            "the tarball ships PulumiPlugin.yaml: prove ComponentProvider.getSchema from an installed copy first",
        );
    });

    it("its package.json: a semver version, not private, entry points that are in the tarball, the SDKs as peers, no tsx", () => {
        const pkg = JSON.parse(run("tar", ["-xzOf", tarball, "package/package.json"], ROOT)) as {
            version: string;
            private?: boolean;
            main: string;
            types: string;
            exports: Record<string, { types: string; default: string } | string>;
            dependencies?: Record<string, string>;
            peerDependencies?: Record<string, string>;
        };
        assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
        assert.equal(pkg.private, undefined);
        const entry = pkg.exports["."] as { types: string; default: string };
        for (const f of [pkg.main, pkg.types, entry.types, entry.default]) {
            assert.ok(files.includes(path.posix.normalize(f)), `${f} (package.json) is not in the tarball`);
        }
        assert.deepEqual(Object.keys(pkg.peerDependencies ?? {}).sort(), PEERS);
        const deps = Object.keys(pkg.dependencies ?? {});
        assert.deepEqual(
            deps.filter((d) => PEERS.includes(d) || d === "tsx" || d === "yaml"),
            [],
            "SDKs are peers (one copy in the program); tsx and yaml serve only the repository's tools",
        );
    });

    describe("installed in a fresh consumer project", () => {
        let consumer: string;
        /**
         * The processes the checks read, both started at once when the consumer is installed: the
         * type-check, and the consumer program, which builds every example stack of STACKS in turn and
         * then imports LOAD_SCRIPT as an ES module (load.mjs): how a program loads the package. One
         * process loads the SDKs and the package once for both.
         */
        let checks: Record<"typeCheck" | "stacks", Promise<Finished>>;
        let load: Promise<LoadRun>;

        before(() => {
            consumer = createConsumer(path.join(work, "consumer"), tarball);
            fs.writeFileSync(path.join(consumer, "load.mjs"), LOAD_SCRIPT);
            checks = {
                typeCheck: startTypeCheck(consumer),
                stacks: startConsumer(
                    consumer,
                    STACKS.map(([stack]) => stack),
                    "load.mjs",
                ),
            };
            load = checks.stacks.then(loadRun);
            load.catch(() => undefined);
        });

        it("npm installed the package next to the program's own SDKs and its declared dependencies, the SDKs at the versions this repository tests", () => {
            const project = JSON.parse(fs.readFileSync(path.join(consumer, "package.json"), "utf8")) as {
                dependencies: Record<string, string>;
            };
            assert.match(project.dependencies[NAME], /^file:.*\.tgz$/);
            for (const peer of PEERS) assert.equal(project.dependencies[peer], installedVersion(peer));
            const installed = JSON.parse(fs.readFileSync(path.join(consumer, "node_modules", NAME, "package.json"), "utf8")) as {
                version: string;
                dependencies?: Record<string, string>;
            };
            const ours = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
            assert.equal(installed.version, ours.version);
            assert.ok(fs.lstatSync(path.join(consumer, "node_modules", NAME)).isDirectory(), "the package is unpacked, not linked");
            // npm's record of the tree it installed: the package from the tarball, with the dependencies it
            // declares found in place (npm checked them against the package's ranges; offline, it could not
            // have fetched another version).
            const tree = JSON.parse(fs.readFileSync(path.join(consumer, "node_modules", ".package-lock.json"), "utf8")) as {
                packages: Record<string, { resolved?: string; dependencies?: Record<string, string> }>;
            };
            const entry = tree.packages[`node_modules/${NAME}`];
            assert.match(entry?.resolved ?? "", /^file:.*\.tgz$/);
            assert.deepEqual(entry.dependencies, installed.dependencies);
            for (const dep of Object.keys(installed.dependencies ?? {}))
                assert.ok(tree.packages[`node_modules/${dep}`], `npm's tree holds ${dep}`);
            assert.ok("zod" in (installed.dependencies ?? {}), "the package declares zod");
            for (const peer of PEERS)
                assert.ok(fs.lstatSync(path.join(consumer, "node_modules", peer)).isSymbolicLink(), `${peer} is the program's`);
        });

        it("loads with one @pulumi/pulumi: the program's, the package's and @pulumi/aws's resolve to the same file", async () => {
            const r = (await load).oneSdk;
            assert.equal(r.pkg, r.program);
            assert.equal(r.aws, r.program);
            assert.deepEqual(r.loaded, [r.program], "one instance of the SDK in the process");
            assert.ok(r.api.includes("HaService"), `the package exports ${r.api.join(", ")}`);
        });

        it("an ES module program imports the named exports too (Node reads them from the CommonJS build)", async () => {
            const r = (await load).esm;
            assert.deepEqual(r, ["function", "function", "ha-topologies:index:HaService", true], "the same class as a require gets");
        });

        it("Pulumi's plugin runner finds HaService in the package's entry, under the provider name package.json's name gives", async () => {
            const r = (await load).plugin;
            assert.deepEqual(r.components, ["HaService"]);
            assert.equal(r.provider, "ha-topologies");
            assert.equal(r.type, `${r.provider}:index:HaService`, "the component's type token is the provider's");
        });

        it("the built code requires only Node's modules, the SDK peers and its declared dependencies", () => {
            const dir = path.join(consumer, "node_modules", NAME);
            const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
            const allowed = new Set([...PEERS, ...Object.keys(pkg.dependencies)]);
            const bare = new Set<string>();
            for (const f of files.filter((x) => x.endsWith(".js"))) {
                for (const m of fs.readFileSync(path.join(dir, f), "utf8").matchAll(/\brequire\("([^".][^"]*)"\)/g)) bare.add(m[1]);
            }
            const outside = [...bare].filter(
                (m) => !m.startsWith("node:") && !allowed.has(m.startsWith("@") ? m.split("/").slice(0, 2).join("/") : m.split("/")[0]),
            );
            assert.deepEqual(outside, []);
            assert.ok(bare.has("@pulumi/pulumi") && bare.has("zod"), "the scan finds the requires");
        });

        it("a TypeScript program type-checks against the declarations (node16 resolution, `exports` types), and a wrong arg fails", async () => {
            const r = await checks.typeCheck;
            const errors = r.stdout.split("\n").filter((l) => / error TS\d+:/.test(l));
            assert.equal(errors.length, 1, `${r.stdout}\n${r.stderr}`);
            assert.match(errors[0], /^bad\.ts\(3,\d+\): error TS2322: Type '"mesh"' is not assignable to type 'Topology'\.$/);
        });

        it("type-checking a program against the package reads none of @pulumi/aws's declarations (components/aws/outputs.ts)", async () => {
            const read = (await checks.typeCheck).stdout.split("\n").filter((l) => l.startsWith("/"));
            assert.ok(
                read.some((f) => f.endsWith(`/${NAME}/dist/lib.d.ts`)),
                `tsc listed no dist/lib.d.ts among:\n${read.slice(0, 20).join("\n")}`,
            );
            assert.ok(
                read.some((f) => f.includes("/@pulumi/pulumi/")),
                "the package's declarations import @pulumi/pulumi",
            );
            assert.deepEqual(
                read.filter((f) => f.includes("/@pulumi/aws/")),
                [],
            );
        });

        for (const [stack, topology] of STACKS) {
            it(`a plain JavaScript program builds the ${topology} example ${stack} with HaService: the same URNs as stacks/Pulumi.${stack}.yaml through the harness`, async () => {
                const consumed = consumerRun(await checks.stacks, stack);
                assert.deepEqual(
                    consumed.resources.filter((r) => r.error !== undefined),
                    [],
                );
                assert.equal(consumed.sdkFiles.length, 1, `@pulumi/pulumi loaded from ${consumed.sdkFiles.join(", ")}`);
                const expected = engineUrns(await exampleRun(stack));
                const got = engineUrns({
                    stack,
                    project: DEFAULT_PROJECT,
                    resources: consumed.resources.map((r) => ({ ...r, urn: r.urn ?? "" })),
                });
                assert.ok(expected.length > 20, `${stack}: only ${expected.length} URNs`);
                assert.deepEqual(got, expected);
            });
        }
    });
});

describe("npm package: the repository stays a Pulumi program", () => {
    it("Pulumi.yaml's main runs index.ts, the program; without it Pulumi's runner would run package.json's entry, the library", () => {
        const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { main?: string };
        assert.equal(project.main, "index.ts");
        assert.equal(typeof require(path.join(ROOT, project.main)), "function", "index.ts exports the program function");
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
            main: string;
            exports: Record<string, unknown>;
        };
        assert.equal(pkg.main, "dist/lib.js");
        assert.deepEqual(pkg.exports["."], { types: "./dist/lib.d.ts", default: "./dist/lib.js" });
    });
});
