"""`make docs`: pyLODE HTML of the ontology with every term and both labels, and the model diagram."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef

from parkgraph import paths
from parkgraph.docs import VOCABULARIES, build_docs, short_name
from parkgraph.errors import ParkgraphError
from parkgraph.namespaces import PG

PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)


class EntitySections(HTMLParser):
    """Collects, for each documented entity, its heading text and IRI, plus the page's whole text."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: dict[str, list[str]] = {}
        self.text: list[str] = []
        self._heading: list[str] | None = None
        self._last_heading = ""
        self._in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h3":
            self._heading = []
        elif tag == "code":
            self._in_code = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3" and self._heading is not None:
            self._last_heading = "".join(self._heading).strip()
            self._heading = None
        elif tag == "code":
            self._in_code = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)
        elif self._in_code and data.strip().startswith(str(PG)):
            self.headings.setdefault(data.strip(), []).append(self._last_heading)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("docs")
    return {p.name: p for p in build_docs(out)}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(paths.ontology_file())


@pytest.fixture(scope="module")
def page(built: dict[str, Path]) -> EntitySections:
    parser = EntitySections()
    parser.feed(built["ontology.html"].read_text(encoding="utf-8"))
    return parser


def own_terms(ontology: Graph, types: tuple[URIRef, ...]) -> set[URIRef]:
    return {s for t in types for s in ontology.subjects(RDF.type, t) if str(s).startswith(str(PG))}


def labels(ontology: Graph, term: URIRef) -> dict[str, str]:
    return {lit.language: str(lit) for lit in ontology.objects(term, RDFS.label) if isinstance(lit, Literal)}


def test_every_class_and_property_is_documented_with_both_labels(ontology: Graph, page: EntitySections) -> None:
    classes = own_terms(ontology, (OWL.Class,))
    properties = own_terms(ontology, PROPERTY_TYPES)
    assert len(classes) >= 10 and len(properties) >= 10
    for term in sorted(classes | properties):
        assert str(term) in page.headings, f"{term} has no section in ontology.html"
        names = labels(ontology, term)
        assert set(names) == {"ru", "en"}, f"{term} lacks a ru or en label in the ontology"
        for heading in page.headings[str(term)]:
            assert names["en"] in heading and names["ru"] in heading, (term, heading)


def test_definitions_in_both_languages_are_shown(ontology: Graph, page: EntitySections) -> None:
    text = " ".join(" ".join(page.text).split())
    checked = 0
    for term in own_terms(ontology, (OWL.Class, *PROPERTY_TYPES)):
        for prop in (SKOS.definition, RDFS.comment):
            for lit in ontology.objects(term, prop):
                assert " ".join(str(lit).split()) in text, f"{short_name(term)}: {lit!r} missing"
                checked += 1
    assert checked >= 40


def test_reused_vocabularies_are_named(ontology: Graph, page: EntitySections) -> None:
    text = " ".join(page.text)
    superclasses = {o for s, o in ontology.subject_objects(RDFS.subClassOf) if str(s).startswith(str(PG))}
    namespaces = {ns for ns in VOCABULARIES for cls in superclasses if str(cls).startswith(ns)}
    assert len(namespaces) >= 4  # org, schema, prov, skos at least
    for namespace in namespaces:
        assert VOCABULARIES[namespace] in text and namespace in text


def test_model_diagram_has_every_class_and_the_properties_the_data_uses(built: dict[str, Path]) -> None:
    png = built["model.png"].read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    svg = built["model.svg"].read_text(encoding="utf-8")
    ontology = Graph().parse(paths.ontology_file())
    for cls in own_terms(ontology, (OWL.Class,)):
        assert short_name(cls) in svg, f"{short_name(cls)} is not drawn"
    data = Graph().parse(paths.ontology_file()).parse(paths.data_file())
    typed = set(data.subjects(RDF.type, None))
    linking = {p for s, p, o in data if s in typed and o in typed and p != RDF.type}
    linking.discard(URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))  # named once in the caption
    for prop in linking:
        if str(prop).startswith((str(OWL), str(RDFS), str(RDF))):
            continue  # the ontology's own axioms, not the model
        assert short_name(prop) in svg, f"{short_name(prop)} links nodes in the data but is not drawn"


def test_committed_docs_are_up_to_date(built: dict[str, Path], page: EntitySections) -> None:
    """docs/ in the repository (and the diagram in the README) match what the ontology and data give now.

    The diagram source is compared exactly; the HTML by its documented terms and their headings, so
    that another pyLODE release's markup does not count as stale.
    """
    committed = paths.project_root() / "docs"
    fresh_dot = built["model.dot"].read_text(encoding="utf-8")
    assert (committed / "model.dot").read_text(encoding="utf-8") == fresh_dot, "docs/model.dot is stale: run make docs"
    old = EntitySections()
    old.feed((committed / "ontology.html").read_text(encoding="utf-8"))
    assert old.headings == page.headings, "docs/ontology.html is stale: run make docs"


def test_without_graphviz_nothing_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`dot` missing is found before any file is written: the old set stays whole, not half new."""
    import parkgraph.docs

    names = ("ontology.html", "model.dot", "model.png", "model.svg")
    for name in names:
        (tmp_path / name).write_text(f"old {name}\n")
    monkeypatch.setattr(parkgraph.docs.shutil, "which", lambda name: None)
    with pytest.raises(ParkgraphError, match="graphviz 'dot' is not installed"):
        build_docs(tmp_path)
    assert {name: (tmp_path / name).read_text() for name in names} == {name: f"old {name}\n" for name in names}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
