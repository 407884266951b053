"""The RDF namespaces parkgraph uses, bound once for every graph it creates."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

PG = Namespace("https://w3id.org/parkgraph/ontology#")
PGID = Namespace("https://w3id.org/parkgraph/id/")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES: dict[str, Namespace] = {
    "pg": PG,
    "pgid": PGID,
    "schema": SCHEMA,
    "org": Namespace(str(ORG)),
    "foaf": Namespace(str(FOAF)),
    "prov": Namespace(str(PROV)),
    "skos": Namespace(str(SKOS)),
    "time": Namespace(str(TIME)),
    "owl": Namespace(str(OWL)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "xsd": Namespace(str(XSD)),
    "wd": WD,
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind parkgraph's prefixes on `graph` (replacing rdflib's defaults) and return it."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph
