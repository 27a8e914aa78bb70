/**
 * Command-line parsing for the tools: `node:util` parseArgs (strict), with its errors turned into
 * this project's short messages (`unknown option --x`, `--x needs a value`, `unexpected argument x`).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The message a tool prints for one of parseArgs' errors (the option or argument it names first). */
function message(e: Error & { code?: string }): string {
    const named = /'([^' ]+)/.exec(e.message)?.[1] ?? "";
    switch (e.code) {
        case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
            return `unknown option ${named}`;
        case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
            return `unexpected argument ${named}`;
        case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
            return e.message.includes("does not take an argument") ? `${named} takes no value` : `${named} needs a value`;
        default:
            return e.message;
    }
}

/** Parses `argv` against `options` (strict: an unknown option or a missing value throws with a short message). */
export function parseCommandLine<T extends Options>(argv: readonly string[], options: T, allowPositionals = true) {
    try {
        return parseArgs({ args: [...argv], options, allowPositionals, strict: true });
    } catch (e) {
        throw new Error(message(e as Error));
    }
}
