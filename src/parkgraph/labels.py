"""Human labels for RDF nodes in the language asked for, falling back to the other."""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Node

LANGUAGES = ("ru", "en")


def other_language(lang: str) -> str:
    """The label language to fall back to: en for ru, ru otherwise."""
    return "en" if lang == "ru" else "ru"


def label(graph: Graph, node: Node, lang: str = "en") -> str | None:
    """The rdfs:label (or skos:prefLabel) of `node` in `lang`, else in the other language, else any."""
    found: dict[str | None, str] = {}
    for prop in (RDFS.label, SKOS.prefLabel):
        for value in graph.objects(node, prop):
            if isinstance(value, Literal):
                found.setdefault(value.language, str(value))
    for wanted in (lang, other_language(lang), None):
        if wanted in found:
            return found[wanted]
    return next(iter(found.values()), None)


def display_label(graph: Graph, node: Node, lang: str = "en") -> str:
    """A label fit to show: the node's label, else its prefixed name, else its IRI."""
    text = label(graph, node, lang)
    if text:
        return text
    try:
        return graph.namespace_manager.normalizeUri(node)
    except Exception:  # not every IRI can be shortened
        return str(node)
