/**
 * Preloaded by `pulumi up` (Pulumi.yaml: `nodeargs: "--import tsx --import ./tools/sourcemaps-preload.ts"`),
 * after tsx: loads the program's modules while tsx has source maps on (so Node keeps their maps),
 * then turns source-map translation off for the run (see tools/sourcemaps.ts for why), and on again
 * when an error is about to be printed, so the message still names the TypeScript line. It also
 * drops the stack trace the SDK stores on each of its promises, which only its leak report reads
 * and only with `PULUMI_DEBUG_PROMISE_LEAKS` set (tools/promisestacks.ts): most of the program's CPU
 * time otherwise.
 *
 * If the program fails to load, nothing is changed: Pulumi's runner loads it again and reports the
 * failure with maps on.
 */
// First: the compile cache must be on before the program loads the SDKs.
import "./compilecache";
import * as path from "node:path";
import { dropPromiseStacksIfSupported } from "./promisestacks";
import { setSourceMaps } from "./sourcemaps";

/** The program Pulumi runs (Pulumi.yaml `main`; package.json `main` is the package API, lib.ts built to dist/lib.js). */
export const PROGRAM = path.join(__dirname, "..", "index.ts");

/**
 * Turns maps on again before any handler prints an uncaught error. `uncaughtExceptionMonitor` runs
 * before the `uncaughtException` handlers without changing what they do. For rejections there is no
 * monitor event: the listener only turns maps on, and when it is the only listener (no runner has
 * installed its own) it rethrows, so the process still fails as it would without it.
 */
export function installErrorHook(): void {
    process.on("uncaughtExceptionMonitor", () => setSourceMaps(true));
    const onRejection = (reason: unknown) => {
        setSourceMaps(true);
        if (process.listenerCount("unhandledRejection") === 1) throw reason;
    };
    process.prependListener("unhandledRejection", onRejection);
}

/** Loads the program, turns maps off and drops the SDK's promise traces; returns false (changing nothing) when it does not load. */
export function preload(program: string = PROGRAM): boolean {
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require(program);
    } catch {
        return false;
    }
    installErrorHook();
    setSourceMaps(false);
    dropPromiseStacksIfSupported();
    return true;
}

preload();
