#!/usr/bin/env bash
# Installs the Debian packages slogate needs when they are missing.
# Usage: scripts/system-packages.sh PACKAGE...   (package names as Debian spells them)
# As root it runs apt-get update and apt-get install; otherwise it prints the exact command and fails.
set -euo pipefail

declare -A binary_of=(
  [redis-server]=redis-server
  [prometheus]=prometheus
  [haproxy]=haproxy
  [wrk]=wrk
  [chromium]=chromium
)

missing=()
for pkg in "$@"; do
  bin=${binary_of[$pkg]:-$pkg}
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "slogate needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get update && sudo $cmd" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Keep the packaged services from starting on install (there is no init system here, and
# slogate starts its own instances on free ports).
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
$cmd -qq
