/**
 * The GHES backup host (`ghesBackup`): an EC2 instance with its own encrypted data volume in the
 * stack's private subnets, running GitHub Enterprise Server Backup Utilities against the HA primary
 * on a cron schedule. Pure: decides placement, sizes, security rules, IAM, SSM names and the script.
 *
 * Why a host and not EBS snapshots: GitHub supports EBS snapshots of an appliance only while it is
 * offline or in maintenance mode (github/docs `content/admin/overview/system-overview.md`); the
 * recommended backup is Backup Utilities on a separate host, hourly, over SSH to port 122
 * (`content/admin/backing-up-and-restoring-your-instance/configuring-backups-on-your-instance.md`).
 */
import type { StackSpec } from "../config";
import type { AccountContext } from "./iam";
import { baseTags, parameterPrefix } from "../common/naming";
import { addressRef, PARAMETER_TIER, resolveAddresses } from "./replication";
import { BACKUP_HOST_PATHS, BACKUP_VOLUME_REF, type BackupHostPaths, MANAGE_API_PORT, renderBackupHostScript } from "./backuphost-script";
import type { BackupHostPlan, SecurityGroupPlan, SecurityRule } from "./types";
import { cloudConfig, SSM_FETCH } from "./userdata";

export { BACKUP_HOST_PATHS, BACKUP_VOLUME_REF, type BackupHostPaths, MANAGE_API_PORT } from "./backuphost-script";

/** Where the backup host's user data installs the script that fetches and runs its configuration. */
export const BACKUP_APPLY_PATH = "/usr/local/sbin/ghe-backup-host-apply";
/** Root-only directory on the backup host for the fetched script. */
export const BACKUP_STATE_DIR = "/etc/ghe-backup-host";
/** GHES admin SSH port: Backup Utilities connects there (configuring-backups-on-your-instance.md). */
export const ADMIN_SSH_PORT = 122;
/** Root volume of the backup host: the OS and Backup Utilities; snapshots go to the data volume. */
export const BACKUP_ROOT_VOLUME_GIB = 20;
/**
 * How often the association re-runs the script besides on every change: until the primary is set
 * up and the management password exists, authorising the key fails, and this retries it. State
 * Manager's shortest rate is 30 minutes; a run that finds everything in place changes nothing.
 */
export const BACKUP_ASSOCIATION_SCHEDULE = "rate(30 minutes)";
/** First GHES feature release with the built-in backup service (backup-service-for-github-enterprise-server/index.md). */
export const BUILT_IN_BACKUP_SERVICE_SINCE = "3.17";

// Declared with the other plan types: types.ts imports no planning module, so no import cycle.
export type { BackupHostPlan } from "./types";

function releaseAtLeast(version: string, since: string): boolean {
    const [a, b] = version.split(".").map(Number);
    const [c, d] = since.split(".").map(Number);
    return a > c || (a === c && b >= d);
}

/**
 * The backup host of an HA GHES stack; undefined when the stack has none (validation refuses other
 * topologies). `paths` are the host's real paths; tests render the same script into a temp dir.
 */
export function planBackupHost(spec: StackSpec, paths: BackupHostPaths = BACKUP_HOST_PATHS): BackupHostPlan | undefined {
    const b = spec.ghesBackup;
    if (!b || !backupHostWanted(spec) || spec.primary === undefined) return undefined;
    const prefix = parameterPrefix(spec.project, spec.stack, spec.name);
    const tags = baseTags(spec.project, spec.stack, spec.name, spec.tags);
    const configParameter = `${prefix}/backup-host/config`;
    const target = { node: spec.primary, address: addressRef(spec.primary) };
    const notes = [
        `Backup Utilities ${b.utilsVersion} on ${b.instanceType} in ${b.zone} backs up the HA primary (${spec.primary}) on "${b.schedule}" (UTC), keeping ${b.snapshots} snapshots; it follows a promotion.`,
        releaseAtLeast(b.ghesVersion, BUILT_IN_BACKUP_SERVICE_SINCE)
            ? `GHES ${b.ghesVersion} also has the built-in backup service (${BUILT_IN_BACKUP_SERVICE_SINCE}+); this package does not set it up: it keeps backups on a volume of the primary itself, which does not follow a promotion (docs/profiles.md, GitHub Enterprise Server).`
            : `GHES ${b.ghesVersion} has no built-in backup service (it arrived in ${BUILT_IN_BACKUP_SERVICE_SINCE}).`,
        spec.backups.enabled
            ? "Data Lifecycle Manager snapshots of the nodes' data volumes stay on as a second layer; GitHub supports them only while an appliance is offline or in maintenance mode."
            : "Data Lifecycle Manager snapshots are off; the backup host is the only backup.",
    ];
    return {
        zone: b.zone,
        instanceType: b.instanceType,
        ami: b.ami,
        rootVolume: { size: BACKUP_ROOT_VOLUME_GIB },
        dataVolume: {
            size: b.dataVolumeSize,
            ...(spec.dataVolume.kmsKeyId === undefined ? {} : { kmsKeyId: spec.dataVolume.kmsKeyId }),
            deviceName: spec.dataVolume.deviceName,
            protect: spec.dataVolume.protect,
            retainOnDelete: spec.dataVolume.retainOnDelete,
            // No backup tag: Data Lifecycle Manager snapshots the nodes' volumes, not the backups.
            tags: { ...tags, Name: `${spec.name}-${spec.stack}-backup-host-data`, Role: "ghe-backup" },
        },
        target,
        schedule: b.schedule,
        snapshots: b.snapshots,
        ghesVersion: b.ghesVersion,
        utilsVersion: b.utilsVersion,
        configParameter,
        parameterTier: PARAMETER_TIER,
        managementPasswordParameter: b.managementPasswordParameter,
        script: renderBackupHostScript({
            stack: spec.stack,
            primary: target,
            serviceName: spec.dns.name,
            volumeId: BACKUP_VOLUME_REF,
            utilsVersion: b.utilsVersion,
            ...(b.utilsSha256 === undefined ? {} : { utilsSha256: b.utilsSha256 }),
            schedule: b.schedule,
            snapshots: b.snapshots,
            managementPasswordParameter: b.managementPasswordParameter,
            paths,
        }),
        userData: cloudConfig(BACKUP_APPLY_PATH, backupApplyScript(configParameter)),
        applyDocument: {
            schemaVersion: "2.2",
            description: "Re-apply the GHES backup host's configuration",
            parameters: {
                configHash: { type: "String", description: "Hash of the backup host's script; a new hash re-runs the association." },
            },
            mainSteps: [{ action: "aws:runShellScript", name: "apply", inputs: { runCommand: [BACKUP_APPLY_PATH] } }],
        },
        associationSchedule: BACKUP_ASSOCIATION_SCHEDULE,
        notes,
        tags: { ...tags, Name: `${spec.name}-${spec.stack}-backup-host`, Role: "ghe-backup" },
    };
}

/** What the stack output (and so the offline plan) shows of the backup host. */
export function backupHostSummary(plan: BackupHostPlan): Record<string, unknown> {
    return {
        backsUp: plan.target.node,
        schedule: plan.schedule,
        snapshots: plan.snapshots,
        utilsVersion: plan.utilsVersion,
        zone: plan.zone,
        managementPasswordParameter: plan.managementPasswordParameter,
        notes: plan.notes,
    };
}

/** The script as the backup host reads it: the primary's address and the data volume's id filled in. */
export function resolveBackupHostScript(
    plan: Pick<BackupHostPlan, "script" | "target">,
    values: { readonly address: string; readonly volumeId: string },
): string {
    return resolveAddresses(plan.script, { [plan.target.node]: values.address })
        .split(BACKUP_VOLUME_REF)
        .join(values.volumeId);
}

/** Installed by the user data: fetch the backup host's script from SSM and run it. Names no secret. */
export function backupApplyScript(configParameter: string): string {
    return `#!/bin/bash
# Fetches the GHES backup host's script from SSM Parameter Store and runs it. Run at boot by
# cloud-init and by the SSM association (on every change of the script, and on its schedule).
set -euo pipefail
exec 9>/run/ghe-backup-host-apply.lock
flock 9

config_param='${configParameter}'
state_dir='${BACKUP_STATE_DIR}'

${SSM_FETCH}install -d -m 0700 "\${state_dir}"
umask 077
fetch "\${config_param}" "\${state_dir}/host-config.sh"
bash "\${state_dir}/host-config.sh"
`;
}

function tcpRule(
    direction: SecurityRule["direction"],
    key: string,
    port: number,
    peer: SecurityRule["peer"],
    description: string,
): SecurityRule {
    return { key, direction, protocol: "tcp", fromPort: port, toPort: port, peer, description };
}

/**
 * The backup host's group and the node rules that admit it: admin SSH (122, what ghe-backup uses)
 * and the Manage API (8443, to authorise its key), from the backup host's group only. The host
 * takes no inbound traffic; out it reaches the nodes on those two ports and HTTPS (SSM, the
 * Backup Utilities release).
 */
export function planBackupHostSecurity(spec: StackSpec): { group: SecurityGroupPlan; nodeRules: SecurityRule[] } | undefined {
    if (!backupHostWanted(spec)) return undefined;
    const from = { group: "backupHost" } as const;
    const to = { group: "nodes" } as const;
    return {
        nodeRules: [
            tcpRule(
                "ingress",
                `backup-tcp-${ADMIN_SSH_PORT}`,
                ADMIN_SSH_PORT,
                from,
                "From the backup host: ghe-backup over administrative SSH",
            ),
            tcpRule(
                "ingress",
                `backup-tcp-${MANAGE_API_PORT}`,
                MANAGE_API_PORT,
                from,
                "From the backup host: Manage API, to authorise its SSH key",
            ),
        ],
        group: {
            key: "backupHost",
            description: `${spec.name} GHES backup host of stack ${spec.stack}`,
            rules: [
                tcpRule("egress", `nodes-tcp-${ADMIN_SSH_PORT}`, ADMIN_SSH_PORT, to, "To the nodes: ghe-backup over administrative SSH"),
                tcpRule(
                    "egress",
                    `nodes-tcp-${MANAGE_API_PORT}`,
                    MANAGE_API_PORT,
                    to,
                    "To the nodes: Manage API, to authorise the SSH key",
                ),
                tcpRule("egress", "https-out", 443, { cidr: "0.0.0.0/0" }, "HTTPS to AWS APIs (SSM) and the Backup Utilities release"),
            ],
        },
    };
}

/** Validation refuses `ghesBackup` outside HA GHES stacks; the plan still never builds one elsewhere. */
function backupHostWanted(spec: StackSpec): boolean {
    return spec.ghesBackup !== undefined && spec.topology === "ha";
}

/**
 * The backup host's own IAM policy: read its script and the management password, nothing else of
 * the stack (not the nodes' join secret). As for the nodes (plan/iam.ts), the explicit Deny is what
 * restricts, since AmazonSSMManagedInstanceCore allows every parameter.
 */
export function backupHostParameterPolicy(
    ctx: AccountContext,
    plan: Pick<BackupHostPlan, "configParameter" | "managementPasswordParameter">,
): Record<string, unknown> {
    const arn = (name: string) => `arn:${ctx.partition}:ssm:${ctx.region}:${ctx.accountId}:parameter${name}`;
    const own = [arn(plan.configParameter), arn(plan.managementPasswordParameter)];
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ReadOwnParameters", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: own },
            {
                Sid: "DenyOtherParameters",
                Effect: "Deny",
                Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"],
                NotResource: [...own, `arn:${ctx.partition}:ssm:${ctx.region}::parameter/aws/*`],
            },
        ],
    };
}
