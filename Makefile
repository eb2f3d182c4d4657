# Social Design Lab: every target creates or reuses the virtual environment in .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install test-deps demo test test-fast lab validate release site benchmark clean

# What the hub, browser and gradebook tests need besides Python packages: configurable-http-proxy
# (npm, into .work/node), Debian's chromium, a Japanese font (fonts-noto-cjk: the browser test reads
# Japanese text), setfacl (acl) and the PostgreSQL server (postgresql:
# tests/e2e/test_postgres.py starts its own). Each is installed once; a machine without npm or
# apt-get gets a message, and those tests skip saying why.
NODE_DIR := .work/node
CHP      := $(NODE_DIR)/node_modules/.bin/configurable-http-proxy
CHP_VERSION := 5.3.0

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: install it, or run make PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,site]'
	@touch $(STAMP)

install: $(STAMP)

$(CHP):
	@if command -v npm >/dev/null; then \
		npm install --prefix $(NODE_DIR) --no-audit --no-fund --save-exact configurable-http-proxy@$(CHP_VERSION); \
	else echo "npm not found: tests/hub will skip (install Node.js 20+ and npm)"; fi

test-deps: $(CHP)
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v setfacl >/dev/null || missing="$$missing acl"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null || missing="$$missing postgresql"; \
	fc-list :lang=ja 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else echo "not installed:$$missing (needs root and apt-get): the browser, hub and PostgreSQL tests will skip"; fi; \
	fi

## The main job: the whole instructor cycle on the bundled sample class.
demo: $(STAMP)
	$(BIN)/course demo

## The test suite (what CI runs), in TEST_WORKERS processes (pytest-xdist; tests/conftest.py keeps
## together the tests that share state). TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2
test: $(STAMP) test-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

## The quick tests only: no notebook runs, no nbgrader round trips.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -n $(TEST_WORKERS) --dist loadgroup

## JupyterLab on your own copy of the student notebooks (my-work/): release/ stays as nbgrader made it.
## Copies only notebooks you do not have yet, so your answers are never overwritten. A self-learner's
## view (deploy/jupyter/self-learner: no nbgrader tools), with this environment's `course` in its terminals.
## `make lab LANG=ja`: the Japanese notebooks (release/ja/, into my-work/ja/), with course's messages in Japanese.
## (LANG counts only when given on the command line: the shell's own LANG is a locale such as C.UTF-8.)
LAB_LANG := $(if $(filter command line,$(origin LANG)),$(LANG),en)
ifeq ($(LAB_LANG),en)
LAB_DIR  ?= my-work
LAB_FROM := release/[0-9][0-9]-*
else
LAB_DIR  ?= my-work/$(LAB_LANG)
LAB_FROM := release/$(LAB_LANG)/[0-9][0-9]-*
endif
LAB_ARGS ?=
lab: $(STAMP)
	@if [ "$(LAB_LANG)" != en ] && [ ! -d release/$(LAB_LANG) ]; then \
		echo "no release/$(LAB_LANG)/: no module is translated into $(LAB_LANG) yet (use make lab for English)"; exit 1; fi
	@mkdir -p $(LAB_DIR) && for d in $(LAB_FROM); do [ -d "$$d" ] && cp -Rn "$$d" $(LAB_DIR)/; done; true
	@root=""; if [ "$$(id -u)" = 0 ]; then root="--allow-root"; \
		echo "note: running as root (as in a container): JupyterLab starts with --allow-root; as your own user it needs none"; fi; \
	JUPYTER_CONFIG_PATH="$(CURDIR)/deploy/jupyter/self-learner$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	PATH="$(abspath $(BIN)):$$PATH" LANG=C.UTF-8 COURSE_LANG=$(LAB_LANG) exec $(BIN)/jupyter lab $$root $(LAB_ARGS) $(LAB_DIR)/

validate: $(STAMP)
	$(BIN)/course validate

release: $(STAMP)
	$(BIN)/course release

## The course website (docs/DEPLOY.md, "The course website"): every released module in each released
## language, into .work/site/html/, offline. MODULES="00-python-pandas" builds only those.
MODULES ?=
site: $(STAMP)
	$(BIN)/course site $(MODULES)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf .work demo-output benchmarks/results
