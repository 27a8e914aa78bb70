/**
 * README.md and the pages in docs/ are written by hand around generated tables, so their commands,
 * config keys, outputs, paths and stack names drift silently when the code changes. These checks parse
 * them and fail, naming the file and line, when they mention something the code does not have.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { configRows } from "../tools/docs";
import { docFiles } from "../tools/docfiles";
import { listStacks } from "../tools/stackfile";
import { exampleRun } from "./examples";

const root = join(__dirname, "..");
const STACK_DIR = join(root, "stacks");

interface Line {
    /** The Markdown file, relative to the repository root. */
    readonly file: string;
    readonly n: number;
    readonly text: string;
}

const linesOf = (text: string, file = "README.md"): Line[] => text.split("\n").map((t, i) => ({ file, n: i + 1, text: t }));

/** Contents of every inline code span on a line (fenced blocks are handled line by line, so `` ``` `` is skipped). */
function codeSpans(text: string): string[] {
    return [...text.matchAll(/(?<!`)`([^`]+)`(?!`)/g)].map((m) => m[1]);
}

const codeOf = (text: string, inFence: boolean) => (inFence ? text : codeSpans(text).join("\n"));

/** `npm run <script>` and other `npm <command>` mentions that are not a known script or command. */
export function unknownNpmCommands(lines: readonly Line[], scripts: ReadonlySet<string>): string[] {
    const builtins = new Set(["ci", "test", "install", "pack"]);
    const problems: string[] = [];
    let inFence = false;
    for (const { file, n, text } of lines) {
        if (text.trimStart().startsWith("```")) inFence = !inFence;
        for (const m of text.matchAll(/\bnpm\s+run\s+(?:(?:-s|--silent)\s+)?([\w:.-]+)/g)) {
            if (!scripts.has(m[1])) problems.push(`${file}:${n}: \`npm run ${m[1]}\`: no such script in package.json`);
        }
        // Other npm commands only in code: prose says "npm scripts".
        for (const m of codeOf(text, inFence).matchAll(/\bnpm\s+(?!run\b)([a-z][\w-]*)/g)) {
            if (!builtins.has(m[1]) && !scripts.has(m[1]))
                problems.push(`${file}:${n}: \`npm ${m[1]}\`: not a command this README should use`);
        }
    }
    return problems;
}

/** Matchers for every documented key path: `<name>` (map entries) and `[]` (list items) stand for any segment. */
function keyMatchers(): { topLevel: Set<string>; matches: (path: string) => boolean } {
    const rows = configRows();
    const topLevel = new Set(rows.filter((r) => !/[.[]/.test(r.key)).map((r) => r.key));
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const patterns = rows.flatMap((r) => {
        const body = r.key
            .split(".")
            .map((seg) => (seg === "<name>" ? "(?:<name>|[\\w-]+)" : esc(seg).replace(/\\\[\\\]/g, "(?:\\[\\d*\\])?")))
            .join("\\.");
        // A map-valued key (`leaders`, `tags`) is written with an entry: `leaders.mysql-server`.
        const entry = r.type === "map" ? [new RegExp(`^${body}\\.(?:<name>|[\\w-]+)$`)] : [];
        return [new RegExp(`^${body}$`), ...entry];
    });
    return { topLevel, matches: (path) => patterns.some((p) => p.test(path)) };
}

/**
 * Config key paths the README names that the schema does not have: every `ha-service:<key>` (in prose,
 * code spans and YAML blocks) and every dotted path in a code span whose first segment is one of
 * the schema's top-level keys (`dns.ttl`, `nodes.<name>.allowReplacement`, `dataVolume.protect: false`).
 */
export function unknownConfigKeys(lines: readonly Line[]): string[] {
    const { topLevel, matches } = keyMatchers();
    const problems: string[] = [];
    const check = (file: string, n: number, path: string, how: string) => {
        if (!matches(path)) problems.push(`${file}:${n}: ${how} is not a config key in components/config/schema.ts`);
    };
    for (const { file, n, text } of lines) {
        for (const m of text.matchAll(/\bha-service:([A-Za-z][\w.<>[\]-]*)/g)) {
            const path = m[1].replace(/\.$/, "");
            check(file, n, path, `\`ha-service:${path}\``);
        }
        for (const span of codeSpans(text)) {
            const m = /^([A-Za-z][\w-]*)((?:\.(?:<name>|[\w-]+)(?:\[\d*\])?)+)(?::\s.*)?$/.exec(span.trim());
            if (m && topLevel.has(m[1])) check(file, n, m[1] + m[2], `\`${span}\``);
        }
    }
    return problems;
}

/** Rows of the table under `heading` whose first cell is a code span: the names with their lines. */
export function tableNames(lines: readonly Line[], heading: string): { file: string; n: number; name: string }[] {
    const start = lines.findIndex((l) => l.text.trim() === heading);
    assert.ok(start >= 0, `neither README.md nor docs/ has a "${heading}" section`);
    const out: { file: string; n: number; name: string }[] = [];
    for (const l of lines.slice(start + 1)) {
        if (/^#{1,6}\s/.test(l.text)) break;
        const m = /^\|\s*`([^`]+)`\s*\|/.exec(l.text);
        if (m) out.push({ file: l.file, n: l.n, name: m[1] });
    }
    return out;
}

const REPO_PATH = /(?<![\w/.~$-])((?:components|tools|test|policy|stacks|\.github|\.ci)\/[\w./<>*-]*)/g;

/** Whether a repo path exists; `<placeholder>` and `*` match any one name, so `test/golden/<stack>.json` needs one file. */
export function repoPathExists(base: string, path: string): boolean {
    const parts = path.replace(/\/$/, "").split("/");
    const walk = (dir: string, rest: readonly string[]): boolean => {
        if (rest.length === 0) return true;
        const [seg, ...tail] = rest;
        if (!/[<*]/.test(seg)) return existsSync(join(dir, seg)) && walk(join(dir, seg), tail);
        const pattern = new RegExp(
            `^${seg
                .split(/(<[^>]+>|\*)/)
                .map((p) => (p.startsWith("<") || p === "*" ? ".+" : p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
                .join("")}$`,
        );
        let entries: string[] = [];
        try {
            entries = readdirSync(dir);
        } catch {
            return false;
        }
        return entries.some((e) => pattern.test(e) && walk(join(dir, e), tail));
    };
    return walk(base, parts);
}

/** Repo paths (linked, in code spans or bare) that do not exist. */
export function missingRepoPaths(lines: readonly Line[], base: string): string[] {
    const problems: string[] = [];
    for (const { file, n, text } of lines) {
        const candidates = [...text.matchAll(REPO_PATH)].map((m) => m[1].replace(/[.,:;)]+$/, ""));
        for (const path of new Set(candidates)) {
            if (!repoPathExists(base, path)) problems.push(`${file}:${n}: ${path} does not exist`);
        }
        for (const m of text.matchAll(/\]\(([^)#\s]+)/g)) {
            // A link is relative to its page (docs/x.md links ../tools/y.ts); a path in prose is relative to the root.
            if (!/^[a-z]+:/.test(m[1]) && !repoPathExists(join(base, dirname(file)), m[1]))
                problems.push(`${file}:${n}: link target ${m[1]} does not exist`);
        }
    }
    return problems;
}

/** Stack names passed to `npm run plan|policy|drift -- <stack>` or `pulumi stack select` that have no stack file. */
export function unknownStacks(lines: readonly Line[], stacks: ReadonlySet<string>): string[] {
    const problems: string[] = [];
    for (const { file, n, text } of lines) {
        for (const m of text.matchAll(/\b(?:npm run (?:plan|policy|drift) --|pulumi stack select) ([a-z][\w-]*)/g)) {
            if (!stacks.has(m[1])) problems.push(`${file}:${n}: stack "${m[1]}" has no stacks/Pulumi.${m[1]}.yaml`);
        }
    }
    return problems;
}

const lines = docFiles(root).flatMap((file) => linesOf(readFileSync(join(root, file), "utf8"), file));
const scripts = new Set(
    Object.keys((JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts),
);
const stacks = new Set(listStacks(STACK_DIR));

describe("README.md and docs/ match the code", () => {
    it("starts with the two commands right after the title", () => {
        const head = lines
            .filter((l) => l.file === "README.md")
            .slice(0, 6)
            .map((l) => l.text);
        assert.match(head[0], /^# \S/, "README.md:1 must be the title");
        assert.equal(head[1], "", "README.md:2 must be blank");
        assert.match(head[2], /^```(sh|bash)$/, "README.md:3 must open a shell block");
        assert.match(head[3], /^npm ci && npm run plan -- dev\b/, "README.md:4 must be `npm ci && npm run plan -- dev`");
        assert.match(head[4], /^npm ci && npm test\b/, "README.md:5 must be `npm ci && npm test`");
        assert.equal(head[5], "```", "README.md:6 must close the shell block");
    });

    it("names only npm scripts that package.json defines", () => {
        const problems = unknownNpmCommands(lines, scripts);
        assert.deepEqual(problems, [], problems.join("\n"));
    });

    it("names only config keys that the schema defines", () => {
        const problems = unknownConfigKeys(lines);
        assert.deepEqual(problems, [], problems.join("\n"));
    });

    it("names only repository paths that exist", () => {
        const problems = missingRepoPaths(lines, root);
        assert.deepEqual(problems, [], problems.join("\n"));
    });

    it("names only example stacks that exist", () => {
        const problems = unknownStacks(lines, stacks);
        assert.deepEqual(problems, [], problems.join("\n"));
    });

    it("lists exactly the stack outputs the program exports for the example stacks", async () => {
        const exported = new Set<string>();
        for (const stack of stacks) {
            const r = await exampleRun(stack);
            for (const key of Object.keys(r.outputs)) exported.add(key);
        }
        const documented = tableNames(lines, "## Outputs");
        const problems = documented
            .filter((d) => !exported.has(d.name))
            .map((d) => `${d.file}:${d.n}: output \`${d.name}\` is not exported by index.ts for any example stack`);
        for (const key of exported) {
            if (!documented.some((d) => d.name === key)) problems.push(`the Outputs table lacks \`${key}\`, which index.ts exports`);
        }
        assert.deepEqual(problems, [], problems.join("\n"));
    });

    // The checks above pass vacuously if their parsers find nothing; these show each one catches drift.
    describe("the checks catch drift", () => {
        const bad = linesOf(
            [
                "run `npm run deploy` or `npm start`, npm scripts",
                "set `ha-service:dns.tll` and `loadBalancer.healthCheck.intervall: 5`, not `relax.everything`",
                "see components/nothing.ts, [the tool](tools/missing.ts) and `test/golden/<nostack>.txt`",
                "npm run plan -- staging",
                "## Outputs",
                "| `endpoint` | ok |",
                "| `secretSauce` | not exported |",
            ].join("\n"),
        );

        it("flags unknown scripts", () => {
            assert.deepEqual(unknownNpmCommands(bad, scripts), [
                "README.md:1: `npm run deploy`: no such script in package.json",
                "README.md:1: `npm start`: not a command this README should use",
            ]);
        });

        it("flags unknown config keys and accepts known ones", () => {
            assert.deepEqual(unknownConfigKeys(bad), [
                "README.md:2: `ha-service:dns.tll` is not a config key in components/config/schema.ts",
                "README.md:2: `loadBalancer.healthCheck.intervall: 5` is not a config key in components/config/schema.ts",
                "README.md:2: `relax.everything` is not a config key in components/config/schema.ts",
            ]);
            const good = linesOf(
                "`dns.ttl`, `nodes.app-a.allowReplacement`, `nodes.<name>.roles`, `leaders.mysql-server`, `network.subnets[].zone`, `cluster.conf`, ha-service:topology",
            );
            assert.deepEqual(unknownConfigKeys(good), []);
        });

        it("flags missing paths and accepts placeholders that match a file", () => {
            assert.deepEqual(missingRepoPaths(bad, root), [
                "README.md:3: components/nothing.ts does not exist",
                "README.md:3: tools/missing.ts does not exist",
                "README.md:3: test/golden/<nostack>.txt does not exist",
                "README.md:3: link target tools/missing.ts does not exist",
            ]);
            assert.ok(repoPathExists(root, "stacks/Pulumi.<stack>.yaml"));
            assert.ok(repoPathExists(root, "components/aws/*.ts"));
            assert.ok(repoPathExists(root, "tools/planview/"));
        });

        it("resolves a link from a page in docs/ against that page's folder, and names the page", () => {
            const page = linesOf("see [the plan tool](../tools/plan.ts) and [nothing](tools/plan.ts)", "docs/reference.md");
            assert.deepEqual(missingRepoPaths(page, root), ["docs/reference.md:1: link target tools/plan.ts does not exist"]);
        });

        it("flags unknown stacks", () => {
            assert.deepEqual(unknownStacks(bad, stacks), ['README.md:4: stack "staging" has no stacks/Pulumi.staging.yaml']);
        });

        it("reads the names of a table", () => {
            assert.deepEqual(tableNames(bad, "## Outputs"), [
                { file: "README.md", n: 6, name: "endpoint" },
                { file: "README.md", n: 7, name: "secretSauce" },
            ]);
        });
    });
});
