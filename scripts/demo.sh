#!/usr/bin/env sh
# `make demo`: the smoke gate, then the pod-kill gate, each ending in its verdict table and
# the path of its HTML report. Exits non-zero when a gate does not pass (its exit code).
set -u
BIN=${BIN:-.venv/bin}
status=0
for gate in smoke pod-kill; do
    echo "=== slogate run $gate"
    "$BIN/slogate" run "$gate"
    code=$?
    if [ "$code" -ne 0 ]; then
        echo "gate $gate did not pass (exit $code)" >&2
        [ "$status" -eq 0 ] && status=$code
        [ "$code" -eq 130 ] && exit 130
    fi
done
echo "=== reports"
ls -1d reports/*-smoke reports/*-pod-kill 2>/dev/null | tail -n 2 | sed 's|$|/report.html|'
exit "$status"
