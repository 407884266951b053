"""The terms `parkgraph.network` indexes: IRIs as plain `str`, string literals as `Text`, other
literals and blank nodes as rdflib terms. Plain strings hash and compare fastest, and a store that
reads a million triples (the embedded Oxigraph store) need not build an rdflib term for each."""

from __future__ import annotations

from typing import NamedTuple

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node


class Text(NamedTuple):
    """A plain (xsd:string) or language-tagged literal: what rdflib's `Literal(value, lang=language)` holds."""

    value: str
    language: str | None


Term = str | Text | Literal | BNode  # an IRI is a plain str


def term(node: Node) -> Term:
    """An rdflib term as an index term: an IRI becomes a plain str, everything else stays as it is."""
    return str(node) if isinstance(node, URIRef) else node  # type: ignore[return-value]
