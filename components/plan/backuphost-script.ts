/**
 * The backup host's script: mount its data volume, install GitHub Enterprise Server Backup Utilities,
 * write backup.config for the HA primary, authorise its SSH key there through the Manage API, check
 * the connection with `ghe-host-check` and schedule `ghe-backup` with cron. Pure rendering.
 *
 * Sources: github/docs `content/admin/backing-up-and-restoring-your-instance/
 * configuring-backups-on-your-instance.md` (install, GHE_HOSTNAME / GHE_DATA_DIR, key authorised on
 * the primary, `ghe-host-check`, cron); github/backup-utils `docs/getting-started.md` (configuration
 * file locations, GHE_BACKUP_CONFIG; never back up a replica), `docs/scheduling-backups.md` (the cron
 * line), `docs/requirements.md` (software, hard and symbolic links), `backup.config-example`
 * (GHE_NUM_SNAPSHOTS); the Manage GHES REST API ("Set a new SSH key": `POST /manage/v1/access/ssh`
 * on the admin port 8443, basic authentication as `api_key` with the root site administrator password,
 * the call shared with the HA nodes in profiles/ghes-manage-api.ts).
 *
 * The script is re-run by the SSM association when it changes (a promotion changes the primary's
 * address in it) and every 30 minutes (so a failed first run is retried), so every step is
 * idempotent: a formatted volume is never formatted again, an installed release and an existing key
 * are kept, and the Manage API is called only when `ghe-host-check` fails (a new primary, or a
 * first run).
 */
import { MANAGE_API_PORT, MANAGE_CALL } from "../profiles/ghes-manage-api";
import { shellQuote } from "./nodescript";

/** Where the script keeps things on the backup host; tests render it with temporary paths. */
export interface BackupHostPaths {
    /** Mount point of the data volume: snapshots and the SSH key live there. */
    readonly dataDir: string;
    /** Backup Utilities releases, one directory per version, and a `current` link. */
    readonly installDir: string;
    /** backup.config (backup-utils also reads /etc/github-backup-utils/backup.config by itself). */
    readonly configFile: string;
    readonly cronFile: string;
    readonly logFile: string;
    readonly fstab: string;
}

export const BACKUP_HOST_PATHS: BackupHostPaths = {
    dataDir: "/data",
    installDir: "/opt/backup-utils",
    configFile: "/etc/github-backup-utils/backup.config",
    cronFile: "/etc/cron.d/ghe-backup",
    logFile: "/var/log/ghe-backup.log",
    fstab: "/etc/fstab",
};

export { MANAGE_API_PORT } from "../profiles/ghes-manage-api";

/** Placeholder for the data volume's id; the component fills it in (it is known only once the volume exists). */
export const BACKUP_VOLUME_REF = "{{backup-volume}}";

export interface BackupHostScriptInput {
    readonly stack: string;
    /** Node key of the HA primary, and its address (a placeholder until the component resolves it). */
    readonly primary: { readonly node: string; readonly address: string };
    /** The service's DNS name: the TLS certificate of the admin port is issued for it. */
    readonly serviceName: string;
    readonly volumeId: string;
    readonly utilsVersion: string;
    readonly utilsSha256?: string;
    readonly schedule: string;
    readonly snapshots: number;
    readonly managementPasswordParameter: string;
    readonly paths: BackupHostPaths;
}

/** The release archive of Backup Utilities on GitHub. */
export function utilsArchiveUrl(version: string): string {
    return `https://github.com/github/backup-utils/releases/download/v${version}/github-backup-utils-v${version}.tar.gz`;
}

/** The cron(8) file that runs `ghe-backup` (backup-utils docs/scheduling-backups.md). */
export function backupCronFile(input: Pick<BackupHostScriptInput, "schedule" | "paths">): string {
    const p = input.paths;
    return [
        "# ghe-backup on the schedule of the stack's ghesBackup.schedule (UTC); written by ha-service.",
        "SHELL=/bin/bash",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        `GHE_BACKUP_CONFIG=${p.configFile}`,
        `${input.schedule} root ${p.installDir}/current/bin/ghe-backup -v >> ${p.logFile} 2>&1`,
        "",
    ].join("\n");
}

export function renderBackupHostScript(input: BackupHostScriptInput): string {
    return [
        scriptHeader(input),
        toolCheck(),
        dataVolumeSection(input),
        utilsSection(input),
        sshKeySection(input),
        backupConfigSection(input),
        authoriseSection(),
        cronSection(input),
    ].join("");
}

/** The header, the shell variables every later section reads and the Manage API call (manage_call). */
function scriptHeader(input: BackupHostScriptInput): string {
    const p = input.paths;
    const q = shellQuote;
    const key = `${p.dataDir}/ssh/id_ed25519`;
    return `#!/bin/bash
# Backup host of stack ${input.stack}: GitHub Enterprise Server Backup Utilities against the HA primary
# (${input.primary.node}). Rendered by ha-service; re-run by the SSM association.
set -euo pipefail
export GHE_BACKUP_CONFIG=${q(p.configFile)}

primary=${q(input.primary.address)}
service_name=${q(input.serviceName)}
volume=${q(input.volumeId)}
utils_version=${q(input.utilsVersion)}
utils_sha256=${q(input.utilsSha256 ?? "")}
manage_password_param=${q(input.managementPasswordParameter)}
data_dir=${q(p.dataDir)}
install_dir=${q(p.installDir)}
key=${q(key)}

${MANAGE_CALL}
`;
}

/** Backup Utilities' prerequisites (fails the run with the list when one is missing). */
function toolCheck(): string {
    return `for tool in git ssh ssh-keygen rsync jq bc curl aws tar sha256sum; do
  if ! command -v "\${tool}" > /dev/null; then
    echo "backup host: \${tool} is missing; Backup Utilities needs bash, git, OpenSSH, rsync, jq and bc (use an AMI that has them)" >&2
    exit 1
  fi
done

`;
}

/** The data volume, mounted by UUID (formatted only while blank). */
function dataVolumeSection(input: BackupHostScriptInput): string {
    const p = input.paths;
    const q = shellQuote;
    return `# The data volume (snapshots need hard and symbolic links: ext4). Formatted only while it is blank.
if ! mountpoint -q "\${data_dir}"; then
  device=$(lsblk -dnpo NAME,SERIAL | awk -v serial="\${volume//-/}" '$2 == serial { print $1 }')
  if [ -z "\${device}" ]; then
    echo "backup host: data volume \${volume} is not attached yet" >&2
    exit 1
  fi
  if ! blkid "\${device}" > /dev/null; then
    mkfs.ext4 -q -L ghe-backup "\${device}"
  fi
  uuid=$(blkid -s UUID -o value "\${device}")
  if ! grep -q "^UUID=\${uuid} " ${q(p.fstab)}; then
    printf 'UUID=%s %s ext4 defaults,nofail 0 2\\n' "\${uuid}" "\${data_dir}" >> ${q(p.fstab)}
  fi
  mkdir -p "\${data_dir}"
  mount "UUID=\${uuid}" "\${data_dir}"
fi

`;
}

/** Backup Utilities of the configured release, checked against its SHA-256 when given. */
function utilsSection(input: BackupHostScriptInput): string {
    const q = shellQuote;
    return `# Backup Utilities, one directory per release; \`current\` points at the configured one.
if [ ! -x "\${install_dir}/\${utils_version}/bin/ghe-backup" ]; then
  archive=$(mktemp)
  curl -fsSL -o "\${archive}" ${q(utilsArchiveUrl(input.utilsVersion))}
  if [ -n "\${utils_sha256}" ]; then
    echo "\${utils_sha256}  \${archive}" | sha256sum -c --quiet -
  fi
  rm -rf "\${install_dir}/\${utils_version}.new"
  mkdir -p "\${install_dir}/\${utils_version}.new"
  tar -xzf "\${archive}" -C "\${install_dir}/\${utils_version}.new" --strip-components=1
  rm -f "\${archive}"
  mv -T "\${install_dir}/\${utils_version}.new" "\${install_dir}/\${utils_version}"
fi
ln -sfn "\${utils_version}" "\${install_dir}/current"

`;
}

/** The host's SSH key on the data volume. */
function sshKeySection(input: BackupHostScriptInput): string {
    const q = shellQuote;
    return `# The host's SSH key lives on the data volume, so a replaced host keeps its authorisation.
if [ ! -f "\${key}" ]; then
  install -d -m 0700 "$(dirname "\${key}")"
  ssh-keygen -q -t ed25519 -N '' -C ${q(`ghe-backup@${input.stack}`)} -f "\${key}"
fi

`;
}

/** backup.config, always pointing at the primary. */
function backupConfigSection(input: BackupHostScriptInput): string {
    return `# GHE_HOSTNAME is always the primary: backup-utils must not back up an HA replica.
install -d -m 0755 "$(dirname "\${GHE_BACKUP_CONFIG}")"
cat > "\${GHE_BACKUP_CONFIG}.new" <<EOF
GHE_HOSTNAME="\${primary}"
GHE_DATA_DIR="\${data_dir}/snapshots"
GHE_NUM_SNAPSHOTS=${input.snapshots}
GHE_EXTRA_SSH_OPTS="-i \${key} -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=\${data_dir}/ssh/known_hosts"
EOF
mv -f "\${GHE_BACKUP_CONFIG}.new" "\${GHE_BACKUP_CONFIG}"

`;
}

/** The key authorised on the primary through the Manage API when the connection check fails. */
function authoriseSection(): string {
    return `# Authorise the key on the primary only when the connection check fails (first run, or a new primary).
if ! "\${install_dir}/current/bin/ghe-host-check" > /dev/null 2>&1; then
  public_key=$(cat "\${key}.pub")
  if ! [[ "\${public_key}" =~ ^ssh-ed25519\\ [A-Za-z0-9+/=]+\\ [A-Za-z0-9@._-]+$ ]]; then
    echo "backup host: unexpected public key in \${key}.pub" >&2
    exit 1
  fi
  # The password stays in this process (manage_call): read from SSM, handed to curl on standard input.
  manage_call "https://\${service_name}:${MANAGE_API_PORT}/manage/v1/access/ssh" -X POST \\
    --resolve "\${service_name}:${MANAGE_API_PORT}:\${primary}" \\
    -H 'Content-Type: application/json' \\
    --data "{\\"key\\": \\"\${public_key}\\"}" > /dev/null
  "\${install_dir}/current/bin/ghe-host-check"
fi

`;
}

/** The cron file that runs ghe-backup. */
function cronSection(input: BackupHostScriptInput): string {
    const p = input.paths;
    const q = shellQuote;
    return `cat > ${q(`${p.cronFile}.new`)} <<'EOF'
${backupCronFile(input)}EOF
chmod 0644 ${q(`${p.cronFile}.new`)}
mv -f ${q(`${p.cronFile}.new`)} ${q(p.cronFile)}
`;
}
