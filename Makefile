# Two commands matter: `make run` (the whole service locally) and `make test` (the whole suite).
# Each creates its own virtual environment with Python 3.13 and installs what it needs.

SHELL := /bin/bash
# pyenv's shim for python3.13 fails when 3.13 is not the global version, so look for the real binary first.
PYTHON313 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(wildcard /usr/local/bin/python3.13) $(wildcard /usr/bin/python3.13))
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SAM_STAMP := $(SAM_VENV)/.installed

# The admin console's browser tests (tests/e2e/test_admin_console.py) drive Debian's Chromium with
# Playwright: Playwright cannot download browsers of its own here, so the test set-up installs the package.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

PORT ?= 3000
JIRA_SIM_PORT ?= 8081
AHA_SIM_PORT ?= 8082
DEMO ?= 1

.PHONY: venv sam-venv chromium run test lint typecheck validate-template unit integration e2e deploy-test invoke bench fuzz build replay-dlq log test-connection clean

$(STAMP): pyproject.toml layers/common/requirements.txt
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found (looked in ~/.pyenv/versions/3.13*, /usr/local/bin, /usr/bin); set PYTHON313=/path/to/python3.13"; exit 1; }
	$(PYTHON313) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

# aws-sam-cli pins its own boto3, so it gets a virtual environment of its own.
$(SAM_STAMP):
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found; set PYTHON313=/path/to/python3.13"; exit 1; }
	$(PYTHON313) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/pip install --quiet "aws-sam-cli>=1.130" "cfn-lint>=1.20"
	touch $@

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "Install Chromium at $(CHROMIUM) (Debian: apt-get install chromium)"; exit 1; }
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium
	@test -x $@

venv: $(STAMP)
sam-venv: $(SAM_STAMP)
chromium: $(CHROMIUM)

run: $(STAMP)
	PORT=$(PORT) JIRA_SIM_PORT=$(JIRA_SIM_PORT) AHA_SIM_PORT=$(AHA_SIM_PORT) DEMO=$(DEMO) $(PY) -m aha_jira_dev.local_stack

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# The layers of aha_jira (pyproject.toml [tool.importlinter]; the handlers: tests/unit/test_layers.py).
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy
	@# Every handler is an `app.py`, so each is checked on its own (mypy refuses two modules named app).
	@for handler in functions/*/app.py; do $(VENV)/bin/mypy $$handler || exit 1; done

validate-template: $(SAM_STAMP)
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam validate --lint --template template.yaml --region us-east-1
	$(SAM_VENV)/bin/cfn-lint template.yaml

# The suite runs on TEST_WORKERS pytest-xdist workers, two per core: most tests spend much of their time
# waiting on a simulator, moto or a queue's long poll, so two per core keep the cores busy (docs/decisions.md
# "Tests and benchmarks"). A module is one unit of work (tests/conftest.py). TEST_WORKERS=0 runs it in this
# process alone. Then, on the quiet machine: the `timing` tests (threads racing a rate limit, a send within
# its deadline), and the e2e package, in one process and in its own order: its tests share one `make run`
# stack, the stack is stopped by one of them and the secrets check reads everything the others captured
# (xdist does not keep a unit's order).
TEST_WORKERS ?= $(shell echo $$(( 2 * $$(nproc 2>/dev/null || echo 1) )))

test: $(STAMP) $(SAM_STAMP) $(CHROMIUM)
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory typecheck
	$(MAKE) --no-print-directory validate-template
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup --durations=15 --ignore=tests/e2e -m "not timing"
	$(PY) -m pytest -q --ignore=tests/e2e -m timing
	$(PY) -m pytest -q tests/e2e

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit
integration: $(STAMP)
	$(PY) -m pytest -q tests/integration
e2e: $(STAMP) $(CHROMIUM)
	$(PY) -m pytest -q tests/e2e

# The fuzz suite and the tenant isolation tests alone, with many more generated examples than `make test`
# runs (Hypothesis stays seeded, so a failure found here is found again with the same FUZZ_EXAMPLES).
FUZZ_EXAMPLES ?= 300
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -m fuzz tests/fuzz tests/integration/isolation

# Run one function on an event file, the way `sam local invoke` does, without Docker:
#   make invoke FUNCTION=integrations EVENT=events/list_integrations.json
invoke: $(STAMP)
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || { echo "usage: make invoke FUNCTION=<name> EVENT=events/<file>.json"; exit 2; }
	$(PY) -m aha_jira_dev.local_stack.invoke $(FUNCTION) $(EVENT)

# Operator commands (docs/operations.md; python -m aha_jira_dev.ops). The running `make run` stack by
# default; STACK=<name> for a deployed stack (its outputs; AWS credentials from the environment), or
# API_URL=<url> API_KEY=<key> for any deployed API.
#   make replay-dlq [STACK=aha-jira]                 move the dead letters back (retry queue, roadmap deliveries)
#   make log INTEGRATION=mob [REFERENCE=MOB-1] [OUTCOME=failed] [SINCE=2026-01-31T09:00:00Z] [ALL=1]
#   make test-connection INTEGRATION=mob
MOTO_PORT ?= 4566
OPS = PORT=$(PORT) MOTO_PORT=$(MOTO_PORT) $(if $(STACK),,AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local) \
  $(PY) -m aha_jira_dev.ops $(if $(STACK),--stack $(STACK),$(if $(API_URL),--api-url $(API_URL) --api-key "$(API_KEY)",--local))
replay-dlq: $(STAMP)
	$(OPS) replay-dlq
log: $(STAMP)
	@test -n "$(INTEGRATION)" || { echo "usage: make log INTEGRATION=<id> [REFERENCE=..] [OUTCOME=..] [SINCE=..] [ALL=1] [STACK=..]"; exit 2; }
	$(OPS) log $(INTEGRATION) $(if $(REFERENCE),--reference $(REFERENCE)) $(if $(OUTCOME),--outcome $(OUTCOME)) \
	  $(if $(SINCE),--since $(SINCE)) $(if $(ALL),--all)
test-connection: $(STAMP)
	@test -n "$(INTEGRATION)" || { echo "usage: make test-connection INTEGRATION=<id> [STACK=..]"; exit 2; }
	$(OPS) test-connection $(INTEGRATION)

# Every benchmark, then bench/RESULTS.md written from their figures (about 15 minutes on 2 cores).
bench: $(STAMP)
	$(PY) -m bench

# `sam build` without Docker: SAM builds with the `python3.13` it finds on PATH, and pyenv's shim fails
# unless 3.13 is the global version, so the real interpreter's folder goes first. Output: .aws-sam/build.
build: $(SAM_STAMP)
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found; set PYTHON313=/path/to/python3.13"; exit 1; }
	PATH="$(dir $(PYTHON313)):$$PATH" SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam build --template-file template.yaml

# sam build of the template and the built functions run with Lambda's layout (also part of `make test`).
deploy-test: $(STAMP) $(SAM_STAMP)
	$(PY) -m pytest -q -m deploy tests/deploy

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .mypy_cache .ruff_cache .pytest_cache .import_linter_cache .grimp_cache
