/**
 * Runs a Pulumi program offline under the SDK's mock runtime and records what `pulumi up` would
 * register: every resource with its inputs (secrets kept but flagged), its resource options as they
 * appear in the monitor's RegisterResource request, and the stack outputs.
 *
 * The mock monitor hands the mocks only type, name and inputs; options such as protect,
 * retainOnDelete, ignoreChanges or dependencies exist only in the gRPC request, so the harness wraps
 * the monitor's `registerResource` to read them.
 */
import * as pulumi from "@pulumi/pulumi";
import { SECRET_MASK, UNKNOWN_MASK } from "./masks";
import { HaMocks, RecordedCall } from "./mocks";
import { withoutSourceMaps } from "./sourcemaps";
import { DEFAULT_PROJECT, SECURE_PLACEHOLDER, secureConfigKeys } from "./stackfile";

/** Serialisation signatures used on the wire (see @pulumi/pulumi/runtime/rpc). */
export const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export { SECRET_MASK, UNKNOWN_MASK } from "./masks";

export interface RecordedResource {
    type: string;
    name: string;
    urn: string;
    /** Parent URN; undefined only for the pulumi:pulumi:Stack root. */
    parent?: string;
    custom: boolean;
    /** Explicit provider reference (`urn::id`), undefined for the default provider. */
    provider?: string;
    /** Physical id returned by the mock (undefined for components). */
    id?: string;
    /** Undefined when the option was not set. */
    protect?: boolean;
    /** Undefined when the option was not set. */
    retainOnDelete?: boolean;
    ignoreChanges: string[];
    /** URNs of all direct dependencies: dependsOn plus resources whose outputs feed the inputs. */
    dependencies: string[];
    /** Per input property, the URNs it depends on. */
    propertyDependencies: Record<string, string[]>;
    /** Alias URNs (alias specs are resolved to URNs the way the engine does). */
    aliases: string[];
    deleteBeforeReplace: boolean;
    replaceOnChanges: string[];
    additionalSecretOutputs: string[];
    deletedWith?: string;
    importId?: string;
    customTimeouts?: { create?: string; update?: string; delete?: string };
    /** Inputs with real values (secrets unwrapped, unknowns undefined, resource refs as URNs). */
    inputs: Record<string, unknown>;
    /** Inputs with secrets as "[secret]" and unknowns as "(unknown)". */
    maskedInputs: Record<string, unknown>;
    /** Property paths (`value`, `tags.Name`, `ingress[0].cidrBlocks`) of secret inputs. */
    secretPaths: string[];
    /** Property paths of inputs unknown at registration (preview). */
    unknownPaths: string[];
    /** State returned by the mock monitor (secrets unwrapped); undefined if registration failed. */
    state?: Record<string, unknown>;
    /** Why the monitor rejected the registration (e.g. the mock threw), if it did. */
    registrationError?: string;
}

/** A component's (or the stack's) registered outputs, as the harness's monitor received them. */
export interface RegisteredOutputs {
    urn: string;
    masked: Record<string, unknown>;
    secretPaths: string[];
}

export interface ProgramRun {
    stack: string;
    project: string;
    preview: boolean;
    config: Record<string, string>;
    /** Every registration in the order the monitor saw it, including the Stack root and components. */
    resources: RecordedResource[];
    /**
     * What each component (and the stack) registered as its outputs (`registerOutputs`), which Pulumi
     * stores in the state: secrets as "[secret]", with their property paths. Empty unless the run's
     * options ask for it (`recordOutputs`).
     */
    registeredOutputs: RegisteredOutputs[];
    /** Stack outputs, deeply resolved (real values, secrets included). */
    outputs: Record<string, unknown>;
    /** Top-level output keys whose value is, or contains, a secret. */
    secretOutputs: string[];
    /** Provider function calls (invokes) in order. */
    calls: RecordedCall[];
    /**
     * The error the program threw, or that made the stack fail, or else the first failed registration
     * (a failed resource fails `pulumi up` even when no output depends on it).
     */
    error?: Error;
    /** Number of registrations recorded when the error was caught (more may have arrived later). */
    resourcesAtError?: number;
    /**
     * Promise rejections nobody handled during the run, other than the program error itself (the SDK
     * re-raises that one on several internal promises). Non-empty means something besides the
     * program's own throw went wrong.
     */
    unhandledRejections: unknown[];
}

export interface RunOptions {
    stack: string;
    project?: string;
    /** Flat Pulumi config map: `{"ha-service:topology": "ha", "aws:region": "eu-west-1"}`. */
    config?: Record<string, string>;
    /** Config keys to treat as secret (`pulumi.Config.getSecret` semantics). */
    secretConfigKeys?: string[];
    /**
     * Record what each component and the stack register as outputs (`registeredOutputs`); off by
     * default: decoding them costs time in every run (and would count against the package in the
     * program-cost benchmark, whose flat baseline has no components).
     */
    recordOutputs?: boolean;
    preview?: boolean;
    /** Mocks to use; default a fresh `HaMocks`. */
    mocks?: pulumi.runtime.Mocks;
    /** Keep source-map translation of stack traces on during the run (default off: tools/sourcemaps.ts). */
    sourceMaps?: boolean;
}

export type PulumiProgram = () => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;

interface SettingsInternals {
    getMonitor(): unknown;
    waitForRPCs(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings: SettingsInternals = require("@pulumi/pulumi/runtime/settings");

/** `type::name`, the identity used to compare resources across runs. */
export function resourceKey(r: Pick<RecordedResource, "type" | "name">): string {
    return `${r.type}::${r.name}`;
}

/** All recorded resources of one type token, in registration order. */
export function byType(run: ProgramRun, token: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === token);
}

/** The resource with this type and name, or undefined. */
export function findResource(run: ProgramRun, type: string, name: string): RecordedResource | undefined {
    return run.resources.find((r) => r.type === type && r.name === name);
}

/** Like findResource, but throws listing the names of that type when it is missing. */
export function getResource(run: ProgramRun, type: string, name: string): RecordedResource {
    const r = findResource(run, type, name);
    if (!r) {
        const names = byType(run, type).map((x) => x.name);
        throw new Error(`no ${type} named "${name}"; registered: ${names.length ? names.join(", ") : "none"}`);
    }
    return r;
}

/** True for resources managed by the AWS or random providers (not components, stack or providers). */
export function isCloudResource(r: Pick<RecordedResource, "type">): boolean {
    return r.type.startsWith("aws:") || r.type.startsWith("random:");
}

// ---------------------------------------------------------------------------------------------
// Decoding the wire format of inputs and state.

interface Decoded {
    value: unknown;
    masked: unknown;
}

interface DecodeContext {
    secretPaths: string[];
    unknownPaths: string[];
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Pulumi-style property path: `a.b`, `a[0]`, `a["x.y"]`. */
export function joinPath(base: string, key: string | number): string {
    if (typeof key === "number") {
        return `${base}[${key}]`;
    }
    if (IDENT.test(key)) {
        return base === "" ? key : `${base}.${key}`;
    }
    return `${base}[${JSON.stringify(key)}]`;
}

/**
 * Decodes a value in the RPC (struct) wire format. Secrets are unwrapped in `value` and replaced by
 * "[secret]" in `masked`; unknowns become undefined / "(unknown)"; resource references become URNs.
 */
export function decodeWireValue(v: unknown, path: string, ctx: DecodeContext): Decoded {
    if (v === UNKNOWN_VALUE) {
        ctx.unknownPaths.push(path);
        return { value: undefined, masked: UNKNOWN_MASK };
    }
    if (Array.isArray(v)) {
        const items = v.map((x, i) => decodeWireValue(x, joinPath(path, i), ctx));
        return { value: items.map((d) => d.value), masked: items.map((d) => d.masked) };
    }
    if (typeof v === "string" && v.includes(SECURE_PLACEHOLDER)) {
        // An encrypted stack value (planned offline with a stand-in) reached an input: a secret.
        ctx.secretPaths.push(path);
        return { value: v, masked: SECRET_MASK };
    }
    if (v === null || typeof v !== "object") {
        return { value: v, masked: v };
    }
    const obj = v as Record<string, unknown>;
    const sig = obj[SPECIAL_SIG_KEY];
    if (sig === SECRET_SIG) {
        const inner = decodeWireValue(obj.value, path, { secretPaths: [], unknownPaths: ctx.unknownPaths });
        ctx.secretPaths.push(path);
        return { value: inner.value, masked: SECRET_MASK };
    }
    if (sig === RESOURCE_SIG) {
        return { value: obj.urn, masked: obj.urn };
    }
    if (sig === OUTPUT_VALUE_SIG) {
        if (!("value" in obj)) {
            ctx.unknownPaths.push(path);
            return { value: undefined, masked: UNKNOWN_MASK };
        }
        if (obj.secret === true) {
            const inner = decodeWireValue(obj.value, path, { secretPaths: [], unknownPaths: ctx.unknownPaths });
            ctx.secretPaths.push(path);
            return { value: inner.value, masked: SECRET_MASK };
        }
        return decodeWireValue(obj.value, path, ctx);
    }
    if (sig === ASSET_SIG || sig === ARCHIVE_SIG) {
        const kind = sig === ASSET_SIG ? "asset" : "archive";
        const where = obj.path ?? obj.uri ?? (obj.text !== undefined ? "(text)" : obj.assets !== undefined ? "(assets)" : "");
        const s = `${kind}:${String(where)}`;
        return { value: obj.text !== undefined ? obj.text : s, masked: s };
    }
    const value: Record<string, unknown> = {};
    const masked: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(obj)) {
        const d = decodeWireValue(x, joinPath(path, k), ctx);
        value[k] = d.value;
        masked[k] = d.masked;
    }
    return { value, masked };
}

function decodeStruct(struct: unknown): { value: Record<string, unknown>; masked: Record<string, unknown>; ctx: DecodeContext } {
    const ctx: DecodeContext = { secretPaths: [], unknownPaths: [] };
    const js =
        struct && typeof (struct as { toJavaScript?: unknown }).toJavaScript === "function"
            ? (struct as { toJavaScript(): unknown }).toJavaScript()
            : {};
    const d = decodeWireValue(js ?? {}, "", ctx);
    return { value: d.value as Record<string, unknown>, masked: d.masked as Record<string, unknown>, ctx };
}

// ---------------------------------------------------------------------------------------------
// Recording registrations.

/** URN the way the mock monitor computes it (parent type prefix joined with `$`). */
export function mockUrn(stack: string, project: string, parent: string | undefined, type: string, name: string): string {
    let qualified = type;
    if (parent) {
        const parentType = parent.split("::")[2].split("$").pop();
        qualified = `${parentType}$${type}`;
    }
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** Protobuf string fields are "" when unset. */
function nonEmpty(s: string | undefined): string | undefined {
    return s === undefined || s === "" ? undefined : s;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function recordRequest(req: any, stack: string, project: string): RecordedResource {
    const type: string = req.getType();
    const name: string = req.getName();
    const parent: string | undefined = nonEmpty(req.getParent());
    const decoded = decodeStruct(req.getObject());
    const aliases: string[] = [];
    for (const a of req.getAliasesList?.() ?? []) {
        if (a.getUrn?.()) {
            aliases.push(a.getUrn());
            continue;
        }
        const spec = a.getSpec?.();
        if (spec) {
            const aliasParent = spec.getNoparent() ? undefined : (nonEmpty(spec.getParenturn()) ?? parent);
            aliases.push(
                mockUrn(
                    nonEmpty(spec.getStack()) ?? stack,
                    nonEmpty(spec.getProject()) ?? project,
                    aliasParent,
                    nonEmpty(spec.getType()) ?? type,
                    nonEmpty(spec.getName()) ?? name,
                ),
            );
        }
    }
    aliases.push(...(req.getAliasurnsList?.() ?? []));
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
        propertyDependencies[key] = deps.getUrnsList();
    });
    const timeouts = req.getCustomtimeouts?.();
    const create = nonEmpty(timeouts?.getCreate());
    const update = nonEmpty(timeouts?.getUpdate());
    const del = nonEmpty(timeouts?.getDelete());
    const customTimeouts =
        (create ?? update ?? del)
            ? { ...(create ? { create } : {}), ...(update ? { update } : {}), ...(del ? { delete: del } : {}) }
            : undefined;
    return {
        type,
        name,
        urn: mockUrn(stack, project, parent, type, name),
        parent,
        custom: req.getCustom(),
        provider: nonEmpty(req.getProvider()),
        protect: req.hasProtect?.() === false ? undefined : req.getProtect(),
        retainOnDelete: req.hasRetainondelete?.() === false ? undefined : req.getRetainondelete(),
        ignoreChanges: req.getIgnorechangesList(),
        dependencies: req.getDependenciesList(),
        propertyDependencies,
        aliases,
        deleteBeforeReplace: req.getDeletebeforereplace(),
        replaceOnChanges: req.getReplaceonchangesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        deletedWith: nonEmpty(req.getDeletedwith()),
        importId: nonEmpty(req.getImportid()),
        customTimeouts,
        inputs: decoded.value,
        maskedInputs: decoded.masked,
        secretPaths: decoded.ctx.secretPaths,
        unknownPaths: decoded.ctx.unknownPaths,
    };
}

/**
 * The engine's refusal of a second registration with a URN already registered in this deployment
 * (pulumi/pulumi pkg/diag/errors.go GetDuplicateResourceURNError, raised by the step generator);
 * undefined, and the URN remembered, when it is new. Pulumi's own mocks accept duplicates.
 */
export function duplicateUrnError(seen: Set<string>, urn: string): string | undefined {
    if (seen.has(urn)) return `Duplicate resource URN '${urn}'; try giving it a unique name`;
    seen.add(urn);
    return undefined;
}

interface Recorder {
    resources: RecordedResource[];
    registeredOutputs: RegisteredOutputs[];
    inFlight: number;
}

function installRecorder(stack: string, project: string, recordOutputs: boolean): Recorder {
    const monitor = settings.getMonitor() as any;
    if (!monitor || typeof monitor.registerResource !== "function") {
        throw new Error("harness: no mock monitor after setMocks (is a second copy of @pulumi/pulumi loaded?)");
    }
    const recorder: Recorder = { resources: [], registeredOutputs: [], inFlight: 0 };
    if (recordOutputs) {
        const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
        monitor.registerResourceOutputs = (req: any, callback: (err: any, resp: any) => void) => {
            const decoded = decodeStruct(req.getOutputs());
            recorder.registeredOutputs.push({ urn: req.getUrn(), masked: decoded.masked, secretPaths: decoded.ctx.secretPaths });
            return originalOutputs(req, callback);
        };
    }
    const original = monitor.registerResource.bind(monitor);
    const urns = new Set<string>();
    monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
        const rec = recordRequest(req, stack, project);
        recorder.resources.push(rec);
        const duplicate = duplicateUrnError(urns, rec.urn);
        if (duplicate !== undefined) {
            // The engine refuses the second registration before any provider sees it.
            rec.registrationError = duplicate;
            callback(new Error(duplicate), undefined);
            return;
        }
        recorder.inFlight++;
        return original(req, (err: any, resp: any) => {
            recorder.inFlight--;
            if (err) {
                rec.registrationError = err instanceof Error ? err.message : String(err);
            } else if (resp) {
                if (resp.getUrn()) {
                    rec.urn = resp.getUrn();
                }
                rec.id = nonEmpty(resp.getId());
                rec.state = decodeStruct(resp.getObject()).value;
            }
            callback(err, resp);
        });
    };
    return recorder;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

// ---------------------------------------------------------------------------------------------
// Unhandled rejections.

/**
 * While a run is in progress, route unhandled rejections to the run instead of the process (Node's
 * default crashes; mocha fails the current test). When a program throws, the SDK re-raises the error
 * on promises nobody awaits (the stack's outputs), which would otherwise poison whatever runs next.
 */
function captureRejections(): { rejections: unknown[]; restore(): void } {
    const rejections: unknown[] = [];
    const saved = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const handler = (reason: unknown) => {
        rejections.push(reason);
    };
    process.on("unhandledRejection", handler);
    return {
        rejections,
        restore() {
            process.removeListener("unhandledRejection", handler);
            for (const l of saved) {
                process.on("unhandledRejection", l);
            }
        },
    };
}

function tick(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
}

/** Waits until no registration is in flight and the SDK's RPC queue is drained. */
async function drain(recorder: Recorder): Promise<void> {
    for (let i = 0; i < 1000; i++) {
        const before = recorder.resources.length;
        await settings.waitForRPCs();
        await tick();
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (recorder.inFlight === 0 && recorder.resources.length === before) {
            return;
        }
    }
    throw new Error("harness: resource registrations did not settle");
}

// ---------------------------------------------------------------------------------------------
// Outputs.

interface SecretFlag {
    secret: boolean;
}

const UNKNOWN_OUTPUT = Symbol("unknown");

/** The value of an Output via `apply` (Output.promise() is internal); UNKNOWN_OUTPUT if unknown. */
function outputValue(o: pulumi.Output<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
        const applied = o.apply((v) => {
            resolve(v);
            return v;
        });
        // apply never runs for unknown values (preview), nor when the output failed: find out which.
        // `isKnown` is not in the public typings but every OutputImpl has it.
        const isKnown = (o as unknown as { isKnown?: Promise<boolean> }).isKnown;
        if (isKnown) {
            isKnown.then((known) => (known ? undefined : resolve(UNKNOWN_OUTPUT)), reject);
        }
        const isSecret = (applied as unknown as { isSecret?: Promise<boolean> }).isSecret;
        if (isSecret) {
            isSecret.catch(reject);
        }
    });
}

const NEEDS_AWAIT = Symbol("needs await");

/**
 * `resolveDeep` of a value without an Output, Promise or Resource inside, without awaiting (a
 * program's outputs are mostly plain data: the failover analysis, runbooks); NEEDS_AWAIT otherwise.
 */
function resolvePlain(v: unknown, flag: SecretFlag, seen: Set<unknown>): unknown {
    if (pulumi.Output.isInstance(v) || v instanceof Promise || pulumi.Resource.isInstance(v)) return NEEDS_AWAIT;
    if (pulumi.isUnknown(v)) return UNKNOWN_MASK;
    if (typeof v === "string" && v.includes(SECURE_PLACEHOLDER)) flag.secret = true;
    if (v === null || typeof v !== "object") return v;
    if (seen.has(v)) return "[circular]";
    seen.add(v);
    try {
        if (Array.isArray(v)) {
            const out: unknown[] = [];
            for (const x of v) {
                const r = resolvePlain(x, flag, seen);
                if (r === NEEDS_AWAIT) return NEEDS_AWAIT;
                out.push(r);
            }
            return out;
        }
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
            const r = resolvePlain(x, flag, seen);
            if (r === NEEDS_AWAIT) return NEEDS_AWAIT;
            out[k] = r;
        }
        return out;
    } finally {
        seen.delete(v);
    }
}

/** Deeply resolves Outputs, Promises and Resources (as URNs) inside a value. */
export async function resolveDeep(v: unknown, flag: SecretFlag = { secret: false }, seen = new Set<unknown>()): Promise<unknown> {
    const plain = resolvePlain(v, flag, seen);
    if (plain !== NEEDS_AWAIT) return plain;
    if (pulumi.Output.isInstance(v)) {
        if (await pulumi.isSecret(v)) {
            flag.secret = true;
        }
        const inner = await outputValue(v);
        return inner === UNKNOWN_OUTPUT ? UNKNOWN_MASK : resolveDeep(inner, flag, seen);
    }
    if (v instanceof Promise) {
        return resolveDeep(await v, flag, seen);
    }
    if (pulumi.Resource.isInstance(v)) {
        return resolveDeep(v.urn, flag, seen);
    }
    // What is left is an object or array with one of those inside (resolvePlain saw it).
    const container = v as object;
    seen.add(container);
    try {
        if (Array.isArray(v)) {
            const out: unknown[] = [];
            for (const x of v) {
                out.push(await resolveDeep(x, flag, seen));
            }
            return out;
        }
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(container)) {
            out[k] = await resolveDeep(x, flag, seen);
        }
        return out;
    } finally {
        seen.delete(container);
    }
}

/** Outputs with every secret output replaced by "[secret]". */
export function maskOutputs(run: Pick<ProgramRun, "outputs" | "secretOutputs">): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(run.outputs)) {
        out[k] = run.secretOutputs.includes(k) ? SECRET_MASK : v;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------

function toError(e: unknown): Error {
    return e instanceof Error ? e : new Error(String(e));
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `program` as the stack `stack` under the mock runtime and records everything it registers.
 * Safe to call repeatedly in one process: config, monitor and stack state are reset on each call,
 * and concurrent calls are queued (the SDK's runtime state is process-global). Source-map
 * translation is off during the run (tools/sourcemaps.ts): load the program's modules before.
 */
export function runProgram(program: PulumiProgram, opts: RunOptions): Promise<ProgramRun> {
    const run = queue.then(() => (opts.sourceMaps ? runProgramNow(program, opts) : withoutSourceMaps(() => runProgramNow(program, opts))));
    queue = run.catch(() => undefined);
    return run;
}

async function runProgramNow(program: PulumiProgram, opts: RunOptions): Promise<ProgramRun> {
    const project = opts.project ?? DEFAULT_PROJECT;
    const preview = opts.preview ?? false;
    const config = { ...(opts.config ?? {}) };
    const mocks = opts.mocks ?? new HaMocks();

    const guard = captureRejections();
    try {
        await pulumi.runtime.setMocks(mocks, project, opts.stack, preview);
        // setAllConfig replaces the whole map, so nothing leaks from a previous run.
        // Keys holding an encrypted stack value are secret, as `pulumi up` would set them.
        const secretKeys = [...new Set([...(opts.secretConfigKeys ?? []), ...secureConfigKeys(config)])];
        pulumi.runtime.setAllConfig(config, secretKeys);
        const recorder = installRecorder(opts.stack, project, opts.recordOutputs ?? false);

        let raw: Record<string, unknown> | void = undefined;
        let error: Error | undefined;
        let resourcesAtError: number | undefined;
        try {
            await pulumi.runtime.runInPulumiStack(async () => {
                raw = (await program()) ?? undefined;
                return raw ?? {};
            });
        } catch (e) {
            error = toError(e);
            resourcesAtError = recorder.resources.length;
        }
        await drain(recorder);

        let outputs: Record<string, unknown> = {};
        const secretOutputs: string[] = [];
        if (!error && raw) {
            try {
                for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
                    const flag: SecretFlag = { secret: false };
                    outputs[k] = await resolveDeep(v, flag);
                    if (flag.secret) {
                        secretOutputs.push(k);
                    }
                }
            } catch (e) {
                error = toError(e);
                resourcesAtError = recorder.resources.length;
                outputs = {};
            }
            await drain(recorder);
        }
        // Let rejections of promises nobody awaited surface while our listener is installed.
        for (let i = 0; i < 3; i++) {
            await new Promise((resolve) => setTimeout(resolve, 0));
        }

        const failed = recorder.resources.filter((r) => r.registrationError !== undefined);
        if (!error && failed.length > 0) {
            const f = failed[0];
            error = new Error(`failed to register ${f.name} [${f.type}]: ${f.registrationError}`);
            resourcesAtError = recorder.resources.length;
        }
        const calls = mocks instanceof HaMocks ? [...mocks.calls] : [];
        // The SDK re-raises the program's error (and each failed registration's) on promises nobody
        // awaits; those are expected, anything else is reported.
        const expected = [error?.message, ...failed.map((f) => f.registrationError)].filter((m): m is string => m !== undefined);
        const unhandledRejections = guard.rejections.filter((r) => {
            const msg = r instanceof Error ? r.message : String(r);
            return !expected.some((m) => msg === m || msg.includes(m));
        });
        return {
            stack: opts.stack,
            project,
            preview,
            config,
            resources: recorder.resources,
            registeredOutputs: recorder.registeredOutputs,
            outputs,
            secretOutputs,
            calls,
            error,
            resourcesAtError,
            unhandledRejections,
        };
    } finally {
        guard.restore();
    }
}
