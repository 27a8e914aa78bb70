/**
 * Blast radius of day-2 operations: each is a config change run through the program twice and
 * compared resource by resource (tools/diff.ts), then classified and checked against its goal.
 */
import { diffRuns, type RunDiff } from "../diff";
import { runProgram, resourceKey, type ProgramRun, type PulumiProgram, type RecordedResource } from "../harness";
import { table } from "./markdown";
import { configValue, exampleStackOf, type FlatConfig, planOf, withKeys } from "./scenarios";

/**
 * LOCAL STOPGAP, until tools/diff.ts classifies replacements itself: input properties whose change
 * makes the AWS provider replace an Instance or a Volume (ForceNew in the provider schema). Other
 * types' changes are counted as updates.
 */
export const LOCAL_REPLACE_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
    "aws:ec2/instance:Instance": [
        "ami",
        "availabilityZone",
        "subnetId",
        "privateIp",
        "keyName",
        "associatePublicIpAddress",
        "placementGroup",
    ],
    "aws:ebs/volume:Volume": ["availabilityZone", "encrypted", "kmsKeyId", "snapshotId", "outpostArn"],
};

export type Goal =
    { readonly kind: "no-replace-or-delete" } | { readonly kind: "only-node"; readonly node: string; readonly added: boolean };

export interface Operation {
    readonly name: string;
    readonly stack: string;
    readonly before: FlatConfig;
    readonly after: FlatConfig;
    readonly goal: Goal;
}

export interface Classified {
    readonly created: readonly string[];
    readonly updated: readonly string[];
    readonly replaced: readonly string[];
    readonly deleted: readonly string[];
    /** Where the replacement classification came from. */
    readonly replaceSource: "tools/diff.ts" | "local table";
}

/** `replaced` from tools/diff.ts once it reports one (as keys or as changes with a key). */
function diffReplaced(d: RunDiff): string[] | undefined {
    const r = (d as unknown as { replaced?: unknown }).replaced;
    if (!Array.isArray(r)) return undefined;
    return r.map((x: unknown) => (typeof x === "string" ? x : String((x as { key: unknown }).key)));
}

/** Whether the local table (or the resource's own replaceOnChanges) makes these changes a replacement. */
export function replacesLocally(now: RecordedResource, changed: readonly string[]): boolean {
    const props = new Set([...(LOCAL_REPLACE_PROPERTIES[now.type] ?? []), ...now.replaceOnChanges]);
    // userData replaces an instance only when the resource asks for it.
    if (now.type === "aws:ec2/instance:Instance" && now.inputs.userDataReplaceOnChange === true) {
        props.add("userData");
        props.add("userDataBase64");
    }
    return changed.some((p) => props.has(p));
}

export function classify(before: ProgramRun, after: ProgramRun, d: RunDiff = diffRuns(before, after)): Classified {
    const fromDiff = diffReplaced(d);
    const byKey = new Map(after.resources.map((r) => [resourceKey(r), r]));
    const replaced = fromDiff ?? d.updated.filter((u) => replacesLocally(byKey.get(u.key)!, u.changed)).map((u) => u.key);
    const isReplaced = new Set(replaced);
    return {
        created: d.created,
        updated: d.updated.map((u) => u.key).filter((k) => !isReplaced.has(k)),
        replaced,
        deleted: d.deleted,
        replaceSource: fromDiff ? "tools/diff.ts" : "local table",
    };
}

const DOCUMENT = "aws:ssm/parameter:Parameter";
const ASSOCIATION = "aws:ssm/association:Association";
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A resource named for the node: its key is a dash-separated part of the name (`svc-app-d-data`). */
export function ownedBy(name: string, node: string): boolean {
    return new RegExp(`(^|-)${escapeRe(node)}(-|$)`).test(name);
}

export interface Verdict {
    readonly met: boolean;
    /** What broke the goal, one entry per offending resource. */
    readonly problems: readonly string[];
}

/**
 * Checks a classified change against its goal. A node operation may touch that node's own
 * resources, the replication documents that list the node (their value names it) and the
 * associations that re-apply a changed document (their `parameters` carry the document's hash).
 */
export function verdict(goal: Goal, c: Classified, before: ProgramRun, after: ProgramRun, d: RunDiff): Verdict {
    const problems: string[] = [];
    if (goal.kind === "no-replace-or-delete") {
        for (const k of c.replaced) problems.push(`replaces ${k}`);
        for (const k of c.deleted) problems.push(`deletes ${k}`);
        return { met: problems.length === 0, problems };
    }
    const withNode = new Map((goal.added ? after : before).resources.map((r) => [resourceKey(r), r]));
    const changes = new Map(d.updated.map((u) => [u.key, u]));
    // Documents are JSON text: the node appears as a quoted string (so node-1 is not found in node-10).
    const listsNode = (value: unknown) => typeof value === "string" && value.includes(JSON.stringify(goal.node));
    const nameOf = (key: string) => key.slice(key.indexOf("::") + 2);
    const typeOf = (key: string) => key.slice(0, key.indexOf("::"));
    const touched: [string, string][] = [
        ...c.created.map((k): [string, string] => ["creates", k]),
        ...c.updated.map((k): [string, string] => ["updates", k]),
        ...c.replaced.map((k): [string, string] => ["replaces", k]),
        ...c.deleted.map((k): [string, string] => ["deletes", k]),
    ];
    for (const [what, key] of touched) {
        if (ownedBy(nameOf(key), goal.node)) continue;
        if (what === "updates" && typeOf(key) === DOCUMENT && listsNode(withNode.get(key)?.inputs.value)) continue;
        if (what === "updates" && typeOf(key) === ASSOCIATION && changes.get(key)?.changed.every((p) => p === "parameters")) continue;
        problems.push(`${what} ${key}`);
    }
    return { met: problems.length === 0, problems };
}

/** The key after `last` in the same pattern (`app-c` -> `app-d`, `node-2` -> `node-3`), not one of `taken`. */
export function nextKey(last: string, taken: readonly string[]): string {
    const number = /^(.*?)(\d+)$/.exec(last);
    const letter = /^(.*[-_])([a-y])$/.exec(last);
    let candidate = `${last}-new`;
    if (number) candidate = `${number[1]}${Number(number[2]) + 1}`;
    else if (letter) candidate = `${letter[1]}${String.fromCharCode(letter[2].charCodeAt(0) + 1)}`;
    while (taken.includes(candidate)) candidate = `${candidate}-new`;
    return candidate;
}

const NEW_AMI = ["ami-0fedcba9876543210", "ami-00112233445566778"];

/** The operations, each built from an example stack by changing the keys an operator would change. */
export function operations(): Operation[] {
    const ha = exampleStackOf("ha");
    const cluster = exampleStackOf("cluster");
    const ops: Operation[] = [];
    const none: Goal = { kind: "no-replace-or-delete" };

    const haPlan = planOf(ha.config, ha.stack);
    const primary = haPlan.primary ?? haPlan.nodes[0].key;
    const promoted = haPlan.nodes.find((n) => n.key !== primary)?.key;
    if (promoted === undefined) throw new Error(`example stack ${ha.stack} has one node: nothing to promote`);
    const promote = (name: string, base: FlatConfig): Operation => ({
        name,
        stack: ha.stack,
        before: withKeys(base, { primary }),
        after: withKeys(base, { primary: promoted }),
        goal: none,
    });
    ops.push(promote(`HA promotion (${primary} -> ${promoted})`, ha.config));
    if (haPlan.loadBalancer === undefined) {
        ops.push(promote(`HA promotion behind an NLB (${primary} -> ${promoted})`, withKeys(ha.config, { loadBalancer: { kind: "nlb" } })));
    }

    const clusterPlan = planOf(cluster.config, cluster.stack);
    const keys = clusterPlan.nodes.map((n) => n.key);
    const mapped = configValue(cluster.config, "nodes");
    const nodes: Record<string, unknown> =
        mapped !== null && typeof mapped === "object" && !Array.isArray(mapped)
            ? { ...(mapped as Record<string, unknown>) }
            : Object.fromEntries(clusterPlan.nodes.map((n) => [n.key, { zone: n.zone }]));
    // A counted stack moves to the equivalent `nodes` map first (which changes nothing), as the README says.
    const asMap = (m: Record<string, unknown>) => withKeys(cluster.config, { nodes: m }, ["nodeCount"]);
    const added = nextKey(keys[keys.length - 1], keys);
    ops.push({
        name: `add a node (${added})`,
        stack: cluster.stack,
        before: cluster.config,
        after: asMap({ ...nodes, [added]: { zone: clusterPlan.nodes[0].zone } }),
        goal: { kind: "only-node", node: added, added: true },
    });
    const middle = keys[Math.floor(keys.length / 2)];
    const { [middle]: _removed, ...rest } = nodes;
    ops.push({
        name: `remove a middle node (${middle})`,
        stack: cluster.stack,
        before: cluster.config,
        after: asMap(rest),
        goal: { kind: "only-node", node: middle, added: false },
    });

    const ami = NEW_AMI.find((a) => a !== configValue(cluster.config, "ami"))!;
    ops.push({ name: "AMI change", stack: cluster.stack, before: cluster.config, after: withKeys(cluster.config, { ami }), goal: none });

    const dns = configValue(ha.config, "dns") as Record<string, unknown>;
    const ttl = dns.ttl === 30 ? 45 : 30;
    ops.push({
        name: `TTL change (-> ${ttl} s)`,
        stack: ha.stack,
        before: ha.config,
        after: withKeys(ha.config, { dns: { ...dns, ttl } }),
        goal: none,
    });
    return ops;
}

export interface BlastRow {
    readonly operation: Operation;
    readonly classified: Classified;
    readonly verdict: Verdict;
}

export async function measureBlast(program: PulumiProgram, ops: readonly Operation[] = operations()): Promise<BlastRow[]> {
    const rows: BlastRow[] = [];
    for (const op of ops) {
        const runs: ProgramRun[] = [];
        for (const config of [op.before, op.after]) {
            const run = await runProgram(program, { stack: op.stack, config: { ...config } });
            if (run.error) throw new Error(`${op.name}: ${run.error.message}`);
            runs.push(run);
        }
        const d = diffRuns(runs[0], runs[1]);
        const classified = classify(runs[0], runs[1], d);
        rows.push({ operation: op, classified, verdict: verdict(op.goal, classified, runs[0], runs[1], d) });
    }
    return rows;
}

const GOAL_TEXT: Record<Goal["kind"], string> = {
    "no-replace-or-delete": "replaces and deletes nothing",
    "only-node": "touches only the node's resources and the documents that list it",
};

/** `aws:ec2/instance:Instance::svc-app-d` -> `svc-app-d (Instance)`, for compact lists. */
function short(key: string): string {
    const type = key.slice(0, key.indexOf("::"));
    return `${key.slice(type.length + 2)} (${type.slice(type.lastIndexOf(":") + 1)})`;
}

export function renderBlast(rows: readonly BlastRow[]): string {
    const sources = [...new Set(rows.map((r) => r.classified.replaceSource))];
    const out: string[] = [
        "Each operation runs the program on an example stack before and after the config change an operator would make, and " +
            "compares every resource (`diffRuns`, tools/diff.ts). Counts are resources (components excluded). " +
            (sources.includes("local table")
                ? "Replacements are classified by a LOCAL STOPGAP table in tools/bench/blast.ts (Instance: " +
                  `${LOCAL_REPLACE_PROPERTIES["aws:ec2/instance:Instance"].join(", ")}; Volume: ` +
                  `${LOCAL_REPLACE_PROPERTIES["aws:ebs/volume:Volume"].join(", ")}; plus any \`replaceOnChanges\`), until ` +
                  "tools/diff.ts classifies them; a replacement of any other type would be counted as an update."
                : "Replacements as classified by tools/diff.ts."),
        "",
        table(
            ["operation", "stack", "created", "updated", "replaced", "deleted", "goal", "met"],
            rows.map((r) => [
                r.operation.name,
                r.operation.stack,
                r.classified.created.length,
                r.classified.updated.length,
                r.classified.replaced.length,
                r.classified.deleted.length,
                GOAL_TEXT[r.operation.goal.kind],
                r.verdict.met ? "met" : "NOT met",
            ]),
        ),
        "",
    ];
    for (const r of rows) {
        const c = r.classified;
        const parts = (["created", "updated", "replaced", "deleted"] as const)
            .filter((k) => c[k].length > 0)
            .map((k) => `${k}: ${c[k].map(short).join(", ")}`);
        out.push(`- ${r.operation.name}: ${parts.length > 0 ? parts.join("; ") : "no change"}.`);
        if (!r.verdict.met) out.push(`  Goal missed: ${r.verdict.problems.join("; ")}.`);
    }
    out.push("");
    return out.join("\n");
}
