# Two commands do everything on a fresh machine (Python 3.11+, pip, make):
#   make reports   produce the default region's reports under reports/
#   make test      check the layering (import-linter), then run every test (unit, doctest,
#                  property, notebooks, batch)
# Both create and reuse the virtual environment .venv and install into it by themselves.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
REGION ?= achterhoek

.PHONY: setup reports baseline test lint format lab bench evaluate notebooks screenshots clean help

help:
	@echo "make reports   - reports for region $(REGION) (override: make reports REGION=alkmaar)"
	@echo "make test      - all tests"
	@echo "make lab       - open JupyterLab (Dutch language pack) on notebooks/"
	@echo "make bench     - performance benchmarks with ratios against naive baselines"
	@echo "make evaluate  - out-of-sample scores of the projection against four simple baselines"
	@echo "make notebooks - re-run and store the committed notebooks (after a deliberate change)"
	@echo "make screenshots - first two A4 pages of the Aalten report and the overview as PNG"
	@echo "make lint      - ruff"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name bekostiging --display-name "Python (bekostiging)" > /dev/null
	@touch $(STAMP)

setup: $(STAMP)

reports: $(STAMP)
	$(BIN)/python -m bekostiging reports --region $(REGION)

baseline: $(STAMP)
	$(BIN)/python -m bekostiging baseline --region $(REGION)

test: $(STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,lab]"
	@mkdir -p $(LAB_SETTINGS)
	@# Open JupyterLab in Dutch (language pack jupyterlab-language-pack-nl-NL)
	@echo '{"@jupyterlab/translation-extension:plugin": {"locale": "nl_NL"}}' > $(LAB_SETTINGS)/overrides.json
	$(BIN)/jupyter lab --notebook-dir=notebooks

bench: $(STAMP)
	$(BIN)/python -m bekostiging bench

evaluate: $(STAMP)
	$(BIN)/python -m bekostiging evaluate

notebooks: $(STAMP)
	$(BIN)/python -m bekostiging refresh-notebooks

# Prints the reports of the committed notebooks in the OS's Chromium (apt-get install chromium)
# and writes reports/screenshots/*.png
screenshots: $(STAMP)
	$(BIN)/python -m bekostiging.report.printing --out reports/screenshots

clean:
	rm -rf reports/*/ reports/*.html .pytest_cache .ruff_cache
