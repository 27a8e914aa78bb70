/**
 * The Pulumi SDK's debuggable promises without their stack traces (issue 16, test-run time).
 *
 * The SDK wraps every promise it makes for a resource (four per output property of each resource,
 * one per registration, input, invoke ...) in `debuggablePromise`, which stores `new Error().stack`
 * on it. The trace is read in one place only: the leak report printed when the process exits with
 * promises still pending, and only when `PULUMI_DEBUG_PROMISE_LEAKS` is set
 * (@pulumi/pulumi/runtime/debuggable.js, `leakedPromises`). Capturing and formatting those traces
 * was about two thirds of the CPU time of a program run under the mock harness (30-node cluster:
 * about 1060 ms with them, 300 ms without, same registrations). With `dropPromiseStacks` the
 * promises are still tracked as leak candidates, exactly as before; only the unread trace is empty.
 *
 * Nothing observable is lost: without the variable the SDK's leak report prints no trace (it tells
 * the user to re-run with `PULUMI_DEBUG_PROMISE_LEAKS` set), and with it set nothing is dropped.
 *
 * Used by the test process (test/setup-sdk.ts, loaded by .mocharc.js), the plan tool (`npm run plan`,
 * when run as a command) and `pulumi up` (the preload Pulumi.yaml names, tools/sourcemaps-preload.ts,
 * through `dropPromiseStacksIfSupported`). Not by the program-cost benchmark, which runs the program
 * and its flat baseline with the SDK as it is, so that its ratio is the package's own overhead.
 */

/** The part of @pulumi/pulumi/runtime/debuggable.js this module touches (internal to the SDK). */
interface DebuggableModule {
    debuggablePromise: (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;
    readonly debugPromiseLeaks: boolean;
}

function debuggableModule(): DebuggableModule {
    // The same module instance the SDK's own modules use (one copy of @pulumi/pulumi is installed).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require("@pulumi/pulumi/runtime/debuggable") as DebuggableModule;
    if (typeof mod.debuggablePromise !== "function") {
        throw new Error("@pulumi/pulumi/runtime/debuggable has no debuggablePromise: the SDK changed, revisit tools/promisestacks.ts");
    }
    return mod;
}

/**
 * Makes the SDK's debuggable promises carry an empty stack trace (see above); returns a function
 * that restores the SDK's own. Does nothing when `PULUMI_DEBUG_PROMISE_LEAKS` asks for the traces.
 */
export function dropPromiseStacks(): () => void {
    const mod = debuggableModule();
    if (mod.debugPromiseLeaks) return () => undefined;
    const original = mod.debuggablePromise;
    mod.debuggablePromise = (p, ctx) => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
    return () => {
        mod.debuggablePromise = original;
    };
}

/**
 * `dropPromiseStacks` for `pulumi up`: true when the traces are dropped (or kept because
 * `PULUMI_DEBUG_PROMISE_LEAKS` asks for them); false, changing nothing, when the SDK no longer has
 * the internal this module patches, so a new SDK version costs speed, never a deployment.
 */
export function dropPromiseStacksIfSupported(): boolean {
    try {
        dropPromiseStacks();
        return true;
    } catch {
        return false;
    }
}

/** The stack trace the SDK stored on a debuggable promise (undefined if it is not one). */
export function promiseStack(p: Promise<unknown>): string | undefined {
    return (p as { _debugStackTrace?: string })._debugStackTrace;
}

/** The SDK's current `debuggablePromise` (for the tests of this module). */
export function debuggablePromise(p: Promise<unknown>, ctx: string): Promise<unknown> {
    return debuggableModule().debuggablePromise(p, ctx);
}
