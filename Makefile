# kiemtra: every target does the set-up it needs, so `make demo` and `make test` work on a fresh machine.
VENV    ?= .venv
PYTHON  ?= python3
BIN      = $(VENV)/bin
STAMP    = $(VENV)/.installed
SUDO     = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup system demo test crawl serve bench lint clean cluster cluster-db cluster-stop

setup: system $(STAMP)
	@$(BIN)/kiemtra setup

# Chromium and ffmpeg from the system's packages: Playwright's own downloads fail without internet.
system:
	@command -v chromium >/dev/null && command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null && \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  ( export DEBIAN_FRONTEND=noninteractive; $(SUDO) apt-get update -qq && \
	    $(SUDO) apt-get install -y -qq --no-install-recommends chromium ffmpeg fonts-dejavu-core postgresql )
	@command -v npm >/dev/null || ( export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get install -y -qq --no-install-recommends npm )  # ReplayWeb.page for the WACZ replay test

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

# A local cluster to try the distributed crawl: `make cluster-db` (a throwaway PostgreSQL in var/pg, prints its
# URL), then `KIEMTRA_DATABASE_URL=<url> make cluster N=2` (N workers in the background, logs in var/cluster/),
# `kiemtra crawl --distributed`, and `make cluster-stop`.
N ?= 2
cluster-db: setup
	@$(BIN)/python tests/pg_cluster.py var/pg

cluster: setup
	@test -n "$$KIEMTRA_DATABASE_URL" || { echo "đặt KIEMTRA_DATABASE_URL=postgresql://… (hoặc chạy make cluster-db)"; exit 2; }
	@mkdir -p var/cluster
	@for i in $$(seq $(N)); do nohup $(BIN)/kiemtra worker > var/cluster/worker-$$i.log 2>&1 & echo $$! >> var/cluster/pids; done
	@echo "$(N) máy chạy việc đang chạy (var/cluster/pids); tiếp: kiemtra crawl --distributed; dừng: make cluster-stop"

cluster-stop:
	@test -f var/cluster/pids && kill $$(cat var/cluster/pids) 2>/dev/null; rm -f var/cluster/pids

clean:
	rm -rf $(VENV) var
