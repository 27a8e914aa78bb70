/**
 * The `ghesBackup` section: defaults and the rules that span more than one key. Pure (no Pulumi
 * imports). Sources: github/docs `content/admin/backing-up-and-restoring-your-instance/
 * configuring-backups-on-your-instance.md` (sizing, version rule, hourly schedule) and
 * `content/admin/overview/system-overview.md` (EBS snapshots only offline or in maintenance mode);
 * github/backup-utils `docs/requirements.md` and `backup.config-example`.
 */
import { parameterPrefix } from "../common/naming";
import { managementPasswordParameter } from "../profiles/ghes-manage-api";
import type { ParsedConfig } from "./schema";
import type { ConfigProblem, GhesBackupSpec, NodeSpec } from "./spec";

/** Largest gp3 volume. */
const MAX_VOLUME_GIB = 16384;

/** GitHub sizes the backup storage at five times the primary's allocated storage. */
export const BACKUP_STORAGE_FACTOR = 5;

/** Feature releases a Backup Utilities release may be ahead of GHES ("cannot be more than two versions ahead"). */
export const MAX_UTILS_LEAD = 2;

function release(version: string): { major: number; minor: number } {
    const [major, minor] = version.split(".").map(Number);
    return { major, minor };
}

/** `ghesBackup` with every default applied; undefined when the stack has no backup host. */
export function resolveGhesBackup(
    cfg: ParsedConfig,
    ctx: { readonly project: string; readonly stack: string; readonly nodes: readonly NodeSpec[]; readonly zones: readonly string[] },
): GhesBackupSpec | undefined {
    const b = cfg.ghesBackup;
    if (!b) return undefined;
    const largest = Math.max(0, ...ctx.nodes.map((n) => n.dataVolumeSize));
    return {
        ami: b.ami,
        ghesVersion: b.ghesVersion,
        utilsVersion: b.utilsVersion ?? `${b.ghesVersion}.0`,
        ...(b.utilsSha256 === undefined ? {} : { utilsSha256: b.utilsSha256 }),
        instanceType: b.instanceType,
        zone: b.zone ?? ctx.zones[ctx.zones.length - 1] ?? "",
        dataVolumeSize: b.dataVolumeSize ?? Math.min(MAX_VOLUME_GIB, Math.max(1, BACKUP_STORAGE_FACTOR * largest)),
        schedule: b.schedule,
        snapshots: b.snapshots,
        // The one Manage API password of the stack: the nodes set and use it too (profiles/ghes-manage-api.ts).
        managementPasswordParameter: managementPasswordParameter(parameterPrefix(ctx.project, ctx.stack, cfg.name)),
    };
}

/** Problems and warnings about the backup host, or about a GHES stack that has none. */
export function ghesBackupChecks(
    cfg: ParsedConfig,
    spec: { readonly ghesBackup?: GhesBackupSpec; readonly zones: readonly string[] },
): { problems: ConfigProblem[]; warnings: string[] } {
    const problems: ConfigProblem[] = [];
    const warnings: string[] = [];
    const b = spec.ghesBackup;
    if (!b) {
        if (cfg.profile === "ghes" && cfg.backups.enabled)
            warnings.push(
                cfg.topology === "ha"
                    ? "ghes without `ghesBackup`: EBS snapshots of a running appliance are not a supported GHES backup (only offline or in maintenance mode); add `ghesBackup` for a Backup Utilities host."
                    : "ghes cluster: EBS snapshots of running nodes are not a supported GHES backup; run Backup Utilities against the cluster yourself (this package automates it for HA only).",
            );
        return { problems, warnings };
    }
    if (cfg.profile !== "ghes")
        problems.push({
            path: "ghesBackup",
            message: `applies to the ghes profile only (Backup Utilities backs up GitHub Enterprise Server); remove it for profile "${cfg.profile}"`,
        });
    else if (cfg.topology !== "ha")
        problems.push({
            path: "ghesBackup",
            message:
                "is supported for the ha topology only: a cluster backup needs the host's key on every node and `GHE_EXTRA_SSH_OPTS`, which this package does not set up yet; remove the key and run Backup Utilities against the cluster yourself",
        });
    if (cfg.ghesBackup?.zone !== undefined && spec.zones.length > 0 && !spec.zones.includes(b.zone))
        problems.push({ path: "ghesBackup.zone", message: `must be one of the network's zones: ${spec.zones.join(", ")}`, value: b.zone });
    const ghes = release(b.ghesVersion);
    const utils = release(b.utilsVersion);
    const lead = utils.minor - ghes.minor;
    if (utils.major !== ghes.major || lead < 0 || lead > MAX_UTILS_LEAD)
        problems.push({
            path: cfg.ghesBackup?.utilsVersion === undefined ? "ghesBackup.ghesVersion" : "ghesBackup.utilsVersion",
            message: `Backup Utilities ${b.utilsVersion} cannot back up GHES ${b.ghesVersion}: it must be the same feature release or at most ${MAX_UTILS_LEAD} newer (${b.ghesVersion}.x to ${ghes.major}.${ghes.minor + MAX_UTILS_LEAD}.x)`,
            value: b.utilsVersion,
        });
    if (b.utilsSha256 === undefined)
        warnings.push(
            `ghesBackup.utilsSha256 is not set: the backup host installs Backup Utilities ${b.utilsVersion} without checking the archive's digest.`,
        );
    return { problems, warnings };
}
