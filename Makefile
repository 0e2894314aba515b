# tunecycle developer commands.  See README.md ("Quick start", "Development").
#
#   make demo    set up .venv and run the built-in example
#   make test    set up .venv, make sure PostgreSQL answers, check import layers, run pytest
#   make lint    ruff check src tests benchmarks
#   make bench   set up .venv (with the bench extra) and run benchmarks/overhead.py
#   make clean   remove build output and tool caches (keeps .venv; see distclean)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check

# Re-install only when pyproject.toml is newer than the stamp (or the stamp is missing).
STAMP       := $(VENV)/.installed-stamp
DEMO_STAMP  := $(VENV)/.installed-demo-stamp
BENCH_STAMP := $(VENV)/.installed-bench-stamp

PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# what `make test` installs: every extra whose code the tests exercise
TEST_EXTRAS := dev,postgres,ml,ray,torch,viz,dashboard,trackers,lightgbm,catboost,docs

.PHONY: help venv demo test lint bench clean distclean

help:
	@echo "make demo   - set up .venv and run the built-in example"
	@echo "make test   - set up .venv and run the whole test suite"
	@echo "make lint   - ruff check src tests benchmarks"
	@echo "make bench  - run benchmarks/overhead.py"
	@echo "make clean  - remove build output and caches (make distclean also removes .venv)"

# --- set-up ---------------------------------------------------------------

# A failed `python -m venv` (e.g. Debian without python3-venv) can leave a .venv
# without pip behind; remove it so the next run starts over instead of half-working.
$(PY):
	@echo ">> creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV) || { \
	  rm -rf $(VENV); \
	  echo "error: '$(PYTHON) -m venv $(VENV)' failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2; \
	  exit 1; }

# The demo needs the cycle only (scikit-learn, XGBoost): a first run stays a small install.
$(DEMO_STAMP): pyproject.toml | $(PY)
	@echo ">> installing tunecycle into $(VENV): pip install -e '.[ml]'"
	@$(PIP) install -q -e '.[ml]'
	@touch $@

$(STAMP): pyproject.toml | $(PY)
	@echo ">> installing tunecycle into $(VENV): pip install -e '.[$(TEST_EXTRAS)]'"
	@$(PIP) install -q -e '.[$(TEST_EXTRAS)]'
	@touch $@ $(DEMO_STAMP)

$(BENCH_STAMP): pyproject.toml | $(PY)
	@echo ">> installing tunecycle into $(VENV): pip install -e '.[$(TEST_EXTRAS),bench]'"
	@$(PIP) install -q -e '.[$(TEST_EXTRAS),bench]'
	@touch $@ $(STAMP) $(DEMO_STAMP)

venv: $(STAMP)

# --- targets --------------------------------------------------------------

demo: $(DEMO_STAMP)
	$(PY) -m tunecycle.examples.demo

# PostgreSQL: scripts/ensure-postgres.sh starts/installs it where it can (in CI a
# failure to make it answer is an error; elsewhere only a warning).  The URL is
# exported only when the server answers, so the PostgreSQL tests skip otherwise.
# Chromium: scripts/ensure-chromium.sh installs Debian's chromium and chromedriver where it
# can, for the dashboard's browser test (which fails under CI without them, skips elsewhere).
# pytest exit code 5 means "no tests collected": that is a failure here.
test: $(STAMP)
	@bash scripts/ensure-postgres.sh
	@bash scripts/ensure-chromium.sh
	@if bash scripts/ensure-postgres.sh --check; then \
	  export TUNECYCLE_TEST_POSTGRES_URL='$(PG_URL)'; \
	  echo ">> PostgreSQL tests use TUNECYCLE_TEST_POSTGRES_URL=$$TUNECYCLE_TEST_POSTGRES_URL"; \
	else \
	  echo ">> PostgreSQL is not answering on 127.0.0.1:5432: PostgreSQL tests will be skipped"; \
	fi; \
	echo ">> lint-imports"; \
	$(VENV)/bin/lint-imports; \
	echo ">> pytest -q"; \
	rc=0; $(PY) -m pytest -q || rc=$$?; \
	if [ "$$rc" -eq 5 ]; then \
	  echo "make test: FAILED - pytest collected no tests (exit code 5)" >&2; \
	  exit 1; \
	fi; \
	exit "$$rc"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

bench: $(BENCH_STAMP)
	$(PY) benchmarks/overhead.py

clean:
	rm -rf build dist site .pytest_cache .ruff_cache .hypothesis benchmarks/out
	find . -path ./$(VENV) -prune -o -name '*.egg-info' -prune -exec rm -rf {} + \
	  -o -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
