"""`parkgraph serve`: the SPARQL 1.1 Protocol, checked with SPARQLWrapper and with raw HTTP requests."""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.compare import to_isomorphic
from rdflib.query import Result
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from test_stores import test_query

from parkgraph import ParkGraph, paths
from parkgraph.errors import QueryError, StoreError
from parkgraph.serve import FORM, SparqlServer, negotiate
from parkgraph.store import MemoryStore, open_store
from parkgraph.stores.oxigraph import OxigraphStore

SELECT_JSON = "application/sparql-results+json"


def start(graph: ParkGraph, allow_update: bool = False, **options: object) -> tuple[SparqlServer, threading.Thread]:
    server = SparqlServer(graph, "127.0.0.1", 0, allow_update=allow_update, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture(scope="module")
def graph() -> ParkGraph:
    return ParkGraph.open()


@pytest.fixture(scope="module")
def endpoint(graph: ParkGraph) -> Iterator[str]:
    """A read-only endpoint over the curated graph in memory."""
    server, thread = start(graph)
    yield server.url
    server.shutdown()
    server.server_close()
    thread.join(10)


@pytest.fixture
def writable() -> Iterator[str]:
    """An endpoint started with allow_update over its own copy of the graph."""
    server, thread = start(ParkGraph.open(), allow_update=True)
    yield server.url
    server.shutdown()
    server.server_close()
    thread.join(10)


def rows(graph: ParkGraph, name: str) -> list[tuple[object, ...]]:
    return graph.sparql(test_query(name)).rows


# -- SPARQLWrapper, a real client -------------------------------------------------------------


def test_sparqlwrapper_select_json(endpoint: str, graph: ParkGraph) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery(test_query("people"))
    client.setReturnFormat(JSON)
    answer = client.query().convert()
    got = [(URIRef(b["person"]["value"]), Literal(b["label"]["value"], lang=b["label"].get("xml:lang")))
           for b in answer["results"]["bindings"]]
    assert got == rows(graph, "people") and len(got) >= 6


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_xml_and_methods(endpoint: str, graph: ParkGraph, method: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setMethod(method)
    client.setQuery(test_query("people"))
    client.setReturnFormat(XML)
    document = client.query().convert()  # a DOM document
    assert len(document.getElementsByTagName("result")) == len(rows(graph, "people"))


def test_sparqlwrapper_ask_and_construct(endpoint: str, graph: ParkGraph) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery(test_query("sco-exists"))
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True
    client.setQuery(test_query("types"))
    client.setReturnFormat(TURTLE)
    served = Graph().parse(data=client.query().convert(), format="turtle")
    assert to_isomorphic(served) == to_isomorphic(graph.sparql(test_query("types")).graph)
    assert len(served) > 0


def test_sparqlwrapper_default_construct_is_rdf_xml(endpoint: str, graph: ParkGraph) -> None:
    """SPARQLWrapper asks a CONSTRUCT as application/rdf+xml unless told otherwise (as does rdflib's SPARQLStore)."""
    client = SPARQLWrapper(endpoint)
    client.setQuery(test_query("types"))
    served = client.query().convert()  # an rdflib Graph parsed from RDF/XML
    assert isinstance(served, Graph) and len(served) > 0
    assert to_isomorphic(served) == to_isomorphic(graph.sparql(test_query("types")).graph)


def test_sparqlwrapper_csv(endpoint: str, graph: ParkGraph) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery(test_query("people"))
    client.setReturnFormat(CSV)
    table = list(csv.reader(io.StringIO(client.query().convert().decode("utf-8"))))
    assert table[0] == ["person", "label"]
    assert [tuple(r) for r in table[1:]] == [(str(p), str(label)) for p, label in rows(graph, "people")]


def test_sparqlwrapper_sees_syntax_errors(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery(test_query("people").replace("WHERE {", "WHERE"))
    with pytest.raises(QueryBadFormed):
        client.query()


# -- raw HTTP ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept, fmt",
    [(SELECT_JSON, "json"), ("application/sparql-results+xml", "xml"), ("text/tab-separated-values", "tsv"),
     ("text/csv;q=0.5, application/sparql-results+json", "json"), ("*/*", "json"), (None, "json")],
)
def test_content_negotiation_select(endpoint: str, graph: ParkGraph, accept: str | None, fmt: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = requests.get(endpoint, params={"query": test_query("people")}, headers=headers, timeout=30)
    assert response.status_code == 200
    media = response.headers["Content-Type"].split(";")[0]
    if fmt == "tsv":
        assert media == "text/tab-separated-values"
        lines = response.text.strip().split("\n")
        assert lines[0].split("\t") == ["?person", "?label"] and len(lines) == len(rows(graph, "people")) + 1
        return
    parsed = Result.parse(io.BytesIO(response.content), format=fmt)
    assert [tuple(b[v] for v in parsed.vars) for b in parsed.bindings] == rows(graph, "people")


@pytest.mark.parametrize(
    "accept, fmt",
    [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/n-triples", "nt"),
     ("application/rdf+xml", "xml")],
)
def test_content_negotiation_graph(endpoint: str, graph: ParkGraph, accept: str, fmt: str) -> None:
    response = requests.post(
        endpoint, data=test_query("types").encode(), headers={"Content-Type": "application/sparql-query",
                                                             "Accept": accept}, timeout=30
    )
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(accept)
    served = Graph().parse(data=response.content, format=fmt)
    assert to_isomorphic(served) == to_isomorphic(graph.sparql(test_query("types")).graph)
    if fmt == "nt":  # written from the answer's triples, one a line, sorted
        lines = response.text.splitlines()
        assert lines == sorted(lines) and len(lines) == len(served)
    if fmt == "xml":  # the same graph as the default (Turtle) answer
        turtle = requests.post(endpoint, data=test_query("types").encode(),
                               headers={"Content-Type": "application/sparql-query"}, timeout=30)
        assert turtle.headers["Content-Type"].startswith("text/turtle")
        assert to_isomorphic(served) == to_isomorphic(Graph().parse(data=turtle.content, format="turtle"))


def test_form_post_ask(endpoint: str) -> None:
    response = requests.post(endpoint, data={"query": test_query("sco-exists")}, headers={"Accept": SELECT_JSON},
                             timeout=30)
    assert response.status_code == 200 and json.loads(response.text)["boolean"] is True


def test_not_acceptable_and_unknown_path(endpoint: str) -> None:
    graph_query = requests.get(endpoint, params={"query": test_query("types")}, headers={"Accept": "text/csv"},
                               timeout=30)
    assert graph_query.status_code == 406 and "text/turtle" in graph_query.text
    elsewhere = requests.get(endpoint.replace("/sparql", "/nothing"), timeout=30)
    assert elsewhere.status_code == 404
    missing = requests.get(endpoint, timeout=30)
    assert missing.status_code == 400 and "query" in missing.text


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("how", ["GET", "form", "body"])
def test_dataset_parameters_are_refused(endpoint: str, param: str, how: str) -> None:
    """default-graph-uri / named-graph-uri cannot be honoured (the stores query the union of their graphs):
    400 rather than an answer over every triple, even when the named graph is empty."""
    ask = test_query("sco-exists")
    dataset = {param: "http://example.org/no-such-graph"}
    headers = {"Accept": SELECT_JSON}
    if how == "GET":
        response = requests.get(endpoint, params={"query": ask, **dataset}, headers=headers, timeout=30)
    elif how == "form":
        response = requests.post(endpoint, data={"query": ask, **dataset}, headers=headers, timeout=30)
    else:  # the protocol puts them in the URL when the query is the body
        response = requests.post(endpoint, params=dataset, data=ask.encode(), timeout=30,
                                 headers={**headers, "Content-Type": "application/sparql-query"})
    assert response.status_code == 400, response.text
    assert f"does not take {param}" in response.text and "GRAPH" in response.text


def test_using_graph_uri_is_refused_on_updates(writable: str) -> None:
    response = requests.post(writable, data={"update": test_query("insert-marker"),
                                             "using-graph-uri": "http://example.org/g"}, timeout=30)
    assert response.status_code == 400 and "does not take using-graph-uri" in response.text
    ask = {"query": test_query("marker-exists")}
    assert requests.get(writable, params=ask, headers={"Accept": SELECT_JSON}, timeout=30).json()["boolean"] is False


def test_syntax_error_is_400_with_position(endpoint: str) -> None:
    response = requests.get(endpoint, params={"query": "SELECT ?x WHERE { ?x ?y }"}, timeout=30)
    assert response.status_code == 400
    assert "syntax error" in response.text and "1:" in response.text


def test_a_query_rdflib_cannot_evaluate_is_400(endpoint: str) -> None:
    """The memory store's engine failing on valid SPARQL is the client's query problem, said as such."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY (STR(?o))"
    response = requests.get(endpoint, params={"query": query}, timeout=30)
    assert response.status_code == 400
    assert "could not evaluate" in response.text and "oxigraph-memory" in response.text


def test_read_only_refuses_updates(endpoint: str, graph: ParkGraph) -> None:
    before = len(graph)
    for request in (
        {"data": {"update": test_query("insert-marker")}},
        {"data": test_query("insert-marker").encode(), "headers": {"Content-Type": "application/sparql-update"}},
    ):
        response = requests.post(endpoint, timeout=30, **request)
        assert response.status_code == 403 and "--allow-update" in response.text
    assert len(graph) == before
    assert graph.sparql(test_query("marker-exists")).boolean is False


@pytest.mark.parametrize("how", ["form", "body"])
def test_allow_update(writable: str, how: str) -> None:
    ask = {"query": test_query("marker-exists")}
    assert requests.get(writable, params=ask, headers={"Accept": SELECT_JSON}, timeout=30).json()["boolean"] is False
    if how == "form":
        response = requests.post(writable, data={"update": test_query("insert-marker")}, timeout=30)
    else:
        response = requests.post(writable, data=test_query("insert-marker").encode(),
                                 headers={"Content-Type": "application/sparql-update"}, timeout=30)
    assert response.status_code in (200, 204)
    assert requests.get(writable, params=ask, headers={"Accept": SELECT_JSON}, timeout=30).json()["boolean"] is True


# -- request bodies on a kept-alive connection ----------------------------------------------------


def connection(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)


def ask_on(conn: http.client.HTTPConnection, path: str) -> bool:
    """An ASK sent by GET on an already used connection: it must be answered as the next request."""
    conn.request("GET", f"{path}?query={quote(test_query('sco-exists'))}", headers={"Accept": SELECT_JSON})
    response = conn.getresponse()
    body = response.read()
    assert response.status == 200, body
    return json.loads(body)["boolean"]


@pytest.mark.parametrize(
    "media, parts",
    [(FORM, [b"query=", quote(test_query("sco-exists")).encode()]),
     ("application/sparql-query", [test_query("sco-exists").encode()[:7], test_query("sco-exists").encode()[7:]])],
)
def test_chunked_request_body_then_another_request(endpoint: str, media: str, parts: list[bytes]) -> None:
    """A chunked POST body is decoded (RFC 9112) and the next request on the connection is answered."""
    conn = connection(endpoint)
    path = urlsplit(endpoint).path
    conn.request("POST", path, body=iter(parts), encode_chunked=True,
                 headers={"Content-Type": media, "Accept": SELECT_JSON})
    response = conn.getresponse()
    assert response.status == 200 and json.loads(response.read())["boolean"] is True
    assert ask_on(conn, path) is True
    conn.close()


def test_unknown_path_reads_the_body_before_answering(endpoint: str) -> None:
    """A POST answered 404 has its body read, so the next request is not read from the middle of it."""
    conn = connection(endpoint)
    conn.request("POST", "/nothing", body=b"query=ASK%7B%7D", headers={"Content-Type": FORM})
    response = conn.getresponse()
    assert response.status == 404 and b"no such endpoint" in response.read()
    assert ask_on(conn, urlsplit(endpoint).path) is True
    conn.close()


def test_a_chunked_body_over_the_limit_is_413_and_closes() -> None:
    server, thread = start(ParkGraph(MemoryStore()), max_body=100)
    try:
        parts = urlsplit(server.url)
        with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
            head = (f"POST {parts.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n")
            sock.sendall(head.encode() + b"40\r\n" + b"#" * 64 + b"\r\n" + b"40\r\n" + b"#" * 64 + b"\r\n0\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):  # the server closes the connection after its answer
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 413 ") and answer.count(b"HTTP/1.1") == 1
        assert b"Connection: close" in answer and b"limit of 100" in answer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_negotiate() -> None:
    offered = {"a/x": "x", "b/y": "y"}
    assert negotiate(None, offered) == "a/x"
    assert negotiate("b/y", offered) == "b/y"
    assert negotiate("a/x;q=0.2, b/*;q=0.9", offered) == "b/y"
    assert negotiate("c/z", offered) is None
    assert negotiate("b/y;q=0", offered) is None


def test_cli_serve_binds_loopback_and_answers(tmp_path) -> None:  # noqa: ANN001 - pytest's tmp_path
    process = subprocess.Popen(
        [sys.executable, "-m", "parkgraph.cli", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("SPARQL endpoint at http://127.0.0.1:"), line + process.stderr.read()
        url = line.split()[3]
        assert "read-only" in line
        response = requests.get(url, params={"query": test_query("sco-exists")}, headers={"Accept": SELECT_JSON},
                                timeout=30)
        assert response.json()["boolean"] is True
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_cli_serve_allow_update_refuses_a_store_another_process_writes(tmp_path: Path) -> None:
    """With --allow-update on a store held for writing elsewhere, serve stops at startup with the message
    `load` gives, instead of announcing read-write and failing every update with HTTP 500."""
    location = tmp_path / "db"
    held = OxigraphStore(location)  # this test process holds the store's lock from here on
    held.update(test_query("insert-marker"))
    serve = [sys.executable, "-m", "parkgraph.cli", "serve", "--port", "0", "--store", f"oxigraph:{location}"]
    refused = subprocess.run([*serve, "--allow-update"], capture_output=True, text=True, timeout=60)
    loading = subprocess.run([sys.executable, "-m", "parkgraph.cli", "load", "--store", f"oxigraph:{location}"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == loading.returncode == 2 and "read-write" not in refused.stdout
    assert f"error: cannot write: the store at {location} is in use by another process (pid {os.getpid()})" in (
        refused.stderr)
    assert refused.stderr == loading.stderr and "hint: close the other process" in refused.stderr
    # Without --allow-update the endpoint still serves a read-only snapshot.
    process = subprocess.Popen(serve, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert "(read-only; 1 triples in" in line, line + process.stderr.read()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_server_allowing_updates_refuses_a_read_only_store(tmp_path: Path) -> None:
    """SparqlServer(allow_update=True) checks the store can be written before it listens."""
    writer = OxigraphStore(tmp_path / "db")
    second = ParkGraph(OxigraphStore(tmp_path / "db"))  # the same process already has it: a read-only snapshot
    assert second.store.read_only and not writer.read_only
    with pytest.raises(StoreError, match="in use by this process"):
        SparqlServer(second, "127.0.0.1", 0, allow_update=True)
    server = SparqlServer(second, "127.0.0.1", 0)  # reading it is fine
    server.server_close()


def test_a_parkgraph_endpoint_is_a_store_too(graph: ParkGraph) -> None:
    """A generic SPARQL server (no Graph Store endpoint): parkgraph loads it with INSERT DATA and queries it."""
    empty = ParkGraph(MemoryStore())
    server, thread = start(empty, allow_update=True)
    try:
        remote = open_store(server.url)
        assert (remote.endpoints.query, remote.endpoints.update, remote.endpoints.gsp) == (server.url, server.url, None)
        assert remote.load(paths.default_files()) == len(graph)
        assert remote.query(test_query("people")).rows == rows(graph, "people")
        assert remote.query(test_query("sco-exists")).boolean is True
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_a_remote_store_updates_a_token_endpoint_with_parkgraph_sparql_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """`parkgraph serve --allow-update --token T` as a store: PARKGRAPH_SPARQL_TOKEN is sent as a bearer token;
    without it the refusal's hint names the variable."""
    for name in ("USER", "PASSWORD", "AUTH", "TOKEN"):
        monkeypatch.delenv(f"PARKGRAPH_SPARQL_{name}", raising=False)
    target = ParkGraph(MemoryStore())
    server, thread = start(target, allow_update=True, token="s3cret")
    try:
        with pytest.raises(StoreError) as refused:
            open_store(server.url).update(test_query("insert-marker"))
        assert "401" in str(refused.value) and "PARKGRAPH_SPARQL_TOKEN" in refused.value.hint
        assert len(target) == 0
        monkeypatch.setenv("PARKGRAPH_SPARQL_TOKEN", "wrong")
        with pytest.raises(StoreError) as wrong:
            open_store(server.url).update(test_query("insert-marker"))
        assert "PARKGRAPH_SPARQL_TOKEN was refused" in wrong.value.hint and len(target) == 0
        monkeypatch.setenv("PARKGRAPH_SPARQL_TOKEN", "s3cret")
        remote = open_store(server.url)
        remote.update(test_query("insert-marker"))
        assert remote.query(test_query("marker-exists")).boolean is True
        assert "s3cret" not in repr(remote.session.auth)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.mark.parametrize("spec", ["memory", "oxigraph-memory"])
def test_an_update_that_fails_gets_a_status_not_an_empty_reply(spec: str) -> None:
    """A graph the store lacks (Oxigraph) or names it cannot keep (memory): 400 with the reason."""
    server, thread = start(ParkGraph.open(spec), allow_update=True)
    try:
        for update in ("DROP GRAPH <http://example.org/nope>", "DROP GRAPH <http://example.org/still-nope>"):
            response = requests.post(server.url, data={"update": update}, timeout=30)
            assert response.status_code == 400, response.text
            assert ("names graphs" if spec == "memory" else "does not exist") in response.text
        silent = {"update": "DROP SILENT GRAPH <http://example.org/nope>"}
        response = requests.post(server.url, data=silent, timeout=30)
        assert response.status_code == (400 if spec == "memory" else 204), response.text
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_a_failing_update_on_an_embedded_store_is_a_query_error(tmp_path: Path) -> None:
    with ParkGraph.open(f"oxigraph:{tmp_path / 'ox'}", allow_update=True) as pg:
        pg.update("CREATE GRAPH <http://example.org/g>")
        with pytest.raises(QueryError, match="already exists") as err:
            pg.update("CREATE GRAPH <http://example.org/g>")
        assert "SILENT" in (err.value.hint or "")
