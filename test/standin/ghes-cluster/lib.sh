# Shared by the stand-in GHES cluster commands. State lives in $GHES_STANDIN_STATE:
#   hostname     this appliance's host name
#   cluster.conf /data/user/common/cluster.conf of this appliance (git-config format, read with real git)
#   calls        every stand-in call, one a line, in order
#   retired      host names of removed nodes (GHES forbids reusing them)
#   applied.conf the cluster.conf the last apply distributed to the nodes
# Each command enforces the precondition GitHub documents and fails like the real one would.
set -euo pipefail
state=${GHES_STANDIN_STATE:?GHES_STANDIN_STATE is not set}
conf=$state/cluster.conf
self=$(cat "$state/hostname")
echo "${0##*/}${*:+ $*}" >> "$state/calls"
fail() { echo "${0##*/} (stand-in): $*" >&2; exit 1; }
get() { git config -f "$conf" --get "$1" || true; }
# initializing-the-cluster.md, command-line-utilities.md: run from the primary MySQL node (mysql-master).
on_mysql_primary() {
  [ -s "$conf" ] || fail "no cluster.conf"
  [ "$(get cluster.mysql-master)" = "$self" ] || fail "runs on the MySQL primary ($(get cluster.mysql-master)), not on $self"
}
nodes() { git config -f "$conf" --name-only --get-regexp '^cluster\..*\.hostname$' | sed 's/^cluster\.//;s/\.hostname$//'; }
