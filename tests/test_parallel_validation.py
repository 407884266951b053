"""The SPARQL validation engine's checks on several forked workers: the same problems as on one.

parkgraph.parallel runs the checks in worker processes that share the loaded store; these tests
prove the workers really are other processes, that their results and errors come back in order
and whole, and that validation reports exactly what one process reports.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from test_shacl_sparql import CONSISTENCY_PLANTS, PLANTED, T, outside_rl_files

from parkgraph import parallel, paths, sparql_validate
from parkgraph.cli import main
from parkgraph.errors import ParkgraphError, QueryError
from parkgraph.validate import ValidationReport, validate


def shown(report: ValidationReport) -> list[str]:
    """The problems as the CLI prints them, in the report's order."""
    return [str(p) for p in report.problems]


def planted_files(tmp_path: Path) -> list[Path]:
    """The curated data with planted SHACL violations and planted disjointness violations."""
    plants = tmp_path / "consistency.ttl"
    plants.write_text(CONSISTENCY_PLANTS, encoding="utf-8")
    return [paths.ontology_file(), paths.data_file(), PLANTED, plants]


def test_tasks_run_in_other_processes_and_come_back_in_order() -> None:
    results = parallel.run_forked([lambda i=i: (i, os.getpid()) for i in range(12)], workers=2)
    assert [i for i, _ in results] == list(range(12))
    pids = {pid for _, pid in results}
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2


def test_one_worker_runs_the_tasks_here() -> None:
    assert parallel.run_forked([os.getpid, os.getpid], workers=1) == [os.getpid()] * 2


def test_a_task_error_reaches_the_caller_whole() -> None:
    def broken() -> None:
        raise QueryError("no such thing", file="q.rq", line=3, hint="look again")

    with pytest.raises(QueryError) as caught:
        parallel.run_forked([lambda: 1, broken, lambda: 3], workers=2)
    assert (caught.value.message, caught.value.file, caught.value.line, caught.value.hint) == (
        "no such thing", "q.rq", 3, "look again")


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    def killed() -> None:
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would

    with pytest.raises(ParkgraphError) as caught:
        parallel.run_forked([lambda: 1, killed, lambda: 3], workers=2)
    assert "worker process ended unexpectedly" in caught.value.message and "--workers 1" in caught.value.hint


def test_two_workers_report_what_one_reports(tmp_path: Path) -> None:
    files = planted_files(tmp_path)
    one = validate(files, engine="sparql", workers=1)
    two = validate(files, engine="sparql", workers=2)
    assert (one.workers, two.workers) == (1, 2)
    assert shown(two) == shown(one)
    assert two.by_check("shacl") and two.by_check("consistency")
    assert T + "parks" in {p.focus for p in two.by_check("consistency")}
    assert set(two.seconds) == {"syntax", "shacl", "consistency"}


def test_each_check_alone_on_two_workers(tmp_path: Path) -> None:
    files = planted_files(tmp_path)
    for only in ({"consistency": False}, {"shacl": False}):
        one = validate(files, engine="sparql", workers=1, **only)
        two = validate(files, engine="sparql", workers=2, **only)
        assert shown(two) == shown(one) and two.problems, only


def test_the_owlrl_fallback_on_two_workers(tmp_path: Path) -> None:
    files = outside_rl_files(tmp_path)
    two = validate(files, engine="sparql", workers=2, shacl=False)
    assert [p.focus for p in two.problems] == [T + "b"]
    assert shown(two) == shown(validate(files, engine="sparql", workers=1, shacl=False))


def test_workers_by_default_follow_the_graph_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sparql_validate, "auto_workers", lambda bytes_each: 3)
    files = planted_files(tmp_path)
    assert validate(files, engine="sparql").workers == 1  # a few thousand triples: one process
    monkeypatch.setattr(sparql_validate, "PARALLEL_FROM_TRIPLES", 1000)
    report = validate(files, engine="sparql")
    assert report.workers == 3
    assert shown(report) == shown(validate(files, engine="sparql", workers=1))


def test_auto_workers_stay_within_the_available_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "available_cpus", lambda: 2)
    assert parallel.auto_workers() == 2
    monkeypatch.setattr(parallel, "available_cpus", lambda: 64)
    assert parallel.auto_workers() == parallel.MAX_AUTO_WORKERS


def test_auto_workers_stay_within_the_available_ram(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "available_cpus", lambda: 4)
    monkeypatch.setattr(parallel, "available_memory", lambda: 6 * 2**30 + 1)
    assert parallel.auto_workers(2**30) == 3  # half the free RAM holds three copies of a 1 GB process
    assert parallel.auto_workers(2 * 2**30) == 1  # one copy: the checks run here
    assert parallel.auto_workers(4 * 2**30) == 1  # none
    monkeypatch.setattr(parallel, "available_memory", lambda: None)  # unknown: by the CPUs
    assert parallel.auto_workers(2**30) == 4


def test_this_process_size_is_read() -> None:
    size = parallel.resident_bytes()
    assert size is not None and 10 * 2**20 < size < 64 * 2**30


def test_cli_refuses_zero_workers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--engine", "sparql", "--workers", "0"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "workers must be at least 1, not 0" in err and "hint:" in err


def test_cli_with_two_workers_prints_what_one_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for workers in ("1", "2"):
        with pytest.raises(SystemExit) as exit_info:
            main(["validate", "--engine", "sparql", "--workers", workers, *map(str, planted_files(tmp_path))])
        assert exit_info.value.code == 1
        outputs.append(capsys.readouterr().err.splitlines())
    assert outputs[0] == outputs[1] and len(outputs[0]) > 10


def test_cli_refuses_workers_for_the_pyshacl_engine(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--engine", "pyshacl", "--workers", "2"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "workers are for the sparql engine" in err and "--engine sparql" in err


def test_workers_pick_the_sparql_engine_under_auto() -> None:
    # the curated files are small enough for auto to pick pyshacl; asking for workers asks for sparql
    assert validate(engine="auto").engine == "pyshacl"
    report = validate(engine="auto", workers=2)
    assert report.engine == "sparql" and report.workers == 2 and report.conforms


def test_an_unknown_engine_is_refused_with_workers_too() -> None:
    with pytest.raises(ParkgraphError, match="unknown validation engine 'fast'"):
        validate(engine="fast", workers=2)
