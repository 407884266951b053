"""Binding query parameters as RDF terms: a VALUES block for stores that cannot pre-bind variables.

Stores receive `store.query(sparql, bindings)` with `bindings` mapping variable names to rdflib
terms. The memory store hands them to rdflib as initBindings; a store that only speaks the SPARQL
protocol cannot, so `inject_values` writes them into the query as a `VALUES` block placed right
after the opening brace of the outermost WHERE group. Terms are serialized here, by strict rules,
so that no parameter value can end the block and add SPARQL of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from parkgraph.errors import QueryError

VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
# An absolute IRI without the characters SPARQL's IRIREF forbids (space, controls, <>"{}|^`\) or lone surrogates.
# (\Z, not $: "$" would also match before a final newline.)
IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|^`\\\ud800-\udfff]*\Z')
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*\Z")
SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def is_iri(text: str) -> bool:
    """True when `text` is an absolute IRI that can be written between < and > in SPARQL."""
    return bool(IRI.match(text))


def iri_problem(text: str) -> str | None:
    """None if `text` is an IRI every store takes (is_iri, then RFC 3987 as Oxigraph parses it), else what is wrong."""
    if not is_iri(text):
        return "not an absolute IRI without spaces, controls or <>\"{}|^`\\"
    try:
        pyoxigraph.NamedNode(text)
    except ValueError as exc:
        return str(exc)
    return None


def check_text(text: str, what: str = "the text") -> str:
    """`text` itself, or a QueryError if it holds a lone surrogate: no store can hold or send that."""
    found = SURROGATE.search(text)
    if found:
        raise QueryError(
            f"{what} is not valid Unicode text: it holds the lone surrogate U+{ord(found.group()):04X}",
            hint="give UTF-8 text (on the command line, undecodable bytes arrive as lone surrogates)",
        )
    return text


def _string_body(text: str) -> str:
    """`text` between double quotes with SPARQL escapes.

    SPARQL expands \\uXXXX and \\UXXXXXXXX anywhere in a query before parsing it (rdflib does), so
    a backslash of the text followed by u or U would become such an escape: that letter is written
    as an escape of its own, which every engine reads back as the letter.
    """
    out: list[str] = []
    previous = ""
    for ch in text:
        out.append(f"\\U{ord(ch):08X}" if ch in "uU" and previous == "\\" else _ESCAPES.get(ch, ch))
        previous = ch
    return '"' + "".join(out) + '"'


def sparql_term(term: Node) -> str:
    """`term` in SPARQL syntax (its N3 form), refusing anything that could escape its token."""
    if isinstance(term, URIRef):
        if not is_iri(str(term)):
            raise QueryError(
                f"not a valid IRI: {str(term)!r}", hint="give an absolute IRI without spaces or <>\"{}|^`\\"
            )
        return f"<{term}>"
    if isinstance(term, Literal):
        body = _string_body(check_text(str(term), "a literal"))
        if term.language:
            if not LANGUAGE_TAG.match(term.language):
                raise QueryError(f"not a valid language tag: {term.language!r}", hint="use a tag like en or ru")
            return f"{body}@{term.language}"
        if term.datatype is not None:
            return f"{body}^^{sparql_term(URIRef(term.datatype))}"
        return body
    if isinstance(term, BNode):
        raise QueryError("a blank node cannot be a query parameter", hint="give an IRI or a literal")
    raise QueryError(f"cannot bind {term!r} as a query parameter", hint="give an IRI or a literal")


def _typed_string(term: Node) -> Node:
    """A simple literal as the xsd:string literal it is in RDF 1.1.

    Virtuoso 7 fails to compare a non-ASCII simple literal from a VALUES block with stored text
    (FILTER(STR(?label) = STR(?text)) never holds for Cyrillic), but handles the same literal
    written with ^^xsd:string; every SPARQL 1.1 engine reads both as the same term.
    """
    if isinstance(term, Literal) and term.language is None and term.datatype is None:
        return Literal(str(term), datatype=XSD.string)
    return term


def values_block(bindings: Mapping[str, Node]) -> str:
    """A one-row SPARQL VALUES block binding each variable to its term."""
    names = list(bindings)
    for name in names:
        if not VARIABLE_NAME.match(name):
            raise QueryError(f"not a valid variable name: {name!r}", hint="use letters, digits and _")
    variables = " ".join(f"?{name}" for name in names)
    terms = " ".join(sparql_term(_typed_string(bindings[name])) for name in names)
    return f"VALUES ({variables}) {{ ({terms}) }}"


@dataclass(frozen=True)
class Token:
    """One lexical piece of a query that matters for finding the WHERE group."""

    kind: str  # "word", "{", "}", "(", ")" or "other"
    text: str
    start: int


# Pieces that may contain braces or keywords without being them: comments, strings, IRIs, variables.
_SKIP = re.compile(
    r"""\#[^\n\r]*
      | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
      | '''(?:[^'\\]|\\.|'(?!''))*'''
      | "(?:[^"\\\n\r]|\\.)*"
      | '(?:[^'\\\n\r]|\\.)*'
      | <[^\x00-\x20<>"{}|^`\\]*>
      | [?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+
    """,
    re.VERBOSE | re.DOTALL,
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-.]*(?::[^\s{}()<>,;\"'#]*)?|:[^\s{}()<>,;\"'#]*")


def tokens(query: str) -> Iterator[Token]:
    """The query's words and brackets, skipping comments, strings, IRIs and variables."""
    pos, end = 0, len(query)
    while pos < end:
        ch = query[pos]
        if ch.isspace():
            pos += 1
            continue
        skipped = _SKIP.match(query, pos)
        if skipped:
            if skipped.group().startswith(('"', "'")):
                yield Token("other", skipped.group(), pos)
            pos = skipped.end()
            continue
        if ch in "\"'":
            raise QueryError("the query has an unterminated string", hint="close every quoted string")
        if ch in "{}()":
            yield Token(ch, ch, pos)
            pos += 1
            continue
        word = _WORD.match(query, pos)
        if word:
            yield Token("word", word.group(), pos)
            pos = word.end()
            continue
        yield Token("other", ch, pos)
        pos += 1


def where_brace(query: str) -> int:
    """The index of the `{` that opens the outermost WHERE group of `query`."""
    depth = parens = 0
    form: str | None = None
    template_done = False
    seen_where = False
    for token in tokens(query):
        if token.kind == "(":
            parens += 1
        elif token.kind == ")":
            parens -= 1
        elif token.kind == "}":
            depth -= 1
        elif token.kind == "{":
            if depth == 0 and parens == 0 and form is not None:
                if form == "CONSTRUCT" and not template_done and not seen_where:
                    template_done = True  # the CONSTRUCT template, not the WHERE group
                else:
                    if form == "CONSTRUCT" and not template_done:
                        raise QueryError(
                            "cannot bind parameters in the short form CONSTRUCT WHERE { … }",
                            hint="write the template out: CONSTRUCT { … } WHERE { … }",
                        )
                    return token.start
            depth += 1
        elif token.kind == "word" and depth == 0 and parens == 0:
            upper = token.text.upper()
            if form is None and upper in ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK"):
                form = upper
            elif upper == "WHERE":
                seen_where = True
    raise QueryError(
        "the query has no WHERE group to bind parameters in",
        hint="parameters need a query of the form SELECT/ASK/CONSTRUCT/DESCRIBE … WHERE { … }",
    )


def projected_variables(query: str) -> set[str] | None:
    """The variables a SELECT query returns, read from its text; None for SELECT *, another form,
    or a projection this reading does not follow (a `*` anywhere in it, say).

    A projected expression counts by its `AS ?name`; the variables inside it do not.
    """
    select = next((t for t in tokens(query) if t.kind == "word" and t.text.upper() == "SELECT"), None)
    if select is None:
        return None
    try:
        brace = where_brace(query)
    except QueryError:
        return None
    if brace < select.start:  # a sub-query's SELECT inside another form's WHERE group
        return None
    # Comments, strings and IRIs blanked out, variables kept.
    projection = query[select.start + len(select.text) : brace]
    clause = _SKIP.sub(lambda m: m.group() if m.group()[0] in "?$" else " ", projection)
    if "*" in clause:
        return None
    names = set(_PROJECTED_AS.findall(clause))
    while _INNERMOST_PARENS.search(clause):
        clause = _INNERMOST_PARENS.sub(" ", clause)
    return names | set(_VARIABLE.findall(clause))


def has_dataset_clause(query: str) -> bool:
    """True when the query names its own dataset (`FROM` or `FROM NAMED`, SPARQL 13.2)."""
    depth = 0
    for token in tokens(query):
        if token.kind == "{":
            depth += 1
        elif token.kind == "}":
            depth -= 1
        elif token.kind == "word" and depth == 0 and token.text.upper() == "FROM":
            return True
    return False


def is_select_star(query: str) -> bool:
    """True for a `SELECT *` (or `SELECT DISTINCT *`) query."""
    found = iter(tokens(query))
    for token in found:
        if token.kind == "word" and token.text.upper() == "SELECT":
            following = next(found, None)
            if following is not None and following.kind == "word" and following.text.upper() in ("DISTINCT", "REDUCED"):
                following = next(found, None)
            return following is not None and following.text == "*"
    return False


_PROJECTED_AS = re.compile(r"\bAS\s+[?$](\w+)", re.IGNORECASE)
_INNERMOST_PARENS = re.compile(r"\([^()]*\)")
_VARIABLE = re.compile(r"[?$](\w+)")


def inject_value_list(query: str, name: str, terms: Iterable[Node]) -> str:
    """`query` with a VALUES block binding `?name` to each of `terms` (one row each), after its WHERE brace."""
    if not VARIABLE_NAME.match(name):
        raise QueryError(f"not a valid variable name: {name!r}", hint="use letters, digits and _")
    rows = " ".join(sparql_term(_typed_string(term)) for term in terms)
    brace = where_brace(query)
    return f"{query[: brace + 1]} VALUES ?{name} {{ {rows} }} {query[brace + 1 :]}"


def inject_values(query: str, bindings: Mapping[str, Node] | None) -> str:
    """`query` with a VALUES block for `bindings` right after the opening brace of its WHERE group."""
    if not bindings:
        return query
    brace = where_brace(query)
    return f"{query[: brace + 1]} {values_block(bindings)} {query[brace + 1 :]}"


__all__ = [
    "check_text", "inject_value_list", "inject_values", "iri_problem", "is_iri", "projected_variables", "sparql_term",
    "values_block", "where_brace",
]
