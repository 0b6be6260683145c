# `make run` and `make test` are the contract with a new user: each builds .venv when it
# is missing or pyproject.toml changed, installs the project into it, then does its job.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
ARGS   ?=

.PHONY: run test lint demo app benchmark clean help

help:
	@echo "make run        compare the shipped staffing plans and write a report (main job)"
	@echo "make test       lint and run every test"
	@echo "make demo       the speed-to-lead teaching figure"
	@echo "make app        the classroom app in the browser (http://127.0.0.1:8765/)"
	@echo "make benchmark  time the model against a bare SimPy queue"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,app]'
	@touch $(STAMP)

# The main job: every shipped staffing plan, 10 paired replications of 90 days (a few
# minutes on 2 cores); prints the path of report.html. ARGS are its Hydra overrides.
run: $(STAMP)
	$(BIN)/python -m experiments.compare_staffing $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check sim experiments tests hydra_plugins
	$(BIN)/python -m pytest -n auto -q $(ARGS)

demo: $(STAMP)
	$(BIN)/python -m experiments.speed_to_lead $(ARGS)

# The classroom app on http://127.0.0.1:8765/ until Ctrl-C; ARGS=port=9000 for another port.
app: $(STAMP)
	$(BIN)/python -m experiments.app $(ARGS)

benchmark: $(STAMP)
	$(BIN)/python -m experiments.benchmark $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
