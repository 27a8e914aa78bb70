/**
 * The monthly cost of what a stack registers, from the dated price table (prices.ts). Pure: takes the
 * registered resources (type, name, inputs) and the region; no Pulumi imports.
 *
 * Only what has a verified price is summed. Everything else that costs money is listed, never guessed:
 * "not priced" (a price the table lacks, with the file to add it to) and "not counted" (usage-driven
 * charges: snapshots, data processed, requests).
 */
import {
    GP3_FREE_IOPS,
    GP3_FREE_THROUGHPUT_MIBPS,
    HOURS_PER_MONTH,
    INSTANCE_PRICES,
    type Price,
    type PriceKey,
    PRICE_TABLE_FILE,
    PRICES,
} from "./prices";
import { HEARTBEAT_NAMESPACE } from "./autofailover";

export interface CostResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Readonly<Record<string, unknown>>;
}

export interface CostLine {
    /** What is billed, e.g. "EBS gp3 storage" or "EC2 m6i.large". */
    readonly item: string;
    readonly quantity: number;
    readonly unit: string;
    readonly usdPerUnit: number;
    readonly monthlyUsd: number;
    /** The page the price was read from, and when. */
    readonly source: string;
}

export interface CostEstimate {
    readonly region: string;
    readonly hoursPerMonth: number;
    /** The sum of `lines` (priced items only). */
    readonly monthlyUsd: number;
    readonly lines: readonly CostLine[];
    /** Billed items with no verified price, each with the reason (and where to add the price). */
    readonly notPriced: readonly string[];
    /** Usage-driven charges that a plan cannot know. */
    readonly notCounted: readonly string[];
}

/** One quantity of something billed, before pricing. */
interface Usage {
    readonly item: string;
    readonly quantity: number;
    /** A PriceKey, or `instance:<type>` for EC2 instance-hours. */
    readonly price: PriceKey | `instance:${string}`;
    readonly region: string;
}

const TYPES = {
    instance: "aws:ec2/instance:Instance",
    volume: "aws:ebs/volume:Volume",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    nat: "aws:ec2/natGateway:NatGateway",
    eip: "aws:ec2/eip:Eip",
    healthCheck: "aws:route53/healthCheck:HealthCheck",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    kmsKey: "aws:kms/key:Key",
} as const;

/** Usage-driven charges, by the resource type that causes them. */
const NOT_COUNTED: Readonly<Record<string, string>> = {
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": "EBS snapshots (lifecycle policy): not counted: depends on change rate",
    [TYPES.nat]: "NAT gateway data processed: not counted: depends on traffic",
    "aws:s3/bucket:Bucket": "S3 storage and requests: not counted: depends on usage",
    "aws:ssm/parameter:Parameter":
        "SSM parameters: not counted: Standard parameters cost nothing; one that Intelligent-Tiering moves to Advanced is charged per month",
    "aws:sns/topic:Topic": "SNS notifications: not counted: charged per request",
    "aws:route53/record:Record":
        "Route 53 hosted zone and queries: not counted: the records go into the stack's existing zone (dns.zoneId); queries depend on traffic",
    [TYPES.loadBalancer]: "load balancer capacity above 1 LCU per hour: not counted: depends on traffic",
    "aws:cloudwatch/eventRule:EventRule":
        "failover runbook runs (SSM Automation): not counted: $0.002 per step, charged only when a failover runs (docs.aws.amazon.com/solutions/latest/automated-security-response-on-aws/cost.html); the rule and AWS's alarm state-change events cost nothing",
};

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {});

/** A gp3 volume's storage and provisioned performance above the free baseline. */
function gp3Usage(label: string, spec: Record<string, unknown>, region: string, notPriced: string[]): Usage[] {
    const type = str(spec.type) ?? str(spec.volumeType) ?? "gp3";
    const size = num(spec.size) ?? num(spec.volumeSize);
    if (type !== "gp3") {
        notPriced.push(`${label}: no price for EBS ${type} in ${region}; add it to ${PRICE_TABLE_FILE}`);
        return [];
    }
    if (size === undefined) {
        notPriced.push(`${label}: the volume size is not set in the plan (the AMI decides it)`);
        return [];
    }
    const iops = Math.max(0, (num(spec.iops) ?? GP3_FREE_IOPS) - GP3_FREE_IOPS);
    const throughput = Math.max(0, (num(spec.throughput) ?? GP3_FREE_THROUGHPUT_MIBPS) - GP3_FREE_THROUGHPUT_MIBPS);
    return [
        { item: "EBS gp3 storage", quantity: size, price: "ebs.gp3.gbMonth", region },
        ...(iops > 0 ? [{ item: "EBS gp3 IOPS above 3,000", quantity: iops, price: "ebs.gp3.iopsMonth", region } as const] : []),
        ...(throughput > 0
            ? [{ item: "EBS gp3 throughput above 125 MiB/s", quantity: throughput, price: "ebs.gp3.throughputMonth", region } as const]
            : []),
    ];
}

function instanceUsage(r: CostResource, region: string, notPriced: string[]): Usage[] {
    const type = str(r.inputs.instanceType) ?? "(unset)";
    if (r.inputs.monitoring === true) {
        notPriced.push(`${r.name}: CloudWatch detailed monitoring: no verified price in ${PRICE_TABLE_FILE}`);
    }
    return [
        { item: `EC2 ${type}`, quantity: HOURS_PER_MONTH, price: `instance:${type}`, region },
        ...gp3Usage(`${r.name} root volume`, obj(r.inputs.rootBlockDevice), region, notPriced),
    ];
}

function loadBalancerUsage(r: CostResource, region: string, notPriced: string[]): Usage[] {
    const kind = str(r.inputs.loadBalancerType) ?? "application";
    if (kind !== "network" && kind !== "application") {
        notPriced.push(`${r.name}: no price for a ${kind} load balancer in ${region}; add it to ${PRICE_TABLE_FILE}`);
        return [];
    }
    const [label, key] = kind === "network" ? (["NLB", "nlb"] as const) : (["ALB", "alb"] as const);
    return [
        { item: `${label} hours`, quantity: HOURS_PER_MONTH, price: `elb.${key}.hour`, region },
        { item: `${label} capacity (assumed 1 LCU every hour)`, quantity: HOURS_PER_MONTH, price: `elb.${key}.lcuHour`, region },
    ];
}

/** Route 53 prices only the standard endpoint check; an extra or another kind of check is named, not guessed. */
function healthCheckUsage(r: CostResource, region: string, notPriced: string[]): Usage[] {
    const type = str(r.inputs.type) ?? "(unset)";
    if (!["HTTP", "HTTPS", "TCP", "HTTP_STR_MATCH", "HTTPS_STR_MATCH"].includes(type)) {
        notPriced.push(`${r.name}: Route 53 ${type} health check: the source prices endpoint checks only`);
        return [];
    }
    const extras = [
        ...(type.startsWith("HTTPS") ? ["HTTPS"] : []),
        ...(type.endsWith("STR_MATCH") ? ["string matching"] : []),
        ...(num(r.inputs.requestInterval) === 10 ? ["fast interval"] : []),
        ...(r.inputs.measureLatency === true ? ["latency measurement"] : []),
    ];
    if (extras.length > 0) {
        notPriced.push(`${r.name}: Route 53 health check extras (${extras.join(", ")}): the source does not state their amount`);
    }
    return [{ item: "Route 53 health checks", quantity: 1, price: "route53.healthCheck.awsEndpoint.month", region }];
}

/**
 * A heartbeat alarm (plan/autofailover.ts) also stands for its metric: one custom metric, and one
 * PutMetricData call per period from its node, all month.
 */
function heartbeatUsage(r: CostResource, region: string): Usage[] {
    if (r.inputs.namespace !== HEARTBEAT_NAMESPACE) return [];
    const period = num(r.inputs.period) ?? 60;
    return [
        { item: "CloudWatch custom metrics (heartbeats)", quantity: 1, price: "cloudwatch.metric.custom.month", region },
        {
            item: `PutMetricData requests, thousands (a heartbeat every ${period} s)`,
            quantity: (HOURS_PER_MONTH * 3600) / period / 1000,
            price: "cloudwatch.requests.thousand",
            region,
        },
    ];
}

function alarmUsage(r: CostResource, region: string): Usage[] {
    const period = num(r.inputs.period) ?? 60;
    return [...heartbeatUsage(r, region), ...alarmPrice(period, region)];
}

function alarmPrice(period: number, region: string): Usage[] {
    return period < 60
        ? [{ item: "CloudWatch high-resolution alarms", quantity: 1, price: "cloudwatch.alarm.highResolution.month", region }]
        : [{ item: "CloudWatch alarms", quantity: 1, price: "cloudwatch.alarm.standard.month", region }];
}

/** What one resource bills, as quantities to price. */
function usageOf(r: CostResource, region: string, notPriced: string[]): Usage[] {
    switch (r.type) {
        case TYPES.instance:
            return instanceUsage(r, region, notPriced);
        case TYPES.volume:
            return gp3Usage(r.name, r.inputs, region, notPriced);
        case TYPES.loadBalancer:
            return loadBalancerUsage(r, region, notPriced);
        case TYPES.nat:
            return [{ item: "NAT gateway hours", quantity: HOURS_PER_MONTH, price: "vpc.nat.hour", region }];
        case TYPES.eip:
            return [{ item: "public IPv4 address hours", quantity: HOURS_PER_MONTH, price: "vpc.publicIpv4.hour", region }];
        case TYPES.healthCheck:
            return healthCheckUsage(r, region, notPriced);
        case TYPES.alarm:
            return alarmUsage(r, region);
        case TYPES.kmsKey:
            return [{ item: "KMS keys", quantity: 1, price: "kms.key.month", region }];
        default:
            return [];
    }
}

function priceOf(u: Usage): Price | undefined {
    return u.price.startsWith("instance:")
        ? INSTANCE_PRICES[u.region]?.[u.price.slice("instance:".length)]
        : PRICES[u.region]?.[u.price as PriceKey];
}

/** Sums the usages of one item (same price, same region) and prices them, or names the missing price. */
function priceUsages(usages: readonly Usage[], notPriced: string[]): CostLine[] {
    const groups = new Map<string, Usage[]>();
    for (const u of usages) {
        const key = `${u.region}\0${u.price}\0${u.item}`;
        groups.set(key, [...(groups.get(key) ?? []), u]);
    }
    const lines: CostLine[] = [];
    for (const group of groups.values()) {
        const [u] = group;
        const quantity = group.reduce((sum, g) => sum + g.quantity, 0);
        const price = priceOf(u);
        if (price === undefined) {
            const what = u.price.startsWith("instance:") ? u.price.slice("instance:".length) : u.item;
            const table = u.price.startsWith("instance:") ? "INSTANCE_PRICES in " : "";
            notPriced.push(`${u.item} x${group.length}: no price for ${what} in ${u.region}; add it to ${table}${PRICE_TABLE_FILE}`);
            continue;
        }
        lines.push({
            item: u.item,
            quantity,
            unit: price.unit,
            usdPerUnit: price.usd,
            monthlyUsd: quantity * price.usd,
            source: `${price.source.url} (read ${price.source.read})`,
        });
    }
    return lines;
}

/** The monthly cost of the registered resources in `region` (a resource's own `region` input wins). */
export function estimateCost(resources: readonly CostResource[], region: string): CostEstimate {
    const notPriced: string[] = [];
    const usages = resources.flatMap((r) => usageOf(r, str(r.inputs.region) ?? region, notPriced));
    const lines = priceUsages(usages, notPriced);
    const types = new Set(resources.map((r) => r.type));
    return {
        region,
        hoursPerMonth: HOURS_PER_MONTH,
        monthlyUsd: lines.reduce((sum, l) => sum + l.monthlyUsd, 0),
        lines,
        notPriced,
        notCounted: Object.entries(NOT_COUNTED)
            .filter(([type]) => types.has(type))
            .map(([, text]) => text),
    };
}
