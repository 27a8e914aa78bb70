/**
 * The node script runs for real (bash) in a temporary directory: which steps run on a first run,
 * a repeated run, a changed step, a failed step (retried, or its config reverted), and a file changed
 * on the node by someone else.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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
    /** Runs `c`'s script, or `rendered` (a script another version of this package rendered). */
    function apply(c: NodeConfig, rendered?: string): { status: number | null; ran: string[]; stderr: string } {
        const before = readLog();
        const script = join(dir, "node-config.sh");
        writeFileSync(script, rendered ?? renderNodeScript(c, { node: "node-1", stateDir: dir }));
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

    it("after an upgrade from 0.2.0, runs nothing again for the same config: the step record is read as it wrote it", () => {
        const released = JSON.parse(readFileSync(join(__dirname, "fixtures", "upgrade", "nodescript-0.2.0.json"), "utf8")) as {
            dir: string;
            script: string;
        };
        const old = apply(config("a = 1\n", "setup", "start"), released.script.replaceAll(released.dir, dir));
        assert.equal(old.status, 0, old.stderr);
        assert.deepEqual(old.ran, ["setup", "start"]);
        assert.deepEqual(apply(config("a = 1\n", "setup", "start")).ran, []);
        // And a change after the upgrade runs from the changed step, as before.
        assert.deepEqual(apply(config("a = 1\n", "setup", "start", "more")).ran, ["more"]);
    });

    it("writes any file byte for byte and records the content's SHA-256 as its step ID (as 0.2.0 did, from a temporary file)", () => {
        for (const text of ["  leading and trailing spaces\t \n\\n \\ $HOME `x` 'q' \"d\"\r\n\n\n", "\n"]) {
            const r = apply(config(text, "setup"));
            assert.equal(r.status, 0, r.stderr);
            assert.equal(readFileSync(conf(), "utf8"), text);
            const digest = createHash("sha256").update(text).digest("hex");
            assert.ok(readFileSync(join(dir, "applied-steps"), "utf8").split("\n").includes(`file ${conf()} 0640 ${digest}`));
            assert.deepEqual(apply(config(text, "setup")).ran, [], "the same content is the same step");
        }
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

    /** A command that logs `name` and then fails unless `flag` exists in the test's directory ("." always does). */
    const failing = (name: string, flag = "never") => `echo ${name} >> ${shellQuote(log())}; test -e ${shellQuote(join(dir, flag))}`;
    const record = () => readFileSync(join(dir, "applied-steps"), "utf8");
    /** Runs `c` with a last command `name` that fails; returns what ran. */
    function failedRun(c: NodeConfig, name: string): string[] {
        const r = apply({ ...c, commands: [...c.commands, failing(name)] });
        assert.notEqual(r.status, 0);
        return r.ran;
    }
    /** Applies `c`, which must succeed and leave nothing to a repeated run; returns what ran. */
    function settled(c: NodeConfig): string[] {
        const r = apply(c);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(apply(c).ran, [], "a repeated run runs nothing");
        return r.ran;
    }

    it("retries a failed run from the first step it changed, whichever step failed", () => {
        apply(config("a = 1\n", "setup"));
        const joined = config("a = 1\n", "setup", "join");
        assert.deepEqual(failedRun(joined, "check"), ["join", "check"]);
        assert.deepEqual(settled(joined), ["join"], "join ran again: the failed run was not recorded as applied");
    });

    it("going back after a run that changed the file and failed rewrites the file and re-runs the commands after it", () => {
        const a = config("a = 1\n", "init", "apply");
        apply(a);
        assert.deepEqual(failedRun(config("a = 2\n", "init"), "apply-b"), ["init", "apply-b"]);
        assert.equal(readFileSync(conf(), "utf8"), "a = 2\n");
        assert.deepEqual(settled(a), ["init", "apply"]);
        assert.equal(readFileSync(conf(), "utf8"), "a = 1\n");
    });

    it("going back after a run that changed a command and failed later re-runs the previous steps from that command", () => {
        const a = config("a = 1\n", "setup", "join-10.0.0.1", "start");
        apply(a);
        const b = config("a = 1\n", "setup", "leave", "join-10.0.0.2");
        assert.deepEqual(failedRun(b, "start"), ["leave", "join-10.0.0.2", "start"]);
        // The steps before the changed command matched: the file is not rewritten over the service's change.
        writeFileSync(conf(), "a = 1\nuuid = added-by-the-service\n");
        assert.deepEqual(settled(a), ["join-10.0.0.1", "start"]);
        assert.equal(readFileSync(conf(), "utf8"), "a = 1\nuuid = added-by-the-service\n");
    });

    it("treats a run killed by SIGKILL (the SSM agent's timeout) like a failed one: going back re-runs its changed steps", () => {
        const a = config("a = 1\n", "setup", "join-10.0.0.1");
        apply(a);
        const r = apply({ files: a.files, commands: [a.commands[0], `echo leave >> ${shellQuote(log())}; kill -KILL $$`] });
        assert.equal(r.status, null, "killed by a signal");
        assert.deepEqual(r.ran, ["leave"]);
        assert.deepEqual(apply(a).ran, ["join-10.0.0.1"]);
    });

    it("leaves the record as it was when a run fails before any step differs", () => {
        const a = config("a = 1\n", "setup", "start");
        apply(a);
        const before = record();
        // The file is missing and cannot be written again (its directory is a file now): the unchanged step fails.
        rmSync(join(dir, "etc"), { recursive: true });
        writeFileSync(join(dir, "etc"), "");
        const r = apply(a);
        assert.notEqual(r.status, 0);
        assert.deepEqual(r.ran, []);
        assert.equal(record(), before);
        rmSync(join(dir, "etc"));
        const again = apply(a);
        assert.equal(again.status, 0, again.stderr);
        assert.deepEqual(again.ran, [], "nothing runs again: every step still matches the record");
        assert.equal(readFileSync(conf(), "utf8"), "a = 1\n");
    });

    it("after a failure at the very first step, runs everything from the start, the previous config too", () => {
        const steps = (first: string, flag?: string): NodeConfig => ({
            files: [],
            commands: [failing(first, flag), `echo start >> ${shellQuote(log())}`],
        });
        apply(steps("setup-a", "."));
        const r = apply(steps("setup-b"));
        assert.notEqual(r.status, 0);
        assert.deepEqual(r.ran, ["setup-b"]);
        assert.ok(!existsSync(join(dir, "applied-steps")), "no step before the first one: no record, as on a first run");
        assert.deepEqual(settled(steps("setup-a", ".")), ["setup-a", "start"], "going back runs the first step again");
        assert.notEqual(apply(steps("setup-b", "joined")).status, 0);
        writeFileSync(join(dir, "joined"), "");
        assert.deepEqual(settled(steps("setup-b", "joined")), ["setup-b", "start"]);
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
