/**
 * Source-map translation of stack traces, off while a Pulumi program runs.
 *
 * tsx turns Node's source maps on (`process.setSourceMapsEnabled(true)`) so that stack traces name
 * TypeScript lines. The Pulumi SDK captures a stack trace for every resource (`Resource.callsites`,
 * with `Error.stackTraceLimit` raised to Infinity) and every debuggable promise, and with maps on
 * Node maps each frame back (@pulumi/aws ships a `.js.map` per module, so its frames are mapped
 * too). That mapping was most of the CPU time of an offline plan (issue 16). The traces are only
 * read to print an error, so the maps stay off while the program runs and are turned on again just
 * before an error's stack is read.
 *
 * Node keeps the map of a module only when the module is compiled while maps are on, and formats an
 * error's stack when it is first read. So: load the program's modules first (tsx has maps on),
 * run with maps off, and read an error's `stack` only after turning them on again (`errorStack`):
 * it then names the TypeScript line even though the error was created while they were off.
 */

/** Whether Node currently maps stack traces (tsx turns this on when it registers). */
export function sourceMapsEnabled(): boolean {
    return process.sourceMapsEnabled;
}

/** Turns source-map translation on or off; returns the previous setting. */
export function setSourceMaps(on: boolean): boolean {
    const before = process.sourceMapsEnabled;
    process.setSourceMapsEnabled(on);
    return before;
}

/**
 * Runs `fn` with source-map translation off and restores the previous setting afterwards, also
 * when `fn` fails (so the caller reads the error's stack with maps on again).
 */
export async function withoutSourceMaps<T>(fn: () => Promise<T>): Promise<T> {
    const before = setSourceMaps(false);
    try {
        return await fn();
    } finally {
        setSourceMaps(before);
    }
}

/** An error's stack with source maps on (TypeScript lines), read once; the setting is restored. */
export function errorStack(e: Error): string {
    const before = setSourceMaps(true);
    try {
        return e.stack ?? e.message;
    } finally {
        setSourceMaps(before);
    }
}
