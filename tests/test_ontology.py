"""The ontology: every class and property it defines has ru/en labels and a definition."""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from parkgraph import paths
from parkgraph.namespaces import PG


def test_every_term_is_labelled_and_defined() -> None:
    graph = Graph().parse(paths.ontology_file())
    terms = {
        s
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in graph.subjects(RDF.type, kind)
        if str(s).startswith(str(PG))
    }
    assert len(terms) >= 20
    for term in terms:
        langs = {o.language for o in graph.objects(term, RDFS.label) if isinstance(o, Literal)}
        assert {"ru", "en"} <= langs, f"{term} lacks a ru or en label"
        defined = list(graph.objects(term, RDFS.comment)) + list(graph.objects(term, SKOS.definition))
        assert defined, f"{term} has no rdfs:comment or skos:definition"


def test_instances_live_under_the_id_namespace(pg) -> None:  # noqa: ANN001
    data = Graph().parse(paths.data_file())
    subjects = {str(s) for s in data.subjects() if not isinstance(s, Literal)}
    assert subjects
    assert all(s.startswith("https://w3id.org/parkgraph/id/") for s in subjects), sorted(
        s for s in subjects if not s.startswith("https://w3id.org/parkgraph/id/")
    )
