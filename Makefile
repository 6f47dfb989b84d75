# ai-doc-extractor: `make help` lists the targets.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install services run up down test lint bench soak clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its dev extras

services: ## Start Kafka and Redis on loopback (no-op when running)
	bash deploy/local/redis.sh start
	bash deploy/local/kafka.sh start

run: install ## Kafka, Redis, API and one worker in the foreground (Ctrl-C stops what it started)
	bash deploy/local/procs.sh run

up: install services ## The same in the background; returns once /ready is green
	bash deploy/local/procs.sh up

down: ## Stop exactly what `make up` started (by pid)
	bash deploy/local/procs.sh down
	bash deploy/local/kafka.sh stop
	bash deploy/local/redis.sh stop

test: install ## The whole suite (starts Kafka and Redis when needed)
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: install ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy config topics stores ingest_api streams cli

bench: install services ## Benchmarks; BENCH_SCALE=small finishes in a few minutes
	$(PY) -m bench.run

soak: install services ## Steady uploads for SOAK_MINUTES (10): latency, RSS, keys, lag, losses
	SOAK_MINUTES=$(or $(SOAK_MINUTES),10) $(PY) -m bench.soak

clean: ## Remove caches and local state (not the Kafka jar cache)
	rm -rf .run .pytest_cache .mypy_cache .ruff_cache
