# The two set-up commands of the README: `make run` and `make test`.
# Each creates the virtual environment and installs what is needed the first time.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-pg lint bench clean

$(STAMP): pyproject.toml
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python main.py

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen MPLBACKEND=Agg $(BIN)/python -m pytest
	$(BIN)/lint-imports
	$(BIN)/ruff check .

# The same suite on SQLite and on a private PostgreSQL server (installed from Debian's packages
# if missing, started on 127.0.0.1:55432, stopped at the end): see scripts/postgres.sh.
test-pg: $(STAMP)
	bash scripts/postgres.sh run $(MAKE) --no-print-directory test

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
