/**
 * What the benchmarks run: configs derived from the example stacks (so the figures follow the
 * stacks users copy), and the flat baseline program the package's cost is compared with.
 */
import * as aws from "../../components/aws/sdk";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ConfigError, parseSpec, readNamespace } from "../../components/config";
import { planTopology, type TopologyPlan } from "../../components/plan";
import type { ProgramRun, PulumiProgram, RecordedResource } from "../harness";
import { configValueToString, DEFAULT_PROJECT, DEFAULT_STACK_DIR, listStacks, readStackFile } from "../stackfile";

export type FlatConfig = Readonly<Record<string, string>>;

const qualified = (key: string) => `${DEFAULT_PROJECT}:${key}`;

/** A copy of `config` with project keys set (values as Pulumi passes them) and others removed. */
export function withKeys(config: FlatConfig, set: Readonly<Record<string, unknown>>, remove: readonly string[] = []): FlatConfig {
    const out: Record<string, string> = { ...config };
    for (const k of remove) delete out[qualified(k)];
    for (const [k, v] of Object.entries(set)) out[qualified(k)] = configValueToString(v);
    return out;
}

/** The value of a project key, parsed the way the program reads it. */
export function configValue(config: FlatConfig, key: string): unknown {
    return readNamespace(config, DEFAULT_PROJECT)[key];
}

/** The pure plan of a flat config (throws the program's ConfigError when it is invalid). */
export function planOf(config: FlatConfig, stack: string): TopologyPlan {
    return planTopology(parseSpec(readNamespace(config, DEFAULT_PROJECT), { project: DEFAULT_PROJECT, stack }));
}

export interface StackConfig {
    readonly stack: string;
    readonly config: FlatConfig;
}

/** Every example stack in stacks/, in name order. */
export function exampleStacks(dir: string = DEFAULT_STACK_DIR): StackConfig[] {
    return listStacks(dir).map((stack) => ({ stack, config: readStackFile(stack, dir) }));
}

/**
 * The first example stack of a topology with the generic profile; the benchmarks vary it rather than
 * invent a config. The service profiles' stacks name nodes in role and leader settings, which a
 * changed `nodeCount` would leave dangling, and the generic stacks keep the figures comparable over time.
 */
export function exampleStackOf(topology: "ha" | "cluster", dir: string = DEFAULT_STACK_DIR): StackConfig {
    const found = exampleStacks(dir).find(
        (s) => configValue(s.config, "topology") === topology && (configValue(s.config, "profile") ?? "generic") === "generic",
    );
    if (!found) throw new Error(`no example stack with topology ${topology} and the generic profile in ${dir}`);
    return found;
}

export interface CostScenario {
    readonly id: string;
    readonly label: string;
    readonly topology: "ha" | "cluster";
    readonly nodes: number;
    /** The size asked for, when the program's config validation rejects it and `nodes` is the largest it accepts. */
    readonly requested?: number;
    /** Why `requested` was rejected (the first problem of the program's ConfigError). */
    readonly rejection?: string;
}

/** Clusters of 3 to 100 nodes and HA with 1 and 3 replicas, as asked for. */
export const COST_SCENARIOS: readonly CostScenario[] = [
    ...[3, 10, 30, 100].map((n) => ({ id: `cluster-${n}`, label: `cluster, ${n} nodes`, topology: "cluster" as const, nodes: n })),
    ...[1, 3].map((r) => ({ id: `ha-${r}`, label: `HA, ${r} replica${r === 1 ? "" : "s"}`, topology: "ha" as const, nodes: r + 1 })),
];

/** The example stack of the scenario's topology with `nodeCount` nodes instead of its own. */
export function scenarioConfig(s: CostScenario, dir: string = DEFAULT_STACK_DIR): StackConfig {
    const base = exampleStackOf(s.topology, dir);
    return { stack: base.stack, config: withKeys(base.config, { nodeCount: s.nodes }, ["nodes", "primary"]) };
}

/** The config problem that rejects this scenario, or undefined when the program accepts it. */
function rejection(s: CostScenario, dir: string): string | undefined {
    const { stack, config } = scenarioConfig(s, dir);
    try {
        planOf(config, stack);
        return undefined;
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.problems.map((p) => `${p.path}: ${p.message}`).join("; ");
    }
}

/**
 * The scenario as the program accepts it: unchanged, or, when config validation rejects its size
 * (a cluster's replication documents outgrow an SSM parameter), the largest size it accepts, found
 * by bisection (a document only grows with the node count).
 */
export function acceptedScenario(s: CostScenario, dir: string = DEFAULT_STACK_DIR): CostScenario {
    const why = rejection(s, dir);
    if (why === undefined) return s;
    const at = (nodes: number) => ({ ...s, nodes });
    // The smallest scenario of the topology is the known-good end.
    let ok = Math.min(...COST_SCENARIOS.filter((x) => x.topology === s.topology).map((x) => x.nodes));
    if (ok >= s.nodes || rejection(at(ok), dir) !== undefined) throw new Error(`${s.label} is rejected: ${why}`);
    let bad = s.nodes;
    while (bad - ok > 1) {
        const mid = Math.floor((ok + bad) / 2);
        if (rejection(at(mid), dir) === undefined) ok = mid;
        else bad = mid;
    }
    const unit = s.topology === "ha" ? "replicas" : "nodes";
    const size = s.topology === "ha" ? ok - 1 : ok;
    return {
        ...s,
        nodes: ok,
        requested: s.nodes,
        rejection: why,
        label: `${s.topology === "ha" ? "HA" : "cluster"}, ${size} ${unit} (${s.label.split(", ")[1]} rejected)`,
    };
}

/** A resource as the baseline registers it again: its type, name, recorded input values and dependencies. */
export interface FlatResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    /**
     * Per input property, the resources (indices into the same list, all earlier) whose outputs fed it
     * in ours: the baseline passes that property as an Output of theirs, as any program creating both must.
     */
    readonly propertyDeps?: Record<string, number[]>;
    /** Dependencies not carried by an input (`dependsOn`), as indices. */
    readonly dependsOn?: number[];
    /**
     * Inputs that were one resource's output as it is (a subnet's id, a topic's ARN): the resource's index
     * and the output's name; the baseline passes that Output itself, as a program would.
     */
    readonly passed?: Record<string, readonly [number, string]>;
    /** Property paths of the inputs that were secret (`value`, `parameters.configHash`): `pulumi.secret` there. */
    readonly secrets?: string[];
    /** The resource options ours set that make it the same resource (not `parent`, `aliases` or `provider`). */
    readonly options?: Pick<
        pulumi.CustomResourceOptions,
        "protect" | "ignoreChanges" | "deleteBeforeReplace" | "retainOnDelete" | "additionalSecretOutputs" | "replaceOnChanges"
    >;
}

/**
 * The cloud resources of a run (not the stack, components or providers), for the baseline, with the
 * dependencies between them as the run recorded them. A dependency on a component (the SDK sends the
 * component's URN only for `dependsOn`) stands for the cloud resources under it.
 */
export function flatResources(run: ProgramRun): FlatResource[] {
    const cloud = run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:"));
    const index = new Map(cloud.map((r, i) => [r.urn, i]));
    const children = new Map<string, string[]>();
    for (const r of run.resources) {
        if (r.parent !== undefined) children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
    }
    // A URN's cloud resources: itself, or for a component every cloud resource below it; providers and the stack none.
    const cloudOf = (urn: string, out: Set<number>): Set<number> => {
        const i = index.get(urn);
        if (i !== undefined) out.add(i);
        else for (const c of children.get(urn) ?? []) cloudOf(c, out);
        return out;
    };
    return cloud.map((r, i) => {
        const propertyDeps: Record<string, number[]> = {};
        const passed: Record<string, readonly [number, string]> = {};
        const carried = new Set<number>();
        for (const [prop, urns] of Object.entries(r.propertyDependencies)) {
            const deps = new Set<number>();
            for (const u of urns) cloudOf(u, deps);
            if (deps.size === 0) continue;
            propertyDeps[prop] = [...deps].sort((a, b) => a - b);
            for (const d of deps) carried.add(d);
            const output = deps.size === 1 ? outputNamed(cloud[propertyDeps[prop][0]], r.inputs[prop]) : undefined;
            if (output !== undefined) passed[prop] = [propertyDeps[prop][0], output];
        }
        const secrets = r.secretPaths;
        const options: NonNullable<FlatResource["options"]> = {
            ...(r.protect !== undefined ? { protect: r.protect } : {}),
            ...(r.retainOnDelete !== undefined ? { retainOnDelete: r.retainOnDelete } : {}),
            ...(r.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
            ...(r.ignoreChanges.length > 0 ? { ignoreChanges: r.ignoreChanges } : {}),
            ...(r.replaceOnChanges.length > 0 ? { replaceOnChanges: r.replaceOnChanges } : {}),
            ...(r.additionalSecretOutputs.length > 0 ? { additionalSecretOutputs: r.additionalSecretOutputs } : {}),
        };
        const explicit = new Set<number>();
        for (const u of r.dependencies) for (const d of cloudOf(u, new Set())) if (!carried.has(d)) explicit.add(d);
        for (const d of [...carried, ...explicit]) {
            if (d >= i) throw new Error(`baseline: ${r.type} ${r.name} depends on ${cloud[d].name}, registered after it`);
        }
        return {
            type: r.type,
            name: r.name,
            inputs: r.inputs,
            ...(Object.keys(propertyDeps).length > 0 ? { propertyDeps } : {}),
            ...(explicit.size > 0 ? { dependsOn: [...explicit].sort((a, b) => a - b) } : {}),
            ...(Object.keys(passed).length > 0 ? { passed } : {}),
            ...(secrets.length > 0 ? { secrets } : {}),
            ...(Object.keys(options).length > 0 ? { options } : {}),
        };
    });
}

/** The name of the resource's output (`id`, or a key of its state) whose value is `value`, if a string one is. */
function outputNamed(r: RecordedResource, value: unknown): string | undefined {
    if (typeof value !== "string" || value === "") return undefined;
    if (r.id === value) return "id";
    return Object.entries(r.state ?? {}).find(([k, v]) => v === value && k !== "urn")?.[0];
}

/** The SDK class of a type token: `aws:ec2/instance:Instance` -> `aws.ec2.Instance`, `random:index/x:X` -> `random.X`. */
export function resourceClass(
    type: string,
): new (name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource {
    const [pkg, mod, cls] = type.split(":");
    const root: Record<string, unknown> | undefined = pkg === "aws" ? aws : pkg === "random" ? random : undefined;
    const ns = mod?.split("/")[0];
    const holder = (ns === "index" ? root : root?.[ns]) as Record<string, unknown> | undefined;
    const ctor = holder?.[cls];
    if (typeof ctor !== "function") throw new Error(`baseline: no SDK class for resource type ${type}`);
    return ctor as new (name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;
}

/**
 * Wraps the value at a property path (`a.b`, `a[0].b`) of `args` in `pulumi.secret`, copying the objects on
 * the way (the recorded inputs are reused by every run); an Output on the way is made secret as a whole.
 */
function secretAt(args: Record<string, unknown>, path: string): void {
    const keys = path.split(/\.|\[(\d+)\]\.?/).filter((k) => k !== undefined && k !== "");
    let holder: Record<string, unknown> = args;
    for (let i = 0; i < keys.length - 1; i++) {
        const v = holder[keys[i]];
        if (pulumi.Output.isInstance(v) || v === null || typeof v !== "object") {
            holder[keys[i]] = pulumi.secret(v);
            return;
        }
        holder = holder[keys[i]] = (Array.isArray(v) ? [...v] : { ...v }) as Record<string, unknown>;
    }
    holder[keys[keys.length - 1]] = pulumi.secret(holder[keys[keys.length - 1]]);
}

/** The first `n` resources of a baseline, without dependencies on the ones left out (the warm-up's smaller program). */
export function firstResources(resources: readonly FlatResource[], n: number): FlatResource[] {
    const keep = (deps: number[]) => deps.filter((d) => d < n);
    return resources.slice(0, n).map((r) => ({
        ...r,
        ...(r.propertyDeps
            ? {
                  propertyDeps: Object.fromEntries(
                      Object.entries(r.propertyDeps)
                          .map(([k, v]) => [k, keep(v)])
                          .filter(([, v]) => v.length > 0),
                  ),
              }
            : {}),
        ...(r.dependsOn ? { dependsOn: keep(r.dependsOn) } : {}),
    }));
}

/**
 * The baseline: the same resources (same types, names and input values) registered through the same
 * SDK classes and harness, flat: no config, plan or components. Each input that another resource's
 * outputs fed in ours is an Output of that resource here: the output itself when the value is one of
 * its outputs as it is (`subnet.id`), else derived (`dep.id.apply(() => value)`, or from several through one
 * shared `pulumi.all`), with the value ours had, and `dependsOn` where ours had it: the dependencies
 * are the resources' own (an attachment needs its instance's id), which a flat program has too. Inputs
 * secret in ours are secret here, and the options that make it the same resource (protect,
 * ignoreChanges, deleteBeforeReplace, retainOnDelete, replaceOnChanges, additionalSecretOutputs) are set;
 * not parents, aliases (the package's own history) or providers. What the program costs beyond it is its
 * own work (config, plan, components, aliases, outputs).
 */
export function baselineProgram(resources: readonly FlatResource[]): PulumiProgram {
    const classes = resources.map((r) => resourceClass(r.type));
    return () => {
        const made: pulumi.CustomResource[] = [];
        // One Output per set of resources, shared by the inputs that need the same ones (as a program
        // combines its nodes' addresses once and derives each node's document from that).
        const combined = new Map<string, pulumi.Output<unknown>>();
        const outputOf = (deps: number[]): pulumi.Output<unknown> => {
            if (deps.length === 1) return made[deps[0]].id;
            const key = deps.join(",");
            let o = combined.get(key);
            if (o === undefined) combined.set(key, (o = pulumi.all(deps.map((d) => made[d].id))));
            return o;
        };
        resources.forEach((r, i) => {
            const args: Record<string, unknown> = { ...r.inputs };
            for (const [prop, deps] of Object.entries(r.propertyDeps ?? {})) {
                const value = r.inputs[prop];
                const passed = r.passed?.[prop];
                const output = passed && (made[passed[0]] as unknown as Record<string, unknown>)[passed[1]];
                args[prop] = pulumi.Output.isInstance(output) ? output : outputOf(deps).apply(() => value);
            }
            for (const p of r.secrets ?? []) secretAt(args, p);
            const dependsOn = (r.dependsOn ?? []).map((d) => made[d]);
            const opts = { ...r.options, ...(dependsOn.length > 0 ? { dependsOn } : {}) };
            made.push(new classes[i](r.name, args, Object.keys(opts).length > 0 ? opts : undefined));
        });
    };
}
