"""Counting the graph: instances per class and triples per predicate."""

from __future__ import annotations

from dataclasses import dataclass

from parkgraph.graph import ParkGraph
from parkgraph.sparql import internal_query


@dataclass
class Stats:
    """Sizes of a graph: total triples, instances by class, triples by predicate (IRI, count)."""

    triples: int
    classes: list[tuple[str, int]]
    predicates: list[tuple[str, int]]


def compute_stats(graph: ParkGraph) -> Stats:
    """Count `graph` by class and by predicate, with SPARQL, on whatever store holds it."""
    classes = [(str(c), int(n)) for c, n in graph.sparql(internal_query("class_counts"))]
    predicates = [(str(p), int(n)) for p, n in graph.sparql(internal_query("predicate_counts"))]
    return Stats(triples=len(graph), classes=classes, predicates=predicates)
