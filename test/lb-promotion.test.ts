/**
 * HA behind a load balancer: every node stays registered and only the primary passes the health
 * check, so a promotion changes no attachment; the old primary must fail the check before the new one
 * passes it, which the promotion runbook's order guarantees.
 */
import assert from "node:assert/strict";
import { diffRuns } from "../tools/diff";
import { planDiff } from "../tools/plandiff";
import { getResource, type ProgramRun } from "../tools/harness";
import { haConfig, plan } from "./fixtures";
import { run } from "./program";
import { stackConfig } from "./stacks";

const ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment";

describe("HA promotion behind a load balancer", function () {
    it("the plan diff of a promotion replaces, deletes and updates no target attachment", async () => {
        const lb = { loadBalancer: { kind: "nlb" } };
        const d = planDiff(await run(haConfig({ ...lb, primary: "node-1" })), await run(haConfig({ ...lb, primary: "node-2" })), "base");
        assert.deepEqual([d.created, d.deleted, d.replaced], [[], [], []]);
        assert.deepEqual(
            d.updated.filter((u) => u.type === ATTACHMENT),
            [],
        );
        assert.deepEqual(d.header, { primary: ["node-1", "node-2"] });
    });

    it("registers the primary's attachments under their former role-keyed names as aliases, so upgrading keeps them", async () => {
        const r = await run(haConfig({ loadBalancer: { kind: "nlb" } }));
        for (const port of [443, 80]) {
            const former = (node: string) =>
                getResource(r, ATTACHMENT, `svc-lb-tcp-${port}-${node}`).aliases.filter((a) => a.endsWith(`::svc-lb-tcp-${port}-primary`));
            assert.deepEqual(former("node-1"), [
                `urn:pulumi:test::ha-service::hatopo:lb:LoadBalancer$${ATTACHMENT}::svc-lb-tcp-${port}-primary`,
            ]);
            assert.deepEqual(former("node-2"), []);
        }
    });

    it("upgrading from role-keyed attachments keeps the primary's (through the alias) and creates only the replica's", async () => {
        const now = await run(haConfig({ loadBalancer: { kind: "nlb" } }));
        // The same stack as the role-keyed version registered it: the primary's attachments under
        // `<tg>-primary`, none for the replica.
        const roleKeyed: ProgramRun = {
            ...now,
            resources: now.resources
                .filter((r) => !(r.type === ATTACHMENT && r.name.endsWith("-node-2")))
                .map((r) =>
                    r.type === ATTACHMENT
                        ? { ...r, name: r.name.replace("-node-1", "-primary"), urn: r.urn.replace("-node-1", "-primary"), aliases: [] }
                        : r,
                ),
        };
        const d = diffRuns(roleKeyed, now);
        assert.deepEqual(d.deleted, []);
        assert.deepEqual(d.created, [`${ATTACHMENT}::svc-lb-tcp-443-node-2`, `${ATTACHMENT}::svc-lb-tcp-80-node-2`]);
        assert.deepEqual(d.updated, []);
        // Without the aliases Pulumi would delete the primary's registrations and register it anew.
        const unaliased = { ...now, resources: now.resources.map((r) => ({ ...r, aliases: [] })) };
        assert.deepEqual([...diffRuns(roleKeyed, unaliased).deleted].sort(), [
            `${ATTACHMENT}::svc-lb-tcp-443-primary`,
            `${ATTACHMENT}::svc-lb-tcp-80-primary`,
        ]);
    });

    it("GHES: the runbook puts the old primary in maintenance mode (/status 503) before ghe-repl-promote, both before `pulumi up`", () => {
        const p = plan(stackConfig("ghes-ha"), "ghes-ha");
        const lb = p.loadBalancer!;
        // GHES answers /status with 200 only on a node that serves users: 503 on a replica and in maintenance mode.
        for (const tg of lb.targetGroups) assert.deepEqual([tg.healthCheck.path, tg.healthCheck.matcher], ["/status", "200"]);
        const steps = p.runbooks.find((r) => r.key === "promote-ghe-2")!.steps;
        const at = (re: RegExp) => {
            const i = steps.findIndex((s) => re.test(s));
            assert.ok(i >= 0, `no step matches ${String(re)}:\n${steps.join("\n")}`);
            return i;
        };
        const maintenance = at(/ghe-maintenance -s.* on ghe-1|on ghe-1.*ghe-maintenance -s/);
        const promote = at(/ghe-repl-promote/);
        const config = at(/pulumi config set ha-service:primary ghe-2/);
        const up = at(/^Apply: `pulumi up`/);
        assert.ok(maintenance < promote && promote < config && config < up, steps.join("\n"));
        assert.match(steps[at(/stop writes to it/)], /fails the load balancer's health check before ghe-2 passes it/);
        assert.match(steps[at(/^Review:/)], /no load-balancer attachment may change/);
    });

    it("generic profile: the runbook stops writes on the old primary before the service's own promotion and the config change", () => {
        const steps = plan(haConfig({ loadBalancer: { kind: "nlb" } })).runbooks[0].steps;
        const stop = steps.findIndex((s) => /stop writes to it .*fails the load balancer's health check before node-2 passes it/.test(s));
        const own = steps.findIndex((s) => /declares no promotion command: if the service needs one, promote it on node-2/.test(s));
        const config = steps.findIndex((s) => s.includes("pulumi config set ha-service:primary node-2"));
        assert.ok(stop >= 0 && stop < own && own < config, steps.join("\n"));
    });

    it("moves clients within two health-check intervals of the new primary passing", () => {
        const p = plan(haConfig({ loadBalancer: { kind: "nlb" } }));
        const hc = p.loadBalancer!.targetGroups[0].healthCheck;
        assert.equal(hc.interval, 5);
        const follow = p.runbooks[0].after!.clientsFollowSeconds;
        assert.equal(follow, hc.interval * hc.healthyThreshold);
        assert.ok(follow <= 2 * hc.interval, `${follow} s`);
        const lost = p.failoverAnalysis.scenarios.find((s) => s.key === "node:node-1")!;
        assert.equal(lost.followSeconds, follow);
        assert.match(lost.clientsMoveBy, /no attachment changes/);
    });
});
