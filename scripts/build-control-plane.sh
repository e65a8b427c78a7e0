#!/usr/bin/env bash
# Builds the Kubernetes control plane for the control-plane tests from Go modules, once, into a
# cache outside the clone, and reuses it.
#
# Usage: scripts/build-control-plane.sh [NAME...]           build what is missing (a cold build
#                                                           takes 25-40 min on 2 cores), then
#                                                           list the bin dirs
#        scripts/build-control-plane.sh --print [NAME...]   list the bin dirs, build nothing;
#                                                           exit 1 naming what is missing
# NAME limits it to some tools (default: all but the on-demand ones). `make setup` builds
# `toxiproxy` alone (under a minute; the local platform's `faults: toxiproxy` runs it), `make
# test` the default ones and fetches the Prometheus Operator's CRDs and Chaos Mesh's
# NetworkChaos CRD (tools/*/crds.env; one module download each). On demand only: `vegeta` (the
# open-model reference of benchmarks/vegeta_bench.py; `make bench` builds it, about 10 s).
#
# Each tools/NAME/ is its own Go module (go.mod pins the versions, its `tool` block names the
# commands, build.env names the pinned module, the link flags and binary names other than the
# package's last element). A tool's cache folder is
#   ${SLOGATE_K8S_CACHE:-~/.cache/slogate/k8s}/NAME-VERSION-HASH/bin
# where HASH covers go.mod, go.sum, build.env and the Go version: the key is the pins, not the
# clone's path, so a fresh clone on the same machine finds the binaries built by another one.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_root=${SLOGATE_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slogate/k8s}
tools=(etcd kubernetes kwok prometheus toxiproxy)  # the default; also on demand: vegeta
mode=build
if [ "${1:-}" = --print ]; then
  mode=print
  shift
fi
with_crds=1  # the CRD sets come with the full set, not with NAME...
if [ $# -gt 0 ]; then
  with_crds=0
  for name in "$@"; do
    [ -f "$root/tools/$name/go.mod" ] || { echo "usage: $0 [--print] [NAME...] (NAME: ${tools[*]} vegeta)" >&2; exit 2; }
  done
  tools=("$@")
fi

command -v go >/dev/null 2>&1 || {
  echo "build-control-plane: 'go' is not on PATH; install Go 1.26 (the tools/*/go.mod files need it)" >&2
  exit 1
}

# commands_of DIR: the packages listed in the module's `tool` block.
commands_of() {
  awk '/^tool \(/{in_block=1; next} in_block && /^\)/{in_block=0} in_block{print $1} /^tool [^(]/{print $2}' "$1/go.mod"
}

# pinned_version DIR MODULE: the version go.mod requires of MODULE.
pinned_version() {
  awk -v m="$2" '$1 == m {print $2; exit} $1 == "require" && $2 == m {print $3; exit}' "$1/go.mod"
}

# tool_dir NAME: the cache folder of one tool (does not create it).
tool_dir() {
  local dir=$root/tools/$1 MODULE VERSION hash
  MODULE=$(sed -n 's/^MODULE=//p' "$dir/build.env")
  VERSION=$(pinned_version "$dir" "$MODULE")
  [ -n "$VERSION" ] || { echo "build-control-plane: tools/$1/go.mod does not require $MODULE (build.env MODULE)" >&2; exit 1; }
  hash=$(cat "$dir/go.mod" "$dir/go.sum" "$dir/build.env" <(go env GOVERSION) | sha256sum | cut -c1-12)
  echo "$cache_root/$1-$VERSION-$hash"
}

missing=()
for name in "${tools[@]}"; do
  dir=$(tool_dir "$name")
  if [ -f "$dir/complete" ]; then
    [ "$mode" = print ] && echo "$name $dir/bin"
    continue
  fi
  missing+=("$name")
done

# CRD sets fetched from Go modules (tools/NAME/crds.env), no build: listed as NAME-crds.
crd_sets=(prometheus-operator chaos-mesh)

# crds_dir NAME: the cache folder of one CRD set (tools/NAME/crds.env).
crds_dir() {
  local VERSION
  VERSION=$(sed -n 's/^VERSION=//p' "$root/tools/$1/crds.env")
  echo "$cache_root/$1-crds-$VERSION"
}

if [ "$mode" = print ]; then
  # the CRDs are listed when present; only the tests of k8s/prometheus-operator/ and of
  # Chaos Mesh's NetworkChaos need them
  for set in "${crd_sets[@]}"; do
    if [ -f "$(crds_dir "$set")/complete" ]; then echo "$set-crds $(crds_dir "$set")/crds"; fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "not built yet (missing: ${missing[*]} in $cache_root);" \
      "build it with scripts/build-control-plane.sh ${missing[*]} (make test runs it; a cold" \
      "build of all of them takes 25-40 min on 2 cores)" >&2
    exit 1
  fi
  exit 0
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/.build.lock"
flock 9  # one build at a time; a second caller waits and then finds the binaries

for name in "${missing[@]}"; do
  dir=$(tool_dir "$name")
  [ -f "$dir/complete" ] && continue
  src=$root/tools/$name
  MODULE=$(sed -n 's/^MODULE=//p' "$src/build.env")
  VERSION=$(pinned_version "$src" "$MODULE")
  LDFLAGS= NAMES=
  . "$src/build.env"
  tmp=$(mktemp -d "$cache_root/.$name.XXXXXX")
  chmod 755 "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  echo "build-control-plane: building $name $VERSION into $dir (a cold build takes minutes)"
  : > "$tmp/build-times"
  mkdir -p "$tmp/bin"
  for cmd in $(commands_of "$src"); do
    binary=$(basename "$cmd")
    for pair in $NAMES; do [ "${pair%%=*}" = "$cmd" ] && binary=${pair#*=}; done
    start=$(date +%s)
    (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=readonly nice -n 10 \
      go build -trimpath -ldflags "-s -w $LDFLAGS" -o "$tmp/bin/$binary" "$cmd")
    secs=$(( $(date +%s) - start ))
    echo "$binary ${secs}s" | tee -a "$tmp/build-times"
  done
  go env GOVERSION > "$tmp/go-version"
  touch "$tmp/complete"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  trap - EXIT
done

# The CRD sets: one module download each (no build), cached like the binaries.
for set in "${crd_sets[@]}"; do
  crds=$(crds_dir "$set")
  [ "$with_crds" = 1 ] && [ ! -f "$crds/complete" ] || continue
  MODULE= VERSION= CRD_FOLDER= CRD_FILES=
  . "$root/tools/$set/crds.env"
  echo "build-control-plane: fetching $set's CRDs from $MODULE@$VERSION"
  module_dir=$(cd "$cache_root" && GOFLAGS=-mod=mod go mod download -json "$MODULE@$VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$module_dir/$CRD_FOLDER" ] || {
    echo "build-control-plane: $MODULE@$VERSION has no $CRD_FOLDER" >&2; exit 1; }
  tmp=$(mktemp -d "$cache_root/.crds.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  mkdir "$tmp/crds"
  if [ -n "$CRD_FILES" ]; then
    for file in $CRD_FILES; do cp "$module_dir/$CRD_FOLDER/$file" "$tmp/crds/"; done
  else
    cp "$module_dir/$CRD_FOLDER"/*.yaml "$tmp/crds/"
  fi
  chmod -R u+w,a+rX "$tmp"
  touch "$tmp/complete"
  rm -rf "$crds"
  mv "$tmp" "$crds"
  trap - EXIT
done

for name in "${tools[@]}"; do
  echo "$name $(tool_dir "$name")/bin"
done
for set in "${crd_sets[@]}"; do
  if [ -f "$(crds_dir "$set")/complete" ]; then echo "$set-crds $(crds_dir "$set")/crds"; fi
done
exit 0
