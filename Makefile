# Fresh machine: `make serve` (main job) and `make test` (the whole suite). Both install first.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PCCQA := $(VENV)/bin/pccqa
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: install serve ask test lint format bench browser clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# The CPU wheel first: an unpinned torch would pull gigabytes of CUDA.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev]'
	# Export the bundled model to ONNX once (from its local weights; nothing is downloaded).
	$(PY) -m index.onnx
	touch $@

install: $(VENV)/.installed

serve: install
	# Incremental: only new or changed files are read; a bad file is reported, never blocking.
	-$(PCCQA) ingest corpus/
	$(PCCQA) serve --host $(HOST) --port $(PORT)

ask: install
	$(PCCQA) ingest corpus/
	$(PCCQA) ask "which forces use tuServ for demographic capture?"

browser:
	@command -v chromium >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

test: install browser
	$(VENV)/bin/pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PCCQA) bench

clean:
	rm -rf $(VENV) .pccqa artifacts
