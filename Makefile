# socialcredit: `make run` runs the default preset, `make test` runs the test suite.
# Both create the virtual environment .venv if it is missing and install the package into it
# with the pinned versions of requirements/constraints.txt (needs only python3, pip and venv).

PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
CONSTRAINTS := requirements/constraints.txt
PIP         := $(BIN)/python -m pip --disable-pip-version-check
PYTEST_ARGS ?=

.PHONY: run test install install-test clean-venv

run: $(VENV)/.installed
	$(BIN)/socialcredit run

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(PIP) install -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(PIP) install -c $(CONSTRAINTS) -e ".[test]"
	touch $@ $(VENV)/.installed

clean-venv:
	rm -rf $(VENV)
