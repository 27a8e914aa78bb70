/**
 * Cluster membership of a Cloudify Manager 4.x node, decided on the node at run time.
 *
 * Rules, from Cloudify's HA guide (cloudify-cosmo/docs.getcloudify.org,
 * content/working_with/manager/high-availability-clusters.md, "Creating a Cluster", "Health
 * Checks", "Finding the Active Cloudify Manager"):
 * - `cfy cluster start` runs once per cluster, on the first manager;
 * - every other manager must be empty and runs `cfy cluster join --cluster-host-ip OWN_IP
 *   --cluster-node-name NAME ACTIVE_IP`; host names are not supported, only IP addresses;
 * - a manager that is down stays a member until `cfy cluster nodes remove NAME` runs, and operations
 *   can only be performed on the active manager;
 * - the active manager answers `GET /api/v3.1/status` with 200, the others with 400 (credentials
 *   required).
 *
 * How the stack knows the cluster exists: the SSM parameter `clusterStateParameter` (created by the
 * stack with the value `not-started`) is set to `started` by the manager that ran `cfy cluster
 * start`. Only the starter (`leaders.manager`) may start, and only while the parameter says
 * `not-started`; afterwards every manager, a replaced leader included, joins the active manager it
 * finds by asking each peer's status. Removals run against the active manager found the same way.
 */
import type { RenderedFile } from "../types";
import { REST_TENANT, REST_USER } from "./health";

/** Values of the cluster-state parameter. */
export const CLUSTER_NOT_STARTED = "not-started";
export const CLUSTER_STARTED = "started";

export const clusterScriptPath = (stateDir: string) => `${stateDir}/cloudify-cluster.sh`;

function clusterScript(stateParameter: string): string {
    return [
        clusterHeader(stateParameter),
        clusterRestHelpers(),
        clusterStateHelpers(),
        clusterMember(),
        clusterRemove(),
        clusterDispatch(),
    ].join("");
}

/** Usage, the state directory and the retry settings. */
function clusterHeader(stateParameter: string): string {
    return `#!/bin/bash
# Cloudify Manager 4.x cluster membership of this manager (see the Cloudify HA guide,
# docs.getcloudify.org content/working_with/manager/high-availability-clusters.md).
#   cloudify-cluster.sh member SELF_IP NAME starter|joiner PEER_IP...
#       start the cluster (starter, once per cluster) or join its active manager; no-op for a member
#   cloudify-cluster.sh remove NAME MANAGER_IP...
#       remove the departed manager NAME on the active manager among MANAGER_IP; no-op once gone
set -euo pipefail

# The state directory holds this script, the member marker and the join secret.
state_dir=$(dirname "$(readlink -f "$0")")
member_marker="\${state_dir}/cluster-member"
state_param='${stateParameter}'
# At first boot the managers install at the same time: wait up to 30 x 20 s for the cluster.
attempts=30
pause=20

export CLOUDIFY_USERNAME='${REST_USER}' CLOUDIFY_TENANT='${REST_TENANT}'
CLOUDIFY_PASSWORD=$(cat "\${state_dir}/join-secret")
export CLOUDIFY_PASSWORD

`;
}

/** REST credentials, a manager's status and the active one among several. */
function clusterRestHelpers(): string {
    return `# REST credentials go to curl on a file descriptor, never on a command line.
credentials() {
  printf 'user = "%s:%s"\\n' "\${CLOUDIFY_USERNAME}" "\${CLOUDIFY_PASSWORD}"
}

# rest_status IP: HTTP code of GET /api/v3.1/status on IP (000 when it does not answer).
rest_status() {
  curl -sk -o /dev/null -w '%{http_code}' --max-time 5 -K <(credentials) -H "Tenant: \${CLOUDIFY_TENANT}" \\
    "https://$1/api/v3.1/status" || true
}

# active_among IP...: prints the first IP whose manager is the active one; fails when none is.
active_among() {
  local ip
  for ip in "$@"; do
    if [ "$(rest_status "\${ip}")" = 200 ]; then
      echo "\${ip}"
      return 0
    fi
  done
  return 1
}

`;
}

/** The region, the cluster-state parameter, the Cloudify version check and membership. */
function clusterStateHelpers(): string {
    return `region() {
  local token
  token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
  curl -fsS -H "X-aws-ec2-metadata-token: \${token}" http://169.254.169.254/latest/meta-data/placement/region
}

cluster_state() {
  aws ssm get-parameter --region "$(region)" --name "\${state_param}" --query Parameter.Value --output text
}

# The cfy cluster commands exist in Cloudify 4.x only (5.x replaced them with the Cluster Manager).
check_version() {
  local version
  version=$(curl -fsSk --max-time 5 -K <(credentials) -H "Tenant: \${CLOUDIFY_TENANT}" https://127.0.0.1/api/v3.1/version |
    sed -n 's/.*"version": *"\\([^"]*\\)".*/\\1/p')
  case "\${version}" in
    4.*) ;;
    *)
      echo "Cloudify Manager \${version:-of unknown version}: this stack supports Cloudify 4.x only ('cfy cluster'); 5.x replaced it with the Cluster Manager" >&2
      return 1
      ;;
  esac
}

# listed NAME: NAME is a member of the cluster of the CLI profile's (active) manager.
listed() {
  cfy cluster nodes list | awk -F '|' 'NF > 3 { gsub(/ /, "", $2); print $2 }' | grep -Fx -- "$1" > /dev/null
}

`;
}

/** `member`: start the cluster or join its active manager. */
function clusterMember(): string {
    return `member() {
  local self=$1 name=$2 kind=$3 attempt active state
  shift 3
  if [ -e "\${member_marker}" ]; then
    echo "\${name} is a member of the cluster already"
    return 0
  fi
  check_version
  for attempt in $(seq 1 "\${attempts}"); do
    # An assignment, so a failed read stops the script (set -e) instead of reading as "not started".
    state=$(cluster_state)
    if [ "\${state}" = '${CLUSTER_STARTED}' ]; then
      if active=$(active_among "$@"); then
        # A replacement keeps its predecessor's name, which stays a member until removed.
        cfy profiles use "\${active}"
        if listed "\${name}"; then
          cfy cluster nodes remove "\${name}"
        fi
        cfy profiles use "\${self}"
        cfy cluster join --cluster-host-ip "\${self}" --cluster-node-name "\${name}" "\${active}"
        touch "\${member_marker}"
        return 0
      fi
      echo "the cluster exists, but no peer answers as the active manager yet (attempt \${attempt})" >&2
    elif [ "\${state}" != '${CLUSTER_NOT_STARTED}' ]; then
      echo "\${state_param} holds '\${state}', neither ${CLUSTER_STARTED} nor ${CLUSTER_NOT_STARTED}" >&2
      return 1
    elif [ "\${kind}" = starter ]; then
      cfy profiles use "\${self}"
      # A run that stopped after the start but before recording it must not start again.
      if ! cfy cluster nodes list > /dev/null 2>&1; then
        cfy cluster start --cluster-host-ip "\${self}" --cluster-node-name "\${name}"
      fi
      aws ssm put-parameter --region "$(region)" --name "\${state_param}" --type String --value '${CLUSTER_STARTED}' --overwrite > /dev/null
      touch "\${member_marker}"
      return 0
    else
      echo "waiting for the cluster to be started (attempt \${attempt})" >&2
    fi
    sleep "\${pause}"
  done
  echo "gave up waiting for the cluster after \${attempts} attempts" >&2
  return 1
}

`;
}

/** `remove`: remove a departed manager on the active one. */
function clusterRemove(): string {
    return `remove() {
  local name=$1 attempt active
  shift
  for attempt in $(seq 1 "\${attempts}"); do
    if active=$(active_among "$@"); then
      cfy profiles use "\${active}"
      if listed "\${name}"; then
        cfy cluster nodes remove "\${name}"
      else
        echo "\${name} is not a member of the cluster"
      fi
      return 0
    fi
    echo "no manager answers as the active one yet (attempt \${attempt})" >&2
    sleep "\${pause}"
  done
  echo "gave up: no active manager to remove \${name} on" >&2
  return 1
}

`;
}

/** The subcommand dispatch. */
function clusterDispatch(): string {
    return `case "\${1:-}" in
  member | remove)
    "$@"
    ;;
  *)
    echo "usage: $0 member SELF_IP NAME starter|joiner PEER_IP... | remove NAME MANAGER_IP..." >&2
    exit 2
    ;;
esac
`;
}

/** The cluster script: the same on every node (a profile asset). */
export function clusterAsset(stateDir: string, stateParameter: string): RenderedFile {
    return { path: clusterScriptPath(stateDir), mode: "0700", content: clusterScript(stateParameter) };
}

export interface Membership {
    readonly self: string;
    readonly name: string;
    /** This node may start the cluster (`leaders.manager`), while it has never been started. */
    readonly starter: boolean;
    readonly peers: readonly string[];
    /** Departed managers this node removes (the starter does, against the active manager). */
    readonly removed: readonly string[];
}

export function clusterCommands(stateDir: string, m: Membership): string[] {
    const script = `bash ${clusterScriptPath(stateDir)}`;
    const member = `${script} member ${m.self} ${m.name} ${m.starter ? "starter" : "joiner"} ${m.peers.join(" ")}`.trimEnd();
    const managers = [m.self, ...m.peers].join(" ");
    return [member, ...(m.starter ? m.removed.map((name) => `${script} remove ${name} ${managers}`) : [])];
}
