# Shouwen: `make demo` runs the system, `make test` runs every test (see README.md).
# The first Python 3.11+ that actually runs (pyenv shims may exist for versions that are not active).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: demo test install install-dev browser lint typecheck migrations-check pytest messages clean bench bench-quick

$(VENV)/.installed: requirements.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "Shouwen needs Python 3.11 or newer (python3 --version)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# The web server and the background worker (deadline sweep, e-mail and SMS) together; Ctrl+C stops both.
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

# PYTEST_ARGS passes options through, e.g. PYTEST_ARGS='-m "not once"'.
pytest: $(VENV)/.installed-dev browser
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck migrations-check pytest

# Benchmarks (docs/performance.md): each script prints one JSON line with its figures and its ratio to a
# baseline measured in the same run. SQLite, or PostgreSQL with DATABASE_URL (a throw-away database
# is created beside the one named). bench-quick takes minutes; bench about an hour on two cores.
BENCHES := bench/sla_sweep.py bench/intake.py bench/queues_search.py bench/reports.py

bench: $(VENV)/.installed-dev
	@for b in $(BENCHES); do $(BIN)/python $$b || exit 1; done

bench-quick: $(VENV)/.installed-dev
	@for b in $(BENCHES); do $(BIN)/python $$b --quick || exit 1; done

messages: $(VENV)/.installed-dev
	cd shouwen && ../$(BIN)/shouwen makemessages -l en --no-obsolete --no-location && ../$(BIN)/shouwen compilemessages -l en

clean:
	rm -rf $(VENV) var/static
