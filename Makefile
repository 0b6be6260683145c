# `make run` and `make test` are the contract with a new user: each builds .venv when it
# is missing or the package's metadata changed, installs the project into it, then does
# its job. `make run` installs leadsim alone; `make test` adds the test and docs extras.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_APP  := $(VENV)/.installed-app
ARGS   ?=
# Byte-code for leadsim's own sources, written up front: an environment that sets
# PYTHONDONTWRITEBYTECODE (some containers do) would otherwise compile them again in every
# process a run or a test starts, about half a second each (compileall skips what is current)
BYTECODE = $(BIN)/python -m compileall -q sim experiments hydra_plugins

.PHONY: run test lint docs docs-build demo app benchmark clean help

help:
	@echo "make run        compare the shipped staffing plans and write a report (main job)"
	@echo "make test       lint, run every test, build the documentation site (--strict)"
	@echo "make docs       serve the documentation site at http://127.0.0.1:8000"
	@echo "make demo       the speed-to-lead teaching figure"
	@echo "make app        the classroom app in the browser (http://127.0.0.1:8765/)"
	@echo "make benchmark  time the model against a bare SimPy queue"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml setup.py | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $(STAMP_RUN)

# the tests need the app extra too: the app's own tests and its browser test
$(STAMP_TEST): pyproject.toml setup.py | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test,docs,app]'
	@touch $(STAMP_TEST) $(STAMP_RUN) $(STAMP_APP)

$(STAMP_APP): pyproject.toml setup.py | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[app]'
	@touch $(STAMP_APP) $(STAMP_RUN)

# The main job: every shipped staffing plan, 10 paired replications of 90 days (a few
# minutes on 2 cores); prints the path of report.html. ARGS are its Hydra overrides.
run: $(STAMP_RUN)
	@$(BYTECODE)
	$(BIN)/leadsim compare $(ARGS)

lint: $(STAMP_TEST)
	$(BIN)/ruff check sim experiments tests hydra_plugins docs/hooks.py

# The site's reference pages are generated from the code; --strict fails on a broken
# link, a page missing from the nav or an undocumented compare metric.
docs-build: $(STAMP_TEST)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir build/site

test: lint docs-build
	@$(BYTECODE)
	$(BIN)/python -m pytest -n auto -q --durations=15 $(ARGS)

docs: $(STAMP_TEST)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

demo: $(STAMP_RUN)
	$(BIN)/leadsim speed-to-lead $(ARGS)

# The classroom app on http://127.0.0.1:8765/ until Ctrl-C; ARGS=port=9000 for another port.
app: $(STAMP_APP)
	$(BIN)/leadsim app $(ARGS)

benchmark: $(STAMP_RUN)
	$(BIN)/leadsim benchmark $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build site
