"""Entities named by a prefixed name in the network commands (path, neighbours, render/export --focus):
every prefix an `iri` query parameter takes (pgorg:, place:, person: … besides pgid:), on every embedded
store, without reading the labels of the graph when the name is an IRI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from rdflib import URIRef

import parkgraph.network
from parkgraph import ParkGraph, ParkgraphError
from parkgraph.analytics import find_entity, neighbours, shortest_paths
from parkgraph.cli import main
from parkgraph.named import KNOWN_PREFIXES, Param, to_term
from parkgraph.network import to_networkx
from parkgraph.sparql import internal_query

PGID = "https://w3id.org/parkgraph/id/"
KIP, RUSSIA, ZAKIROV = PGID + "org/kip-master", PGID + "place/russia", PGID + "person/farid-zakirov"
NAMES = [("pgorg:kip-master", KIP), ("place:russia", RUSSIA), ("person:farid-zakirov", ZAKIROV)]
STORES = ["memory", "oxigraph-memory", "oxigraph:PATH"]
_LONGEST_FIRST = sorted(KNOWN_PREFIXES.items(), key=lambda kv: -len(kv[1]))


def prefixed(iri: str) -> str:
    """`iri` with the most specific of the prefixes `query --param` takes (pgorg:sco, not pgid:org/sco)."""
    prefix, ns = next((p, ns) for p, ns in _LONGEST_FIRST if iri.startswith(ns))
    return f"{prefix}:{iri[len(ns):]}"


@pytest.fixture(scope="module")
def oxigraph_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An oxigraph:PATH store holding the curated graph, released so that each test opens it afresh."""
    location = tmp_path_factory.mktemp("names") / "db"
    ParkGraph.open(f"oxigraph:{location}", seed=True).release()
    return location


def spec(store: str, oxigraph_path: Path) -> str:
    return f"oxigraph:{oxigraph_path}" if store == "oxigraph:PATH" else store


def _opened(request: pytest.FixtureRequest, oxigraph_path: Path) -> Iterator[ParkGraph]:
    if request.param == "memory":
        yield request.getfixturevalue("pg")  # the session's: loading rdflib again costs most of a second
        return
    opened = ParkGraph.open(spec(request.param, oxigraph_path), create=False)
    yield opened
    opened.release()


@pytest.fixture(params=STORES)
def graph(request: pytest.FixtureRequest, oxigraph_path: Path) -> Iterator[ParkGraph]:
    yield from _opened(request, oxigraph_path)


@pytest.fixture(params=STORES[1:])  # the same code runs on memory, where the 38 look-ups take rdflib 9 s
def oxigraph(request: pytest.FixtureRequest, oxigraph_path: Path) -> Iterator[ParkGraph]:
    yield from _opened(request, oxigraph_path)


@pytest.fixture(scope="module")
def network(pg: ParkGraph) -> nx.MultiDiGraph:
    return to_networkx(pg)


def _as_data(graph: nx.MultiDiGraph) -> tuple:
    nodes = sorted((n, repr(sorted(d.items()))) for n, d in graph.nodes(data=True))
    edges = sorted((u, v, k, repr(sorted(d.items()))) for u, v, k, d in graph.edges(keys=True, data=True))
    return nodes, edges


def test_every_entity_by_the_prefixed_name_query_param_takes(network: nx.MultiDiGraph) -> None:
    param = Param("entity", "iri", True, None, "")
    assert {prefixed(n).partition(":")[0] for n in network} >= {"pgorg", "place", "person", "event"}
    for node in network:
        name = prefixed(node)
        assert to_term(param, name) == URIRef(node)  # what `query --param entity=NAME` binds
        assert find_entity(network, name) == node, name


def test_paths_between_prefixed_names(network: nx.MultiDiGraph) -> None:
    found = shortest_paths(network, "pgorg:kip-master", "place:russia")
    assert found and found == shortest_paths(network, KIP, RUSSIA)
    assert found[0][0].source == KIP and found[0][-1].target == RUSSIA


@pytest.mark.parametrize(("name", "iri"), NAMES)
def test_focus_by_prefixed_name_on_every_store(graph: ParkGraph, name: str, iri: str) -> None:
    focused = to_networkx(graph, focus=name, depth=1)
    assert iri in focused and focused.number_of_nodes() > 1
    assert _as_data(focused) == _as_data(to_networkx(graph, focus=iri, depth=1))
    assert neighbours(focused, name, 1) == neighbours(focused, iri, 1)


def test_every_entity_is_a_focus_by_its_prefixed_name(oxigraph: ParkGraph, network: nx.MultiDiGraph) -> None:
    for node in network:
        assert set(to_networkx(oxigraph, focus=prefixed(node), depth=0)) == {node}


@pytest.mark.parametrize("name", [name for name, _ in NAMES] + ["pgid:org/kip-master", KIP])
def test_an_iri_or_prefixed_name_reads_no_label(graph: ParkGraph, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store-side look-up finds the entity by IRI, not by reading every label (seconds on a big store)."""
    label_scans = {internal_query("resolve_label"), internal_query("resolve_label_exact"),
                   internal_query("network_labels")}
    select, asked = parkgraph.network._select, []

    def spy(graph: object, query: str, bindings: object = None) -> list[tuple]:
        asked.append(query)
        return select(graph, query, bindings)  # type: ignore[arg-type]

    def whole_graph(*args: object, **kwargs: object) -> None:
        raise AssertionError("the focus read the whole graph")

    monkeypatch.setattr(parkgraph.network, "_select", spy)
    monkeypatch.setattr(parkgraph.network._Index, "load", whole_graph)
    assert to_networkx(graph, focus=name, depth=1).number_of_nodes() > 1
    assert asked and not label_scans.intersection(asked)


@pytest.mark.parametrize("name", ["nosuch:kip-master", "pgorg:no-such-park", PGID + "org/no-such-park", "pgorg:"])
def test_unknown_prefixed_names_and_iris_are_clear_errors(graph: ParkGraph, name: str) -> None:
    with pytest.raises(ParkgraphError, match=f"no entity is called '{name}'"):
        to_networkx(graph, focus=name, depth=1)
    with pytest.raises(ParkgraphError, match=f"no entity is called '{name}'"):
        find_entity(to_networkx(graph), name)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `parkgraph ARGS` run in this process."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


@pytest.mark.parametrize("store", STORES)
def test_cli_by_prefixed_names(store: str, oxigraph_path: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    """neighbours, path, render --focus and export --focus answer a prefixed name as they answer its IRI."""
    where = ("--store", spec(store, oxigraph_path))
    for name, iri in NAMES:
        code, out, err = run(capsys, "neighbours", name, "--depth", "1", *where)
        assert code == 0, err
        assert out == run(capsys, "neighbours", iri, "--depth", "1", *where)[1]
    code, out, err = run(capsys, "path", "pgorg:kip-master", "place:russia", *where)
    assert code == 0 and "KIP Master" in out and "Russia" in out, err
    assert out == run(capsys, "path", KIP, RUSSIA, *where)[1]
    code, out, err = run(capsys, "path", "person:farid-zakirov", "pgorg:kip-master", "--max", "1", *where)
    assert code == 0 and out.startswith("1 shortest path(s)"), err
    by_name, by_iri = tmp_path / "name.json", tmp_path / "iri.json"
    for focus, output in (("pgorg:kip-master", by_name), (KIP, by_iri)):
        code, _, err = run(capsys, "export", "-F", "json", "-o", str(output), "--focus", focus, "-d", "1", *where)
        assert code == 0, err
    assert json.loads(by_name.read_text()) == json.loads(by_iri.read_text())
    for name, _ in NAMES:
        code, out, err = run(capsys, "render", "-o", str(tmp_path / "map.html"), "--focus", name, "-d", "1", *where)
        assert code == 0 and "wrote" in out, err


@pytest.mark.parametrize("store", STORES)
def test_cli_unknown_prefixed_names(store: str, oxigraph_path: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    where = ("--store", spec(store, oxigraph_path))
    code, out, err = run(capsys, "neighbours", "nosuch:kip-master", *where)
    assert code == 2 and out == ""
    assert err.startswith("error: no entity is called 'nosuch:kip-master'; did you mean: KIP Master"), err
    for args in (("path", "pgorg:kip-master", "pgorg:no-such-park"), ("neighbours", "pgorg:no-such-park"),
                 ("render", "--focus", "pgorg:no-such-park", "-o", str(tmp_path / "map.html"))):
        code, out, err = run(capsys, *args, *where)
        assert code == 2 and err.startswith("error: no entity is called 'pgorg:no-such-park'"), (args, err)
        assert "Traceback" not in err


CASE_VARIANTS = """
@prefix pg: <https://w3id.org/parkgraph/ontology#> .
@prefix pgorg: <https://w3id.org/parkgraph/id/org/> .
@prefix place: <https://w3id.org/parkgraph/id/place/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
pgorg:alpha-park a pg:IndustrialPark ; rdfs:label "Alpha Park"@en , "Альфа"@ru ; schema:location place:russia .
pgorg:alpha-zone a pg:IndustrialPark ; rdfs:label "alpha park"@en , "Альфа-зона"@ru ; schema:location place:russia .
"""


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("variants") / "variants.ttl"
    source.write_text(CASE_VARIANTS, encoding="utf-8")
    return source


@pytest.mark.parametrize("store", ["memory", "oxigraph-memory"])
def test_an_exact_label_wins_over_another_entitys_case_variant(
    store: str, variants: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As for named-query parameters: "Alpha Park" is the park labelled so, although "alpha park" names
    another; a name written as neither ("ALPHA PARK") stays ambiguous. The same on the whole network
    (path, neighbours) and on the store-side focus, which then reads no label but by index."""
    graph = ParkGraph.open(store, files=[variants])
    network = to_networkx(graph)
    alpha, zone = PGID + "org/alpha-park", PGID + "org/alpha-zone"
    assert find_entity(network, "Alpha Park") == alpha and find_entity(network, "alpha park") == zone
    with pytest.raises(ParkgraphError, match="ambiguous"):
        find_entity(network, "ALPHA PARK")
    scans, select = [], parkgraph.network._select

    def spy(graph: object, query: str, bindings: object = None) -> list[tuple]:
        if query in (internal_query("resolve_label"), internal_query("network_labels")):
            scans.append(query)
        return select(graph, query, bindings)  # type: ignore[arg-type]

    monkeypatch.setattr(parkgraph.network, "_select", spy)
    for name, iri in (("Alpha Park", alpha), ("alpha park", zone), (" Alpha Park ", alpha)):
        focused = to_networkx(graph, focus=name, depth=1)
        assert _as_data(focused) == _as_data(to_networkx(graph, focus=iri, depth=1)), name
    assert scans == []  # each found by the exact look-up
    with pytest.raises(ParkgraphError, match="ambiguous"):
        to_networkx(graph, focus="ALPHA PARK", depth=1)
    graph.release()


# Labels where letter case is not simple: final sigma, dotted and dotless i, ß and ẞ, ligatures, titlecase
# digraphs, Kelvin and Ohm signs, ё, Roman numerals; a --focus name is compared with them as resolve_label.rq does.
TRICKY_LABELS = ["ΟΔΟΣ", "οδος", "Σίσυφος", "İstanbul", "istanbul", "ISTANBUL", "Straße", "STRASSE", "ẞ", "ß",
                 "ﬁle", "FILE", "Ǆemal", "ǅemal", "ǆemal", "\u212a", "k", "\u2126", "ω", "ЁЛКА", "ёлка", "Ⅻ", "ⅻ",
                 "KIP Master", "kip master", "«КИП Мастер»", "a\tb", "Ꭰ", "ꭰ"]


@pytest.mark.parametrize("store", STORES)
def test_labels_read_once_match_as_the_label_query(store: str, tmp_path: Path) -> None:
    """On the embedded stores a --focus name no label matches exactly is compared with the labels read once
    in Python (they serve the folded look-up too), instead of by sparql/resolve_label.rq: the same entities,
    in the same order, for every label in other letter cases and a few hundred random texts."""
    import random

    from rdflib import Literal

    from parkgraph.network import _every_label, _label_matches

    lines = ["@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    for number, label in enumerate(TRICKY_LABELS):
        lines.append(f'<urn:x:{number:02d}> rdfs:label {json.dumps(label, ensure_ascii=False)}@en .')
    lines.append('<urn:x:plain> <http://www.w3.org/2004/02/skos/core#altLabel> "Ǆemal" .')
    source = tmp_path / "tricky.ttl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    graph = ParkGraph.open(f"oxigraph:{tmp_path / 'db'}" if store == "oxigraph:PATH" else store, files=[source])
    labels = list(_every_label(graph))
    assert len(labels) == len(TRICKY_LABELS) + 1
    rng = random.Random(5)
    texts = [variant for label in TRICKY_LABELS
             for variant in (label, label.lower(), label.upper(), label.casefold(), label.swapcase(), label.title())]
    texts += ["".join(rng.choices("ΣσςİIıiẞßSsKkΩωЁё ", k=rng.randint(1, 4))) for _ in range(300)]
    matched = 0
    for text in texts:
        rows = graph.store.query(internal_query("resolve_label"), {"text": Literal(text)}).rows
        expected = [str(row[0]) for row in rows]
        assert _label_matches(text, labels) == expected, (store, text)
        matched += bool(expected)
    assert matched > len(TRICKY_LABELS) * 2  # most variants name something
    graph.release()


@pytest.mark.parametrize("store", STORES)
def test_a_misspelt_focus_reads_the_labels_once(store: str, oxigraph_path: Path, pg: ParkGraph,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A name found only by folding (or not at all) costs one read of the labels on an embedded store, not a
    label query and then a second read, and gives what an rdflib Graph (through the queries) gives."""
    graph = ParkGraph.open(spec(store, oxigraph_path), create=False) if store != "memory" else pg
    reads, scans = [], []
    real_read, select = type(graph.store).iri_subject_terms, parkgraph.network._select

    def read(self: object, predicates: object = None) -> Iterator[tuple]:
        reads.append(predicates)
        return real_read(self, predicates)  # type: ignore[arg-type]

    def spy(graph: object, query: str, bindings: object = None) -> list[tuple]:
        if query in (internal_query("resolve_label"), internal_query("network_labels")):
            scans.append(query)
        return select(graph, query, bindings)  # type: ignore[arg-type]

    monkeypatch.setattr(type(graph.store), "iri_subject_terms", read)
    monkeypatch.setattr(parkgraph.network, "_select", spy)
    rdflib_graph = pg.to_rdflib()
    focused = to_networkx(graph, focus="«kip  MASTER»", depth=1)  # found only once quotes and spaces are folded
    assert reads == [parkgraph.network._NAME_PREDICATES] and scans == []
    assert _as_data(focused) == _as_data(to_networkx(rdflib_graph, focus=KIP, depth=1))
    reads.clear()
    with pytest.raises(ParkgraphError, match="did you mean: KIP Master") as error:
        to_networkx(graph, focus="KIP Mastr", depth=1)
    assert reads == [parkgraph.network._NAME_PREDICATES] and scans == []
    with pytest.raises(ParkgraphError) as through_queries:
        to_networkx(rdflib_graph, focus="KIP Mastr", depth=1)
    assert str(error.value) == str(through_queries.value)
    if store != "memory":
        graph.release()
