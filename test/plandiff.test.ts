/**
 * Plan diff without a cloud: the replacement rules (tools/replacements.ts), the run diff with
 * replacements and what they drag along (tools/diff.ts), the reviewer's view of it
 * (tools/plandiff.ts), and `npm run plan -- <stack> --diff <ref>` end to end in a temporary git
 * repository holding a copy of this project.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { diffRuns, withDependents } from "../tools/diff";
import { EXIT_FAIL_ON, main } from "../tools/plan";
import { formatPlanDiff, planDiff, type PlanDiff } from "../tools/plandiff";
import { applyIgnoreChanges, hasReplaceRules, parsePath, replaceTriggers } from "../tools/replacements";
import { clusterConfig, haConfig } from "./fixtures";
import { run } from "./program";
import { listStacks } from "../tools/stackfile";
import { exampleRun } from "./examples";

const INSTANCE = "aws:ec2/instance:Instance";
const names = (items: readonly { type: string; name: string }[]) => items.map((i) => `${i.type}::${i.name}`).sort();

/** Removing a node updates only what lists it: peers' documents and associations, and the healthy-target alarm. */
function assertOnlyPeersFollow(updated: readonly { type: string; name: string }[]): void {
    assert.deepEqual([...new Set(updated.map((u) => u.type))].sort(), [
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:ssm/association:Association",
        "aws:ssm/parameter:Parameter",
    ]);
    const alarms = updated.filter((u) => u.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
    assert.ok(
        alarms.every((a) => /healthy/.test(a.name)),
        alarms.map((a) => a.name).join(", "),
    );
}

describe("replacement rules", () => {
    it("parses property paths as ignoreChanges and replaceOnChanges write them", () => {
        assert.deepEqual(parsePath("rootBlockDevice.encrypted"), ["rootBlockDevice", "encrypted"]);
        assert.deepEqual(parsePath('tags["kubernetes.io/role"]'), ["tags", "kubernetes.io/role"]);
        assert.deepEqual(parsePath("ingress[0].cidrBlocks"), ["ingress", 0, "cidrBlocks"]);
    });

    it("keeps the old value of every ignored path, nested ones included", () => {
        const old = { ami: "ami-1", userData: "a", rootBlockDevice: { volumeSize: 50, encrypted: true } };
        const now = { ami: "ami-2", userData: "b", rootBlockDevice: { volumeSize: 80, encrypted: true } };
        assert.deepEqual(applyIgnoreChanges(old, now, ["ami", "rootBlockDevice.volumeSize"]), {
            ami: "ami-1",
            userData: "b",
            rootBlockDevice: { volumeSize: 50, encrypted: true },
        });
        assert.deepEqual(applyIgnoreChanges(old, now, ["*"]), old);
    });

    it("replaces an instance for a new AMI, subnet or root encryption, but not for a bigger root volume", () => {
        const base = {
            ami: "ami-1",
            subnetId: "subnet-a",
            instanceType: "m6i.large",
            rootBlockDevice: { volumeSize: 50, encrypted: true },
        };
        assert.deepEqual(replaceTriggers(INSTANCE, base, { ...base, ami: "ami-2", subnetId: "subnet-b" }, []), ["ami", "subnetId"]);
        assert.deepEqual(replaceTriggers(INSTANCE, base, { ...base, rootBlockDevice: { volumeSize: 50, encrypted: false } }, []), [
            "rootBlockDevice.encrypted",
        ]);
        assert.deepEqual(replaceTriggers(INSTANCE, base, { ...base, rootBlockDevice: { volumeSize: 80, encrypted: true } }, []), []);
        assert.deepEqual(replaceTriggers(INSTANCE, base, { ...base, instanceType: "m6i.xlarge" }, []), [], "resized in place");
    });

    it("replaces an instance for new user data only with userDataReplaceOnChange", () => {
        const old = { userData: "a", userDataReplaceOnChange: false };
        assert.deepEqual(replaceTriggers(INSTANCE, old, { ...old, userData: "b" }, []), []);
        assert.deepEqual(replaceTriggers(INSTANCE, old, { userData: "b", userDataReplaceOnChange: true }, []), ["userData"]);
    });

    it("knows the volume, parameter and record rules, and honours replaceOnChanges", () => {
        const vol = { availabilityZone: "us-east-1a", size: 100, encrypted: true };
        assert.deepEqual(replaceTriggers("aws:ebs/volume:Volume", vol, { ...vol, size: 200 }, []), []);
        assert.deepEqual(replaceTriggers("aws:ebs/volume:Volume", vol, { ...vol, availabilityZone: "us-east-1b" }, []), [
            "availabilityZone",
        ]);
        assert.deepEqual(replaceTriggers("aws:ssm/parameter:Parameter", { name: "/a", value: "x" }, { name: "/b", value: "y" }, []), [
            "name",
        ]);
        assert.deepEqual(replaceTriggers("aws:route53/record:Record", { name: "a", ttl: 60 }, { name: "a", ttl: 30 }, []), []);
        assert.deepEqual(replaceTriggers("aws:route53/record:Record", { name: "a", ttl: 60 }, { name: "a", ttl: 30 }, ["*"]), ["ttl"]);
    });

    it("has rules for every resource type the example stacks register", async () => {
        for (const stack of listStacks("stacks")) {
            const r = await exampleRun(stack);
            const missing = [...new Set(r.resources.filter((x) => x.custom && !hasReplaceRules(x.type)).map((x) => x.type))];
            assert.deepEqual(missing, [], `stack ${stack}: add these types to tools/replacements.ts`);
        }
    });
});

describe("plan diff of two runs", () => {
    it("a promotion updates DNS and the replication documents only", async () => {
        const d = planDiff(await run(haConfig({ primary: "node-1" })), await run(haConfig({ primary: "node-2" })), "base");
        assert.deepEqual([d.created, d.deleted, d.replaced], [[], [], []]);
        assert.deepEqual(names(d.updated), [
            // The primary's health alarm follows the new primary (its dimensions only).
            "aws:cloudwatch/metricAlarm:MetricAlarm::svc-dns-primary-health",
            "aws:route53/record:Record::svc-dns-service",
            "aws:ssm/association:Association::svc-repl-node-1",
            "aws:ssm/association:Association::svc-repl-node-2",
            "aws:ssm/parameter:Parameter::svc-repl-node-1",
            "aws:ssm/parameter:Parameter::svc-repl-node-2",
        ]);
        assert.deepEqual(d.header, { primary: ["node-1", "node-2"] });
        const dns = d.updated.find((u) => u.name === "svc-dns-service")!;
        assert.equal(dns.changes?.length, 1);
        assert.equal(dns.changes?.[0].property, "records[0]");
        assert.notEqual(dns.changes?.[0].old, dns.changes?.[0].new);
        const param = d.updated.find((u) => u.name === "svc-repl-node-1" && u.type.includes("parameter"))!;
        // A plain String parameter, secret only by the provider's marking: its text is shown (tools/planview/documents.ts).
        assert.deepEqual(
            param.changes?.map((c) => [c.property, JSON.parse(c.old as string).role, JSON.parse(c.new as string).role]),
            [["value", "primary", "replica"]],
        );
    });

    it("removing a node deletes only that node's resources", async () => {
        const before = clusterConfig();
        const { "app-b": _gone, ...rest } = before.nodes as Record<string, unknown>;
        const d = planDiff(await run(before), await run({ ...before, nodes: rest }), "base");
        assert.deepEqual([d.created, d.replaced], [[], []]);
        assert.ok(d.deleted.length >= 6);
        for (const i of d.deleted) assert.match(i.name, /app-b/);
        assertOnlyPeersFollow(d.updated);
    });

    it("an AMI change on a node that allows replacement replaces it and what is attached to it", async () => {
        const nodes = {
            "app-a": { zone: "us-east-1a", allowReplacement: true },
            "app-b": { zone: "us-east-1b" },
            "app-c": { zone: "us-east-1c" },
        };
        const before = await run(clusterConfig({ nodes }));
        const after = await run(clusterConfig({ nodes, ami: "ami-0fedcba9876543210" }));
        const plain = diffRuns(before, after);
        assert.deepEqual(
            plain.updated.map((u) => [u.name, u.replace, u.replaceKeys]),
            [["svc-app-a", true, ["ami"]]],
        );
        const d = withDependents(plain, after);
        const replaced = d.updated.filter((u) => u.replace).map((u) => `${u.type}::${u.name} ${u.replaceKeys.join(",")}`);
        assert.deepEqual(replaced.sort(), [
            "aws:ec2/instance:Instance::svc-app-a ami",
            "aws:ec2/volumeAttachment:VolumeAttachment::svc-app-a-data instanceId",
            "aws:lb/targetGroupAttachment:TargetGroupAttachment::svc-lb-http-80-app-a targetId",
        ]);
        const assoc = d.updated.find((u) => u.type === "aws:ssm/association:Association" && u.name === "svc-repl-app-a")!;
        assert.deepEqual([assoc.replace, assoc.unknown], [false, ["targets"]], "the association is retargeted in place");
        for (const u of d.updated) assert.ok(!(u.type === "aws:ebs/volume:Volume"), "the data volume is not touched");
    });

    it("formats the diff like a review comment", () => {
        const d: PlanDiff = {
            stack: "prod",
            ref: "origin/main",
            commit: "0123456789abcdef",
            header: { primary: ["node-1", "node-2"] },
            replaced: [
                { type: INSTANCE, name: "svc-app-a", replaceKeys: ["ami"], changes: [{ property: "ami", old: "ami-1", new: "ami-2" }] },
            ],
            deleted: [{ type: "aws:ebs/volume:Volume", name: "svc-app-b-data", protect: true, retainOnDelete: true }],
            created: [{ type: "aws:ssm/parameter:Parameter", name: "svc-repl-app-d" }],
            updated: [{ type: "aws:route53/record:Record", name: "svc-dns-service", changes: [{ property: "ttl", old: 60, new: 30 }] }],
            unchanged: 30,
            warnings: ["no replace-on-change table for aws:x/y:Z (tools/replacements.ts): its changes are shown as updates"],
        };
        assert.equal(
            formatPlanDiff(d),
            [
                "plan diff for stack prod: origin/main (0123456) -> working tree",
                "primary: node-1 -> node-2",
                "",
                "+- replace  aws:ec2:Instance    svc-app-a  (forced by ami)",
                "      ami: ami-1 -> ami-2",
                "-  delete   aws:ebs:Volume      svc-app-b-data  [protect: pulumi up refuses to delete it] [retainOnDelete: it stays in AWS, only the stack forgets it]",
                "+  create   aws:ssm:Parameter   svc-repl-app-d",
                "~  update   aws:route53:Record  svc-dns-service",
                "      ttl: 60 -> 30",
                "",
                "warning: no replace-on-change table for aws:x/y:Z (tools/replacements.ts): its changes are shown as updates",
                "1 to create, 1 to delete, 1 to update, 1 to replace, 30 unchanged",
                "",
            ].join("\n"),
        );
    });
});

describe("npm run plan -- <stack> --diff <ref> (temporary git repository)", function () {
    const PROJECT = path.join(__dirname, "..");
    let repo: string;
    let head: string;
    /** Files `edit` changed, with their committed text (restored after each test without running git). */
    const originals = new Map<string, string>();

    const sh = (cmd: string, args: string[]) => {
        const r = spawnSync(cmd, args, { cwd: repo, encoding: "utf8" });
        assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
    };
    /** `npm run plan -- ARGS` in the temporary repository, run in this process (no tsx child per case). */
    const plan = async (...args: string[]) => {
        const out = { status: 0, stdout: "", stderr: "" };
        out.status = await main([...args, "--stack-dir", path.join(repo, "stacks")], {
            stdout: (s) => (out.stdout += s),
            stderr: (s) => (out.stderr += s),
            projectDir: repo,
        });
        return out;
    };
    const edit = (file: string, from: string, to: string) => {
        const p = path.join(repo, file);
        const text = fs.readFileSync(p, "utf8");
        if (!originals.has(p)) originals.set(p, text);
        assert.ok(text.includes(from), `${file} has no ${from}`);
        fs.writeFileSync(p, text.replace(from, to));
    };

    before(() => {
        repo = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-repo-"));
        // Every file of the project as it is in the working tree (tracked, or new and not ignored).
        const files = spawnSync("git", ["-C", PROJECT, "ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
            encoding: "utf8",
        });
        assert.equal(files.status, 0, files.stderr);
        for (const f of files.stdout.split("\0").filter((x) => x !== "" && fs.existsSync(path.join(PROJECT, x)))) {
            fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
            fs.copyFileSync(path.join(PROJECT, f), path.join(repo, f));
        }
        fs.symlinkSync(path.join(PROJECT, "node_modules"), path.join(repo, "node_modules"), "dir");
        fs.appendFileSync(path.join(repo, ".gitignore"), "\nnode_modules\n");
        sh("git", ["init", "-q"]);
        sh("git", ["add", "-A"]);
        sh("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "base"]);
        head = sh("git", ["rev-parse", "HEAD"]).trim();
    });
    after(() => fs.rmSync(repo, { recursive: true, force: true }));
    afterEach(() => {
        for (const [p, text] of originals) fs.writeFileSync(p, text);
        originals.clear();
    });

    it("a promotion in the working tree shows updates only", async () => {
        edit("stacks/Pulumi.dev.yaml", "ha-service:primary: node-1", "ha-service:primary: node-2");
        const r = await plan("dev", "--diff", "HEAD");
        assert.equal(r.status, 0, r.stderr);
        const lines = r.stdout.split("\n");
        assert.equal(lines[0], `plan diff for stack dev: HEAD (${head.slice(0, 7)}) -> working tree`);
        assert.equal(lines[1], "primary: node-1 -> node-2");
        const ops = lines.filter((l) => /^\S/.test(l) && /^(\+|-|~)/.test(l));
        assert.ok(ops.length === 6 && ops.every((l) => l.startsWith("~  update")), r.stdout);
        assert.match(lines.at(-2)!, /^0 to create, 0 to delete, 6 to update, 0 to replace, \d+ unchanged$/);
    });

    it("removing a node shows only that node's deletions (--json)", async () => {
        edit("stacks/Pulumi.prod.yaml", "    app-b:\n      zone: us-east-1b\n", "");
        const r = await plan("prod", "--diff", "HEAD", "--json");
        assert.equal(r.status, 0, r.stderr);
        const d = JSON.parse(r.stdout) as PlanDiff;
        assert.deepEqual([d.created, d.replaced], [[], []]);
        assert.deepEqual(names(d.deleted), [
            "aws:cloudwatch/metricAlarm:MetricAlarm::svc-mon-app-b-instance-check",
            "aws:cloudwatch/metricAlarm:MetricAlarm::svc-mon-app-b-system-check",
            "aws:ebs/volume:Volume::svc-app-b-data",
            "aws:ec2/instance:Instance::svc-app-b",
            "aws:ec2/volumeAttachment:VolumeAttachment::svc-app-b-data",
            "aws:lb/targetGroupAttachment:TargetGroupAttachment::svc-lb-http-80-app-b",
            "aws:ssm/association:Association::svc-repl-app-b",
            "aws:ssm/parameter:Parameter::svc-repl-app-b",
            "aws:ssm/parameter:Parameter::svc-repl-app-b-config",
        ]);
        const volume = d.deleted.find((i) => i.name === "svc-app-b-data" && i.type === "aws:ebs/volume:Volume")!;
        assert.deepEqual([volume.protect, volume.retainOnDelete], [true, true], "the reviewer sees the volume is kept and protected");
        assertOnlyPeersFollow(d.updated);
    });

    it("--fail-on replace,delete exits 3 naming the deletions; --fail-on replace lets them pass", async () => {
        edit("stacks/Pulumi.prod.yaml", "    app-b:\n      zone: us-east-1b\n", "");
        const refused = await plan("prod", "--diff", "HEAD", "--fail-on", "replace,delete");
        assert.equal(refused.status, EXIT_FAIL_ON, refused.stderr);
        assert.match(refused.stdout, /^plan diff for stack prod: /, "the diff is printed as usual");
        assert.match(refused.stderr, /^--fail-on: 9 changes of a kind this check refuses:\n {2}delete aws:ebs:Volume svc-app-b-data\n/);
        const json = await plan("prod", "--diff", "HEAD", "--fail-on=delete", "--json");
        assert.equal(json.status, EXIT_FAIL_ON);
        assert.equal((JSON.parse(json.stdout) as { failOn: string[] }).failOn.length, 9, "the JSON names the refused changes");
        const allowed = await plan("prod", "--diff", "HEAD", "--fail-on", "replace");
        assert.equal(allowed.status, 0, allowed.stderr);
    });

    describe("issue 13: operations that must be one safe `pulumi up`", () => {
        const toAutomatic = () =>
            edit(
                "stacks/Pulumi.dev.yaml",
                "  ha-service:primary: node-1\n",
                "  ha-service:primary: node-1\n  ha-service:failover: automatic\n",
            );
        const diffJson = async (ref: string) => {
            const r = await plan("dev", "--diff", ref, "--json");
            assert.equal(r.status, 0, r.stderr);
            return JSON.parse(r.stdout) as PlanDiff;
        };
        const SECONDARY = [
            "aws:cloudwatch/metricAlarm:MetricAlarm::svc-dns-secondary-health",
            "aws:route53/healthCheck:HealthCheck::svc-dns-secondary",
            "aws:route53/record:Record::svc-dns-service-secondary",
        ];

        it("manual -> automatic: the PRIMARY record is updated in place and the SECONDARY added, nothing replaced", async () => {
            toAutomatic();
            const d = await diffJson("HEAD");
            assert.deepEqual([names(d.created), d.deleted, d.replaced], [SECONDARY, [], []]);
            const record = d.updated.find((i) => i.name === "svc-dns-service")!;
            assert.deepEqual(
                record.changes?.map((c) => c.property),
                ["healthCheckId"],
            );
        });

        it("automatic -> manual: the PRIMARY record is updated in place and the SECONDARY deleted, nothing replaced", async () => {
            toAutomatic();
            sh("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qam", "automatic"]);
            try {
                sh("git", ["checkout", "-q", "HEAD~1", "--", "stacks/Pulumi.dev.yaml"]);
                const d = await diffJson("HEAD");
                assert.deepEqual([d.created, names(d.deleted), d.replaced], [[], SECONDARY, []]);
                const record = d.updated.find((i) => i.name === "svc-dns-service")!;
                assert.deepEqual(
                    record.changes?.map((c) => [c.property, c.new]),
                    [["healthCheckId", undefined]],
                );
            } finally {
                sh("git", ["reset", "-q", "--hard", "HEAD~1"]);
            }
        });

        it("reordering the zones is refused with the fix; with slots it changes nothing", async () => {
            edit("stacks/Pulumi.dev.yaml", "        - us-east-1a\n        - us-east-1b\n", "        - us-east-1b\n        - us-east-1a\n");
            const refused = await plan("dev", "--diff", "HEAD");
            assert.equal(refused.status, 1);
            assert.match(
                refused.stderr,
                /ha-service:network\.create\.zones: is not listed a, b, c, \.\.\. in order.*set `network\.create\.zoneSlots` to \{ us-east-1b: 0, us-east-1a: 1 \}/,
            );
            edit(
                "stacks/Pulumi.dev.yaml",
                "        - us-east-1a\n",
                "        - us-east-1a\n      zoneSlots:\n        us-east-1a: 0\n        us-east-1b: 1\n",
            );
            const d = await diffJson("HEAD");
            assert.deepEqual([d.created, d.deleted, d.updated, d.replaced], [[], [], [], []]);
        });
    });

    it("an unknown ref is an error that says how to fetch it", async () => {
        let err = "";
        const code = await main(["dev", "--diff", "no-such-ref-7f3a"], { stdout: () => undefined, stderr: (s) => (err += s) });
        assert.equal(code, 1);
        assert.match(
            err,
            /^error: unknown git ref "no-such-ref-7f3a" in .*; fetch it first \(in GitHub Actions: actions\/checkout with fetch-depth: 0\)\n$/,
        );
    });
});
