/**
 * Secure by default: every example stack in stacks/ passes every rule of the policy pack with no
 * relaxation, in a normal run and in a preview; the few rules whose breach would be worst are also
 * asserted directly on the recorded resources. A `relax` switch is the only way to give up a rule,
 * and it shows in the plan, the outputs and the policy pack.
 */
import assert from "node:assert/strict";
import { ConfigError } from "../components/config";
import program = require("../index");
import { policies } from "../policy/policies";
import { byType, isCloudResource, type ProgramRun, runProgram } from "../tools/harness";
import { formatPlan } from "../tools/plan";
import { checkPolicies, FirstPreviewMocks, formatViolations } from "../tools/policycheck";
import { listStacks, readStackFile } from "../tools/stackfile";
import { CERT, clusterConfig, haConfig, type Raw, spec } from "./fixtures";
import { exampleRun } from "./examples";
import { run } from "./program";
import { EXAMPLE_STACKS } from "./stacks";

// The shipped examples: a user's own stack may relax a default on purpose.
const stacks = listStacks("stacks").filter((s) => EXAMPLE_STACKS.includes(s));

const INSTANCE = "aws:ec2/instance:Instance";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

describe("secure by default: every example stack", () => {
    it("has example stacks to check", () => {
        assert.ok(stacks.length >= 2, `stacks/ holds ${stacks.join(", ")}`);
    });

    const applied: Record<string, number> = {};
    after(() => {
        // Guards against a vacuous pass (a policy whose type token never matches anything).
        if (stacks.length === 0) return;
        const never = policies.map((p) => p.name).filter((n) => !applied[n]);
        assert.deepEqual(never, [], `policies that applied to no resource of any example stack: ${never.join(", ")}`);
    });

    for (const stack of stacks) {
        for (const preview of [false, true]) {
            describe(`${stack}${preview ? " (first preview: computed values unknown)" : ""}`, () => {
                let r: ProgramRun;
                before(async () => {
                    const mocks = preview ? { mocks: new FirstPreviewMocks() } : {};
                    if (!preview) r = await exampleRun(stack);
                    else r = await runProgram(program, { stack, config: readStackFile(stack, "stacks"), preview, ...mocks });
                    if (r.error) throw r.error;
                });

                it("relaxes nothing", () => {
                    assert.deepEqual(r.outputs.relaxations, []);
                    assert.ok(!formatPlan(r).includes("relaxed:"));
                });

                it("passes every policy of the pack, none of them blinded by unknown values", async () => {
                    const report = await checkPolicies(r, policies);
                    assert.equal(report.violations.length, 0, formatViolations(r, report.violations));
                    assert.equal(report.unknown.length, 0, formatViolations(r, report.unknown));
                    for (const [name, n] of Object.entries(report.applied)) applied[name] = (applied[name] ?? 0) + n;
                });
            });
        }

        describe(`${stack} (direct checks)`, () => {
            let r: ProgramRun;
            before(async () => {
                r = await exampleRun(stack);
            });

            it("keeps the join secret out of user data and plain outputs", () => {
                const secret = byType(r, "random:index/randomPassword:RandomPassword")[0]?.state?.result;
                assert.equal(typeof secret, "string");
                for (const i of byType(r, INSTANCE)) assert.ok(!String(i.inputs.userData).includes(secret as string), i.name);
                const plain = Object.entries(r.outputs).filter(([k]) => !r.secretOutputs.includes(k));
                assert.ok(!JSON.stringify(plain).includes(secret as string));
            });

            it("opens nothing to the internet but HTTPS egress to AWS APIs (the nodes', and a GHES backup host's)", () => {
                const world = [...byType(r, INGRESS), ...byType(r, EGRESS)].filter((x) => String(x.inputs.cidrIpv4).endsWith("/0"));
                assert.deepEqual(
                    world.map((x) => [x.type === EGRESS ? "egress" : "ingress", x.inputs.ipProtocol, x.inputs.fromPort, x.inputs.toPort]),
                    world.map(() => ["egress", "tcp", 443, 443]),
                );
                // One HTTPS egress rule per nodes group (each region's, in a DR stack) and per backup-host group.
                assert.deepEqual(
                    world.map((x) => x.name.replace(/-https-out$/, "")).sort(),
                    byType(r, "aws:ec2/securityGroup:SecurityGroup")
                        .map((g) => g.name)
                        .filter((n) => /-sg-(nodes|backupHost)$/.test(n))
                        .sort(),
                );
            });

            it("registers only encrypted volumes and private, IMDSv2-only, monitored, profiled nodes", () => {
                for (const i of byType(r, INSTANCE)) {
                    const md = i.inputs.metadataOptions as Record<string, unknown>;
                    const root = i.inputs.rootBlockDevice as Record<string, unknown>;
                    assert.deepEqual(
                        [md.httpTokens, root.encrypted, i.inputs.associatePublicIpAddress, i.inputs.monitoring, i.inputs.ebsOptimized],
                        ["required", true, false, true, true],
                        i.name,
                    );
                    assert.ok(typeof i.inputs.iamInstanceProfile === "string" && i.inputs.iamInstanceProfile !== "", i.name);
                }
                for (const v of byType(r, "aws:ebs/volume:Volume")) assert.equal(v.inputs.encrypted, true, v.name);
            });
        });
    }
});

/** A config that needs one relax switch, and where its problem is reported without it. */
const relaxCases: [string, Raw, string][] = [
    ["singleZone", haConfig({ network: { create: { cidr: "10.40.0.0/16", zones: ["us-east-1a"] } } }), "network.create.zones"],
    [
        "slowHealthChecks",
        clusterConfig({ loadBalancer: { kind: "alb", certificateArn: CERT, healthCheck: { interval: 60, timeout: 10 } } }),
        "loadBalancer.healthCheck.interval",
    ],
    ["loadBalancerWithoutAccessLogs", clusterConfig({ production: true }), "loadBalancer.accessLogs"],
    [
        "loadBalancerWithoutDeletionProtection",
        clusterConfig({
            production: true,
            loadBalancer: { kind: "alb", certificateArn: CERT, deletionProtection: false, accessLogs: { bucket: "logs" } },
        }),
        "loadBalancer.deletionProtection",
    ],
    [
        "unprotectedDataVolumes",
        clusterConfig({
            production: true,
            dataVolume: { protect: false },
            loadBalancer: { kind: "alb", certificateArn: CERT, accessLogs: { bucket: "logs" } },
        }),
        "dataVolume.protect",
    ],
];

describe("relax switches", () => {
    for (const [sw, raw, path] of relaxCases) {
        it(`${sw}: refused at ${path} naming the switch, accepted and recorded with it`, () => {
            assert.throws(
                () => spec(raw),
                (e: unknown) => {
                    assert.ok(e instanceof ConfigError);
                    const hit = e.problems.find((p) => p.path === path);
                    assert.ok(hit, e.message);
                    assert.match(hit.message, new RegExp(`set \`relax\\.${sw}: true\``));
                    return true;
                },
            );
            const relaxed = spec({ ...raw, relax: { [sw]: true } });
            assert.deepEqual(
                relaxed.relaxations.map((x) => x.key),
                [`relax.${sw}`],
            );
        });
    }

    it("reports retainOnDelete off in production under the same data-volume switch", () => {
        const raw = clusterConfig({
            production: true,
            dataVolume: { retainOnDelete: false },
            loadBalancer: { kind: "alb", certificateArn: CERT, accessLogs: { bucket: "logs" } },
        });
        assert.throws(() => spec(raw), /dataVolume\.retainOnDelete: must stay on in a production stack/);
        assert.deepEqual(
            spec({ ...raw, relax: { unprotectedDataVolumes: true } }).relaxations.map((x) => x.detail),
            ["a production node's data volume is deleted with the node"],
        );
    });

    it("warns about a switch that relaxes nothing", () => {
        const s = spec(haConfig({ relax: { loadBalancerWithoutAccessLogs: true } }));
        assert.deepEqual(s.relaxations, []);
        assert.ok(s.warnings.includes("relax.loadBalancerWithoutAccessLogs is set but relaxes nothing in this stack; remove it."));
    });

    it("rejects an unknown switch with the valid names", () => {
        assert.throws(
            () => spec(haConfig({ relax: { singlezone: true } })),
            /ha-service:relax\.singlezone: unknown key "singlezone" \(did you mean "singleZone"\?\)/,
        );
    });

    it("shows a relaxation in the plan, the outputs and the policy pack's report", async () => {
        const r = await run(clusterConfig({ production: true, relax: { loadBalancerWithoutAccessLogs: true } }));
        const line = "relax.loadBalancerWithoutAccessLogs: the production load balancer writes no access logs";
        assert.deepEqual(r.outputs.relaxations, [line]);
        assert.equal(r.outputs.production, true);
        assert.ok(formatPlan(r).split("\n").includes(`relaxed: ${line}`));
        const report = await checkPolicies(r, policies);
        assert.deepEqual(
            report.violations.map((v) => [v.policy, v.enforcementLevel]),
            [
                ["lb-access-logs-in-production", "mandatory"],
                ["stack-relaxations", "advisory"],
            ],
        );
        assert.ok(r.resources.some(isCloudResource));
    });
});
