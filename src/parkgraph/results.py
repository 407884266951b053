"""Store-independent query results: SELECT rows, an ASK boolean, or a CONSTRUCT graph."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from parkgraph.errors import QueryError
from parkgraph.namespaces import bind_prefixes

if TYPE_CHECKING:
    import pandas


Triple = tuple[Node, Node, Node]


class QueryResult:
    """The answer to one query, the same whatever store produced it.

    `kind` is "select", "ask" or "graph"; `vars` and `rows` hold SELECT answers
    (unbound cells are None), `boolean` an ASK answer, `graph` a CONSTRUCT/DESCRIBE answer.
    A graph answer may be given as `triples` instead: its rdflib Graph is then built the first
    time `graph` is read, so a big answer a query worker passes on is not built twice.
    """

    def __init__(
        self,
        kind: str,
        vars: list[str] | None = None,  # noqa: A002 - the SPARQL results' own name
        rows: list[tuple[Node | None, ...]] | None = None,
        boolean: bool | None = None,
        graph: Graph | None = None,
        triples: Iterable[Triple] | None = None,
    ) -> None:
        self.kind = kind
        self.vars = vars if vars is not None else []
        self.rows = rows if rows is not None else []
        self.boolean = boolean
        self._graph = graph
        # A graph is a set: a repeated triple is kept once, in its first place.
        self._triples = list(dict.fromkeys(triples)) if triples is not None and graph is None else None

    def __repr__(self) -> str:
        if self.kind == "select":
            return f"QueryResult(kind='select', vars={self.vars!r}, rows=<{len(self.rows)} rows>)"
        if self.kind == "ask":
            return f"QueryResult(kind='ask', boolean={self.boolean!r})"
        return f"QueryResult(kind={self.kind!r}, graph=<{len(self)} triples>)"

    @property
    def graph(self) -> Graph | None:
        """A CONSTRUCT/DESCRIBE answer as an rdflib Graph (parkgraph's prefixes bound), built on first use."""
        if self._graph is None and self._triples is not None:
            graph = bind_prefixes(Graph())
            for triple in self._triples:
                graph.add(triple)
            self._graph, self._triples = graph, None
        return self._graph

    def triples(self) -> list[Triple]:
        """A graph answer's triples, read without building its rdflib Graph when it is not built yet."""
        if self._triples is not None:
            return list(self._triples)
        return list(self._graph) if self._graph is not None else []

    def __iter__(self) -> Iterator[tuple[Node | None, ...]]:
        return iter(self.rows)

    def __len__(self) -> int:
        if self.kind == "graph":
            if self._triples is not None:
                return len(self._triples)
            return len(self._graph) if self._graph is not None else 0
        return len(self.rows)

    def __bool__(self) -> bool:
        if self.kind == "ask":
            return bool(self.boolean)
        return len(self) > 0

    def _require_rows(self) -> None:
        """Refuse a table view of an ASK or CONSTRUCT answer, which would be silently empty."""
        if self.kind != "select":
            where = ".boolean" if self.kind == "ask" else ".graph (an rdflib Graph)"
            raise QueryError(f"an {self.kind.upper()} answer has no rows", hint=f"its answer is in {where}")

    def dicts(self) -> list[dict[str, Node | None]]:
        """SELECT rows as dicts keyed by variable name."""
        self._require_rows()
        return [dict(zip(self.vars, row, strict=True)) for row in self.rows]

    def column(self, var: str) -> list[Node | None]:
        """All values of one variable, in row order."""
        if var not in self.vars:
            shown = ", ".join(self.vars) if self.vars else f"none: this is a {self.kind.upper()} answer"
            raise QueryError(f"the answer has no column {var!r}", hint=f"its columns: {shown}")
        index = self.vars.index(var)
        return [row[index] for row in self.rows]

    def python_rows(self) -> list[tuple[object, ...]]:
        """SELECT rows with literals turned into Python values and IRIs into strings."""
        self._require_rows()
        return [tuple(to_python(cell) for cell in row) for row in self.rows]

    def to_dataframe(self) -> pandas.DataFrame:
        """SELECT rows as a pandas DataFrame (literals as Python values, IRIs as strings)."""
        import pandas

        return pandas.DataFrame(self.python_rows(), columns=self.vars)


def to_python(cell: Node | None) -> object:
    """A cell as a plain Python value: literal -> its value, IRI/blank node -> str, None -> None."""
    if cell is None:
        return None
    if isinstance(cell, Literal):
        value = cell.toPython()
        return str(cell) if isinstance(value, Literal) else value
    if isinstance(cell, URIRef):
        return str(cell)
    return str(cell)
