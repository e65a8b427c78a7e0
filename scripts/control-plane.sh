#!/usr/bin/env bash
# Starts the test control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kwok with three nodes in three zones) on free loopback ports and prints its kubeconfig.
# Ctrl-C stops everything it started. Build it first: scripts/build-control-plane.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec "${PYTHON:-.venv/bin/python}" -m tests.k8s.controlplane "$@"
