# Set-up and checks. `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet
# PyTorch pinned to the release whose CPU wheel this project's machines hold;
# an unpinned torch would pull several GB of CUDA packages from the registry.
TORCH := torch==2.13.0

.PHONY: demo test lint bench figures dot clean

demo: $(VENV)/.demos
	$(PY) -m demos.moons

test: $(VENV)/.dev dot lint
	VALUEGRAD_REQUIRE_EXTRAS=1 $(PY) -m pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

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
figures: $(VENV)/.demos dot
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
	$(PIP) -e '.[dev,parity,demos]'
	touch $@

$(VENV)/.bench: $(VENV)/.dev
	$(PIP) -e '.[bench]'
	touch $@

# Graphviz's `dot` renders the graphs; install it with apt-get when we can.
dot:
	@command -v dot >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && apt-get install -y -qq graphviz >/dev/null; \
	  elif command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo -n apt-get update -qq && sudo -n apt-get install -y -qq graphviz >/dev/null; \
	  else \
	    echo "Graphviz's dot is missing: install it (apt-get install graphviz, brew install graphviz or conda install graphviz) and run make test again"; \
	    exit 1; \
	  fi; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis out
