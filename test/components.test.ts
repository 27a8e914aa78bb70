import assert from "node:assert/strict";
import { nodeParameterPolicy } from "../components/plan/iam";
import { byType, getResource, isCloudResource, type ProgramRun } from "../tools/harness";
import { CERT, clusterConfig, haConfig } from "./fixtures";
import { run, runFailing } from "./program";

const INSTANCE = "aws:ec2/instance:Instance";
const VOLUME = "aws:ebs/volume:Volume";
const RECORD = "aws:route53/record:Record";
const TG = "aws:lb/targetGroup:TargetGroup";
const ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment";

describe("components (mock runtime)", function () {
    let ha: ProgramRun;
    let cluster: ProgramRun;
    before(async () => {
        ha = await run(haConfig());
        cluster = await run(clusterConfig());
    });

    it("creates one instance per node with IMDSv2, encrypted root, no public IP, monitoring and EBS optimisation", () => {
        const instances = byType(ha, INSTANCE);
        assert.deepEqual(
            instances.map((i) => i.name),
            ["svc-node-1", "svc-node-2"],
        );
        for (const i of instances) {
            const x = i.inputs as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
            assert.equal(x.metadataOptions.httpTokens, "required");
            assert.equal(x.metadataOptions.httpPutResponseHopLimit, 1);
            assert.equal(x.rootBlockDevice.encrypted, true);
            assert.equal(x.associatePublicIpAddress, false);
            assert.equal(x.monitoring, true);
            assert.equal(x.ebsOptimized, true);
            assert.ok(x.iamInstanceProfile, "instance profile attached");
            assert.deepEqual(i.ignoreChanges, ["ami", "userData", "userDataBase64"]);
        }
    });

    it("gives each node an encrypted gp3 data volume in its zone, retained on delete, attached to it", () => {
        const vols = byType(ha, VOLUME);
        assert.deepEqual(
            vols.map((v) => [v.name, v.inputs.availabilityZone, v.inputs.type, v.inputs.encrypted, v.retainOnDelete, v.protect]),
            [
                ["svc-node-1-data", "us-east-1a", "gp3", true, true, false],
                ["svc-node-2-data", "us-east-1b", "gp3", true, true, false],
            ],
        );
        const att = getResource(ha, "aws:ec2/volumeAttachment:VolumeAttachment", "svc-node-1-data");
        assert.equal(att.deleteBeforeReplace, true, "a replaced node's volume is detached before it is attached again");
        assert.equal(att.inputs.instanceId, getResource(ha, INSTANCE, "svc-node-1").id);
        assert.equal(att.inputs.volumeId, getResource(ha, VOLUME, "svc-node-1-data").id);
    });

    it("protects data volumes in production stacks", async () => {
        const prod = await run(
            clusterConfig({ production: true, loadBalancer: { kind: "alb", certificateArn: CERT, accessLogs: { bucket: "logs" } } }),
        );
        assert.ok(byType(prod, VOLUME).every((v) => v.protect === true));
        assert.equal(byType(prod, "aws:lb/loadBalancer:LoadBalancer")[0].inputs.enableDeletionProtection, true);
    });

    it("points the HA record at the primary's private IP with a 60 s TTL", () => {
        const rec = getResource(ha, RECORD, "svc-dns-service");
        const primary = getResource(ha, INSTANCE, "svc-node-1");
        assert.equal(rec.inputs.ttl, 60);
        assert.equal(rec.inputs.type, "A");
        assert.deepEqual(rec.inputs.records, [primary.state!.privateIp]);
    });

    it("aliases the cluster record to the load balancer", () => {
        const rec = getResource(cluster, RECORD, "svc-dns-service");
        const lb = getResource(cluster, "aws:lb/loadBalancer:LoadBalancer", "svc-lb");
        assert.deepEqual(rec.inputs.aliases, [{ name: lb.state!.dnsName, zoneId: lb.state!.zoneId, evaluateTargetHealth: true }]);
        assert.equal(rec.inputs.ttl, undefined);
    });

    it("health-checks the target group and attaches every serving node", () => {
        const tg = getResource(cluster, TG, "svc-lb-http-80");
        assert.deepEqual(tg.inputs.healthCheck, {
            enabled: true,
            protocol: "HTTP",
            port: "80",
            path: "/health",
            matcher: "200",
            interval: 5,
            timeout: 4,
            healthyThreshold: 2,
            unhealthyThreshold: 2,
        });
        assert.equal(tg.inputs.deregistrationDelay, 30);
        assert.deepEqual(
            byType(cluster, ATTACHMENT).map((a) => a.name),
            ["svc-lb-http-80-app-a", "svc-lb-http-80-app-b", "svc-lb-http-80-app-c"],
        );
    });

    it("redirects HTTP to HTTPS and uses a TLS 1.2+ policy on the ALB", () => {
        const https = getResource(cluster, "aws:lb/listener:Listener", "svc-lb-https-443");
        assert.equal(https.inputs.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
        const http = getResource(cluster, "aws:lb/listener:Listener", "svc-lb-http-80");
        assert.deepEqual(http.inputs.defaultActions, [
            { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
        ]);
        assert.equal(getResource(cluster, "aws:lb/loadBalancer:LoadBalancer", "svc-lb").inputs.dropInvalidHeaderFields, true);
    });

    it("opens replication ports only within the nodes' group and describes every rule", () => {
        const nodesSg = getResource(cluster, "aws:ec2/securityGroup:SecurityGroup", "svc-sg-nodes");
        const repl = getResource(cluster, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "svc-sg-nodes-repl-tcp-7000");
        assert.equal(repl.inputs.referencedSecurityGroupId, nodesSg.id);
        assert.equal(repl.inputs.securityGroupId, nodesSg.id);
        assert.equal(repl.inputs.cidrIpv4, undefined);
        const rules = [
            ...byType(cluster, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
            ...byType(cluster, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"),
        ];
        assert.ok(rules.length >= 6);
        for (const r of rules) assert.ok(typeof r.inputs.description === "string" && r.inputs.description.length > 0, r.name);
    });

    it("stores the join secret as a SecureString Pulumi secret, never in user data or outputs", () => {
        const secret = getResource(ha, "aws:ssm/parameter:Parameter", "svc-repl-secret");
        assert.equal(secret.inputs.type, "SecureString");
        assert.deepEqual(secret.secretPaths, ["value"]);
        const value = String(secret.inputs.value);
        for (const i of byType(ha, INSTANCE)) assert.ok(!String(i.inputs.userData).includes(value));
        assert.ok(!JSON.stringify(ha.outputs).includes(value));
    });

    it("stores each node's resolved replication document and re-applies it through an association keyed by its hash", () => {
        const doc = getResource(ha, "aws:ssm/parameter:Parameter", "svc-repl-node-2");
        const parsed = JSON.parse(String(doc.inputs.value));
        assert.equal(parsed.role, "replica");
        assert.equal(parsed.primary.address, getResource(ha, INSTANCE, "svc-node-1").state!.privateIp);
        const assoc = getResource(ha, "aws:ssm/association:Association", "svc-repl-node-2");
        assert.deepEqual(assoc.inputs.targets, [{ key: "InstanceIds", values: [getResource(ha, INSTANCE, "svc-node-2").id] }]);
        assert.match(String((assoc.inputs.parameters as Record<string, string>).documentHash), /^[0-9a-f]{16}$/);
    });

    it("grants the nodes SSM access through an instance profile, with no SSH key", () => {
        const attach = getResource(ha, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "svc-ssm-core");
        assert.equal(attach.inputs.policyArn, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
        for (const i of byType(ha, INSTANCE)) assert.equal(i.inputs.keyName, undefined);
    });

    it("exports the endpoint, DNS name, topology, primary and nodes", () => {
        const nodes = ha.outputs.nodes as Record<string, { instanceId: string; privateIp: string; zone: string; role: string }>;
        assert.equal(ha.outputs.topology, "ha");
        assert.equal(ha.outputs.primary, "node-1");
        assert.equal(ha.outputs.endpoint, "https://svc.test.example.com");
        assert.equal(ha.outputs.dnsName, "svc.test.example.com");
        assert.deepEqual(Object.keys(nodes), ["node-1", "node-2"]);
        assert.equal(nodes["node-1"].role, "primary");
        assert.equal(nodes["node-2"].zone, "us-east-1b");
        assert.equal(nodes["node-1"].instanceId, getResource(ha, INSTANCE, "svc-node-1").id);
        assert.match(String(cluster.outputs.loadBalancerDnsName), /elb\.amazonaws\.com$/);
        assert.deepEqual(ha.secretOutputs, []);
    });

    it("names every child from the component name and a stable key, parented to its component", () => {
        for (const r of [...ha.resources, ...cluster.resources]) {
            if (r.type === "pulumi:pulumi:Stack" || r.type.startsWith("pulumi:providers:")) continue;
            assert.ok(r.parent, `${r.type} ${r.name} has no parent`);
            assert.match(r.name, /^svc(-|$)/, r.name);
        }
        const names = cluster.resources.map((r) => `${r.type}::${r.name}`);
        assert.equal(new Set(names).size, names.length, "names are unique");
    });

    it("registers no AWS resource when the config is invalid", async () => {
        const bad = await runFailing(haConfig({ nodeCount: 0 }));
        assert.match(bad.error!.message, /ha-service:nodeCount/);
        assert.deepEqual(bad.resources.filter(isCloudResource), []);
    });
});

describe("node IAM policy (pure)", () => {
    it("allows the stack's own parameters and denies every other parameter of the account", () => {
        const policy = nodeParameterPolicy(
            { partition: "aws", region: "eu-west-1", accountId: "123456789012" },
            "/ha-service/prod/svc",
        ) as {
            Statement: { Sid: string; Effect: string; Action: string[]; Resource?: string; NotResource?: string[] }[];
        };
        const own = "arn:aws:ssm:eu-west-1:123456789012:parameter/ha-service/prod/svc/*";
        const allow = policy.Statement.find((s) => s.Effect === "Allow")!;
        assert.equal(allow.Resource, own);
        const deny = policy.Statement.find((s) => s.Effect === "Deny")!;
        // AmazonSSMManagedInstanceCore allows GetParameter on "*": only an explicit Deny narrows it.
        assert.ok(deny.Action.includes("ssm:GetParameter") && deny.Action.includes("ssm:GetParametersByPath"));
        assert.deepEqual(deny.NotResource, [own, "arn:aws:ssm:eu-west-1::parameter/aws/*"]);
    });
});
