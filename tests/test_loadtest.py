"""The load test of `parkgraph serve` (benchmarks/loadtest.py): its 5-second version, and that it can fail.

`make bench` runs it for 30 s with 8 clients on the 1-million-triple graph; here 4 clients run for
5 s on a 10-thousand-triple synthetic graph in an Oxigraph store, all on 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from parkgraph.named import all_queries

ROOT = Path(__file__).resolve().parents[1]
LOADTEST = ROOT / "benchmarks" / "loadtest.py"
BENCH = ROOT / "benchmarks" / "bench.py"


def load_module(path: Path, name: str) -> ModuleType:
    """A benchmark script imported as a module (they are not a package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


loadtest = load_module(LOADTEST, "parkgraph_loadtest")


def pid_gone(pid: int) -> bool:
    """True when no process `pid` runs any more (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state == "Z"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("loadtest")


@pytest.fixture(scope="module")
def run(workdir: Path) -> dict[str, Any]:
    """One 5-second load test with 4 clients on a 10k synthetic graph; its exit status, output and report."""
    out = workdir / "loadtest.json"
    done = subprocess.run(
        [sys.executable, str(LOADTEST), "--synth", "10000", "--workdir", str(workdir / "work"),
         "--clients", "4", "--duration", "5", "--out", str(out)],
        capture_output=True, text=True, timeout=900,
    )
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return {"returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "report": report}


def test_load_has_no_errors_and_no_mismatches(run: dict[str, Any]) -> None:
    report = run["report"]
    assert run["returncode"] == 0, run["stdout"][-3000:] + run["stderr"][-3000:]
    assert report["passed"] is True
    load = report["load"]
    assert load["errors"] == 0 and load["errors_by_kind"] == {}, load["error_samples"]
    assert load["mismatches"] == 0, load["error_samples"]
    assert report["excluded"] == {}, "every example of every named query has a reference answer"
    assert "PASSED" in run["stdout"]


def test_every_named_query_ran(run: dict[str, Any]) -> None:
    load = run["report"]["load"]
    expected = {f"{q.name}[{i}]" for q in all_queries() for i in range(max(1, len(q.examples)))}
    assert set(load["per_query"]) == expected
    assert load["queries_not_run"] == []
    for name, q in load["per_query"].items():
        assert q["requests"] >= 1 and q["ok"] == q["requests"], (name, q)
    assert sum(q["requests"] for q in load["per_query"].values()) == load["requests"]
    assert set(run["report"]["reference"]) == expected


def test_report_has_the_numbers(run: dict[str, Any]) -> None:
    report = run["report"]
    load, options, server = report["load"], report["options"], report["server"]
    assert options["clients"] == 4 and options["duration_s"] == 5
    assert load["requests"] == load["ok"] > 0
    assert load["elapsed_s"] >= 5 and load["throughput_qps"] == pytest.approx(load["requests"] / load["elapsed_s"])
    latency = load["latency"]
    assert 0 < latency["p50_s"] <= latency["p90_s"] <= latency["p99_s"] <= latency["max_s"]
    assert sum(load["completions_per_second"]) == load["requests"]
    assert load["longest_gap_s"] is not None and load["client_cpu_s"] > 0
    assert load["server_peak_rss_mb"] > 10 and server["rss_mb_before_load"] > 10
    assert 10_000 <= server["triples"] <= 15_000
    assert server["url"].startswith("http://127.0.0.1:") and server["alive_after_load"] is True
    assert report["machine"]["nproc"] and report["versions"]["parkgraph"] and report["date"]
    for facts in report["reference"].values():
        assert facts["rows"] >= 0 and facts["latency_s"] > 0
    assert pid_gone(server["pid"]), "the server is stopped at the end"
    assert server["exit_status"] is not None and server["died_before_stop"] is False


def test_bench_from_json_renders_the_load_test(run: dict[str, Any], tmp_path: Path) -> None:
    """`bench.py --from-json` puts a "Load test" section into RESULTS.md when loadtest.json sits beside it."""
    bench = load_module(BENCH, "parkgraph_bench_loadtest")
    shutil.copy(ROOT / "benchmarks" / "results.json", tmp_path / "results.json")
    (tmp_path / "loadtest.json").write_text(json.dumps(run["report"]), encoding="utf-8")
    assert bench.main(["--from-json", str(tmp_path / "results.json"), "--out", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "RESULTS.md").read_text(encoding="utf-8")
    section = text.split("## Load test", 1)[1].split("\n## ", 1)[0]
    assert "**passed**" in section and "queries/s" in section and "4 concurrent clients for 5 s" in section
    assert "`people-roles[0]`" in section and run["report"]["date"] in section
    (tmp_path / "loadtest.json").unlink()
    assert bench.read_loadtest(tmp_path) is None
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert "## Load test" not in bench.render_markdown(data, "", None)


def test_wrong_answers_and_errors_are_counted(run: dict[str, Any], workdir: Path) -> None:
    """A reference that differs from what the server answers gives one mismatch per run; a bad query, errors."""
    store = workdir / "work" / "store-synth-10000"
    with loadtest.Server(f"oxigraph:{store}") as server:
        cases, unbound = loadtest.prepare_cases(server.url, "first", ["common-members", "event-hierarchy"])
        assert unbound == {} and len(cases) == 2
        comparer = loadtest.Comparer()
        facts, failed = loadtest.reference_pass(server.url, cases, comparer)
        assert failed == {} and set(facts) == {c.name for c in cases}
        wrong, right = cases
        comparer.set_canonical(wrong.name, ("select", ("member",), ((("member", ("uri", "urn:x:wrong")),),)))
        broken = loadtest.Case("broken[0]", "SELECT * WHERE { ?s ?p }", {})
        run_ = loadtest.run_load(server.url, [wrong, right, broken], comparer, clients=2, duration=1.0, seed=3)
    summary = loadtest.summarize(run_, 1.0, [wrong.name, right.name, broken.name])
    bad, good, error = (summary["per_query"][c.name] for c in (wrong, right, broken))
    assert bad["requests"] > 0 and bad["mismatches"] == bad["requests"] and bad["ok"] == 0
    assert good["requests"] > 0 and good["ok"] == good["requests"]
    assert error["requests"] > 0 and error["errors"] == error["requests"]
    assert summary["mismatches"] == bad["requests"] and summary["errors"] == error["requests"]
    assert summary["errors_by_kind"] == {"http 400": error["requests"]}
    assert {s["result"] for s in summary["error_samples"]} == {"mismatch", "http 400"}


def answer(rows: list[dict[str, dict[str, str]]], variables: tuple[str, ...] = ("a", "b")) -> bytes:
    return json.dumps({"head": {"vars": list(variables)}, "results": {"bindings": rows}}).encode()


URI = {"type": "uri", "value": "urn:x:1"}
RU = {"type": "literal", "value": "ШОС", "xml:lang": "ru"}


def test_comparer_ignores_row_order_and_blank_node_labels_but_not_values() -> None:
    comparer = loadtest.Comparer()
    reference = answer([{"a": URI, "b": RU}, {"a": {"type": "bnode", "value": "b0"}}])
    comparer.set_reference("q", reference)
    assert comparer.matches("q", reference)
    same = answer([{"a": {"type": "bnode", "value": "x9"}}, {"b": {**RU, "xml:lang": "RU"}, "a": URI}])
    assert same != reference and comparer.matches("q", same)
    assert comparer.matches("q", same)  # now by its hash
    typed = {"type": "literal", "value": "ШОС", "datatype": "http://www.w3.org/2001/XMLSchema#string"}
    plain = answer([{"a": {"type": "literal", "value": "x"}}])
    comparer.set_reference("s", plain)
    assert comparer.matches("s", answer([{"a": {**typed, "value": "x"}}]))
    for wrong in (
        answer([{"a": URI, "b": {**RU, "value": "SCO"}}, {"a": {"type": "bnode", "value": "b0"}}]),  # a value
        answer([{"a": URI, "b": RU}]),  # a row missing
        answer([{"a": URI, "b": RU}, {"a": {"type": "bnode", "value": "b0"}}], ("a", "c")),  # a variable
        answer([{"a": URI, "b": {**RU, "xml:lang": "en"}}, {"a": {"type": "bnode", "value": "b0"}}]),  # a language
        b"<html>not json</html>",
        json.dumps({"head": {}, "boolean": True}).encode(),
    ):
        assert not comparer.matches("q", wrong), wrong


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert loadtest.percentile(values, 50) == 50.0
    assert loadtest.percentile(values, 99) == 99.0
    assert loadtest.percentile([3.0, 1.0, 2.0], 99) == 3.0
    assert loadtest.percentile([], 50) is None


def test_ctrl_c_stops_the_server(run: dict[str, Any], workdir: Path) -> None:
    """Interrupted during the load, the load tester stops the server it started and exits with 130."""
    proc = subprocess.Popen(
        [sys.executable, str(LOADTEST), "--store", f"oxigraph:{workdir / 'work' / 'store-synth-10000'}",
         "--queries", "common-members", "--clients", "2", "--duration", "600"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Ctrl-C's default action, as in a terminal: tests started as a background job (`make test &`)
        # inherit SIGINT ignored, and Python then never raises KeyboardInterrupt in the child.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    pid = None
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            found = re.search(r"server pid (\d+)", line)
            pid = int(found.group(1)) if found else pid
            if "load:" in line:
                break
        assert pid is not None, "the load tester names the server's pid"
        time.sleep(1)
        proc.send_signal(signal.SIGINT)
        try:
            assert proc.wait(timeout=60) == 130
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGUSR1)  # where each of its threads is stuck, on its stderr
            time.sleep(2)
            proc.kill()
            _out, err = proc.communicate()
            os.killpg(pid, signal.SIGKILL)  # the server it started, in a session of its own
            pytest.fail(f"the load tester did not stop within 60 s of Ctrl-C; its stderr ends:\n{err[-6000:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 10
    while not pid_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pid_gone(pid)


def test_a_server_that_cannot_start_is_reported(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(LOADTEST), "--store", "memory", "--serve-arg=--no-such-flag", "--duration", "1",
         "--out", str(tmp_path / "out.json")],
        capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 2, done.stderr
    assert "exited before it was ready" in done.stderr and "no-such-flag" in done.stderr
    assert not (tmp_path / "out.json").exists()
