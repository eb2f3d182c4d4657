# Social Design Lab: every target creates or reuses the virtual environment in .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast lab validate release benchmark clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: install it, or run make PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

## The main job: the whole instructor cycle on the bundled sample class.
demo: $(STAMP)
	$(BIN)/course demo

## The test suite (what CI runs).
test: $(STAMP)
	$(BIN)/python -m pytest

## The quick tests only: no notebook runs, no nbgrader round trips.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

## JupyterLab on your own copy of the student notebooks (my-work/): release/ stays as nbgrader made it.
## Copies only notebooks you do not have yet, so your answers are never overwritten.
lab: $(STAMP)
	@mkdir -p my-work && cp -Rn release/. my-work/
	$(BIN)/jupyter lab my-work/

validate: $(STAMP)
	$(BIN)/course validate

release: $(STAMP)
	$(BIN)/course release

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf .work demo-output benchmarks/results
