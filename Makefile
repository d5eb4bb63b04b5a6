# Set-up and checks. `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet
# PyTorch pinned to the release whose CPU wheel this project's machines hold;
# an unpinned torch would pull several GB of CUDA packages from the registry.
TORCH := torch==2.13.0

.PHONY: demo test lint docs bench figures dot chromium clean

demo: $(VENV)/.demos
	$(PY) -m demos.moons

test: $(VENV)/.dev dot chromium lint
	VALUEGRAD_REQUIRE_EXTRAS=1 $(PY) -m pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The documentation site (MkDocs, strict: a broken link or a warning fails), into site/.
docs: $(VENV)/.dev
	$(VENV)/bin/mkdocs build --strict --site-dir site

bench: $(VENV)/.bench
	$(PY) benchmarks/moons_step.py
	$(PY) benchmarks/compiled_step.py
	PYTHONPATH=. $(PY) benchmarks/digits.py
	$(PY) benchmarks/transformer_step.py
	$(PY) benchmarks/limits.py
	$(PY) benchmarks/floor.py
	$(PY) benchmarks/collector.py
	$(PY) benchmarks/checkpoint_memory.py

# The README's pictures, under docs/.
figures: $(VENV)/.dev dot chromium
	$(PY) -m docs.make_figures

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV) || { echo "cannot create a venv: install Python's venv module (apt-get install python3-venv)"; exit 1; }
	$(PIP) --upgrade pip
	$(PIP) -e .
	touch $@

$(VENV)/.demos: $(VENV)/.base
	$(PIP) -e '.[demos]'
	touch $@

$(VENV)/.dev: $(VENV)/.base
	$(PIP) $(TORCH)
	$(PIP) -e '.[dev,parity,demos,docs]'
	touch $@

$(VENV)/.bench: $(VENV)/.dev
	$(PIP) -e '.[bench]'
	touch $@

# Graphviz's `dot` renders the graphs, and the explorer's tests run in Chromium:
# install them with apt-get when we can (Debian's packages: graphviz, chromium).
define apt_install
	@command -v $(1) >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && apt-get install -y -qq $(2) >/dev/null; \
	  elif command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo -n apt-get update -qq && sudo -n apt-get install -y -qq $(2) >/dev/null; \
	  else \
	    echo "$(3) is missing: install it ($(4)) and run make again"; \
	    exit 1; \
	  fi; }
endef

dot:
	$(call apt_install,dot,graphviz,Graphviz's dot,apt-get install graphviz; brew install graphviz; conda install graphviz)

chromium:
	$(call apt_install,chromium,chromium,Chromium,apt-get install chromium; or set VALUEGRAD_CHROMIUM to a Chrome or Chromium binary)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis out site build dist
