/**
 * Boot-time configuration of a node. It names the SSM parameters to read and nothing that changes
 * on a promotion (no role, no addresses, no secret), so user data never changes for a running node.
 */

export const APPLY_SCRIPT_PATH = "/usr/local/sbin/ha-service-apply";
export const STATE_DIR = "/etc/ha-service";

/** The script that fetches a node's replication document and the join secret and hands them on. */
export function applyScript(documentParameter: string, secretParameter: string): string {
    return `#!/bin/bash
# Fetches this node's replication document and the join secret from SSM Parameter Store and runs
# the service's hook with them. Run at boot by cloud-init and again by the SSM association whenever
# the document changes.
set -euo pipefail

doc_param='${documentParameter}'
secret_param='${secretParameter}'
state_dir='${STATE_DIR}'

token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
region=$(curl -fsS -H "X-aws-ec2-metadata-token: \${token}" http://169.254.169.254/latest/meta-data/placement/region)

# At first boot the parameters may still be being written: retry for up to five minutes.
fetch() {
  local name=$1 out=$2 attempt
  shift 2
  for attempt in $(seq 1 30); do
    if aws ssm get-parameter --region "\${region}" --name "\${name}" "$@" \\
      --query Parameter.Value --output text > "\${out}.new"; then
      mv "\${out}.new" "\${out}"
      return 0
    fi
    echo "waiting for \${name} (attempt \${attempt})" >&2
    sleep 10
  done
  return 1
}

install -d -m 0700 "\${state_dir}"
umask 077
fetch "\${doc_param}" "\${state_dir}/replication.json"
fetch "\${secret_param}" "\${state_dir}/join-secret" --with-decryption

if [ -x "\${state_dir}/hooks/apply" ]; then
  "\${state_dir}/hooks/apply" "\${state_dir}/replication.json"
fi
`;
}

function indent(text: string, spaces: number): string {
    const pad = " ".repeat(spaces);
    return text
        .split("\n")
        .map((line) => (line.length ? pad + line : line))
        .join("\n");
}

/** cloud-init user data: install the apply script and run it once. */
export function renderUserData(documentParameter: string, secretParameter: string): string {
    return `#cloud-config
write_files:
  - path: ${APPLY_SCRIPT_PATH}
    owner: root:root
    permissions: "0755"
    content: |
${indent(applyScript(documentParameter, secretParameter).trimEnd(), 6)}
runcmd:
  - [${APPLY_SCRIPT_PATH}]
`;
}
