# The two quick-start commands: `make run` starts Stepista, `make test` runs every test.
# Each makes its own virtual environment in .venv (Python 3.11+ as `python3`, or PYTHON=...).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Stepista needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/stepista $(ARGS)

test: $(BIN)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/query.py
	$(BIN)/python benchmarks/generate.py
	$(BIN)/python benchmarks/timing.py
	$(BIN)/python benchmarks/tui.py

clean:
	rm -rf $(VENV) build dist *.egg-info
