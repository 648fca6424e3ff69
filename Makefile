# Destek - two commands: `make run` starts everything, `make test` tests everything.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test install migrate seed services-up test-tools test-fast bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## make run: set up, migrate, seed the demo organisation and start every service and the gateway
run: install services-up
	$(PY) -m deploy.run_all

## make test: the whole suite against the real RabbitMQ, PostgreSQL, SMTP, Dovecot and Chromium (three parts side by side)
test: install services-up test-tools
	PY=$(PY) bash deploy/test_in_parallel.sh

migrate: install
	$(PY) -m services.shared.migrate

seed: install
	$(PY) -m services.tickets.seed

## Dovecot and Chromium from Debian's packages, installed one after the other before the parts start (apt runs one at a time).
test-tools:
	@bash deploy/install_dovecot.sh
	@bash deploy/install_browser.sh

## Start the local PostgreSQL and RabbitMQ if they are installed here but down.
services-up:
	@bash deploy/ensure_backing_services.sh

clean:
	rm -rf $(VENV) var
