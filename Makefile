# kiemtra: every target does the set-up it needs, so `make demo` and `make test` work on a fresh machine.
VENV    ?= .venv
PYTHON  ?= python3
BIN      = $(VENV)/bin
STAMP    = $(VENV)/.installed
SUDO     = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup system demo test crawl serve bench lint clean

setup: system $(STAMP)
	@$(BIN)/kiemtra setup

# Chromium and ffmpeg from the system's packages: Playwright's own downloads fail without internet.
system:
	@command -v chromium >/dev/null && command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || \
	  ( export DEBIAN_FRONTEND=noninteractive; $(SUDO) apt-get update -qq && \
	    $(SUDO) apt-get install -y -qq --no-install-recommends chromium ffmpeg fonts-dejavu-core )

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

demo: setup
	$(BIN)/kiemtra demo

test: setup
	$(BIN)/pytest -q

crawl: setup
	$(BIN)/kiemtra crawl

serve: setup
	$(BIN)/kiemtra serve

bench: setup
	$(BIN)/python bench/run_all.py

# ruff (rules in pyproject.toml) and mypy over every room of the product; both must find nothing.
lint: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var
