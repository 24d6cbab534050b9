# The README's two commands: `make run` (set up, then run the demo monitor) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run serve test test-fast bench clean

$(STAMP): pyproject.toml Makefile
	@# Chromium for the video crawler and the UI tests; a CJK font so its screenshots and PDFs show Chinese.
	@test -x /usr/bin/chromium -a -d /usr/share/fonts/truetype/wqy || { echo "installing Debian's chromium and fonts-wqy-microhei"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The local CPU build of PyTorch goes in first, so nothing later pulls a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[test]"
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/minsheng demo

serve: setup
	$(BIN)/minsheng serve

test: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow"

bench: setup
	$(BIN)/minsheng bench

clean:
	rm -rf var .pytest_cache
