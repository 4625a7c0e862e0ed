# Every target creates .venv and installs the pinned dependencies when they are missing or changed.
# The project runs from the checkout (python -m services.<name>), so it is not installed into the venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SERVICES := matching scheduling notification feedback metrics

.PHONY: run test lint docs compose-check clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

run: $(STAMP) ## start NATS, the store, the SMTP sink and the five services; load the demo district
	$(PY) -m devstack run

test: $(STAMP) ## the whole suite against real servers
	$(PY) -m pytest

lint: $(STAMP) ## ruff, mypy, import-linter contracts, compose schema
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(MAKE) --no-print-directory compose-check

compose-check: $(STAMP)
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

docs: $(STAMP) ## AsyncAPI document per service under docs/asyncapi/, and the event catalogue
	$(PY) -m devstack docs

clean:
	rm -rf $(VENV) .data
