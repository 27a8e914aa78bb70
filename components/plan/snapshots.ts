/**
 * Off-node archives of the service's own snapshots (profiles with `snapshotArchive`; cloudify:
 * `cfy snapshots create` on the active manager). Pure: the bucket's rules and the nodes' schedule,
 * from the stack's `backups` settings.
 */
import type { StackSpec } from "../config";
import type { SnapshotArchivePlan } from "./types";

/** The schedule as a systemd OnCalendar expression (UTC): `at`, then every `everyHours`. */
export function onCalendar(at: string, everyHours: number): string {
    const [hour, minute] = at.split(":").map(Number);
    const hours = Array.from({ length: 24 / everyHours }, (_, i) => (hour + i * everyHours) % 24).sort((a, b) => a - b);
    return `*-*-* ${hours.map((h) => String(h).padStart(2, "0")).join(",")}:${String(minute).padStart(2, "0")}:00 UTC`;
}

export function planSnapshotArchive(spec: StackSpec, prefix: string): SnapshotArchivePlan | undefined {
    const archive = spec.profile.snapshotArchive;
    if (!archive || !spec.backups.enabled) return undefined;
    const { everyHours, at, keep } = spec.backups;
    // `keep` archives' worth of days, as the EBS snapshots keep `keep` snapshots.
    const expireDays = Math.ceil((keep * everyHours) / 24);
    return {
        bucketParameter: `${prefix}/snapshot-bucket`,
        keyPrefix: archive.keyPrefix,
        onCalendar: onCalendar(at, everyHours),
        expireDays,
        // A replaced or deleted archive's old version goes after the same time.
        noncurrentExpireDays: expireDays,
        description: archive.description,
    };
}
