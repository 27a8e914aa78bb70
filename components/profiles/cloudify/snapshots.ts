/**
 * Scheduled Cloudify snapshots, kept off the managers. Cloudify's snapshot guide
 * (cloudify-cosmo/docs.getcloudify.org, content/working_with/manager/snapshots.md) and the HA guide
 * (content/working_with/manager/high-availability-clusters.md: operations only on the active
 * manager; snapshots do not include the cluster): every manager has the timer, and only the active
 * one creates a snapshot, downloads the archive and uploads it to the stack's bucket.
 */
import type { RenderedFile } from "../types";
import { REST_TENANT, REST_USER } from "./health";

export const SNAPSHOT_UNIT = "ha-service-cloudify-snapshot";
export const snapshotScriptPath = (stateDir: string) => `${stateDir}/cloudify-snapshot.sh`;

const SNAPSHOT_SCRIPT = `#!/bin/bash
# On the active Cloudify manager only: cfy snapshots create, wait until it is created, download the
# archive and upload it to the stack's bucket, then delete it from the manager. Standbys do nothing.
#   cloudify-snapshot.sh BUCKET_PARAMETER KEY_PREFIX
set -euo pipefail
bucket_param=$1
key_prefix=$2
state_dir=$(dirname "$(readlink -f "$0")")
export CLOUDIFY_USERNAME='${REST_USER}' CLOUDIFY_TENANT='${REST_TENANT}'
CLOUDIFY_PASSWORD=$(cat "\${state_dir}/join-secret")
export CLOUDIFY_PASSWORD

credentials() {
  printf 'user = "%s:%s"\\n' "\${CLOUDIFY_USERNAME}" "\${CLOUDIFY_PASSWORD}"
}

status=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 -K <(credentials) -H "Tenant: \${CLOUDIFY_TENANT}" \\
  https://127.0.0.1/api/v3.1/status || true)
if [ "\${status}" != 200 ]; then
  echo "not the active manager (status \${status}): no snapshot"
  exit 0
fi

token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
region=$(curl -fsS -H "X-aws-ec2-metadata-token: \${token}" http://169.254.169.254/latest/meta-data/placement/region)
self=$(curl -fsS -H "X-aws-ec2-metadata-token: \${token}" http://169.254.169.254/latest/meta-data/local-ipv4)
bucket=$(aws ssm get-parameter --region "\${region}" --name "\${bucket_param}" --query Parameter.Value --output text)

id="ha-$(date -u +%Y%m%dT%H%M%SZ)"
cfy profiles use "\${self}"
cfy snapshots create "\${id}"
# The snapshot is created by a workflow: wait for its status in "cfy snapshots list" (column "status").
snapshot_status() {
  cfy snapshots list | awk -F '|' -v id="\${id}" '
    NF <= 3 { next }
    { for (i = 2; i < NF; i++) { v = $i; gsub(/ /, "", v); cell[i] = v } }
    col == 0 { for (i = 2; i < NF; i++) if (cell[i] == "status") col = i; idcol = 0
               for (i = 2; i < NF; i++) if (cell[i] == "id") idcol = i; next }
    col > 0 && cell[idcol] == id { print cell[col] }'
}
for attempt in $(seq 1 360); do
  state=$(snapshot_status)
  case "\${state}" in
    created) break ;;
    failed)
      echo "snapshot \${id} failed" >&2
      exit 1
      ;;
  esac
  if [ "\${attempt}" -eq 360 ]; then
    echo "snapshot \${id} not created after an hour (status \${state:-unknown})" >&2
    exit 1
  fi
  sleep 10
done

work=$(mktemp -d)
trap 'rm -rf "\${work}"' EXIT
cfy snapshots download "\${id}" --output-path "\${work}/\${id}.zip"
aws s3 cp --region "\${region}" --only-show-errors "\${work}/\${id}.zip" "s3://\${bucket}/\${key_prefix}\${id}.zip"
cfy snapshots delete "\${id}"
echo "snapshot \${id} uploaded to s3://\${bucket}/\${key_prefix}\${id}.zip"
`;

export function snapshotAsset(stateDir: string): RenderedFile {
    return { path: snapshotScriptPath(stateDir), mode: "0700", content: SNAPSHOT_SCRIPT };
}

export interface SnapshotSettings {
    readonly bucketParameter: string;
    readonly keyPrefix: string;
    readonly onCalendar: string;
}

/** The oneshot service and its timer (`Persistent=true`: a run missed while the node was down runs at boot). */
export function snapshotFiles(stateDir: string, s: SnapshotSettings): RenderedFile[] {
    return [
        {
            path: `${stateDir}/${SNAPSHOT_UNIT}.service`,
            mode: "0644",
            content: `[Unit]
Description=Cloudify snapshot to the stack's S3 bucket (active manager only)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=/bin/bash ${snapshotScriptPath(stateDir)} ${s.bucketParameter} ${s.keyPrefix}
`,
        },
        {
            path: `${stateDir}/${SNAPSHOT_UNIT}.timer`,
            mode: "0644",
            content: `[Unit]
Description=Scheduled Cloudify snapshots

[Timer]
OnCalendar=${s.onCalendar}
Persistent=true

[Install]
WantedBy=timers.target
`,
        },
    ];
}

export function snapshotCommands(stateDir: string): string[] {
    return [
        `systemctl link ${stateDir}/${SNAPSHOT_UNIT}.service`,
        `systemctl enable ${stateDir}/${SNAPSHOT_UNIT}.timer`,
        "systemctl daemon-reload",
        `systemctl restart ${SNAPSHOT_UNIT}.timer`,
    ];
}
