"""`paths_between` reads only the neighbourhoods of both ends when the shortest paths lie there, and
answers exactly what `shortest_paths` answers on the whole network: the same steps, labels and order,
falling back to the whole network when the neighbourhoods cannot tell."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from network_data import synthetic_graph
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, RDFS

import parkgraph.network
from parkgraph import ParkGraph, ParkgraphError
from parkgraph.analytics import format_path, shortest_paths
from parkgraph.cli import main
from parkgraph.network import PATH_RADII, paths_between, to_networkx
from parkgraph.synth import SYNTH, SynthConfig

CURATED_PAIRS = [
    ("SCO", "BRICS"),
    ("Farid Zakirov", "KIP Master"),  # one step
    ("Закиров", "Бразилия"),  # five steps: past both neighbourhoods, the whole network answers
    ("pgid:place/russia", "Иннопром-2025"),
    ("kip master", "SCO"),  # a folded label
    ("«Закиров»", "pgid:org/sco"),  # an alternative label in quotes, a prefixed name
]


def _whole(graph: ParkGraph | Graph, a: str, b: str, limit: int, lang: str) -> tuple[nx.MultiDiGraph, list]:
    full = to_networkx(graph, lang=lang)
    return full, shortest_paths(full, a, b, limit=limit)


def assert_same(graph: ParkGraph | Graph, a: str, b: str, limit: int = 3, lang: str = "en",
                full: nx.MultiDiGraph | None = None) -> list:
    """paths_between's answer is shortest_paths' on the whole network (`full`, if already built)."""
    network, found = paths_between(graph, a, b, limit=limit, lang=lang)
    if full is None:
        full, expected = _whole(graph, a, b, limit, lang)
    else:
        expected = shortest_paths(full, a, b, limit=limit)
    assert found == expected, (a, b)
    assert [format_path(network, p) for p in found] == [format_path(full, p) for p in expected]
    return found


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> ParkGraph:
    return synthetic_graph(tmp_path_factory.mktemp("synth"), SynthConfig(seed=3, parks=4, residents=80),
                           "oxigraph-memory")


class Counter:
    """Counts the builds of the whole network that `paths_between` falls back to."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = parkgraph.network.to_networkx

        def counting(*args: object, **kwargs: object) -> nx.MultiDiGraph:
            self.calls += 1
            return original(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(parkgraph.network, "to_networkx", counting)


@pytest.mark.parametrize(("a", "b"), CURATED_PAIRS)
@pytest.mark.parametrize(("limit", "lang"), [(1, "en"), (3, "ru"), (50, "en")])
def test_curated_paths_are_the_whole_networks(pg: ParkGraph, a: str, b: str, limit: int, lang: str) -> None:
    assert assert_same(pg, a, b, limit, lang)


def test_synthetic_pairs_near_and_far(synthetic: ParkGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pair of a spread of entities: people, companies, parks, places, events; near pairs answered
    from the neighbourhoods, far ones by the whole network, all alike."""
    full = to_networkx(synthetic)
    entities = sorted(full.nodes)[::max(1, full.number_of_nodes() // 10)]
    counter = Counter(monkeypatch)
    lengths = set()
    for a, b in itertools.combinations(entities, 2):
        before = counter.calls
        found = assert_same(synthetic, a, b, full=full)
        steps = len(found[0]) if found else None
        lengths.add(steps)
        # within twice the largest radius the neighbourhoods answer; beyond it only the whole network can
        assert counter.calls - before == (0 if steps and steps <= 2 * max(PATH_RADII) else 1), (a, b, steps)
    assert {1, 2, 3, 4} <= lengths and max(n for n in lengths if n) > 4


def test_a_near_pair_reads_no_whole_network(pg: ParkGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _whole(pg, "SCO", "BRICS", 5, "en")[1]

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole graph was read")

    monkeypatch.setattr(parkgraph.network, "to_networkx", refuse)
    monkeypatch.setattr(parkgraph.network._Index, "load", refuse)
    network, found = paths_between(pg, "SCO", "BRICS")
    assert found == expected and network.number_of_nodes() < 38


def test_a_pair_with_no_connection(pg: ParkGraph) -> None:
    graph = Graph()
    graph += pg.to_rdflib()
    alone = URIRef("https://w3id.org/parkgraph/id/person/alone")
    graph.add((alone, RDF.type, FOAF.Person))
    graph.add((alone, RDFS.label, Literal("Alone Person", lang="en")))
    network, found = paths_between(graph, "Alone Person", "SCO")  # type: ignore[arg-type]
    assert found == [] and _whole(graph, "Alone Person", "SCO", 3, "en")[1] == []  # type: ignore[arg-type]
    assert "Alone Person" in {d.get("label") for _, d in network.nodes(data=True)}


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ("Zakirof Farid", "SCO", "no entity is called 'Zakirof Farid'; did you mean: .*Zakirov"),
        ("SCO", "qqqqqqqqqqqqqqqq", "no entity is called 'qqqqqqqqqqqqqqqq'"),
        ("SCO", "pgid:org/sco", "'SCO' and 'pgid:org/sco' are the same entity"),
    ],
)
def test_errors_are_shortest_paths(pg: ParkGraph, a: str, b: str, message: str) -> None:
    with pytest.raises(ParkgraphError, match=message) as fast:
        paths_between(pg, a, b)
    with pytest.raises(ParkgraphError, match=message) as slow:
        _whole(pg, a, b, 3, "en")
    assert str(fast.value) == str(slow.value)


def test_refuses_what_shortest_paths_refuses(pg: ParkGraph) -> None:
    with pytest.raises(ParkgraphError, match="1 or more, not 0"):
        paths_between(pg, "SCO", "BRICS", limit=0)
    with pytest.raises(ParkgraphError, match="unknown language"):
        paths_between(pg, "SCO", "BRICS", lang="de")


def test_cli_path_reads_only_the_neighbourhoods(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = Counter(monkeypatch)
    with pytest.raises(SystemExit) as exit_info:
        main(["path", "SCO", "BRICS", "--max", "2"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0 and "Shanghai Cooperation Organisation" in out and "BRICS" in out
    assert counter.calls == 0
    with pytest.raises(SystemExit) as exit_info:
        main(["path", "Закиров", "Бразилия", "--lang", "ru"])
    assert exit_info.value.code == 0 and "Бразилия" in capsys.readouterr().out
    assert counter.calls == 1  # five steps: the whole network


def test_synth_iris_are_found(synthetic: ParkGraph) -> None:
    assert assert_same(synthetic, SYNTH + "park/0", SYNTH + "company/0")
