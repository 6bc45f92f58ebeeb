# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint typecheck unit integration bench faults jars postgres mono clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

jars: $(STAMP)
	$(BIN)/python -m localkafka --fetch-only

run: $(STAMP)
	$(BIN)/python -m localkafka.stack

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# PostgreSQL for the SQL sink's tests: Debian's package, installed and started when no
# server runs (the test fixtures would do it too; here it fails early and visibly).
postgres: $(STAMP)
	$(BIN)/python -m localkafka.postgres

# Mono for the tests that run real .NET relay clients (tests/fixtures/dotnet/): Debian's
# compiler, runtime and the DataContract and HTTP libraries, installed when missing.
mono: $(STAMP)
	$(BIN)/python -m localkafka.mono

# Two processes share the tests, a file at a time (a module's hub starts once), each with
# its own broker and session hub; then the tests marked `alone` (the bench smokes, the
# PostgreSQL outages: tests/conftest.py) run one after another with nothing beside them.
# Both parts always run; the target fails if either did. TEST_WORKERS=0 runs the first
# part in this one process.
TEST_WORKERS ?= 2

test: $(STAMP) jars postgres mono lint typecheck
	status=0; \
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup -m "not alone" || status=$$?; \
	$(BIN)/pytest -m alone -p no:xdist || status=$$?; \
	exit $$status

unit: $(STAMP)
	$(BIN)/pytest -m "not integration"

# The inner loop: lint, types, and the tests that need no real component.
check: lint typecheck unit

bench: $(STAMP) jars
	$(BIN)/python -m bench.hotpath
	$(BIN)/python -m bench.heartbeat
	$(BIN)/python -m bench.sql_sink
	$(BIN)/python -m bench.sql_sink_live --engines sqlite,postgresql
	$(BIN)/python -m bench.sweep
	$(BIN)/python -m bench.pbx
	$(BIN)/python -m bench.overload
	$(BIN)/python -m bench.replication
	$(BIN)/python -m bench.publish_clients
	$(BIN)/python -m bench.scale

# The fault suite under load at full size (at least 100,000 heartbeats); `make test`
# runs it small (tests/bench/test_faults_smoke.py).
faults: $(STAMP) jars postgres
	$(BIN)/python -m bench.faults

clean:
	rm -rf $(VENV) .cache .mypy_cache .ruff_cache .pytest_cache
