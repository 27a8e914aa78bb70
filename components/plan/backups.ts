import type { StackSpec } from "../config";
import { BACKUP_TAG, backupTagValue } from "../common/naming";
import type { BackupPlan } from "./types";

/** The tags that mark this stack's data volumes for its snapshot policy (carried whether or not backups are on). */
export function backupTargetTags(spec: StackSpec): Record<string, string> {
    return { [BACKUP_TAG]: backupTagValue(spec.project, spec.stack, spec.name) };
}

/**
 * The Data Lifecycle Manager policy: one schedule, snapshots of every volume carrying the stack's
 * backup tag. Data Lifecycle Manager ORs target tags, so a single tag that only this stack's data
 * volumes carry is what keeps root volumes and other stacks' volumes out.
 */
export function planBackups(spec: StackSpec): BackupPlan | undefined {
    const b = spec.backups;
    if (!b.enabled) return undefined;
    return {
        targetTags: backupTargetTags(spec),
        // Data Lifecycle Manager accepts only letters, digits, spaces, '_' and '-' in a description.
        description: `${spec.project} ${spec.stack} ${spec.name} data volumes every ${b.everyHours} h keep ${b.keep}`.replace(
            /[^0-9A-Za-z _-]/g,
            "-",
        ),
        scheduleName: `every-${b.everyHours}h-keep-${b.keep}`,
        everyHours: b.everyHours,
        at: b.at,
        keep: b.keep,
    };
}
