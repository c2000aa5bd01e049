# Set-up is included: the first run makes .venv and installs the package (CPU PyTorch, pinned
# by constraints.txt); later runs reuse it until pyproject.toml or constraints.txt change.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-all lint

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  ## the main job on a shipped spec: validate and summarize SKNet-50
	$(BIN)/skbuilder validate specs/sknet50.yaml
	$(BIN)/skbuilder summary specs/sknet50.yaml

test: $(STAMP)  ## lint, then the default (fast) test suite
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

test-all: $(STAMP)  ## also the tests marked slow
	$(BIN)/python -m pytest -q -m "slow or not slow"
