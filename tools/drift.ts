/**
 * Drift check: for each stack, is the real cloud still what the state says (a preview-only refresh),
 * and is the state still what the code and config say (a preview that must propose no change)?
 *
 *   npm run drift -- <stack> [<stack> ...] | --all   [--json] [--stack-dir DIR] [--org ORG]
 *   npm run drift -- --list                          (the stacks in stacks/, as a JSON list)
 *
 * Exit codes: 0 clean, 2 drift found, 1 the check could not be completed (missing CLI, backend or
 * credentials, an engine error). Markdown goes to stdout (and is appended to $GITHUB_STEP_SUMMARY
 * when set); `--json` prints the report as JSON instead.
 *
 * Runs the real Pulumi CLI through the Automation API. Everything that decides (engine events ->
 * drift report, report -> Markdown/JSON, exit code) is pure and exported; `automationRunner` at the
 * bottom is the only part that talks to the CLI.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent, OpType, PropertyDiff } from "@pulumi/pulumi/automation";
import { parseCommandLine } from "./args";
import { runMain } from "./cli";
import { SECRET_MASK, SECRET_SIG, SPECIAL_SIG_KEY } from "./harness";
import { table } from "./markdown";
import { getPath, parsePath } from "./replacements";
import { DEFAULT_PROJECT, DEFAULT_STACK_DIR, listStacks } from "./stackfile";

export const EXIT_CLEAN = 0;
export const EXIT_ERROR = 1;
export const EXIT_DRIFT = 2;

/** `refresh`: the cloud differs from the state. `preview`: the state differs from code + config. */
export type Phase = "refresh" | "preview";

export interface PropertyDrift {
    /** Property path as the engine reports it (`tags.Owner`, `ingress[0].cidrBlocks`). */
    readonly path: string;
    /** `update`, `add`, `delete` or a `-replace` variant (DiffKind). */
    readonly kind: string;
    /** Refresh: the value in the state. Preview: the value in the state. Secrets are "[secret]". */
    readonly old: unknown;
    /** Refresh: the value in the cloud. Preview: what code + config ask for. Secrets are "[secret]". */
    readonly new: unknown;
}

export interface DriftedResource {
    readonly phase: Phase;
    readonly urn: string;
    readonly type: string;
    /** The engine's operation: update, delete, create, replace, ... */
    readonly op: string;
    readonly properties: readonly PropertyDrift[];
}

export interface PhaseResult {
    readonly phase: Phase;
    readonly drifted: readonly DriftedResource[];
    /** The engine's change summary (summaryEvent.resourceChanges), when it got that far. */
    readonly summary?: Readonly<Partial<Record<OpType, number>>>;
    readonly errors: readonly string[];
}

export type StackStatus = "clean" | "drift" | "error";

export interface StackReport {
    readonly stack: string;
    readonly status: StackStatus;
    readonly phases: readonly PhaseResult[];
    readonly errors: readonly string[];
}

export interface DriftReport {
    readonly stacks: readonly StackReport[];
    readonly status: StackStatus;
}

// ---------------------------------------------------------------------------------------------
// Secrets

/** A value the engine marks as secret: the "[secret]" placeholder or a secret signature object. */
export function isSecretValue(v: unknown): boolean {
    return v === SECRET_MASK || (v !== null && typeof v === "object" && (v as Record<string, unknown>)[SPECIAL_SIG_KEY] === SECRET_SIG);
}

/** The value with every secret inside it replaced by "[secret]" (never the plaintext or ciphertext). */
export function maskSecrets(v: unknown): unknown {
    if (isSecretValue(v)) return SECRET_MASK;
    if (Array.isArray(v)) return v.map(maskSecrets);
    if (v !== null && typeof v === "object") {
        return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, maskSecrets(x)]));
    }
    return v;
}

/** The masked value at a property path; anything under a secret is "[secret]". */
function valueAt(obj: Record<string, unknown> | undefined, propertyPath: string): unknown {
    if (obj === undefined) return undefined;
    const keys = parsePath(propertyPath);
    for (let i = 0; i <= keys.length; i++) {
        const v = getPath(obj, keys.slice(0, i));
        if (isSecretValue(v)) return SECRET_MASK;
        if (v === undefined) return undefined;
    }
    return maskSecrets(getPath(obj, keys));
}

// ---------------------------------------------------------------------------------------------
// Engine events -> drift

type Metadata = NonNullable<EngineEvent["resourcePreEvent"]>["metadata"];

/** The old/new value of one changed property; input diffs read inputs first, state diffs outputs. */
function propertyDrift(meta: Metadata, propertyPath: string, diff: PropertyDiff | undefined): PropertyDrift {
    const side = (s: Metadata["old"]) => {
        const first = diff?.inputDiff === false ? s?.outputs : s?.inputs;
        const second = diff?.inputDiff === false ? s?.inputs : s?.outputs;
        const v = valueAt(first, propertyPath);
        return v === undefined ? valueAt(second, propertyPath) : v;
    };
    return { path: propertyPath, kind: diff?.diffKind ?? "update", old: side(meta.old), new: side(meta.new) };
}

function properties(meta: Metadata): PropertyDrift[] {
    const detailed = meta.detailedDiff ?? {};
    const paths = Object.keys(detailed);
    if (paths.length > 0) return paths.sort().map((p) => propertyDrift(meta, p, detailed[p]));
    return [...(meta.diffs ?? [])].sort().map((p) => propertyDrift(meta, p, undefined));
}

/** Operations that mean "no change" (a read of an external resource is not drift either). */
const NO_CHANGE = new Set<string>(["same", "read", "refresh"]);
/** Halves of a replacement; the engine also reports the whole as `replace`. */
const REPLACE_PARTS: Record<string, string> = {
    "create-replacement": "replace",
    "delete-replaced": "replace",
    "discard-replaced": "replace",
};

/**
 * The drifted resources of one phase from its engine events.
 *
 * Refresh: the engine reports each resource's outcome in its resOutputsEvent, with the op set to the
 * result of the refresh (`same`, `update` when the cloud differs, `delete` when the resource is gone)
 * and a detailed diff between the state and what the provider read. Preview: every resourcePreEvent
 * whose op is not `same` (or a read) is a change the code and config would make.
 */
export function collectPhase(phase: Phase, events: readonly EngineEvent[]): PhaseResult {
    const byUrn = new Map<string, DriftedResource>();
    const errors: string[] = [];
    let summary: PhaseResult["summary"];
    for (const e of events) {
        const meta = phase === "refresh" ? e.resOutputsEvent?.metadata : e.resourcePreEvent?.metadata;
        if (meta && !NO_CHANGE.has(meta.op) && meta.type !== "pulumi:pulumi:Stack") {
            const op = REPLACE_PARTS[meta.op] ?? meta.op;
            const prev = byUrn.get(meta.urn);
            // Keep the most informative report of a replacement (the one with the diff).
            if (!prev || (prev.properties.length === 0 && (meta.detailedDiff || meta.diffs))) {
                byUrn.set(meta.urn, { phase, urn: meta.urn, type: meta.type, op, properties: properties(meta) });
            }
        }
        if (e.diagnosticEvent?.severity === "error") {
            errors.push(stripAnsi(e.diagnosticEvent.message).trim());
        }
        if (e.resOpFailedEvent) {
            errors.push(`${e.resOpFailedEvent.metadata.op} of ${e.resOpFailedEvent.metadata.urn} failed`);
        }
        if (e.summaryEvent) summary = e.summaryEvent.resourceChanges;
    }
    return { phase, drifted: [...byUrn.values()], ...(summary ? { summary } : {}), errors };
}

/** Without terminal colours and the engine's colour tags (`<{%fg 1%}>`, `<{%reset%}>`). */
export function stripAnsi(s: string): string {
    // eslint-disable-next-line no-control-regex
    return s.replace(/\u001b\[[0-9;]*m|<\{%[^%]*%\}>/g, "");
}

/** A stack's report from its two phases, plus errors the runner saw (a failed command). */
export function stackReport(stack: string, phases: readonly PhaseResult[], runnerErrors: readonly string[] = []): StackReport {
    const errors = [...runnerErrors, ...phases.flatMap((p) => p.errors.map((m) => `${p.phase}: ${m}`))];
    const drifted = phases.some((p) => p.drifted.length > 0);
    return { stack, status: errors.length > 0 ? "error" : drifted ? "drift" : "clean", phases, errors };
}

export function driftReport(stacks: readonly StackReport[]): DriftReport {
    const status: StackStatus = stacks.some((s) => s.status === "error")
        ? "error"
        : stacks.some((s) => s.status === "drift")
          ? "drift"
          : "clean";
    return { stacks, status };
}

/** 1 when any stack could not be checked (its drift is unknown), else 2 when any drifted, else 0. */
export function exitCode(report: DriftReport): number {
    return report.status === "error" ? EXIT_ERROR : report.status === "drift" ? EXIT_DRIFT : EXIT_CLEAN;
}

// ---------------------------------------------------------------------------------------------
// Report -> Markdown / JSON

const PHASE_TITLE: Record<Phase, string> = {
    refresh: "cloud vs state (refresh preview)",
    preview: "state vs code and config (preview)",
};
/** What the old and new values are in each phase. */
const PHASE_COLUMNS: Record<Phase, [string, string]> = {
    refresh: ["in the state", "in the cloud"],
    preview: ["in the state", "from code + config"],
};

function cell(v: unknown, max = 120): string {
    const s = v === undefined ? "(unset)" : typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
    const short = s.length <= max ? s : `${s.slice(0, max - 1)}…`;
    return `\`${short.replace(/`/g, "'").replace(/\|/g, "\\|").replace(/\n/g, " ")}\``;
}

const STATUS_LINE: Record<StackStatus, string> = {
    clean: "clean: no drift",
    drift: "DRIFT",
    error: "ERROR: not checked",
};

export function formatMarkdown(report: DriftReport): string {
    const out: string[] = ["## Drift check", ""];
    const rows = report.stacks.map((s) => {
        const count = (phase: Phase) => {
            const p = s.phases.find((x) => x.phase === phase);
            return p === undefined ? "not run" : String(p.drifted.length);
        };
        return [s.stack, STATUS_LINE[s.status], count("refresh"), count("preview")];
    });
    out.push(table(["stack", "status", "cloud vs state", "state vs code"], rows, { pad: false }));
    for (const s of report.stacks) {
        if (s.status === "clean") continue;
        out.push("", `### Stack \`${s.stack}\`: ${STATUS_LINE[s.status]}`);
        for (const e of s.errors) out.push("", "```text", e, "```");
        for (const p of s.phases) {
            if (p.drifted.length === 0) continue;
            out.push("", `#### ${PHASE_TITLE[p.phase]}`, "");
            const [was, now] = PHASE_COLUMNS[p.phase];
            out.push(`| resource | type | operation | property | ${was} | ${now} |`, "| --- | --- | --- | --- | --- | --- |");
            for (const r of p.drifted) {
                const name = r.urn.split("::").pop() ?? r.urn;
                const lead = `| \`${name}\` | \`${r.type}\` | ${r.op}`;
                if (r.properties.length === 0) out.push(`${lead} | | | |`);
                for (const prop of r.properties) {
                    out.push(`${lead} | \`${prop.path}\` (${prop.kind}) | ${cell(prop.old)} | ${cell(prop.new)} |`);
                }
            }
            out.push("", "<details><summary>URNs</summary>", "", ...p.drifted.map((r) => `- \`${r.urn}\``), "", "</details>");
        }
    }
    out.push("", `Exit code ${exitCode(report)} (0 clean, 2 drift, 1 error).`);
    return `${out.join("\n")}\n`;
}

export function formatJson(report: DriftReport): string {
    return `${JSON.stringify({ ...report, exitCode: exitCode(report) }, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// Errors a person can act on

/** Is an executable with this name on PATH? */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    for (const dir of (env.PATH ?? "").split(path.delimiter)) {
        if (dir === "") continue;
        const p = path.join(dir, name);
        try {
            fs.accessSync(p, fs.constants.X_OK);
            if (fs.statSync(p).isFile()) return p;
        } catch {
            // not in this directory
        }
    }
    return undefined;
}

export const MISSING_CLI =
    "the Pulumi CLI (`pulumi`) is not on PATH. Install it: https://www.pulumi.com/docs/iac/download-install/ " +
    "(in GitHub Actions: the pulumi/actions action), then run the drift check again.";

export const MISSING_BACKEND =
    "no Pulumi backend to read the stacks' state from: set PULUMI_ACCESS_TOKEN (Pulumi Cloud), or PULUMI_BACKEND_URL " +
    "(for example s3://bucket, with PULUMI_CONFIG_PASSPHRASE for passphrase-encrypted stacks), or run `pulumi login`.";

/**
 * Whether the CLI will find a backend: a token or backend URL in the environment, a backend in
 * Pulumi.yaml, or a `pulumi login` recorded in the credentials file. Checked before running so that
 * the message says what to set instead of failing inside the CLI.
 */
export function hasBackend(env: NodeJS.ProcessEnv, projectDir: string, home: string = os.homedir()): boolean {
    if (env.PULUMI_ACCESS_TOKEN || env.PULUMI_BACKEND_URL) return true;
    const project = path.join(projectDir, "Pulumi.yaml");
    if (fs.existsSync(project) && /^backend:/m.test(fs.readFileSync(project, "utf8"))) return true;
    const credentials = path.join(env.PULUMI_HOME ?? path.join(home, ".pulumi"), "credentials.json");
    try {
        const current = (JSON.parse(fs.readFileSync(credentials, "utf8")) as { current?: unknown }).current;
        return typeof current === "string" && current !== "";
    } catch {
        return false;
    }
}

/** A hint for errors whose cause is setup, not the stack: what to install, set or log in to. */
export function explainError(message: string): string | undefined {
    const m = message.toLowerCase();
    if (/pulumi_access_token|not logged in|pulumi login|401 unauthorized|invalid access token/.test(m)) {
        return "no Pulumi backend credentials: set PULUMI_ACCESS_TOKEN (Pulumi Cloud), or PULUMI_BACKEND_URL (for example s3://bucket) for a self-managed backend, or run `pulumi login`.";
    }
    if (/passphrase/.test(m)) {
        return "the stack's secrets provider needs a passphrase: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE).";
    }
    if (
        /no valid credential sources|nocredentialproviders|could not load credentials|failed to refresh cached credentials|expiredtoken|invalidclienttokenid|unable to locate credentials|sso session/.test(
            m,
        )
    ) {
        return "no usable AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or in GitHub Actions assume a role with aws-actions/configure-aws-credentials (OIDC, role-to-assume).";
    }
    if (/no stack named|stack .* not found|could not find stack/.test(m)) {
        return "the stack does not exist in this backend: check the backend (PULUMI_BACKEND_URL / pulumi whoami) and --org, or create it with `pulumi stack init`.";
    }
    return undefined;
}

/** The message of a failed command, with a hint when the cause is setup. */
export function describeError(e: unknown): string {
    const err = e as { message?: string; stderr?: string; commandResult?: { stderr?: string } };
    const raw = [err.commandResult?.stderr, err.stderr, err.message].find((x) => typeof x === "string" && x.trim() !== "");
    const message = stripAnsi(raw ?? String(e)).trim();
    const hint = explainError(message);
    return hint ? `${message}\nhint: ${hint}` : message;
}

// ---------------------------------------------------------------------------------------------
// Running the two phases

/** What the check needs from Pulumi: run each phase and hand every engine event to `onEvent`. */
export interface StackRunner {
    previewRefresh(stack: string, onEvent: (e: EngineEvent) => void): Promise<void>;
    preview(stack: string, onEvent: (e: EngineEvent) => void): Promise<void>;
}

async function runPhase(
    phase: Phase,
    run: (onEvent: (e: EngineEvent) => void) => Promise<void>,
): Promise<{ result: PhaseResult; error?: string }> {
    const events: EngineEvent[] = [];
    try {
        await run((e) => events.push(e));
        return { result: collectPhase(phase, events) };
    } catch (e) {
        return { result: collectPhase(phase, events), error: `${phase}: ${describeError(e)}` };
    }
}

/** Both phases of one stack. A refresh that fails stops the check: the preview would be misleading. */
export async function checkStack(stack: string, runner: StackRunner): Promise<StackReport> {
    const refresh = await runPhase("refresh", (on) => runner.previewRefresh(stack, on));
    if (refresh.error) return stackReport(stack, [refresh.result], [refresh.error]);
    // No `expectNoChanges`: it would turn drift into a failed command; the events tell drift apart.
    const preview = await runPhase("preview", (on) => runner.preview(stack, on));
    return stackReport(stack, [refresh.result, preview.result], preview.error ? [preview.error] : []);
}

/** The real runner: LocalWorkspace on this project directory, the stack config from stacks/. */
export function automationRunner(opts: { projectDir: string; org?: string; envVars?: Record<string, string> }): StackRunner {
    // Loaded lazily so that the pure parts (and their tests) never need the CLI.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const auto = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
    const selected = new Map<string, Promise<import("@pulumi/pulumi/automation").Stack>>();
    const select = (stack: string) => {
        if (!selected.has(stack)) {
            const name = opts.org ? auto.fullyQualifiedStackName(opts.org, DEFAULT_PROJECT, stack) : stack;
            selected.set(
                stack,
                auto.LocalWorkspace.create({ workDir: opts.projectDir, envVars: opts.envVars }).then((ws) => auto.Stack.select(name, ws)),
            );
        }
        return selected.get(stack)!;
    };
    return {
        async previewRefresh(stack, onEvent) {
            await (await select(stack)).previewRefresh({ onEvent, color: "never" });
        },
        async preview(stack, onEvent) {
            await (await select(stack)).preview({ onEvent, color: "never" });
        },
    };
}

// ---------------------------------------------------------------------------------------------
// CLI

export interface DriftArgs {
    stacks: string[];
    all: boolean;
    json: boolean;
    list: boolean;
    stackDir: string;
    org?: string;
    help: boolean;
}

const OPTIONS = {
    all: { type: "boolean" },
    json: { type: "boolean" },
    list: { type: "boolean" },
    "stack-dir": { type: "string" },
    org: { type: "string" },
    help: { type: "boolean", short: "h" },
} as const;

export function parseDriftArgs(argv: readonly string[]): DriftArgs {
    const { values: v, positionals } = parseCommandLine(argv, OPTIONS);
    return {
        stacks: positionals,
        all: v.all ?? false,
        json: v.json ?? false,
        list: v.list ?? false,
        stackDir: v["stack-dir"] ?? DEFAULT_STACK_DIR,
        ...(v.org !== undefined ? { org: v.org } : {}),
        help: v.help ?? false,
    };
}

const USAGE =
    "usage: npm run drift -- <stack> [<stack> ...] | --all   [--json] [--stack-dir DIR] [--org ORG]\n       npm run drift -- --list";

export interface DriftIo {
    stdout: (s: string) => void;
    stderr: (s: string) => void;
    env?: NodeJS.ProcessEnv;
    /** The runner to use; default: the Automation API on this project (needs `pulumi` on PATH). */
    runner?: StackRunner;
}

/** The CLI; returns the exit code. */
export async function main(
    argv: readonly string[],
    io: DriftIo = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) },
): Promise<number> {
    const env = io.env ?? process.env;
    let args: DriftArgs;
    try {
        args = parseDriftArgs(argv);
    } catch (e) {
        io.stderr(`${(e as Error).message}\n${USAGE}\n`);
        return EXIT_ERROR;
    }
    if (args.help) {
        io.stdout(`${USAGE}\n`);
        return EXIT_CLEAN;
    }
    const available = listStacks(args.stackDir);
    if (args.list) {
        io.stdout(`${JSON.stringify(available)}\n`);
        return EXIT_CLEAN;
    }
    const stacks = args.all ? available : args.stacks;
    const unknown = stacks.filter((s) => !available.includes(s));
    if (stacks.length === 0 || unknown.length > 0) {
        const what = stacks.length === 0 ? "no stack given" : `unknown stack ${unknown.map((s) => `"${s}"`).join(", ")}`;
        io.stderr(`error: ${what}; stacks in ${args.stackDir}: ${available.join(", ") || "(none)"}\n${USAGE}\n`);
        return EXIT_ERROR;
    }
    const projectDir = path.join(__dirname, "..");
    if (io.runner === undefined && onPath("pulumi", env) === undefined) {
        io.stderr(`error: ${MISSING_CLI}\n`);
        return EXIT_ERROR;
    }
    if (io.runner === undefined && !hasBackend(env, projectDir)) {
        io.stderr(`error: ${MISSING_BACKEND}\n`);
        return EXIT_ERROR;
    }
    const runner = io.runner ?? automationRunner({ projectDir, org: args.org });
    const reports: StackReport[] = [];
    for (const stack of stacks) reports.push(await checkStack(stack, runner));
    const report = driftReport(reports);
    const markdown = formatMarkdown(report);
    io.stdout(args.json ? formatJson(report) : markdown);
    if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, markdown);
    for (const s of reports) for (const e of s.errors) io.stderr(`error: stack ${s.stack}: ${e}\n`);
    return exitCode(report);
}

if (require.main === module) {
    runMain(main);
}
