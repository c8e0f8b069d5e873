# Two commands on a fresh machine (Python 3.11+, Node 20+):  `make run`  and  `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo var/tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
MANIFEST := static/dist/manifest.json
ASSET_SOURCES := $(shell find assets -type f 2>/dev/null) package-lock.json vite.config.ts

.PHONY: run test lint format install assets test-python test-js system-test-deps bench chaos clean

run: install assets  ## Set up and run the platform on the embedded default
	$(PY) manage.py runplatform

# Test processes (pytest-xdist): one per core, at most 4 (each has its own test database, browser and
# local model server). `make test TEST_WORKERS=0` runs the suite in one process.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n > 4 ? 4 : n )))

test: install assets system-test-deps  ## Set up and run the whole test suite
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal
	npm run --silent test

lint: install node_modules/.installed  ## Ruff, import layers, mypy, ESLint, TypeScript
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# The layers between the apps (pyproject.toml [tool.importlinter], ADR 0024).
	$(VENV)/bin/lint-imports
	@# Type checking imports the settings, which start nothing (ADR 0023).
	$(VENV)/bin/mypy apps config bench
	npm run --silent lint
	npm run --silent type-check

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

install: $(VENV)/.installed

var/tools/bin/uv:
	$(PYTHON) -m venv var/tools
	var/tools/bin/pip install --quiet uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: $(MANIFEST)

$(MANIFEST): node_modules/.installed $(ASSET_SOURCES)
	npm run --silent build

# Browser tests drive Debian's chromium; the sandbox tests need bubblewrap (bwrap) and libseccomp (its
# seccomp filter; without it the hand-made fallback is used, ADR 0025). Installed here when
# we may (root with apt-get); otherwise those tests say what to install. (Redis needs nothing: the tests
# start the packaged Valkey.)
system-test-deps:
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	/sbin/ldconfig -p 2>/dev/null | grep -q libseccomp.so.2 || missing="$$missing libseccomp2"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing$$missing"; (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; \
	  else echo "Note: install$$missing (Debian packages) to run the browser and sandbox tests."; fi; \
	fi

bench: install  ## Benchmarks: medians against a baseline measured in the same run
	$(PY) bench/adapter_overhead.py
	$(PY) bench/local_embeddings.py
	$(PY) bench/local_llm.py
	$(PY) bench/sandbox.py
	$(PY) bench/message_path.py
	$(PY) bench/builder_perf.py

chaos: install assets  ## Faults under load: 0 messages lost, answered twice or stuck (bench/chaos.py)
	$(PY) bench/chaos.py

clean:
	rm -rf static/dist static/vendor node_modules/.installed $(VENV)/.installed
