/**
 * The dated price table behind the plan's cost line (`npm run plan`, `--json`, `--diff`). Pure data.
 *
 * Every figure names the page it was read from and the day it was read (through a stored copy of the
 * page; this project's machines have no web access). A price that could not be verified is left out
 * and the cost line says "not priced" with the reason, never a guess. To add one, add a row here with
 * its source (AWS's pricing page for the service where it can be read, else a dated page that quotes it).
 *
 * On-Demand EC2 instance prices: AWS's On-Demand page (https://aws.amazon.com/ec2/pricing/on-demand/)
 * fills its table in the browser and could not be read; INSTANCE_PRICES carries the example stacks' types
 * in us-east-1 from AWS's own Karpenter repository, whose table is generated from the AWS Price List API.
 * Any other type or region prints "no price for <type> in <region>". Add verified rows to INSTANCE_PRICES.
 */

/** Where a figure comes from: the page and the day it was read. */
export interface PriceSource {
    readonly url: string;
    /** ISO date the page was read. */
    readonly read: string;
    /** What the page says, where it needs saying (publication date, the exact wording, caveats). */
    readonly note?: string;
}

export interface Price {
    /** US dollars per unit. */
    readonly usd: number;
    readonly unit: string;
    readonly source: PriceSource;
}

/** Prices other than EC2 instance hours, keyed by what is billed. */
export type PriceKey =
    | "ebs.gp3.gbMonth"
    | "ebs.gp3.iopsMonth"
    | "ebs.gp3.throughputMonth"
    | "elb.nlb.hour"
    | "elb.nlb.lcuHour"
    | "elb.alb.hour"
    | "elb.alb.lcuHour"
    | "vpc.nat.hour"
    | "vpc.publicIpv4.hour"
    | "route53.healthCheck.awsEndpoint.month"
    | "cloudwatch.alarm.standard.month"
    | "cloudwatch.alarm.highResolution.month"
    | "cloudwatch.metric.custom.month"
    | "cloudwatch.requests.thousand"
    | "kms.key.month";

/** The file to name in a "no price" line. */
export const PRICE_TABLE_FILE = "components/plan/prices.ts";

/** The hours in a month that AWS's monthly examples use (730 = 24 x 365 / 12). */
export const HOURS_PER_MONTH = 730;
export const HOURS_PER_MONTH_SOURCE: PriceSource = {
    url: "https://basavytix.com/blog/aws-nat-gateway-pricing",
    read: "2026-12-01",
    note: 'monthly examples: "Hourly charge (730 hrs) $32.85" for one NAT gateway at $0.045/hr',
};

/** The gp3 performance included in the storage price (EBS pricing page, gp3 example). */
export const GP3_FREE_IOPS = 3000;
export const GP3_FREE_THROUGHPUT_MIBPS = 125;
export const GP3_BASELINE_SOURCE: PriceSource = {
    url: "https://aws.eu/ebs/pricing",
    read: "2026-12-01",
    note: "AWS EBS pricing page (European Sovereign Cloud copy): all gp3 volumes include a free baseline of 3,000 IOPS and 125 MB/s",
};

const READ = "2026-12-01";

/** The NLB and ALB hour and capacity-unit prices all come from one dated page. */
const ELB_SOURCE: PriceSource = {
    url: "https://awsnegotiations.com/elastic-load-balancer-cost.html",
    read: READ,
    note: "published May 2026, US East",
};

const US_EAST_1: Readonly<Partial<Record<PriceKey, Price>>> = {
    "ebs.gp3.gbMonth": {
        usd: 0.08,
        unit: "GB-month",
        source: {
            url: "https://www.saisci.com/aws/gp3-throughput-explained/",
            read: READ,
            note: 'gp3 "Price of Size $0.08/GiB-month", "based on N. Virginia"; also https://www.webuildup.live/2026/04/ebs-gp2-vs-gp3-why-gp3-wins-on-cost-and.html (April 2026): "$0.08/GB-month" (us-east-1)',
        },
    },
    "ebs.gp3.iopsMonth": {
        usd: 0.005,
        unit: "provisioned IOPS-month above 3,000",
        source: {
            url: "https://www.webuildup.live/2026/04/ebs-gp2-vs-gp3-why-gp3-wins-on-cost-and.html",
            read: READ,
            note: 'April 2026, us-east-1: "$0.08/GB-month + $0.005/provisioned IOPS above 3k" (saisci.com, 2021, prints $0.05: a typo against AWS\'s EUR 0.00592 in aws.eu/ebs/pricing)',
        },
    },
    "ebs.gp3.throughputMonth": {
        usd: 0.04,
        unit: "provisioned MiB/s-month above 125",
        source: {
            url: "https://www.saisci.com/aws/gp3-throughput-explained/",
            read: READ,
            note: '"125 MiB/s free, $0.04/provisioned MiB/s-month over 125 MiB/s", "based on N. Virginia"',
        },
    },
    "elb.nlb.hour": {
        usd: 0.0225,
        unit: "NLB-hour",
        source: ELB_SOURCE,
    },
    "elb.nlb.lcuHour": {
        usd: 0.006,
        unit: "NLCU-hour",
        source: ELB_SOURCE,
    },
    "elb.alb.hour": {
        usd: 0.0225,
        unit: "ALB-hour",
        source: ELB_SOURCE,
    },
    "elb.alb.lcuHour": {
        usd: 0.008,
        unit: "LCU-hour",
        source: ELB_SOURCE,
    },
    "vpc.nat.hour": {
        usd: 0.045,
        unit: "NAT gateway-hour",
        source: {
            url: "https://basavytix.com/blog/aws-nat-gateway-pricing",
            read: READ,
            note: '"$0.045/hr ... These are the us-east-1 rates"; data processed ($0.045/GB) is not counted',
        },
    },
    "vpc.publicIpv4.hour": {
        usd: 0.005,
        unit: "public IPv4 address-hour",
        source: {
            url: "https://cloudburn.io/blog/aws-nat-gateway-pricing",
            read: READ,
            note: 'February 24, 2026: "Public IPv4 address costs ($0.005/hour per IP)"',
        },
    },
    "route53.healthCheck.awsEndpoint.month": {
        usd: 0.5,
        unit: "health check-month (AWS endpoint, standard 30 s interval, no optional features)",
        source: {
            url: "https://wewantcode.com/en/course/aws/lesson/7-84-health-checks-status-check.html",
            read: READ,
            note: 'the console summary quoted: "about $0.50 per month for a check against an AWS endpoint, $0.75 for a non-AWS endpoint, plus extras for HTTPS, string matching, fast interval and latency measurement" (the extras\' amounts are not stated)',
        },
    },
    "cloudwatch.alarm.standard.month": {
        usd: 0.1,
        unit: "standard-resolution alarm-month",
        source: {
            url: "https://c3x.dev/resources/aws/aws_cloudwatch_metric_alarm",
            read: READ,
            note: '"Standard resolution (60-second evaluation): $0.10/alarm-month"; the first 10 per account are free (https://aws.amazon.com/cloudwatch/pricing/), not deducted here',
        },
    },
    "cloudwatch.alarm.highResolution.month": {
        usd: 0.3,
        unit: "high-resolution alarm-month",
        source: {
            url: "https://c3x.dev/resources/aws/aws_cloudwatch_metric_alarm",
            read: READ,
            note: '"High resolution (10-second evaluation): $0.30/alarm-month"',
        },
    },
    "cloudwatch.metric.custom.month": {
        usd: 0.3,
        unit: "custom metric-month (first 10,000 metrics)",
        source: {
            url: "https://docs.aws.amazon.com/solutions/latest/automated-security-response-on-aws/cost.html",
            read: READ,
            note: 'AWS\'s cost page of the Automated Security Response solution (US East, "As of this revision", undated): "First 10,000 metrics costs $0.30 metric/month"',
        },
    },
    "cloudwatch.requests.thousand": {
        usd: 0.01,
        unit: "1,000 API requests (PutMetricData)",
        source: {
            url: "https://docs.aws.amazon.com/solutions/latest/automated-security-response-on-aws/cost.html",
            read: READ,
            note: "\"API calls cost $0.01 per 1,000 requests\"; the page's own example prices PutMetricData calls at this rate; the free tier's 1,000,000 requests a month (https://aws.amazon.com/cloudwatch/pricing/) are not deducted here",
        },
    },
    "kms.key.month": {
        usd: 1,
        unit: "KMS key-month",
        source: {
            url: "https://aws.amazon.com/kms/pricing/",
            read: READ,
            note: '"Each AWS KMS key that you create in KMS costs $1/month"; each automatic rotation adds $1/month for the new backing key (not counted: the first comes after a year)',
        },
    },
};

/** Prices by region. A region that is not here prints "no price for X in <region>". */
export const PRICES: Readonly<Record<string, Readonly<Partial<Record<PriceKey, Price>>>>> = {
    "us-east-1": US_EAST_1,
};

/**
 * AWS's Karpenter provider ships a table of On-Demand prices generated from the AWS Price List API
 * (GetProducts with operatingSystem Linux, tenancy Shared, preInstalledSw NA, capacitystatus Used,
 * marketoption OnDemand: pkg/providers/pricing/pricing.go, run by hack/code/prices_gen). It covers
 * us-east-1 only; no other source read for these types disagrees with it.
 */
const KARPENTER_US_EAST_1: PriceSource = {
    url: "https://github.com/aws/karpenter-provider-aws/blob/031e72b6099630e960dacb88b48a7e9bb780945f/pkg/providers/pricing/zz_generated.pricing_aws.go",
    read: READ,
    note: '"generated at 2026-01-19T13:23:24Z for us-east-1" from the AWS Price List API (Linux, shared tenancy, On-Demand)',
};

const instanceHour = (usd: number): Price => ({ usd, unit: "instance-hour (Linux, On-Demand)", source: KARPENTER_US_EAST_1 });

/** On-Demand Linux EC2 instance-hours by region and type (the example stacks' types and defaults; see the file comment). */
export const INSTANCE_PRICES: Readonly<Record<string, Readonly<Record<string, Price>>>> = {
    "us-east-1": {
        "m6i.large": instanceHour(0.096),
        // the default of the GHES backup host (components/config/schema.ts); https://c3x.dev/blog/m5-vs-m6i-vs-m7i-cost-performance
        // agrees: "In us-east-1, the on-demand Linux prices ... m6i.xlarge: $0.192/hour"
        "m6i.xlarge": instanceHour(0.192),
        "m6i.2xlarge": instanceHour(0.384),
        "r6i.xlarge": instanceHour(0.252),
        "r6i.2xlarge": instanceHour(0.504),
    },
};
