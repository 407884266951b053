"""`validate --store`: the SHACL and consistency checks on what a store holds, as they find it in files.

A store's data was parsed when `parkgraph load` put it there, so the problems are those of the same
files without their file and line: the same focus nodes, properties, messages and labels.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from servers import run_parkgraph, running_oxigraph
from test_query_cli import run

from parkgraph import ParkGraph, paths
from parkgraph.errors import ParkgraphError, StoreError
from parkgraph.validate import Problem, ValidationReport, validate, validate_store

PLANTED = Path(__file__).resolve().parent / "data" / "planted_violations.ttl"
FILES = [paths.ontology_file(), paths.data_file(), PLANTED]


def key(problem: Problem) -> tuple:
    """A problem without its place in a file (a store has no files)."""
    return (problem.check, problem.focus, problem.path, problem.message, problem.label)


def problems(report: ValidationReport) -> Counter:
    return Counter(map(key, report.problems))


@pytest.fixture(scope="module")
def from_files() -> ValidationReport:
    return validate(FILES, engine="sparql")


@pytest.fixture(scope="module")
def planted_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    spec = f"oxigraph:{tmp_path_factory.mktemp('planted') / 'ox'}"
    done = run_parkgraph("load", "--store", spec, *map(str, FILES))
    assert done.returncode == 0, done.stderr
    return spec


@pytest.mark.parametrize("engine", ["sparql", "pyshacl", "auto"])
def test_a_store_has_the_problems_of_its_files(planted_store: str, from_files: ValidationReport, engine: str) -> None:
    assert len(from_files.problems) > 20  # the planted set
    report = validate_store(planted_store, engine=engine)
    assert problems(report) == problems(from_files)
    assert report.checks == ["shacl", "consistency"] and report.store == planted_store and report.files == []
    assert report.engine == ("pyshacl" if engine == "pyshacl" else "sparql")
    assert report.triples == from_files.triples
    assert all(p.file is None and p.line is None for p in report.problems)
    assert [key(p) for p in report.problems] == [key(p) for p in validate_store(planted_store, engine=engine).problems]


def test_checks_can_be_left_out_and_workers_give_the_same_problems(planted_store: str,
                                                                   from_files: ValidationReport) -> None:
    shacl_only = validate_store(planted_store, consistency=False)
    assert shacl_only.checks == ["shacl"]
    assert problems(shacl_only) == Counter(k for k in problems(from_files).elements() if k[0] == "shacl")
    assert problems(validate_store(planted_store, workers=2)) == problems(from_files)
    with pytest.raises(ParkgraphError, match="workers are for the sparql engine"):
        validate_store(planted_store, engine="pyshacl", workers=2)
    with pytest.raises(ParkgraphError, match="unknown validation engine 'fast'"):
        validate_store(planted_store, engine="fast")


def test_the_store_is_only_read_even_while_another_handle_holds_it(planted_store: str) -> None:
    with ParkGraph.open(planted_store, create=False) as held:  # holds the RocksDB lock
        before = len(held.store)
        report = validate_store(planted_store)
        assert not report.conforms and report.triples == before
        assert len(held.store) == before


def test_the_curated_graph_in_a_store_conforms(tmp_path: Path) -> None:
    spec = f"oxigraph:{tmp_path / 'ox'}"
    with ParkGraph.open(spec, seed=True):
        pass
    report = validate_store(spec)
    assert report.conforms, report.problems
    assert report.triples == validate(paths.default_files()).triples


def test_an_oxigraph_server(tmp_path: Path, from_files: ValidationReport) -> None:
    with running_oxigraph(tmp_path) as url:
        done = run_parkgraph("load", "--store", url, *map(str, FILES))
        assert done.returncode == 0, done.stderr
        for engine in ("sparql", "pyshacl"):
            report = validate_store(url, engine=engine)
            assert problems(report) == problems(from_files) and report.store == url


def test_virtuoso_answers_capped_pages_and_still_conforms(loaded_virtuoso: str) -> None:
    """Virtuoso's answers are cut at 100 rows in these tests: the store reads every page."""
    report = validate_store(loaded_virtuoso)
    assert report.conforms, report.problems
    assert report.triples == validate(paths.default_files()).triples


def test_stores_that_hold_no_data_of_their_own_are_refused(tmp_path: Path) -> None:
    for spec in ("memory", "oxigraph-memory"):
        with pytest.raises(ParkgraphError, match="validate checks files directly"):
            validate_store(spec)
    missing = tmp_path / "missing"
    with pytest.raises(StoreError, match="no Oxigraph store"):
        validate_store(f"oxigraph:{missing}")
    assert not missing.exists()  # not created by a look


def test_cli(planted_store: str, from_files: ValidationReport, tmp_path: Path,
             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", "--store", planted_store)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[-1] == (f"FAILED: {len(from_files.problems)} problem(s) ({len(from_files.by_check('shacl'))} shacl,"
                         f" {len(from_files.by_check('consistency'))} consistency) in {planted_store}")
    assert len(lines) == len(from_files.problems) + 1
    assert all(line.startswith(("shacl: ", "consistency: ")) for line in lines[:-1])  # no file:line before them
    assert "fix the syntax" not in err
    good = f"oxigraph:{tmp_path / 'good'}"
    with ParkGraph.open(good, seed=True):
        pass
    code, out, _ = run(capsys, "validate", "-s", good, "--no-consistency")
    assert code == 0 and out.startswith(f"OK: {good} (") and "checks: shacl)" in out
    code, _, err = run(capsys, "validate", "--store", good, str(PLANTED))
    assert code == 2 and "give files or --store, not both" in err
    code, _, err = run(capsys, "validate", "--store", "memory")
    assert code == 2 and "validate checks files directly" in err and "hint:" in err
