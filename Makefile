# The two quick-start commands: `make run` starts Stepista, `make test` runs every test.
# Each makes its own virtual environment in .venv (Python 3.11+ as `python3`, or PYTHON=...).
# `make test` first builds the JUCE plugin and runs its C++ tests (plugin/build.sh; skipped with
# a message where JUCE is not installed), then the Python tests, which load the built plugin.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test plugin bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Stepista needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/stepista $(ARGS)

test: $(BIN)/.installed plugin
	$(BIN)/python -m pytest $(PYTEST_ARGS)

plugin:
	plugin/build.sh

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/query.py
	$(BIN)/python benchmarks/generate.py
	$(BIN)/python benchmarks/timing.py
	$(BIN)/python benchmarks/tui.py
	$(BIN)/python benchmarks/plugin.py

clean:
	rm -rf $(VENV) build dist *.egg-info plugin/build
