"""parkgraph render: a self-contained, offline, escaped HTML page within a node budget."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from network_data import ZAKIROV, injection_graph

from parkgraph import ParkGraph, ParkgraphError
from parkgraph.cli import main
from parkgraph.network import to_networkx
from parkgraph.render import figure_text, render_html, script_json, write_map

PAYLOADS = ("<img src=x onerror=", "</script><script>window.__pwned", "\"><svg onload=", "<body onload=",
            "<iframe srcdoc=", "<script>alert(")


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None


def parse(page: str) -> Tags:
    tags = Tags()
    tags.feed(page)
    tags.close()
    return tags


def page_data(page: str) -> dict:
    """The JSON the page draws, read the way the browser reads it."""
    found = [text for attrs, text in parse(page).scripts if attrs.get("id") == "pg-data"]
    assert len(found) == 1
    return json.loads(found[0])


@pytest.fixture(scope="module")
def network(pg: ParkGraph) -> nx.MultiDiGraph:
    return to_networkx(pg, lang="ru")


@pytest.fixture(scope="module")
def hostile() -> nx.MultiDiGraph:
    return to_networkx(injection_graph())


def test_page_is_self_contained_and_offline(network: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = write_map(network, tmp_path / "map.html", lang="ru")
    raw = path.read_bytes()
    page = raw.decode("utf-8")  # written as UTF-8
    assert "Фарид Закиров" in page
    tags = parse(page)
    for tag, attrs in tags.tags:
        for name in ("src", "href", "data", "action", "srcset", "poster"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("http://", "https://", "//")), (tag, attrs)
    assert not [t for t, a in tags.tags if t == "link" or (t == "script" and "src" in a)]
    for remote in ("bootstrap.min", "bootstrap.bundle", "cdn.jsdelivr", "cdnjs.", "unpkg.com"):
        assert remote not in page.lower()
    vis = [text for attrs, text in tags.scripts if "vis.Network=" in text.replace(" ", "") or "vis-network" in text]
    assert vis, "vis-network is inlined"
    assert '<div id="pg-network">' in page and 'id="pg-legend"' in page and 'id="pg-search"' in page


def test_page_draws_the_graph(network: nx.MultiDiGraph) -> None:
    data = page_data(render_html(network, lang="ru"))
    assert {n["id"] for n in data["nodes"]} == set(network.nodes)
    assert len(data["edges"]) == network.number_of_edges()
    assert sorted((e["from"], e["to"]) for e in data["edges"]) == sorted((u, v) for u, v in network.edges())
    zakirov = next(n for n in data["nodes"] if n["id"] == ZAKIROV)
    assert zakirov["label"] == "Фарид Закиров" and "закиров" in zakirov["names"]
    assert zakirov["info"]["other_label"] == "Farid Zakirov"
    kinds = {n["kind"] for n in data["nodes"]}
    assert {k["key"] for k in data["kinds"]} == kinds
    assert set(data["options"]["groups"]) >= kinds
    site = next(n for n in data["nodes"] if n["id"].endswith("site/kip-master-naberezhnye-chelny"))
    assert any("280" in line and "Фарид Закиров" in line for line in site["info"]["figures"])
    assert site["info"]["sources"]


def test_figure_text_shows_bounds_and_units() -> None:
    base = {"indicator": "Jobs", "unit": "count", "stated_by": "Farid Zakirov", "source_labels": ["Article"]}
    assert figure_text({**base, "min": 13000}, "en").startswith("Jobs: ≥ 13\u202f000")
    assert figure_text({**base, "max": 20.0, "unit": "percent"}, "en").startswith("Jobs: ≤ 20%")
    assert figure_text({**base, "value": 50.0, "approximate": True, "unit": "percent"}, "en").startswith("Jobs: ≈ 50%")
    assert figure_text({**base, "value": 202, "unit": "RUB"}, "en").startswith("Jobs: 202 RUB")
    assert "stated by Farid Zakirov" in figure_text({**base, "min": 1, "max": 2}, "en")


def test_script_json_escapes_for_a_script_element() -> None:
    value = {"a": "</script><script>x</script>", "b": "<!-- & -->", "c": "line\u2028sep\u2029end"}
    text = script_json(value)
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text
    assert json.loads(text) == value


def test_payloads_are_never_raw_html(hostile: nx.MultiDiGraph) -> None:
    title = "<img src=x onerror=window.__pwned='title'> «карта»"
    page = render_html(hostile, lang="en", title=title)
    for payload in PAYLOADS:
        assert payload not in page
    tags = parse(page)
    assert [t for t, _ in tags.tags if t in ("img", "svg", "iframe", "a")] == []
    assert [t for t, _ in tags.tags].count("body") == 1
    assert [t for t, _ in tags.tags].count("script") == 3
    assert "&lt;img src=x onerror=window.__pwned=&#x27;title&#x27;&gt; «карта»" in page
    # the escaping loses nothing: the page's data holds the payloads exactly
    data = page_data(page)
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    for node, label in hostile.nodes(data="label"):
        assert labels[node] == label
    assert any("\u2028" in n["info"]["other_label"] for n in data["nodes"])
    assert "javascript:window.__pwned='iri'" in labels


def test_node_budget_refuses_with_advice(network: nx.MultiDiGraph, tmp_path: Path) -> None:
    with pytest.raises(ParkgraphError) as info:
        write_map(network, tmp_path / "big.html", max_nodes=network.number_of_nodes() - 1)
    assert "budget" in str(info.value) and "--focus" in str(info.value) and "--depth" in str(info.value)
    assert not (tmp_path / "big.html").exists()
    assert write_map(network, tmp_path / "ok.html", max_nodes=network.number_of_nodes()).exists()


def test_cli_render_focus_and_budget(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "focus.html"
    with pytest.raises(SystemExit) as exit_info:
        main(["render", "-o", str(out), "--focus", "Закиров", "--depth", "1", "--lang", "ru"])
    assert exit_info.value.code == 0
    assert re.search(r"wrote .*focus\.html \(\d+ nodes", capsys.readouterr().out)
    data = page_data(out.read_text(encoding="utf-8"))
    assert ZAKIROV in {n["id"] for n in data["nodes"]}
    assert len(data["nodes"]) < 38
    with pytest.raises(SystemExit) as exit_info:
        main(["render", "-o", str(tmp_path / "big.html"), "--max-nodes", "5"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "more than the budget of 5" in err and "--focus" in err
    assert not (tmp_path / "big.html").exists()


@pytest.mark.parametrize("budget", ["0", "-1"])
def test_cli_render_refuses_a_budget_below_one(tmp_path: Path, capsys: pytest.CaptureFixture[str], budget: str) -> None:
    out = tmp_path / "map.html"
    with pytest.raises(SystemExit) as exit_info:
        main(["render", "-o", str(out), "--focus", "Закиров", "--depth", "1", "--max-nodes", budget])
    assert exit_info.value.code == 2 and "Invalid value for '--max-nodes'" in capsys.readouterr().err
    assert not out.exists()
