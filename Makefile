# ViA Kennisbank — two commands do everything on a fresh machine:
#   make run    install, prepare the model, ingest corpus/ and serve search on http://127.0.0.1:8000/
#   make test   install (with test tools, Chromium and Tesseract) and run the tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test eval bench install browser ocr lexicon lint clean-store

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch first, pinned: 2.13.0 is the CPU wheel on this machine's disk; an unpinned torch pulls a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	HF_HUB_OFFLINE=1 $(BIN)/kb prepare-model
	touch $@

install: $(VENV)/.installed

# Debian's Chromium for the browser tests (no browser download; Playwright drives /usr/bin/chromium).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

# Debian's Tesseract with its Dutch model, for scanned PDF pages (OCR through pytesseract); skipped when present.
ocr:
	@{ command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx nld; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-nld >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq tesseract-ocr tesseract-ocr-nld >/dev/null; fi; }

# Debian's Dutch (OpenTaal) and English word lists for spelling suggestions ("Bedoelde u …"); skipped when present.
lexicon:
	@{ test -f /usr/share/dict/dutch && test -f /usr/share/dict/british-english; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wdutch wbritish >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq wdutch wbritish >/dev/null; fi; }

run: install ocr lexicon
	$(BIN)/kb ingest
	$(BIN)/kb serve --host $(HOST) --port $(PORT)

test: install browser ocr lexicon
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

eval: install
	HF_HUB_OFFLINE=1 $(BIN)/kb eval --gate

bench: install
	$(BIN)/python -m bench.bench_ingest
	$(BIN)/python -m bench.bench_api

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check ingest kb_api kb_core eval bench corpus tests && $(BIN)/mypy ingest kb_api kb_core eval

# Deletes the embedded store (kb ingest rebuilds it from corpus/ and data/originals, which are kept); asks first,
# and removes nothing unless answered yes (or YES=1 is given).
clean-store:
	@if [ "$(YES)" != 1 ]; then \
	  printf 'data/qdrant wissen / delete data/qdrant? [j/y/N] '; read answer || answer=; \
	  case "$$answer" in j|J|y|Y) ;; *) echo "Niets verwijderd / nothing removed."; exit 0;; esac; \
	fi; \
	rm -rf data/qdrant && echo "data/qdrant verwijderd / removed: kb ingest bouwt hem opnieuw / rebuilds it."
