/**
 * A first deployment of each example stack (and a large cluster): when clients can first connect and
 * when every resource exists, with the engine's default parallelism on 2 and 4 CPUs, beside the
 * critical path with unlimited parallelism. No goal: these are figures to compare between runs.
 */
import { runProgram, type ProgramRun, type PulumiProgram } from "../harness";
import {
    CREATION_TIME_SOURCES,
    creationGraph,
    creationTime,
    type CriticalPath,
    DNS_RECORD,
    longestPath,
    orderingOnlyDependencies,
    type OrderingOnly,
    orderingReason,
} from "./critical-path";
import { fixed, table } from "./markdown";
import { displayType } from "../plan";
import { type ClientsReady, clientsCanConnect, CPU_COUNTS, OPERATIONS_PER_CPU, ROLLOUT_SOURCES, scheduleFinish } from "./rollout";
import { acceptedScenario, configValue, COST_SCENARIOS, exampleStackOf, scenarioConfig, type StackConfig, withKeys } from "./scenarios";

export interface DeployCase extends StackConfig {
    readonly label: string;
}

/**
 * Every example stack; the generic HA stack with automatic failover when no example stack uses it,
 * by DNS (its failover records and health checks add to the graph) and behind an NLB (heartbeat
 * alarms and the failover runbook); the largest cluster the program accepts.
 */
export function deployCases(stacks: readonly StackConfig[]): DeployCase[] {
    const cases: DeployCase[] = stacks.map((s) => ({ ...s, label: s.stack }));
    if (!stacks.some((s) => configValue(s.config, "failover") === "automatic")) {
        const ha = exampleStackOf("ha");
        cases.push({ stack: ha.stack, config: withKeys(ha.config, { failover: "automatic" }), label: `${ha.stack}, failover: automatic` });
        cases.push({
            stack: ha.stack,
            config: withKeys(ha.config, { failover: "automatic", loadBalancer: { kind: "nlb" } }),
            label: `${ha.stack}, failover: automatic behind an NLB`,
        });
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
    /** Until the service's DNS record exists. */
    readonly toDns: CriticalPath;
    /** With the engine's default parallelism, per CPU count. */
    readonly rollouts: readonly Rollout[];
    /** With what leaving each one out would save on the critical path. */
    readonly orderingOnly: readonly (OrderingOnly & { readonly saves: number })[];
    /** Resource types in the run, for the table of creation times. */
    readonly types: readonly string[];
}

export interface Rollout {
    readonly cpus: number;
    /** Operations the engine runs at once. */
    readonly slots: number;
    /** Until every resource exists. */
    readonly allCreated: number;
    /** Until clients can first connect (the headline). */
    readonly clients: ClientsReady;
}

export function rollout(run: ProgramRun, cpus: number): Rollout {
    const slots = cpus * OPERATIONS_PER_CPU;
    const finish = scheduleFinish(creationGraph(run.resources), slots);
    return { cpus, slots, allCreated: Math.max(0, ...finish.values()), clients: clientsCanConnect(run.resources, finish) };
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
        rollouts: CPU_COUNTS.map((c) => rollout(run, c)),
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

export function renderDeployment(rows: readonly DeployRow[]): string {
    const out: string[] = [];
    const per = (r: DeployRow, f: (x: Rollout) => string) => CPU_COUNTS.map((c) => f(r.rollouts.find((x) => x.cpus === c)!));
    out.push(
        "Time until clients can connect after a first `pulumi up` (the headline), and until every resource exists, with the " +
            `engine's default parallelism (${OPERATIONS_PER_CPU} x CPU operations at once) on ${CPU_COUNTS.join(" and ")} CPUs. Each ` +
            "resource starts when what it waits for exists and an operation slot is free, and takes its typical creation time " +
            "below (the dependency graph the SDK records: `dependencies` of each registration; a dependency on a component " +
            "stands for every resource under it; a custom parent is created before its child; components and providers cost " +
            "nothing). Clients can connect once the DNS record exists and, behind a load balancer, every target group has a " +
            "target that is in service: its node exists and can bootstrap (after the NAT gateway, through which it reaches SSM), " +
            "its attachment exists, and the load balancer has registered it and seen it pass its first checks (NLB: minutes; " +
            "ALB: healthy threshold x interval). Without a load balancer: the record and the NAT gateway. The appliance's own " +
            "boot and configuration time is not counted. Beside it, the critical path with unlimited parallelism.",
        "",
        table(
            [
                "stack",
                "resources",
                ...CPU_COUNTS.map((c) => `clients connect s (${c} CPUs)`),
                ...CPU_COUNTS.map((c) => `all created s (${c} CPUs)`),
                "critical path s (unlimited)",
                `waits last for (${CPU_COUNTS[0]} CPUs)`,
            ],
            rows.map((r) => [
                r.label,
                r.resources,
                ...per(r, (x) => fixed(x.clients.seconds)),
                ...per(r, (x) => fixed(x.allCreated)),
                fixed(r.path.seconds),
                r.rollouts[0].clients.lastWait,
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
        ...Object.entries(ROLLOUT_SOURCES).map(([k, v]) => `- ${k}: ${v}`),
        "",
    );
    return out.join("\n");
}
