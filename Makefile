# The two set-up commands are `make run` and `make test`; the rest are helpers.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint venv servers lock docs bench clean

$(STAMP): requirements.txt scripts/bootstrap-venv.sh $(wildcard libs/*/pyproject.toml services/*/pyproject.toml)
	scripts/bootstrap-venv.sh
	touch $(STAMP)

venv: $(STAMP)

servers:
	scripts/ensure-servers.sh

run: venv servers
	$(PY) scripts/devrun.py

# The gates (lint and format) first: a failure names the file and line.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

test: venv servers lint
	scripts/test-setup.sh
	$(PY) -m pytest $(PYTEST_ARGS)

# After changing dependencies in a pyproject.toml: re-pin requirements.txt (uv.lock stays local).
lock: venv
	$(VENV)/bin/uv lock -q
	$(VENV)/bin/uv export --format requirements-txt --all-packages --all-groups --no-hashes -q -o requirements.txt

docs: venv
	$(PY) -m encaisse.contracts.asyncapi docs

bench: venv servers
	for b in bench/[a-z]*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .run .pytest_cache
