# Shouwen: `make demo` runs the system, `make test` runs every test (see README.md).
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: demo test install install-dev browser lint typecheck migrations-check pytest messages clean

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Shouwen needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	$(BIN)/shouwen demo

browser:
	@bash scripts/ensure-browser.sh

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy shouwen

migrations-check: $(VENV)/.installed-dev
	$(BIN)/shouwen makemigrations --check --dry-run

pytest: $(VENV)/.installed-dev browser
	$(BIN)/pytest

test: lint typecheck migrations-check pytest

messages: $(VENV)/.installed-dev
	cd shouwen && ../$(BIN)/shouwen makemessages -l en --no-obsolete --no-location && ../$(BIN)/shouwen compilemessages -l en

clean:
	rm -rf $(VENV) var/static
