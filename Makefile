# The two commands of the README: `make demo` and `make test`. Both create the virtual
# environment on first use and install the package from this checkout. `make test-fast` skips the tests
# marked slow (about a minute), `make lint` runs ruff, mypy and numpydoc's docstring checks; CI runs both `make lint` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test test-fast lint notebooks bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,lint,spark]"
	touch $(DEV_STAMP)

demo: $(STAMP)
	$(BIN)/pyclv demo --out demo-output

test: $(DEV_STAMP)
	$(BIN)/python -m pytest

test-fast: $(DEV_STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/numpydoc lint $$(find src/pyclv -name '*.py' | sort)

# Re-execute the notebooks in a Jupyter kernel and store them with their outputs (after a change that alters
# what they show; tests/test_notebooks.py says which cell changed).
notebooks: $(DEV_STAMP)
	$(BIN)/python scripts/execute_notebooks.py

clean:
	rm -rf $(VENV) demo-output .pytest_cache .hypothesis

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/bench_shapes.py
	$(BIN)/python benchmarks/bench_core.py --sizes 10000 100000 1000000 10000000
	$(BIN)/python benchmarks/bench_peers.py
	$(BIN)/python benchmarks/bench_summary.py --rows 1000000 10000000 100000000
