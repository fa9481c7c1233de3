# The two commands of the README: `make demo` and `make test`. Both create the virtual
# environment on first use and install the package from this checkout. `make test-fast` skips the tests
# marked slow (about a minute), `make lint` runs ruff, mypy and numpydoc's docstring checks, `make docs` builds
# the documentation into docs/_build/html (warnings are errors); CI runs `make lint`, `make test` and `make docs`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: demo test test-fast lint docs notebooks bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,lint,spark]"
	touch $(DEV_STAMP)

# The API reference imports every public module, pyclv.engines.spark included: the docs need the spark extra.
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs,spark]"
	touch $(DOCS_STAMP)

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

docs: $(DOCS_STAMP)
	rm -rf docs/_build docs/api/generated
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

# Re-execute the notebooks in a Jupyter kernel and store them with their outputs (after a change that alters
# what they show; tests/test_notebooks.py says which cell changed).
notebooks: $(DEV_STAMP)
	$(BIN)/python scripts/execute_notebooks.py

clean:
	rm -rf $(VENV) demo-output .pytest_cache .hypothesis docs/_build docs/api/generated

bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/bench_shapes.py
	$(BIN)/python benchmarks/bench_core.py --sizes 10000 100000 1000000 10000000
	$(BIN)/python benchmarks/bench_peers.py
	$(BIN)/python benchmarks/bench_summary.py --rows 1000000 10000000 100000000
