/**
 * Runs the policy pack's validation functions over a recorded program run, offline: the adapter
 * from the harness's RecordedResource to the arguments the Pulumi engine hands a policy, without
 * starting the pack's gRPC server.
 *
 *   npm run policy -- <stack> [--preview] [--config policy-config.json]
 *
 * `--preview` checks the stack's first preview, where every computed value is still unknown.
 *
 * Resource policies see inputs (as `pulumi preview` analyses them), stack policies see the final
 * state, with the stack outputs as the props of the `pulumi:pulumi:Stack` resource. In a preview
 * run, values unknown at registration are the SDK's unknown sentinel behind the policy SDK's
 * unknown-checking proxy, exactly as in a real preview.
 */
import * as fs from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import type {
    EnforcementLevel,
    Policies,
    PolicyPackConfig,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
} from "@pulumi/policy";
import { UnknownValueError, unknownCheckingProxy } from "../policy/checks";
import { type ProgramRun, type RecordedResource, runProgram, UNKNOWN_MASK, UNKNOWN_VALUE } from "./harness";
import { parseCommandLine } from "./args";
import { runMain } from "./cli";
import { HaMocks } from "./mocks";
import { loadProgram } from "./plan";
import { DEFAULT_PROJECT, readStackFile } from "./stackfile";

export interface Violation {
    readonly policy: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly message: string;
    /** The resource in violation (undefined: the stack as a whole). */
    readonly urn?: string;
}

export interface PolicyReport {
    readonly violations: Violation[];
    /** Policy name -> how many resources (or stacks) it applied to; 0 means it never ran. */
    readonly applied: Record<string, number>;
    /** Policies that could not judge a value unknown during preview (the engine reports these as advisory). */
    readonly unknown: Violation[];
}

class NotApplicable extends Error {}

/**
 * Mocks for a stack's first preview: nothing exists yet, so every id, ARN, address and DNS name a
 * resource would get is unknown, and so is every input built from one, as in `pulumi preview`.
 */
export class FirstPreviewMocks extends HaMocks {
    override newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        return { id: undefined, state: { ...(args.inputs ?? {}) } };
    }
}

type Props = Record<string, unknown>;

/** `a.b[0]`, `a["x.y"]` -> ["a", "b", 0], ["a", "x.y"] (the harness's property-path form). */
export function splitPath(path: string): (string | number)[] {
    const out: (string | number)[] = [];
    for (const m of path.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
        out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]) as string)));
    }
    return out;
}

/** A deep copy with the engine's unknown sentinel at each of `paths`. */
export function withUnknowns(value: Props, paths: readonly string[]): Props {
    const copy = structuredClone(value);
    for (const path of paths) {
        const keys = splitPath(path);
        let cur: Record<string | number, unknown> = copy;
        keys.forEach((k, i) => {
            if (i === keys.length - 1) cur[k] = UNKNOWN_VALUE;
            else {
                if (typeof cur[k] !== "object" || cur[k] === null) cur[k] = typeof keys[i + 1] === "number" ? [] : {};
                cur = cur[k] as Record<string | number, unknown>;
            }
        });
    }
    return copy;
}

/** Stack outputs shown as "(unknown)" by the harness, back to the engine's sentinel. */
function unmask(v: unknown): unknown {
    if (v === UNKNOWN_MASK) return UNKNOWN_VALUE;
    if (Array.isArray(v)) return v.map(unmask);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unmask(x)]));
    return v;
}

function optionsOf(r: RecordedResource): PolicyResourceOptions {
    return {
        protect: r.protect ?? false,
        ignoreChanges: r.ignoreChanges,
        aliases: r.aliases,
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: r.additionalSecretOutputs,
        deleteBeforeReplace: r.deleteBeforeReplace,
        ...(r.parent === undefined ? {} : { parent: r.parent }),
    };
}

const isTypeOf = (type: string) => (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type;

/** The config a policy sees (`getConfig`) and its enforcement level, from a pack config like `--policy-pack-config`. */
export function policyConfig(
    name: string,
    pack: PolicyPackConfig,
    fallback: EnforcementLevel | undefined,
): { level: EnforcementLevel; props: Props } {
    const entry = pack[name] ?? pack.all;
    if (typeof entry === "string") return { level: entry, props: {} };
    const { enforcementLevel, ...props } = entry ?? {};
    return { level: (enforcementLevel as EnforcementLevel | undefined) ?? fallback ?? "mandatory", props };
}

/** What `Analyze` hands a resource policy for one recorded registration. */
export function resourceArgs(r: RecordedResource, config: Props = {}): ResourceValidationArgs {
    const props = unknownCheckingProxy(withUnknowns(r.inputs, r.unknownPaths)) as Props;
    return {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: optionsOf(r),
        stackTags: new Map(),
        isType: isTypeOf(r.type),
        asType: ((cls: unknown) => (isTypeOf(r.type)(cls) ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
}

/** What `AnalyzeStack` hands a stack policy: every resource with its final state, parents resolved. */
export function policyResources(run: ProgramRun): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const out = run.resources.map((r) => {
        const state = r.type === "pulumi:pulumi:Stack" ? (unmask(run.outputs) as Props) : withUnknowns(r.state ?? r.inputs, r.unknownPaths);
        const props = unknownCheckingProxy(state) as Props;
        const resource: PolicyResource = {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: optionsOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: isTypeOf(r.type),
            asType: ((cls: unknown) => (isTypeOf(r.type)(cls) ? props : undefined)) as PolicyResource["asType"],
        };
        byUrn.set(r.urn, resource);
        return resource;
    });
    run.resources.forEach((r, i) => {
        const res = out[i] as { -readonly [K in keyof PolicyResource]: PolicyResource[K] };
        if (r.parent) res.parent = byUrn.get(r.parent);
        res.dependencies = r.dependencies.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
        res.propertyDependencies = Object.fromEntries(
            Object.entries(r.propertyDependencies).map(([k, urns]) => [
                k,
                urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined),
            ]),
        );
    });
    return out;
}

/**
 * Runs every policy over a recorded run the way the engine would: resource policies once per
 * registration (preview analysis), stack policies once over the final state.
 */
export async function checkPolicies(
    run: ProgramRun,
    policies: Policies,
    pack: PolicyPackConfig = {},
    packLevel: EnforcementLevel = "mandatory",
): Promise<PolicyReport> {
    const report: PolicyReport = { violations: [], applied: {}, unknown: [] };
    const resources = policyResources(run);
    for (const p of policies) {
        const { level, props: config } = policyConfig(p.name, pack, p.enforcementLevel ?? packLevel);
        report.applied[p.name] = 0;
        if (level === "disabled") continue;
        const attempt = async (urn: string | undefined, validate: (report: ReportViolation) => void | Promise<void>) => {
            try {
                await validate((message, at) =>
                    report.violations.push({ policy: p.name, enforcementLevel: level, message, urn: at ?? urn }),
                );
                report.applied[p.name]++;
            } catch (e) {
                if (e instanceof NotApplicable) return;
                if (e instanceof UnknownValueError) {
                    report.unknown.push({ policy: p.name, enforcementLevel: "advisory", message: e.message, urn });
                    return;
                }
                throw new Error(`policy ${p.name} failed on ${urn ?? "the stack"}: ${(e as Error).message}`, { cause: e });
            }
        };
        if ("validateResource" in p && p.validateResource) {
            const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
            for (const r of run.resources) {
                for (const v of validations) await attempt(r.urn, (rv) => v(resourceArgs(r, config), rv));
            }
        }
        if ("validateStack" in p) {
            const args: StackValidationArgs = {
                resources,
                stackTags: new Map(),
                getConfig: <T extends object>() => config as T,
                notApplicable: (reason?: string): never => {
                    throw new NotApplicable(reason);
                },
            };
            await attempt(undefined, (rv) => p.validateStack(args, rv));
        }
    }
    return report;
}

/** One line per violation: `[mandatory] ec2-imdsv2-required svc-node-1: ...`. */
export function formatViolations(run: ProgramRun, violations: readonly Violation[]): string {
    const nameOf = (urn: string | undefined) => (urn === undefined ? run.stack : (run.resources.find((r) => r.urn === urn)?.name ?? urn));
    return violations.map((v) => `[${v.enforcementLevel}] ${v.policy} ${nameOf(v.urn)}: ${v.message}`).join("\n");
}

const USAGE = "usage: npm run policy -- <stack> [--preview] [--config policy-config.json]";

export async function main(argv: readonly string[], out = (s: string) => process.stdout.write(s)): Promise<number> {
    let parsed;
    try {
        parsed = parseCommandLine(argv, { preview: { type: "boolean", default: false }, config: { type: "string" } });
    } catch {
        parsed = undefined;
    }
    const [stack, ...extra] = parsed?.positionals ?? [];
    if (parsed === undefined || stack === undefined || extra.length > 0) {
        out(`${USAGE}\n`);
        return 2;
    }
    const { preview, config: configFile } = parsed.values;
    const pack = configFile === undefined ? {} : (JSON.parse(fs.readFileSync(configFile, "utf8")) as PolicyPackConfig);
    const { policies } = await import("../policy/policies");
    const program = loadProgram();
    const run = await runProgram(program, {
        stack,
        config: readStackFile(stack),
        project: DEFAULT_PROJECT,
        preview,
        ...(preview ? { mocks: new FirstPreviewMocks() } : {}),
    });
    if (run.error) {
        out(`error: stack ${stack}: ${run.error.message}\n`);
        return 1;
    }
    const result = await checkPolicies(run, policies, pack);
    const all = [...result.violations, ...result.unknown];
    out(all.length ? `${formatViolations(run, all)}\n` : `stack ${stack}: no policy violations (${policies.length} policies)\n`);
    return result.violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
}

if (require.main === module) runMain(main);
