/** Names derived from stable keys: the same inputs always give the same names. */

/** A fragment safe in resource names: `10.0.0.0/8` -> `10-0-0-0-8`. */
export function slug(value: string): string {
    return value
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
}

/** Prefix of every SSM parameter of the stack. */
export function parameterPrefix(project: string, stack: string, name: string): string {
    return `/${project}/${stack}/${name}`;
}

export function documentParameter(prefix: string, node: string): string {
    return `${prefix}/nodes/${node}/replication`;
}

export function configParameter(prefix: string, node: string): string {
    return `${prefix}/nodes/${node}/config`;
}

export function secretParameter(prefix: string): string {
    return `${prefix}/join-secret`;
}

/** Whether the cluster has been created (profiles with `clusterState`); written by the nodes. */
export function clusterStateParameter(prefix: string): string {
    return `${prefix}/cluster-state`;
}

/** A profile asset's parameter, named after the file (`/etc/ha-service/x.py` -> `<prefix>/assets/x-py`). */
export function assetParameter(prefix: string, path: string): string {
    return `${prefix}/assets/${slug(path.split("/").pop() ?? path)}`;
}

export function baseTags(project: string, stack: string, name: string, user: Readonly<Record<string, string>>): Record<string, string> {
    // User tags first so the identifying tags cannot be overwritten by accident.
    return { ...user, Project: project, Stack: stack, Service: name, ManagedBy: "pulumi" };
}

/**
 * Prefix of AWS names that must be unique in an account and region (alarms, the alarm topic). It
 * holds the project, so two projects with the same stack and service name never share an alarm
 * (PutMetricAlarm would silently take over an existing one).
 */
export function uniquePrefix(project: string, stack: string, name: string): string {
    return slug(`${project}-${stack}-${name}`);
}

/** Tag key that marks the data volumes the stack's snapshot policy targets. */
export const BACKUP_TAG = "DataVolumeBackup";

/** The backup tag's value: only this stack's data volumes carry it. */
export function backupTagValue(project: string, stack: string, name: string): string {
    return `${project}/${stack}/${name}`;
}
