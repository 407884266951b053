"""Entity look-up, shortest paths, neighbours and centrality, through the API and the CLI."""

from __future__ import annotations

import re

import networkx as nx
import pytest
from network_data import ZAKIROV

from parkgraph import ParkGraph, ParkgraphError
from parkgraph.analytics import (
    betweenness_centrality,
    betweenness_sources,
    central,
    find_entity,
    format_path,
    neighbours,
    shortest_paths,
    undirected,
)
from parkgraph.cli import main
from parkgraph.network import to_networkx

BRAZIL = "https://w3id.org/parkgraph/id/place/brazil"
KIP = "https://w3id.org/parkgraph/id/org/kip-master"


@pytest.fixture(scope="module")
def network(pg: ParkGraph) -> nx.MultiDiGraph:
    return to_networkx(pg)


@pytest.mark.parametrize(
    "name",
    ["Фарид Закиров", "farid zakirov", "«Закиров»", '"Zakirov"', "  ZAKIROV ", ZAKIROV, "pgid:person/farid-zakirov"],
)
def test_find_entity_tolerates_case_quotes_language_and_iri(network: nx.MultiDiGraph, name: str) -> None:
    assert find_entity(network, name) == ZAKIROV


def test_find_entity_with_guillemets_in_the_label(network: nx.MultiDiGraph) -> None:
    assert find_entity(network, "КИП Мастер") == KIP
    assert find_entity(network, "кип «мастер»") == KIP


def test_unknown_name_lists_close_candidates(network: nx.MultiDiGraph) -> None:
    with pytest.raises(ParkgraphError) as info:
        find_entity(network, "Закирв")
    assert "no entity is called" in str(info.value) and "Farid Zakirov" in str(info.value)


def _suggested(error: Exception) -> list[str]:
    """The labels a "did you mean" list names, in its order."""
    listing = str(error).split("did you mean: ", 1)[1].split("\n")[0]
    return [re.sub(r" \(.*\)$", "", item) for item in listing.split("; ")]


def test_unknown_name_lists_the_closest_first() -> None:
    """Ordered by how close each name is, not by description: "Park 27" comes before "Park 127" and the
    names that merely contain the word."""
    graph = nx.MultiDiGraph()
    for number in (127, 207, 27, 217, 2700):
        graph.add_node(f"urn:park/{number}", label=f"Synthetic Park {number}", class_label="Park")
    graph.add_node("urn:long", label="Old Synthetic Park 27 of the Volga region", class_label="Park")
    with pytest.raises(ParkgraphError) as info:
        find_entity(graph, "Synthetic Prak 27")
    assert _suggested(info.value)[0] == "Synthetic Park 27", str(info.value)
    with pytest.raises(ParkgraphError) as info:
        find_entity(graph, "park 27")  # in three names (the shortest is the closest), close to the others' IRIs
    listed = _suggested(info.value)
    containing = ["Synthetic Park 27", "Synthetic Park 2700", "Old Synthetic Park 27 of the Volga region"]
    assert listed[0] == containing[0] and sorted(containing, key=listed.index) == containing, listed


def test_ambiguous_name_lists_every_candidate() -> None:
    graph = nx.MultiDiGraph()
    graph.add_node("urn:a", label="Master", label_en="Master", label_ru="Мастер", class_label="Park")
    graph.add_node("urn:b", label="Master", label_en="Master", label_ru="Мастер", class_label="Company")
    with pytest.raises(ParkgraphError) as info:
        find_entity(graph, "master")
    assert "ambiguous" in str(info.value) and "urn:a" in str(info.value) and "urn:b" in str(info.value)


def test_shortest_paths_are_real_chains(network: nx.MultiDiGraph) -> None:
    paths = shortest_paths(network, "Закиров", "Brazil", limit=10)
    undirected = nx.Graph(network.to_undirected())
    assert paths and all(len(p) == nx.shortest_path_length(undirected, ZAKIROV, BRAZIL) for p in paths)
    for path in paths:
        assert path[0].source == ZAKIROV and path[-1].target == BRAZIL
        for step, following in zip(path, path[1:], strict=False):
            assert step.target == following.source
        for step in path:
            u, v = (step.source, step.target) if step.forward else (step.target, step.source)
            assert any(d["predicate"] == step.predicate for d in network.get_edge_data(u, v).values())
    labels = [[network.nodes[s.source]["label"].casefold() for s in p] for p in paths]
    assert labels == sorted(labels)  # a stable order, the same in every run
    text = format_path(network, paths[0])
    assert text.splitlines()[0] == "Farid Zakirov" and text.splitlines()[-1].endswith("Brazil")
    assert len(text.splitlines()) == len(paths[0]) + 1


def test_neighbours_by_depth(network: nx.MultiDiGraph) -> None:
    first = neighbours(network, "KIP Master", 1)
    assert {n for n, _ in first} == set(nx.all_neighbors(network, KIP))
    second = neighbours(network, "KIP Master", 2)
    assert {n for n, d in second if d == 1} == {n for n, _ in first}
    assert all(d == 2 for n, d in second if n not in dict(first))
    with pytest.raises(ParkgraphError):
        neighbours(network, "KIP Master", 0)


def test_central_ranks_by_betweenness(network: nx.MultiDiGraph) -> None:
    rows = central(network, 5)
    expected = nx.betweenness_centrality(nx.Graph(network.to_undirected()))
    best = max(expected, key=expected.get)
    assert rows[0].node == best
    assert [r.betweenness for r in rows] == sorted((r.betweenness for r in rows), reverse=True)
    assert rows[0].degree == nx.Graph(network.to_undirected()).degree(best)


def test_cli_path_neighbours_central(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["path", "Закиров", "Бразилия", "--lang", "ru"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert "Фарид Закиров" in out and "Бразилия" in out and ("—[" in out or "←[" in out)
    with pytest.raises(SystemExit) as exit_info:
        main(["neighbours", "КИП «Мастер»", "--depth", "1"])
    assert exit_info.value.code == 0 and "Farid Zakirov" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["central", "--top", "3"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0 and "betweenness" in out


@pytest.mark.parametrize("count", ["0", "-3"])
def test_cli_path_refuses_a_max_below_one(capsys: pytest.CaptureFixture[str], count: str) -> None:
    """--max 0 printed "no connection" (false) and --max -3 some of the paths: both are refused."""
    with pytest.raises(SystemExit) as exit_info:
        main(["path", "SCO", "BRICS", "--max", count])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2 and "Invalid value for '--max'" in err
    assert "no connection" not in out + err and "path(s)" not in out


def test_shortest_paths_refuses_a_limit_below_one(network: nx.MultiDiGraph) -> None:
    assert shortest_paths(network, "SCO", "BRICS", limit=1)
    with pytest.raises(ParkgraphError, match="1 or more, not 0"):
        shortest_paths(network, "SCO", "BRICS", limit=0)


def test_cli_unknown_entity_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["path", "Nobody Atall", "Brazil"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "no entity is called 'Nobody Atall'" in err
    # The hint's command works: it finds an entity by a part of its name, without building the network.
    command = err.split("hint: ", 1)[1].split(": ", 1)[1].strip()
    assert command == "parkgraph query find-entity -p text=PART"
    with pytest.raises(SystemExit) as exit_info:
        main([*command.removeprefix("parkgraph ").replace("PART", "Zakir").split(), "-F", "csv"])
    assert exit_info.value.code in (0, None)
    assert "https://w3id.org/parkgraph/id/person/farid-zakirov" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("entities", "samples", "sources"),
    [(38, None, None), (5000, None, None), (5001, None, 100), (88345, None, 100), (88345, 0, None),
     (10, 5, 5), (10, 10, None), (10, 50, None)],
)
def test_betweenness_is_exact_on_small_graphs_and_sampled_on_big_ones(
    entities: int, samples: int | None, sources: int | None
) -> None:
    assert betweenness_sources(entities, samples) == sources


def test_a_negative_sample_is_refused() -> None:
    with pytest.raises(ParkgraphError, match="--samples"):
        betweenness_sources(100, -1)


def test_central_estimates_from_a_seeded_sample(network: nx.MultiDiGraph) -> None:
    """With samples, betweenness is networkx's estimate from that many seeded sources: the same
    ranking in every run, and exact again with 0."""
    sampled = central(network, 5, samples=5)
    estimate = nx.betweenness_centrality(undirected(network), k=5, normalized=True, seed=0)
    assert [r.betweenness for r in sampled] == pytest.approx(sorted(estimate.values(), reverse=True)[:5])
    assert sampled == central(network, 5, samples=5)
    exact = nx.betweenness_centrality(undirected(network), normalized=True)
    assert [r.betweenness for r in central(network, 5, samples=0)] == pytest.approx(
        sorted(exact.values(), reverse=True)[:5])
    assert [r.betweenness for r in sampled] != [r.betweenness for r in central(network, 5, samples=0)]


@pytest.mark.parametrize("k", [None, 1, 2, 7, 40, 55, 56])  # 56 nodes
@pytest.mark.parametrize("seed", [1, 2])
def test_betweenness_is_networkx_estimate_computed_by_igraph(k: int | None, seed: int) -> None:
    """igraph's searches give networkx's numbers, sampled or exact: the same seeded sources, the same
    scaling (source nodes apart), on graphs with several components, a self-loop and a lone node."""
    simple = nx.relabel_nodes(nx.gnm_random_graph(50, 70, seed=seed), lambda n: f"n{n}")
    simple.add_edges_from([("a", "b"), ("b", "c"), ("c", "c"), ("c", "a"), ("c", "d"), ("d", "e")])
    simple.add_node("alone")
    expected = nx.betweenness_centrality(simple, k=k, normalized=True, seed=0)
    found = betweenness_centrality(simple, k)
    assert list(found) == list(expected)
    assert found == pytest.approx(expected, nan_ok=True)
    assert any(value > 0 for value in found.values())


@pytest.mark.parametrize("nodes", [0, 1, 2])
def test_betweenness_of_tiny_graphs_is_zero(nodes: int) -> None:
    simple = nx.path_graph([f"n{i}" for i in range(nodes)])
    assert betweenness_centrality(simple) == nx.betweenness_centrality(simple) == dict.fromkeys(simple, 0.0)


def test_cli_central_says_when_it_estimates(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import parkgraph.analytics

    with pytest.raises(SystemExit) as exit_info:
        main(["central", "--top", "3"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0 and "entities by betweenness" in out and "estimated" not in out
    monkeypatch.setattr(parkgraph.analytics, "EXACT_BETWEENNESS_UP_TO", 10)  # the curated graph counts as big
    monkeypatch.setattr(parkgraph.analytics, "BETWEENNESS_SAMPLES", 4)
    with pytest.raises(SystemExit) as exit_info:
        main(["central", "--top", "3"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0 and "estimated from 4 sampled entities (--samples 0 for exact)" in out
    with pytest.raises(SystemExit) as exit_info:
        main(["central", "--top", "3", "--samples", "0"])
    assert exit_info.value.code == 0 and "estimated" not in capsys.readouterr().out


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("name", ["АКИТ РФ", "KIP Master", "Russia", "Фарид Закиров"])
def test_neighbours_of_the_focus_network_are_the_whole_networks(
    network: nx.MultiDiGraph, pg: ParkGraph, name: str, depth: int
) -> None:
    """`parkgraph neighbours` reads only the entity's neighbourhood: the answer is the same."""
    assert neighbours(to_networkx(pg, focus=name, depth=depth), name, depth) == neighbours(network, name, depth)


def test_cli_neighbours_does_not_read_the_whole_graph(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, network: nx.MultiDiGraph
) -> None:
    import parkgraph.network

    def whole_graph(*args: object, **kwargs: object) -> None:
        raise AssertionError("neighbours read the whole graph")

    monkeypatch.setattr(parkgraph.network._Index, "load", whole_graph)
    with pytest.raises(SystemExit) as exit_info:
        main(["neighbours", "КИП «Мастер»", "--depth", "2"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    expected = neighbours(network, "КИП «Мастер»", 2)
    assert f"{len(expected)} entities within 2 step(s)" in out
    with pytest.raises(SystemExit) as exit_info:
        main(["neighbours", "КИП «Мастер»", "--depth", "0"])
    assert exit_info.value.code == 2 and "depth must be 1 or more" in capsys.readouterr().err


def test_igraph_is_imported_only_for_betweenness() -> None:
    """Importing igraph (and the matplotlib it looks for) costs 0.6-3 s: only `central` should pay it,
    not every command that resolves an entity name through this module."""
    import subprocess
    import sys

    check = ("import sys, networkx as nx, parkgraph.cli, parkgraph.analytics as a, parkgraph.network;"
             "print('igraph' in sys.modules);"
             "a.betweenness_centrality(nx.path_graph(4));"
             "print('igraph' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]
