"""CONSTRUCT/DESCRIBE answers held as triples until an rdflib Graph is asked for.

A big graph answer used to be built as an rdflib Graph in the query worker and again in the
parent (100k triples: about 3 s each). These tests pin down that the triples travel as they are,
that the Graph built from them is the same, and that N-Triples output needs no Graph at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from parkgraph import ParkGraph
from parkgraph import results as results_module
from parkgraph.output import to_graph_text, to_turtle
from parkgraph.results import QueryResult

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"  # a str: pytest's collection trips over rdflib's namespace object
TRIPLES = [
    (URIRef(EX + "a"), URIRef(EX + "p"), Literal('line\nbreak "quoted" \\ back', lang="ru")),
    (URIRef(EX + "a"), URIRef(EX + "p"), Literal("7", datatype=URIRef(XSD + "integer"))),
    (URIRef(EX + "a"), URIRef(EX + "q"), URIRef(EX + "b")),
    (BNode("b1"), URIRef(EX + "p"), Literal("Ω plain")),
    (URIRef(EX + "b"), URIRef(EX + "r"), Literal("2025-07-07", datatype=URIRef(XSD + "date"))),
]
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


def built_graphs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the rdflib Graphs QueryResult builds from triples (one entry per Graph)."""
    built: list[int] = []
    original = results_module.bind_prefixes

    def counting(graph: Graph) -> Graph:
        built.append(1)
        return original(graph)

    monkeypatch.setattr(results_module, "bind_prefixes", counting)
    return built


def test_triples_become_the_same_graph_once_and_only_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    built = built_graphs(monkeypatch)
    result = QueryResult(kind="graph", triples=TRIPLES + TRIPLES[:2])  # a graph is a set
    assert len(result) == len(TRIPLES) and bool(result)
    assert result.triples() == TRIPLES and built == []
    graph = result.graph
    assert built == [1] and graph is not None
    assert set(graph) == set(TRIPLES) and len(graph) == len(result)
    assert result.graph is graph and built == [1]  # built once
    assert sorted(result.triples()) == sorted(TRIPLES)  # and still readable as triples
    assert graph.namespace_manager.store.namespace("org") is not None  # parkgraph's prefixes bound


def test_an_empty_graph_answer() -> None:
    empty = QueryResult(kind="graph", triples=[])
    assert len(empty) == 0 and not empty and empty.triples() == []
    assert empty.graph is not None and len(empty.graph) == 0
    assert to_graph_text(QueryResult(kind="graph", triples=[]), "ntriples") == ""


def test_a_graph_given_as_a_graph_is_kept() -> None:
    graph = Graph()
    for triple in TRIPLES:
        graph.add(triple)
    result = QueryResult(kind="graph", graph=graph)
    assert result.graph is graph and len(result) == len(TRIPLES)
    assert sorted(result.triples()) == sorted(TRIPLES)


def test_ntriples_from_triples_is_what_rdflib_writes_for_the_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    built = built_graphs(monkeypatch)
    text = to_graph_text(QueryResult(kind="graph", triples=TRIPLES), "ntriples")
    assert built == []  # no Graph for N-Triples
    graph = Graph()
    for triple in TRIPLES:
        graph.add(triple)
    expected = sorted(graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines(keepends=True))
    assert text == "".join(expected)
    assert isomorphic(Graph().parse(data=text, format="nt"), graph)


@pytest.mark.parametrize("store", ["memory", "oxigraph-memory", "oxigraph"])
def test_a_worker_passes_triples_and_the_parent_builds_the_graph_once(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = f"oxigraph:{tmp_path / 'ox'}" if store == "oxigraph" else store
    with ParkGraph.open(spec, seed=True) as direct:
        expected = direct.to_rdflib()
    with ParkGraph.open(spec, timeout=30) as pg:
        built = built_graphs(monkeypatch)  # after the fork/spawn: counts the parent only
        answer = pg.sparql(CONSTRUCT)
        assert answer.kind == "graph" and len(answer) == len(expected) > 1000
        assert built == []  # the triples came across as they are
        assert answer.graph is not None and isomorphic(answer.graph, expected)
        assert built == [1]


def test_turtle_is_written_from_the_triples_with_their_lexical_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    built = built_graphs(monkeypatch)
    decimal = (URIRef(EX + "b"), URIRef("https://schema.org/value"), Literal("50", datatype=URIRef(XSD + "decimal")))
    typed = (URIRef(EX + "b"), URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
             URIRef("https://w3id.org/parkgraph/ontology#StatedFigure"))
    triples = [*TRIPLES, decimal, typed]
    text = to_graph_text(QueryResult(kind="graph", triples=triples), "turtle")
    assert built == []  # Oxigraph wrote it: no rdflib Graph
    parsed = Graph().parse(data=text, format="turtle")
    expected = Graph()
    for triple in triples:
        expected.add(triple)
    assert isomorphic(parsed, expected)
    assert decimal in set(parsed)  # "50"^^xsd:decimal stays "50" (rdflib's writer makes it 50.0)
    assert text == to_graph_text(QueryResult(kind="graph", triples=list(reversed(triples))), "turtle")  # one order
    head = [line for line in text.splitlines() if line.startswith("@prefix")]
    assert head == sorted(head) and [line.split()[1] for line in head] == ["pg:", "schema:", "xsd:"]
    statements = text.split("\n\n")[1:]  # a blank line after the prefixes and between subjects
    assert [s.split(" ", 1)[0] for s in statements] == ["<http://example.org/a>", "<http://example.org/b>", "_:b0"]
    assert statements[1].startswith("<http://example.org/b> a pg:StatedFigure ;")  # the type first


def test_turtle_falls_back_to_rdflib_for_what_oxigraph_would_change() -> None:
    """Oxigraph lower-cases language tags and refuses IRIs rdflib takes: rdflib writes those answers."""
    shouting = (URIRef(EX + "a"), URIRef(EX + "p"), Literal("Hello", lang="EN"))
    relative = (URIRef("relative/path"), URIRef(EX + "p"), Literal("x"))  # no scheme: not an absolute IRI
    for odd in (shouting, relative):
        result = QueryResult(kind="graph", triples=[TRIPLES[2], odd])
        assert to_turtle(result) is None
        text = to_graph_text(result, "turtle")
        assert result.graph is not None and "@prefix" in text
        if odd is shouting:
            assert isomorphic(Graph().parse(data=text, format="turtle"), result.graph)
            assert '"Hello"@EN' in text
