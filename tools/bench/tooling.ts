/** Wall times of the type-check and the test suite, so their growth shows from one benchmark to the next. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { failureTail } from "./compare";
import { fixed, table } from "./markdown";
import { median } from "./stats";

export interface ToolCommand {
    readonly label: string;
    readonly command: string;
    readonly args: readonly string[];
    readonly runs: number;
}

export interface ToolTiming {
    readonly command: ToolCommand;
    /** Of the passing runs. */
    readonly seconds: readonly number[];
    readonly runs: number;
    /** Exit status of each run; a failed run's time is not a figure of the passing suite. */
    readonly failures: number;
    readonly lastOutput: string;
}

export function toolCommands(typecheckRuns: number, testRuns: number, root: string = process.cwd()): ToolCommand[] {
    return [
        {
            label: "type-check (`tsc --noEmit -p .`)",
            command: path.join(root, "node_modules", ".bin", "tsc"),
            args: ["--noEmit", "-p", "."],
            runs: typecheckRuns,
        },
        { label: "test suite (`npm test`)", command: "npm", args: ["test", "--silent"], runs: testRuns },
    ];
}

/**
 * Runs the command up to `c.runs` times; after the first run, stops when one more run (as long as
 * the last) would end after `deadline` (seconds on the `performance.now()` clock).
 */
export function timeCommand(c: ToolCommand, log: (line: string) => void, deadline = Infinity): ToolTiming {
    const seconds: number[] = [];
    let failures = 0;
    let lastOutput = "";
    let last = 0;
    for (let i = 0; i < c.runs; i++) {
        if (i > 0 && performance.now() / 1000 + last > deadline) {
            log(`tools: ${c.label}: skipping ${c.runs - i} more run${c.runs - i === 1 ? "" : "s"} to stay within the time budget`);
            break;
        }
        log(`tools: ${c.label} ${i + 1}/${c.runs}`);
        const t0 = performance.now();
        const r = spawnSync(c.command, [...c.args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        const s = (performance.now() - t0) / 1000;
        last = s;
        if (r.error) throw new Error(`${c.label}: ${r.error.message}`);
        lastOutput = `${r.stdout}${r.stderr}`;
        if (r.status === 0) seconds.push(s);
        else {
            failures++;
            log(`tools: ${c.label} failed (exit ${r.status}):\n${failureTail(lastOutput)}`);
        }
    }
    return { command: c, seconds, runs: seconds.length + failures, failures, lastOutput };
}

/** The summary line mocha prints (`124 passing (11s)`), if any. */
export function testCount(output: string): string | undefined {
    return /(\d+) passing/.exec(output)?.[1];
}

export function renderTooling(timings: readonly ToolTiming[]): string {
    return [
        "Wall time of each command, run one after the other in a fresh process; median of the passing runs.",
        "",
        table(
            ["command", "runs", "failed", "median s", "min s", "max s", "tests"],
            timings.map((t) => [
                t.command.label,
                t.runs,
                t.failures,
                t.seconds.length > 0 ? fixed(median(t.seconds), 1) : "-",
                t.seconds.length > 0 ? fixed(Math.min(...t.seconds), 1) : "-",
                t.seconds.length > 0 ? fixed(Math.max(...t.seconds), 1) : "-",
                testCount(t.lastOutput) ?? "-",
            ]),
        ),
        "",
    ].join("\n");
}
