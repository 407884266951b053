"""SPARQL syntax checking with rdflib's parser, so every store reports errors the same way."""

from __future__ import annotations

from functools import lru_cache

from pyparsing import ParseBaseException
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.sparql import Query

from parkgraph.errors import QueryError


@lru_cache(maxsize=256)
def _parse_error(query: str) -> tuple[str, int, int, str] | None:
    """(message, line, column, offending line) of the first syntax error, or None if it parses."""
    try:
        parseQuery(query)
    except ParseBaseException as exc:
        return str(exc.msg), int(exc.lineno), int(exc.col), str(exc.line)
    return None


def _is_update(query: str) -> bool:
    try:
        parseUpdate(query)
    except Exception:  # any failure means: not a valid update either
        return False
    return True


def check_query(query: str, file: str | None = None) -> None:
    """Raise QueryError with line, column and the offending line if `query` is not SPARQL 1.1."""
    found = _parse_error(query)
    if found is None:
        return
    if _is_update(query):
        raise QueryError(
            "this is a SPARQL update, not a query",
            file=file,
            hint="parkgraph query runs SELECT, ASK, CONSTRUCT and DESCRIBE only",
        )
    message, line, column, text = found
    pointer = " " * (column - 1) + "^"
    raise QueryError(
        f"SPARQL syntax error: {message}\n  {text}\n  {pointer}",
        file=file or "<query>",
        line=line,
        column=column,
        hint="fix the query at that place (a missing '.', '}' or '?' is the usual cause) and run again",
    )


@lru_cache(maxsize=256)
def prepare(query: str, namespaces: tuple[tuple[str, str], ...] = ()) -> Query:
    """`query` parsed and translated once for rdflib (cached: parsing costs far more than evaluating).

    `namespaces` are (prefix, IRI) pairs the query may use without declaring them.
    """
    check_query(query)
    try:
        return translateQuery(parseQuery(query), initNs=dict(namespaces))
    except ParseBaseException as exc:  # pragma: no cover - check_query caught it already
        raise QueryError(f"SPARQL syntax error: {exc.msg}", line=exc.lineno, column=exc.col) from exc
    except Exception as exc:  # rdflib raises a bare Exception for an undeclared prefix
        raise QueryError(f"cannot use the query: {exc}", hint="declare every prefix with PREFIX") from exc


__all__ = ["check_query", "prepare"]
