/**
 * The node script runs for real (bash) in a temporary directory: which steps run on a first run,
 * a repeated run, a changed step, a failed step, and a file changed on the node by someone else.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderNodeScript, shellQuote } from "../components/plan";
import type { NodeConfig } from "../components/profiles";
import { NO_STDIN } from "./processes";

describe("node script (run by bash)", () => {
    let dir: string;
    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "nodescript-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const log = () => join(dir, "log");
    const conf = () => join(dir, "etc", "app.conf");
    /** Commands append their name to the log, so the log says what ran and in which order. */
    const config = (confText: string, ...names: string[]): NodeConfig => ({
        files: [{ path: conf(), mode: "0640", content: confText }],
        commands: names.map((n) => `echo ${n} >> ${shellQuote(log())}`),
    });
    function apply(c: NodeConfig): { status: number | null; ran: string[]; stderr: string } {
        const before = readLog();
        const script = join(dir, "node-config.sh");
        writeFileSync(script, renderNodeScript(c, { node: "node-1", stateDir: dir }));
        const r = spawnSync("bash", [script], { stdio: NO_STDIN, encoding: "utf8" });
        return { status: r.status, ran: readLog().slice(before.length), stderr: r.stderr };
    }
    function readLog(): string[] {
        try {
            return readFileSync(log(), "utf8").split("\n").filter(Boolean);
        } catch {
            return [];
        }
    }

    it("writes the files with their mode and runs every command on the first run", () => {
        const r = apply(config("a = 1\n", "setup", "start"));
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.ran, ["setup", "start"]);
        assert.equal(readFileSync(conf(), "utf8"), "a = 1\n");
        assert.equal(statSync(conf()).mode & 0o777, 0o640);
    });

    it("runs nothing again when nothing changed", () => {
        apply(config("a = 1\n", "setup", "start"));
        assert.deepEqual(apply(config("a = 1\n", "setup", "start")).ran, []);
    });

    it("runs from the first changed command on, and only what was added at the end", () => {
        apply(config("a = 1\n", "setup-10.0.0.1", "start"));
        assert.deepEqual(apply(config("a = 1\n", "setup-10.0.0.2", "start")).ran, ["setup-10.0.0.2", "start"]);
        assert.deepEqual(apply(config("a = 1\n", "setup-10.0.0.2", "start", "remove-c")).ran, ["remove-c"]);
    });

    it("runs every command after a changed file, and rewrites the file", () => {
        apply(config("a = 1\n", "init", "apply"));
        assert.deepEqual(apply(config("a = 2\n", "init", "apply")).ran, ["init", "apply"]);
        assert.equal(readFileSync(conf(), "utf8"), "a = 2\n");
    });

    it("records nothing when a step fails, so the next run retries from the same step", () => {
        apply(config("a = 1\n", "setup"));
        const joined = config("a = 1\n", "setup", "join");
        const r = apply({ ...joined, commands: [...joined.commands, "false"] });
        assert.notEqual(r.status, 0);
        assert.deepEqual(r.ran, ["join"]);
        assert.deepEqual(apply(config("a = 1\n", "setup", "join")).ran, ["join"], "join ran again: the failed run was not recorded");
    });

    it("leaves a file alone that changed on the node while its rendered content did not", () => {
        apply(config("a = 1\n", "apply"));
        writeFileSync(conf(), "a = 1\nuuid = added-by-the-service\n");
        assert.deepEqual(apply(config("a = 1\n", "apply")).ran, []);
        assert.equal(readFileSync(conf(), "utf8"), "a = 1\nuuid = added-by-the-service\n");
    });

    it("writes a missing file again even when nothing changed", () => {
        apply(config("a = 1\n", "apply"));
        rmSync(conf());
        assert.deepEqual(apply(config("a = 1\n", "apply")).ran, []);
        assert.equal(readFileSync(conf(), "utf8"), "a = 1\n");
    });

    it("creates a missing directory, and leaves an existing directory's mode alone", () => {
        const file = (path: string) => ({ files: [{ path, mode: "0644", content: "x\n" }], commands: [] });
        assert.equal(apply(file(join(dir, "new", "sub", "f"))).status, 0);
        assert.equal(statSync(join(dir, "new", "sub")).mode & 0o777, 0o755);
        chmodSync(join(dir, "new", "sub"), 0o700);
        assert.equal(apply(file(join(dir, "new", "sub", "g"))).status, 0);
        assert.equal(statSync(join(dir, "new", "sub")).mode & 0o777, 0o700);
    });

    it("keeps any text intact: quotes, dollars and backslashes in files and commands", () => {
        const text = "it's $HOME and `date` and \\n\n";
        const r = apply({
            files: [{ path: conf(), mode: "0644", content: text }],
            commands: [`printf '%s\\n' "it's" >> ${shellQuote(log())}`],
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(readFileSync(conf(), "utf8"), text);
        assert.deepEqual(r.ran, ["it's"]);
    });

    it("refuses configs it cannot embed safely", () => {
        const ctx = { node: "n", stateDir: "/etc/ha-service" };
        const file = { path: "/etc/x", mode: "0644", content: "x\n" };
        assert.throws(() => renderNodeScript({ files: [{ ...file, path: "etc/x" }], commands: [] }, ctx), /absolute path/);
        assert.throws(() => renderNodeScript({ files: [{ ...file, mode: "644" }], commands: [] }, ctx), /octal/);
        assert.throws(() => renderNodeScript({ files: [{ ...file, content: "x" }], commands: [] }, ctx), /newline/);
        assert.throws(() => renderNodeScript({ files: [{ ...file, content: "HA_SERVICE_EOF\n" }], commands: [] }, ctx), /HA_SERVICE_EOF/);
        assert.throws(() => renderNodeScript({ files: [], commands: ["a\nb"] }, ctx), /one non-empty line/);
    });
});
