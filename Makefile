# Two commands on a fresh machine: `make run` (the app with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
LOCALES := es vi tl zh_Hans ar en

.PHONY: run test test-pg test-at lint translations bench bench-quick screenshots lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The lock files pin every package, transitive ones too, with their hashes: a fresh
# machine installs exactly what CI tested, or nothing.
$(VENV)/.deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements-dev.txt $(VENV)/.deps
	$(BIN)/pip install -q --require-hashes -r requirements-dev.txt
	touch $@

## lock: recompile the lock files from requirements.in and requirements-dev.in
## (after changing a pin there), with pip-tools in a throwaway environment
lock:
	$(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install -q pip-tools
	.lock-venv/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	.lock-venv/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in
	rm -rf .lock-venv

## run: install, migrate the SQLite default, load demo data, serve on :5000
run: $(VENV)/.deps
	$(FLASK) db upgrade
	$(FLASK) engage demo
	@echo ""
	@echo "  Resident survey:  http://127.0.0.1:5000/s/demo"
	@echo "  Staff sign-in:    http://127.0.0.1:5000/staff/login"
	@echo "                    admin@example.org / engage-demo-2026 (also staff@, planner@, viewer@)"
	@echo "  Phone simulator:  http://127.0.0.1:5000/staff/sms/simulator (text DEMO)"
	@echo "  Call simulator:   http://127.0.0.1:5000/staff/voice/simulator"
	@echo "  Campaigns:        http://127.0.0.1:5000/staff/outreach/campaigns"
	@echo "  Public report:    http://127.0.0.1:5000/r/demo"
	@echo ""
	@# a task-queue worker beside the web server (campaign texts); stopped with it
	$(FLASK) engage worker & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
		$(FLASK) run --host 127.0.0.1 --port 5000

## test: install dev dependencies and run the whole suite (SQLite unless
## ENGAGE_TEST_DATABASE_URL names a PostgreSQL database)
test: $(VENV)/.dev-deps
	$(BIN)/python -m pytest

test-pg:
	ENGAGE_TEST_DATABASE_URL=postgresql://127.0.0.1/test $(MAKE) test

## test-at: the clock-sensitive tests with the whole process's clock moved to AT (UTC)
## by Debian's faketime, e.g. make test-at AT="2027-12-04 11:30:00". Only the wall clock
## moves: a faked monotonic clock makes timed waits (threading.Timer) never end.
CLOCK_TESTS ?= tests/outreach tests/plans tests/channels tests/core
test-at: $(VENV)/.dev-deps
	@test -n "$(AT)" || { echo 'say when: make test-at AT="2027-12-04 11:30:00"'; exit 2; }
	PYTHONPATH=tests/faketime TZ=UTC faketime -m --exclude-monotonic "$(AT)" $(BIN)/python -m pytest $(CLOCK_TESTS)

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .

## translations: extract UI strings, update every catalog, compile
translations: $(VENV)/.deps
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _lp:1c,2 -o translations/messages.pot \
		--no-location --sort-output --project Engage .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
	$(BIN)/python -m engage.core.catalogs fill-english translations/en/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile -d translations --statistics

## bench: each benchmark runs the project's path and its baselines in one run, then every
## RATIO line together (bench/README.md). SQLite unless BENCH_DATABASE_URL names a
## PostgreSQL database of their own, which they WIPE (never `test`).
BENCH_ARGS = $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL))
bench: $(VENV)/.dev-deps
	$(BIN)/python bench/all.py $(BENCH_ARGS)

## bench-quick: the same with tiny sizes, checks only, no aim judged (what CI runs)
bench-quick: $(VENV)/.dev-deps
	$(BIN)/python bench/all.py --quick $(BENCH_ARGS)

## screenshots: a survey page at phone width in each shipped language (docs/screenshots/)
screenshots: $(VENV)/.dev-deps
	$(BIN)/python -m tests.browser.screenshots
