# parkgraph — `make demo` and `make test` do all the set-up on a fresh machine.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PG     := $(BIN)/parkgraph

.PHONY: demo test lint bench bench-smoke docs screenshot install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## demo: validate the curated graph and print a summary with a few answers from it
demo: install
	$(PG) validate
	$(PG) stats --top 12
	$(PG) query event-participants --param event=Иннопром-2025
	$(PG) query common-members --lang ru
	$(PG) render -o build/parkgraph.html --lang ru

## test: the whole test suite (lint, unit, competency, servers, browser, notebook)
test: install-test lint
	$(BIN)/pytest -q

lint: install-test
	$(BIN)/ruff check src tests benchmarks notebooks

## bench: time and memory of every store at ~10k, ~100k, ~1M triples (+10M embedded Oxigraph, disk and memory), then the load test
## of `parkgraph serve` (LOADTEST_ARGS: 8 clients x 30 s on the ~1M graph in Oxigraph); writes benchmarks/RESULTS.md
## with its "Load test" section. The load test's exit status is make's (non-zero on any error or wrong answer).
LOADTEST_ARGS ?= --synth 1000000 --clients 8 --duration 30
bench: install-test
	$(BIN)/python benchmarks/bench.py --out benchmarks
	rm -f benchmarks/loadtest.json
	$(BIN)/python benchmarks/loadtest.py $(LOADTEST_ARGS) --out benchmarks/loadtest.json; status=$$?; \
	$(BIN)/python benchmarks/bench.py --from-json benchmarks/results.json --notes benchmarks/notes.md --out benchmarks \
	    && exit $$status

## bench-smoke: the benchmark at ~10k triples only, one run per query, into build/bench-smoke
bench-smoke: install-test
	$(BIN)/python benchmarks/bench.py --sizes 10000 --big-sizes --runs 1 --owlrl-max 0 --out build/bench-smoke

## docs: the ontology's documentation (docs/ontology.html, pyLODE) and the model diagram (docs/model.png, graphviz)
docs: install-test
	$(PG) docs --out docs

## screenshot: docs/map.png (the README's picture of the map), taken by the browser test in headless Chromium
screenshot: install-test
	PARKGRAPH_UPDATE_SCREENSHOT=1 $(BIN)/pytest -q tests/test_browser.py -k map_draws_the_exported_graph

clean:
	rm -rf build .pytest_cache
