"""ParkGraph: the one object a user opens to work with the knowledge graph."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from rdflib import Graph
from rdflib.term import Node

from parkgraph import paths
from parkgraph.named import NamedQuery, all_queries, load_query
from parkgraph.results import QueryResult
from parkgraph.store import Store, open_store
from parkgraph.syntax import check_query


class ParkGraph:
    """The parkgraph knowledge graph held in one store, queried with SPARQL.

    >>> pg = ParkGraph.open()            # ontology + curated data, in memory
    >>> len(pg) > 0
    True
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def open(
        cls,
        store: str = "memory",
        files: Sequence[Path | str] | None = None,
        seed: bool = False,
    ) -> ParkGraph:
        """Open a graph: "memory", "oxigraph:PATH" or an http(s):// SPARQL endpoint.

        The memory store loads `files` (default: ontology + data). A persistent or remote store
        opens what it holds and adds `files` if given; with `seed=True` an empty one is first
        filled with the default files.
        """
        backend = open_store(store)
        if store == "memory":
            backend.load([Path(f) for f in (files or paths.default_files())])
            return cls(backend)
        if seed and len(backend) == 0:
            backend.load(paths.default_files())
        if files:
            backend.load([Path(f) for f in files])
        return cls(backend)

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update on the store."""
        self.store.update(sparql)

    def load(self, files: Iterable[Path | str]) -> int:
        """Add RDF files to the graph; returns the number of triples afterwards."""
        return self.store.load([Path(f) for f in files])

    def sparql(self, query: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run an ad hoc SPARQL query; `bindings` pre-bind variables to RDF terms."""
        check_query(query)  # the same syntax errors, with line and column, on every store
        return self.store.query(query, bindings)

    def query(self, name: str, lang: str = "en", **params: object) -> QueryResult:
        """Run the named query `name` (see `queries()`), labels in `lang`, parameters as keywords.

        >>> ParkGraph.open().query("members-as-of", date="2020-01-01").to_dataframe()  # doctest: +SKIP
        """
        named = load_query(name)
        values = dict(params)
        if named.param("lang") is not None:
            values.setdefault("lang", lang)
        return self.sparql(named.text, named.bind(values, resolve=self.sparql))

    @staticmethod
    def queries() -> list[NamedQuery]:
        """The named queries shipped with parkgraph: name, title, description, parameters."""
        return all_queries()

    def to_rdflib(self) -> Graph:
        """The whole graph as an rdflib Graph."""
        return self.store.to_rdflib()

    def __len__(self) -> int:
        return len(self.store)

    def __repr__(self) -> str:
        return f"<ParkGraph store={self.store.name} triples={len(self)}>"
