PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

# Everything installed comes from a lock with hashes (see "Dependencies" in the README):
# requirements/run.txt for `make run`, requirements/dev.txt (the same pins plus the dev tools)
# for `make test`. pip installs only uv, from requirements/bootstrap.txt; uv then makes the
# venv exactly the lock (`pip sync` also removes what the lock no longer lists).
LOCK := requirements/run.txt
DEV_LOCK := requirements/dev.txt
BOOTSTRAP := requirements/bootstrap.txt
UV := $(BIN)/uv
SYNC := $(UV) pip sync --quiet --require-hashes --python $(BIN)/python
# The project itself, editable, with none of its dependencies (they come from the lock) and
# built with the locked setuptools rather than a fresh download.
EDITABLE := $(UV) pip install --quiet --no-deps --no-build-isolation --python $(BIN)/python -e .
CHECK := $(UV) pip check --python $(BIN)/python || { echo >&2 \
	"The lock does not satisfy pyproject.toml: run 'make lock' and commit requirements/."; exit 1; }
COMPILE := $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	$(if $(UPGRADE),--upgrade)

.PHONY: run test lint typecheck pytest audit lock bench migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): $(BOOTSTRAP) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		--no-deps -r $(BOOTSTRAP)
	touch $@

$(STAMP): $(LOCK) pyproject.toml | $(UV)
	$(SYNC) $(LOCK)
	$(EDITABLE)
	$(CHECK)
	rm -f $(DEV_STAMP)
	touch $@

$(DEV_STAMP): $(DEV_LOCK) pyproject.toml | $(UV)
	$(SYNC) $(DEV_LOCK)
	$(EDITABLE)
	$(CHECK)
	touch $(STAMP) $@

config.toml:
	cp config.example.toml config.toml

run: $(STAMP) config.toml
	$(BIN)/volunteer-bot run --config config.toml

migrate: $(STAMP) config.toml
	$(BIN)/volunteer-bot migrate --config config.toml

lint: $(DEV_STAMP)
	$(BIN)/ruff check bot handlers storage telegram_adapter wechat_adapter tests bench scripts

typecheck: $(DEV_STAMP)
	$(BIN)/mypy bot handlers storage telegram_adapter wechat_adapter scripts

pytest: $(DEV_STAMP)
	$(BIN)/pytest

# Known vulnerabilities in the locked versions; skipped (with a warning) when PyPI's advisory
# service cannot be reached, failing when it answers with one.
audit: $(DEV_STAMP)
	$(BIN)/python -m scripts.audit $(LOCK) $(DEV_LOCK)

test: lint typecheck pytest audit

# Re-resolves the locks after a change to pyproject.toml, keeping every pin that still fits;
# `make lock UPGRADE=1` moves everything to the newest allowed versions.
lock: | $(UV)
	$(COMPILE) pyproject.toml requirements/tools.in -o $(LOCK)
	$(COMPILE) pyproject.toml requirements/tools.in --extra dev -c $(LOCK) -o $(DEV_LOCK)
	$(COMPILE) requirements/bootstrap.in -c $(LOCK) -o $(BOOTSTRAP)

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
