/**
 * Child processes a test starts without waiting for them. Checks that each spawn a process of their
 * own and do not depend on each other (the package's checks in its consumer project, the two `npm run
 * plan` calls) start together and each test awaits its own, so a file's wall time is its longest
 * process, not their sum (docs/development.md, "Test run time").
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";

/**
 * The stdio of a script run against stand-ins: no stdin, output captured. Bash started with a socket as
 * its stdin (Node's default pipe) and a low SHLVL reads ~/.bashrc, which may put other commands before the
 * stand-ins on PATH (on the build machine pyenv's `aws` shim answered instead of the stand-in).
 */
export const NO_STDIN: ["ignore", "pipe", "pipe"] = ["ignore", "pipe", "pipe"];

export interface Finished {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    /** The command line and directory, for messages. */
    readonly what: string;
}

/** Starts `command` in `cwd`; resolves when it has exited and never rejects (the test that awaits it asserts). */
export function startProcess(command: string, args: readonly string[], cwd: string): Promise<Finished> {
    const what = `${command} ${args.join(" ")} (in ${cwd})`;
    return new Promise((resolve) => {
        const child = spawn(command, args, { cwd });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
        child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
        child.on("error", (e) => resolve({ status: null, stdout, stderr: `${stderr}${e.message}`, what }));
        child.on("close", (status) => resolve({ status, stdout, stderr, what }));
    });
}

/** The stdout of a finished process that must have exited with 0. */
export function succeeded(r: Finished): string {
    assert.equal(r.status, 0, `${r.what} failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}
