/**
 * Bad input never half-applies: every stack file in test/invalid-configs/ is read the way the
 * offline plan reads a stack and run through the real program. Each must fail before any AWS
 * resource is registered, with a message that names the key path and the fix its header promises:
 *
 *   # Invalid: <what is wrong>.
 *   # path: <key path, without the ha-service: namespace>
 *   # fix: <a fragment of the message that says what would be valid>
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import program = require("../index");
import { isCloudResource, runProgram } from "../tools/harness";
import { readConfigFile } from "../tools/stackfile";

const DIR = join(__dirname, "invalid-configs");

interface Expectation {
    readonly file: string;
    readonly what: string;
    readonly path: string;
    readonly fix: string;
}

function expectation(file: string): Expectation {
    const text = readFileSync(join(DIR, file), "utf8");
    const header = (key: string) => {
        const m = new RegExp(`^# ${key}: (.+)$`, "m").exec(text);
        if (!m) throw new Error(`${file}: no "# ${key}:" header line`);
        return m[1].trim();
    };
    return { file, what: header("Invalid"), path: header("path"), fix: header("fix") };
}

const cases = readdirSync(DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map(expectation);

describe("invalid stack configs", () => {
    it("has a corpus of at least 30 cases", () => {
        assert.ok(cases.length >= 30, `only ${cases.length} files in ${DIR}`);
    });

    for (const c of cases) {
        it(`${c.file}: ${c.what} -> ha-service:${c.path}`, async () => {
            let config: Record<string, string>;
            try {
                config = readConfigFile(join(DIR, c.file));
            } catch (e) {
                // Rejected while reading the file (duplicate keys): the program never ran.
                const message = (e as Error).message;
                assert.ok(message.includes(`ha-service:${c.path} `), `message does not name ha-service:${c.path}:\n${message}`);
                assert.ok(message.includes(c.fix), `message does not say "${c.fix}":\n${message}`);
                return;
            }
            const run = await runProgram(program, { stack: "invalid", config });
            assert.ok(run.error, "the program accepted the config");
            assert.deepEqual(
                run.resources.filter(isCloudResource).map((r) => r.name),
                [],
                "AWS resources were registered before the config was rejected",
            );
            const message = run.error.message;
            assert.match(message, /^Invalid config for stack "invalid": \d+ problems?, nothing was deployed\./);
            const line = message.split("\n").find((l) => l.startsWith(`  - ha-service:${c.path}: `));
            assert.ok(line, `no problem line for ha-service:${c.path}:\n${message}`);
            assert.ok(line.includes(c.fix), `the problem line does not say "${c.fix}":\n${line}`);
        });
    }
});
