/**
 * Scheduled Cloudify snapshots kept off the managers (point 6 of issue 12): the plan's schedule and
 * expiry, the bucket the program creates, and the rendered timer run on every manager against the
 * stand-ins: only the active manager creates, downloads and uploads a snapshot.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { byType, type ProgramRun } from "../tools/harness";
import { plan } from "./fixtures";
import { ARCHIVE_BUCKET, Lab } from "./cloudify-standin";
import { run } from "./program";
import { stackConfig } from "./stacks";

const raw = stackConfig("cloudify");
const p = plan(raw, "cloudify");

describe("cloudify snapshot archive: plan", () => {
    it("follows `backups`: at 03:00 UTC daily, archives expire after keep x interval (7 days)", () => {
        assert.deepEqual(p.snapshotArchive, {
            bucketParameter: "/ha-service/cloudify/cfy/snapshot-bucket",
            keyPrefix: "cloudify-snapshots/",
            onCalendar: "*-*-* 03:00:00 UTC",
            expireDays: 7,
            noncurrentExpireDays: 7,
            description: "Cloudify snapshots (cfy snapshots create on the active manager)",
        });
        const six = plan({ ...raw, backups: { everyHours: 6, at: "21:30", keep: 10 } }, "cloudify").snapshotArchive!;
        assert.equal(six.onCalendar, "*-*-* 03,09,15,21:30:00 UTC");
        assert.equal(six.expireDays, 3);
    });

    it("is off with `backups.enabled: false`, and for profiles without snapshots of their own", () => {
        const off = plan({ ...raw, backups: { enabled: false } }, "cloudify");
        assert.equal(off.snapshotArchive, undefined);
        assert.ok(!off.replication.documents[0].config.files.some((f) => f.path.includes("snapshot")));
        for (const stack of ["ghes-cluster", "prod"]) assert.equal(plan(stackConfig(stack), stack).snapshotArchive, undefined);
    });
});

describe("cloudify snapshot archive: the bucket (program run)", function () {
    this.timeout(120_000);
    let r: ProgramRun;
    const one = (type: string) => {
        const found = byType(r, type);
        assert.equal(found.length, 1, type);
        return found[0].inputs as Record<string, unknown>;
    };
    before(async () => {
        r = await run(raw, "cloudify");
    });

    it("is KMS-encrypted, versioned, expired by its lifecycle rule and blocks public access", () => {
        assert.deepEqual(one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules, [
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true },
        ]);
        assert.deepEqual(one("aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration, { status: "Enabled" });
        const [rule] = one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules as Record<string, unknown>[];
        assert.deepEqual(
            [rule.status, rule.filter, rule.expiration, rule.noncurrentVersionExpiration],
            ["Enabled", { prefix: "cloudify-snapshots/" }, { days: 7 }, { noncurrentDays: 7 }],
        );
        const block = one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
        for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
            assert.equal(block[k], true, k);
    });

    it("lets only the managers' role read or write archives, over TLS", () => {
        const policy = JSON.parse(String(one("aws:s3/bucketPolicy:BucketPolicy").policy)) as { Statement: Record<string, unknown>[] };
        // The nodes' role as the mocks name it (tools/mocks.ts: arn:aws:iam::<account>:role/<name>).
        const role = byType(r, "aws:iam/role:Role").find((x) => x.name === "cfy-role")!;
        const roleArn = `arn:aws:iam::123456789012:role/${String(role.id)}`;
        const only = policy.Statement.find((s) => s.Sid === "ArchivesOnlyForTheNodes")!;
        assert.equal(only.Effect, "Deny");
        assert.deepEqual(only.Condition, { ArnNotEquals: { "aws:PrincipalArn": roleArn } });
        assert.ok(policy.Statement.some((s) => s.Sid === "DenyInsecureTransport" && s.Effect === "Deny"));
        const nodes = byType(r, "aws:iam/rolePolicy:RolePolicy").find((x) => x.name === "cfy-snapshots-nodes")!;
        const allow = JSON.parse(String((nodes.inputs as Record<string, unknown>).policy)) as {
            Statement: { Action: unknown; Resource: string }[];
        };
        assert.deepEqual(allow.Statement[0].Action, ["s3:PutObject", "s3:GetObject"]);
        assert.match(allow.Statement[0].Resource, /\/cloudify-snapshots\/\*$/);
    });
});

describe("cloudify snapshot timer against the stand-ins", function () {
    this.timeout(120_000);
    let lab: Lab;
    beforeEach(() => {
        lab = new Lab(p);
    });
    afterEach(async () => {
        await lab.close();
        rmSync(lab.dir, { recursive: true, force: true });
    });

    it("enables a persistent timer on every manager; only the active one uploads a snapshot to the bucket", async () => {
        for (const n of ["mgr-a", "mgr-b", "mgr-c"]) lab.boot(n);
        for (const group of [["mgr-a"], ["mgr-b", "mgr-c"]]) {
            for (const res of await Promise.all(group.map((n) => lab.run(p, n)))) assert.equal(res.code, 0, res.output);
        }
        const w0 = lab.world();
        w0.clusters["cluster-1"].active = "mgr-b"; // after a failover
        lab.save(w0);
        for (const n of ["mgr-a", "mgr-b", "mgr-c"]) {
            const units = lab.world().units[lab.addresses[n]];
            assert.equal(units["ha-service-cloudify-snapshot.timer"]?.enabled, true, n);
            const service = readFileSync(join(lab.stateDirs[n], "ha-service-cloudify-snapshot.service"), "utf8");
            const execStart = /^ExecStart=(.*)$/m.exec(service)![1].split(" ");
            const res = await lab.exec(n, execStart);
            assert.equal(res.code, 0, res.output);
        }
        const w = lab.world();
        const archives = Object.entries(w.s3?.[ARCHIVE_BUCKET] ?? {});
        assert.equal(archives.length, 1, JSON.stringify(archives));
        assert.match(archives[0][0], /^cloudify-snapshots\/ha-\d{8}T\d{6}Z\.zip$/);
        assert.match(archives[0][1], /of manager mgr-b/);
        assert.deepEqual(w.snapshots?.[lab.addresses["mgr-b"]], {}, "the snapshot is deleted from the manager after the upload");
    });
});
