/**
 * The GHES backup host (`ghesBackup`, issue 11 point 12): the plan's decisions, the resources under
 * mocks, and the rendered script run by bash against a stand-in appliance (Manage API via `curl`,
 * `ghe-host-check` / `ghe-backup` shipped in a stand-in release archive) that enforces the documented
 * preconditions: a backup fails until the host's key is authorised on the primary, never from a replica.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backupHostParameterPolicy, type BackupHostPaths, planBackupHost, resolveBackupHostScript } from "../components/plan/backuphost";
import { nodeParameterPolicy } from "../components/plan/iam";
import { passwordParameter } from "../components/profiles/ghes-manage";
import { byType, getResource, type ProgramRun } from "../tools/harness";
import { haConfig, plan, type Raw, spec } from "./fixtures";
import { run, runFailing } from "./program";
import { NO_STDIN } from "./processes";

const BACKUP = { ami: "ami-0fedcba9876543210", ghesVersion: "3.16" };

function ghesHa(backup: Raw | null = BACKUP, overrides: Raw = {}): Raw {
    const { nodeCount: _, ...raw } = haConfig({
        profile: "ghes",
        nodes: { "ghe-1": { zone: "us-east-1a" }, "ghe-2": { zone: "us-east-1b" } },
        primary: "ghe-1",
        dataVolume: { size: 500 },
        ...(backup === null ? {} : { ghesBackup: backup }),
        ...overrides,
    });
    return raw;
}

describe("GHES backup host: plan", () => {
    it("admits the backup host to the nodes on admin SSH (122) and the Manage API (8443) only, from its own group only", () => {
        const p = plan(ghesHa());
        const nodes = p.securityGroups.find((g) => g.key === "nodes")!;
        const fromBackup = nodes.rules.filter((r) => "group" in r.peer && r.peer.group === "backupHost");
        assert.deepEqual(
            fromBackup.map((r) => [r.direction, r.protocol, r.fromPort, r.toPort]),
            [
                ["ingress", "tcp", 122, 122],
                ["ingress", "tcp", 8443, 8443],
            ],
        );
        const host = p.securityGroups.find((g) => g.key === "backupHost")!;
        assert.deepEqual(
            host.rules.filter((r) => r.direction === "ingress"),
            [],
            "nothing may connect to the backup host",
        );
        assert.deepEqual(
            host.rules.map((r) => [r.direction, r.fromPort, r.peer]),
            [
                ["egress", 122, { group: "nodes" }],
                ["egress", 8443, { group: "nodes" }],
                ["egress", 443, { cidr: "0.0.0.0/0" }],
            ],
        );
        for (const r of [...nodes.rules, ...host.rules]) assert.ok(r.description.length > 0, r.key);
    });

    it("has no backup host, group or rule without ghesBackup, and warns a GHES stack that EBS snapshots are no supported backup", () => {
        const p = plan(ghesHa(null));
        assert.equal(p.backupHost, undefined);
        assert.equal(
            p.securityGroups.find((g) => g.key === "backupHost"),
            undefined,
        );
        assert.ok(p.securityGroups.every((g) => g.rules.every((r) => !("group" in r.peer) || r.peer.group !== "backupHost")));
        assert.ok(p.warnings.some((w) => /EBS snapshots of a running appliance are not a supported GHES backup/.test(w)));
    });

    it("runs ghe-backup hourly by default and keeps Backup Utilities' 10 snapshots; both come from config", () => {
        const d = plan(ghesHa()).backupHost!;
        assert.equal(d.schedule, "0 * * * *");
        assert.equal(d.snapshots, 10);
        assert.match(d.script, /^GHE_NUM_SNAPSHOTS=10$/m);
        assert.match(
            d.script,
            /^0 \* \* \* \* root \/opt\/backup-utils\/current\/bin\/ghe-backup -v >> \/var\/log\/ghe-backup\.log 2>&1$/m,
        );
        const c = plan(ghesHa({ ...BACKUP, schedule: "30 */2 * * *", snapshots: 48 })).backupHost!;
        assert.equal(c.schedule, "30 */2 * * *");
        assert.match(c.script, /^GHE_NUM_SNAPSHOTS=48$/m);
        assert.match(c.script, /^30 \*\/2 \* \* \* root /m);
    });

    it("sizes the encrypted data volume at five times the largest node volume, in the network's last zone, protected like the nodes'", () => {
        const d = plan(ghesHa(BACKUP, { production: true })).backupHost!;
        assert.equal(d.dataVolume.size, 2500);
        assert.equal(d.zone, "us-east-1b");
        assert.equal(d.dataVolume.protect, true);
        assert.equal(d.dataVolume.retainOnDelete, true);
        assert.equal(d.dataVolume.tags.DataVolumeBackup, undefined, "the DLM policy snapshots the nodes, not the backups");
        assert.equal(plan(ghesHa(BACKUP, { dataVolume: { size: 4000 } })).backupHost!.dataVolume.size, 16384, "gp3 maximum");
        assert.equal(plan(ghesHa({ ...BACKUP, dataVolumeSize: 800, zone: "us-east-1a" })).backupHost!.zone, "us-east-1a");
    });

    it("puts no secret in user data or the script: only parameter names, and the host may read only its own two parameters", () => {
        const p = plan(ghesHa());
        const d = p.backupHost!;
        assert.doesNotMatch(d.userData, /management-password|api_key|join-secret/);
        assert.match(d.userData, /\/ha-service\/test\/svc\/backup-host\/config/);
        assert.match(d.script, /manage_password_param='\/ha-service\/test\/svc\/ghes\/management-password'/);
        assert.doesNotMatch(d.script, /join-secret/);
        const policy = backupHostParameterPolicy({ partition: "aws", region: "us-east-1", accountId: "123456789012" }, d) as {
            Statement: { Effect: string; Resource?: string[]; NotResource?: string[] }[];
        };
        const arn = (n: string) => `arn:aws:ssm:us-east-1:123456789012:parameter${n}`;
        assert.deepEqual(policy.Statement[0].Resource, [arn(d.configParameter), arn(d.managementPasswordParameter)]);
        assert.ok(!policy.Statement[1].NotResource!.includes(arn(p.replication.secretParameter)), "the join secret is denied");
    });

    it("uses the one Manage API password of the stack: the parameter the HA nodes set as the root site administrator password", () => {
        const p = plan(ghesHa());
        const parameter = p.backupHost!.managementPasswordParameter;
        assert.equal(parameter, passwordParameter(p.replication.secretParameter));
        assert.notEqual(parameter, p.replication.secretParameter);
        for (const d of p.replication.documents) assert.ok(d.script.includes(`manage_password_param='${parameter}'`), d.node);
        // The nodes' role reads the stack's prefix, the password included (plan/iam.ts).
        const nodes = nodeParameterPolicy({ partition: "aws", region: "us-east-1", accountId: "123456789012" }, "/ha-service/test/svc") as {
            Statement: { Resource: string }[];
        };
        assert.ok(parameter.startsWith(nodes.Statement[0].Resource.replace(/^arn:aws:ssm:us-east-1:123456789012:parameter|\*$/g, "")));
        assert.throws(() => plan(ghesHa({ ...BACKUP, managementPasswordParameter: "/elsewhere" })), /managementPasswordParameter/);
    });

    it("follows a promotion: the script targets the new primary while the instance's user data stays the same", () => {
        const before = plan(ghesHa()).backupHost!;
        const after = plan(ghesHa(BACKUP, { primary: "ghe-2" })).backupHost!;
        assert.equal(before.target.node, "ghe-1");
        assert.equal(after.target.node, "ghe-2");
        assert.match(after.script, /^primary='\{\{address:ghe-2\}\}'$/m);
        assert.equal(after.userData, before.userData);
    });

    it("says whether the configured GHES release has the built-in backup service", () => {
        assert.match(plan(ghesHa()).backupHost!.notes.join("\n"), /GHES 3\.16 has no built-in backup service/);
        const newer = plan(ghesHa({ ...BACKUP, ghesVersion: "3.17" })).backupHost!;
        assert.match(newer.notes.join("\n"), /GHES 3\.17 also has the built-in backup service .* does not set it up/);
        assert.equal(newer.utilsVersion, "3.17.0");
    });

    it("refuses a backup host outside HA GHES, a Backup Utilities release that cannot back up the GHES release, and a foreign zone", () => {
        const problems = (raw: Raw) => {
            try {
                spec(raw);
            } catch (e) {
                return (e as Error).message;
            }
            return "";
        };
        assert.match(problems(haConfig({ ghesBackup: BACKUP })), /ha-service:ghesBackup: applies to the ghes profile only/);
        assert.match(
            problems(ghesHa({ ...BACKUP, utilsVersion: "3.19.0" })),
            /ha-service:ghesBackup\.utilsVersion: Backup Utilities 3\.19\.0 cannot back up GHES 3\.16: .* \(got "3\.19\.0"\)/,
        );
        assert.match(problems(ghesHa({ ...BACKUP, utilsVersion: "3.15.2" })), /cannot back up GHES 3\.16/);
        assert.equal(problems(ghesHa({ ...BACKUP, utilsVersion: "3.18.1" })), "", "two releases ahead is allowed");
        assert.match(
            problems(ghesHa({ ...BACKUP, zone: "us-east-1c" })),
            /ha-service:ghesBackup\.zone: must be one of the network's zones/,
        );
        assert.match(
            problems(ghesHa({ ...BACKUP, schedule: "hourly" })),
            /ha-service:ghesBackup\.schedule: must be a five-field cron schedule/,
        );
        assert.match(
            problems(ghesHa({ ...BACKUP, snapshots: 0 })),
            /ha-service:ghesBackup\.snapshots: must be a whole number of snapshots from 1 to 1000/,
        );
    });
});

describe("GHES backup host: resources (mocks)", function () {
    this.timeout(60_000);
    let r: ProgramRun;
    before(async () => {
        r = await run(ghesHa({ ...BACKUP, snapshots: 24 }));
    });
    const instance = () => getResource(r, "aws:ec2/instance:Instance", "svc-backup-host");
    const privateIp = (run: ProgramRun, name: string) => String(getResource(run, "aws:ec2/instance:Instance", name).state?.privateIp);

    it("builds an instance in the backup zone's private subnet: IMDSv2, no public address, encrypted root", () => {
        const i = instance().inputs;
        assert.equal(i.ami, BACKUP.ami);
        assert.equal(i.instanceType, "m6i.xlarge");
        assert.equal(i.associatePublicIpAddress, false);
        assert.equal((i.metadataOptions as Record<string, unknown>).httpTokens, "required");
        assert.equal((i.rootBlockDevice as Record<string, unknown>).encrypted, true);
        const subnet = byType(r, "aws:ec2/subnet:Subnet").find((s) => s.name === "svc-net-private-us-east-1b")!;
        assert.equal(i.subnetId, subnet.id);
    });

    it("gives it an encrypted gp3 data volume, kept when removed, attached as the data device", () => {
        const v = getResource(r, "aws:ebs/volume:Volume", "svc-backup-host-data");
        assert.equal(v.inputs.encrypted, true);
        assert.equal(v.inputs.type, "gp3");
        assert.equal(v.inputs.size, 2500);
        assert.equal(v.inputs.availabilityZone, "us-east-1b");
        assert.equal(v.retainOnDelete, true);
        const a = getResource(r, "aws:ec2/volumeAttachment:VolumeAttachment", "svc-backup-host-data");
        assert.equal(a.inputs.volumeId, v.id);
        assert.equal(a.inputs.instanceId, instance().id);
    });

    it("stores the script with the primary's address and the volume id filled in, re-run by an association on change and on a schedule", () => {
        const param = getResource(r, "aws:ssm/parameter:Parameter", "svc-backup-host-config");
        const value = String(param.inputs.value);
        assert.equal(param.inputs.type, "String");
        assert.match(value, new RegExp(`^primary='${privateIp(r, "svc-ghe-1").replace(/\./g, "\\.")}'$`, "m"));
        assert.match(value, new RegExp(`^volume='${getResource(r, "aws:ebs/volume:Volume", "svc-backup-host-data").id}'$`, "m"));
        assert.match(value, /^GHE_NUM_SNAPSHOTS=24$/m);
        assert.doesNotMatch(value, /\{\{/);
        const assoc = getResource(r, "aws:ssm/association:Association", "svc-backup-host");
        assert.equal(assoc.inputs.scheduleExpression, "rate(30 minutes)");
        assert.deepEqual(assoc.inputs.targets, [{ key: "InstanceIds", values: [instance().id] }]);
        assert.match(String((assoc.inputs.parameters as Record<string, string>).configHash), /^[0-9a-f]{16}$/);
    });

    it("opens the nodes' 122 and 8443 to the backup host's security group, not to an address range", () => {
        const group = getResource(r, "aws:ec2/securityGroup:SecurityGroup", "svc-sg-backupHost");
        for (const port of [122, 8443]) {
            const rule = getResource(r, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", `svc-sg-nodes-backup-tcp-${port}`);
            assert.equal(rule.inputs.referencedSecurityGroupId, group.id);
            assert.equal(rule.inputs.cidrIpv4, undefined);
        }
    });

    it("on a promotion rewrites only the script parameter and its association: the host, its volume and user data stay", async () => {
        const promoted = await run(ghesHa({ ...BACKUP, snapshots: 24 }, { primary: "ghe-2" }));
        const value = String(getResource(promoted, "aws:ssm/parameter:Parameter", "svc-backup-host-config").inputs.value);
        assert.match(value, new RegExp(`^primary='${privateIp(promoted, "svc-ghe-2").replace(/\./g, "\\.")}'$`, "m"));
        assert.deepEqual(getResource(promoted, "aws:ec2/instance:Instance", "svc-backup-host").inputs, instance().inputs);
    });

    it("exports what the backup host does, without any secret", () => {
        const out = r.outputs.backupHost as Record<string, unknown>;
        assert.equal(out.backsUp, "ghe-1");
        assert.equal(out.schedule, "0 * * * *");
        assert.equal(out.snapshots, 24);
    });

    it("refuses ghesBackup on a non-GHES stack before registering anything", async () => {
        const bad = await runFailing(haConfig({ ghesBackup: BACKUP }));
        assert.equal(byType(bad, "aws:ec2/instance:Instance").length, 0);
    });
});

// ---------------------------------------------------------------------------------------------
// Stand-in appliance

const STANDINS: Record<string, string> = {
    // IMDS, the Backup Utilities release and the Manage API. The password must arrive on standard input
    // (curl -K -), never as an argument; a POST without the primary's password is refused (HTTP 401).
    curl: `#!/bin/bash
printf '%s\\n' "$*" >> "$STANDIN/argv"
out=""; method=GET; data=""; resolve=""; url=""; config=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=$2; shift 2 ;;
    -X) method=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --resolve) resolve=$2; shift 2 ;;
    -H) shift 2 ;;
    -K) if [ "$2" = - ]; then config=$(cat); fi; shift 2 ;;
    -*) shift ;;
    *) url=$1; shift ;;
  esac
done
case "$url" in
  http://169.254.169.254/latest/api/token) echo token ;;
  http://169.254.169.254/latest/meta-data/placement/region) echo us-east-1 ;;
  https://github.com/github/backup-utils/releases/download/*)
    echo "download \${url##*/}" >> "$STANDIN/calls"
    cp "$STANDIN/release.tar.gz" "$out" ;;
  https://*:8443/manage/v1/access/ssh)
    name=\${url#https://}; name=\${name%%:*}
    if [ "\${resolve%%:*}" != "$name" ]; then echo "curl: (60) certificate is not for this address" >&2; exit 60; fi
    ip=\${resolve##*:}
    appliance="$STANDIN/appliances/$ip"
    if [ ! -d "$appliance" ]; then echo "curl: (7) Failed to connect to $ip port 8443" >&2; exit 7; fi
    raw=$(printf '%s' "$config" | sed -n 's/^user = "api_key:\\(.*\\)"$/\\1/p' | sed -e 's/\\\\\\(.\\)/\\1/g')
    if [ "$method" != POST ] || [ "$raw" != "$(cat "$appliance/password")" ]; then
      echo "manage-api $method $ip refused" >> "$STANDIN/calls"
      echo "curl: (22) The requested URL returned error: 401" >&2; exit 22
    fi
    printf '%s' "$data" | sed -n 's/^{"key": "\\(.*\\)"}$/\\1/p' >> "$appliance/authorized_keys"
    echo "manage-api POST $ip authorised" >> "$STANDIN/calls"
    echo '[{"hostname":"ghe","modified":true}]' ;;
  *) echo "curl: unexpected URL $url" >&2; exit 6 ;;
esac
`,
    aws: `#!/bin/bash
printf '%s\\n' "$*" >> "$STANDIN/argv"
name=""
while [ $# -gt 0 ]; do case "$1" in --name) name=$2; shift 2 ;; *) shift ;; esac; done
echo "aws ssm get-parameter $name" >> "$STANDIN/calls"
file="$STANDIN/params/$(printf '%s' "$name" | tr / _)"
if [ ! -f "$file" ]; then echo "An error occurred (ParameterNotFound) when calling the GetParameter operation" >&2; exit 254; fi
cat "$file"
`,
    "ssh-keygen": `#!/bin/bash
file=""; comment=""
while [ $# -gt 0 ]; do case "$1" in -f) file=$2; shift 2 ;; -C) comment=$2; shift 2 ;; *) shift ;; esac; done
if [ -e "$file" ]; then echo "$file already exists" >&2; exit 1; fi
echo "ssh-keygen" >> "$STANDIN/calls"
echo PRIVATE > "$file"
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI$(od -An -N12 -tx1 /dev/urandom | tr -d ' \\n') $comment" > "$file.pub"
`,
    mountpoint: `#!/bin/bash
[ -f "$STANDIN/mounted" ]
`,
    lsblk: `#!/bin/bash
echo "/dev/nvme0n1 vol0aaaaaaaaaaaaaaaa0"
if [ -f "$STANDIN/attached" ]; then echo "/dev/nvme1n1 $(cat "$STANDIN/attached")"; fi
`,
    blkid: `#!/bin/bash
[ -f "$STANDIN/formatted" ] || exit 2
if [ "$1" = -s ]; then echo 0f0e0d0c-uuid; else echo "$1: UUID=\\"0f0e0d0c-uuid\\" TYPE=\\"ext4\\""; fi
`,
    "mkfs.ext4": `#!/bin/bash
if [ -f "$STANDIN/formatted" ]; then echo "mkfs.ext4: refusing to format a volume that holds a file system" >&2; exit 1; fi
echo "mkfs.ext4 \${*: -1}" >> "$STANDIN/calls"
touch "$STANDIN/formatted"
`,
    mount: `#!/bin/bash
[ -f "$STANDIN/formatted" ] || { echo "mount: wrong fs type" >&2; exit 32; }
echo "mount $*" >> "$STANDIN/calls"
touch "$STANDIN/mounted"
`,
};

/** Backup Utilities as the release archive ships it: both check the key on the appliance GHE_HOSTNAME names. */
const UTILS_CHECK = `set -euo pipefail
. "$GHE_BACKUP_CONFIG"
key=$(printf '%s' "$GHE_EXTRA_SSH_OPTS" | sed -n 's/^-i \\([^ ]*\\) .*/\\1/p')
appliance="$STANDIN/appliances/$GHE_HOSTNAME"
if [ ! -d "$appliance" ]; then echo "ssh: connect to host $GHE_HOSTNAME port 122: Connection refused" >&2; exit 1; fi
if ! grep -qxF "$(cat "$key.pub")" "$appliance/authorized_keys" 2> /dev/null; then
  echo "$(basename "$0") $GHE_HOSTNAME refused" >> "$STANDIN/calls"
  echo "Permission denied (publickey)" >&2; exit 1
fi
`;
const UTILS: Record<string, string> = {
    "ghe-host-check": `#!/bin/bash
${UTILS_CHECK}echo "ghe-host-check $GHE_HOSTNAME ok" >> "$STANDIN/calls"
`,
    "ghe-backup": `#!/bin/bash
${UTILS_CHECK}if [ "$(cat "$appliance/role")" != primary ]; then echo "refusing to back up a replica" >&2; exit 1; fi
if [ ! -f "$STANDIN/mounted" ]; then echo "GHE_DATA_DIR is not on the data volume" >&2; exit 1; fi
mkdir -p "$GHE_DATA_DIR/snapshot-$(ls "$GHE_DATA_DIR" 2> /dev/null | wc -l)"
echo "ghe-backup $GHE_HOSTNAME ok" >> "$STANDIN/calls"
`,
};

const PASSWORD = 'pa"ss\\word 1';
const PRIMARY_IP = "10.0.1.10";
const REPLICA_IP = "10.0.2.20";
const VOLUME = "vol-0123456789abcdef0";

describe("GHES backup host: script run by bash against a stand-in appliance", function () {
    this.timeout(30_000);
    let dir: string;
    let paths: BackupHostPaths;
    let bin: string;
    let state: string;
    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "backuphost-"));
        bin = join(dir, "bin");
        state = join(dir, "standin");
        paths = {
            dataDir: join(dir, "data"),
            installDir: join(dir, "opt", "backup-utils"),
            configFile: join(dir, "etc", "github-backup-utils", "backup.config"),
            cronFile: join(dir, "etc", "cron.d", "ghe-backup"),
            logFile: join(dir, "var", "ghe-backup.log"),
            fstab: join(dir, "etc", "fstab"),
        };
        for (const d of [bin, join(state, "params"), join(dir, "etc", "cron.d"), join(dir, "var")]) mkdirSync(d, { recursive: true });
        writeFileSync(paths.fstab, "");
        const tools = {
            ...STANDINS,
            git: "#!/bin/bash\n",
            ssh: "#!/bin/bash\n",
            rsync: "#!/bin/bash\n",
            jq: "#!/bin/bash\n",
            bc: "#!/bin/bash\n",
        };
        for (const [name, text] of Object.entries(tools)) writeFileSync(join(bin, name), text, { mode: 0o755 });
        // The release archive, as GitHub publishes it: one top-level directory.
        const release = join(dir, "release", "github-backup-utils-v3.16.0", "bin");
        mkdirSync(release, { recursive: true });
        for (const [name, text] of Object.entries(UTILS)) writeFileSync(join(release, name), text, { mode: 0o755 });
        assert.equal(
            spawnSync("tar", ["-czf", join(state, "release.tar.gz"), "-C", join(dir, "release"), "github-backup-utils-v3.16.0"]).status,
            0,
        );
        // The appliances: the primary and a replica, both with the management password set.
        appliance(PRIMARY_IP, "primary");
        appliance(REPLICA_IP, "replica");
        writeFileSync(join(state, "attached"), VOLUME.replace("-", ""));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    function appliance(ip: string, role: string): void {
        mkdirSync(join(state, "appliances", ip), { recursive: true });
        writeFileSync(join(state, "appliances", ip, "password"), PASSWORD);
        writeFileSync(join(state, "appliances", ip, "role"), role);
    }
    const digest = () =>
        createHash("sha256")
            .update(readFileSync(join(state, "release.tar.gz")))
            .digest("hex");
    function setPassword(): void {
        writeFileSync(join(state, "params", "_ha-service_test_svc_ghes_management-password"), PASSWORD);
    }
    function calls(): string[] {
        return existsSync(join(state, "calls")) ? readFileSync(join(state, "calls"), "utf8").split("\n").filter(Boolean) : [];
    }
    /** Runs the plan's script for `raw`, resolved as the component resolves it; returns the calls it made. */
    function bootstrap(
        raw: Raw,
        address: string,
        env: Record<string, string> = {},
    ): { status: number | null; calls: string[]; stderr: string } {
        const before = calls().length;
        const host = planBackupHost(spec(raw), paths)!;
        const script = join(dir, "host-config.sh");
        writeFileSync(script, resolveBackupHostScript(host, { address, volumeId: VOLUME }));
        const r = spawnSync("bash", [script], {
            stdio: NO_STDIN,
            encoding: "utf8",
            env: { PATH: `${bin}:/usr/bin:/bin`, STANDIN: state, ...env },
        });
        return { status: r.status, calls: calls().slice(before), stderr: r.stderr };
    }
    /** Runs the command of the cron line the script installed, as cron would (its environment lines, then the command). */
    function cronRun(): { status: number | null; calls: string[] } {
        const before = calls().length;
        const lines = readFileSync(paths.cronFile, "utf8")
            .split("\n")
            .filter((l) => l && !l.startsWith("#"));
        const env = Object.fromEntries(lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.split("=")[0], l.slice(l.indexOf("=") + 1)]));
        const job = lines.find((l) => !/^[A-Z_]+=/.test(l))!;
        const command = job.split(/\s+/).slice(6).join(" ");
        const r = spawnSync("bash", ["-c", command], {
            stdio: NO_STDIN,
            encoding: "utf8",
            env: { ...env, PATH: `${bin}:/usr/bin:/bin`, STANDIN: state },
        });
        return { status: r.status, calls: calls().slice(before) };
    }
    const withDigest = () => ghesHa({ ...BACKUP, utilsSha256: digest(), snapshots: 3 });

    it("bootstraps in order, fails until the management password exists, then authorises the key and schedules backups", () => {
        const first = bootstrap(withDigest(), PRIMARY_IP);
        assert.notEqual(first.status, 0, "no password yet: the key cannot be authorised");
        assert.match(first.stderr, /ParameterNotFound/);
        assert.deepEqual(first.calls, [
            "mkfs.ext4 /dev/nvme1n1",
            "mount UUID=0f0e0d0c-uuid " + paths.dataDir,
            "download github-backup-utils-v3.16.0.tar.gz",
            "ssh-keygen",
            `ghe-host-check ${PRIMARY_IP} refused`,
            "aws ssm get-parameter /ha-service/test/svc/ghes/management-password",
        ]);
        assert.equal(existsSync(paths.cronFile), false, "no backup is scheduled before the key is accepted");

        setPassword();
        const second = bootstrap(withDigest(), PRIMARY_IP);
        assert.equal(second.status, 0, second.stderr);
        assert.deepEqual(second.calls, [
            `ghe-host-check ${PRIMARY_IP} refused`,
            "aws ssm get-parameter /ha-service/test/svc/ghes/management-password",
            `manage-api POST ${PRIMARY_IP} authorised`,
            `ghe-host-check ${PRIMARY_IP} ok`,
        ]);
        assert.equal(readFileSync(paths.fstab, "utf8"), `UUID=0f0e0d0c-uuid ${paths.dataDir} ext4 defaults,nofail 0 2\n`);
        const config = readFileSync(paths.configFile, "utf8");
        assert.match(config, new RegExp(`^GHE_HOSTNAME="${PRIMARY_IP}"$`, "m"));
        assert.match(config, new RegExp(`^GHE_DATA_DIR="${paths.dataDir}/snapshots"$`, "m"));
        assert.match(config, /^GHE_NUM_SNAPSHOTS=3$/m);
        assert.deepEqual(cronRun(), { status: 0, calls: [`ghe-backup ${PRIMARY_IP} ok`] });
        assert.deepEqual(readdirSync(join(paths.dataDir, "snapshots")), ["snapshot-0"]);
    });

    it("fails a scheduled backup while the key is not authorised on the primary", () => {
        setPassword();
        assert.equal(bootstrap(withDigest(), PRIMARY_IP).status, 0);
        writeFileSync(join(state, "appliances", PRIMARY_IP, "authorized_keys"), "");
        const r = cronRun();
        assert.notEqual(r.status, 0);
        assert.deepEqual(r.calls, [`ghe-backup ${PRIMARY_IP} refused`]);
    });

    it("changes nothing on a re-run: no format, download, new key, password read or Manage API call", () => {
        setPassword();
        assert.equal(bootstrap(withDigest(), PRIMARY_IP).status, 0);
        const again = bootstrap(withDigest(), PRIMARY_IP);
        assert.equal(again.status, 0, again.stderr);
        assert.deepEqual(again.calls, [`ghe-host-check ${PRIMARY_IP} ok`]);
    });

    it("follows a promotion: authorises its key on the new primary and backs that one up, never the old one", () => {
        setPassword();
        assert.equal(bootstrap(withDigest(), PRIMARY_IP).status, 0);
        assert.equal(cronRun().status, 0);
        // ghe-repl-promote: the replica becomes primary, the old primary is demoted.
        writeFileSync(join(state, "appliances", REPLICA_IP, "role"), "primary");
        writeFileSync(join(state, "appliances", PRIMARY_IP, "role"), "replica");
        const promoted = bootstrap({ ...withDigest(), primary: "ghe-2" }, REPLICA_IP);
        assert.equal(promoted.status, 0, promoted.stderr);
        assert.deepEqual(promoted.calls, [
            `ghe-host-check ${REPLICA_IP} refused`,
            "aws ssm get-parameter /ha-service/test/svc/ghes/management-password",
            `manage-api POST ${REPLICA_IP} authorised`,
            `ghe-host-check ${REPLICA_IP} ok`,
        ]);
        assert.deepEqual(cronRun(), { status: 0, calls: [`ghe-backup ${REPLICA_IP} ok`] });
    });

    it("keeps the management password out of every argument list and every file it writes", () => {
        setPassword();
        assert.equal(bootstrap(withDigest(), PRIMARY_IP).status, 0);
        assert.doesNotMatch(readFileSync(join(state, "argv"), "utf8"), /pa"ss/);
        const written = (d: string): string[] =>
            readdirSync(d, { withFileTypes: true }).flatMap((e) =>
                e.isDirectory() ? written(join(d, e.name)) : e.isFile() ? [readFileSync(join(d, e.name), "utf8")] : [],
            );
        for (const root of [paths.dataDir, join(dir, "etc"), join(dir, "opt")]) {
            for (const text of written(root)) assert.ok(!text.includes('pa"ss'), `password found under ${root}`);
        }
    });

    it("refuses a release archive whose digest does not match, and installs nothing", () => {
        setPassword();
        const r = bootstrap(ghesHa({ ...BACKUP, utilsSha256: "0".repeat(64) }), PRIMARY_IP);
        assert.notEqual(r.status, 0);
        assert.equal(existsSync(join(paths.installDir, "3.16.0")), false);
        assert.equal(existsSync(paths.cronFile), false);
    });
});
