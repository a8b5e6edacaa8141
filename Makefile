# Set-up, demo, tests and benchmarks. Each target creates the virtual environment
# it needs, so `make demo` and `make test` are enough on a fresh machine.

PYTHON ?= python3
VENV ?= .venv
# Overrides the pinned Django, for example DJANGO="Django==6.1.3" with PYTHON=python3.12.
DJANGO ?=
PY := $(VENV)/bin/python

.PHONY: demo test bench bench-resp bench-batch bench-pager clean

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) scripts/check_python.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(if $(DJANGO),$(PY) -m pip install --quiet "$(DJANGO)")
	$(PY) -m pip install --quiet --no-deps --editable .
	touch $@

demo: $(VENV)/.installed
	$(PY) manage.py rundemo

test: $(VENV)/.installed
	PY=$(PY) scripts/test.sh

bench: bench-resp bench-batch bench-pager

bench-resp: $(VENV)/.installed
	$(PY) -m bench.resp

bench-batch: $(VENV)/.installed
	$(PY) -m bench.batch

bench-pager: $(VENV)/.installed
	$(PY) -m bench.pager

clean:
	rm -rf $(VENV) build *.egg-info
