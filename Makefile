# Work-plan analysis suite. `make` (or `make help`) lists the targets.
# Every target creates the virtual environment .venv from pyproject.toml when it is missing or
# older than pyproject.toml, so `make reports` and `make test` work on a fresh machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROCESSED := data/processed
BUILT := $(PROCESSED)/.built
INPUTS := $(wildcard data/raw/*) $(wildcard analysis/*.py analysis/*/*.py analysis/lexicon/*)
PYTEST_NOTEBOOKS := --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg

.DEFAULT_GOAL := help
.PHONY: help venv data reports test bench notebooks lab clean distclean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP) ## Create or update the virtual environment .venv from pyproject.toml

$(BUILT): $(STAMP) $(INPUTS)
	$(BIN)/python -m analysis build --out $(PROCESSED)
	@touch $@

data: $(BUILT) ## Parse data/raw (per manifest.csv) into data/processed tables (only when inputs changed)

reports: data ## Build the processed tables, then reports/index.html and one HTML report per comparison
	$(BIN)/python -m analysis reports

test: data ## Run every test: unit, property, corpus vs gold, notebooks (nbval), reports in Chromium
	-$(BIN)/python -m analysis reports
	$(BIN)/python -m pytest tests notebooks $(PYTEST_NOTEBOOKS)

bench: data ## Measure throughput, alignment cost vs N, a simulated national corpus → reports/bench.json, bench.html
	$(BIN)/python -m benchmarks

notebooks: data ## Rerun the notebooks and store the figures nbval checks (review the diff!)
	$(BIN)/python -m analysis notebooks

lab: data ## Open the notebooks in JupyterLab
	$(BIN)/jupyter lab notebooks/

clean: ## Remove build outputs (processed tables, reports)
	rm -rf $(PROCESSED)/*.csv $(PROCESSED)/*.parquet $(BUILT) reports .pytest_cache

distclean: clean ## Also remove the virtual environment
	rm -rf $(VENV) *.egg-info
