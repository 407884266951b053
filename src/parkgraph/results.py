"""Store-independent query results: SELECT rows, an ASK boolean, or a CONSTRUCT graph."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from parkgraph.errors import QueryError

if TYPE_CHECKING:
    import pandas


@dataclass
class QueryResult:
    """The answer to one query, the same whatever store produced it.

    `kind` is "select", "ask" or "graph"; `vars` and `rows` hold SELECT answers
    (unbound cells are None), `boolean` an ASK answer, `graph` a CONSTRUCT/DESCRIBE answer.
    """

    kind: str
    vars: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def __iter__(self) -> Iterator[tuple[Node | None, ...]]:
        return iter(self.rows)

    def __len__(self) -> int:
        if self.kind == "graph" and self.graph is not None:
            return len(self.graph)
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
