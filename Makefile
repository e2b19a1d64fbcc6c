PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck pytest bench migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

config.toml:
	cp config.example.toml config.toml

run: $(STAMP) config.toml
	$(BIN)/volunteer-bot run --config config.toml

migrate: $(STAMP) config.toml
	$(BIN)/volunteer-bot migrate --config config.toml

lint: $(DEV_STAMP)
	$(BIN)/ruff check bot handlers storage tests bench

typecheck: $(DEV_STAMP)
	$(BIN)/mypy bot handlers storage

pytest: $(DEV_STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
