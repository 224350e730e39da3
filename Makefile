# The two commands of the README: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO   := var/demo-mailbox

.PHONY: install run test lint bench demo clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install everything

# Built once: re-ingesting the same bytes is a no-op, so repeated `make run`s show the same demo cases.
# var/ holds the database, the demo key and mail: its owner's alone (0700), whoever made it first.
$(DEMO)/.built: $(STAMP) demo/forms.py demo/mailbox.py
	install -d -m 700 var && chmod 700 var
	$(PY) -m demo.mailbox $(DEMO)
	touch $@

demo: $(DEMO)/.built  ## build the demo mailbox of fictional referrals

run: $(STAMP) $(DEMO)/.built  ## migrate SQLite, ingest the demo mailbox, serve on http://127.0.0.1:8000
	chmod 700 var
	$(PY) service.py run --demo-user --demo-mail var/demo-sent --ingest $(DEMO)

test: $(STAMP)  ## the whole suite (real Dovecot, aiosmtpd, PostgreSQL where present)
	$(PY) -m pytest

lint: $(STAMP)  ## ruff, mypy (strict on parsers/ and rules/), and the import layers contract (pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)  ## benchmarks, by hand; figures go in the README
	$(PY) bench/bench_intake.py
	$(PY) bench/bench_extraction.py

clean:
	rm -rf $(VENV) var .pytest_cache
