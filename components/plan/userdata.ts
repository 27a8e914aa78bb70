/**
 * Boot-time configuration of a node. It names the SSM parameters to read and nothing that changes
 * on a promotion (no role, no addresses, no secret), so user data never changes for a running node.
 */

export const APPLY_SCRIPT_PATH = "/usr/local/sbin/ha-service-apply";
export const STATE_DIR = "/etc/ha-service";

/** SSM parameters a node reads; their names hold no role, address or secret. */
export interface NodeParameters {
    /** The node's replication document (JSON). */
    readonly document: string;
    /** The script that writes the node's rendered files and runs its commands (plan/nodescript.ts). */
    readonly config: string;
    /** The join secret (SecureString). */
    readonly secret: string;
    /** The node's state directory (the profile's `stateDir`); default STATE_DIR. */
    readonly stateDir?: string;
}

/**
 * Bash that sets `region` from the instance metadata (IMDSv2) and defines `fetch NAME FILE [ARGS]`,
 * which writes an SSM parameter's value to FILE, retrying while it is still being written.
 */
export const SSM_FETCH = `token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
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

`;

/**
 * The script that fetches a node's replication document, its rendered config and the join secret,
 * applies the config and hands the document to the service's hook.
 */
export function applyScript(params: NodeParameters): string {
    return `#!/bin/bash
# Fetches this node's replication document, its rendered configuration and the join secret from SSM
# Parameter Store, applies the configuration and runs the service's hook. Run at boot by cloud-init
# and again by the SSM association whenever the document or the configuration changes.
set -euo pipefail

# cloud-init at first boot and the State Manager association may start this at the same moment:
# one run at a time, so a join step never runs twice in parallel.
exec 9>/run/ha-service-apply.lock
flock 9

doc_param='${params.document}'
config_param='${params.config}'
secret_param='${params.secret}'
state_dir='${params.stateDir ?? STATE_DIR}'

${SSM_FETCH}install -d -m 0700 "\${state_dir}"
umask 077
fetch "\${doc_param}" "\${state_dir}/replication.json"
fetch "\${secret_param}" "\${state_dir}/join-secret" --with-decryption
fetch "\${config_param}" "\${state_dir}/node-config.sh"
bash "\${state_dir}/node-config.sh"

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

/** How the association's commands name the node: SSM replaces it with the association's `node` parameter. */
export const NODE_PARAMETER_REF = "{{ node }}";

/**
 * What the node's SSM association runs: the apply script itself (its parameter names hold
 * NODE_PARAMETER_REF), written to /run (a tmpfs) and run with bash on every run. So nothing the
 * association needs lives on the root filesystem, which a GHES upgrade replaces
 * (github/docs content/admin/upgrading-your-instance/); the copy user data installs at
 * APPLY_SCRIPT_PATH serves only the first boot. The wrapper is POSIX sh, as the SSM agent may run
 * the commands with sh.
 */
export function associationCommands(params: NodeParameters): string[] {
    return [
        "set -e",
        "script=$(mktemp /run/ha-service-apply.XXXXXX)",
        "cat > \"${script}\" <<'HA_SERVICE_APPLY'",
        ...applyScript(params).trimEnd().split("\n"),
        "HA_SERVICE_APPLY",
        "status=0",
        'bash "${script}" || status=$?',
        'rm -f "${script}"',
        'exit "${status}"',
    ];
}

/** cloud-init user data: install the apply script and run it once. */
export function renderUserData(params: NodeParameters): string {
    return cloudConfig(APPLY_SCRIPT_PATH, applyScript(params));
}

/** cloud-init user data that installs `script` at `path` (root only) and runs it once. */
export function cloudConfig(path: string, script: string): string {
    return `#cloud-config
write_files:
  - path: ${path}
    owner: root:root
    permissions: "0755"
    content: |
${indent(script.trimEnd(), 6)}
runcmd:
  - [${path}]
`;
}
