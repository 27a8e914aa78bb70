/**
 * A stand-in world's directory saved once and put back for each test. The tests that run rendered
 * node scripts against stand-ins (test/cloudify-cluster.test.ts, test/ghes-ha-appliance.test.ts)
 * bootstrap the same stack in several tests; the file bootstraps it once (asserting what each
 * bootstrap asserted) and each of those tests starts from a copy, byte for byte the state its own
 * bootstrap would leave. The copy goes back to the same path, so the absolute paths the state holds
 * stay true. In-run only: the copies are temporary directories the suite removes.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Copies the content of `from` into `to` with `cp -a` (modes kept: state directories are 0700, secrets 0600). */
function copyTree(from: string, to: string): void {
    const r = spawnSync("cp", ["-a", `${from}/.`, to], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`cp -a ${from}/. ${to}: ${r.stderr}`);
}

/** A copy of `dir` as it is now, in a new temporary directory (its path). */
export function saveDir(dir: string): string {
    const saved = mkdtempSync(join(tmpdir(), "standin-saved-"));
    copyTree(dir, saved);
    return saved;
}

/** Makes `dir` hold exactly what `saved` holds (nothing else). */
export function restoreDir(saved: string, dir: string): void {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    copyTree(saved, dir);
}
