# Work-plan analysis suite. `make` (or `make help`) lists the targets.
# Every target creates the virtual environment .venv when it is missing or older than pyproject.toml
# or requirements.lock: the pinned versions of requirements.lock first, then the package itself
# (editable, without dependencies), so `make reports` and `make test` work on a fresh machine with
# the same versions everywhere. `make lock` refreshes requirements.lock from pyproject.toml.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
STAMP := $(VENV)/.installed
LOCK := requirements.lock
# Extra flags for `make lock`, e.g. LOCK_FLAGS=--upgrade to move every pin to its newest release.
LOCK_FLAGS ?=
PROCESSED := data/processed
BUILT := $(PROCESSED)/.built
INPUTS := $(wildcard data/raw/*) $(wildcard data/corrections/*.csv) $(wildcard analysis/*.py analysis/*/*.py analysis/lexicon/*)
PYTEST_NOTEBOOKS := --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg
# `make test` runs in TEST_WORKERS processes (pytest-xdist), a whole test file or notebook to one
# process (a notebook's cells run in order in one kernel); TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= 2
# The tests and the notebooks' checked figures run on the tests' pinned copies of the bundled corpus
# and of the corrections files, whatever a researcher adds to data/raw or data/corrections.
PINNED_MANIFEST := $(CURDIR)/tests/data/corpus/manifest.csv
PINNED_CORRECTIONS := $(CURDIR)/tests/data/corrections
PINNED_PROCESSED := $(CURDIR)/build/test-processed
PINNED := ANALYSIS_MANIFEST=$(PINNED_MANIFEST) ANALYSIS_CORRECTIONS_DIR=$(PINNED_CORRECTIONS) ANALYSIS_PROCESSED_DIR=$(PINNED_PROCESSED)
LINTED := analysis benchmarks tests notebooks

.DEFAULT_GOAL := help
.PHONY: help venv lock data reports test test-fast lint typecheck strip-notebooks docs docs-reference hooks bench notebooks lab clean distclean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# `pip check` catches a lock that no longer satisfies pyproject.toml (a dependency added without `make lock`).
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -r $(LOCK)
	$(PIP) install --quiet --no-deps -e .
	@$(PIP) check >/dev/null || { $(PIP) check; echo "$(LOCK) does not satisfy pyproject.toml: run 'make lock'"; exit 1; }
	@touch $(STAMP)

venv: $(STAMP) ## Create or update the virtual environment .venv from requirements.lock

lock: ## Refresh requirements.lock from pyproject.toml (package + dev extra, Linux x86_64, CPython 3.11)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu --custom-compile-command "make lock" $(LOCK_FLAGS) -o $(LOCK)

$(BUILT): $(STAMP) $(INPUTS)
	$(BIN)/python -m analysis build --out $(PROCESSED)
	@touch $@

data: $(BUILT) ## Parse data/raw (per manifest.csv) into data/processed tables (only when inputs changed)

# One run builds both editions: each worker's kernel runs a report's Chinese and English notebooks.
reports: data ## Build the processed tables, then the reports: Chinese in reports/, English in reports/en/
	$(BIN)/python -m analysis reports --lang all

# The tests build their own tables and reports into temporary folders, and the notebooks' checked
# figures (nbval) read the pinned corpus's tables in build/test-processed: nothing in data/ is used.
test: $(STAMP) ## Run every test (on the pinned corpus): unit, property, corpus vs gold, notebooks (nbval), reports in Chromium
	$(PINNED) $(BIN)/python -m analysis build --out $(PINNED_PROCESSED)
	$(PINNED) $(BIN)/python -m pytest tests notebooks $(PYTEST_NOTEBOOKS) -n $(TEST_WORKERS) --dist loadfile

test-fast: $(STAMP) ## Run the tests not marked slow or browser (no build, no notebooks, no reports)
	$(PINNED) $(BIN)/python -m pytest -m "not slow and not browser" -q

lint: $(STAMP) ## Check the code with ruff: lint rules, then formatting (changes nothing)
	$(BIN)/ruff check $(LINTED); status=$$?; $(BIN)/ruff format --check $(LINTED) && exit $$status

typecheck: $(STAMP) ## Type-check the package with mypy (settings in pyproject.toml)
	$(BIN)/mypy

strip-notebooks: $(STAMP) ## Drop notebook outputs except the `# NBVAL_CHECK_OUTPUT` cells nbval compares
	$(BIN)/python -c 'import nbformat; from analysis.report.batch import strip_outputs; from analysis.settings import NOTEBOOKS_DIR; \
		[p.write_text(new, encoding="utf-8") for p in sorted(NOTEBOOKS_DIR.glob("*.ipynb")) \
		 for new in [nbformat.writes(strip_outputs(nbformat.read(p, as_version=4))) + "\n"] \
		 if new != p.read_text(encoding="utf-8")]'

# The generated parts of the documentation (the README's stage table; in docs/ the commands, the
# processed tables, the modules, the settings and these targets): tests/test_docs.py checks them.
docs-reference: $(STAMP) ## Regenerate the documentation's generated parts (README stage table, docs/ reference pages)
	$(BIN)/python -m analysis.docs

docs: docs-reference ## Build the documentation site from docs/ into site/ (offline: open site/index.html)
	$(BIN)/mkdocs build --strict --quiet

hooks: $(STAMP) ## Install pre-commit into .venv and its git hook (runs .pre-commit-config.yaml on commit)
	$(PIP) install --quiet pre-commit
	$(BIN)/pre-commit install

bench: data ## Measure throughput, alignment cost vs N, a simulated national corpus → reports/bench.json, bench.html
	$(BIN)/python -m benchmarks

notebooks: $(STAMP) ## Rerun the notebooks on the pinned corpus and store the figures nbval checks (review the diff!)
	$(PINNED) $(BIN)/python -m analysis build --out $(PINNED_PROCESSED)
	$(PINNED) $(BIN)/python -m analysis notebooks

# Jupyter refuses to start as root without --allow-root (most containers run as root): given only then.
LAB_FLAGS = $(if $(filter 0,$(shell id -u)),--allow-root)

lab: data ## Open the notebooks in JupyterLab (as root too, e.g. in a container)
	$(BIN)/jupyter lab notebooks/ $(LAB_FLAGS)

clean: ## Remove build outputs (processed tables, reports, the documentation site)
	rm -rf $(PROCESSED)/*.csv $(PROCESSED)/*.parquet $(PROCESSED)/build.json $(PROCESSED)/current $(PROCESSED)/tables-* $(PROCESSED)/.staging-* $(PROCESSED)/.cache $(BUILT) reports build site .pytest_cache .mypy_cache .ruff_cache

distclean: clean ## Also remove the virtual environment
	rm -rf $(VENV) *.egg-info
