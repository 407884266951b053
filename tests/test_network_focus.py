"""to_networkx(focus=…) reads only the neighbourhood from the store, yet draws exactly what cutting it
out of the whole network draws: the same nodes, edges and attributes, on the curated and a synthetic graph."""

from __future__ import annotations

import networkx as nx
import pytest
from network_data import memory_store_queries, synthetic_graph
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, RDFS

from parkgraph import ParkGraph, ParkgraphError
from parkgraph.analytics import find_entity
from parkgraph.network import _Index, build_network, focus_network, neighbourhood, restrict_classes, to_networkx
from parkgraph.synth import SYNTH, SynthConfig

PGID = "https://w3id.org/parkgraph/id/"


def _slow(pg: ParkGraph, focus: str, depth: int, **kwargs: object) -> nx.MultiDiGraph:
    """The reference: the whole network, then the neighbourhood cut out of it."""
    classes = kwargs.pop("classes", None)
    full = build_network(_Index.load(pg), **kwargs)  # type: ignore[arg-type]
    if classes:
        full = restrict_classes(full, classes)  # type: ignore[arg-type]
    return neighbourhood(full, find_entity(full, focus), depth)


def _as_data(graph: nx.MultiDiGraph) -> tuple:
    nodes = sorted((n, repr(sorted(d.items()))) for n, d in graph.nodes(data=True))
    edges = sorted((u, v, k, repr(sorted(d.items()))) for u, v, k, d in graph.edges(keys=True, data=True))
    return dict(graph.graph), nodes, edges


def assert_same(pg: ParkGraph, focus: str, depth: int, **kwargs: object) -> nx.MultiDiGraph:
    fast = focus_network(pg, focus, depth, **kwargs)  # type: ignore[arg-type]
    slow = _slow(pg, focus, depth, **kwargs)
    assert _as_data(fast) == _as_data(slow), (focus, depth, kwargs)
    return fast


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> ParkGraph:
    return synthetic_graph(tmp_path_factory.mktemp("synth"), SynthConfig(seed=5, parks=3, residents=60))


CURATED_FOCI = [
    "Фарид Закиров",  # a person: memberships, speeches
    "«Закиров»",  # an alternative label in quotes
    "SCO",  # an intergovernmental organization with dated member countries
    "pgid:place/russia",  # a prefixed name
    PGID + "event/innoprom-2025",  # an IRI
    "kip master",  # a park with figures, by a folded label
]


@pytest.mark.parametrize("focus", CURATED_FOCI)
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_curated_neighbourhood_is_the_cut_out_one(pg: ParkGraph, focus: str, depth: int) -> None:
    fast = assert_same(pg, focus, depth)
    assert fast.number_of_nodes() > 1


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_curated_variants(pg: ParkGraph, depth: int) -> None:
    assert_same(pg, "SCO", depth, lang="ru")
    assert_same(pg, "SCO", depth, collapse=False)
    assert_same(pg, "Farid Zakirov", depth, classes=["person", "organization", "association", "intergovernmental"])


SYNTH_FOCI = ["park/0", "park/2", "company/0", "person/company-23", "place/city-1", "event/0", "place/russia"]


@pytest.mark.parametrize("focus", SYNTH_FOCI)
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_synthetic_neighbourhood_is_the_cut_out_one(synthetic: ParkGraph, focus: str, depth: int) -> None:
    iri = PGID + focus if focus == "place/russia" else SYNTH + focus
    fast = assert_same(synthetic, iri, depth)
    assert fast.number_of_nodes() > 1


def test_synthetic_by_label(synthetic: ParkGraph) -> None:
    full = to_networkx(synthetic)
    label = full.nodes[SYNTH + "park/1"]["label_en"]
    assert assert_same(synthetic, label.upper(), 2).number_of_nodes() > 1


def test_to_networkx_uses_the_fast_path(pg: ParkGraph) -> None:
    assert _as_data(to_networkx(pg, focus="SCO", depth=2)) == _as_data(_slow(pg, "SCO", 2))


def test_focus_errors_are_find_entitys(pg: ParkGraph) -> None:
    with pytest.raises(ParkgraphError, match="no entity is called 'Zakirof Farid'; did you mean: .*Zakirov"):
        to_networkx(pg, focus="Zakirof Farid", depth=1)
    with pytest.raises(ParkgraphError, match="no entity is called"):
        to_networkx(pg, focus="qqqqqqqqqqqqqqqqqqqq", depth=1)
    with pytest.raises(ParkgraphError, match="depth must be"):
        to_networkx(pg, focus="SCO", depth=-1)
    with pytest.raises(ParkgraphError, match="no entity is called"):
        to_networkx(pg, focus="SCO", depth=1, classes=["person"])


def test_many_candidates_keep_the_closest(pg: ParkGraph) -> None:
    """A name that 80 labels contain: the focus path keeps the closest 50 candidates, not the first 50
    by IRI, so its "did you mean" list is the whole network's (the closest, "Person 0".."Person 9")."""
    graph = Graph()
    graph += pg.to_rdflib()
    for number in range(80):
        person = URIRef(f"{PGID}person/many-{999 - number}")  # IRIs in the opposite order to the labels
        graph.add((person, RDF.type, FOAF.Person))
        graph.add((person, RDFS.label, Literal(f"Manyname Person {number}", lang="en")))
    with pytest.raises(ParkgraphError) as fast:
        focus_network(graph, "Manyname Perso", 1)  # type: ignore[arg-type]
    with pytest.raises(ParkgraphError) as slow:
        _slow(graph, "Manyname Perso", 1)  # type: ignore[arg-type]
    assert str(fast.value) == str(slow.value)
    assert all(f"Manyname Person {n} (" in str(fast.value) for n in range(10)), str(fast.value)


def test_an_edge_through_a_membership(pg: ParkGraph) -> None:
    """A link to a membership draws an edge to its organization ("via"): the search must follow it."""
    graph = Graph()
    graph += pg.to_rdflib()
    event, membership = URIRef(PGID + "event/innoprom-2025"), URIRef(PGID + "membership/sco-china")
    graph.add((event, URIRef("https://schema.org/about"), membership))
    for depth in (1, 2):
        fast = assert_same(graph, "SCO", depth)  # type: ignore[arg-type]
        via = [d for _, _, d in fast.in_edges(PGID + "org/sco", data=True) if d.get("via") == str(membership)]
        assert via and str(event) in fast


@pytest.mark.parametrize("focus", ["SCO", "kip master", "Фарид Закиров"])
def test_memory_store_reads_the_neighbourhood_from_its_index(pg: ParkGraph, focus: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The memory store answers network_out.rq and network_in.rq from rdflib's triple index, not its
    SPARQL engine; the neighbourhood is the one an rdflib Graph gives through those queries."""
    from parkgraph.sparql import internal_query

    queries = memory_store_queries(monkeypatch)
    direct = to_networkx(pg, focus=focus, depth=2)
    firsts = [internal_query(name).splitlines()[0] for name in ("network_out", "network_in")]
    assert queries and not any(q.startswith(first) for q in queries for first in firsts)
    assert direct.number_of_nodes() > 5
    assert _as_data(direct) == _as_data(to_networkx(pg.to_rdflib(), focus=focus, depth=2))
