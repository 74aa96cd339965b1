# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export QT_QPA_PLATFORM ?= offscreen

.PHONY: install run demo test lint typecheck contracts pytest bench lock clean

install: $(STAMP)

# Re-installs only when a requirements file or pyproject.toml changed (seconds otherwise).
$(STAMP): requirements/app.txt requirements/dev.txt requirements/constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt -r requirements/dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The app picks the real display; scripts/run-app.sh installs what Qt needs to open a window.
run: install
	QT_QPA_PLATFORM=$${NOVAMIND_QPA:-} scripts/run-app.sh $(ARGS)

demo: install
	QT_QPA_PLATFORM=$${NOVAMIND_QPA:-} scripts/run-app.sh --demo

lint: install
	$(VENV)/bin/ruff check novamind_desktop tests alembic bench main.py

typecheck: install
	$(VENV)/bin/mypy

contracts: install
	$(VENV)/bin/lint-imports --no-cache

pytest: install
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint typecheck contracts pytest

bench: install
	$(PY) -m bench $(BENCH_ARGS)

# Re-pin every package (transitive ones too) at what is installed now.
lock: install
	{ echo "# Every package, transitive ones included, pinned at the versions tested. Regenerate with make lock."; \
	  $(PY) -m pip freeze --exclude-editable; } > requirements/constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/artifacts
