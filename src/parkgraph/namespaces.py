"""The RDF namespaces parkgraph uses, bound once for every graph it creates."""

from __future__ import annotations

import functools
import re

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

# Prefixes of the curated data's identifiers (data/triples.ttl), on top of the vocabulary prefixes.
ID_PREFIXES: dict[str, str] = {
    name: str(PGID) + path
    for name, path in {
        "cooperation": "cooperation/",
        "event": "event/",
        "figure": "figure/",
        "indicator": "indicator/",
        "instant": "instant/",
        "interval": "interval/",
        "membership": "membership/",
        "model": "model/",
        "pgorg": "org/",
        "period": "period/",
        "person": "person/",
        "place": "place/",
        "plan": "plan/",
        "request": "request/",
        "role": "role/",
        "site": "site/",
        "source": "source/",
    }.items()
}
# Every prefix a user may write without declaring it: in queries, `iri` parameters and entity names.
KNOWN_PREFIXES: dict[str, str] = {**{k: str(v) for k, v in PREFIXES.items()}, **ID_PREFIXES}

_LONGEST_FIRST = sorted(KNOWN_PREFIXES.items(), key=lambda kv: -len(kv[1]))


@functools.lru_cache(maxsize=1 << 16)  # a scan of every prefix; exports and name indexes ask per node and edge
def shorten(iri: str) -> str:
    """An IRI as a prefixed name (the longest known namespace first: `pgorg:sco`, not `pgid:org/sco`),
    else the IRI itself. The one spelling every table, message and map uses."""
    for prefix, namespace in _LONGEST_FIRST:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


_PREFIXED = re.compile(r"^(?P<prefix>[A-Za-z][\w\-.]*)?:(?P<local>[^\s<>\"{}|^`\\]*)$")


def expand_prefixed(text: str) -> str | None:
    """The IRI `text` spells as a prefixed name with one of KNOWN_PREFIXES (`pgorg:sco`), else None.

    Not checked as an IRI: the caller decides what to do with one a store would refuse.
    """
    match = _PREFIXED.match(text)
    if match is None or (match.group("prefix") or "") not in KNOWN_PREFIXES:
        return None
    return KNOWN_PREFIXES[match.group("prefix") or ""] + match.group("local")


def bind_prefixes(graph: Graph) -> Graph:
    """Bind parkgraph's prefixes on `graph` (replacing rdflib's defaults) and return it."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph
