"""parkgraph export: every format reads back to the same nodes, edges and attributes."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from parkgraph import ParkGraph, ParkgraphError
from parkgraph.cli import main
from parkgraph.export import scalar_graph, write_network
from parkgraph.network import to_networkx


@pytest.fixture(scope="module")
def network(pg: ParkGraph) -> nx.MultiDiGraph:
    return to_networkx(pg)


def _edges(graph: nx.MultiDiGraph) -> Counter:
    return Counter((u, v, d["predicate"]) for u, v, d in graph.edges(data=True))


def _assert_scalar_copy(read: nx.MultiDiGraph, network: nx.MultiDiGraph) -> None:
    """Nodes, edges and scalar attributes equal; lists and dicts came back as text holding their items."""
    assert set(read.nodes) == set(network.nodes)
    assert _edges(read) == _edges(network)
    clean = scalar_graph(network)
    for node, data in clean.nodes(data=True):
        got = read.nodes[node]
        for key, value in data.items():
            assert got[key] == value, (node, key)
        assert "None" not in got.values()
    kip = read.nodes["https://w3id.org/parkgraph/id/org/kip-master"]
    figures = json.loads(kip["figures"])
    assert {f["iri"] for f in figures} == {f["iri"] for f in network.nodes[kip["iri"]]["figures"]}


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_formats_parse_and_read_back(network: nx.MultiDiGraph, tmp_path: Path, fmt: str) -> None:
    path = write_network(network, tmp_path / f"net.{fmt}", fmt)
    root = ET.parse(path).getroot()  # well-formed XML
    assert root.tag.endswith("graphml" if fmt == "graphml" else "gexf")
    read = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    _assert_scalar_copy(read, network)
    assert "Фарид Закиров" in path.read_text(encoding="utf-8")


def test_node_link_json_reads_back_whole(network: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = write_network(network, tmp_path / "net.json", "json")
    read = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="edges")
    assert dict(read.nodes(data=True)) == dict(network.nodes(data=True))
    assert sorted(read.edges(keys=True, data="predicate")) == sorted(network.edges(keys=True, data="predicate"))
    for u, v, k, data in network.edges(keys=True, data=True):
        assert read.edges[u, v, k] == data


def test_cytoscape_json_reads_back(network: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = write_network(network, tmp_path / "net.cyjs", "cytoscape")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert {"data", "elements"} <= document.keys()
    nodes = document["elements"]["nodes"]
    assert {n["data"]["id"] for n in nodes} == set(network.nodes)
    assert all(n["data"]["name"] == network.nodes[n["data"]["id"]]["label"] for n in nodes)
    read = nx.cytoscape_graph(document)
    assert _edges(read) == _edges(network)


def test_scalar_graph_has_only_scalars() -> None:
    graph = nx.MultiDiGraph()
    graph.add_node("a", items=["x", "y"], nested=[{"k": 1}], missing=None, big=202_000_000_000, flag=True,
                   bad="tab\tok\x00nul", mixed=1)
    graph.add_node("b", mixed="one", empty=[])
    graph.add_edge("a", "b", key="k", info={"role": "chair"}, none=None)
    clean = scalar_graph(graph)
    a, b = clean.nodes["a"], clean.nodes["b"]
    assert a["items"] == "x; y" and json.loads(a["nested"]) == [{"k": 1}]
    assert "missing" not in a and "empty" not in b
    assert a["big"] == "202000000000" and a["flag"] is True and a["bad"] == "tab\toknul"
    assert a["mixed"] == "1" and b["mixed"] == "one"
    assert clean.edges["a", "b", "k"] == {"info": '{"role": "chair"}'}


def test_unknown_format_and_directory_target(network: nx.MultiDiGraph, tmp_path: Path) -> None:
    with pytest.raises(ParkgraphError, match="unknown export format"):
        write_network(network, tmp_path / "x.dot", "dot")
    with pytest.raises(ParkgraphError, match="directory"):
        write_network(network, tmp_path, "json")


def test_failed_write_leaves_old_file_and_no_temp(network: nx.MultiDiGraph, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "net.graphml"
    target.write_text("old", encoding="utf-8")

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(nx, "write_graphml", explode)
    with pytest.raises(RuntimeError):
        write_network(network, target, "graphml")
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["net.graphml"]


def test_cli_export_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("graphml", "gexf", "json", "cytoscape"):
        out = tmp_path / f"net.{fmt}"
        with pytest.raises(SystemExit) as exit_info:
            main(["export", "--format", fmt, "-o", str(out), "--focus", "KIP Master", "--depth", "1"])
        assert exit_info.value.code == 0, capsys.readouterr().err
        assert out.stat().st_size > 0
    read = nx.node_link_graph(json.loads((tmp_path / "net.json").read_text(encoding="utf-8")), edges="edges")
    assert "https://w3id.org/parkgraph/id/org/kip-master" in read and read.number_of_nodes() == 5


def test_cli_export_keep_nary_and_classes(tmp_path: Path) -> None:
    out = tmp_path / "nary.json"
    with pytest.raises(SystemExit):
        main(["export", "--format", "json", "-o", str(out), "--keep-nary", "--classes", "person,figure"])
    read = nx.node_link_graph(json.loads(out.read_text(encoding="utf-8")), edges="edges")
    assert {d["kind"] for _, d in read.nodes(data=True)} == {"person", "figure"}
    assert any(read.has_edge(u, "https://w3id.org/parkgraph/id/person/farid-zakirov") for u in read.nodes)


def test_cli_export_jsonld_goes_to_the_jsonld_writer(tmp_path: Path) -> None:
    out = tmp_path / "graph.jsonld"
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--format", "jsonld", "-o", str(out)])
    assert exit_info.value.code == 0
    assert out.stat().st_size > 0 and json.loads(out.read_text(encoding="utf-8"))


def test_cli_export_bad_format_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--format", "dot", "-o", str(tmp_path / "x.dot")])
    assert exit_info.value.code == 2
    assert "unknown export format 'dot'" in capsys.readouterr().err
    assert not (tmp_path / "x.dot").exists()
