/**
 * Blast radius of day-2 operations: each is a config change run through the program twice and
 * compared resource by resource with the plan diff reviewers see (`planDiff`, tools/plandiff.ts:
 * replacements from the provider's replace-on-change properties minus ignoreChanges, plus what a
 * replacement drags along), then checked against its goal.
 */
import { planDiff, type PlanDiff } from "../plandiff";
import { runProgram, resourceKey, type ProgramRun, type PulumiProgram } from "../harness";
import { parsePath } from "../replacements";
import { table } from "./markdown";
import type { TopologyPlan } from "../../components/plan";
import { configValue, exampleStackOf, exampleStacks, type FlatConfig, planOf, withKeys } from "./scenarios";

export type Goal =
    { readonly kind: "no-replace-or-delete" } | { readonly kind: "only-node"; readonly node: string; readonly added: boolean };

export interface Operation {
    readonly name: string;
    readonly stack: string;
    readonly before: FlatConfig;
    readonly after: FlatConfig;
    readonly goal: Goal;
}

/** What changes, by `type::name` key; `changes` holds each update's and replacement's changed properties. */
export interface Classified {
    readonly created: readonly string[];
    readonly updated: readonly string[];
    readonly replaced: readonly string[];
    readonly deleted: readonly string[];
    /** Top-level input properties that change, per updated or replaced key. */
    readonly changes: Readonly<Record<string, readonly string[]>>;
    /** Types with no replace-on-change rules (their changes count as updates), from `planDiff`. */
    readonly warnings: readonly string[];
}

/** The plan diff's partition, keyed for the verdicts. */
export function classified(d: PlanDiff): Classified {
    const changes: Record<string, string[]> = {};
    for (const i of [...d.updated, ...d.replaced]) {
        changes[resourceKey(i)] = [...new Set((i.changes ?? []).map((c) => String(parsePath(c.property)[0])))].sort();
    }
    return {
        created: d.created.map(resourceKey),
        updated: d.updated.map(resourceKey),
        replaced: d.replaced.map(resourceKey),
        deleted: d.deleted.map(resourceKey),
        changes,
        warnings: d.warnings,
    };
}

export function classify(before: ProgramRun, after: ProgramRun): Classified {
    return classified(planDiff(before, after, "before"));
}

const DOCUMENT = "aws:ssm/parameter:Parameter";
const ASSOCIATION = "aws:ssm/association:Association";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A resource named for the node: its key is a dash-separated part of the name (`svc-app-d-data`). */
export function ownedBy(name: string, node: string): boolean {
    return new RegExp(`(^|-)${escapeRe(node)}(-|$)`).test(name);
}

export interface Verdict {
    readonly met: boolean;
    /** What broke the goal, one entry per offending resource. */
    readonly problems: readonly string[];
    /** Changes outside the node that the goal allows, as `reason: keys`; shown, not hidden. */
    readonly allowed: readonly string[];
}

export type Touch = "creates" | "updates" | "replaces" | "deletes";

/**
 * SSM parameters (by name) of the other nodes whose replication document lists `node` (as a peer,
 * replica, primary, leader or removed node), with their rendered configuration scripts, which are
 * rendered from the document. From the plan of the side that has the node.
 */
export function parametersListing(plan: TopologyPlan, node: string): Set<string> {
    return new Set(
        plan.replication.documents
            .filter((d) => d.node !== node && JSON.stringify(d.document).includes(JSON.stringify(node)))
            .flatMap((d) => [d.parameter, d.configParameter]),
    );
}

/**
 * Why a resource outside the node may change when a node is added or removed, or undefined.
 * Exactly the documented consequences: the SSM parameters of the documents that list the node
 * (`listing`), the associations that re-apply a changed parameter (only their `parameters`, which
 * carry its hash), and the cluster's "fewer healthy targets than N" alarm, whose threshold and
 * description follow the serving node count (unless `monitoring.minHealthyTargets` fixes N).
 */
export function allowedForNode(
    what: Touch,
    key: string,
    changed: readonly string[],
    inputs: Record<string, unknown> | undefined,
    listing: ReadonlySet<string>,
): string | undefined {
    if (what !== "updates") return undefined;
    const type = key.slice(0, key.indexOf("::"));
    const only = (allowed: readonly string[]) => changed.length > 0 && changed.every((p) => allowed.includes(p));
    if (type === DOCUMENT && only(["value"]) && typeof inputs?.name === "string" && listing.has(inputs.name)) {
        return "documents that list the node";
    }
    if (type === ASSOCIATION && only(["parameters"])) return "associations re-applying a changed document";
    if (type === ALARM && inputs?.metricName === "HealthyHostCount" && only(["threshold", "alarmDescription"])) {
        return "healthy-target alarm threshold (follows the serving node count)";
    }
    return undefined;
}

/**
 * Checks a classified change against its goal. A node operation may touch that node's own
 * resources and what `allowedForNode` lists; `withNode` is the run that has the node (after an
 * addition, before a removal) and `listing` the parameters its plan lists the node in.
 */
export function verdict(goal: Goal, c: Classified, withNode?: ProgramRun, listing: ReadonlySet<string> = new Set()): Verdict {
    const problems: string[] = [];
    if (goal.kind === "no-replace-or-delete") {
        for (const k of c.replaced) problems.push(`replaces ${k}`);
        for (const k of c.deleted) problems.push(`deletes ${k}`);
        return { met: problems.length === 0, problems, allowed: [] };
    }
    const inputs = new Map((withNode?.resources ?? []).map((r) => [resourceKey(r), r.inputs]));
    const nameOf = (key: string) => key.slice(key.indexOf("::") + 2);
    const touched: readonly (readonly [Touch, string])[] = [
        ...c.created.map((k) => ["creates", k] as const),
        ...c.updated.map((k) => ["updates", k] as const),
        ...c.replaced.map((k) => ["replaces", k] as const),
        ...c.deleted.map((k) => ["deletes", k] as const),
    ];
    const allowed = new Map<string, string[]>();
    for (const [what, key] of touched) {
        if (ownedBy(nameOf(key), goal.node)) continue;
        const why = allowedForNode(what, key, c.changes[key] ?? [], inputs.get(key), listing);
        if (why === undefined) problems.push(`${what} ${key}`);
        else allowed.set(why, [...(allowed.get(why) ?? []), key]);
    }
    return {
        met: problems.length === 0,
        problems,
        allowed: [...allowed].map(([why, keys]) => `${why}: ${keys.map(short).join(", ")}`),
    };
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

    const promotion = (stack: string, base: FlatConfig, behind: string): Operation => {
        const plan = planOf(base, stack);
        const primary = plan.primary ?? plan.nodes[0].key;
        const promoted = plan.nodes.find((n) => n.key !== primary)?.key;
        if (promoted === undefined) throw new Error(`example stack ${stack} has one node: nothing to promote`);
        return {
            name: `HA promotion${behind} (${primary} -> ${promoted})`,
            stack,
            before: withKeys(base, { primary }),
            after: withKeys(base, { primary: promoted }),
            goal: none,
        };
    };
    ops.push(promotion(ha.stack, ha.config, ""));
    // Behind a load balancer the promotion moves target-group attachments: the example stack that has one, if any.
    const behindLb = exampleStacks().find(
        // A DR stack's promotion to its local replica is the same operation; the single-region one keeps the figures comparable.
        (s) =>
            configValue(s.config, "topology") === "ha" &&
            configValue(s.config, "dr") === undefined &&
            planOf(s.config, s.stack).loadBalancer !== undefined,
    );
    ops.push(
        behindLb
            ? promotion(
                  behindLb.stack,
                  behindLb.config,
                  ` behind ${planOf(behindLb.config, behindLb.stack).loadBalancer!.kind.toUpperCase()}`,
              )
            : promotion(ha.stack, withKeys(ha.config, { loadBalancer: { kind: "nlb" } }), " behind an NLB"),
    );

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
        const c = classify(runs[0], runs[1]);
        const goal = op.goal;
        const v =
            goal.kind === "only-node"
                ? verdict(
                      goal,
                      c,
                      goal.added ? runs[1] : runs[0],
                      parametersListing(planOf(goal.added ? op.after : op.before, op.stack), goal.node),
                  )
                : verdict(goal, c);
        rows.push({ operation: op, classified: c, verdict: v });
    }
    return rows;
}

const GOAL_TEXT: Record<Goal["kind"], string> = {
    "no-replace-or-delete": "replaces and deletes nothing",
    "only-node": "touches only the node's resources plus the attachments and documents that list it",
};

/** `aws:ec2/instance:Instance::svc-app-d` -> `svc-app-d (Instance)`, for compact lists. */
function short(key: string): string {
    const type = key.slice(0, key.indexOf("::"));
    return `${key.slice(type.length + 2)} (${type.slice(type.lastIndexOf(":") + 1)})`;
}

const ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment";

/** A promotion whose only deletions are target-group attachments moved from the old primary to the new one. */
function movesAttachmentsOnly(r: BlastRow): boolean {
    const c = r.classified;
    const isAttachment = (k: string) => k.startsWith(`${ATTACHMENT}::`);
    // HA attachments are keyed by role and replaced delete-first; what replaces is only them.
    return (
        r.operation.goal.kind === "no-replace-or-delete" &&
        c.deleted.length === 0 &&
        c.created.length === 0 &&
        c.replaced.length > 0 &&
        c.replaced.every(isAttachment)
    );
}

export function renderBlast(rows: readonly BlastRow[]): string {
    const warnings = [...new Set(rows.flatMap((r) => r.classified.warnings))];
    const out: string[] = [
        "Each operation runs the program on an example stack before and after the config change an operator would make, and " +
            "compares every resource with the plan diff a reviewer sees (`planDiff`, tools/plandiff.ts, as `npm run plan -- <stack> " +
            "--diff <ref>` prints it): an update is a replacement when a property the AWS provider cannot change in place differs " +
            "(`REPLACE_ON_CHANGE`, tools/replacements.ts, after each resource's `ignoreChanges`), and a replacement drags along the " +
            "resources fed by its outputs (`withDependents`, tools/diff.ts). Counts are resources (components excluded).",
        "",
        "Adding or removing a node may touch, besides the resources named for the node (instance, data volume and its attachment, " +
            "target-group attachments, alarms, SSM parameters and associations), exactly these documented consequences, listed per " +
            "operation below: the SSM parameters of the other nodes whose replication document lists the node (the document and " +
            "the configuration script rendered from it), the associations that re-apply a changed parameter (only their " +
            '`parameters`, which carry its hash), and the cluster\'s "fewer healthy targets than N" alarm (only its threshold and ' +
            "description, which follow the serving node count unless `monitoring.minHealthyTargets` fixes N). A promotion re-points " +
            "the primary's status-check alarm and Route 53 health check (updates of their dimensions), which the promotion goal " +
            "allows as updates.",
        "",
        ...(warnings.length > 0 ? [...warnings.map((w) => `Warning: ${w}.`), ""] : []),
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
        if (r.verdict.allowed.length > 0) out.push(`  Allowed outside the node: ${r.verdict.allowed.join("; ")}.`);
        if (!r.verdict.met) out.push(`  Goal missed: ${r.verdict.problems.join("; ")}.`);
        if (!r.verdict.met && movesAttachmentsOnly(r)) {
            out.push(
                "  The only replacements are the primary's target-group attachments (one per target group, keyed by role): an " +
                    "attachment cannot change its target in place (`targetId` forces a replacement), so moving the load balancer's " +
                    "target replaces it; it is replaced delete-first, so the old and the new primary never take traffic together. " +
                    "No instance or volume is touched.",
            );
        }
    }
    out.push("");
    return out.join("\n");
}
