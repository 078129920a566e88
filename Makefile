# Wirewatch developer commands. `make test` and `make demo` work from a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALES := bot/chat/locales
DOMAIN := wirewatch

# pytest-xdist workers; each takes whole test files, so module fixtures (the wheel build) run once.
JOBS ?= 2

.PHONY: check test lint typecheck pytest demo bench clean i18n-extract i18n-update i18n-compile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/pybabel compile --domain $(DOMAIN) --directory $(LOCALES) --statistics
	touch $(STAMP)

## check: lint, type-check and every test not marked slow, on SQLite only, in parallel (the daily loop)
check: lint typecheck
	env -u WIREWATCH_TEST_DATABASE_URL $(BIN)/pytest -q -n $(JOBS) --dist loadfile -m "not slow"

## test: lint, type-check and run the whole test suite (both databases when WIREWATCH_TEST_DATABASE_URL is set)
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check bot feeds storage tests benchmarks
	$(BIN)/ruff format --check bot feeds storage tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q -n $(JOBS) --dist loadfile

## demo: run Wirewatch end to end on bundled sample feeds, no token, no network
demo: $(STAMP)
	$(BIN)/wirewatch demo

## bench: run every benchmark (those needing PostgreSQL with WIREWATCH_BENCH_DATABASE_URL set), saying which it skips and why
bench: $(STAMP)
	$(BIN)/python -m benchmarks

## i18n-extract: collect every msgid of the bot into the template bot/chat/locales/wirewatch.pot
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract --mapping-file babel.cfg --keywords N_ --no-location --sort-output \
		--project Wirewatch --copyright-holder "Wirewatch contributors" --output-file $(LOCALES)/$(DOMAIN).pot bot

## i18n-update: merge the template into every catalog (en copies the msgids; translate the rest by hand)
i18n-update: i18n-extract
	$(BIN)/pybabel update --domain $(DOMAIN) --input-file $(LOCALES)/$(DOMAIN).pot --output-dir $(LOCALES) \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/python -m bot.chat.catalogs fill-english

## i18n-compile: compile every catalog to .mo (also done by the install stamp and by wheel builds)
i18n-compile: $(STAMP)
	$(BIN)/pybabel compile --domain $(DOMAIN) --directory $(LOCALES) --statistics

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
