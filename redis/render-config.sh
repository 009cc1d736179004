#!/bin/sh
# Container entrypoint for the Redis and Sentinel services of docker-compose.redis-ha.yml and k8s/:
# renders the committed files of this directory (mounted read-only next to this script) with the real
# passwords from the environment, then starts the server.
#
#   render-config.sh master   <announce-host>   node that starts as the master (redis-master.conf)
#   render-config.sh replica  <announce-host>   node that starts as a replica (redis-replica.conf)
#   render-config.sh sentinel <announce-host>   sentinel (sentinel.conf)
#   render-config.sh auto     <announce-host>   master if <announce-host> is REDIS_MASTER_HOST, else replica
#                                               (one command for every pod of a StatefulSet)
#   render-config.sh cluster  <announce-host>   a Redis Cluster node (redis-cluster.conf); the cluster is formed
#                                               afterwards by cluster-create.sh
#
# REDIS_MASTER_HOST (default redis-1, the committed files' name) is the initial master's host name; the
# first render writes it into `replicaof` and `sentinel monitor` (k8s: redis-0.redis.<namespace>.svc...).
# Passwords: REDIS_ACL_{APP,ADMIN,REPLICATOR,SENTINEL,EXPORTER}_PASSWORD; each defaults to the DEV-ONLY
# `<user>-dev-password` whose sha256 is what the committed files hold. Set them all outside development.
#
# The config is rendered into the data volume once and kept: Redis and Sentinel rewrite it (Sentinel
# records the current master, epochs and known peers there; a failover rewrites `replicaof` on the nodes),
# and a restarted container must come back with that state, not with the initial topology. The ACL users,
# passwords and announced host name are re-applied on every start, so rotating a password is a restart.
# To re-render from scratch (e.g. after changing redis/*.conf), remove the volume.
#
# REDIS_DATA_DIR (default /data) and REDIS_ACL_DIR (default /etc/redis) say where the files go;
# REDIS_RENDER_ONLY=1 renders and prints the command instead of running it (debugging, tests).
set -eu

usage='usage: render-config.sh master|replica|sentinel|auto|cluster <announce-host>'
role=${1:?$usage}
host=${2:?$usage}
master_host=${REDIS_MASTER_HOST:-redis-1}
if [ "$role" = auto ]; then
  if [ "$host" = "$master_host" ]; then role=master; else role=replica; fi
fi
src=$(cd "$(dirname "$0")" && pwd)
data=${REDIS_DATA_DIR:-/data}
acl_dir=${REDIS_ACL_DIR:-/etc/redis}

: "${REDIS_ACL_APP_PASSWORD:=app-dev-password}"
: "${REDIS_ACL_ADMIN_PASSWORD:=admin-dev-password}"
: "${REDIS_ACL_REPLICATOR_PASSWORD:=replicator-dev-password}"
: "${REDIS_ACL_SENTINEL_PASSWORD:=sentinel-dev-password}"
: "${REDIS_ACL_EXPORTER_PASSWORD:=exporter-dev-password}"

sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# Replaces the `#<sha256>` of each known user's line with the hash of its configured password.
render_users() {
  sed -e "s/^\(user app .*\)#[0-9a-f]\{64\}/\1#$(sha "$REDIS_ACL_APP_PASSWORD")/" \
    -e "s/^\(user admin .*\)#[0-9a-f]\{64\}/\1#$(sha "$REDIS_ACL_ADMIN_PASSWORD")/" \
    -e "s/^\(user replicator .*\)#[0-9a-f]\{64\}/\1#$(sha "$REDIS_ACL_REPLICATOR_PASSWORD")/" \
    -e "s/^\(user sentinel .*\)#[0-9a-f]\{64\}/\1#$(sha "$REDIS_ACL_SENTINEL_PASSWORD")/" \
    -e "s/^\(user exporter .*\)#[0-9a-f]\{64\}/\1#$(sha "$REDIS_ACL_EXPORTER_PASSWORD")/" "$1"
}

# Drops the lines starting with $2 from file $1 (they are appended again with current values).
drop() { sed -i "/^$2/d" "$1"; }

# `dir` must be right where it stands: Redis changes to it while still reading the file.
set_dir() { sed -i "s#^dir .*#dir $data#" "$1"; }

mkdir -p "$data"
case "$role" in
  master | replica)
    conf="$data/redis.conf"
    [ -f "$conf" ] || sed "s/^replicaof [^ ]* /replicaof $master_host /" "$src/redis-$role.conf" > "$conf"
    set_dir "$conf"
    mkdir -p "$acl_dir"
    render_users "$src/users.acl" > "$acl_dir/users.acl"
    chmod 644 "$acl_dir/users.acl" # hashes only; read by the unprivileged redis user
    drop "$conf" 'aclfile '
    drop "$conf" 'masterauth '
    drop "$conf" 'replica-announce-ip '
    {
      printf 'aclfile %s\n' "$acl_dir/users.acl"
      printf 'masterauth %s\n' "$REDIS_ACL_REPLICATOR_PASSWORD"
      # The name others reach this node by: what the master lists and what Sentinel announces to clients.
      printf 'replica-announce-ip %s\n' "$host"
    } >> "$conf"
    set -- redis-server "$conf"
    ;;
  cluster)
    # nodes.conf (ids, epochs, slots) is the node's own file next to this one; only redis.conf is rendered.
    conf="$data/redis.conf"
    [ -f "$conf" ] || cp "$src/redis-cluster.conf" "$conf"
    set_dir "$conf"
    mkdir -p "$acl_dir"
    render_users "$src/users.acl" > "$acl_dir/users.acl"
    chmod 644 "$acl_dir/users.acl"
    drop "$conf" 'aclfile '
    drop "$conf" 'masterauth '
    drop "$conf" 'cluster-announce-hostname '
    drop "$conf" 'cluster-preferred-endpoint-type '
    {
      printf 'aclfile %s\n' "$acl_dir/users.acl"
      printf 'masterauth %s\n' "$REDIS_ACL_REPLICATOR_PASSWORD"
      # Clients are given this name (MOVED, CLUSTER SLOTS), not the container's IP, which changes when it is
      # recreated. The nodes still reach each other by IP (the cluster bus of Redis 7.0 has no host names),
      # learned from their own connections: nothing is NATed between containers or pods.
      printf 'cluster-announce-hostname %s\n' "$host"
      printf 'cluster-preferred-endpoint-type hostname\n'
    } >> "$conf"
    set -- redis-server "$conf"
    ;;
  sentinel)
    conf="$data/sentinel.conf"
    if [ -f "$conf" ]; then
      render_users "$conf" > "$conf.new" && cat "$conf.new" > "$conf" && rm -f "$conf.new"
    else
      render_users "$src/sentinel.conf" | sed "s/^sentinel monitor mymaster [^ ]* /sentinel monitor mymaster $master_host /" > "$conf"
    fi
    set_dir "$conf"
    drop "$conf" 'sentinel auth-pass '
    drop "$conf" 'sentinel sentinel-pass '
    drop "$conf" 'sentinel announce-ip '
    {
      printf 'sentinel auth-pass mymaster %s\n' "$REDIS_ACL_SENTINEL_PASSWORD"
      printf 'sentinel sentinel-pass %s\n' "$REDIS_ACL_SENTINEL_PASSWORD"
      printf 'sentinel announce-ip %s\n' "$host"
    } >> "$conf"
    set -- redis-server "$conf" --sentinel
    ;;
  *)
    echo "render-config.sh: unknown role '$role' (master, replica, sentinel, auto or cluster)" >&2
    exit 2
    ;;
esac

chmod 600 "$conf"
if [ "${REDIS_RENDER_ONLY:-}" = 1 ]; then
  echo "$@"
  exit 0
fi
# The official image's entrypoint drops root for the `redis` user (and chowns the data dir) when it exists.
if command -v docker-entrypoint.sh >/dev/null 2>&1; then
  exec docker-entrypoint.sh "$@"
fi
exec "$@"
