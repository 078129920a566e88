# Wirewatch developer commands. `make test` and `make demo` work from a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint typecheck pytest demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## test: lint, type-check and run the whole test suite
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check bot feeds storage tests benchmarks
	$(BIN)/ruff format --check bot feeds storage tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

## demo: run Wirewatch end to end on bundled sample feeds, no token, no network
demo: $(STAMP)
	$(BIN)/wirewatch demo

## bench: run every benchmark
bench: $(STAMP)
	$(BIN)/python -m benchmarks.match
	$(BIN)/python -m benchmarks.ingest
	$(BIN)/python -m benchmarks.deliver
	$(BIN)/python -m benchmarks.recent
	$(BIN)/python -m benchmarks.digest

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
