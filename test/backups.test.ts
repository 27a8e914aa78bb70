import assert from "node:assert/strict";
import { byType, getResource, type ProgramRun } from "../tools/harness";
import { clusterConfig, haConfig, plan } from "./fixtures";
import { run, runFailing } from "./program";

const POLICY = "aws:dlm/lifecyclePolicy:LifecyclePolicy";
const VOLUME = "aws:ebs/volume:Volume";
const TAG = "DataVolumeBackup";

type Tags = Record<string, string> | undefined;

/** Every place a tag can be set on a recorded resource: its own tags and its root volume's. */
function taggedWith(r: ProgramRun, key: string, value: string): string[] {
    const out: string[] = [];
    for (const x of r.resources) {
        if ((x.inputs.tags as Tags)?.[key] === value) out.push(`${x.type}::${x.name}`);
        const root = x.inputs.rootBlockDevice as { tags?: Tags } | undefined;
        if (root?.tags?.[key] === value) out.push(`${x.type}::${x.name}.rootBlockDevice`);
    }
    return out.sort();
}

describe("backups", function () {
    let cluster: ProgramRun;
    before(async () => {
        cluster = await run(clusterConfig());
    });

    it("snapshots, daily at 03:00 UTC keeping 7, the volumes carrying the stack's backup tag", () => {
        const p = getResource(cluster, POLICY, "svc-backup");
        assert.equal(p.inputs.state, "ENABLED");
        assert.deepEqual(p.inputs.policyDetails, {
            resourceTypes: ["VOLUME"],
            targetTags: { [TAG]: "ha-service/test/svc" },
            schedules: [
                {
                    name: "every-24h-keep-7",
                    createRule: { interval: 24, intervalUnit: "HOURS", times: "03:00" },
                    retainRule: { count: 7 },
                    copyTags: true,
                },
            ],
        });
        assert.match(String(p.inputs.description), /^[0-9A-Za-z _-]+$/, "Data Lifecycle Manager's description pattern");
    });

    it("targets exactly the stack's data volumes: no root volume, instance or other resource carries the tag", () => {
        const volumes = byType(cluster, VOLUME).map((v) => `${VOLUME}::${v.name}`);
        assert.deepEqual(volumes, [`${VOLUME}::svc-app-a-data`, `${VOLUME}::svc-app-b-data`, `${VOLUME}::svc-app-c-data`]);
        assert.deepEqual(taggedWith(cluster, TAG, "ha-service/test/svc"), volumes.sort());
    });

    it("gives another stack of the same project a different tag value, so neither policy snapshots the other's volumes", () => {
        const prod = plan(clusterConfig(), "prod");
        assert.deepEqual(prod.backups!.targetTags, { [TAG]: "ha-service/prod/svc" });
        assert.equal(prod.nodes[0].dataVolume.tags[TAG], "ha-service/prod/svc");
        assert.equal(prod.nodes[0].tags[TAG], undefined, "instance and root volume tags stay without it");
    });

    it("runs as a role that only Data Lifecycle Manager can assume, with AWS's managed policy for it", () => {
        const role = getResource(cluster, "aws:iam/role:Role", "svc-backup-role");
        assert.deepEqual(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement, [
            { Effect: "Allow", Principal: { Service: "dlm.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
        const attach = getResource(cluster, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "svc-backup-dlm");
        assert.equal(attach.inputs.role, role.state!.name);
        assert.equal(attach.inputs.policyArn, "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole");
        const policy = getResource(cluster, POLICY, "svc-backup");
        assert.equal(policy.inputs.executionRoleArn, role.state!.arn);
        assert.ok(policy.dependencies.includes(attach.urn), "the policy waits for the role's permissions");
    });

    it("takes the schedule and retention from config", async () => {
        const r = await run(haConfig({ backups: { everyHours: 12, at: "01:30", keep: 14 } }));
        const schedule = (getResource(r, POLICY, "svc-backup").inputs.policyDetails as { schedules: Record<string, unknown>[] })
            .schedules[0];
        assert.deepEqual(schedule.createRule, { interval: 12, intervalUnit: "HOURS", times: "01:30" });
        assert.deepEqual(schedule.retainRule, { count: 14 });
        assert.equal(schedule.name, "every-12h-keep-14");
    });

    it("creates no policy or role when backups are off, keeps the volume tags unchanged, and warns", async () => {
        const r = await run(haConfig({ backups: { enabled: false } }));
        assert.deepEqual(byType(r, POLICY), []);
        assert.equal(
            byType(r, "aws:iam/role:Role").find((x) => x.name === "svc-backup-role"),
            undefined,
        );
        assert.ok(byType(r, VOLUME).every((v) => (v.inputs.tags as Tags)?.[TAG] === "ha-service/test/svc"));
        assert.ok((r.outputs.warnings as string[]).some((w) => /backups are off/.test(w)));
    });

    it("refuses intervals Data Lifecycle Manager does not accept and malformed times", async () => {
        const bad = await runFailing(haConfig({ backups: { everyHours: 5, at: "3am" } }));
        assert.match(bad.error!.message, /ha-service:backups\.everyHours: must be one of 1, 2, 3, 4, 6, 8, 12, 24 .*\(got 5\)/);
        assert.match(bad.error!.message, /ha-service:backups\.at: must be a UTC time as HH:MM, such as 03:00 \(got "3am"\)/);
    });
});
