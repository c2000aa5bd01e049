# Set-up is included: the first run makes .venv and installs the package (CPU PyTorch, pinned
# by constraints.txt); later runs reuse it until pyproject.toml or constraints.txt change.
# pip is not quieted: the first set-up downloads a few hundred MB and shows its progress.
# PyPI's Linux torch is the CUDA build (GBs of nvidia-* wheels), so torch comes first from
# PyTorch's CPU index; `make demo TORCH_INDEX=` leaves the choice to pip's own configuration.
PYTHON ?= python3
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test typecheck test-all docs browser scale-experiment scale-memory

$(STAMP): pyproject.toml constraints.txt
	@echo "Setting up $(VENV): the package with CPU PyTorch and the test tools (pip shows progress)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(if $(TORCH_INDEX),$(BIN)/python -m pip install --retries 1 -c constraints.txt torch --index-url $(TORCH_INDEX))
	$(BIN)/python -m pip install -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  ## the shipped specs: list them, validate them all, summarize SKNet-50
	$(BIN)/skbuilder list
	$(BIN)/skbuilder validate specs/*.yaml specs/*/*.yaml
	$(BIN)/skbuilder summary sknet50

test: $(STAMP)  ## lint, then the default (fast) test suite
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

typecheck: $(STAMP)  ## the type checker over the package (CI runs it beside the tests)
	$(BIN)/mypy

test-all: $(STAMP)  ## also the tests marked slow
	$(BIN)/python -m pytest -q -m "slow or not slow"

# The studio's browser tests (tests/test_studio_browser.py) drive the system's Chromium through its
# chromedriver; they skip, saying why, where there is none. Quick when both are installed.
browser:  ## Chromium and chromedriver from Debian's packages, for the studio's browser tests
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
		echo "chromium and chromedriver are installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends chromium chromium-driver; \
	else \
		echo "no chromium/chromedriver: install the Debian packages chromium and chromium-driver"; \
	fi

docs: $(STAMP)  ## the JSON Schema, the field reference, and every output and figure the docs show
	$(BIN)/python -m skbuilder.spec.json_schema specs/spec.schema.json docs/spec.schema.json
	$(BIN)/python -m skbuilder.spec.reference docs/spec-rules.md
	$(BIN)/python tools/make_docs.py

SCALE_OUT := out/scale-experiment
SCALE_DOC := docs/scale-selection
SCALE_MEMORY := out/scale-memory.json

scale-experiment: $(STAMP)  ## the object-scale experiment (6 seeds; about 10 min of CPU), then regenerate docs/scale-selection.md from its results
	$(BIN)/skbuilder scale experiment --out $(SCALE_OUT)
	cp $(SCALE_OUT)/results.json $(SCALE_DOC)/results.json
	$(BIN)/skbuilder scale report $(SCALE_DOC) --doc $(SCALE_DOC).md --figures $(SCALE_DOC)

scale-memory: $(STAMP)  ## peak memory of the scale analysis for 100 and 1000 images (a few minutes), into docs/scale-selection.md
	$(BIN)/python benchmarks/scale_memory.py --out $(SCALE_MEMORY)
	$(BIN)/skbuilder scale report $(SCALE_DOC) --doc $(SCALE_DOC).md --figures $(SCALE_DOC) \
		--memory $(SCALE_MEMORY)
