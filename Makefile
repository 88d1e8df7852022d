# Liens — the two commands: `make run` (demo site) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: install run test lint format messages clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Runs on the embedded defaults (SQLite, filesystem broker) unless DATABASE_URL / REDIS_URL are set.
run: export DJANGO_DEBUG ?= 1
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py compiletranslations
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py rundemo

# Runs against PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (CI sets both).
test: export SECRET_KEY ?= tests-only-not-a-secret
test: export SECURE_COOKIES ?= 0
test: export SECURE_SSL_REDIRECT ?= 0
test: export STATIC_MANIFEST ?= 0
test: $(STAMP)
	$(BIN)/python manage.py compiletranslations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the French and English catalogues from the source (needs GNU gettext). French
# translations put a non-breaking space before ? ! : ; and inside « » (text messages turn it back).
messages: export DJANGO_DEBUG ?= 1
messages: $(STAMP)
	$(BIN)/python manage.py makemessages --locale fr --locale en --ignore '.venv/*' --no-obsolete --no-location

clean:
	rm -rf $(VENV) var staticfiles
