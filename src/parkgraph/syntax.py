"""SPARQL syntax checking with rdflib's parser, so every store reports errors the same way."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Variable

from parkgraph.binding import tokens
from parkgraph.errors import QueryError

# rdflib's SPARQL grammar (pyparsing) is not safe to use from two threads at once: concurrent first
# calls of a parse action can settle on the wrong argument count for good, after which every query
# fails with a TypeError (serve's handler threads did this). Every rdflib SPARQL parse holds this lock.
RDFLIB_PARSER = threading.RLock()


@dataclass(frozen=True)
class Reach:
    """Where a query or update would make the process go: SERVICE endpoints and LOAD sources.

    Each is an IRI string, or None for a variable endpoint (`SERVICE ?x`), which no allow-list can vouch for.
    """

    services: tuple[str | None, ...] = ()
    loads: tuple[str, ...] = ()


def _walk(node: object) -> Iterator[CompValue]:
    """Every CompValue of a parse tree, depth first."""
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list | tuple | ParseResults):
        for value in node:
            yield from _walk(value)


def _prefixes(prologue: object, known: dict[str, str]) -> dict[str, str]:
    """The prefixes a prologue declares, added to `known` (later declarations win, as in SPARQL)."""
    found = dict(known)
    for node in _walk(prologue):
        if node.name == "PrefixDecl":
            found[node.get("prefix") or ""] = str(node["iri"])
    return found


def _iri(term: object, prefixes: dict[str, str]) -> str | None:
    """An IRI, a prefixed name resolved with `prefixes`, or None for a variable."""
    if isinstance(term, Variable):
        return None
    if isinstance(term, CompValue) and term.name == "pname":
        prefix = term.get("prefix") or ""
        return prefixes.get(prefix, f"{prefix}:") + (term.get("localname") or "")
    return str(term)


def _reach(tree: object, prefixes: dict[str, str]) -> Reach:
    services: list[str | None] = []
    loads: list[str] = []
    for node in _walk(tree):
        if node.name == "ServiceGraphPattern":
            services.append(_iri(node["term"], prefixes))
        elif node.name == "Load":
            loads.append(_iri(node["iri"], prefixes) or "")
    return Reach(tuple(services), tuple(loads))


@lru_cache(maxsize=256)
def _analyse(query: str) -> tuple[tuple[str, int, int, str] | None, Reach]:
    """(message, line, column, offending line) of the first syntax error or None, and the query's reach."""
    try:
        with RDFLIB_PARSER:
            tree = parseQuery(query)
    except ParseBaseException as exc:
        return (str(exc.msg), int(exc.lineno), int(exc.col), str(exc.line)), Reach()
    return None, _reach(tree, _prefixes(tree[0], {}))


def _parse_error(query: str) -> tuple[str, int, int, str] | None:
    return _analyse(query)[0]


def query_reach(query: str) -> Reach:
    """The SERVICE endpoints a (syntactically valid) query calls."""
    check_query(query)
    return _analyse(query)[1]


def is_blank(text: str) -> bool:
    """True if `text` holds no SPARQL at all: only white space and `#` comment lines."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


@lru_cache(maxsize=64)
def _update_tree(update: str) -> ParseResults:
    """rdflib's parse tree of a SPARQL Update (cached: the policy check and the memory store's check of
    the graphs it names both read it; neither changes it)."""
    with RDFLIB_PARSER:
        return parseUpdate(update)


@lru_cache(maxsize=64)
def update_reach(update: str) -> Reach:
    """The SERVICE endpoints and LOAD sources of a SPARQL Update; QueryError with line and column if it is not one."""
    check_text(update, "the update", "<update>")
    if is_blank(update):
        # The grammar allows an empty update, but it does nothing (and rdflib fails on it): say so.
        raise QueryError("the update is empty", hint="write an update such as INSERT DATA { … }")
    try:
        tree = _update_tree(update)
    except ValueError as exc:
        raise QueryError(
            f"SPARQL Update syntax error: {exc}", file="<update>", hint="fix the escape it names"
        ) from None
    except ParseBaseException as exc:
        pointer = " " * (exc.col - 1) + "^"
        raise QueryError(
            f"SPARQL Update syntax error: {exc.msg}\n  {exc.line}\n  {pointer}",
            file="<update>",
            line=exc.lineno,
            column=exc.col,
            hint="fix the update at that place and run again",
        ) from exc
    services: list[str | None] = []
    loads: list[str] = []
    prefixes: dict[str, str] = {}
    # Each operation sees the prefixes declared before it, as rdflib and Oxigraph resolve them.
    for prologue, request in zip(tree.get("prologue") or [], tree.get("request") or [], strict=False):
        prefixes = _prefixes(prologue, prefixes)
        reach = _reach(request, prefixes)
        services += reach.services
        loads += reach.loads
    return Reach(tuple(services), tuple(loads))


def is_update(text: str) -> bool:
    """True if `text` is a SPARQL Update rather than a query."""
    return _parse_error(text) is not None and _is_update(text)


def _is_update(query: str) -> bool:
    try:
        update_reach(query)  # cached: the policy check of the same update reuses this parse
    except Exception:  # any failure means: not a valid update either
        return False
    return True


def check_query(query: str, file: str | None = None) -> None:
    """Raise QueryError with line, column and the offending line if `query` is not SPARQL 1.1."""
    check_text(query, "the query", file)
    if is_blank(query):
        raise QueryError(
            "the query is empty", file=file, hint="write a SELECT, ASK, CONSTRUCT or DESCRIBE query"
        )
    try:
        found = _parse_error(query)
    except ValueError as exc:  # rdflib's parser: a \U escape beyond Unicode, for example
        raise QueryError(
            f"SPARQL syntax error: {exc}", file=file or "<query>", hint="fix the escape or character it names"
        ) from None
    if found is None:
        return
    if _is_update(query):
        raise QueryError(
            "this is a SPARQL update, not a query",
            file=file,
            hint="queries are SELECT, ASK, CONSTRUCT or DESCRIBE; an update runs only where updates are allowed "
            "(parkgraph query --allow-update, serve --allow-update, ParkGraph.open(allow_update=True).update())",
        )
    if _starts_like_update(query):
        # A broken update: its own grammar's error points at the mistake, the query grammar's at its
        # first keyword ("Expected SelectQuery …" at INSERT).
        try:
            update_reach(query)
        except QueryError as exc:
            if exc.line is not None:
                exc.file = file or exc.file
                raise
    message, line, column, text = found
    pointer = " " * (column - 1) + "^"
    raise QueryError(
        f"SPARQL syntax error: {message}\n  {text}\n  {pointer}",
        file=file or "<query>",
        line=line,
        column=column,
        hint="fix the query at that place (a missing '.', '}' or '?' is the usual cause) and run again",
    )


_UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})


def _starts_like_update(text: str) -> bool:
    """True if the first keyword after the prologue (PREFIX, BASE) begins a SPARQL Update operation."""
    found = tokens(text)
    for token in found:
        if token.kind != "word":
            return False
        word = token.text.upper()
        if word == "PREFIX":
            next(found, None)  # the prefix name; its IRI is skipped by the tokenizer
        elif word != "BASE":
            return word in _UPDATE_WORDS
    return False


def check_text(text: str, what: str, file: str | None = None, located: bool = True) -> None:
    """Raise QueryError if `text` holds a lone surrogate: not Unicode text, so no store could be sent it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        before = text[: exc.start]
        line = before.count("\n") + 1
        column = exc.start - (before.rfind("\n") + 1) + 1
        raise QueryError(
            f"{what} holds a lone surrogate (U+{ord(text[exc.start]):04X}), which is not valid Unicode text",
            file=(file or "<query>") if located else None,
            line=line if located else None,
            column=column if located else None,
            hint="remove it or write the character it was meant to be",
        ) from None


@lru_cache(maxsize=256)
def prepare(query: str, namespaces: tuple[tuple[str, str], ...] = ()) -> Query:
    """`query` parsed and translated once for rdflib (cached: parsing costs far more than evaluating).

    `namespaces` are (prefix, IRI) pairs the query may use without declaring them.
    """
    check_query(query)
    try:
        with RDFLIB_PARSER:
            return translateQuery(parseQuery(query), initNs=dict(namespaces))
    except ParseBaseException as exc:  # pragma: no cover - check_query caught it already
        raise QueryError(f"SPARQL syntax error: {exc.msg}", line=exc.lineno, column=exc.col) from exc
    except Exception as exc:  # rdflib raises a bare Exception for an undeclared prefix
        raise QueryError(f"cannot use the query: {exc}", hint="declare every prefix with PREFIX") from exc


def query_names_graphs(prepared: Query) -> bool:
    """True if a translated query names graphs: FROM, FROM NAMED or a GRAPH pattern (inside EXISTS too)."""
    if prepared.algebra.datasetClause:
        return True
    return any(node.name in ("Graph", "GraphGraphPattern") for node in _walk(prepared.algebra))


def update_names_graphs(update: str) -> bool:
    """True if a (syntactically valid) SPARQL Update names graphs: GRAPH, WITH, USING, a graph IRI, NAMED or ALL."""
    for request in _update_tree(update).get("request") or []:
        # CompValue.get() answers a missing key with the key's name: test membership instead.
        if "withClause" in request or request.name == "Create":
            return True
        targets = [request["graphiri"]] if "graphiri" in request else []
        targets += list(request["graph"]) if "graph" in request else []
        if any(target != "DEFAULT" for target in targets):
            return True
        if any(node.name in ("QuadsNotTriples", "UsingClause", "GraphGraphPattern") for node in _walk(request)):
            return True
    return False


__all__ = [
    "Reach",
    "check_query",
    "is_blank",
    "is_update",
    "prepare",
    "query_names_graphs",
    "query_reach",
    "update_names_graphs",
    "update_reach",
]
