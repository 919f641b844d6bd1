# Tika: `make run` to try it, `make test` to check it. See README.md.
#
# With DATABASE_URL / REDIS_URL unset, embedded PostgreSQL and Redis are started under .data/
# (python -m portal.devservices); with them set, those servers are used.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
export PORT
# Links in e-mails and the sandbox's address follow the web port.
export PUBLIC_PORT ?= $(PORT)

.DEFAULT_GOAL := help
.PHONY: help venv services services-down migrate run test e2e lint check-deploy bench faults clean

help:
	@echo "make run           start the demo (web, worker, beat) on http://localhost:$(PORT)"
	@echo "make test          run the whole test suite (browser journeys too, where Chromium is)"
	@echo "make e2e           only the browser journeys (screenshots in e2e-artifacts/)"
	@echo "make lint          ruff, mypy, import contracts, bandit (high findings), pip-audit (known vulnerable pins)"
	@echo "make check-deploy  Django's deploy checks with production settings"
	@echo "make bench         benchmarks (figures and ratios)"
	@echo "make faults        verifications under faults (worker kill, Redis, provider, DB); bench/out/faults.json"
	@echo "make services-down stop the embedded PostgreSQL and Redis (data stays in .data/)"

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(STAMP)

services: venv
	$(BIN)/python -m portal.devservices up

services-down: venv
	$(BIN)/python -m portal.devservices down

migrate: services
	$(BIN)/python manage.py migrate_schemas --shared --verbosity 0
	$(BIN)/python manage.py tenants_bootstrap
	$(BIN)/python manage.py migrate_schemas --tenant --executor=multiprocessing --verbosity 0

run: migrate
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Tika is starting (Ctrl-C stops it):"
	@echo "    public site + sign-up : http://localhost:$(PORT)/"
	@echo "    demo organization     : http://acme.localhost:$(PORT)/"
	@echo "    demo login            : owner@acme.example / tika-demo-2026"
	@echo "    platform admin        : http://localhost:$(PORT)/admin/ (manage.py createsuperuser, then platform_totp_enrol <username>)"
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

test: services
	$(BIN)/python -m pytest $(PYTEST_ARGS)

e2e: services
	$(BIN)/python -m pytest -m e2e e2e $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	$(BIN)/bandit --quiet --recursive portal tenants verification bench --exclude '*/tests/*' --severity-level high
	$(BIN)/pip-audit --requirement requirements.txt --progress-spinner off

check-deploy: venv
	DJANGO_SETTINGS_MODULE=portal.settings.production \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	ALLOWED_HOSTS=".tika.example" BASE_DOMAIN="tika.example" \
	DATABASE_URL="postgres://tika@db.invalid/tika" REDIS_URL="redis://redis.invalid:6379/0" \
	EMAIL_URL="smtp+tls://mailer@smtp.invalid:587" \
	KYCVS_BASE_URL="https://cowin.invalid" KYCVS_API_KEY="partner-key" \
	KYCVS_VERIFY_KEY="https://cowin.invalid/.well-known/jwks.json" \
	FIELD_ENCRYPTION_KEYS="$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

bench: migrate
	$(BIN)/python -m bench

faults: migrate
	$(BIN)/python -m bench.faults

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
