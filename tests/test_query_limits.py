"""Runaway queries are stopped at their time limit, answers are capped, and `serve` keeps serving others.

The runaway query is a triple cross product (about 10⁹ solutions on the curated graph): it would run
for hours on any store, so finishing within a few seconds proves it was stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from test_query_cli import run

from parkgraph import ParkGraph
from parkgraph.errors import ParkgraphError, QueryError, QueryTimeout, RefusedError, ResultTooLarge, StoreError
from parkgraph.limits import QueryPool
from parkgraph.serve import SparqlServer, is_loopback

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(pg: ParkGraph) -> int:
    return int(pg.sparql(COUNT).rows[0][0])


@pytest.mark.parametrize("kind", ["memory", "oxigraph-memory", "oxigraph"])
def test_a_runaway_query_is_stopped_and_the_next_one_answers(kind: str, tmp_path: Path) -> None:
    store = f"oxigraph:{tmp_path / 'ox'}" if kind == "oxigraph" else kind
    with ParkGraph.open(store, seed=True, timeout=1.5) as pg:
        expected = count(pg)
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="stopped after 1.5 s") as stopped:
            pg.sparql(RUNAWAY)
        assert time.monotonic() - started < 15
        assert "--timeout" in (stopped.value.hint or "")
        assert count(pg) == expected  # a fresh worker took the stopped one's place


def test_errors_keep_their_details_across_the_worker_boundary() -> None:
    with ParkGraph.open(timeout=20) as pg:
        with pytest.raises(QueryError) as caught:
            pg.sparql("SELECT ?s WHERE { ?s ?p ?o . FILTER(?s = <x>) } ORDER BY ?s LIMIT x")
        assert caught.value.line == 1 and caught.value.column


def test_answers_over_the_row_limit_are_refused() -> None:
    for timeout in (None, 20):  # checked in-process and in the worker
        with ParkGraph.open(timeout=timeout, max_rows=10) as pg:
            with pytest.raises(ResultTooLarge, match="more than the limit of 10"):
                pg.sparql("SELECT * WHERE { ?s ?p ?o }")
            assert len(pg.sparql("SELECT * WHERE { ?s ?p ?o } LIMIT 10")) == 10


@pytest.mark.parametrize("store", ["memory", "oxigraph-memory"])
def test_workers_see_updates_and_loads(store: str, tmp_path: Path) -> None:
    """Forked workers hold a copy of an in-memory store: after a change they are forked again."""
    extra = tmp_path / "extra.ttl"
    extra.write_text("<http://example.org/a> <http://example.org/p> 1 .\n", encoding="utf-8")
    with ParkGraph.open(store, timeout=20, allow_update=True) as pg:
        before = count(pg)  # starts the workers
        pg.update("INSERT DATA { <http://example.org/b> <http://example.org/p> 2 }")
        assert count(pg) == before + 1
        pg.load([extra])
        assert count(pg) == before + 2


def test_a_construct_answer_comes_back_from_a_worker() -> None:
    with ParkGraph.open(timeout=20) as pg:
        direct = ParkGraph.open().sparql("CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 5")
        answer = pg.sparql("CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 5")
        assert answer.kind == "graph" and len(answer) == len(direct) == 5


def test_a_limit_must_be_positive() -> None:
    with pytest.raises(QueryError, match="must be positive"):
        QueryPool(ParkGraph.open().store, timeout=0)


def test_cli_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    code, _, err = run(capsys, "query", "--timeout", "1", "-e", RUNAWAY)
    assert code == 2 and "stopped after 1 s" in err and "Traceback" not in err
    assert time.monotonic() - started < 20
    code, out, _ = run(capsys, "query", "--timeout", "5", "-F", "csv", "-e", COUNT)
    assert code == 0 and int(out.split()[1]) > 1000


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "-1"])
def test_cli_timeout_must_be_a_number_of_seconds(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """nan and inf are no time limits (a query would run unbounded); 0 stays the documented 'no limit'."""
    code, out, err = run(capsys, "query", "--timeout", value, "-F", "csv", "-e", COUNT)
    assert code == 2 and out == "" and f"error: --timeout {float(value):g} is" in err and "0 for no limit" in err
    monkeypatch.setenv("PARKGRAPH_TIMEOUT", value)
    code, out, err = run(capsys, "query", "-F", "csv", "-e", COUNT)
    assert code == 2 and out == "" and f"error: PARKGRAPH_TIMEOUT={float(value):g} is" in err
    code, out, _ = run(capsys, "query", "--timeout", "0", "-F", "csv", "-e", COUNT)
    assert code == 0 and int(out.split()[1]) > 1000


@pytest.fixture
def limited() -> Iterator[SparqlServer]:
    """An endpoint with a 20 s limit, at most 50 rows per answer and 2,000 bytes per request."""
    server = SparqlServer(ParkGraph.open(timeout=20, max_rows=50), "127.0.0.1", 0, max_body=2000)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def ask(url: str, query: str) -> requests.Response:
    return requests.get(url, params={"query": query}, headers={"Accept": "text/csv"}, timeout=60)


@pytest.mark.parametrize("store", ["memory", "oxigraph-memory"])
def test_serve_stops_a_runaway_query_and_keeps_serving(store: str) -> None:
    server = SparqlServer(ParkGraph.open(store, timeout=6, workers=2), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with ThreadPoolExecutor(2) as pool:
            runaway = pool.submit(ask, server.url, RUNAWAY)
            time.sleep(0.5)
            quick = ask(server.url, COUNT)  # answered by the second worker meanwhile
            runaway_still_running = not runaway.done()
            stopped = runaway.result()
        assert quick.status_code == 200 and int(quick.text.split()[1]) > 1000
        assert runaway_still_running, "the quick query waited for the runaway one"
        assert stopped.status_code == 503 and "stopped after 6 s" in stopped.text
        after = ask(server.url, COUNT)
        assert after.status_code == 200 and after.text == quick.text
    finally:
        server.shutdown()
        server.server_close()


def test_serve_refuses_too_large_answers_and_bodies(limited: SparqlServer) -> None:
    answer = ask(limited.url, "SELECT * WHERE { ?s ?p ?o }")
    assert answer.status_code == 422 and "more than the limit of 50" in answer.text
    assert ask(limited.url, "SELECT * WHERE { ?s ?p ?o } LIMIT 50").status_code == 200
    big = "SELECT * WHERE { ?s ?p ?o } " + "#" * 5000
    answer = requests.post(limited.url, data=big.encode(), headers={"Content-Type": "application/sparql-query"},
                           timeout=30)
    assert answer.status_code == 413 and "limit of 2,000" in answer.text
    assert ask(limited.url, COUNT).status_code == 200


def test_serve_token_guards_updates() -> None:
    server = SparqlServer(ParkGraph.open(), "127.0.0.1", 0, allow_update=True, token="s3cret")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    insert = {"update": "INSERT DATA { <http://example.org/t> <http://example.org/p> 1 }"}
    try:
        before = ask(server.url, COUNT).text
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret"}):
            answer = requests.post(server.url, data=insert, headers=headers, timeout=30)
            assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert ask(server.url, COUNT).text == before  # queries need no token, and nothing changed
        answer = requests.post(server.url, data=insert, headers={"Authorization": "Bearer s3cret"}, timeout=30)
        assert answer.status_code == 204
        assert ask(server.url, COUNT).text != before
    finally:
        server.shutdown()
        server.server_close()


def test_loopback_only_unless_public() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.168.1.10")
    assert not is_loopback("example.org")
    with pytest.raises(RefusedError, match="--public"):
        SparqlServer(ParkGraph.open(), "0.0.0.0", 0)


class FakeServer:
    """Stands in for SparqlServer in the CLI test: records its arguments, binds nothing."""

    made: list[dict[str, object]] = []

    def __init__(self, graph: ParkGraph, host: str, port: int, **options: object) -> None:
        self.graph = graph
        made = {"host": host, "port": port, "timeout": graph.timeout, "rows": graph.max_rows}
        FakeServer.made.append({**made, **options})
        self.url = f"http://{host}:{port}/sparql"

    def serve_forever(self) -> None:
        raise KeyboardInterrupt

    def server_close(self) -> None:
        self.graph.close()


def test_serve_command_checks_the_address_and_warns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import parkgraph.serve

    monkeypatch.setattr(parkgraph.serve, "SparqlServer", FakeServer)
    code, _, err = run(capsys, "serve", "--host", "0.0.0.0", "--port", "0")
    assert code == 2 and "--public" in err and not FakeServer.made
    code, out, err = run(capsys, "serve", "--host", "0.0.0.0", "--port", "0", "--public", "--timeout", "7")
    assert code == 0 and "warning: listening on 0.0.0.0" in err and "7 s per query" in out
    assert FakeServer.made[-1]["public"] is True
    code, _, err = run(capsys, "serve", "--port", "0", "--allow-update")
    assert code == 0 and "without a token" in err
    assert FakeServer.made[-1]["timeout"] == 30.0 and FakeServer.made[-1]["rows"] == 100_000  # the defaults
    code, _, err = run(capsys, "serve", "--port", "0", "--workers", "0")
    assert code == 2 and "--workers" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "-1"], "Invalid value for '--port'"),
        (["--port", "70000"], "Invalid value for '--port'"),
        (["--timeout", "-1"], "error: --timeout -1 is negative"),
        (["--timeout", "nan"], "error: --timeout nan is not a finite number of seconds"),
        (["--timeout", "inf"], "error: --timeout inf is not a finite number of seconds"),
        (["--max-rows", "-1"], "Invalid value for '--max-rows'"),
        (["--max-body", "-1"], "Invalid value for '--max-body'"),
    ],
)
def test_serve_command_refuses_bad_limits_at_startup(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    """A value no request could satisfy is refused before the server starts, not request by request."""
    import parkgraph.serve

    monkeypatch.setattr(parkgraph.serve, "SparqlServer", FakeServer)
    made = len(FakeServer.made)
    code, out, err = run(capsys, "serve", *args)
    assert code == 2 and message in err, err
    assert len(FakeServer.made) == made and "SPARQL endpoint" not in out and "Traceback" not in err


def test_serve_command_hints_at_what_stops_it_listening(capsys: pytest.CaptureFixture[str]) -> None:
    """An address this machine does not have is not fixed by another --port; a port in use is."""
    import errno
    import socket

    from parkgraph.commands.store import _listen_hint

    code, out, err = run(capsys, "serve", "--host", "192.0.2.1", "--public", "--port", "0")  # TEST-NET-1
    assert code == 2 and "SPARQL endpoint" not in out and "cannot listen on 192.0.2.1:0" in err
    assert "this machine has no such address" in err and "--host 0.0.0.0 --public" in err and "--port" not in err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run(capsys, "serve", "--port", str(port))
    assert code == 2 and "choose another --port" in err
    assert "privileges" in _listen_hint(OSError(errno.EACCES, "Permission denied"))
    assert "--host name" in _listen_hint(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))


def test_serve_command_adds_data_to_an_in_memory_store(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import parkgraph.serve

    extra = tmp_path / "extra.ttl"
    extra.write_text("<http://example.org/a> <http://example.org/p> 1, 2 .\n", encoding="utf-8")
    served: list[int] = []
    monkeypatch.setattr(FakeServer, "serve_forever", lambda self: served.append(len(self.graph)))
    monkeypatch.setattr(parkgraph.serve, "SparqlServer", FakeServer)
    for store in ("memory", "oxigraph-memory"):
        code, _, err = run(capsys, "serve", "--port", "0", "--store", store, "--data", str(extra))
        assert code == 0, err
    assert served == [len(ParkGraph.open()) + 2] * 2


def test_memory_store_refuses_files_too_large(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    big = tmp_path / "big.nt"
    big.write_text("<http://example.org/s> <http://example.org/p> \"x\" .\n" * 30000, encoding="utf-8")
    monkeypatch.setenv("PARKGRAPH_MEMORY_MAX_MB", "1")
    with pytest.raises(StoreError) as caught:
        ParkGraph.open(files=[big])
    assert caught.value.file == str(big) and "oxigraph" in (caught.value.hint or "")
    monkeypatch.setenv("PARKGRAPH_MEMORY_MAX_MB", "lots")
    with pytest.raises(ParkgraphError, match="number of megabytes"):
        ParkGraph.open(files=[big])
    monkeypatch.setenv("PARKGRAPH_MEMORY_MAX_MB", "5")
    assert len(ParkGraph.open(files=[big])) == 1  # under the limit it loads



def test_oxigraph_memory_store_refuses_what_does_not_fit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The in-memory Oxigraph store refuses files whose load would need more RAM than is available
    (estimated per syntax), before loading anything; PARKGRAPH_OXIGRAPH_MEMORY_MAX_MB overrides it."""
    import parkgraph.store
    from parkgraph.store import OXIGRAPH_MEMORY_PEAK_PER_BYTE

    line = "<http://example.org/s> <http://example.org/p> \"x\" .\n"
    nt, ttl = tmp_path / "big.nt", tmp_path / "big.ttl"
    nt.write_text(line * 20000, encoding="utf-8")
    ttl.write_text(line * 20000, encoding="utf-8")
    size = nt.stat().st_size
    # Room for the N-Triples file's estimated peak but not for the same bytes as Turtle.
    room = int(size * (OXIGRAPH_MEMORY_PEAK_PER_BYTE[".nt"] + 1))
    monkeypatch.setattr(parkgraph.store, "available_memory", lambda: room)
    assert len(ParkGraph.open("oxigraph-memory", files=[nt])) == 1
    with pytest.raises(StoreError) as caught:
        ParkGraph.open("oxigraph-memory", files=[ttl])
    assert caught.value.file == str(ttl) and "GB of RAM" in str(caught.value)
    assert "oxigraph:" in (caught.value.hint or "") and "PARKGRAPH_OXIGRAPH_MEMORY_MAX_MB" in caught.value.hint
    with pytest.raises(StoreError):  # two files count together
        ParkGraph.open("oxigraph-memory", files=[nt, nt])
    monkeypatch.setattr(parkgraph.store, "available_memory", lambda: None)  # unknown (no /proc): no estimate
    assert len(ParkGraph.open("oxigraph-memory", files=[ttl])) == 1
    monkeypatch.setenv("PARKGRAPH_OXIGRAPH_MEMORY_MAX_MB", "0.1")  # the setting wins over the estimate
    with pytest.raises(StoreError, match="PARKGRAPH_OXIGRAPH_MEMORY_MAX_MB allows"):
        ParkGraph.open("oxigraph-memory", files=[ttl])
    monkeypatch.setenv("PARKGRAPH_OXIGRAPH_MEMORY_MAX_MB", "lots")
    with pytest.raises(ParkgraphError, match="number of megabytes"):
        ParkGraph.open("oxigraph-memory", files=[ttl])
    monkeypatch.setenv("PARKGRAPH_OXIGRAPH_MEMORY_MAX_MB", "5")
    monkeypatch.setattr(parkgraph.store, "available_memory", lambda: 1)
    assert len(ParkGraph.open("oxigraph-memory", files=[ttl])) == 1


def test_oxigraph_memory_refusal_loads_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from parkgraph.stores.oxigraph import OxigraphMemoryStore

    small = tmp_path / "small.nt"
    small.write_text("<http://example.org/s> <http://example.org/p> \"x\" .\n", encoding="utf-8")
    store = OxigraphMemoryStore()
    monkeypatch.setenv("PARKGRAPH_OXIGRAPH_MEMORY_MAX_MB", "0.00001")
    with pytest.raises(StoreError):
        store.load([small])
    assert len(store) == 0


def test_available_memory_reads_the_system() -> None:
    from parkgraph.store import available_memory

    found = available_memory()
    if Path("/proc/meminfo").exists():  # Linux, where CI runs
        assert found is not None and 2**20 < found
    else:
        assert found is None
