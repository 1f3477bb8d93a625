# The interface to Seamline: `make demo` runs the main job, `make test` runs every test. Both install what they need.
PYTHON ?= python3
STAMP := .run/.installed

include infra/stack.mk

.PHONY: help install demo test test-unit test-integration test-e2e test-faults lint typecheck asyncapi bench up down

help:
	@echo "make demo   - install, start Kafka + Redis + sandboxes + six services, run invoice follow-up, show results"
	@echo "make test   - install, start Kafka + Redis, run unit, integration and end-to-end tests"
	@echo "make test-unit | test-integration | test-e2e | lint | typecheck | bench | up | down"

$(STAMP): pyproject.toml
	@mkdir -p .run
	$(PYTHON) -m pip install -q --disable-pip-version-check -e ".[dev]"
	bash infra/kafka/kafka.sh fetch
	bash infra/prometheus/install.sh
	@touch $(STAMP)

install: $(STAMP)

up: install infra-up

down: infra-down

demo: install infra-up
	$(PYTHON) -m services.cli demo

test: install infra-up
	$(PYTHON) -m pytest -q -m "not slow"

test-unit: install
	$(PYTHON) -m pytest -q tests/unit tests/sandboxes

test-faults: install infra-up
	$(PYTHON) -m pytest -q -s tests/e2e/faults

test-integration: install infra-up
	$(PYTHON) -m pytest -q tests/integration

test-e2e: install infra-up
	$(PYTHON) -m pytest -q tests/e2e

lint: install
	$(PYTHON) -m ruff check services shared contracts infra tests

typecheck: install
	$(PYTHON) -m mypy services shared contracts

asyncapi: install
	$(PYTHON) -m services.ops.asyncapi

bench: install infra-up
	$(PYTHON) -m bench
