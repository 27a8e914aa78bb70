/**
 * Issue 15: a DR replica in a second region (stacks/Pulumi.ghes-dr.yaml). The real program runs
 * under the mock runtime; the tests walk what it registers.
 */
import assert from "node:assert/strict";
import { ALIAS_TTL, planTopology, ROUTE53_PROPAGATION } from "../components/plan";
import { ConfigSchema } from "../components/config/schema";
import { HA_SERVICE_TYPE } from "../components/config/ha-service-args";
import { planDiff } from "../tools/plandiff";
import { getResource, type ProgramRun, type RecordedResource } from "../tools/harness";
import { modelPattern, shape } from "./aws-models";
import { exampleRun } from "./examples";
import { spec } from "./fixtures";
import { run } from "./program";
import { stackConfig } from "./stacks";

const DR = "us-west-2";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

const promoted = () => {
    const base = stackConfig("ghes-dr");
    return { ...base, primary: "ghe-3", dr: { ...(base.dr as object), promoted: true } };
};

/** The resources registered under a component (any depth). */
function under(r: ProgramRun, componentType: string, name: string): RecordedResource[] {
    const root = r.resources.find((x) => x.type === componentType && x.name === name);
    assert.ok(root, `no ${componentType} ${name}`);
    const urns = new Set([root.urn]);
    let grew = true;
    while (grew) {
        grew = false;
        for (const x of r.resources) {
            if (x.parent !== undefined && urns.has(x.parent) && !urns.has(x.urn)) {
                urns.add(x.urn);
                grew = true;
            }
        }
    }
    return r.resources.filter((x) => x.custom && urns.has(x.urn) && x.urn !== root.urn);
}

const privateIp = (r: ProgramRun, node: string, group = `ghe-dr-${node}`) =>
    String(
        (r.resources.find((x) => x.type === "aws:ec2/instance:Instance" && (x.name === group || x.name === `ghe-${node}`))?.state ?? {})
            .privateIp,
    );

describe("DR region (issue 15)", () => {
    it("the example plans offline and its plan shows both regions", () => {
        const p = planTopology(spec(stackConfig("ghes-dr"), "ghes-dr"));
        assert.deepEqual(
            p.nodes.map((n) => [n.key, n.zone, n.region]),
            [
                ["ghe-1", "us-east-1a", undefined],
                ["ghe-2", "us-east-1b", undefined],
                ["ghe-3", "us-west-2a", DR],
            ],
        );
        assert.equal(p.dr?.region, DR);
        assert.deepEqual(p.dr?.zones, ["us-west-2a", "us-west-2b"]);
        assert.deepEqual(p.dr?.connection, { kind: "peering", mainCidr: "10.50.0.0/16", drCidr: "10.60.0.0/16" });
        // Each region's load balancer registers its own region's nodes only.
        assert.deepEqual([...new Set(p.loadBalancer!.attachments.map((a) => a.node))], ["ghe-1", "ghe-2"]);
        assert.deepEqual([...new Set(p.dr!.loadBalancer!.attachments.map((a) => a.node))], ["ghe-3"]);
        assert.deepEqual(
            p.replication.documents.map((d) => d.node),
            ["ghe-1", "ghe-2"],
        );
        assert.deepEqual(
            p.dr!.replication.documents.map((d) => d.node),
            ["ghe-3"],
        );
    });

    it("every resource of the DR nodes, groups, SSM parameters, alarms and association carries the DR region", async () => {
        const r = await exampleRun("ghes-dr");
        const dr = under(r, "hatopo:dr:DrRegion", "ghe-dr");
        // IAM is global: it takes no region.
        const regional = dr.filter((x) => !x.type.startsWith("aws:iam/") && x.type.startsWith("aws:"));
        const wrong = regional.filter((x) => x.inputs.region !== DR).map((x) => `${x.type}::${x.name} (${String(x.inputs.region)})`);
        assert.deepEqual(wrong, []);
        const types = new Set(regional.map((x) => x.type));
        for (const t of [
            "aws:ec2/instance:Instance",
            "aws:ebs/volume:Volume",
            "aws:ec2/volumeAttachment:VolumeAttachment",
            "aws:ec2/securityGroup:SecurityGroup",
            INGRESS,
            "aws:ssm/parameter:Parameter",
            "aws:ssm/document:Document",
            "aws:ssm/association:Association",
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "aws:sns/topic:Topic",
            "aws:lb/loadBalancer:LoadBalancer",
            "aws:dlm/lifecyclePolicy:LifecyclePolicy",
        ])
            assert.ok(types.has(t), `no ${t} in the DR region`);
        assert.equal(getResource(r, "aws:ec2/instance:Instance", "ghe-dr-ghe-3").inputs.region, DR);
        assert.equal(getResource(r, "aws:ssm/association:Association", "ghe-dr-repl-ghe-3").inputs.region, DR);
        // The DR nodes' role may read the DR region's parameters: the policy names that region.
        const policy = String(getResource(r, "aws:iam/rolePolicy:RolePolicy", "ghe-dr-parameters").inputs.policy);
        assert.match(policy, /arn:aws:ssm:us-west-2:/);
        assert.doesNotMatch(policy, /arn:aws:ssm:us-east-1:/);
        // The main region's resources keep exactly the inputs they had: no region input.
        const main = under(r, HA_SERVICE_TYPE, "ghe").filter(
            (x) => !dr.includes(x) && !x.name.startsWith("ghe-dr-link") && x.inputs.region !== undefined,
        );
        assert.deepEqual(
            main.map((x) => `${x.type}::${x.name}`),
            ["aws:kms/key:Key::ghe-backup-copies"],
        );
    });

    it("the DR nodes share the main region's join secret (one secret, a parameter in each region)", async () => {
        const r = await exampleRun("ghes-dr");
        const main = getResource(r, "aws:ssm/parameter:Parameter", "ghe-repl-secret");
        const dr = getResource(r, "aws:ssm/parameter:Parameter", "ghe-dr-repl-secret");
        assert.equal(dr.inputs.name, main.inputs.name);
        assert.equal(dr.inputs.value, main.inputs.value);
        assert.ok(dr.secretPaths.includes("value"));
        assert.equal(r.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword").length, 1);
    });

    it("replication rules between the regions are exactly the other region's nodes' /32 addresses", async () => {
        const r = await exampleRun("ghes-dr");
        const links = under(r, "hatopo:dr:DrLinks", "ghe-dr-link").filter((x) => x.type === INGRESS || x.type === EGRESS);
        const groupOf = (x: RecordedResource) => {
            const sg = r.resources.find((g) => g.type === "aws:ec2/securityGroup:SecurityGroup" && g.id === x.inputs.securityGroupId);
            return sg?.name;
        };
        const ip = (node: string) => `${privateIp(r, node)}/32`;
        const repl = (group: string, peers: string[], region?: string) =>
            peers.flatMap((peer) =>
                ["tcp 122", "udp 1194"].flatMap((p) =>
                    [INGRESS, EGRESS].map((t) => [group, t === INGRESS ? "in" : "out", p, ip(peer), region ?? "-"].join(" ")),
                ),
            );
        const backup = ["tcp 122", "tcp 8443"].flatMap((p) => [
            [
                "ghe-dr-sg-nodes",
                "in",
                p,
                `${String(getResource(r, "aws:ec2/instance:Instance", "ghe-backup-host").state?.privateIp)}/32`,
                DR,
            ].join(" "),
            ["ghe-sg-backupHost", "out", p, ip("ghe-3"), "-"].join(" "),
        ]);
        const got = links
            .map((x) =>
                [
                    groupOf(x),
                    x.type === INGRESS ? "in" : "out",
                    `${String(x.inputs.ipProtocol)} ${String(x.inputs.fromPort)}`,
                    x.inputs.cidrIpv4,
                    x.inputs.region ?? "-",
                ].join(" "),
            )
            .sort();
        assert.deepEqual(got, [...repl("ghe-sg-nodes", ["ghe-3"]), ...repl("ghe-dr-sg-nodes", ["ghe-1", "ghe-2"], DR), ...backup].sort());
        // No rule of either region refers to a group of the other, or opens replication wider than one host
        // (port 122 is also GHES's admin SSH, open to the admin CIDRs as configured).
        const allRules = r.resources.filter((x) => x.type === INGRESS || x.type === EGRESS);
        for (const x of allRules) {
            const ref = x.inputs.referencedSecurityGroupId;
            if (ref !== undefined) {
                const other = r.resources.find((g) => g.id === ref);
                assert.equal(other?.inputs.region, x.inputs.region, `${x.name} references a group of another region`);
            }
            const wide = String(x.inputs.cidrIpv4 ?? "");
            if ([122, 1194].includes(Number(x.inputs.fromPort)) && wide !== "")
                assert.ok(wide.endsWith("/32") || wide === "10.20.0.0/16", `${x.name}: ${wide}`);
        }
    });

    it("the peering joins the two created VPCs and routes each private table to the other block", async () => {
        const r = await exampleRun("ghes-dr");
        const peering = getResource(r, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "ghe-dr-link-peering");
        assert.equal(peering.inputs.peerRegion, DR);
        assert.equal(peering.inputs.region, undefined);
        assert.equal(
            getResource(r, "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "ghe-dr-link-peering").inputs.region,
            DR,
        );
        const route = (n: string) => getResource(r, "aws:ec2/route:Route", n).inputs;
        assert.deepEqual(
            [route("ghe-dr-link-main-route").destinationCidrBlock, route("ghe-dr-link-main-route").region],
            ["10.60.0.0/16", undefined],
        );
        assert.deepEqual([route("ghe-dr-link-dr-route").destinationCidrBlock, route("ghe-dr-link-dr-route").region], ["10.50.0.0/16", DR]);
    });

    it("a promotion to the DR replica moves DNS and replication and replaces, creates or deletes no instance, volume or attachment", async () => {
        const before = await exampleRun("ghes-dr");
        const after = await run(promoted(), "ghes-dr");
        const d = planDiff(before, after, "base");
        assert.deepEqual([d.created, d.deleted], [[], []]);
        // Only the primary's health-check alarm moves: it watches the primary and lives in its region.
        assert.deepEqual(
            d.replaced.map((x) => [x.type, x.name, x.replaceKeys]),
            [["aws:cloudwatch/metricAlarm:MetricAlarm", "ghe-dns-primary-health", ["region"]]],
        );
        const updated = d.updated.map((x) => x.name);
        assert.ok(updated.includes("ghe-dns-service"), updated.join(", "));
        for (const n of ["ghe-repl-ghe-1", "ghe-repl-ghe-2", "ghe-dr-repl-ghe-3"]) assert.ok(updated.includes(n), `${n} not updated`);
        const stateful = /^aws:(ec2\/instance|ebs\/volume|ec2\/volumeAttachment|lb\/targetGroupAttachment)/;
        assert.deepEqual(
            d.updated.filter((x) => stateful.test(x.type)),
            [],
        );
        // DNS now aliases the DR region's load balancer.
        const record = getResource(after, "aws:route53/record:Record", "ghe-dns-service").inputs as { aliases: { name: string }[] };
        assert.equal(record.aliases[0].name, getResource(after, "aws:lb/loadBalancer:LoadBalancer", "ghe-dr-lb").state?.dnsName);
        const check = getResource(after, "aws:route53/healthCheck:HealthCheck", "ghe-dns-primary").inputs;
        assert.equal(check.cloudwatchAlarmRegion, DR);
    });

    it("copies every snapshot to the DR region, encrypted with a key there, kept dr.backups.keepDays days", async () => {
        const r = await exampleRun("ghes-dr");
        const policy = getResource(r, "aws:dlm/lifecyclePolicy:LifecyclePolicy", "ghe-backup").inputs as {
            policyDetails: { schedules: { crossRegionCopyRules: Record<string, unknown>[] }[] };
        };
        const [rule] = policy.policyDetails.schedules[0].crossRegionCopyRules;
        const key = getResource(r, "aws:kms/key:Key", "ghe-backup-copies");
        assert.equal(key.inputs.region, DR);
        assert.deepEqual(rule, {
            target: DR,
            encrypted: true,
            cmkArn: key.state?.arn,
            copyTags: true,
            retainRule: { interval: 14, intervalUnit: "DAYS" },
        });
        // AWS's limits on the rule (Data Lifecycle Manager API model).
        assert.match(DR, modelPattern(String(shape("dlm", "TargetRegion").pattern)));
        // A configured key: the schema accepts what the model's CmkArn pattern accepts.
        const cmk = modelPattern(String(shape("dlm", "CmkArn").pattern));
        const ours = ConfigSchema.shape.dr.unwrap().shape.backups.unwrap().shape.kmsKeyArn;
        for (const arn of [
            "arn:aws:kms:us-west-2:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
            "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/abc",
            "arn:aws:kms:us-west-2:123456789012:alias/backups",
        ])
            assert.equal(ours.safeParse(arn).success, cmk.test(arn), arn);
        assert.ok(Number(shape("dlm", "CrossRegionCopyRules").max) >= 1);
        // The backup host's volume (Backup Utilities' snapshots) carries the backup tag, so it is copied too.
        const tags = getResource(r, "aws:ebs/volume:Volume", "ghe-backup-host-data").inputs.tags as Record<string, string>;
        assert.equal(tags.DataVolumeBackup, "ha-service/ghes-dr/ghe");
        // The copy key's permission for Data Lifecycle Manager names exactly that key.
        const permission = JSON.parse(String(getResource(r, "aws:iam/rolePolicy:RolePolicy", "ghe-backup-copies").inputs.policy)) as {
            Statement: { Resource: string }[];
        };
        assert.deepEqual(
            permission.Statement.map((s) => s.Resource),
            [key.state?.arn],
        );
    });

    it("the DR region name rule matches AWS's pattern for region names", () => {
        const aws = modelPattern(String(shape("dlm", "TargetRegion").pattern));
        const ours = ConfigSchema.shape.dr.unwrap().shape.region;
        for (const region of ["us-west-2", "eu-central-1", "ap-southeast-3", "us-gov-west-1", "uswest2", "us-west", "US-WEST-2"])
            assert.equal(ours.safeParse(region).success, aws.test(region), region);
    });

    it("the failover analysis reports losing the primary's region: manual, with detection, promotion, DNS figures and the data at risk", () => {
        const p = planTopology(spec(stackConfig("ghes-dr"), "ghes-dr"));
        const s = p.failoverAnalysis.scenarios.find((x) => x.key === "region:us-east-1");
        assert.ok(s, p.failoverAnalysis.scenarios.map((x) => x.key).join(", "));
        assert.deepEqual([s.kind, s.nodesLost, s.staysUp, s.failover, s.operator], ["region", ["ghe-1", "ghe-2"], false, "manual", true]);
        // 2 failed one-minute status checks; GitHub's 20 to 30 minutes; Route 53's 60 s propagation plus the alias's fixed 60 s TTL.
        assert.deepEqual(
            [s.detectSeconds, s.promotion, s.followSeconds],
            [2 * 60, { minSeconds: 20 * 60, maxSeconds: 30 * 60 }, ROUTE53_PROPAGATION + ALIAS_TTL],
        );
        assert.equal(s.clientsMoveSeconds, 120 + 1200 + 120);
        assert.match(
            s.clientsMoveBy,
            /runbook dr-promote; GitHub gives 20 to 30 minutes .*initiating-a-failover-to-your-replica-appliance\.md/,
        );
        assert.match(
            s.clientsMoveBy,
            /aliases us-west-2's load balancer \(60 s Route 53 propagation\), resolvers follow after the 60 s TTL/,
        );
        assert.match(s.dataAtRisk, /across the regions: what ghe-3 had not received from ghe-1/);
        const other = p.failoverAnalysis.scenarios.find((x) => x.key === "region:us-west-2")!;
        assert.deepEqual([other.staysUp, other.failover, other.clientsMoveSeconds, other.nodesLost], [true, "none", 0, ["ghe-3"]]);
    });

    it("takes the region-loss figures from the stack's settings: status-check failures and the record's own TTL", () => {
        const raw = {
            ...stackConfig("ghes-dr"),
            failoverSettings: { healthCheckFailures: 3 },
            dns: { ...(stackConfig("ghes-dr").dns as object), target: "primary", ttl: 120 },
        };
        const s = planTopology(spec(raw, "ghes-dr")).failoverAnalysis.scenarios.find((x) => x.key === "region:us-east-1")!;
        assert.deepEqual([s.detectSeconds, s.followSeconds, s.clientsMoveSeconds], [180, 60 + 120, 180 + 1200 + 180]);
        assert.match(s.clientsMoveBy, /points at ghe-3/);
        // Promoted: losing us-west-2 is now the primary's region.
        const promotedPlan = planTopology(spec(promoted(), "ghes-dr"));
        const lost = promotedPlan.failoverAnalysis.scenarios.find((x) => x.key === "region:us-west-2")!;
        assert.deepEqual([lost.failover, lost.nodesLost], ["manual", ["ghe-3"]]);
        assert.match(lost.clientsMoveBy, /promote ghe-1 in us-east-1/);
    });

    it("has runbooks to promote the DR replica and to fail back, in GitHub's order, with only the surviving region applied", () => {
        const p = planTopology(spec(stackConfig("ghes-dr"), "ghes-dr"));
        const steps = (key: string) => p.runbooks.find((r) => r.key === key)!.steps;
        const at = (list: readonly string[], re: RegExp) => {
            const i = list.findIndex((x) => re.test(x));
            assert.ok(i >= 0, `no step matches ${String(re)}:\n${list.join("\n")}`);
            return i;
        };
        const promote = steps("dr-promote");
        const order = [
            /ghe-repl-status -vv/,
            /ghe-maintenance -s/,
            /On ghe-3: `ghe-repl-promote`/,
            /ha-service:primary ghe-3.*dr\.promoted' true/,
            /pulumi up --target/,
        ];
        const idx = order.map((re) => at(promote, re));
        assert.deepEqual(
            idx,
            [...idx].sort((a, b) => a - b),
            promote.join("\n"),
        );
        assert.match(promote[at(promote, /pulumi up --target/)], /ghe-dns-service.*ghe-dr-repl-ghe-3.*ghe-dr-repl-ghe-3-config/);
        const back = steps("dr-failback");
        const rejoin = at(back, /ghesHa\.formerPrimaries\.ghe-1' rejoin/);
        const caught = at(back, /caught up/);
        const swap = at(back, /ha-service:primary ghe-1.*dr\.promoted' false/);
        assert.ok(rejoin < caught && caught < swap, back.join("\n"));
    });

    it("with an existing DR VPC and transit gateway: no peering or routes, the nodes in the given subnet, rules still /32", async () => {
        const base = stackConfig("ghes-dr");
        const r = await run(
            {
                ...base,
                dr: {
                    ...(base.dr as object),
                    network: {
                        vpcId: "vpc-0b1c2d3e4f5a60718",
                        cidr: "10.70.0.0/16",
                        subnets: [{ id: "subnet-0ddd1111eeee2222a", zone: "us-west-2a" }],
                    },
                    connection: { peering: false, existing: "tgw-0123456789abcdef0" },
                },
            },
            "ghes-dr",
        );
        const types = new Set(r.resources.map((x) => x.type));
        for (const t of ["aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "aws:ec2/route:Route", "aws:ec2/vpc:Vpc"])
            assert.equal(r.resources.filter((x) => x.type === t && x.name.startsWith("ghe-dr")).length, 0, `${t} registered`);
        assert.ok(types.has("aws:ec2/vpc:Vpc"), "the main VPC is still created");
        const node = getResource(r, "aws:ec2/instance:Instance", "ghe-dr-ghe-3").inputs;
        assert.deepEqual([node.subnetId, node.region], ["subnet-0ddd1111eeee2222a", DR]);
        assert.equal(getResource(r, "aws:ec2/securityGroup:SecurityGroup", "ghe-dr-sg-nodes").inputs.vpcId, "vpc-0b1c2d3e4f5a60718");
        const cross = under(r, "hatopo:dr:DrLinks", "ghe-dr-link");
        assert.ok(cross.length > 0);
        for (const x of cross) assert.match(String(x.inputs.cidrIpv4), /^\d+\.\d+\.\d+\.\d+\/32$/, x.name);
    });
});
