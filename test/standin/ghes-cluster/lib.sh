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
self=$(< "$state/hostname")
echo "${0##*/}${*:+ $*}" >> "$state/calls"
fail() { echo "${0##*/} (stand-in): $*" >&2; exit 1; }
# cluster.conf as one `git config --list` reads it when the command starts (one git process, not one
# per key): each key's value (the last one, as `git config --get` gives it) in ${cluster[key]}, the
# node names of its cluster.<node>.hostname keys in file order in ${nodes[@]}. The commands write
# with git config as GHES does.
declare -A cluster=()
nodes=()
if [ -s "$conf" ]; then
  listing=$(git config -f "$conf" --list) || fail "cannot read $conf"
  while IFS= read -r entry; do
    key=${entry%%=*}
    if [[ $entry == *=* ]]; then cluster[$key]=${entry#*=}; else cluster[$key]=""; fi
    if [[ $key == cluster.*.hostname ]]; then
      node=${key#cluster.}
      nodes+=("${node%.hostname}")
    fi
  done <<< "$listing"
fi
# retired HOST: HOST is a host name a removed node had.
retired() {
  local line
  [ -f "$state/retired" ] || return 1
  while IFS= read -r line; do [ "$line" != "$1" ] || return 0; done < "$state/retired"
  return 1
}
# initializing-the-cluster.md, command-line-utilities.md: run from the primary MySQL node (mysql-master).
on_mysql_primary() {
  [ -s "$conf" ] || fail "no cluster.conf"
  [ "${cluster[cluster.mysql-master]:-}" = "$self" ] || fail "runs on the MySQL primary (${cluster[cluster.mysql-master]:-}), not on $self"
}
