/**
 * A first `pulumi up` as the engine runs it and as clients see it: resources created with the
 * engine's default parallelism (not unlimited), then the time until clients can connect, which
 * includes what the creation graph does not: a node bootstraps only once its NAT gateway lets it
 * reach SSM, and a load balancer routes to a new target only after registration and its first
 * passed health checks.
 */
import type { RecordedResource } from "../harness";
import type { GraphNode } from "./critical-path";

/**
 * Pulumi's engine runs up to 4 x the CPU count of resource operations at once by default
 * (`pulumi up --parallel`: "Allow P resource operations to run in parallel at once (1 for no
 * parallelism)"; the 4 x CPU default is the figure of issue 16 and docs DESIGN.md, "AWS facts").
 */
export const OPERATIONS_PER_CPU = 4;

/** The machines the deploy model is shown for: this 2-core build machine and a 4-core CI runner. */
export const CPU_COUNTS = [2, 4] as const;

/**
 * A new NLB target: "It can take a few minutes for the registration process to complete and health
 * checks to start" (AWS, Elastic Load Balancing, Network Load Balancers, "Register targets for your
 * Network Load Balancer"); AWS support's figure is 3 to 5 minutes (issue 16). The lower end is used.
 */
export const NLB_REGISTRATION_SECONDS = 180;

export const ROLLOUT_SOURCES = {
    parallelism:
        "Pulumi engine: `pulumi up --parallel` allows P resource operations at once; by default 4 x the CPU count (issue 16). " +
        "Shown for 2 CPUs (this build machine, 8 at once) and 4 CPUs (a 4-core CI runner, 16 at once).",
    nlbRegistration:
        'NLB target registration: AWS Network Load Balancer guide, "Register targets" ("It can take a few minutes for the registration ' +
        'process to complete and health checks to start"); 3 to 5 minutes per AWS support (issue 16); 180 s used.',
    albRegistration:
        'ALB target: routed once it passes the initial health checks (AWS Application Load Balancer guide, "Health checks for ' +
        'your target groups"): healthy threshold x interval of its target group, from the stack.',
    nat:
        "The nodes run in private subnets and reach SSM (their bootstrap) through the NAT gateway: a node is ready no earlier than " +
        "its NAT gateway is available. With an existing network the NAT is taken as already there.",
} as const;

/**
 * Finish time of each node when at most `slots` operations run at once: each resource starts as soon
 * as what it waits for exists and a slot is free, in the order the resources became ready (then in
 * graph order, which is registration order).
 */
export function scheduleFinish(nodes: readonly GraphNode[], slots: number): Map<string, number> {
    if (!(slots >= 1)) throw new Error(`scheduleFinish needs at least one slot, got ${slots}`);
    const order = new Map(nodes.map((n, i) => [n.id, i]));
    const waiting = new Map(nodes.map((n) => [n.id, new Set(n.deps)]));
    const dependents = new Map<string, string[]>();
    for (const n of nodes) {
        for (const d of n.deps) {
            if (!order.has(d)) throw new Error(`${n.id} waits for ${d}, which is not in the graph`);
            dependents.set(d, [...(dependents.get(d) ?? []), n.id]);
        }
    }
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const ready: string[] = nodes.filter((n) => n.deps.length === 0).map((n) => n.id);
    const running: { id: string; finish: number }[] = [];
    const finish = new Map<string, number>();
    let now = 0;
    while (finish.size < nodes.length) {
        while (running.length < slots && ready.length > 0) {
            const id = ready.shift()!;
            running.push({ id, finish: now + byId.get(id)!.seconds });
        }
        if (running.length === 0) throw new Error("dependency cycle: nothing can start");
        now = Math.min(...running.map((r) => r.finish));
        const done = running.filter((r) => r.finish === now).sort((a, b) => order.get(a.id)! - order.get(b.id)!);
        for (const r of done) {
            running.splice(running.indexOf(r), 1);
            finish.set(r.id, now);
            const next: string[] = [];
            for (const d of dependents.get(r.id) ?? []) {
                const w = waiting.get(d)!;
                w.delete(r.id);
                if (w.size === 0) next.push(d);
            }
            ready.push(...next.sort((a, b) => order.get(a)! - order.get(b)!));
        }
    }
    return finish;
}

const NAT = "aws:ec2/natGateway:NatGateway";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const TG = "aws:lb/targetGroup:TargetGroup";
const ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment";
const INSTANCE = "aws:ec2/instance:Instance";
const RECORD = "aws:route53/record:Record";

export interface ClientsReady {
    readonly seconds: number;
    /** What the time waits for last, in words. */
    readonly lastWait: string;
}

const num = (v: unknown, fallback: number) => (typeof v === "number" && Number.isFinite(v) ? v : fallback);

/** Seconds from registration until a load balancer routes to a new target of this target group. */
export function registrationSeconds(lbType: unknown, targetGroup: RecordedResource | undefined): number {
    if (lbType === "network") return NLB_REGISTRATION_SECONDS;
    const hc = (targetGroup?.inputs.healthCheck ?? {}) as Record<string, unknown>;
    // AWS's defaults for an ALB target group when the stack sets none.
    return num(hc.healthyThreshold, 5) * num(hc.interval, 30);
}

/**
 * When clients can first connect, given each resource's finish time (by URN): the service's DNS
 * record exists, and, behind a load balancer, every target group has a target that is ready (its
 * node exists and can bootstrap through NAT, its attachment exists, and registration and the
 * first passed checks are over); without one, the node the record points at can bootstrap.
 */
export function clientsCanConnect(resources: readonly RecordedResource[], finish: ReadonlyMap<string, number>): ClientsReady {
    const at = (r: RecordedResource) => finish.get(r.urn) ?? 0;
    const latest = (type: string) => Math.max(0, ...resources.filter((r) => r.type === type).map(at));
    const dns = latest(RECORD);
    const nat = latest(NAT);
    const lb = resources.find((r) => r.type === LB);
    const waits: [number, string][] = [
        [dns, "the DNS record"],
        [nat, "the NAT gateway (nodes bootstrap through it)"],
    ];
    if (lb) {
        const instanceById = new Map(resources.filter((r) => r.type === INSTANCE && r.id !== undefined).map((r) => [r.id!, r]));
        const groups = resources.filter((r) => r.type === TG);
        const groupByArn = new Map(groups.map((g) => [g.state?.arn, g]));
        const byGroup = new Map<string, number>();
        for (const a of resources.filter((r) => r.type === ATTACHMENT)) {
            const group = groupByArn.get(a.inputs.targetGroupArn);
            const instance = instanceById.get(String(a.inputs.targetId));
            const ready = Math.max(at(a), instance ? at(instance) : 0, nat) + registrationSeconds(lb.inputs.loadBalancerType, group);
            const key = group?.urn ?? String(a.inputs.targetGroupArn);
            byGroup.set(key, Math.min(byGroup.get(key) ?? Infinity, ready));
        }
        const kind = lb.inputs.loadBalancerType === "network" ? "NLB" : "ALB";
        for (const [, t] of byGroup) waits.push([t, `a first ${kind} target passing its checks after registration`]);
    }
    const [seconds, lastWait] = waits.reduce((m, w) => (w[0] > m[0] ? w : m));
    return { seconds, lastWait };
}
