"""Property tests: the HTML map of hostile data has exactly the markup of a harmless map.

Labels, IRIs, descriptions and the page title are drawn from arbitrary Unicode (markup, closing
tags, comment openers, RTL marks, NUL, lone surrogates). Parsed with html.parser, every page has
the same elements, attributes and <script> blocks as the map of a harmless graph; no '<script',
'</script' or '<!--' from data appears raw; the page data parses as JSON and carries every label
exactly (a lone surrogate, which is not text, as U+FFFD); and the page can be written as UTF-8.
"""

from __future__ import annotations

import json
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, ORG, RDF, RDFS
from test_fuzz_export import hostile_graphs
from test_fuzz_strategies import FAST, carried, hostile_text

from parkgraph.network import to_networkx
from parkgraph.render import render_html, write_map

RAW_MARKERS = ("<script", "</script", "<!--", "-->", "<img", "<svg", "<iframe", "<b>")


class Page(HTMLParser):
    """Every start and end tag with its attributes, the text of each <script>, <title> and <h1>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, str, tuple[tuple[str, str | None], ...]]] = []
        self.scripts: list[list[str]] = []
        self.texts: dict[str, str] = {}
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(("start", tag, tuple(attrs)))
        if tag == "script":
            self.scripts.append([])
        self._open = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(("empty", tag, tuple(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(("end", tag, ()))
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open == "script":
            self.scripts[-1].append(data)
        elif self._open in ("title", "h1"):
            self.texts[self._open] = self.texts.get(self._open, "") + data

    def handle_comment(self, data: str) -> None:
        self.tags.append(("comment", data, ()))

    def handle_decl(self, decl: str) -> None:
        self.tags.append(("decl", decl, ()))


def parse(page: str) -> Page:
    """The page as html.parser reads it."""
    parsed = Page()
    parsed.feed(page)
    parsed.close()
    return parsed


def harmless_graph() -> Graph:
    """A person and an organization with plain labels."""
    graph = Graph()
    person, organization = URIRef("https://example.org/person"), URIRef("https://example.org/org")
    graph.add((person, RDF.type, FOAF.Person))
    graph.add((person, RDFS.label, Literal("Person", lang="en")))
    graph.add((person, ORG.memberOf, organization))
    graph.add((organization, RDF.type, ORG.Organization))
    graph.add((organization, RDFS.label, Literal("Organization", lang="en")))
    return graph


class Reference(tuple):
    """(page, parsed page) of the harmless map, with a short repr for hypothesis' reports."""

    def __repr__(self) -> str:
        return "<the harmless map>"


@pytest.fixture(scope="module")
def harmless() -> tuple[str, Page]:
    """The map of the harmless graph, and how it parses."""
    page = render_html(to_networkx(harmless_graph()), lang="en")
    return Reference((page, parse(page)))


def page_data(parsed: Page) -> dict:
    """The JSON of the pg-data <script>, read as the browser reads it (its text, then JSON.parse)."""
    [data] = [text for (_kind, tag, attrs), text in zip(
        [t for t in parsed.tags if t[:2] == ("start", "script")], parsed.scripts, strict=True)
        if dict(attrs).get("id") == "pg-data"]
    return json.loads("".join(data))


@settings(FAST, max_examples=30)
@given(data=hostile_graphs(), title=st.one_of(st.none(), hostile_text))
@example(data=harmless_graph(), title="</title><script>alert(1)</script><!--\x00\r\n\u202e«»&amp;\ud800")
def test_hostile_data_adds_no_markup_and_arrives_exact(harmless: tuple[str, Page], data: Graph,
                                                      title: str | None) -> None:
    network = to_networkx(data, lang="en")
    page = render_html(network, lang="en", title=title)
    page.encode("utf-8")  # writable as UTF-8: no lone surrogate left
    parsed = parse(page)
    reference_page, reference = harmless
    assert parsed.tags == reference.tags  # the same elements, attributes, comments: none from data
    assert len(parsed.scripts) == len(reference.scripts) == 3
    for marker in RAW_MARKERS:
        assert page.lower().count(marker) == reference_page.lower().count(marker), marker
    [data_script] = [s for s in parsed.scripts if "".join(s).startswith("{")]
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in "".join(data_script)
    drawn = page_data(parsed)
    nodes = {n["id"]: n for n in drawn["nodes"]}
    assert set(nodes) == {carried(n) for n in network.nodes}
    for node, attrs in network.nodes(data=True):
        item = nodes[carried(node)]
        assert item["label"] == item["info"]["label"] == carried(attrs["label"])
        assert item["info"]["iri"] == carried(node)
        other = attrs.get("label_ru") or ""
        assert item["info"]["other_label"] == carried(other)
    assert [(e["from"], e["to"]) for e in drawn["edges"]] == [(carried(u), carried(v)) for u, v in network.edges()]
    shown = title or "parkgraph: industrial parks of SCO and BRICS states"  # no title: the default one
    assert parsed.texts["title"] == parsed.texts["h1"] == carried(shown)


@settings(FAST, max_examples=30)
@given(label=hostile_text)
@example(label="x\ud800\udfff</script><!--")
def test_the_written_map_reads_back_as_the_rendered_page(label: str) -> None:
    """write_map writes UTF-8 that decodes to the page (a lone surrogate as U+FFFD), whatever the label."""
    graph = harmless_graph()
    graph.set((URIRef("https://example.org/person"), RDFS.label, Literal(label, lang="en")))
    network = to_networkx(graph, lang="en")
    with tempfile.TemporaryDirectory() as folder:
        path = write_map(network, Path(folder) / "map.html", lang="en", title=label)
        page = path.read_bytes().decode("utf-8")
    assert page == render_html(network, lang="en", title=label)
    person = next(n for n in page_data(parse(page))["nodes"] if n["id"] == "https://example.org/person")
    assert person["label"] == carried(label)


def test_a_node_without_edges_and_the_parse_of_a_reference_page(harmless: tuple[str, Page]) -> None:
    """The reference page itself: one data block, three scripts, no comment; what the properties compare to."""
    page, parsed = harmless
    assert [t[1] for t in parsed.tags if t[0] == "start"].count("script") == 3
    assert not [t for t in parsed.tags if t[0] == "comment"]
    data = page_data(parsed)
    assert {n["label"] for n in data["nodes"]} == {"Person", "Organization"}
    single = nx.MultiDiGraph()
    single.add_node("https://example.org/alone", label="<alone>")
    assert page_data(parse(render_html(single)))["nodes"][0]["label"] == "<alone>"
