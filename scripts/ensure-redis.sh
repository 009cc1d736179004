#!/usr/bin/env bash
# Makes sure the tools the local HA cluster and its tests need are installed:
#   redis-server, redis-sentinel, redis-cli (Redis >= 7: ACL selectors, hostnames in Sentinel)
#   docker-compose (only to validate docker-compose.redis-ha.yml; no Docker engine is needed)
#   ip, unshare (iproute2, util-linux: the partition suite's private network namespace; installed when
#   possible, else that suite says why it is skipped)
# As root with apt it installs what is missing (one `apt-get update`); otherwise it prints what to install
# and exits 1 when something the tests need is missing. Used by `npm run setup` and .ci/run.
set -euo pipefail

declare -A PACKAGE_OF=(
  [redis-server]=redis-server
  [redis-sentinel]=redis-sentinel
  [redis-cli]=redis-tools
  [docker-compose]=docker-compose
  [ip]=iproute2
  [unshare]=util-linux
)

missing_packages() {
  local cmd
  for cmd in redis-server redis-sentinel redis-cli docker-compose "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || printf '%s\n' "${PACKAGE_OF[$cmd]}"
  done
}

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  mapfile -t missing < <(missing_packages ip unshare | sort -u)
else
  mapfile -t missing < <(missing_packages | sort -u)
fi

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-redis: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
    # The packages may start system services on 6379/26379: the local cluster uses its own ports
    # (6390-6395, tests 27000-27699), so they do not get in its way.
  else
    echo "ensure-redis: missing ${missing[*]}." >&2
    echo "  Debian/Ubuntu: sudo apt-get install -y ${missing[*]}" >&2
    echo "  macOS: brew install redis docker-compose" >&2
    exit 1
  fi
fi

version=$(redis-server --version | sed -n 's/.*v=\([0-9]*\)\..*/\1/p')
if [[ -z "$version" || "$version" -lt 7 ]]; then
  echo "ensure-redis: redis-server $(redis-server --version) is too old; Redis 7 or newer is required" >&2
  exit 1
fi
echo "ensure-redis: $(redis-server --version | cut -d' ' -f1-3), $(docker-compose version --short 2>/dev/null || echo 'docker-compose ?')"
