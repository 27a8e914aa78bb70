import assert from "node:assert/strict";
import { estimateCost } from "../components/plan/cost";
import { GP3_BASELINE_SOURCE, HOURS_PER_MONTH_SOURCE, INSTANCE_PRICES, type Price, PRICES } from "../components/plan/prices";
import type { ProgramRun } from "../tools/harness";
import { formatPlan, planJson } from "../tools/plan";
import { formatPlanDiff, planDiff } from "../tools/plandiff";
import { costChange, costChangeLines, stackCost } from "../tools/planview/cost";
import { exampleRun } from "./examples";
import { EXAMPLE_STACKS } from "./stacks";

const close = (actual: number, expected: number, what: string) =>
    assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

describe("cost line: the monthly cost from the dated price table", function () {
    this.timeout(120_000);

    it("prices the prod stack as the sum written out by hand from its stack file", async () => {
        const c = stackCost(await exampleRun("prod"));
        // stacks/Pulumi.prod.yaml: 3 m6i.2xlarge nodes, data 500 GB gp3 at 6000 IOPS / 250 MiB/s, 50 GB gp3
        // roots, one ALB, 8 alarms (2 per node, 2 for the listener), one KMS key. us-east-1, 730 h a month.
        const expected =
            3 * 730 * 0.384 + // m6i.2xlarge instance-hours, Linux On-Demand
            (3 * 500 + 3 * 50) * 0.08 + // gp3 storage, GB-month
            3 * (6000 - 3000) * 0.005 + // IOPS above the free 3,000
            3 * (250 - 125) * 0.04 + // MiB/s above the free 125
            730 * 0.0225 + // ALB hours
            730 * 1 * 0.008 + // 1 LCU every hour (the stated assumption)
            8 * 0.1 + // standard alarms
            1 * 1; // KMS key
        close(c.monthlyUsd, expected, "prod monthly cost");
        assert.equal(c.region, "us-east-1");
        assert.deepEqual(
            c.notPriced.filter((p) => p.startsWith("EC2")),
            [],
        );
        const ec2 = c.lines.find((l) => l.item === "EC2 m6i.2xlarge");
        assert.deepEqual([ec2?.quantity, ec2?.usdPerUnit], [3 * 730, 0.384]);
        assert.match(ec2?.source ?? "", /^https:\/\/github\.com\/aws\/karpenter-provider-aws\/.* \(read 2026-12-01\)$/);
        assert.ok(c.notCounted.includes("EBS snapshots (lifecycle policy): not counted: depends on change rate"), c.notCounted.join("\n"));
    });

    it("counts the dev stack's NAT gateway and its public address, and names its data processing as not counted", async () => {
        const c = stackCost(await exampleRun("dev"));
        const line = (item: string) => c.lines.find((l) => l.item === item)?.monthlyUsd;
        close(line("NAT gateway hours") ?? NaN, 730 * 0.045, "NAT hours");
        close(line("public IPv4 address hours") ?? NaN, 730 * 0.005, "public IPv4");
        close(line("EBS gp3 storage") ?? NaN, (2 * 50 + 2 * 50) * 0.08, "gp3");
        assert.ok(c.notCounted.includes("NAT gateway data processed: not counted: depends on traffic"));
    });

    it("prices every instance type of every example stack (m6i.large, m6i.xlarge, m6i.2xlarge, r6i.xlarge, r6i.2xlarge) in us-east-1", async () => {
        for (const stack of EXAMPLE_STACKS) {
            const c = stackCost(await exampleRun(stack));
            // The price table holds us-east-1 only: ghes-dr's DR replica (us-west-2) is named, not guessed.
            const expected =
                stack === "ghes-dr"
                    ? ["EC2 r6i.xlarge x1: no price for r6i.xlarge in us-west-2; add it to INSTANCE_PRICES in components/plan/prices.ts"]
                    : [];
            assert.deepEqual(
                c.notPriced.filter((p) => p.startsWith("EC2")),
                expected,
                stack,
            );
            assert.ok(
                c.lines.some((l) => l.item.startsWith("EC2 ")),
                `${stack} has an EC2 line`,
            );
        }
        const dev = stackCost(await exampleRun("dev")).lines.find((l) => l.item === "EC2 m6i.large");
        close(dev?.monthlyUsd ?? NaN, 2 * 730 * 0.096, "dev: 2 m6i.large");
    });

    it("gives a 'no price' line, not a guess, for an unknown instance type or region", () => {
        const c = estimateCost([{ type: "aws:ec2/instance:Instance", name: "n1", inputs: { instanceType: "m9z.huge" } }], "us-east-1");
        assert.equal(c.monthlyUsd, 0);
        assert.deepEqual(c.notPriced, [
            "n1 root volume: the volume size is not set in the plan (the AMI decides it)",
            "EC2 m9z.huge x1: no price for m9z.huge in us-east-1; add it to INSTANCE_PRICES in components/plan/prices.ts",
        ]);
        const far = estimateCost([{ type: "aws:ebs/volume:Volume", name: "v", inputs: { type: "gp3", size: 10 } }], "eu-south-9");
        assert.equal(far.monthlyUsd, 0);
        assert.deepEqual(far.notPriced, [
            "EBS gp3 storage x1: no price for EBS gp3 storage in eu-south-9; add it to components/plan/prices.ts",
        ]);
    });

    it("prices Route 53 endpoint checks and names their extras, and high-resolution alarms apart", () => {
        const c = estimateCost(
            [
                { type: "aws:route53/healthCheck:HealthCheck", name: "hc", inputs: { type: "HTTPS_STR_MATCH", requestInterval: 10 } },
                { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "fast", inputs: { period: 10 } },
                { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "slow", inputs: { period: 60 } },
            ],
            "us-east-1",
        );
        close(c.monthlyUsd, 0.5 + 0.3 + 0.1, "health check and alarms");
        assert.deepEqual(c.notPriced, [
            "hc: Route 53 health check extras (HTTPS, string matching, fast interval): the source does not state their amount",
        ]);
    });

    it("has a source URL and the date it was read on every row of the table", () => {
        const rows: Price[] = [
            ...Object.values(PRICES).flatMap((r) => Object.values(r)),
            ...Object.values(INSTANCE_PRICES).flatMap((r) => Object.values(r)),
        ];
        assert.ok(rows.length >= 13, `only ${rows.length} rows`);
        for (const s of [...rows.map((r) => r.source), HOURS_PER_MONTH_SOURCE, GP3_BASELINE_SOURCE]) {
            assert.match(s.url, /^https:\/\/[^\s]+$/);
            assert.match(s.read, /^\d{4}-\d{2}-\d{2}$/);
            assert.ok(!Number.isNaN(Date.parse(s.read)), s.read);
        }
        for (const r of rows) assert.ok(r.usd > 0 && r.unit.length > 0, JSON.stringify(r));
        assert.ok(PRICES["us-east-1"], "us-east-1, the region of every example stack, has prices");
    });

    it("shows the cost in the plan text and in --json", async () => {
        const run = await exampleRun("prod");
        const text = formatPlan(run);
        assert.match(text, /^cost: \$1057\.0\d\/month \+ \d+ not priced {2}\(us-east-1, On-Demand, 730 h\/month;/m);
        assert.match(text, /^ +\$840\.96 {2}EC2 m6i\.2xlarge +2190 instance-hour \(Linux, On-Demand\) x \$0\.384$/m);
        assert.doesNotMatch(text, /no price for m6i\.2xlarge/);
        close(planJson(run).cost.monthlyUsd, stackCost(run).monthlyUsd, "json cost");
    });

    it("shows in --diff what a change costs, before -> after", async () => {
        const before = await exampleRun("prod");
        const after: ProgramRun = structuredClone(before);
        for (const r of after.resources.filter((x) => x.type === "aws:ebs/volume:Volume")) r.inputs.size = 600;
        const d = planDiff(before, after, "HEAD");
        close(d.cost?.deltaUsd ?? NaN, 3 * 100 * 0.08, "delta");
        const text = formatPlanDiff(d);
        assert.match(text, /^cost: \$1057\.0\d\/month \+ \d+ not priced -> \$1081\.0\d\/month \+ \d+ not priced \(\+\$24\.00\/month\)$/m);
        assert.match(text, /^ {2}EBS gp3 storage: \$132\.00 -> \$156\.00$/m);
        assert.deepEqual(costChangeLines(costChange(undefined, stackCost(before)))[0].split(" -> ")[0], "cost: (new stack)");
    });
});
