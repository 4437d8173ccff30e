# Storefront: `make run` serves the demo store on http://127.0.0.1:5000, `make test` runs the suite.
PYTHON ?= python3.11
VENV   ?= .venv
PY      = $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 5000
SANDBOX_PORT ?= 5001

.PHONY: run test lint bench translations install clean

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON)"; exit 1; }
	@echo "Installing Storefront and its dependencies into $(VENV) (the first time takes a minute)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[test,dev]'
	@touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	@$(PY) scripts/i18n.py compile

# STOREFRONT_INSTANCE_PATH (default instance/) holds the database, sandbox state, mail and logs
run: install
	@HOST=$(HOST) PORT=$(PORT) SANDBOX_PORT=$(SANDBOX_PORT) PY=$(PY) bash scripts/run.sh

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy storefront

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
