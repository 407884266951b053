"""Hostile queries: SERVICE, LOAD and updates are refused unless allowed, on every path (API, CLI, serve).

Each refusal is checked against a real listener on 127.0.0.1 that records requests: a refused
query must not reach it, an allowed one must.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from test_query_cli import run

from parkgraph import ParkGraph, validate
from parkgraph.errors import QueryError, RefusedError
from parkgraph.policy import Policy
from parkgraph.serve import SparqlServer
from parkgraph.syntax import query_reach, update_reach

TURTLE = b"<http://example.org/fetched> <http://www.w3.org/2000/01/rdf-schema#label> \"fetched\" .\n"


class Recorder(ThreadingHTTPServer):
    """An HTTP listener on 127.0.0.1 that serves one Turtle document and remembers every path asked for."""

    daemon_threads = True

    def __init__(self) -> None:
        self.paths: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(handler) -> None:  # noqa: N802, N805 - the stdlib's names; `handler` is the request
                self.paths.append(handler.path)
                handler.send_response(200)
                handler.send_header("Content-Type", "text/turtle")
                handler.send_header("Content-Length", str(len(TURTLE)))
                handler.end_headers()
                handler.wfile.write(TURTLE)

            def log_message(handler, *args: object) -> None:  # noqa: N805
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """Our own read-only endpoint over the curated graph: the SERVICE a federated query may call when allowed."""
    server = SparqlServer(ParkGraph.open(), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.url
    server.shutdown()
    server.server_close()


def service_query(url: str) -> str:
    return f"SELECT ?o WHERE {{ SERVICE <{url}> {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }} }} LIMIT 1"


def test_reach_finds_every_service_and_load() -> None:
    reach = query_reach(
        "PREFIX ex: <http://e.example/> SELECT * WHERE { { SERVICE ex:a { ?s ?p ?o } } UNION "
        "{ OPTIONAL { SERVICE SILENT <http://b.example/q> { ?s ?p ?o } } } MINUS { SERVICE ?v { ?s ?p ?o } } }"
    )
    assert reach.services == ("http://e.example/a", "http://b.example/q", None)
    reach = update_reach(
        "PREFIX a: <http://ok.example/> LOAD a:x ; PREFIX a: <http://evil.example/> LOAD SILENT a:y INTO GRAPH <g> ;"
        " INSERT { ?s ?p ?o } WHERE { SERVICE <http://s.example/> { ?s ?p ?o } }"
    )
    assert reach.loads == ("http://ok.example/x", "http://evil.example/y")
    assert reach.services == ("http://s.example/",)


def test_allow_list_matches_exactly_or_under_a_slash() -> None:
    policy = Policy.of(allowed_urls=["http://a.example/sparql", "http://b.example/data/"])
    assert policy.url_allowed("http://a.example/sparql")
    assert not policy.url_allowed("http://a.example/sparql2")
    assert policy.url_allowed("http://b.example/data/x.ttl")
    assert not policy.url_allowed("http://b.example/data/../admin")  # dot segments could climb out of the prefix
    assert not policy.url_allowed("http://b.example/data/%2e%2e/admin")
    assert not policy.url_allowed("http://b.example/database")
    assert not policy.url_allowed(None)


def test_service_is_refused_by_default_and_never_called(recorder: Recorder) -> None:
    pg = ParkGraph.open()
    for text in (
        service_query(recorder.url),
        f"PREFIX r: <{recorder.url}> SELECT * WHERE {{ SERVICE SILENT r:sparql {{ ?s ?p ?o }} }}",
        "SELECT * WHERE { VALUES ?e { <" + recorder.url + "> } SERVICE ?e { ?s ?p ?o } }",
        "ASK { FILTER EXISTS { SERVICE <" + recorder.url + "> { ?s ?p ?o } } }",
    ):
        with pytest.raises(RefusedError, match="SERVICE"):
            pg.sparql(text)
    assert recorder.paths == []


def test_an_allowed_service_is_called(endpoint: str, recorder: Recorder) -> None:
    pg = ParkGraph.open(allow_urls=[endpoint])
    answer = pg.sparql(service_query(endpoint))
    assert len(answer) == 1
    with pytest.raises(RefusedError):  # allowing one endpoint does not allow another
        pg.sparql(service_query(recorder.url))
    assert recorder.paths == []


def test_from_clauses_fetch_nothing(recorder: Recorder, tmp_path: Path) -> None:
    """A dataset clause names graphs of the store; neither rdflib's Graph nor Oxigraph fetches it."""
    text = f"SELECT * FROM <{recorder.url}a.ttl> FROM NAMED <{recorder.url}b.ttl> WHERE {{ ?s ?p ?o }} LIMIT 1"
    with pytest.raises(QueryError, match="no named graphs"):  # the memory store refuses dataset clauses
        ParkGraph.open("memory").sparql(text)
    assert ParkGraph.open(f"oxigraph:{tmp_path / 'ox'}", seed=True).sparql(text).rows == []  # graphs it lacks
    assert recorder.paths == []


def test_updates_are_refused_unless_allowed(tmp_path: Path) -> None:
    insert = "INSERT DATA { <http://example.org/x> <http://example.org/p> 1 }"
    for store in ("memory", f"oxigraph:{tmp_path / 'ox'}"):
        pg = ParkGraph.open(store, seed=True)
        before = len(pg)
        for update in (insert, "CLEAR ALL", "DROP DEFAULT", "DELETE WHERE { ?s ?p ?o }"):
            with pytest.raises(RefusedError, match="updates are refused"):
                pg.update(update)
        with pytest.raises(QueryError, match="SPARQL update"):
            pg.sparql(insert)  # an update sent as a query is not run either
        assert len(pg) == before
        del pg


def test_load_is_refused_even_with_updates_allowed(recorder: Recorder) -> None:
    pg = ParkGraph.open(allow_update=True)
    before = len(pg)
    for update in (
        f"LOAD <{recorder.url}data.ttl>",
        "LOAD <file:///etc/passwd>",
        f"PREFIX a: <{recorder.url}> LOAD SILENT a:data.ttl INTO GRAPH <http://example.org/g>",
        f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{recorder.url}> {{ ?s ?p ?o }} }}",
    ):
        with pytest.raises(RefusedError):
            pg.update(update)
    assert recorder.paths == [] and len(pg) == before
    pg.update("INSERT DATA { <http://example.org/x> <http://example.org/p> 1 }")  # a plain update runs
    assert len(pg) == before + 1


def test_using_in_an_update_fetches_nothing(recorder: Recorder, tmp_path: Path) -> None:
    """rdflib loads an update's USING / USING NAMED IRIs from the web into a plain Graph: memory refuses
    them (it keeps no named graphs); Oxigraph takes them as graphs of the store, as FROM."""
    secret = tmp_path / "secret.nt"
    secret.write_text('<http://example.org/s> <http://example.org/p> "local file" .\n')
    updates = [
        f"INSERT {{ <http://example.org/leak> <http://example.org/got> ?o }} USING <{recorder.url}x.ttl> "
        "WHERE { ?s ?p ?o }",
        f"DELETE {{ ?s ?p ?o }} USING NAMED <{recorder.url}y.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"INSERT {{ ?s ?p ?o }} USING <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}",
    ]
    memory = ParkGraph.open(allow_update=True)
    oxigraph = ParkGraph.open(f"oxigraph:{tmp_path / 'ox'}", seed=True, allow_update=True)
    before = len(memory), len(oxigraph)
    for update in updates:
        with pytest.raises(QueryError, match="names graphs"):
            memory.update(update)
        oxigraph.update(update)  # no such graphs in the store: nothing to read, nothing changes
    assert recorder.paths == [] and (len(memory), len(oxigraph)) == before
    oxigraph.release()


def test_an_allowed_load_fetches(recorder: Recorder) -> None:
    pg = ParkGraph.open(allow_update=True, allow_urls=[recorder.url])
    before = len(pg)
    pg.update(f"LOAD <{recorder.url}data.ttl>")
    assert recorder.paths == ["/data.ttl"]
    assert len(pg) == before + 1


def test_cli_refuses_and_allows(capsys: pytest.CaptureFixture[str], endpoint: str, recorder: Recorder) -> None:
    code, _, err = run(capsys, "query", "-F", "csv", "-e", service_query(recorder.url))
    assert code == 2 and "refused" in err and "--allow-url" in err
    code, out, err = run(capsys, "query", "-F", "csv", "--allow-url", endpoint, "-e", service_query(endpoint))
    assert code == 0, err
    assert len(out.strip().splitlines()) == 2  # header + the one row from the endpoint
    code, _, err = run(capsys, "query", "-e", "DELETE WHERE { ?s ?p ?o }")
    assert code == 2 and "--allow-update" in err
    code, _, err = run(capsys, "query", "--allow-update", "-e", f"LOAD <{recorder.url}x.ttl>")
    assert code == 2 and "LOAD" in err
    assert recorder.paths == []


def test_serve_refuses_service_load_and_updates(recorder: Recorder) -> None:
    server = SparqlServer(ParkGraph.open(), "127.0.0.1", 0, allow_update=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answer = requests.get(server.url, params={"query": service_query(recorder.url)}, timeout=30)
        assert answer.status_code == 403 and "SERVICE" in answer.text
        answer = requests.post(server.url, data={"update": f"LOAD <{recorder.url}x.ttl>"}, timeout=30)
        assert answer.status_code == 403 and "LOAD" in answer.text
    finally:
        server.shutdown()
        server.server_close()
    read_only = SparqlServer(ParkGraph.open(), "127.0.0.1", 0)
    thread = threading.Thread(target=read_only.serve_forever, daemon=True)
    thread.start()
    try:
        answer = requests.post(read_only.url, data={"update": "CLEAR ALL"}, timeout=30)
        assert answer.status_code == 403 and "read-only" in answer.text
        count = requests.get(
            read_only.url, params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
            headers={"Accept": "text/csv"}, timeout=30,
        )
        assert int(count.text.split()[1]) > 1000  # nothing was cleared
    finally:
        read_only.shutdown()
        read_only.server_close()
    assert recorder.paths == []


def test_a_remote_jsonld_context_is_never_fetched(recorder: Recorder, tmp_path: Path) -> None:
    """rdflib would fetch a JSON-LD file's remote @context; parkgraph refuses it on every store."""
    document = tmp_path / "remote-context.jsonld"
    document.write_text(
        '{"@context": "' + recorder.url + 'context.jsonld", "@id": "http://example.org/a", "name": "x"}\n',
        encoding="utf-8",
    )
    with pytest.raises(RefusedError, match="would fetch") as caught:
        ParkGraph.open(files=[document])
    assert caught.value.file == str(document)
    for store in (f"oxigraph:{tmp_path / 'ox'}", "oxigraph-memory"):
        with pytest.raises(RefusedError, match="would fetch .*does not fetch remote documents") as caught:
            ParkGraph.open(store, files=[document])
        assert caught.value.file == str(document) and "inline" in (caught.value.hint or "")
    for engine in ("pyshacl", "sparql"):
        with pytest.raises(RefusedError, match="would fetch .*does not fetch remote documents"):
            validate([document], engine=engine)
    assert recorder.paths == []
    inline = tmp_path / "inline.jsonld"
    inline.write_text(
        '{"@context": {"name": "https://schema.org/name"}, "@id": "http://example.org/a", "name": "x"}\n',
        encoding="utf-8",
    )
    assert len(ParkGraph.open(files=[inline])) == 1  # an inline context is fine


@pytest.mark.parametrize("kind", ["memory", "oxigraph"])
def test_text_no_store_can_take_is_a_clean_query_error(kind: str, tmp_path: Path) -> None:
    """Lone surrogates, escapes beyond Unicode and IRIs Oxigraph rejects: QueryError, never a crash."""
    from rdflib import Literal, URIRef

    pg = ParkGraph.open("memory" if kind == "memory" else f"oxigraph:{tmp_path / 'ox'}", seed=True)
    with pytest.raises(QueryError, match="lone surrogate") as caught:
        pg.sparql('SELECT * WHERE { ?s ?p "\ud800" }')
    assert (caught.value.line, caught.value.column) == (1, 25)
    with pytest.raises(QueryError, match="Invalid unicode code point"):
        pg.sparql('SELECT * WHERE { ?s ?p "\\UFFFFFFFF" }')
    with pytest.raises(QueryError, match="lone surrogate"):
        pg.sparql("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", {"o": Literal("\udfff")})
    if kind == "oxigraph":  # rdflib takes any IRI; Oxigraph checks them
        with pytest.raises(QueryError, match="percent encoding"):
            pg.sparql("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", {"s": URIRef("http://example.org/%zz")})
    with pytest.raises(QueryError):
        ParkGraph.open(allow_update=True).update('INSERT DATA { <http://e/a> <http://e/p> "\ud800" }')


def test_terminal_escapes_in_data_are_shown_not_obeyed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Labels with ESC sequences and rich markup print as text in neighbours/central tables."""
    from parkgraph.app import console

    monkeypatch.setattr(console, "width", 250)  # one table row per entity
    evil = tmp_path / "evil.ttl"
    evil.write_text(
        '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
        '<https://w3id.org/parkgraph/id/person/farid-zakirov> rdfs:label '
        '"\\u001B[31mRED [link=https://evil.example/]Click[/link]"@en .\n',  # sorts before the real label
        encoding="utf-8",
    )
    db = tmp_path / "db"
    assert run(capsys, "load", "--store", f"oxigraph:{db}")[0] == 0
    assert run(capsys, "load", "--store", f"oxigraph:{db}", str(evil))[0] == 0
    code, out, _ = run(capsys, "neighbours", "KIP Master", "--depth", "1", "--store", f"oxigraph:{db}")
    assert code == 0
    assert "\x1b" not in out and "\\x1b[31mRED" in out
    assert "[link=https://evil.example/]Click[/link]" in out
