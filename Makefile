# Every target does its own idempotent set-up: a virtualenv in .venv with all extras installed
# (re-installed only when pyproject.toml changes) and a check that the generated gRPC code is current.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PROTOS := $(wildcard proto/prodplan/v1/*.proto)
# buf (lint and breaking-change checks of proto/, buf.yaml) from npm, pinned, into .tools/ (git-ignored);
# installed by the set-up when npm is present, and the checks in tests/deploy skip with the reason otherwise.
BUF_VERSION := 1.75.0
TOOLS  := .tools
BUF    := $(TOOLS)/node_modules/.bin/buf
BUF_STAMP := $(TOOLS)/.buf-$(BUF_VERSION)

.PHONY: help setup tools browsers proto-check gen gen-check demo stop test lint typecheck serve bench loadtest clean

help:
	@echo "make demo   - start the server, plan the embedded demo factory over gRPC, print it, draw a Gantt chart;"
	@echo "              then the server and the web console stay up with the demo plans (address printed)"
	@echo "make stop   - stop the server and the console that make demo left running"
	@echo "make test   - every check: pytest (unit, property, integration), ruff, mypy"
	@echo "make serve  - run the gRPC server on 127.0.0.1:50051 and the web console on http://127.0.0.1:8080 (DB=FILE: plan store)"
	@echo "make bench  - quick job-shop benchmark on ../shared/benchmarks"
	@echo "make gen    - regenerate prodplan/v1 from proto/"
	@echo "make browsers - Debian's chromium and a Korean font (apt-get, when root) for the console's browser tests"
	@echo "make tools  - buf (npm @bufbuild/buf, pinned) into .tools/ when npm is present; make proto-check runs it"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and exactly, so that no resolver step can choose a CUDA build
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[dev,bench,postgres,console]"
	@touch $(STAMP)

setup: $(STAMP) tools browsers

# Debian's chromium (and a Korean font) for the console's browser tests; not fatal: without root or apt-get the
# browser tests in tests/console skip with the reason. Playwright never downloads a browser of its own.
browsers:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get install -y --no-install-recommends chromium fonts-nanum >/dev/null 2>&1 \
		|| (apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium fonts-nanum >/dev/null) \
		|| echo "warning: apt-get could not install chromium; the console's browser tests will be skipped"; \
	else \
		echo "chromium not found (and no root apt-get): the console's browser tests will be skipped"; \
	fi

# Not fatal: without npm (or without the network on the first run) buf is missing and its tests skip.
tools:
	@if [ -f $(BUF_STAMP) ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(BUF_STAMP) || echo "warning: installing buf $(BUF_VERSION) with npm failed; the buf checks will be skipped"; \
	else \
		echo "npm not found: buf $(BUF_VERSION) is not installed, the buf lint/breaking checks are skipped"; \
	fi

$(BUF_STAMP):
	@mkdir -p $(TOOLS)
	npm install --prefix $(TOOLS) --no-save --no-audit --no-fund --ignore-scripts --fetch-retries=1 \
		"@bufbuild/buf@$(BUF_VERSION)"
	$(BUF) --version
	@rm -f $(TOOLS)/.buf-*
	@touch $(BUF_STAMP)

# buf alone (make test runs the same checks in tests/deploy): lint, and no breaking change against main
proto-check: tools
	$(BUF) lint
	$(BUF) breaking --against '.git#branch=main,subdir=proto'

gen: $(STAMP)
	$(PY) -m service.codegen --write

gen-check: $(STAMP)
	$(PY) -m service.codegen --check

# the demo over gRPC, then the server on the demo's plan store and the console in the background (a re-run first stops
# the previous pair; `make stop` stops it). The demo plant's risk model is registered in out/models, so that what-ifs
# and re-plans of the demo plans can forecast from its plant data as the demo did.
DEMO_PLANT ?= gyeongju-ev
demo: setup gen-check
	@$(PY) -m console.launch stop --dir out >/dev/null
	$(PY) -m service.demo --out out
	@rm -rf out/models && $(PY) -m service.model_registry import forecaster/weights/plant_risk_demo --plant $(DEMO_PLANT) \
		--kind risk --model-dir out/models --activate >/dev/null
	@$(PY) -m console.launch start --dir out --db out/demo-plans.db --model-dir out/models

# stops what `make demo` left running (the gRPC server and the console; pid files and logs in out/)
stop:
	@if [ -x $(PY) ]; then $(PY) -m console.launch stop --dir out; fi

test: setup gen-check
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .

typecheck: setup
	$(PY) -m mypy

# the gRPC server and, beside it, the planners' web console (a client of that server); Ctrl-C stops both
DB ?= prodplan.db
serve: setup gen-check
	@$(PY) -m service --host 127.0.0.1 --port 50051 --db $(DB) & service=$$!; \
	trap 'kill $$service 2>/dev/null; wait $$service' EXIT INT TERM; \
	$(PY) -m console --grpc 127.0.0.1:50051 --host 127.0.0.1 --port 8080

bench: setup
	$(PY) -m benchmarks.jobshop --time-limit 10 --workers 2 --json out/jobshop.json \
		../shared/benchmarks/jobshop/FisherThompson1963/ft06.txt ../shared/benchmarks/jobshop/Lawrence1984/la0[1-5].txt

loadtest: setup gen-check
	$(PY) -m loadtests.run --profile default --users 20 --spawn-rate 10 --duration 60 \
		--json out/loadtest.json --html out/loadtest.html

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
