/**
 * The one way this package calls the Manage GHES API (REST docs, github/docs
 * `content/rest/enterprise-admin/manage-ghes.md`: basic authentication as `api_key` with the root
 * site administrator password, on the administration port 8443 with TLS), shared by the HA nodes'
 * helper (ghes-manage.ts: license and password, authorising a replica's key) and the
 * backup host's script (plan/backuphost-script.ts: authorising its key). It lives with the
 * profiles, the lowest layer, because the ghes profile's helper renders it.
 *
 * One password for both: the SSM SecureString `managementPasswordParameter(prefix)`, which the
 * operator creates before the first `pulumi up`, as for the license. The primary's `config/init`
 * sets it as the root site administrator password (so it is also the Management Console's), a
 * replica gets the same one (replica-steps.md: the primary's admin password on the replica), and
 * the backup host reads it. Who reads it: the nodes' role (its Allow on the stack's parameter
 * prefix; plan/iam.ts) and the backup host's role (this parameter and its script only; it is denied
 * the join secret). It is read into the calling process, handed to curl on standard input, and
 * never put in user data, an argument list, a file or an output.
 */

/** Administration port of the Management Console and the Manage API with TLS (REST docs, manage-ghes). */
export const MANAGE_API_PORT = 8443;

/** The SSM SecureString with the GHES root site administrator password, under the stack's prefix. */
export function managementPasswordParameter(prefix: string): string {
    return `${prefix}/ghes/management-password`;
}

/**
 * Bash that defines `manage_password_read` (sets `manage_password` once per process from the SSM
 * parameter named by `${manage_password_param}`, which the caller sets, and `manage_region`, the
 * instance's region from IMDSv2) and `manage_call URL [CURL ARGS]`: one Manage API call as `api_key` with that
 * password. Callers add their own TLS options: the nodes `-k` (self-signed until TLS is
 * configured), the backup host `--resolve` so the certificate is checked for `dns.name`. A caller
 * that runs `manage_call` in a subshell (`$(...)`) calls `manage_password_read` first: what a
 * subshell reads is lost when it ends, so each call would fetch the password (IMDS token, region,
 * SSM GetParameter) again.
 */
export const MANAGE_CALL = `manage_password="" manage_region=""
manage_password_read() {
  local token
  [ -z "\${manage_password}" ] || return 0
  token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
  manage_region=$(curl -fsS -H "X-aws-ec2-metadata-token: \${token}" http://169.254.169.254/latest/meta-data/placement/region)
  manage_password=$(aws ssm get-parameter --region "\${manage_region}" --name "\${manage_password_param}" --with-decryption --query Parameter.Value --output text)
}
manage_call() {
  local url=$1 escaped status=0
  shift
  manage_password_read || return 1
  escaped=\${manage_password//\\\\/\\\\\\\\}
  escaped=\${escaped//\\"/\\\\\\"}
  printf 'user = "api_key:%s"\\n' "\${escaped}" | curl -fsS -K - "$@" "\${url}" || status=$?
  return "\${status}"
}
`;
