#!/bin/sh
# One-shot former of the Redis Cluster of docker-compose.redis-ha.yml (profile `cluster`) and k8s/cluster/:
#
#   cluster-create.sh <host:port> <host:port> ...    every node, 3 primaries + 3 replicas for six
#
# Waits until every node answers PING, then, if no node serves a slot yet, runs
# `redis-cli --cluster create <ip:port>... --cluster-replicas 1 --cluster-yes` and waits for `cluster_state:ok`
# everywhere. Idempotent: once a node serves slots the cluster is formed and is never created again; the nodes
# are only re-introduced (CLUSTER MEET at their current address), which rejoins nodes that all came back with
# new IPs at once (each remembers the others' old ones in nodes.conf and the bus has no host names).
#
# Host names are resolved here: `--cluster create` and CLUSTER MEET take IP addresses only (Redis 7.0).
# It connects as `admin`: REDIS_ACL_ADMIN_PASSWORD (DEV-ONLY default as in render-config.sh) is handed to
# redis-cli through REDISCLI_AUTH, never on a command line. CLUSTER_CREATE_TIMEOUT_S (default 300) bounds
# each wait; on a timeout it exits 1, naming what it waited for.
set -eu

[ $# -ge 1 ] || { echo 'usage: cluster-create.sh <host:port> <host:port> ...' >&2; exit 2; }
REDISCLI_AUTH=${REDIS_ACL_ADMIN_PASSWORD:-admin-dev-password}
export REDISCLI_AUTH
timeout_s=${CLUSTER_CREATE_TIMEOUT_S:-300}
replicas=${CLUSTER_REPLICAS:-1}

# The IPv4 address of a host name (an address is returned as it is).
resolve() { getent ahostsv4 "$1" 2>/dev/null | awk 'NR == 1 { print $1 }'; }
# cli <host> <port> <command...>
cli() {
  h=$1 p=$2
  shift 2
  redis-cli --user admin -h "$h" -p "$p" "$@"
}
field() { cli "$1" "$2" cluster info | tr -d '\r' | sed -n "s/^$3://p"; }

# wait_for <what> <command...>: retries the command every second until it succeeds or the timeout.
wait_for() {
  what=$1
  shift
  waited=0
  until "$@"; do
    waited=$((waited + 1))
    if [ "$waited" -ge "$timeout_s" ]; then
      echo "cluster-create.sh: gave up after ${timeout_s}s waiting for $what" >&2
      exit 1
    fi
    sleep 1
  done
}

answers() { ip=$(resolve "$1") && [ -n "$ip" ] && [ "$(cli "$ip" "$2" ping 2>/dev/null)" = PONG ]; }

addresses=''
for node in "$@"; do
  host=${node%:*}
  port=${node##*:}
  wait_for "$node to answer PING" answers "$host" "$port"
  addresses="$addresses $(resolve "$host"):$port"
done
echo "cluster-create.sh: every node answers:$addresses"

formed=''
for address in $addresses; do
  assigned=$(field "${address%:*}" "${address##*:}" cluster_slots_assigned)
  if [ "${assigned:-0}" -gt 0 ]; then formed=$address; fi
done

if [ -n "$formed" ]; then
  echo "cluster-create.sh: already formed (slots assigned, seen from $formed): re-introducing the nodes at their addresses"
  for address in $addresses; do
    [ "$address" = "$formed" ] || cli "${formed%:*}" "${formed##*:}" cluster meet "${address%:*}" "${address##*:}" > /dev/null
  done
else
  # shellcheck disable=SC2086 # one argument per address
  redis-cli --user admin --cluster create $addresses --cluster-replicas "$replicas" --cluster-yes
fi

ok() { [ "$(field "$1" "$2" cluster_state)" = ok ]; }
for address in $addresses; do
  wait_for "$address to report cluster_state:ok" ok "${address%:*}" "${address##*:}"
done
echo "cluster-create.sh: cluster_state:ok on every node"
set -- $addresses
cli "${1%:*}" "${1##*:}" cluster nodes
