/**
 * The policy pack's rules, one by one: each validation function is called directly (the pack's
 * entry point, which starts a gRPC server, is never imported) with a resource that passes and one
 * that fails, through the same adapter that feeds recorded program runs to the policies.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { renderUserData } from "../components/plan/userdata";
import { isTls12Policy, secretIn } from "../policy/checks";
import * as pack from "../policy/policies";
import type { ProgramRun, RecordedResource } from "../tools/harness";
import { recorded } from "./records";
import { policyConfig, policyResources, resourceArgs, splitPath, withUnknowns } from "../tools/policycheck";

const rec = recorded;

const NOT_APPLICABLE = "(not applicable)";

/** Messages a resource policy reports for one resource; NOT_APPLICABLE when it skips the type. */
function check(policy: ResourceValidationPolicy, r: RecordedResource, config: Record<string, unknown> = {}): string[] {
    const messages: string[] = [];
    try {
        const v = policy.validateResource;
        for (const fn of Array.isArray(v) ? v : [v!]) void fn(resourceArgs(r, config), (m) => messages.push(m));
    } catch (e) {
        if ((e as Error).constructor.name === "NotApplicable") return [NOT_APPLICABLE];
        throw e;
    }
    return messages;
}

function stackOf(resources: RecordedResource[], outputs: Record<string, unknown>): PolicyResource[] {
    const stack = rec("pulumi:pulumi:Stack", "ha-service-test", {});
    const run = { stack: "test", project: "ha-service", resources: [stack, ...resources], outputs } as unknown as ProgramRun;
    return policyResources(run);
}

/** Messages (with the URN they name) a stack policy reports; NOT_APPLICABLE when it skips the stack. */
function checkStack(
    policy: StackValidationPolicy,
    resources: RecordedResource[],
    outputs: Record<string, unknown>,
    config: Record<string, unknown> = {},
): string[] {
    const messages: string[] = [];
    try {
        void policy.validateStack(
            {
                resources: stackOf(resources, outputs),
                stackTags: new Map(),
                getConfig: <T extends object>() => config as T,
                notApplicable: (reason?: string): never => {
                    throw Object.assign(new Error(reason), { notApplicable: true });
                },
            },
            (m, urn) => messages.push(urn ? `${m} @${urn.split("::").pop()}` : m),
        );
    } catch (e) {
        if ((e as { notApplicable?: boolean }).notApplicable) return [NOT_APPLICABLE];
        throw e;
    }
    return messages;
}

const INSTANCE = "aws:ec2/instance:Instance";
const goodInstance = {
    metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
    rootBlockDevice: { encrypted: true, volumeType: "gp3" },
    associatePublicIpAddress: false,
    iamInstanceProfile: "svc-profile",
    monitoring: true,
    ebsOptimized: true,
    userData: renderUserData({
        document: "/ha-service/dev/svc/nodes/node-1/replication",
        config: "/ha-service/dev/svc/nodes/node-1/config",
        secret: "/ha-service/dev/svc/join-secret",
    }),
};
const instance = (overrides: Record<string, unknown> = {}, extra: Partial<RecordedResource> = {}) =>
    rec(INSTANCE, "svc-node-1", { ...goodInstance, ...overrides }, extra);

describe("policy pack", () => {
    it("has unique policy names, descriptions and no reserved config keys", () => {
        const names = pack.policies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        assert.ok(!names.includes("all"), '"all" is reserved by the engine');
        for (const p of pack.policies) {
            assert.ok(p.description.length > 20, `${p.name} has no real description`);
            assert.ok(!("enforcementLevel" in (p.configSchema?.properties ?? {})), `${p.name}: enforcementLevel is injected by the engine`);
        }
    });

    it("names the Checkov and Trivy rules of DESIGN.md in the policies' tags", () => {
        const tags = new Set(pack.policies.flatMap((p) => p.tags ?? []));
        const expected = [
            ...["79", "8", "3", "88", "46", "24", "25", "260", "277", "23", "131", "91", "150", "2", "103", "261", "126", "135"].map(
                (n) => `CKV_AWS_${n}`,
            ),
            "CKV2_AWS_20",
            "CKV2_AWS_41",
            ...["0028", "0131", "0026", "0107", "0104", "0099", "0052", "0054", "0047"].map((n) => `AVD-AWS-${n}`),
        ];
        assert.deepEqual(
            expected.filter((id) => !tags.has(id)),
            [],
        );
    });

    it("ships an example config that names real policies and real config keys", () => {
        const example = JSON.parse(readFileSync(join(__dirname, "..", "policy", "config.example.json"), "utf8")) as Record<string, unknown>;
        for (const [name, entry] of Object.entries(example)) {
            const p = pack.policies.find((x) => x.name === name);
            assert.ok(p ?? name === "all", `config.example.json names unknown policy ${name}`);
            if (p && typeof entry === "object" && entry !== null) {
                for (const key of Object.keys(entry).filter((k) => k !== "enforcementLevel"))
                    assert.ok(key in (p.configSchema?.properties ?? {}), `${name} has no config key ${key}`);
            }
        }
    });

    it("resolves enforcement levels and config like --policy-pack-config", () => {
        assert.deepEqual(policyConfig("dns-ttl", { "dns-ttl": { enforcementLevel: "advisory", maxTtl: 60 } }, "mandatory"), {
            level: "advisory",
            props: { maxTtl: 60 },
        });
        assert.deepEqual(policyConfig("dns-ttl", { all: "disabled" }, "mandatory"), { level: "disabled", props: {} });
        assert.deepEqual(policyConfig("dns-ttl", {}, "advisory"), { level: "advisory", props: {} });
    });

    describe("instances", () => {
        const cases: [ResourceValidationPolicy, Record<string, unknown>, RegExp][] = [
            [pack.imdsv2Required, { metadataOptions: { httpTokens: "optional" } }, /httpTokens is "optional"; set it to "required"/],
            [pack.imdsv2Required, { metadataOptions: undefined }, /httpTokens is "optional"/],
            [pack.rootVolumeEncrypted, { rootBlockDevice: { encrypted: false } }, /rootBlockDevice\.encrypted is not true/],
            [pack.rootVolumeEncrypted, { ebsBlockDevices: [{ deviceName: "/dev/sdg" }] }, /ebsBlockDevices\[0\]\.encrypted/],
            [pack.noPublicIp, { associatePublicIpAddress: true }, /associatePublicIpAddress is true; set it to false/],
            [pack.noPublicIp, { associatePublicIpAddress: undefined }, /is "unset"/],
            [pack.userDataNoSecrets, { userData: "#!/bin/bash\nexport DB_PASSWORD=hunter2hunter2\n" }, /a password or token/],
            [
                pack.userDataNoSecrets,
                { userData: undefined, userDataBase64: Buffer.from("AKIAABCDEFGHIJKLMNOP").toString("base64") },
                /access key id/,
            ],
            [pack.instanceProfile, { iamInstanceProfile: undefined }, /iamInstanceProfile is not set/],
            [pack.detailedMonitoring, { monitoring: false }, /monitoring is not true/],
            [pack.ebsOptimized, { ebsOptimized: undefined }, /ebsOptimized is not true/],
        ];
        for (const [policy, overrides, message] of cases) {
            it(`${policy.name}: passes the package's node and fails ${JSON.stringify(overrides).slice(0, 60)}`, () => {
                assert.deepEqual(check(policy, instance()), []);
                const found = check(policy, instance(overrides));
                assert.equal(found.length, 1, found.join(" | "));
                assert.match(found[0], message);
            });
        }

        it("skips other resource types", () => {
            assert.deepEqual(check(pack.imdsv2Required, rec("aws:ebs/volume:Volume", "v", {})), [NOT_APPLICABLE]);
        });

        it("treats a value unknown during preview as set, not as a violation", () => {
            const previewed = instance({ iamInstanceProfile: undefined }, { unknownPaths: ["iamInstanceProfile"] });
            assert.deepEqual(check(pack.instanceProfile, previewed), []);
        });

        it("recognises secrets but not the references the package's own user data holds", () => {
            assert.equal(secretIn(goodInstance.userData), undefined);
            assert.equal(secretIn("password: ${DB_PASSWORD}"), undefined);
            assert.equal(secretIn("join_secret=/ha-service/dev/svc/join-secret"), undefined);
            assert.equal(secretIn("-----BEGIN RSA PRIVATE KEY-----\nMIIE"), "a private key");
            assert.equal(secretIn("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "an AWS secret access key");
        });
    });

    describe("volumes", () => {
        it("ebs-volume-encrypted: passes an encrypted volume and fails a plain one", () => {
            assert.deepEqual(check(pack.volumeEncrypted, rec("aws:ebs/volume:Volume", "d", { encrypted: true })), []);
            assert.match(check(pack.volumeEncrypted, rec("aws:ebs/volume:Volume", "d", { size: 10 }))[0], /encrypted is not true/);
        });
    });

    describe("security groups", () => {
        const SG = "aws:ec2/securityGroup:SecurityGroup";
        const IN = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
        const OUT = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
        const LEGACY = "aws:ec2/securityGroupRule:SecurityGroupRule";
        const ingress = (port: number, cidr: string, extra: Record<string, unknown> = {}) =>
            rec(IN, `in-${port}`, { ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: cidr, description: "why", ...extra });

        it("security-group-descriptions: passes described groups and rules, fails the default and missing ones", () => {
            assert.deepEqual(check(pack.securityGroupDescriptions, rec(SG, "g", { description: "svc nodes" })), []);
            assert.deepEqual(check(pack.securityGroupDescriptions, ingress(443, "10.0.0.0/8")), []);
            assert.match(
                check(pack.securityGroupDescriptions, rec(SG, "g", { description: "Managed by Pulumi" }))[0],
                /no description of its own/,
            );
            assert.match(
                check(pack.securityGroupDescriptions, ingress(443, "10.0.0.0/8", { description: "" }))[0],
                /rule ingress tcp\/443 from 10\.0\.0\.0\/8 has no description/,
            );
            const inline = rec(SG, "g", {
                description: "x",
                egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
            });
            assert.match(check(pack.securityGroupDescriptions, inline)[0], /rule egress every port to 0\.0\.0\.0\/0 has no description/);
        });

        it("no-public-ingress: allows the public ports, refuses admin ports, every port and ports outside the list", () => {
            assert.deepEqual(check(pack.noPublicIngress, ingress(443, "0.0.0.0/0")), []);
            assert.deepEqual(check(pack.noPublicIngress, ingress(8443, "10.20.0.0/16")), []);
            assert.match(
                check(pack.noPublicIngress, ingress(8443, "0.0.0.0/0"))[0],
                /port 8443 to the internet \(admin port of generic: management console; admin port of ghes: management console \(HTTPS\)\)/,
            );
            assert.match(
                check(pack.noPublicIngress, ingress(7000, "::/0", { cidrIpv4: undefined, cidrIpv6: "::/0" }))[0],
                /ha replication port of generic/,
            );
            assert.match(
                check(pack.noPublicIngress, ingress(22, "0.0.0.0/0"))[0],
                /opens port 22 to the internet \(admin port of cloudify: SSH for the cfy CLI\); only 80, 443 may be public/,
            );
            const all = rec(LEGACY, "all", { type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] });
            assert.match(check(pack.noPublicIngress, all)[0], /opens every port to the internet/);
            assert.match(
                check(pack.noPublicIngress, ingress(443, "0.0.0.0/0"), { allowedPublicPorts: [] })[0],
                /only no port may be public/,
            );
        });

        it("no-unrestricted-egress: allows HTTPS out, refuses anything else to the internet", () => {
            const out = (protocol: string, port: number, cidr: string) =>
                rec(OUT, `out-${port}`, { ipProtocol: protocol, fromPort: port, toPort: port, cidrIpv4: cidr, description: "x" });
            assert.deepEqual(check(pack.noUnrestrictedEgress, out("tcp", 443, "0.0.0.0/0")), []);
            assert.deepEqual(check(pack.noUnrestrictedEgress, out("tcp", 7000, "10.0.0.0/8")), []);
            assert.match(
                check(pack.noUnrestrictedEgress, out("-1", 0, "0.0.0.0/0"))[0],
                /egress every port to 0\.0\.0\.0\/0 lets traffic out/,
            );
            assert.match(check(pack.noUnrestrictedEgress, out("udp", 53, "0.0.0.0/0"))[0], /only tcp\/443 may leave/);
            assert.match(
                check(pack.noUnrestrictedEgress, out("tcp", 443, "0.0.0.0/0"), { allowedPublicEgressPorts: [] })[0],
                /only tcp\/none/,
            );
        });
    });

    describe("load balancer", () => {
        const LISTENER = "aws:lb/listener:Listener";
        const LB = "aws:lb/loadBalancer:LoadBalancer";
        const TG = "aws:lb/targetGroup:TargetGroup";

        it("alb-https-only: passes a redirect on HTTP and fails an HTTP forward", () => {
            const redirect = rec(LISTENER, "l80", {
                protocol: "HTTP",
                port: 80,
                defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443" } }],
            });
            const forward = rec(LISTENER, "l80", {
                protocol: "HTTP",
                port: 80,
                defaultActions: [{ type: "forward", targetGroupArn: "arn" }],
            });
            assert.deepEqual(check(pack.albHttpsOnly, redirect), []);
            assert.match(check(pack.albHttpsOnly, forward)[0], /HTTP listener on port 80 does not redirect to HTTPS/);
        });

        it("lb-tls12-policy: passes TLS 1.2+ policies, fails the AWS default and none", () => {
            const https = (sslPolicy?: string) =>
                rec(LISTENER, "l443", { protocol: "HTTPS", port: 443, ...(sslPolicy ? { sslPolicy } : {}) });
            assert.deepEqual(check(pack.tls12Policy, https("ELBSecurityPolicy-TLS13-1-2-2021-06")), []);
            assert.deepEqual(check(pack.tls12Policy, rec(LISTENER, "tcp", { protocol: "TCP", port: 443 })), []);
            assert.match(check(pack.tls12Policy, https("ELBSecurityPolicy-2016-08"))[0], /is not a TLS 1\.2\+ policy/);
            assert.match(check(pack.tls12Policy, https())[0], /unset/);
            assert.ok(isTls12Policy("ELBSecurityPolicy-FS-1-2-Res-2020-10") && !isTls12Policy("ELBSecurityPolicy-FS-2018-06"));
        });

        it("alb-drop-invalid-headers: passes an ALB that drops them and any NLB, fails an ALB that does not", () => {
            assert.deepEqual(
                check(pack.dropInvalidHeaders, rec(LB, "lb", { loadBalancerType: "application", dropInvalidHeaderFields: true })),
                [],
            );
            assert.deepEqual(check(pack.dropInvalidHeaders, rec(LB, "lb", { loadBalancerType: "network" })), []);
            assert.match(check(pack.dropInvalidHeaders, rec(LB, "lb", {}))[0], /dropInvalidHeaderFields is not true/);
        });

        it("target-group-health-check: passes a fast HTTP check, fails a disabled, slow or pathless one", () => {
            const tg = (healthCheck: unknown) => rec(TG, "tg", { protocol: "HTTP", port: 80, healthCheck });
            assert.deepEqual(
                check(pack.targetGroupHealthCheck, tg({ enabled: true, interval: 10, path: "/health", protocol: "HTTP" })),
                [],
            );
            assert.match(check(pack.targetGroupHealthCheck, tg({ enabled: false }))[0], /no enabled health check/);
            assert.match(check(pack.targetGroupHealthCheck, tg({ interval: 60, path: "/health" }))[0], /interval is 60 s; at most 30 s/);
            assert.deepEqual(check(pack.targetGroupHealthCheck, tg({ interval: 60, path: "/health" }), { maxInterval: 60 }), []);
            assert.match(check(pack.targetGroupHealthCheck, tg({ interval: 10 }))[0], /has no path/);
        });
    });

    describe("dns", () => {
        const RECORD = "aws:route53/record:Record";
        it("dns-ttl: passes 60 s and aliases, fails above 300 s and above the stack's ceiling", () => {
            assert.deepEqual(check(pack.dnsTtl, rec(RECORD, "r", { ttl: 60 })), []);
            assert.deepEqual(check(pack.dnsTtl, rec(RECORD, "r", { aliases: [{ name: "lb" }] })), []);
            assert.match(check(pack.dnsTtl, rec(RECORD, "r", { ttl: 600 }))[0], /ttl is 600 s; at most 300 s/);
            assert.match(check(pack.dnsTtl, rec(RECORD, "r", { ttl: 60 }), { maxTtl: 30 })[0], /at most 30 s/);
            assert.match(check(pack.dnsTtl, rec(RECORD, "r", { ttl: 400 }), { maxTtl: 3600 })[0], /at most 300 s/);
        });
    });

    describe("stack invariants", () => {
        const group = rec("hatopo:compute:NodeGroup", "svc", {});
        const volume = (node: string, zone: string, protect = true) =>
            rec(
                "aws:ebs/volume:Volume",
                `svc-${node}-data`,
                { availabilityZone: zone, encrypted: true, tags: { Node: node } },
                { parent: group.urn, protect },
            );
        const lb = (props: Record<string, unknown>) =>
            rec("aws:lb/loadBalancer:LoadBalancer", "svc-lb", { dnsName: "svc-lb-1.elb.amazonaws.com", ...props });
        const prod = { production: true, topology: "cluster" };

        it("lb-deletion-protection-in-production: passes a protected LB, fails an unprotected one, skips other stacks", () => {
            assert.deepEqual(checkStack(pack.lbDeletionProtection, [lb({ enableDeletionProtection: true })], prod), []);
            assert.deepEqual(checkStack(pack.lbDeletionProtection, [lb({ enableDeletionProtection: false })], prod), [
                "enableDeletionProtection is not true. @svc-lb",
            ]);
            assert.deepEqual(checkStack(pack.lbDeletionProtection, [lb({})], { production: false }), [NOT_APPLICABLE]);
            assert.equal(checkStack(pack.lbDeletionProtection, [lb({})], { production: false }, { allStacks: true }).length, 1);
        });

        it("lb-access-logs-in-production: passes enabled logs, fails none", () => {
            assert.deepEqual(checkStack(pack.lbAccessLogs, [lb({ accessLogs: { bucket: "logs", enabled: true } })], prod), []);
            assert.match(checkStack(pack.lbAccessLogs, [lb({})], prod)[0], /accessLogs are not enabled/);
        });

        it("data-volumes-protected-in-production: passes protected volumes, fails unprotected ones", () => {
            assert.deepEqual(checkStack(pack.dataVolumesProtected, [group, volume("a", "us-east-1a")], prod), []);
            assert.deepEqual(checkStack(pack.dataVolumesProtected, [group, volume("a", "us-east-1a", false)], prod), [
                "the protect resource option is off; turn it back on (`dataVolume.protect`). @svc-a-data",
            ]);
        });

        it("nodes-span-zones: needs an HA replica outside the primary's zone and a cluster over two zones", () => {
            const ha = { topology: "ha", primary: "node-1" };
            assert.deepEqual(
                checkStack(pack.nodesSpanZones, [group, volume("node-1", "us-east-1a"), volume("node-2", "us-east-1b")], ha),
                [],
            );
            assert.deepEqual(checkStack(pack.nodesSpanZones, [group, volume("node-1", "us-east-1a"), volume("node-2", "us-east-1a")], ha), [
                "the primary node-1 and every replica are in us-east-1a: put at least one replica in another zone. @svc",
            ]);
            assert.match(
                checkStack(pack.nodesSpanZones, [group, volume("app-a", "us-east-1a"), volume("app-b", "us-east-1a")], {
                    topology: "cluster",
                })[0],
                /every node \(app-a, app-b\) is in us-east-1a/,
            );
        });

        it("cluster-dns-aliases-load-balancer: passes an alias to the LB, fails a plain record or another target", () => {
            const dns = rec("hatopo:dns:DnsRecords", "svc-dns", {});
            const record = (props: Record<string, unknown>) =>
                rec("aws:route53/record:Record", "svc-dns-service", props, { parent: dns.urn });
            const alias = (name: string) => record({ type: "A", aliases: [{ name, zoneId: "Z", evaluateTargetHealth: true }] });
            const cluster = { topology: "cluster" };
            assert.deepEqual(
                checkStack(pack.clusterDnsAliasesLoadBalancer, [lb({}), dns, alias("svc-lb-1.elb.amazonaws.com")], cluster),
                [],
            );
            assert.match(
                checkStack(
                    pack.clusterDnsAliasesLoadBalancer,
                    [lb({}), dns, record({ type: "A", ttl: 60, records: ["10.0.0.1"] })],
                    cluster,
                )[0],
                /points at addresses/,
            );
            assert.match(
                checkStack(pack.clusterDnsAliasesLoadBalancer, [lb({}), dns, alias("elsewhere.example.com")], cluster)[0],
                /is not this stack's load balancer/,
            );
            assert.deepEqual(checkStack(pack.clusterDnsAliasesLoadBalancer, [dns, record({ ttl: 60 })], { topology: "ha" }), [
                NOT_APPLICABLE,
            ]);
        });

        it("stack-relaxations: reports each relaxation, advisory by default", () => {
            assert.deepEqual(checkStack(pack.stackRelaxations, [], { relaxations: [] }), []);
            assert.deepEqual(checkStack(pack.stackRelaxations, [], { relaxations: ["relax.singleZone: every node is in us-east-1a"] }), [
                "the stack relaxes a secure default: relax.singleZone: every node is in us-east-1a",
            ]);
            assert.equal(pack.stackRelaxations.enforcementLevel, "advisory");
        });
    });

    describe("adapter", () => {
        it("splits property paths and puts the unknown sentinel where the harness saw unknowns", () => {
            assert.deepEqual(splitPath('a.b[0]["x.y"]'), ["a", "b", 0, "x.y"]);
            const v = withUnknowns({ a: { b: [1] } }, ["a.b[0]", "c.d"]);
            assert.deepEqual(v, { a: { b: ["04da6b54-80e4-46f7-96ec-b56ff0331ba9"] }, c: { d: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" } });
        });

        it("reports a value unknown during preview as the SDK's UnknownValueError, like the engine", () => {
            const r = instance({}, { unknownPaths: ["monitoring"] });
            assert.throws(
                () => check(pack.detailedMonitoring, r),
                (e: Error) => e.constructor.name === "UnknownValueError" && /can't be known during preview/.test(e.message),
            );
        });
    });
});
