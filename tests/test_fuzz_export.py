"""Property tests: hostile labels and IRIs go through to_networkx and every export format intact.

Graphs are built in memory with labels, alternative labels, descriptions and predicate IRIs drawn
from arbitrary Unicode; entity IRIs are those rdflib's Turtle parser accepts. GraphML and GEXF
always parse back as XML, with each text equal to the original minus the characters XML 1.0
cannot carry at all (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF), which are dropped.
Node-link and Cytoscape JSON keep every text exactly. Lone surrogates, which are not Unicode text
(no UTF-8 can hold them), become U+FFFD in every format.
"""

from __future__ import annotations

import json
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from lxml import etree
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, ORG, RDF, RDFS, SKOS
from test_fuzz_strategies import FAST, FEW, carried, hostile_text, iri_text, unicode_text, xml_safe

from parkgraph import ParkGraph
from parkgraph.errors import ParkgraphError
from parkgraph.export import FORMATS, write_network
from parkgraph.network import to_networkx
from parkgraph.store import MemoryStore

DESCRIPTION = URIRef("https://schema.org/description")


def turtle_iri(text: str, fallback: str) -> URIRef:
    """The IRI rdflib's Turtle parser makes of <text>, or `fallback` if it refuses it."""
    try:
        parsed = Graph().parse(data=f"<{text}> <http://example.org/p> 1 .", format="turtle")
    except Exception:  # refused: only IRIs that data files can hold take part
        return URIRef(fallback)
    [subject] = set(parsed.subjects())
    return subject if isinstance(subject, URIRef) else URIRef(fallback)


@st.composite
def hostile_graphs(draw: st.DrawFn, text: st.SearchStrategy[str] = hostile_text) -> Graph:
    """A few people and an organization whose labels, IRIs and extra predicates are hostile."""
    graph = Graph()
    count = draw(st.integers(1, 3))
    organization = turtle_iri(draw(iri_text), "https://example.org/fallback/org")
    graph.add((organization, RDF.type, ORG.Organization))
    graph.add((organization, RDFS.label, Literal(draw(text), lang="en")))
    used = {organization}
    for index in range(count):
        person = turtle_iri(draw(iri_text), f"https://example.org/fallback/{index}")
        if person in used:
            continue
        used.add(person)
        graph.add((person, RDF.type, FOAF.Person))
        graph.add((person, RDFS.label, Literal(draw(text), lang="en")))
        graph.add((person, RDFS.label, Literal(draw(text), lang="ru")))
        graph.add((person, SKOS.altLabel, Literal(draw(text))))
        graph.add((person, DESCRIPTION, Literal(draw(text), lang="en")))
        graph.add((person, URIRef(draw(iri_text.filter(lambda t: ":" in t))), Literal(draw(text))))
        graph.add((person, ORG.memberOf, organization))
    return graph


def labels(graph: Graph, node: URIRef) -> dict[str, str]:
    """The node's rdfs:label by language."""
    return {o.language: str(o) for o in graph.objects(node, RDFS.label) if isinstance(o, Literal)}


def write_all(network: nx.MultiDiGraph, folder: Path) -> dict[str, Path]:
    """Every export format of `network`, written into `folder`."""
    return {fmt: write_network(network, folder / f"net.{fmt}", fmt) for fmt in FORMATS}


@FAST
@given(data=hostile_graphs())
@example(data=Graph().parse(format="turtle", data="""
    <http://example.org/p> a <http://xmlns.com/foaf/0.1/Person> ;
        <http://www.w3.org/2000/01/rdf-schema#label> "</script><!--\\u0000\\r\\n\\u202e«»&<>\\"'"@en ,
            "\\u200f\\t ]]> \\\\u0022"@ru ;
        <http://www.w3.org/2004/02/skos/core#altLabel> "\\u000b\\u2028" ;
        <https://schema.org/description> "<![CDATA[ \\uFFFF"@en ;
        <http://example.org/x#\\u0001key> "\\uFFFE\\u0008v" .
    """))
def test_every_export_format_is_well_formed_and_carries_the_labels(data: Graph) -> None:
    network = to_networkx(data, lang="en")
    people = [n for n in data.subjects(RDF.type, FOAF.Person) if str(n) in network]
    assert len(people) == len(set(data.subjects(RDF.type, FOAF.Person)))
    with tempfile.TemporaryDirectory() as folder:
        files = write_all(network, Path(folder))
        for fmt in ("graphml", "gexf"):
            raw = files[fmt].read_bytes()
            raw.decode("utf-8")  # valid UTF-8
            etree.fromstring(raw, etree.XMLParser(resolve_entities=False, recover=False))  # strict XML 1.0
            ET.fromstring(raw)
            read = nx.read_graphml(files[fmt]) if fmt == "graphml" else nx.read_gexf(files[fmt])
            assert set(read.nodes) == {xml_safe(n) for n in network.nodes}
            assert read.number_of_edges() == network.number_of_edges()
            for node in people:
                got = read.nodes[xml_safe(str(node))]
                assert got.get("label", "") == xml_safe(labels(data, node)["en"]), fmt
                assert got.get("label_ru", "") == xml_safe(labels(data, node)["ru"]), fmt
                description = str(data.value(node, DESCRIPTION))
                assert got.get("description", "") == xml_safe(description), fmt
        document = json.loads(files["json"].read_text(encoding="utf-8"))
        back = nx.node_link_graph(document, edges="edges")
        assert dict(back.nodes(data=True)) == carried(dict(network.nodes(data=True)))
        for node in people:
            assert back.nodes[carried(str(node))]["label"] == carried(labels(data, node)["en"])
            assert back.nodes[carried(str(node))]["alt_labels"] == [carried(str(data.value(node, SKOS.altLabel)))]
        cytoscape = json.loads(files["cytoscape"].read_text(encoding="utf-8"))
        names = {n["data"]["id"]: n["data"]["name"] for n in cytoscape["elements"]["nodes"]}
        assert names == carried({n: label or n for n, label in network.nodes(data="label")})  # name: label, else id


@FEW
@given(text=unicode_text, iri=iri_text)
@example(text="</script><!--\x00\r\n\u202e«»&<>\"'\\u0022", iri="https://example.org/ok")
@example(text="ok", iri="https://example.org/a b")
@example(text="ok", iri="relative/\u200f")
def test_a_turtle_file_with_hostile_text_loads_and_exports_or_fails_cleanly(text: str, iri: str) -> None:
    """Through the memory store from a Turtle file: a label parses back exactly; an IRI loads or is a clean error."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    body = f'<{iri}> a <http://xmlns.com/foaf/0.1/Person> ;\n    <{RDFS.label}> "{escaped}"@en .\n'
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.ttl"
        path.write_bytes(body.encode("utf-8", "surrogatepass"))  # a lone surrogate: bytes that are not UTF-8
        try:
            graph = ParkGraph(MemoryStore())
            graph.load([path])
        except ParkgraphError as exc:
            assert exc.file == str(path) and exc.line is not None, exc
            return
        [(person, label)] = list(graph.to_rdflib().subject_objects(RDFS.label))
        assert isinstance(person, URIRef)
        assert label == Literal(text, lang="en")
        network = to_networkx(graph)
        files = write_all(network, Path(folder))
        read = nx.read_graphml(files["graphml"])
        assert read.nodes[xml_safe(str(person))]["label"] == xml_safe(text)


@FAST
@given(focus=hostile_text)
@example(focus="\ud800")
@example(focus="Zakirov")
@example(focus='<b>«x»</b> "\\u0022 \u202e\'&')
@example(focus="https://w3id.org/parkgraph/id/person/hostile")
@example(focus="http://example.org/%zz")
@example(focus="https://example.org/a#b#c")
def test_a_focus_of_any_text_gives_a_network_or_a_clean_error(oxigraph_small: tuple[ParkGraph, ParkGraph],
                                                               focus: str) -> None:
    """--focus ENTITY with any text: a neighbourhood or a ParkgraphError, the same on both stores."""
    outcomes = []
    for graph in oxigraph_small:
        try:
            network = to_networkx(graph, focus=focus, depth=1)
        except ParkgraphError as exc:
            outcomes.append(type(exc).__name__)
        else:
            outcomes.append(sorted(network.nodes))
    assert outcomes[0] == outcomes[1], outcomes


@pytest.fixture(scope="module")
def oxigraph_small(tmp_path_factory: pytest.TempPathFactory) -> tuple[ParkGraph, ParkGraph]:
    """The fuzz tests' small graph in memory and in an embedded Oxigraph store."""
    from test_fuzz_queries import SMALL_TTL

    path = tmp_path_factory.mktemp("fuzz-export") / "small.ttl"
    path.write_text(SMALL_TTL, encoding="utf-8")
    return ParkGraph.open(files=[path]), ParkGraph.open(f"oxigraph:{path.parent / 'db'}", files=[path])


@FAST
@given(text=st.one_of(hostile_text, unicode_text, st.text()))
@example(text="tab\there, line\nfeed")
@example(text="\ud800 lone surrogate, \ufffe nonchar, \x0b vertical tab, \x85 next line, \u2028 separator")
@example(text="Индустриальный парк «Мастер»")
def test_printable_text_skips_the_xml_substitutions(text: str) -> None:
    """The shortcut for printable text gives what the substitutions give for every text."""
    from parkgraph.export import _XML_INVALID, _xml_text, text_only

    assert _xml_text(text) == _XML_INVALID.sub("", text_only(text))
