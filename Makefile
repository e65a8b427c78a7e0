# One command per task. Every target that needs the set-up depends on it, so each works on a
# fresh clone. PYTHON can be overridden (python3.11 or newer).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
SYSTEM_PACKAGES := redis-server prometheus haproxy prometheus-pushgateway
PYTEST_ARGS ?=

.PHONY: setup system-packages fault-proxy demo test test-quick lint bench clean

setup: $(STAMP) system-packages fault-proxy

# constraints.txt pins every package to the versions the suite passed with
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q pip==26.3
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

system-packages:
	scripts/system-packages.sh $(SYSTEM_PACKAGES)

# Toxiproxy, for slogate.yaml `faults: toxiproxy` (a service without fault hooks): built from
# its Go module once per machine (about 30 s) into ~/.cache/slogate/k8s/; skipped without Go.
fault-proxy:
	@if command -v go >/dev/null 2>&1; then scripts/build-control-plane.sh toxiproxy; \
	else echo "setup: 'go' is not on PATH: Toxiproxy not built (slogate.yaml 'faults: toxiproxy' needs it; install Go 1.26, then make setup)"; fi

demo: setup
	BIN=$(BIN) scripts/demo.sh

test: setup
	scripts/system-packages.sh chromium
	scripts/build-control-plane.sh
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test-quick: setup
	$(BIN)/python -m pytest -m "not slow" -n 2 $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# vegeta, the open-model reference of benchmarks/vegeta_bench.py: built from its Go module on
# demand (about 10 s; cached like the control plane's tools), not by setup or test.
bench: setup
	scripts/system-packages.sh wrk
	@if command -v go >/dev/null 2>&1; then scripts/build-control-plane.sh vegeta; \
	else echo "bench: 'go' is not on PATH: vegeta not built (benchmarks.vegeta_bench is skipped; install Go 1.26)"; fi
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .slogate
