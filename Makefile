# The two commands of the README: `make demo` and `make test`. Both create the virtual
# environment on first use and install the package from this checkout.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pyclv demo --out demo-output

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) demo-output .pytest_cache .hypothesis

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py --sizes 10000 100000 1000000 10000000
	$(BIN)/python benchmarks/bench_peers.py
	$(BIN)/python benchmarks/bench_summary.py --rows 1000000 10000000 100000000
