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

.PHONY: site serve test lint typecheck pytest generate vendor bench golden clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

generate: $(VENV)/.installed $(FONTS)/.installed
	$(BIN)/postdocs build

# Front-end packages pinned in package.json/package-lock.json, installed from the npm registry
# into node_modules/ (git-ignored): KaTeX and GLightbox are copied into the theme so the site
# renders math and opens photos in a lightbox without any other host; axe-core is used by the
# browser tests. Only KaTeX's minified script,
# style sheet and WOFF2 fonts are copied (~0.6 MB; every browser that runs the site reads WOFF2).
NPM ?= npm
VENDOR := overrides/assets/vendor
node_modules/.installed: package.json package-lock.json | system-deps
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.installed: node_modules/.installed
	rm -rf $(VENDOR)/katex $(VENDOR)/glightbox
	mkdir -p $(VENDOR)/katex/fonts $(VENDOR)/glightbox
	cp node_modules/katex/LICENSE node_modules/katex/dist/katex.min.js \
	  node_modules/katex/dist/katex.min.css $(VENDOR)/katex/
	cp node_modules/katex/dist/fonts/*.woff2 $(VENDOR)/katex/fonts/
	cp node_modules/glightbox/LICENSE.md node_modules/glightbox/dist/js/glightbox.min.js \
	  node_modules/glightbox/dist/css/glightbox.min.css $(VENDOR)/glightbox/
	touch $@

# Fonts for the link-preview cards (cards.py): DejaVu Sans, regular and bold (Latin, Cyrillic and
# Hebrew in one face, DejaVu's permissive licence, copied beside them), taken from the pinned
# matplotlib wheel, which ships them; only the two font files and the licence are kept
# (vendor/fonts/, git-ignored). `pip download` uses the same package index as the venv.
FONTS := vendor/fonts
FONTS_WHEEL := matplotlib==3.11.2
$(FONTS)/.installed: | $(BIN)/python
	rm -rf $(FONTS) vendor/.wheel && mkdir -p $(FONTS)
	$(BIN)/pip download -q --no-deps --only-binary=:all: -d vendor/.wheel '$(FONTS_WHEEL)'
	$(BIN)/python -c 'import glob, sys, zipfile; \
	  z = zipfile.ZipFile(glob.glob("vendor/.wheel/*.whl")[0]); \
	  [open(f"$(FONTS)/{n}", "wb").write(z.read(f"matplotlib/mpl-data/fonts/ttf/{n}")) \
	   for n in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE_DEJAVU")]'
	rm -rf vendor/.wheel
	touch $@

vendor: $(VENDOR)/.installed $(FONTS)/.installed

site: generate vendor
	$(BIN)/mkdocs build --strict --quiet
	@echo "site/ is ready: open site/index.html or run 'make serve'"

# Regenerates pages as soon as a channel dump or configuration changes; MkDocs rebuilds the
# changed pages and live-reloads. Not strict: a dirty build always warns (`make site` is strict).
serve: site
	@$(BIN)/postdocs watch & watcher=$$!; \
	trap 'kill $$watcher 2>/dev/null' EXIT INT TERM; \
	$(BIN)/mkdocs serve --dirty --no-strict -a $(HOST):$(PORT)

# Debian's Chromium drives the browser tests (never a downloaded browser build); Node.js and
# npm install the pinned front-end packages. Both are installed through apt-get when missing.
system-deps:
	@pkgs=""; \
	if [ ! -x "$(CHROMIUM)" ]; then pkgs="$$pkgs chromium fonts-noto-core"; fi; \
	if ! command -v $(NPM) >/dev/null 2>&1; then pkgs="$$pkgs nodejs npm"; fi; \
	if [ -n "$$pkgs" ]; then \
	  echo "installing Debian packages:$$pkgs"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy src

pytest: $(VENV)/.installed-test system-deps vendor
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
