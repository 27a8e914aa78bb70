/**
 * The package build's stamp (docs/development.md, "Test run time"): `npm run build` writes, outside
 * dist/, a hash of every input of the build and a hash of the dist/ files it produced. The package
 * test (test/package.test.ts) packs the dist/ that is there only when both hashes still match (the
 * inputs now, dist/ now), and builds first otherwise: in CI `npm ci` has just built dist/ through the
 * `prepare` script, and a second build of the same sources (tsc parsing @pulumi/aws's declarations,
 * about 9 CPU s) proved nothing. The release workflow's `npm pack` still builds through `prepare`.
 *
 *   tsx tools/buildstamp.ts clean   removes dist/ and the stamp (the build's first step)
 *   tsx tools/buildstamp.ts write   writes the stamp of the sources and dist/ as they are (its last step)
 *   tsx tools/buildstamp.ts check   exit 0 when dist/ is the build of the current sources, else 1 and why
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Where the stamp lives, relative to the repository: outside dist/, so that packing never ships it. */
export const STAMP_FILE = path.join("node_modules", ".cache", "ha-topologies", "build.json");

/**
 * The build's inputs besides the sources tsconfig.build.json includes (lib.ts and everything under
 * components/): the compiler options, the dependencies' versions and the compiler's own version.
 */
const INPUT_FILES = [
    "lib.ts",
    "tsconfig.json",
    "tsconfig.build.json",
    "package.json",
    "package-lock.json",
    "node_modules/typescript/package.json",
];
const INPUT_DIRS = ["components"];
const DIST = "dist";

export interface BuildStamp {
    /** sha256 of every build input's path and content. */
    readonly inputs: string;
    /** sha256 of every file's path and content under dist/. */
    readonly dist: string;
}

/** Every file under `dir` (relative to `root`, with forward slashes, sorted); none when it does not exist. */
function filesUnder(root: string, dir: string): string[] {
    const abs = path.join(root, dir);
    if (!fs.existsSync(abs)) return [];
    return fs
        .readdirSync(abs, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
        .sort();
}

/** Of `files` those that exist, and every file under `dirs`, relative to `root`, sorted. */
export function existingFiles(root: string, files: readonly string[], dirs: readonly string[]): string[] {
    return [...files.filter((f) => fs.existsSync(path.join(root, f))), ...dirs.flatMap((d) => filesUnder(root, d))].sort();
}

/** The build's input files that exist, relative to `root`, sorted. */
export function buildInputs(root: string): string[] {
    return existingFiles(root, INPUT_FILES, INPUT_DIRS);
}

/** sha256 of the files' paths and contents (a rename, an added or a removed file change it too). */
export function hashFiles(root: string, files: readonly string[]): string {
    const h = createHash("sha256");
    for (const f of files) {
        h.update(`${f}\0`);
        h.update(fs.readFileSync(path.join(root, f)));
        h.update("\0");
    }
    return h.digest("hex");
}

/** The stamp of the sources and dist/ as they are now. */
export function currentStamp(root: string): BuildStamp {
    return { inputs: hashFiles(root, buildInputs(root)), dist: hashFiles(root, filesUnder(root, DIST)) };
}

export function writeStamp(root: string): BuildStamp {
    const stamp = currentStamp(root);
    const file = path.join(root, STAMP_FILE);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(stamp, null, 2)}\n`);
    return stamp;
}

/** Removes dist/ and the stamp: a build that fails half-way leaves no stamp behind. */
export function clean(root: string): void {
    fs.rmSync(path.join(root, STAMP_FILE), { force: true });
    fs.rmSync(path.join(root, DIST), { recursive: true, force: true });
}

/** Why dist/ is not the build of the current sources (so it must be built), or undefined when it is. */
export function staleReason(root: string): string | undefined {
    let saved: BuildStamp;
    try {
        saved = JSON.parse(fs.readFileSync(path.join(root, STAMP_FILE), "utf8")) as BuildStamp;
    } catch {
        return `no build stamp (${STAMP_FILE}): dist/ was not built by \`npm run build\``;
    }
    if (hashFiles(root, buildInputs(root)) !== saved.inputs) return "the build's inputs changed since the last build";
    const dist = filesUnder(root, DIST);
    if (dist.length === 0) return "dist/ is missing";
    if (hashFiles(root, dist) !== saved.dist) return "dist/ changed since the last build";
    return undefined;
}

/**
 * Runs `build` when dist/ is not the build of the current sources; throws when dist/ is still not
 * stamped as such afterwards. Returns why it built, or undefined when dist/ was reused.
 */
export function ensureBuilt(root: string, build: () => void): string | undefined {
    const reason = staleReason(root);
    if (reason === undefined) return undefined;
    build();
    const after = staleReason(root);
    if (after !== undefined) throw new Error(`built because ${reason}, but afterwards ${after}`);
    return reason;
}

function main(argv: readonly string[]): number {
    const root = path.join(__dirname, "..");
    switch (argv[0]) {
        case "clean":
            clean(root);
            return 0;
        case "write":
            writeStamp(root);
            return 0;
        case "check": {
            const reason = staleReason(root);
            process.stdout.write(reason === undefined ? "dist/ is the build of the current sources\n" : `${reason}\n`);
            return reason === undefined ? 0 : 1;
        }
        default:
            process.stderr.write("usage: tsx tools/buildstamp.ts clean|write|check\n");
            return 2;
    }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
