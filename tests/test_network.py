"""to_networkx: entity nodes, collapsed memberships and figures, labels, restrictions."""

from __future__ import annotations

import networkx as nx
import pytest
from network_data import ZAKIROV, query
from rdflib import RDF, Literal, URIRef

from parkgraph import ParkGraph, ParkgraphError
from parkgraph.network import to_networkx

ORG_MEMBER_OF = "http://www.w3.org/ns/org#memberOf"


@pytest.fixture(scope="module")
def network(pg: ParkGraph) -> nx.MultiDiGraph:
    return to_networkx(pg)


def test_nodes_are_exactly_the_entities(pg: ParkGraph, network: nx.MultiDiGraph) -> None:
    expected = {str(row[0]) for row in pg.sparql(query("entities")).rows}
    assert set(network.nodes) == expected
    classes = {str(c) for c in pg.to_rdflib().subjects(RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class"))}
    assert not classes & set(network.nodes)
    assert "https://w3id.org/parkgraph/id/figure/kip-master-jobs" not in network
    assert "https://w3id.org/parkgraph/id/membership/sco-china" not in network


def test_node_attributes_come_from_the_labels_and_types(pg: ParkGraph, network: nx.MultiDiGraph) -> None:
    rdf = pg.to_rdflib()
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    for node, data in network.nodes(data=True):
        labels = {lit.language: str(lit) for lit in rdf.objects(URIRef(node), label) if isinstance(lit, Literal)}
        assert data["iri"] == node
        assert data["label_ru"] == labels["ru"] and data["label_en"] == labels["en"]
        assert data["label"] == labels["en"]
        assert URIRef(data["class_iri"]) in set(rdf.objects(URIRef(node), RDF.type))
    zakirov = network.nodes[ZAKIROV]
    assert zakirov["kind"] == "person" and zakirov["class"] == "foaf:Person"
    assert "Закиров" in zakirov["alt_labels"]
    kip = network.nodes["https://w3id.org/parkgraph/id/org/kip-master"]
    assert kip["class"] == "pg:IndustrialPark" and kip["kind"] == "park"
    assert network.nodes["https://w3id.org/parkgraph/id/event/innoprom-2025"]["startDate"] == "2025-07-07"


def test_memberships_collapse_into_dated_edges(pg: ParkGraph, network: nx.MultiDiGraph) -> None:
    rows = pg.sparql(query("memberships")).dicts()
    assert rows
    for row in rows:
        member, org = str(row["member"]), str(row["organization"])
        edge = network.get_edge_data(member, org, key=str(row["membership"]))
        assert edge is not None, row
        assert edge["predicate"] == ORG_MEMBER_OF
        assert edge["role"] == str(row["role"])
        assert edge.get("start_date") == (str(row["start"]) if row["start"] is not None else None)
        # the plain org:memberOf triple of the same pair is not drawn a second time
        same = [d for d in network.get_edge_data(member, org).values() if d["predicate"] == ORG_MEMBER_OF]
        assert len(same) == 1


def test_figures_become_attributes_of_what_they_are_about(pg: ParkGraph, network: nx.MultiDiGraph) -> None:
    rows = pg.sparql(query("figures")).dicts()
    assert rows
    for row in rows:
        figures = {f["iri"]: f for f in network.nodes[str(row["about"])]["figures"]}
        figure = figures[str(row["figure"])]
        for key in ("value", "min", "max"):
            if row[key] is None:
                assert key not in figure
            else:
                assert figure[key] == pytest.approx(float(row[key].toPython()))
        assert figure.get("unit") == (str(row["unit"]) if row["unit"] is not None else None)
        assert figure.get("stated_by") == (str(row["who"]) if row["who"] is not None else None)
        assert figure["source_labels"]


def test_every_edge_is_stated_in_the_graph(pg: ParkGraph, network: nx.MultiDiGraph) -> None:
    stated = {(str(s), str(p), str(o)) for s, p, o in pg.sparql(query("entity_triples")).rows}
    for u, v, data in network.edges(data=True):
        assert data["predicate"] and data["label_ru"] and data["label_en"] and data["sources"]
        if "membership" in data:
            assert (data["membership"], "http://www.w3.org/ns/org#organization", v) in stated
        elif "via" in data:
            assert (u, data["predicate"], data["via"]) in stated
        else:
            assert (u, data["predicate"], v) in stated
    inverse = [(v, "http://www.w3.org/ns/org#hasSite", u) for u, v, p in network.edges(data="predicate")
               if p == "http://www.w3.org/ns/org#siteOf"]
    assert not inverse  # org:siteOf is stated both ways; only org:hasSite is drawn


def test_keep_nary_keeps_memberships_and_figures_as_nodes(pg: ParkGraph) -> None:
    full = to_networkx(pg, collapse=False)
    membership = "https://w3id.org/parkgraph/id/membership/sco-china"
    figure = "https://w3id.org/parkgraph/id/figure/kip-master-jobs"
    assert full.nodes[membership]["kind"] == "membership"
    assert full.has_edge(membership, "https://w3id.org/parkgraph/id/place/china")
    assert full.has_edge(figure, "https://w3id.org/parkgraph/id/site/kip-master-naberezhnye-chelny")
    assert full.has_edge(figure, ZAKIROV)
    assert full.number_of_nodes() > to_networkx(pg).number_of_nodes()


def test_language_choice(pg: ParkGraph) -> None:
    ru = to_networkx(pg, lang="ru")
    assert ru.nodes[ZAKIROV]["label"] == "Фарид Закиров"
    assert all(d["label"] == d["label_ru"] for _, _, d in ru.edges(data=True))
    with pytest.raises(ParkgraphError, match="language"):
        to_networkx(pg, lang="de")


def test_restrict_to_classes(pg: ParkGraph, network: nx.MultiDiGraph) -> None:
    people = to_networkx(pg, classes=["person"])
    assert set(people.nodes) == {n for n, k in network.nodes(data="kind") if k == "person"}
    parks = to_networkx(pg, classes=["pg:IndustrialPark", "schema:Country"])
    assert {d["class"] for _, d in parks.nodes(data=True)} == {"pg:IndustrialPark", "schema:Country"}
    with pytest.raises(ParkgraphError, match="unknown class"):
        to_networkx(pg, classes=["pg:Spaceship"])


def test_focus_and_depth(pg: ParkGraph, network: nx.MultiDiGraph) -> None:
    around = to_networkx(pg, focus="«Закиров»", depth=1)
    undirected = network.to_undirected()
    assert set(around.nodes) == {ZAKIROV, *undirected.neighbors(ZAKIROV)}
    wider = to_networkx(pg, focus="farid zakirov", depth=2)
    assert set(around.nodes) < set(wider.nodes)
    with pytest.raises(ParkgraphError, match="--focus"):
        to_networkx(pg, depth=2)


def test_rdflib_graph_gives_the_same_network(pg: ParkGraph, network: nx.MultiDiGraph) -> None:
    other = to_networkx(pg.to_rdflib())
    assert set(other.nodes) == set(network.nodes)
    assert sorted(other.edges(keys=True)) == sorted(network.edges(keys=True))


def test_the_collector_is_paused_while_the_network_is_built(pg: ParkGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    """The export builds with gc paused (its many small objects would be scanned again and again) and
    leaves the collector as it found it, also when building fails."""
    import gc

    from parkgraph import network as module

    seen: list[bool] = []
    real = module.build_network

    def spy(*args: object, **kwargs: object) -> nx.MultiDiGraph:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "build_network", spy)
    assert gc.isenabled()
    assert to_networkx(pg).number_of_nodes() > 10
    assert seen == [False] and gc.isenabled()

    def broken(*args: object, **kwargs: object) -> nx.MultiDiGraph:
        raise ParkgraphError("broken on purpose")

    monkeypatch.setattr(module, "build_network", broken)
    with pytest.raises(ParkgraphError, match="on purpose"):
        to_networkx(pg)
    assert gc.isenabled()
    gc.disable()
    try:  # a caller that paused the collector itself finds it still paused
        monkeypatch.setattr(module, "build_network", real)
        to_networkx(pg)
        assert not gc.isenabled()
    finally:
        gc.enable()
