# kansrijk: every command a user types. Settings come as make variables or KANSRIJK_* env vars:
#   LANDING  WAREHOUSE  SERVING  QUARANTINE  DATA_DIR   (see README "Settings")
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv from PATH, else bootstrapped from pip (a fresh machine has only Python 3.11 and pip).
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := $(UV) run --frozen --no-sync python

# make variables become the settings module's KANSRIJK_* environment variables
define setting
ifneq ($(strip $($(1))),)
export KANSRIJK_$(1) := $(abspath $($(1)))
endif
endef
$(foreach v,LANDING WAREHOUSE SERVING QUARANTINE DATA_DIR,$(eval $(call setting,$(v))))
# settings that are not paths pass through as they are (make run FORCE_PUBLISH=1)
$(foreach v,FORCE_PUBLISH PUBLISH_MAX_SHRINK_PCT SERVING_STORAGE_VERSION,$(if $(strip $($(v))),$(eval export KANSRIJK_$(v) := $($(v)))))
CUSTOMERS ?= 100000
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: help setup run test fuzz cdnow bench report lists docs ui bi

help: ## list the commands
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## create .venv from uv.lock (bootstraps uv from pip when missing)
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

run: setup ## generate the demo landing set (unless LANDING=<dir>), then ingest → validate → dbt build → publish
	@$(PY) -m kansrijk.refresh

test: setup ## set up and run every test (pytest + dbt build on demo data and fixtures), test modules on 2 workers
	@$(PY) -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder

fuzz: setup ## property test: many random contract-valid landing sets through the real refresh (slow; seed printed on failure)
	@$(PY) -m pytest -q -p tests.landing_strategies --hypothesis-profile=kansrijk-fuzz --hypothesis-show-statistics tests/test_property_landing.py

cdnow: setup ## CDNOW=<file>: turn a CDNOW transaction log into a landing set and refresh it
	@test -n "$(CDNOW)" || { echo "make cdnow: set CDNOW=<file>, a CDNOW-format transaction log." >&2; exit 2; }
	@$(PY) -m kansrijk.cdnow_run "$(CDNOW)"

bench: setup ## performance benchmark (CUSTOMERS=100000 default, CUSTOMERS=10000 small preset)
	@$(PY) bench/run.py --customers $(CUSTOMERS)

report: setup ## write the offline segment report from the serving copy
	@$(PY) -m kansrijk.report

lists: setup ## write the target and at-risk lists per account owner as CSV to <data dir>/lists/<owner>/
	@$(PY) -m kansrijk.lists

docs: setup ## write the dbt docs site to <data dir>/docs/
	@$(PY) -m kansrijk.docs

ui: setup ## start the Dagster UI on 127.0.0.1 with the schedules and sensors
	@mkdir -p $(DAGSTER_HOME) && cp -n dagster.yaml $(DAGSTER_HOME)/dagster.yaml 2>/dev/null || true
	@$(UV) run --frozen --no-sync dagster dev -h 127.0.0.1 -p $${KANSRIJK_UI_PORT:-3000}

bi: setup ## Apache Superset on the serving copy (read-only) with the kansrijk dashboard, on 127.0.0.1:8088
	@$(PY) -m kansrijk.bi --port $${KANSRIJK_BI_PORT:-8088}
