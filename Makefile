# wugong — `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PO     := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

.DEFAULT_GOAL := help
.PHONY: help install run test lint format migrate babel-extract babel-update babel-compile clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -D messages -i $< -o $@

install: $(STAMP) $(MO) ## create .venv, install wugong with its dev tools, compile the catalogs

run: install ## run the main job embedded: SQLite under var/, in-process queue, http://127.0.0.1:8080
	$(BIN)/wugong serve

test: install ## run every test (PostgreSQL/Redis tests need WUGONG_TEST_DATABASE_URL/_REDIS_URL)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install ## ruff (check and format), mypy and the import layers (lint-imports)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: install ## apply database migrations to WUGONG_DATABASE_URL (default: var/wugong.sqlite3)
	$(BIN)/wugong db upgrade

babel-extract: install ## extract translatable messages into locales/messages.pot
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k translate:2 -k N_ -k t -k button -k Reask -o locales/messages.pot .

babel-update: babel-extract ## merge new messages into every language's messages.po
	$(BIN)/pybabel update --no-fuzzy-matching -i locales/messages.pot -d locales -D messages

babel-compile: install ## compile messages.po into messages.mo
	$(BIN)/pybabel compile --statistics -d locales -D messages

clean: ## remove the environment, caches and compiled catalogs (keeps var/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache $(MO)
