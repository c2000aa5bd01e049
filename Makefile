# Set-up is included: the first run makes .venv and installs the package (CPU PyTorch, pinned
# by constraints.txt); later runs reuse it until pyproject.toml or constraints.txt change.
# pip is not quieted: the first set-up downloads a few hundred MB and shows its progress.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-all docs

$(STAMP): pyproject.toml constraints.txt
	@echo "Setting up $(VENV): the package with CPU PyTorch and the test tools (pip shows progress)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  ## the shipped specs: list them, validate them all, summarize SKNet-50
	$(BIN)/skbuilder list
	$(BIN)/skbuilder validate specs/*.yaml specs/*/*.yaml
	$(BIN)/skbuilder summary sknet50

test: $(STAMP)  ## lint, then the default (fast) test suite
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

test-all: $(STAMP)  ## also the tests marked slow
	$(BIN)/python -m pytest -q -m "slow or not slow"

docs: $(STAMP)  ## the JSON Schema, the field reference, and every output and figure the docs show
	$(BIN)/skbuilder schema -o docs/spec.schema.json
	$(BIN)/python -m skbuilder.spec.reference docs/spec-rules.md
	$(BIN)/python tools/make_docs.py
