import { errorStack } from "./sourcemaps";

/** Runs a tool's `main(argv)` as a command: its result is the exit code, a throw prints the stack and exits 1. */
export function runMain(main: (argv: readonly string[]) => Promise<number>): void {
    main(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (e: unknown) => {
            process.stderr.write(`error: ${e instanceof Error ? errorStack(e) : String(e)}\n`);
            process.exitCode = 1;
        },
    );
}
