# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench check-flows clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: start the bot (with INTAKE_BOT_TOKEN set), else the terminal simulator
run: $(STAMP)
	$(BIN)/intake run

## test: lint, type-check, check the shipped flows and translations, run every test
test: $(STAMP)
	$(BIN)/ruff check bot storage tests bench
	$(BIN)/mypy
	$(BIN)/intake flows check
	$(BIN)/intake i18n check
	$(BIN)/intake flows test
	$(BIN)/pytest

## bench: print the engine, checker, channel and storage figures, then two processes on PostgreSQL
bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/channel.py
	$(BIN)/python bench/storage.py
	$(BIN)/python bench/postgres.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
