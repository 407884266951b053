"""The ontology: every class and property it defines has ru/en labels and a definition."""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS

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


def test_every_node_of_the_curated_data_names_its_source() -> None:
    """Provenance on every fact: each subject but the sources themselves has prov:wasDerivedFrom."""
    data = Graph().parse(paths.data_file())
    sources = set(data.objects(None, PROV.wasDerivedFrom))
    assert sources and all((source, RDF.type, PROV.Entity) in data for source in sources)
    unsourced = {s for s in data.subjects() if s not in sources and (s, PROV.wasDerivedFrom, None) not in data}
    assert not unsourced, sorted(unsourced)


def test_a_figure_stated_at_an_event_names_who_stated_it() -> None:
    """pg:statedAt says someone stated the figure there; figures the article gives in its own voice have none."""
    data = Graph().parse(paths.data_file())
    stated_at = set(data.subjects(PG.statedAt, None))
    assert stated_at
    assert all((figure, PROV.wasAttributedTo, None) in data for figure in stated_at), sorted(
        f for f in stated_at if (f, PROV.wasAttributedTo, None) not in data
    )
