# postdocs — two commands set everything up on a fresh machine:
#   make site   build the site from the shipped channels into site/
#   make test   lint, type-check and run every test (browser tests included)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true
export PYTHONHASHSEED := 0

.PHONY: site serve test lint typecheck pytest generate bench golden clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

generate: $(VENV)/.installed
	$(BIN)/postdocs build

site: generate
	$(BIN)/mkdocs build --strict --quiet
	@echo "site/ is ready: open site/index.html or run 'make serve'"

# Regenerates pages when a channel dump or configuration changes; MkDocs live-reloads.
serve: site
	@$(BIN)/postdocs watch & watcher=$$!; \
	trap 'kill $$watcher 2>/dev/null' EXIT INT TERM; \
	$(BIN)/mkdocs serve --dirty -a $(HOST):$(PORT)

# Debian's Chromium drives the browser tests (never a downloaded browser build).
system-deps:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy src

pytest: $(VENV)/.installed-test system-deps
	CHROMIUM=$(CHROMIUM) $(BIN)/pytest -q

test: lint typecheck pytest

# Benchmark: postdocs vs tg-archive and Hugo at 1x, 10x, 100x the seeds (results: bench/results.md).
# The reference tools live in their own venv so they never touch the project's dependencies.
.venv-bench/.installed: bench/requirements.txt
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install -q -r bench/requirements.txt
	touch $@

bench: $(VENV)/.installed .venv-bench/.installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

golden: $(VENV)/.installed-test
	$(BIN)/python -m tests.golden --update

clean:
	rm -rf site test-artifacts
