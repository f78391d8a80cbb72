# make demo: set up .venv and tell the seed-lab story on the embedded store.
# make test: set up .venv and run the linters, the type checker and every test.
# Both are idempotent: the venv is rebuilt only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check lint typecheck unit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p demo-output
	cd demo-output && ../$(BIN)/vpcflow demo --db vpcflow.duckdb

test: $(STAMP) lint typecheck unit

check: test

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.generate
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.query
	$(BIN)/python -m bench.reach

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
