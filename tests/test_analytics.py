"""Entity look-up, shortest paths, neighbours and centrality, through the API and the CLI."""

from __future__ import annotations

import networkx as nx
import pytest
from network_data import ZAKIROV

from parkgraph import ParkGraph, ParkgraphError
from parkgraph.analytics import central, find_entity, format_path, neighbours, shortest_paths
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


def test_cli_unknown_entity_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["path", "Nobody Atall", "Brazil"])
    assert exit_info.value.code == 2
    assert "no entity is called 'Nobody Atall'" in capsys.readouterr().err
