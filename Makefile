# The two commands: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
MZ := $(UV) run --frozen minzheng

.PHONY: run test test-browser test-postgres install lint check

install: .venv/.synced node_modules/.package-lock.json

$(UV):
	python3 -m pip install --user --quiet uv || python3 -m pip install --quiet uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

run: install
	$(MZ) migrate --no-input
	$(MZ) collectstatic --no-input -v 0
	$(MZ) demo
	$(MZ) serve

test: install
	$(UV) run --frozen pytest -n 2 -q

test-browser: install
	$(UV) run --frozen pytest -m browser -q -p no:xdist

lint: install
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench
	$(UV) run --frozen mypy src tests

check: lint test
