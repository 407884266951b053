"""Property tests: any text as a named-query parameter is bound as an RDF term, never pasted into SPARQL.

For arbitrary Unicode (markup and SPARQL characters, RTL marks, NUL, lone surrogates) in every
parameter of every named query, on the memory store (rdflib initBindings), the embedded Oxigraph
store (substitutions) and a SPARQL endpoint (the injected VALUES block): the query answers or
raises a QueryError, never anything else; the query text run is the shipped text (or, for the
endpoint, that text plus one VALUES row holding exactly the parameters); and a label put in the
data comes back exactly.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS, XSD
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node, Variable
from rich.console import Console
from test_fuzz_strategies import FAST, FEW, SLOW, SURROGATES, hostile_text, iri_text, label_text, unicode_text

from parkgraph import ParkGraph
from parkgraph.binding import LANGUAGE_TAG, is_iri, sparql_term
from parkgraph.errors import QueryError
from parkgraph.named import EXACT_LANGUAGES, all_queries, load_query
from parkgraph.output import to_table
from parkgraph.results import QueryResult
from parkgraph.serve import SparqlServer
from parkgraph.sparql import internal_query
from parkgraph.store import MemoryStore

# Every parameter of every named query: (query name, parameter name, parameter type).
CASES = [(q.name, p.name, p.type) for q in all_queries() for p in q.params]
RESOLVE = internal_query("resolve_label")
RESOLVE_EXACT = internal_query("resolve_label_exact")
FUZZ_IRI = "https://example.org/fuzz/entity"
# Payloads every run tries, whatever hypothesis draws: the characters and what broke before.
PAYLOADS = ["\ud800", "x\udcff<y>", "a\x00b", "\u200f\u202e«»<>&\"'", "\\u0022} UNION { ?s ?p ?o } #",
            "\\UFFFFFFFF", "en\n", "2020-01-01\n", "http://example.org/a\n", "http://example.org/%zz",
            "https://example.org/a#b#c", "<http://example.org/\x7f>", "</script><!--",
            '<b>«x»</b> "\\u0022 \u202e\'&', "A\x00B"]
DATATYPES = {"date": XSD.date, "integer": XSD.integer, "decimal": XSD.decimal}
# A small graph in the curated data's shape (the queries only need its vocabulary): rdflib answers a
# named query on it in milliseconds, so that hypothesis can try many payloads in the time budget.
SMALL_TTL = """\
@prefix pgorg: <https://w3id.org/parkgraph/id/org/> . @prefix person: <https://w3id.org/parkgraph/id/person/> .
@prefix place: <https://w3id.org/parkgraph/id/place/> . @prefix role: <https://w3id.org/parkgraph/id/role/> .
@prefix membership: <https://w3id.org/parkgraph/id/membership/> . @prefix pg: <https://w3id.org/parkgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix time: <http://www.w3.org/2006/time#> . @prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
pgorg:sco a pg:IntergovernmentalOrganization ; rdfs:label "Шанхайская организация сотрудничества"@ru ,
    "Shanghai Cooperation Organisation"@en ; skos:altLabel "ШОС"@ru , "SCO"@en .
pgorg:brics a pg:InformalGrouping ; rdfs:label "БРИКС"@ru , "BRICS"@en .
place:russia a schema:Country ; rdfs:label "Россия"@ru , "Russia"@en .
person:farid-zakirov a foaf:Person ; rdfs:label "Фарид Закиров"@ru , "Farid Zakirov"@en ;
    skos:altLabel "Zakirov"@en ; org:memberOf pgorg:sco .
person:hostile a foaf:Person ; rdfs:label "<b>«x»</b> \\"\\\\u0022 \u202e'&"@en , "a\\u0000b"@ru .
role:chair a org:Role ; rdfs:label "Председатель"@ru , "Chair"@en .
membership:russia-sco a org:Membership ; org:member place:russia ; org:organization pgorg:sco ;
    org:role role:chair ; org:memberDuring [ time:hasBeginning [ time:inXSDDate "2001-06-15"^^xsd:date ] ] .
membership:zakirov-brics a org:Membership ; org:member person:farid-zakirov ; org:organization pgorg:brics .
"""


class Recording:
    """A store that remembers every query text and bindings it is asked to run, then runs them."""

    def __init__(self, store: MemoryStore) -> None:
        self.inner = store
        self.name = store.name
        self.seen: list[tuple[str, dict[str, Node]]] = []

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Record, then delegate."""
        self.seen.append((sparql, dict(bindings or {})))
        return self.inner.query(sparql, bindings)

    def update(self, sparql: str) -> None:
        """Delegate."""
        self.inner.update(sparql)

    def load(self, paths: object) -> int:
        """Delegate."""
        return self.inner.load(paths)  # type: ignore[arg-type]

    def to_rdflib(self) -> object:
        """Delegate."""
        return self.inner.to_rdflib()

    def __len__(self) -> int:
        return len(self.inner)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SMALL_TTL as a file."""
    path = tmp_path_factory.mktemp("fuzz-data") / "small.ttl"
    path.write_text(SMALL_TTL, encoding="utf-8")
    return path


def recording(small: Path) -> ParkGraph:
    """The small graph in memory, behind a store that records what it runs."""
    return ParkGraph(Recording(MemoryStore(ParkGraph.open(files=[small]).to_rdflib())))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def recorded(small: Path) -> ParkGraph:
    """The small graph in memory (rdflib initBindings), recording what it runs."""
    return recording(small)


@pytest.fixture(scope="module")
def oxigraph(small: Path, tmp_path_factory: pytest.TempPathFactory) -> ParkGraph:
    """The small graph in an embedded Oxigraph store (substitutions) of this module's own."""
    return ParkGraph.open(f"oxigraph:{tmp_path_factory.mktemp('fuzz') / 'db'}", files=[small])


@pytest.fixture(scope="module")
def served(small: Path) -> Iterator[tuple[ParkGraph, ParkGraph]]:
    """(a SPARQL endpoint client, the recorded in-memory graph behind the endpoint) on 127.0.0.1."""
    behind = recording(small)
    server = SparqlServer(behind, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ParkGraph.open(server.url), behind
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def answer(graph: ParkGraph, name: str, param: str, value: object) -> list[tuple] | str:
    """The rows of the named query, or 'refused' for a QueryError; any other exception fails the test."""
    try:
        return graph.query(name, **{param: value}).rows
    except QueryError as exc:
        assert "Traceback" not in str(exc)
        return "refused"


def algebra_shape(text: str) -> tuple[Counter, list[tuple], list[list[dict]]]:
    """What rdflib makes of a query: its operator names, its triple patterns and its VALUES rows."""
    names: Counter = Counter()
    triples: list[tuple] = []
    values: list[list[dict]] = []

    def walk(node: object) -> None:
        if isinstance(node, CompValue):
            names[node.name] += 1
            if node.name == "BGP":
                triples.extend(node["triples"])
            if node.name == "values":
                values.append(node["res"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list | tuple):
            for child in node:
                walk(child)

    walk(translateQuery(parseQuery(text)).algebra)
    return names, sorted(triples, key=str), values


def rdf11(term: Node) -> Node:
    """An xsd:string literal as the simple literal it is in RDF 1.1 (stores differ in which they return)."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def typed(term: Node) -> Node:
    """A simple literal as the xsd:string literal the VALUES block writes."""
    if isinstance(term, Literal) and term.language is None and term.datatype is None:
        return Literal(str(term), datatype=XSD.string)
    return term


def examples(*kinds: str) -> object:
    """A decorator adding every fixed payload, in one parameter of each of `kinds`, to a test's examples."""

    def add(test: object) -> object:
        for payload in PAYLOADS:
            for kind in kinds:
                test = example(case=next(c for c in CASES if c[2] == kind), payload=payload)(test)
        return test

    return add


@FAST
@given(case=st.sampled_from(CASES), payload=hostile_text)
@examples("string", "iri", "date", "integer", "decimal", "lang")
def test_any_parameter_is_bound_as_a_term_or_refused(recorded: ParkGraph, case: tuple[str, str, str],
                                                     payload: str) -> None:
    name, param, kind = case
    named = load_query(name)
    store: Recording = recorded.store  # type: ignore[assignment]
    store.seen.clear()
    before = len(recorded)
    got = answer(recorded, name, param, payload)
    assert len(recorded) == before
    # Only the shipped query texts ever run; the payload travels in the bindings alone.
    assert {text for text, _ in store.seen} <= {named.text, RESOLVE, RESOLVE_EXACT}
    for text, bindings in store.seen:
        if text == RESOLVE:  # a label lookup: the text given, stripped, as one literal
            assert bindings == {"text": Literal(payload.strip())}
        if text == RESOLVE_EXACT:  # the exact look-up first: the same text, plain or tagged
            assert bindings in [{"label": Literal(payload.strip(), lang=lang)} for lang in EXACT_LANGUAGES]
    if SURROGATES.search(payload):
        assert got == "refused", "a lone surrogate is not text any store can hold"
    if got == "refused":
        return
    [bound] = [bindings[param] for text, bindings in store.seen if text == named.text]
    if kind == "string":
        assert bound == Literal(payload) and str(bound) == payload
    elif kind == "iri":
        assert isinstance(bound, URIRef) and is_iri(str(bound))
    elif kind == "lang":
        assert isinstance(bound, Literal) and LANGUAGE_TAG.match(str(bound)) and str(bound) in payload.lower()
    else:  # the value given, read as the declared type
        assert isinstance(bound, Literal) and bound.datatype == DATATYPES[kind]
        if kind == "date":
            assert str(bound) == payload
        else:
            assert Decimal(str(bound)) == Decimal(payload.strip())


@FEW
@given(case=st.sampled_from(CASES), payload=hostile_text)
@examples("string", "iri")
def test_every_store_answers_alike_or_refuses(recorded: ParkGraph, oxigraph: ParkGraph,
                                              served: tuple[ParkGraph, ParkGraph], case: tuple[str, str, str],
                                              payload: str) -> None:
    name, param, _ = case
    remote, behind = served
    expected = answer(recorded, name, param, payload)
    assert answer(oxigraph, name, param, payload) == expected
    seen: list = behind.store.seen  # type: ignore[attr-defined]
    seen.clear()
    assert answer(remote, name, param, payload) == expected
    if expected == "refused":
        return
    # The endpoint got a shipped query plus one VALUES row holding the parameters, nothing else:
    # the same triple patterns and operators, and the row equal to the terms bound in Python.
    named = load_query(name)
    bound = named.bind({param: payload}, resolve=recorded.sparql)
    wanted = {
        named.text: [{Variable(k): typed(v) for k, v in bound.items()}],
        RESOLVE: [{Variable("text"): typed(Literal(payload.strip()))}],
        RESOLVE_EXACT: [{Variable("label"): typed(Literal(payload.strip(), lang=lang))} for lang in EXACT_LANGUAGES],
    }
    shapes = {text: algebra_shape(text) for text in wanted}
    for text, _ in list(seen):
        names, triples, values = algebra_shape(text)
        bases = [t for t, shape in shapes.items() if shape[1] == triples
                 and (text == t or (len(values) == 1 and values[0] in [[row] for row in wanted[t]]))]
        assert bases, text
        base = bases[0]
        assert set(names - shapes[base][0]) <= {"values", "Join", "ToMultiSet"} and not shapes[base][0] - names


@FEW
@given(label=label_text)
@example(label="\\u0022} UNION { ?s ?p ?o } #")
@example(label="\x00\u202e«<b>»\r\n\\")
def test_a_label_in_the_data_is_found_exactly(recorded: ParkGraph, oxigraph: ParkGraph,
                                              served: tuple[ParkGraph, ParkGraph], label: str) -> None:
    """Written into the data by sparql_term (INSERT DATA), any label is found again, as text and as an entity."""
    term = Literal(label, lang="en")
    triple = f"<{FUZZ_IRI}> <{RDFS.label}> {sparql_term(term)} ."
    remote, behind = served
    for graph, store in ((recorded, recorded.store), (oxigraph, oxigraph.store), (remote, behind.store)):
        store.update(f"INSERT DATA {{ {triple} }}")  # the store itself: the graphs are opened read-only
        try:
            rows = graph.query("find-entity", text=label).rows
            assert (URIRef(FUZZ_IRI), term, term) in rows, graph.store.name
            plain = label.strip() == label and ":" not in label and not label.startswith("<")
            if plain:
                try:
                    profile = graph.query("entity-profile", entity=label).rows
                except QueryError as exc:  # only when another entity bears the same label
                    assert "entities" in str(exc), exc
                else:
                    assert (Literal("out"), RDFS.label, term, None) in profile, graph.store.name
        finally:
            store.update(f"DELETE DATA {{ {triple} }}")
        assert graph.sparql(f"ASK {{ <{FUZZ_IRI}> ?p ?o }}").boolean is False, graph.store.name


@FAST
@given(text=unicode_text, lang=st.sampled_from([None, "en", "ru", "x-fuzz"]),
       datatype=st.sampled_from([None, XSD.string, URIRef("https://example.org/dt#x")]))
def test_sparql_term_literals_read_back_unchanged(recorded: ParkGraph, oxigraph: ParkGraph, text: str,
                                                  lang: str | None, datatype: URIRef | None) -> None:
    term = Literal(text, lang=lang) if lang else Literal(text, datatype=datatype)
    probe = f"SELECT ?v WHERE {{ VALUES ?v {{ {sparql_term(term)} }} }}"
    for graph in (recorded, oxigraph):
        [(value,)] = graph.sparql(probe).rows
        assert rdf11(value) == rdf11(term) and str(value) == text, graph.store.name


@FAST
@given(text=hostile_text)
@example(text="http://example.org/a\n")
@example(text="http://example.org/\ud800")
def test_sparql_term_refuses_what_it_cannot_write(text: str) -> None:
    """A lone surrogate is refused in a literal; an IRI is written only if it is one, and then reads back."""
    if SURROGATES.search(text):
        with pytest.raises(QueryError):
            sparql_term(Literal(text))
    try:
        written = sparql_term(URIRef(text))
    except QueryError:
        return
    assert written == f"<{text}>" and not SURROGATES.search(text)
    [(value,)] = ParkGraph(MemoryStore()).sparql(f"SELECT ?v WHERE {{ VALUES ?v {{ {written} }} }}").rows
    assert value == URIRef(text)


@SLOW
@given(iri=iri_text)
@example(iri="http://example.org/%zz")
@example(iri="https://example.org/a#b#c")
@example(iri="http://[::1/")
@example(iri="http://example.org/\x7f\U000e0001")
@example(iri="http://example.org/a\n")
def test_iri_parameters_answer_or_refuse_on_every_store(recorded: ParkGraph, oxigraph: ParkGraph,
                                                        served: tuple[ParkGraph, ParkGraph], iri: str) -> None:
    """An IRI given as an rdflib term or as <text>: the same answer (or refusal) on every store."""
    for value in (URIRef(iri), f"<{iri}>"):
        expected = answer(recorded, "entity-profile", "entity", value)
        assert answer(oxigraph, "entity-profile", "entity", value) == expected, iri
        assert answer(served[0], "entity-profile", "entity", value) == expected, iri


def test_cli_parameter_with_undecodable_bytes_is_a_clean_error(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 on the command line reach parkgraph as lone surrogates: a message, no traceback."""
    for args in (["query", "find-entity", "--param", b"text=\xff\xfe<x>".decode("utf-8", "surrogateescape")],
                 ["query", "figures-about", "--param", b"entity=\xc3(".decode("utf-8", "surrogateescape")]):
        done = subprocess.run([sys.executable, "-c", "from parkgraph.cli import main; main()", *args],
                              capture_output=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
        out = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
        assert done.returncode == 2, out
        assert "Traceback" not in out and "error:" in out


CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@FAST
@given(text=unicode_text)
@example(text="\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07 \x1b[31mred\x9b2J\r[bold]x[/bold]")
def test_a_table_never_sends_control_characters_from_data_to_the_terminal(text: str) -> None:
    """The table format shows data as text: ESC, CR, BEL and C1 codes as \\xNN, console markup as written."""
    console = Console(file=io.StringIO(), color_system=None, width=1000, highlight=False)
    console.print(to_table(QueryResult(kind="select", vars=["x"], rows=[(Literal(text),)])))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert not CONTROL.search(out)
    flat = out.replace("\n", "")
    for ch in set(CONTROL.findall(text)):
        assert f"\\x{ord(ch):02x}" in flat
    if "[bold]" in text and "\n" not in text:
        assert "[bold]" in flat
