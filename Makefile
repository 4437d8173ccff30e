# Storefront: `make run` serves the demo store on http://127.0.0.1:5000, `make test` runs the suite.
PYTHON ?= python3.11
VENV   ?= .venv
PY      = $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 5000
SANDBOX_PORT ?= 5001

NEWEST ?= .venv-newest

.PHONY: run test test-newest suite-newest newest-venv lint bench translations install clean lock

# The tested versions (constraints.txt, written by `make lock`) within pyproject.toml's ranges.
$(VENV)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON)"; exit 1; }
	@echo "Installing Storefront and its dependencies into $(VENV) (the first time takes a minute)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -c constraints.txt -e '.[test,dev]'
	@touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	@$(PY) scripts/i18n.py compile

# STOREFRONT_INSTANCE_PATH (default instance/) holds the database, sandbox state, mail and logs
run: install
	@HOST=$(HOST) PORT=$(PORT) SANDBOX_PORT=$(SANDBOX_PORT) PY=$(PY) bash scripts/run.sh

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# The suite on the newest versions pyproject.toml allows (no constraints), in its own venv:
# what a fresh `pip install storefront` would get today.
# `newest-venv` alone builds that venv (CI builds it while lint runs).
newest-venv:
	@test -x $(NEWEST)/bin/python || $(PYTHON) -m venv $(NEWEST)
	@$(NEWEST)/bin/python -m pip install -q --upgrade pip
	@$(NEWEST)/bin/python -m pip install -q --upgrade --upgrade-strategy eager -e '.[test,dev]'

test-newest: newest-venv
	@$(MAKE) --no-print-directory suite-newest

# The suite in $(NEWEST) as it is (CI builds it with `newest-venv` while lint runs, then runs
# this: `test-newest` would resolve and upgrade every dependency a second time).
suite-newest:
	@$(NEWEST)/bin/python scripts/i18n.py compile
	@$(NEWEST)/bin/python -m pip list --format=freeze 2>/dev/null | grep -iE \
	  '^(flask|werkzeug|flask-login|flask-babel|sqlalchemy|pysaml2|huaweicloudsdkcore)=' \
	  | tr '\n' ' '; echo
	$(NEWEST)/bin/python -m pytest $(PYTEST_ARGS)

# After upgrading $(VENV) (pip install -U …) and a green `make test`: record the versions.
lock: install
	$(PY) scripts/lock.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy storefront

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) $(NEWEST) instance .pytest_cache .mypy_cache .ruff_cache
