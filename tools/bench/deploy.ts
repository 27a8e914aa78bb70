/** Deployment critical path of each example stack (and a large cluster), against the floor. */
import { runProgram, type ProgramRun, type PulumiProgram } from "../harness";
import {
    CREATION_TIME_SOURCES,
    creationGraph,
    creationTime,
    type CriticalPath,
    deploymentFloor,
    DNS_RECORD,
    type Floor,
    longestPath,
    orderingOnlyDependencies,
    type OrderingOnly,
    orderingReason,
} from "./critical-path";
import { fixed, table } from "./markdown";
import { displayType } from "../plan";
import { acceptedScenario, configValue, COST_SCENARIOS, exampleStackOf, scenarioConfig, type StackConfig, withKeys } from "./scenarios";

/** The critical path may exceed the floor by this fraction. */
export const FLOOR_GOAL = 0.1;

export interface DeployCase extends StackConfig {
    readonly label: string;
}

/**
 * Every example stack; the generic HA stack with automatic DNS failover when no example stack uses
 * it (its failover records and health checks add to the graph); the largest cluster the program accepts.
 */
export function deployCases(stacks: readonly StackConfig[]): DeployCase[] {
    const cases: DeployCase[] = stacks.map((s) => ({ ...s, label: s.stack }));
    if (!stacks.some((s) => configValue(s.config, "failover") === "automatic")) {
        const ha = exampleStackOf("ha");
        cases.push({ stack: ha.stack, config: withKeys(ha.config, { failover: "automatic" }), label: `${ha.stack}, failover: automatic` });
    }
    const largest = COST_SCENARIOS.filter((s) => s.topology === "cluster").sort((a, b) => b.nodes - a.nodes)[0];
    if (largest) {
        const accepted = acceptedScenario(largest);
        const c = scenarioConfig(accepted);
        cases.push({ ...c, label: `${c.stack}, ${accepted.label}` });
    }
    return cases;
}

export interface DeployRow {
    readonly label: string;
    readonly resources: number;
    /** Until the last resource exists. */
    readonly path: CriticalPath;
    /** Until the service's DNS record exists (clients can connect). */
    readonly toDns: CriticalPath;
    readonly floor: Floor;
    /** With what leaving each one out would save on the critical path. */
    readonly orderingOnly: readonly (OrderingOnly & { readonly saves: number })[];
    /** Resource types in the run, for the table of creation times. */
    readonly types: readonly string[];
}

export function analyseRun(caseLabel: string, run: ProgramRun): DeployRow {
    const graph = creationGraph(run.resources);
    const path = longestPath(graph);
    const toDns = longestPath(graph, (n) => n.type === DNS_RECORD);
    return {
        label: caseLabel,
        resources: graph.length,
        path,
        toDns,
        floor: deploymentFloor(run.resources),
        orderingOnly: orderingOnlyDependencies(run.resources).map((o) => ({
            ...o,
            saves: path.seconds - longestPath(creationGraph(run.resources, undefined, o)).seconds,
        })),
        types: [...new Set(graph.map((n) => n.type))],
    };
}

export async function measureDeployment(program: PulumiProgram, cases: readonly DeployCase[]): Promise<DeployRow[]> {
    const rows: DeployRow[] = [];
    for (const c of cases) {
        const run = await runProgram(program, { stack: c.stack, config: { ...c.config } });
        if (run.error) throw new Error(`${c.label}: ${run.error.message}`);
        rows.push(analyseRun(c.label, run));
    }
    return rows;
}

const withinGoal = (r: DeployRow) => r.path.seconds <= r.floor.seconds * (1 + FLOOR_GOAL);

export function renderDeployment(rows: readonly DeployRow[]): string {
    const out: string[] = [];
    out.push(
        "The longest chain of resource creations in the dependency graph the SDK records (`dependencies` of each registration; " +
            "a dependency on a component stands for every resource under it; a custom parent is created before its child; " +
            "components and providers cost nothing), each resource weighted by its typical creation time below, with unlimited " +
            'parallelism otherwise. "To DNS record": the longest chain ending at the service\'s DNS record, when clients can ' +
            "first connect. The floor: load balancer -> listener -> DNS record when there is a load balancer (nodes are " +
            `created meanwhile), else instance -> DNS record. Goal: within ${fixed(FLOOR_GOAL * 100)}% of the floor.`,
        "",
        table(
            ["stack", "resources", "critical path s", "to DNS record s", "floor s", "ratio", `within ${fixed(FLOOR_GOAL * 100)}%`],
            rows.map((r) => [
                r.label,
                r.resources,
                fixed(r.path.seconds),
                fixed(r.toDns.seconds),
                fixed(r.floor.seconds),
                `${fixed(r.path.seconds / r.floor.seconds, 2)}x`,
                withinGoal(r) ? "met" : "NOT met",
            ]),
        ),
        "",
    );
    const chain = (p: CriticalPath) => p.chain.map((n) => `${n.name} [${displayType(n.type)}] ${n.seconds} s`).join(" -> ");
    for (const r of rows) {
        out.push(`- ${r.label}: ${chain(r.path)}`);
        if (r.toDns.chain.length > 0 && r.toDns.chain !== r.path.chain && r.toDns.seconds < r.path.seconds) {
            out.push(`  to the DNS record: ${chain(r.toDns)}`);
        }
        out.push(`  floor: ${r.floor.types.map((t) => `${displayType(t)} ${creationTime(t).seconds} s`).join(" -> ")}`);
    }
    out.push("");
    const ordering = rows.flatMap((r) =>
        r.orderingOnly.map((o) => [r.label, o.resource, o.waitsFor, o.saves, orderingReason(o) ?? "no reason recorded"]),
    );
    out.push(
        "Waits without a data dependency (in `dependencies` but in no input's `propertyDependencies`, i.e. an explicit `dependsOn`): " +
            (ordering.length === 0 ? "none." : `${ordering.length}.`),
        "",
    );
    if (ordering.length > 0) out.push(table(["stack", "resource", "waits for", "critical path s saved without it", "why"], ordering), "");
    const types = [...new Set(rows.flatMap((r) => r.types))].sort();
    out.push(
        "Typical creation times used (not measured here; a figure per resource type of these stacks):",
        "",
        table(
            ["resource type", "seconds", "source"],
            types.map((t) => [displayType(t), creationTime(t).seconds, creationTime(t).source]),
        ),
        "",
        "Sources:",
        "",
        ...[...new Set(types.map((t) => creationTime(t).source))].sort().map((k) => `- ${k}: ${CREATION_TIME_SOURCES[k]}`),
        "",
    );
    return out.join("\n");
}
