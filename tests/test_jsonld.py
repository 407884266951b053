"""JSON-LD export: readable keys from the shipped context, and a lossless round trip back to RDF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import RDFS

from parkgraph import ParkGraph
from parkgraph.jsonld import graph_to_jsonld, load_context, to_jsonld, write_jsonld
from parkgraph.namespaces import PG, PGID, SCHEMA

EDGE_CASES = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix pg: <https://w3id.org/parkgraph/ontology#> .

ex:a rdfs:label "plain, no language" , "Deutsch"@de , "один"@ru , "два"@ru ;
    schema:value 20.0 , 1.5e3 , -42 , 0 , 12345678901234567890123 ;
    pg:isApproximate true , "1"^^xsd:boolean ;
    schema:minValue "3.14"^^xsd:float ;
    schema:startDate "2025-07-07"^^xsd:date , "2025"^^xsd:gYear ;
    schema:description "with \\"quotes\\", <tags> & a\\nnewline"@en ;
    ex:list ( ex:x 1 "two"@en ) ;
    ex:blank [ rdfs:label "anonymous"@en ; ex:nested [ schema:value 1 ] ] .
"""


def assert_isomorphic(left: Graph, right: Graph) -> None:
    """Fail with the differing triples when two graphs are not isomorphic."""
    if isomorphic(left, right):
        return
    _, only_left, only_right = graph_diff(to_isomorphic(left), to_isomorphic(right))
    pytest.fail(
        "graphs differ\nonly in JSON-LD:\n"
        + "\n".join(f"  {s.n3()} {p.n3()} {o.n3()}" for s, p, o in only_left)
        + "\nonly in original:\n"
        + "\n".join(f"  {s.n3()} {p.n3()} {o.n3()}" for s, p, o in only_right)
    )


def parse_jsonld(document: dict) -> Graph:
    return Graph().parse(data=json.dumps(document, ensure_ascii=False), format="json-ld")


def node(document: dict, node_id: str) -> dict:
    matches = [n for n in document["@graph"] if n.get("id") == node_id]
    assert len(matches) == 1, f"{node_id} appears {len(matches)} times"
    return matches[0]


def test_curated_graph_round_trips(pg: ParkGraph) -> None:
    document = to_jsonld(pg)
    assert_isomorphic(parse_jsonld(document), pg.to_rdflib())


def test_edge_case_literals_and_blank_nodes_round_trip() -> None:
    original = Graph().parse(data=EDGE_CASES, format="turtle")
    document = graph_to_jsonld(original)
    back = parse_jsonld(document)
    assert len(back) == len(original)
    assert_isomorphic(back, original)
    values = node(document, "http://example.org/a")["value"]
    assert -42 in values and 0 in values  # small integers are plain JSON numbers
    assert not any(isinstance(v, float) for v in values)  # decimals and doubles stay typed strings
    assert all(abs(v) < 2**53 for v in values if isinstance(v, int))  # JavaScript reads them exactly


def test_context_is_shipped_and_inlined(pg: ParkGraph) -> None:
    context = load_context()["@context"]
    for key in ("label", "type", "memberOf", "role", "value", "minValue", "maxValue", "unit",
                "about", "indicator", "source", "statedBy", "statedAt"):
        assert key in context, key
    document = to_jsonld(pg)
    assert document["@context"] == context  # no remote context for a reader to fetch


def test_output_uses_the_short_keys(pg: ParkGraph) -> None:
    """Values a web developer reads are plain JSON: language maps, numbers, booleans, prefixed ids."""
    g = pg.to_rdflib()
    document = to_jsonld(pg)

    person = PGID["person/farid-zakirov"]
    zakirov = node(document, "pgid:person/farid-zakirov")
    assert zakirov["label"] == {lit.language: str(lit) for lit in g.objects(person, RDFS.label)}
    assert "foaf:Person" in zakirov["type"]

    # every figure with an integer lower bound shows it as a JSON number under "minValue"
    checked = 0
    for figure, bound in g.subject_objects(SCHEMA.minValue):
        shown = node(document, "pgid:" + str(figure)[len(str(PGID)):])
        if bound.datatype == URIRef("http://www.w3.org/2001/XMLSchema#integer"):
            assert shown["minValue"] == bound.toPython()
            checked += 1
        assert shown["about"].startswith("pgid:")
        assert shown["indicator"] == "pgid:" + str(g.value(figure, PG.indicator))[len(str(PGID)):]
    assert checked > 0
    for figure in g.subjects(PG.isApproximate, Literal(True)):
        assert node(document, "pgid:" + str(figure)[len(str(PGID)):])["approximate"] is True


def test_write_is_atomic_utf8_and_readable(pg: ParkGraph, tmp_path: Path) -> None:
    target = tmp_path / "out" / "graph.jsonld"
    write_jsonld(pg, target)
    text = target.read_text(encoding="utf-8")
    assert "Фарид Закиров" in text  # ensure_ascii=False: Cyrillic is readable, not \\u escapes
    assert [p.name for p in target.parent.iterdir()] == ["graph.jsonld"]  # no temp file left
    assert_isomorphic(Graph().parse(target, format="json-ld"), pg.to_rdflib())


def test_failed_write_keeps_the_old_file(pg: ParkGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "graph.jsonld"
    target.write_text("old", encoding="utf-8")

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("parkgraph.jsonld.json.dump", boom)
    with pytest.raises(RuntimeError):
        write_jsonld(pg, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.jsonld"]


def test_export_command_writes_jsonld(pg: ParkGraph, tmp_path: Path) -> None:
    """`parkgraph export --format jsonld` is wired to write_jsonld."""
    from typer.testing import CliRunner

    from parkgraph.cli import app

    target = tmp_path / "graph.jsonld"
    result = CliRunner().invoke(app, ["export", "--format", "jsonld", "-o", str(target)])
    assert result.exit_code == 0, result.output
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["@context"] == load_context()["@context"]
    assert_isomorphic(Graph().parse(target, format="json-ld"), pg.to_rdflib())


NAMED_GRAPHS = """
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:a rdfs:label "in the default graph"@en .
ex:g1 { ex:a rdfs:label "in g1"@en ; ex:p ex:b . ex:b rdfs:label "b"@en . }
ex:g2 { ex:a ex:p ex:c . ex:a rdfs:label "in g1"@en . [] ex:q ( 1 2 ) . }
"""


def quads_of(trig: str) -> set[tuple[str, ...]]:
    """The quads of a TriG or JSON-LD document as N-Triples term strings, blank nodes renamed in order."""
    from rdflib import Dataset
    from rdflib.term import BNode

    fmt = "trig" if trig.lstrip().startswith("@prefix") else "json-ld"
    dataset = Dataset()
    dataset.parse(data=trig, format=fmt)
    names: dict[BNode, str] = {}

    def text(term: object) -> str:
        if isinstance(term, BNode):
            return names.setdefault(term, "_:b")  # one blank-node class: only what hangs off them counts
        return term.n3()  # type: ignore[attr-defined]

    return {(text(s), text(p), text(o), text(g) if g != dataset.default_graph.identifier else "")
            for s, p, o, g in dataset.quads((None, None, None, None))}


@pytest.mark.parametrize("only_named", [False, True], ids=["default-and-named", "one-named-graph-only"])
@pytest.mark.parametrize("store", ["oxigraph-memory", "oxigraph:PATH"])
def test_named_graphs_are_kept(tmp_path: Path, store: str, only_named: bool) -> None:
    """TriG loaded into an Oxigraph store comes back with its graph names (it came back as one union)."""
    text = NAMED_GRAPHS
    if only_named:  # one named graph and nothing else: pyld compacts it without a top-level @graph
        text = "\n".join(line for line in text.splitlines() if not line.startswith(("ex:a ", "ex:g2")))
    source = tmp_path / "graphs.trig"
    source.write_text(text, encoding="utf-8")
    spec = f"oxigraph:{tmp_path / 'db'}" if store == "oxigraph:PATH" else store
    graph = ParkGraph.open(spec, files=[source], **({} if store == "oxigraph-memory" else {"seed": False}))
    try:
        path = tmp_path / "graphs.jsonld"
        write_jsonld(graph, path)
    finally:
        graph.release()
    document = json.loads(path.read_text(encoding="utf-8"))
    graphs = {n["id"]: n for n in document["@graph"] if "@graph" in n}
    assert set(graphs) == ({"http://example.org/g1"} if only_named else {"http://example.org/g1",
                                                                         "http://example.org/g2"})
    assert quads_of(path.read_text(encoding="utf-8")) == quads_of(text)


def test_curated_graph_round_trips_from_oxigraph(pg: ParkGraph) -> None:
    """The Oxigraph stores hand their quads to pyld themselves: the same graph as through rdflib."""
    graph = ParkGraph.open("oxigraph-memory")
    try:
        document = to_jsonld(graph)
        assert_isomorphic(parse_jsonld(document), graph.to_rdflib())
        assert len(document["@graph"]) == len(to_jsonld(pg)["@graph"])
    finally:
        graph.release()


def _canonical(dataset: dict) -> dict:
    return {name: sorted(json.dumps(t, sort_keys=True, ensure_ascii=False) for t in triples)
            for name, triples in dataset.items()}


def test_rdf_dataset_is_pylds_own_parse() -> None:
    """The dataset handed to pyld is what its N-Quads parser makes of the same text: terms, escapes,
    datatypes, languages, blank nodes, named graphs, and each repeated triple once per graph."""
    from pyld.nquads import parse_nquads

    from parkgraph.jsonld import rdf_dataset

    graph = Graph().parse(data=EDGE_CASES, format="turtle")
    nquads = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    nquads += nquads.splitlines(keepends=True)[0]  # a repeated triple
    nquads += (
        '<http://example.org/s> <http://example.org/p> "in a graph"@en <http://example.org/g1> .\n'
        '<http://example.org/s> <http://example.org/p> "in a graph"@en <http://example.org/g1> .\n'
        '<http://example.org/s> <http://example.org/p> "in a graph"@en <http://example.org/g2> .\n'
        '_:b1 <http://example.org/p> "tab\\there"^^<http://example.org/dt> _:g .\n'
    )
    ours = rdf_dataset(nquads)
    assert _canonical(ours) == _canonical(parse_nquads(nquads))
    assert set(ours) == {"@default", "http://example.org/g1", "http://example.org/g2", "_:g"}
    assert len(ours["@default"]) == len(graph) and len(ours["http://example.org/g1"]) == 1
    # a \u escape is the character (pyld's parser keeps the six characters "\u00e9")
    escaped = rdf_dataset('<http://example.org/s> <http://example.org/p> "caf\\u00e9" .\n')
    assert escaped["@default"][0]["object"]["value"] == "café"


def test_rdf_dataset_grows_linearly(monkeypatch: pytest.MonkeyPatch) -> None:
    """No triple is compared with every earlier one (pyld's parser does: 61 s for 11,000 triples)."""
    import pyld.nquads

    from parkgraph.jsonld import rdf_dataset

    compared = []
    monkeypatch.setattr(pyld.nquads, "_compare_rdf_triples", lambda a, b: compared.append(1) or False)
    nquads = "".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(3000))
    assert sum(len(t) for t in rdf_dataset(nquads).values()) == 3000
    assert compared == []
    pyld.nquads.parse_nquads("".join(nquads.splitlines(keepends=True)[:100]))  # pyld's would be noticed
    assert len(compared) > 100
