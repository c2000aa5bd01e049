# Set-up is included: the first run makes .venv and installs the package (CPU PyTorch, pinned
# by constraints.txt); later runs reuse it until pyproject.toml or constraints.txt change.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-all lint scale-experiment scale-experiment-long scale-memory

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

SCALE_OUT := out/scale-experiment
SCALE_LONG := out/scale-experiment-12ep
SCALE_MEMORY := out/scale-memory.json
# the report adds the memory table and the longer run when they have been made
SCALE_EXTRAS = $(if $(wildcard $(SCALE_MEMORY)),--memory $(SCALE_MEMORY)) \
	$(if $(wildcard $(SCALE_LONG)/results.json),--also $(SCALE_LONG))

scale-experiment: $(STAMP)  ## train a tiny SKNet on shapes (4 seeds), measure attention vs object size, update docs/scale-selection.md
	$(BIN)/skbuilder scale experiment --out $(SCALE_OUT)
	$(BIN)/skbuilder scale report $(SCALE_OUT) --doc docs/scale-selection.md \
		--figures docs/scale-selection $(SCALE_EXTRAS)

scale-experiment-long: $(STAMP)  ## the same with 12 epochs (3x the training; about 17 min of CPU)
	$(BIN)/skbuilder scale experiment --epochs 12 --out $(SCALE_LONG)

scale-memory: $(STAMP)  ## peak memory of the scale analysis for 100 and 1000 images (a few minutes)
	$(BIN)/python benchmarks/scale_memory.py --out $(SCALE_MEMORY)
