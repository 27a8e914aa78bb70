/**
 * The GHES HA helper script a node of the ghes profile receives (a rendered file, run by the
 * node script's steps). It does what GitHub's documentation leaves to a person at the management
 * console, through the Manage GHES API (REST docs: rest/enterprise-admin/manage-ghes) with the
 * call the backup host uses too (ghes-manage-api.ts): the root site administrator password is
 * the operator's SecureString `<prefix>/ghes/management-password`, read into the process and
 * handed to curl on standard input, never on a command line, in user data or in an output.
 *
 * Sources (repository github/docs, under content/admin/monitoring-and-managing-your-instance/
 * configuring-high-availability/ unless noted):
 * - creating-a-high-availability-replica.md: license and the primary's admin password on the
 *   replica first (data/reusables/enterprise_installation/replica-steps.md); `ghe-repl-setup
 *   PRIMARY_IP` prints an SSH key, which is authorised on the primary; `ghe-repl-setup` again;
 *   further replicas only after the first, with `--add`; geo settings with `ghe-repl-node`;
 * - recovering-a-high-availability-configuration.md: a former primary is in maintenance mode before
 *   it is set up as a replica ("If you do not enable maintenance mode, you will cause a production
 *   outage");
 * - removing-a-high-availability-replica.md: `ghe-repl-stop`, then `ghe-repl-teardown`;
 * - initiating-a-failover-to-your-replica-appliance.md: replicas that were not promoted stay in the
 *   old primary's group until removed from it; appliances left out are decommissioned by UUID on the
 *   new primary (`ghe-repl-decommission UUID` from 3.18, `ghe-repl-teardown -u UUID` before).
 */
import { MANAGE_API_PORT, MANAGE_CALL, managementPasswordParameter } from "./ghes-manage-api";
import { shellQuote } from "./shell";

/** The helper's file name in the state directory. */
export const HELPER = "ghes-ha";

/** The role file: `primary`, `replica PRIMARY_ADDRESS` or `fenced`, as this package last left the node. */
export const ROLE_FILE = "ghes-role";

/**
 * The SSM SecureString holding the base64 of the GHES license (.ghl), beside the join secret under
 * the stack's parameter prefix, which the nodes' IAM policy already lets them read. The operator
 * creates it once (docs/profiles.md: GitHub Enterprise Server).
 */
export function licenseParameter(secretParameter: string): string {
    return `${secretParameter.replace(/\/[^/]*$/, "")}/ghes-license`;
}

/** The Manage API password parameter of the stack whose join secret is `secretParameter`. */
export function passwordParameter(secretParameter: string): string {
    return managementPasswordParameter(secretParameter.replace(/\/[^/]*$/, ""));
}

/** Tries (and the pause between them) while a further replica waits for the first one: 60 x 30 s. */
export const SEED_WAIT = { attempts: 60, seconds: 30 } as const;

/**
 * Comment lines cost SSM parameter space on every node (8 KB per node's whole configuration): the
 * rendered scripts keep their first comment block and drop the other comment-only lines, which stay
 * here in the source.
 */
function compact(script: string): string {
    const lines = script.split("\n");
    const body = lines.findIndex((l, i) => i > 0 && !l.startsWith("#"));
    return [...lines.slice(0, body), ...lines.slice(body).filter((l) => !/^\s*#/.test(l))].join("\n");
}

/**
 * The helper script of a node the config names `role`, whose package state lives in `stateDir`, of
 * the stack whose join secret is `secretParameter`. A primary's helper has only what a primary runs
 * (init, primary), which leaves room in its SSM parameter for the promotion script beside it.
 */
export function helperScript(stateDir: string, secretParameter: string, role: "primary" | "replica"): string {
    const replica = role === "replica";
    return compact(
        [
            helperHeader(stateDir, secretParameter),
            helperManage(),
            ...(replica ? [helperGuardLeave()] : []),
            helperInit(),
            ...(replica ? [helperSeed(), helperAuthorizeJoin()] : []),
            helperDispatch(role),
        ].join(""),
    );
}

/** The helper's header, its state files, the password parameter and the role record. */
function helperHeader(stateDir: string, secretParameter: string): string {
    return `#!/bin/bash
# GHES HA helper rendered by ha-service: the steps of GitHub's HA procedures that a person would
# otherwise do at the management console. Subcommands are called by this node's configuration
# script, one step each; a failing subcommand stops the run, and the next run retries from that step.
set -euo pipefail

state_dir=${shellQuote(stateDir)}
role_file="\${state_dir}/${ROLE_FILE}"
manage_password_param=${shellQuote(passwordParameter(secretParameter))}

set_role() {
  printf '%s\\n' "$1" > "\${role_file}.new"
  mv -f "\${role_file}.new" "\${role_file}"
}

`;
}

/** `manage_call` (shared with the backup host) and `manage`: one Manage API call as the root site administrator. */
function helperManage(): string {
    return `${MANAGE_CALL}
# manage METHOD HOST PATH [CURL ARGS]: one Manage API call (manage_call) as the root site
# administrator. The appliance's certificate is its own self-signed one until TLS is configured, hence -k.
manage() {
  local method=$1 host=$2 path=$3
  shift 3
  manage_call "https://\${host}:${MANAGE_API_PORT}/manage/v1/\${path}" -k -X "\${method}" "$@"
}

`;
}

/** `role` (the role file's line), `guard` (a former primary stays fenced) and `leave` (a replica leaves another primary's group). */
function helperGuardLeave(): string {
    return `# role: what this package last left the node as (the role file's line), in \${was}; bash reads it.
role() {
  was=""
  [ ! -f "\${role_file}" ] || IFS= read -r was < "\${role_file}" || true
}

# guard MODE: MODE is this node's entry in ghesHa.formerPrimaries (fenced or rejoin), else replica.
# A node this package last left as primary (or fenced) that is now told to be a replica is a former
# primary: it stays in maintenance mode and out of replication unless the stack says rejoin.
guard() {
  local mode=$1 was
  role
  case "\${was}" in
    primary | fenced) ;;
    *) return 0 ;;
  esac
  # recovering-a-high-availability-configuration.md: maintenance mode before it becomes a replica.
  ghe-maintenance -s
  if [ "\${mode}" = rejoin ]; then
    echo "former primary: in maintenance mode, re-joining as a replica (ghesHa.formerPrimaries says rejoin)"
    set_role fenced
    return 0
  fi
  set_role fenced
  echo "this node was primary and another node is primary now: it stays fenced (maintenance mode, not replicating)." >&2
  echo "To set it up as a replica of the current primary, set ghesHa.formerPrimaries.<this node>: rejoin." >&2
  return 1
}

# leave PRIMARY: a replica still in another primary's HA group leaves it before joining PRIMARY
# (removing-a-high-availability-replica.md: ghe-repl-stop, then ghe-repl-teardown). The role says
# "leaving" first, so a leave that stops half-way is finished by the next run, whichever primary the
# config names then, and never taken for a replica that follows it (join would skip its setup).
leave() {
  local primary=$1 was
  role
  case "\${was}" in
    "replica \${primary}" | primary | fenced | "") return 0 ;;
    replica\\ * | leaving\\ *)
      set_role "leaving \${was#* }"
      # Replication may be stopped already (by a run that failed, or by hand): reported, then torn down.
      ghe-repl-stop || echo "ghe-repl-stop failed: replication was stopped already" >&2
      ;;
    *) return 0 ;;
  esac
  ghe-repl-teardown
  rm -f "\${role_file}" "\${state_dir}/ghes-primary-uuid"
}

`;
}

/** `init`: license and password, once. */
function helperInit(): string {
    return `# init LICENSE_PARAMETER apply|setup: license and root site administrator password on this
# appliance, once (POST /manage/v1/config/init). A primary then applies them (ghe-config-apply); a
# replica goes on to ghe-repl-setup, as the management console's replica flow does.
init() {
  local parameter=$1 then=$2 license password status=0
  if manage GET localhost config/license -o /dev/null 2>/dev/null; then
    echo "license and password already set"
    return 0
  fi
  manage_password_read || return 1
  license=$(mktemp "\${state_dir}/license.XXXXXX")
  password=$(mktemp "\${state_dir}/password.XXXXXX")
  printf '%s' "\${manage_password}" > "\${password}"
  aws ssm get-parameter --region "\${manage_region}" --name "\${parameter}" --with-decryption \\
    --query Parameter.Value --output text | base64 -d > "\${license}" &&
    manage POST localhost config/init -F "license=@\${license}" -F "password=<\${password}" > /dev/null || status=$?
  rm -f "\${license}" "\${password}"
  [ "\${status}" -eq 0 ] || return "\${status}"
  if [ "\${then}" = apply ]; then
    ghe-config-apply
  fi
}

`;
}

/** `wait_for_seed`: the first replica runs before the others. */
function helperSeed(): string {
    return `# wait-for-seed PRIMARY: a further replica is set up only once the first one runs (creating-a-high-
# availability-replica.md): wait until PRIMARY's replication status lists a replica and is OK.
wait_for_seed() {
  local primary=$1 attempt status
  # Read here, not in each attempt's subshell (which would fetch it again every time).
  manage_password_read || return 1
  for attempt in $(seq 1 ${SEED_WAIT.attempts}); do
    # A status without "OK" anywhere is not OK: jq parses only one that may be.
    if status=$(manage GET "\${primary}" replication/status 2>/dev/null) && [[ \${status} == *'"OK"'* ]] &&
      jq -e '(.nodes | length) > 0 and .status == "OK"' <<< "\${status}" > /dev/null; then
      return 0
    fi
    echo "waiting for the first replica to run on \${primary} (attempt \${attempt} of ${SEED_WAIT.attempts})" >&2
    sleep ${SEED_WAIT.seconds}
  done
  echo "no replica runs on \${primary} yet: stopping here; the next run retries from this step" >&2
  return 1
}

`;
}

/** `authorize` (the replica's key on the primary), `geo` and `joined`. */
function helperAuthorizeJoin(): string {
    return `# authorize [--add] PRIMARY: ghe-repl-setup prints this replica's SSH key; authorise it on PRIMARY
# (POST /manage/v1/access/ssh) so the next ghe-repl-setup can connect.
authorize() {
  local primary=\${*: -1} out key="" re='(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp[0-9]+) [A-Za-z0-9+/=]+'
  if out=$(ghe-repl-setup "$@" 2>&1); then
    echo "\${out}"
    return 0
  fi
  # The first key in the output (what grep -o | head -n 1 gives), matched by bash.
  [[ ! \${out} =~ \${re} ]] || key=\${BASH_REMATCH[0]}
  if [ -z "\${key}" ]; then
    echo "\${out}" >&2
    echo "ghe-repl-setup printed no SSH key to authorise on \${primary}" >&2
    return 1
  fi
  # The key is [A-Za-z0-9+/=] and a type name: a JSON string as it is. It is public, so on the command line.
  manage POST "\${primary}" access/ssh -H 'Content-Type: application/json' --data "{\\"key\\": \\"\${key}\\"}" > /dev/null
}

# geo PRIMARY DATACENTER active|inactive: this replica's datacenter and state (ghe-repl-node), then a
# config apply on PRIMARY (POST /manage/v1/config/apply), as creating-a-high-availability-replica.md
# says. Skipped on a replica that followed PRIMARY before this run (its join steps were skipped) when
# the settings last applied (ghes-geo) are these; a replica set up in this run gets them again.
geo() {
  local want="$1 $2 $3" have="" was
  [ ! -f "\${state_dir}/ghes-geo" ] || IFS= read -r have < "\${state_dir}/ghes-geo" || true
  role
  if [ "\${was}" = "replica $1" ] && [ "\${have}" = "\${want}" ]; then
    echo "datacenter $2, $3, applied on $1 already"
    return 0
  fi
  ghe-repl-node --datacenter "$2" "--$3"
  manage POST "$1" config/apply > /dev/null
  printf '%s\\n' "\${want}" > "\${state_dir}/ghes-geo.new"
  mv -f "\${state_dir}/ghes-geo.new" "\${state_dir}/ghes-geo"
}

# joined PRIMARY: records the primary this replica follows and that primary's UUID, which the
# replica decommissions if it is ever promoted in its place.
joined() {
  local primary=$1 uuid
  manage_password_read || return 1
  uuid=$(manage GET "\${primary}" config/nodes | jq -r '[.nodes[] | select(.replica == false) | .uuid][0] // empty')
  printf '%s\\n' "\${uuid}" > "\${state_dir}/ghes-primary-uuid"
  set_role "replica \${primary}"
}

`;
}

/**
 * The subcommand dispatch, and `join PRIMARY STEP...`: the node script routes each step of joining
 * PRIMARY's HA group through it, so a step is skipped on a replica that `joined` PRIMARY already.
 * Any change to this file re-runs every later step of the node's configuration (nodescript.ts), so
 * without it a new helper (an upgrade of this package) would set up running replicas again, and
 * the first replica's `ghe-repl-setup PRIMARY` (no --add) would fail on a primary that has replicas.
 */
function helperDispatch(role: "primary" | "replica"): string {
    const join = `# join PRIMARY STEP...: a step of joining PRIMARY, skipped once this replica follows PRIMARY (joined).
if [ "\${command}" = join ]; then
  role
  if [ "\${was}" = "replica $1" ]; then
    echo "a replica of $1 already: $2 skipped"
    exit 0
  fi
  command=$2
  shift 2
fi
`;
    const cases =
        role === "primary"
            ? ['init) init "$@" ;;', "primary) set_role primary ;;"]
            : [
                  ...["guard", "leave", "init", "wait-for-seed", "authorize", "geo", "joined"].map(
                      (c) => `${c}) ${c.replaceAll("-", "_")} "$@" ;;`,
                  ),
                  'ghe-repl-setup | ghe-config-apply | ghe-repl-start) "${command}" "$@" ;;',
              ];
    return `command=$1
shift
${role === "replica" ? join : ""}case "\${command}" in
${cases.map((c) => `  ${c}\n`).join("")}  *)
    echo "unknown command \${command}" >&2
    exit 2
    ;;
esac
`;
}

/**
 * Run on the node the config names primary. It promotes only an appliance this package last set up
 * as a replica, so it does nothing on a primary that never was one (or was promoted already). The
 * operator's part (maintenance mode on the old primary and the active replicas, the drain) comes
 * before the config change: runbook promote-<node>.
 */
export function promoteScript(node: string, stateDir: string): string {
    return compact(`#!/bin/bash
# Promotion of ${node}, rendered because the stack config names it primary (GitHub's
# initiating-a-failover-to-your-replica-appliance.md). Before changing \`primary\`: maintenance mode
# on the old primary (if it still runs) and on every active replica, Git operations, MySQL queries
# and job queues drained to zero. Afterwards the load balancer or DNS record points here.
set -euo pipefail

state_dir=${shellQuote(stateDir)}
role_file="\${state_dir}/${ROLE_FILE}"
case "$(cat "\${role_file}" 2>/dev/null || true)" in
  # A replica that was leaving its group (stopped, maybe not torn down) is still one to promote.
  replica\\ * | leaving\\ *) ;;
  *)
    echo "${node} is not a replica set up by ha-service: nothing to promote"
    exit 0
    ;;
esac
# With the old primary down the status is critical; that is why we are promoting.
ghe-repl-status -vv || echo "replication is not healthy; promoting ${node} anyway" >&2
ghe-repl-promote
printf 'primary\\n' > "\${role_file}"
# The old primary is left out of the new HA group until the stack lets it re-join: decommission its
# UUID here, on the new primary (ghe-repl-decommission from GHES 3.18, ghe-repl-teardown -u before).
uuid_file="\${state_dir}/ghes-primary-uuid"
if [ -s "\${uuid_file}" ]; then
  uuid=$(cat "\${uuid_file}")
  if command -v ghe-repl-decommission > /dev/null; then
    ghe-repl-decommission "\${uuid}"
  else
    ghe-repl-teardown -u "\${uuid}"
  fi
  rm -f "\${uuid_file}"
fi
`);
}
