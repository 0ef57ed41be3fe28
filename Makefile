# The two commands: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3
# uv from PATH; on a machine without it, the copy pip installs (see .venv/.synced).
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
MZ := $(UV) run --frozen minzheng
VAR := $(or $(MINZHENG_VAR_DIR),var)
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# The Chinese font that printed documents (PDF) embed.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
PO := src/minzheng/locale/en/LC_MESSAGES/django.po
MO := $(PO:.po=.mo)
STATIC_SOURCES := $(shell find src/minzheng -path '*/static/*' -type f 2>/dev/null)

.PHONY: run test test-browser test-postgres test-spark install messages lint check ci

install: .venv/.synced node_modules/.package-lock.json $(MO) $(CJK_FONT)

.venv/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 \
	  || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# The Chinese font that printed documents (PDF) embed, from Debian's packages.
$(CJK_FONT):
	$(SUDO) apt-get update && $(SUDO) apt-get install -y fonts-wqy-microhei

# Translations: compiled from the .po catalogue (the .mo files are not committed).
$(MO): $(PO) .venv/.synced
	@command -v msgfmt >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y gettext; }
	cd src/minzheng && $(MZ) compilemessages -v 0
messages: $(MO)

# Static files are collected (and compressed) again only when a source or the npm lock changed.
$(VAR)/static/.collected: $(STATIC_SOURCES) node_modules/.package-lock.json .venv/.synced
	$(MZ) collectstatic --no-input -v 0
	@touch $@

run: install $(VAR)/static/.collected
	$(MZ) demo --migrate
	$(MZ) serve --host $(HOST) --port $(PORT)

# `--dist load` (the default) keeps pytest-django's order on each worker: transactional tests,
# which empty the tables, run last.
test: install
	$(UV) run --frozen pytest -n 2 -q

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	  $(UV) run --frozen pytest -n 2 -q

test-browser: install
	$(UV) run --frozen pytest tests/browser -m browser -q -p no:xdist

# The engine on PySpark (Java 17): the same determinations as DuckDB, one local Spark session.
# `uv run --extra spark` adds the optional extra and removes nothing; `uv sync` (install, when the
# lock changed) takes it out again, and the next run here puts it back from uv's cache.
test-spark: install
	$(UV) run --frozen --extra spark pytest -m spark -q -p no:xdist

lint: install
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench
	$(UV) run --frozen mypy src

check: lint test

ci:
	.ci/run
