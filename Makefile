# One command per task. Every target that needs the set-up depends on it, so each works on a
# fresh clone. PYTHON can be overridden (python3.11 or newer).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
SYSTEM_PACKAGES := redis-server prometheus haproxy prometheus-pushgateway
PYTEST_ARGS ?=

.PHONY: setup system-packages demo test test-quick lint bench clean

setup: $(STAMP) system-packages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

system-packages:
	scripts/system-packages.sh $(SYSTEM_PACKAGES)

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

bench: setup
	scripts/system-packages.sh wrk
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .slogate
