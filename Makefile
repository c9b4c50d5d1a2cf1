# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The local development key named in the README; never use it outside your own machine.
DEV_API_KEYS ?= dev:dev-local-key

.PHONY: run test reliability lint typecheck check clean bench

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	API_KEYS="$${API_KEYS:-$(DEV_API_KEYS)}" LOG_FORMAT="$${LOG_FORMAT:-console}" \
		$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --no-access-log --no-proxy-headers

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fuzz, load, fault and shutdown suites alone (`make test` and CI run them with the rest).
reliability: $(VENV)/.installed
	$(BIN)/python -m pytest tests/reliability $(PYTEST_ARGS)

# The benchmarks behind docs/PERFORMANCE.md, in under five minutes (needs wrk: apt-get install wrk).
# BENCH_DATABASE_URL (postgresql+asyncpg://...) adds the overhead run on PostgreSQL.
bench: $(VENV)/.installed
	$(BIN)/python bench/overhead.py --seconds 10 --connections 32
	$(BIN)/python bench/bedrock_concurrency.py --requests 500 --workers 1
	$(BIN)/python bench/bedrock_concurrency.py --requests 500 --workers 2 --rounds 1
	if [ -n "$$BENCH_DATABASE_URL" ]; then $(BIN)/python bench/overhead.py --seconds 10 --connections 32 \
		--skip-metrics --database-url "$$BENCH_DATABASE_URL"; fi

lint: $(VENV)/.installed
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
