/**
 * Release checks, used by the tag-driven release workflow (.github/workflows/release.yml) and the
 * tests: the pushed tag is `v` + package.json's version, that version is semver and is the latest
 * released section of CHANGELOG.md (Keep a Changelog: `## [Unreleased]` on top, then
 * `## [x.y.z] - YYYY-MM-DD` per release), and that section's text becomes the GitHub release notes.
 *
 *   tsx tools/release.ts check <tag> [--repository <owner/name>]
 *                                         exit 1, naming each problem, when the tag cannot be released
 *                                         (with --repository, also when package.json's repository.url is
 *                                         not that GitHub repository: npm's provenance check needs it)
 *   tsx tools/release.ts notes <version>  print the CHANGELOG section of <version>
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { runMain } from "./cli";

const ROOT = path.join(__dirname, "..");

/** Semantic Versioning 2.0.0, the regular expression semver.org suggests (numbered, prerelease, build). */
export const SEMVER =
    /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** A second-level heading of the changelog: `## [Unreleased]` or `## [1.2.3] - 2026-12-01`. */
const HEADING = /^## \[([^\]]+)\](?: - (\S+))?\s*$/;

export interface ChangelogSection {
    /** `Unreleased` or the version. */
    readonly name: string;
    /** The release date (YYYY-MM-DD); undefined for Unreleased or when missing. */
    readonly date?: string;
    /** 1-based line of the heading. */
    readonly line: number;
    /** The section's text below its heading, trimmed. */
    readonly body: string;
}

/** The `## [...]` sections of a Keep a Changelog file, in file order. */
export function changelogSections(text: string): ChangelogSection[] {
    const lines = text.split("\n");
    const starts = lines.flatMap((l, i) => (HEADING.test(l) ? [i] : []));
    return starts.map((start, k) => {
        const m = HEADING.exec(lines[start])!;
        const end = k + 1 < starts.length ? starts[k + 1] : lines.length;
        const body = lines
            .slice(start + 1, end)
            .filter((l) => !/^\[[^\]]+\]: \S+$/.test(l)) // link reference definitions
            .join("\n")
            .trim();
        return { name: m[1], date: m[2], line: start + 1, body };
    });
}

/** The released sections (everything but Unreleased), newest first as the file lists them. */
export function releases(text: string): ChangelogSection[] {
    return changelogSections(text).filter((s) => s.name !== "Unreleased");
}

/** The problems of the changelog's structure: Unreleased on top, each release a semver with a date, newest first. */
export function changelogProblems(text: string): string[] {
    const sections = changelogSections(text);
    const problems: string[] = [];
    if (sections[0]?.name !== "Unreleased") {
        problems.push('CHANGELOG.md: the first section must be "## [Unreleased]" (keep it, empty, above the releases)');
    }
    for (const [i, s] of sections.entries()) {
        if (s.name === "Unreleased") {
            if (i > 0) problems.push(`CHANGELOG.md:${s.line}: a second "Unreleased" section`);
            continue;
        }
        if (!SEMVER.test(s.name)) problems.push(`CHANGELOG.md:${s.line}: "${s.name}" is not a semantic version (x.y.z)`);
        if (!(s.date !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(s.date) && !isNaN(Date.parse(s.date)))) {
            problems.push(`CHANGELOG.md:${s.line}: release ${s.name} needs a date: "## [${s.name}] - YYYY-MM-DD"`);
        }
    }
    const dated = releases(text).filter((s) => s.date !== undefined);
    for (let i = 1; i < dated.length; i++) {
        if (dated[i].date! > dated[i - 1].date!) {
            problems.push(
                `CHANGELOG.md:${dated[i].line}: release ${dated[i].name} is dated after ${dated[i - 1].name} above it (newest first)`,
            );
        }
    }
    return problems;
}

/**
 * Why `tag` cannot be released from a tree whose package.json says `version` and whose changelog is
 * `changelog`; empty when it can.
 */
export function releaseProblems(tag: string, version: string, changelog: string): string[] {
    const problems: string[] = [];
    if (!SEMVER.test(version)) problems.push(`package.json: version "${version}" is not a semantic version (x.y.z)`);
    if (tag !== `v${version}`) {
        problems.push(`tag "${tag}" does not match package.json's version "${version}": tag v${version}, or set the version to the tag's`);
    }
    problems.push(...changelogProblems(changelog));
    const latest = releases(changelog)[0];
    if (latest?.name !== version) {
        problems.push(
            `CHANGELOG.md: the latest release is ${latest ? `"${latest.name}"` : "missing"}, not package.json's "${version}": ` +
                `move the Unreleased entries to "## [${version}] - YYYY-MM-DD"`,
        );
    } else if (latest.body === "") {
        problems.push(`CHANGELOG.md: the section of ${version} is empty; its text is the release notes`);
    }
    return problems;
}

/** package.json's `repository` field: an object with a url, or npm's shorthand string. */
export type RepositoryField = string | { type?: string; url?: string } | undefined;

/** `https://github.com/owner/name` for the URL forms npm accepts (git+https, .git, github:, owner/name). */
export function repositoryUrl(field: RepositoryField): string | undefined {
    const raw = typeof field === "string" ? field : field?.url;
    if (raw === undefined || raw === "") return undefined;
    const shorthand = /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(raw);
    if (shorthand) return `https://github.com/${shorthand[1].replace(/\.git$/, "")}`;
    return raw
        .replace(/^git\+/, "")
        .replace(/^git:\/\//, "https://")
        .replace(/\.git$/, "")
        .replace(/\/$/, "");
}

/**
 * npm's provenance check (`npm publish --provenance`) rejects the upload (E422) unless package.json's
 * `repository.url` is the GitHub repository the workflow ran in; checked before the tests run.
 */
export function repositoryProblems(field: RepositoryField, githubRepository: string): string[] {
    const want = `https://github.com/${githubRepository}`;
    const got = repositoryUrl(field);
    if (got?.toLowerCase() === want.toLowerCase()) return [];
    return [
        `package.json: repository.url is ${got === undefined ? "missing" : `"${got}"`}, not this repository (${want}): ` +
            `npm rejects the provenance of such a publish; set "repository": { "type": "git", "url": "git+${want}.git" }`,
    ];
}

/** The text of the changelog section of `version` (the GitHub release notes). */
export function releaseNotes(changelog: string, version: string): string {
    const section = releases(changelog).find((s) => s.name === version);
    if (!section) throw new Error(`CHANGELOG.md has no section "## [${version}] - YYYY-MM-DD"`);
    return `${section.body}\n`;
}

function readRepo(root: string): { version: string; repository: RepositoryField; changelog: string } {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string; repository?: RepositoryField };
    return { version: pkg.version, repository: pkg.repository, changelog: fs.readFileSync(path.join(root, "CHANGELOG.md"), "utf8") };
}

export async function main(
    argv: readonly string[],
    io: { stdout(s: string): void; stderr(s: string): void } = {
        stdout: (s) => process.stdout.write(s),
        stderr: (s) => process.stderr.write(s),
    },
    root = ROOT,
): Promise<number> {
    const { positionals, values } = parseArgs({ args: [...argv], allowPositionals: true, options: { repository: { type: "string" } } });
    const [command, arg] = positionals;
    const { version, repository, changelog } = readRepo(root);
    if (command === "check" && arg !== undefined) {
        const problems = [
            ...releaseProblems(arg, version, changelog),
            ...(values.repository === undefined ? [] : repositoryProblems(repository, values.repository)),
        ];
        for (const p of problems) io.stderr(`${p}\n`);
        if (problems.length === 0) io.stdout(`${arg}: releasable (package.json ${version}, CHANGELOG.md ${version})\n`);
        return problems.length === 0 ? 0 : 1;
    }
    if (command === "notes" && arg !== undefined) {
        io.stdout(releaseNotes(changelog, arg));
        return 0;
    }
    io.stderr("usage: tsx tools/release.ts check <tag> [--repository <owner/name>] | notes <version>\n");
    return 2;
}

if (require.main === module) runMain((argv) => main(argv));
