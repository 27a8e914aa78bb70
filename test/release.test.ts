/**
 * Releases (issue 14, point 4): CHANGELOG.md's latest release is package.json's version, and the
 * release workflow's check (tools/release.ts) refuses a tag, a version or a changelog that disagree.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    changelogProblems,
    changelogSections,
    main,
    releaseNotes,
    releaseProblems,
    releases,
    repositoryProblems,
    repositoryUrl,
    SEMVER,
} from "../tools/release";

const ROOT = path.join(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
const changelog = fs.readFileSync(path.join(ROOT, "CHANGELOG.md"), "utf8");

const sample = (...sections: string[]) => ["# Changelog", "", ...sections].join("\n");
const GOOD = sample(
    "## [Unreleased]",
    "",
    "## [1.1.0] - 2026-12-01",
    "",
    "### Added",
    "",
    "- b",
    "",
    "## [1.0.0] - 2026-11-01",
    "",
    "- a",
    "",
);

describe("release: CHANGELOG.md and package.json", () => {
    it("the latest released version in CHANGELOG.md is package.json's version, a semantic version", () => {
        assert.match(pkg.version, SEMVER);
        assert.equal(releases(changelog)[0]?.name, pkg.version);
    });

    it("keeps an Unreleased section on top, and every release has a semver name and a date, newest first", () => {
        assert.deepEqual(changelogProblems(changelog), []);
        assert.equal(changelogSections(changelog)[0].name, "Unreleased");
    });

    it("the released version's section has upgrade notes and is the release notes", () => {
        const notes = releaseNotes(changelog, pkg.version);
        assert.match(notes, /^### Upgrade notes$/m);
        assert.match(notes, /^### Added$/m);
        assert.doesNotMatch(notes, /^## /m, "only this version's section");
    });

    it("the tag v<version> of this tree is releasable", () => {
        assert.deepEqual(releaseProblems(`v${pkg.version}`, pkg.version, changelog), []);
    });

    it("package.json is publishable: not private, and its license file is in the repository", () => {
        const json = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as Record<string, unknown>;
        assert.equal(json.private, undefined);
        assert.equal(json.license, "Apache-2.0");
        const license = fs.readFileSync(path.join(ROOT, "LICENSE"), "utf8");
        assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
        assert.match(license, /END OF TERMS AND CONDITIONS/);
    });
});

describe("release: the tag check (tools/release.ts)", () => {
    it("accepts a tag that matches package.json and the latest release", () => {
        assert.deepEqual(releaseProblems("v1.1.0", "1.1.0", GOOD), []);
        assert.equal(releaseNotes(GOOD, "1.1.0"), "### Added\n\n- b\n");
    });

    it("refuses a tag that is not v + package.json's version, naming both", () => {
        assert.deepEqual(releaseProblems("v1.2.0", "1.1.0", GOOD), [
            `tag "v1.2.0" does not match package.json's version "1.1.0": tag v1.1.0, or set the version to the tag's`,
        ]);
        assert.equal(releaseProblems("1.1.0", "1.1.0", GOOD).length, 1, "the tag needs the v");
    });

    it("refuses a version the changelog has not released yet (entries left under Unreleased)", () => {
        const problems = releaseProblems("v1.2.0", "1.2.0", GOOD);
        assert.deepEqual(problems, [
            'CHANGELOG.md: the latest release is "1.1.0", not package.json\'s "1.2.0": move the Unreleased entries to "## [1.2.0] - YYYY-MM-DD"',
        ]);
    });

    it("refuses a version that is not semver, a release without a date, an empty section, a missing Unreleased and a wrong order", () => {
        assert.match(releaseProblems("v1.1", "1.1", GOOD)[0], /version "1\.1" is not a semantic version/);
        const bad = sample("## [1.0.0]", "", "- a", "", "## [0.9.0] - 2026-12-02", "", "- z", "", "## [one] - 2026-01-01", "");
        assert.deepEqual(changelogProblems(bad), [
            'CHANGELOG.md: the first section must be "## [Unreleased]" (keep it, empty, above the releases)',
            'CHANGELOG.md:3: release 1.0.0 needs a date: "## [1.0.0] - YYYY-MM-DD"',
            'CHANGELOG.md:11: "one" is not a semantic version (x.y.z)',
        ]);
        assert.deepEqual(
            changelogProblems(
                sample("## [Unreleased]", "## [1.0.0]", "- a", "## [0.9.0] - 2026-12-02", "- z", "## [0.8.0] - 2026-12-03", "- y"),
            ),
            [
                'CHANGELOG.md:4: release 1.0.0 needs a date: "## [1.0.0] - YYYY-MM-DD"',
                "CHANGELOG.md:8: release 0.8.0 is dated after 0.9.0 above it (newest first)",
            ],
        );
        assert.deepEqual(releaseProblems("v1.0.0", "1.0.0", sample("## [Unreleased]", "## [1.0.0] - 2026-12-01", "")), [
            "CHANGELOG.md: the section of 1.0.0 is empty; its text is the release notes",
        ]);
    });

    it("requires package.json's repository.url to be the repository the workflow runs in (npm provenance), in any form npm accepts", () => {
        for (const field of [
            { type: "git", url: "git+https://github.com/acme/ha.git" },
            { url: "https://github.com/acme/ha" },
            "github:acme/ha",
            "acme/ha",
            { url: "git://github.com/acme/ha.git" },
        ]) {
            assert.equal(repositoryUrl(field), "https://github.com/acme/ha", JSON.stringify(field));
            assert.deepEqual(repositoryProblems(field, "acme/ha"), []);
        }
        assert.deepEqual(repositoryProblems({ url: "git+https://github.com/acme/ha.git" }, "Acme/HA"), [], "GitHub names ignore case");
        assert.deepEqual(repositoryProblems(undefined, "acme/ha"), [
            'package.json: repository.url is missing, not this repository (https://github.com/acme/ha): npm rejects the provenance of such a publish; set "repository": { "type": "git", "url": "git+https://github.com/acme/ha.git" }',
        ]);
        assert.match(
            repositoryProblems("github:acme/old", "acme/ha")[0],
            /^package.json: repository.url is "https:\/\/github.com\/acme\/old", not this repository/,
        );
    });

    it("as a command: `check <tag>` exits 1 with the problems on stderr, `notes <version>` prints the section", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
        try {
            fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ version: "1.1.0" }));
            fs.writeFileSync(path.join(dir, "CHANGELOG.md"), GOOD);
            let out = "";
            let err = "";
            const io = { stdout: (s: string) => (out += s), stderr: (s: string) => (err += s) };
            assert.equal(await main(["check", "v1.1.0"], io, dir), 0);
            assert.equal(out, "v1.1.0: releasable (package.json 1.1.0, CHANGELOG.md 1.1.0)\n");
            assert.equal(await main(["check", "v9.9.9"], io, dir), 1);
            assert.match(err, /^tag "v9\.9\.9" does not match package.json's version "1\.1\.0"/);
            err = "";
            assert.equal(await main(["check", "v1.1.0", "--repository", "acme/ha"], io, dir), 1, "no repository in package.json");
            assert.match(err, /^package.json: repository.url is missing/);
            fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ version: "1.1.0", repository: "github:acme/ha" }));
            assert.equal(await main(["check", "v1.1.0", "--repository", "acme/ha"], io, dir), 0);
            out = "";
            assert.equal(await main(["notes", "1.0.0"], io, dir), 0);
            assert.equal(out, "- a\n");
            await assert.rejects(main(["notes", "2.0.0"], io, dir), /CHANGELOG\.md has no section "## \[2\.0\.0\] - YYYY-MM-DD"/);
            assert.equal(await main([], io, dir), 2);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
