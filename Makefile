# Two commands do all set-up on a fresh machine: `make run` and `make test`.
# Packages come from the committed locks in requirements/ (README, "Dependencies"):
# running needs only requirements/runtime.txt; the tests and tools need requirements/dev.txt.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
RUNTIME_LOCK := requirements/runtime.txt
DEV_LOCK     := requirements/dev.txt
RUN_STAMP    := $(VENV)/.installed-run
STAMP        := $(VENV)/.installed
# `make lock` keeps every pin it can; `make lock UPGRADE=--upgrade` moves all to the newest allowed.
LOCK_FLAGS   := --quiet --strip-extras --allow-unsafe --generate-hashes \
                --no-emit-index-url --no-emit-find-links $(UPGRADE)

.PHONY: run test lint bench lock mutate check-flows clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# What running needs, nothing more. The project itself is built in an isolated environment.
$(RUN_STAMP): $(RUNTIME_LOCK) pyproject.toml setup.py | $(BIN)/python
	$(PIP) install --quiet --require-hashes -r $(RUNTIME_LOCK)
	$(PIP) install --quiet --no-deps -e .
	touch $@

# Everything the tests and tools need (the dev lock pins the runtime packages alike, so
# this also satisfies `make run`).
$(STAMP): $(DEV_LOCK) pyproject.toml setup.py | $(BIN)/python
	$(PIP) install --quiet --require-hashes -r $(DEV_LOCK)
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@ $(RUN_STAMP)

## run: start the bot (with INTAKE_BOT_TOKEN set), else the terminal simulator
run: $(RUN_STAMP)
	$(BIN)/intake run

## test: lint, type-check, check the shipped flows and translations, run every test
test: $(STAMP)
	$(BIN)/ruff check bot storage tests bench
	$(BIN)/mypy
	$(BIN)/intake flows check
	$(BIN)/intake i18n check
	$(BIN)/intake flows test
	$(BIN)/pytest

## bench: print the engine, checker, channel, storage, flood and report figures, then two
## processes on PostgreSQL
bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/channel.py
	$(BIN)/python bench/storage.py
	$(BIN)/python bench/flood.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/postgres.py

## mutate: mutation testing of the safety-critical modules on their fast in-process tests
## (slow; not in CI). Settings: setup.cfg; findings: docs/testing.md. Some modules only:
## make mutate ONLY='storage.crypto* bot.telegram.callbacks*'
mutate: $(STAMP)
	CI= INTAKE_PG_BINDIR=/no-postgresql-for-mutants nice -n 10 $(BIN)/mutmut run --max-children 1 $(ONLY)
	$(BIN)/mutmut results

## lock: refresh requirements/*.txt after a dependency changed in pyproject.toml
lock: $(STAMP)
	$(BIN)/pip-compile $(LOCK_FLAGS) --extra postgres -o $(RUNTIME_LOCK) pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) --extra postgres --extra dev --constraint $(RUNTIME_LOCK) \
	    -o $(DEV_LOCK) pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
