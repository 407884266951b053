"""The library of named queries: `queries/NAME.rq` files with a header saying what they answer.

Header syntax (comment lines at the top of the file, before the first line of SPARQL)::

    # title: Speakers and attendees of an event
    # description: Who spoke (schema:performer) and who attended without speaking.
    # description: (further description lines are joined with a space)
    # param: event iri optional  The event: an IRI, a prefixed name (event:innoprom-2025) or a label
    # param: date date required  The date to look at (YYYY-MM-DD)
    # param: lang lang default=en  Label language (ru or en; falls back to the other)
    # example: event="Republic of Tatarstan" lang=ru

A parameter line is ``param: NAME TYPE REQUIREDNESS DESCRIPTION`` where NAME is the SPARQL
variable it binds (without ``?``), TYPE one of iri, string, date, integer, decimal, lang, and
REQUIREDNESS ``required``, ``optional`` (left unbound when not given) or ``default=VALUE``.
``example:`` lines give parameter sets (NAME=VALUE, quoted as in a shell) that the documentation
and the tests run.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from parkgraph import paths
from parkgraph.binding import VARIABLE_NAME, check_text, iri_problem, is_iri
from parkgraph.errors import QueryError
from parkgraph.labels import LANGUAGES
from parkgraph.namespaces import ID_PREFIXES, KNOWN_PREFIXES, expand_prefixed
from parkgraph.results import QueryResult
from parkgraph.sparql import internal_query
from parkgraph.suggest import close_matches

TYPES = ("iri", "string", "date", "integer", "decimal", "lang")
TYPE_HELP = {
    "iri": "an IRI, a prefixed name like pgorg:sco, or an exact label like SCO",
    "string": "any text",
    "date": "a date as YYYY-MM-DD",
    "integer": "a whole number like 2017",
    "decimal": "a number like 600 or 20.5",
    "lang": f"a language tag: {' or '.join(LANGUAGES)}",
}

_PARAM = re.compile(r"^(?P<name>\S+)\s+(?P<type>\S+)\s+(?P<req>required|optional|default=\S+)\s*(?P<desc>.*)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")

Resolver = Callable[[str, Mapping[str, Node]], QueryResult]


@dataclass(frozen=True)
class Param:
    """One parameter of a named query: the variable it binds, its type and whether it is needed."""

    name: str
    type: str
    required: bool
    default: str | None
    description: str

    def usage(self) -> str:
        """A short form for listings: `name:type`, `[name:type=default]` or `[name:type]`."""
        text = f"{self.name}:{self.type}"
        if self.default is not None:
            return f"[{text}={self.default}]"
        return text if self.required else f"[{text}]"


@dataclass(frozen=True)
class NamedQuery:
    """A named query read from `queries/NAME.rq`: its header and its SPARQL text."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    path: Path
    examples: tuple[dict[str, str], ...] = field(default=())

    def param(self, name: str) -> Param | None:
        """The parameter called `name`, if the query has one."""
        return next((p for p in self.params if p.name == name), None)

    def bind(self, values: Mapping[str, object], resolve: Resolver | None = None) -> dict[str, Node]:
        """Check `values` against the parameters and turn them into RDF terms keyed by variable name."""
        known = [p.name for p in self.params]
        for key in values:
            if key not in known:
                close = close_matches(key, known, n=3, cutoff=0.5)
                hint = f"did you mean: {', '.join(close)}?" if close else None
                listed = ", ".join(known) if known else "none"
                raise QueryError(
                    f"query '{self.name}' has no parameter '{key}' (its parameters: {listed})",
                    file=str(self.path),
                    hint=hint or f"see `parkgraph queries {self.name}`",
                )
        bindings: dict[str, Node] = {}
        for param in self.params:
            value = values.get(param.name)
            if value is None:
                value = param.default
            if value is None:
                if param.required:
                    raise QueryError(
                        f"query '{self.name}' needs the parameter '{param.name}' ({param.type}: {param.description})",
                        hint=f"add --param {param.name}=VALUE where VALUE is {TYPE_HELP[param.type]}",
                    )
                continue
            bindings[param.name] = to_term(param, value, resolve)
        return bindings


def to_term(param: Param, value: object, resolve: Resolver | None = None) -> Node:
    """Convert one parameter value (text from the command line, or a Python value) to an RDF term."""
    if isinstance(value, URIRef) and param.type == "iri":
        return _checked_iri(param, str(value))
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float | date | Literal):
        raise _ill_typed(param, value)
    text = check_text(value.isoformat() if isinstance(value, date) else str(value), f"parameter '{param.name}'")
    kind = param.type
    if kind == "string":
        return Literal(text)
    if kind == "lang":
        if text not in LANGUAGES:  # what --lang takes: labels exist in these languages only
            raise _ill_typed(param, value)
        return Literal(text)
    if kind == "date":
        try:
            if not _DATE.match(text):
                raise ValueError(text)
            date.fromisoformat(text)
        except ValueError:
            raise _ill_typed(param, value) from None
        return Literal(text, datatype=XSD.date)
    if kind == "integer":
        if not _INTEGER.match(text.strip()):
            raise _ill_typed(param, value)
        return Literal(int(text), datatype=XSD.integer)
    if kind == "decimal":
        if isinstance(value, float):
            text = repr(value)
        if not _DECIMAL.match(text.strip()):
            raise _ill_typed(param, value)
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            raise _ill_typed(param, value) from None
        return Literal(number, datatype=XSD.decimal)
    return _iri_term(param, text, resolve)


def _ill_typed(param: Param, value: object) -> QueryError:
    return QueryError(
        f"parameter '{param.name}' must be {TYPE_HELP[param.type]}, got {str(value)!r}",
        hint=f"--param {param.name}=VALUE with VALUE {TYPE_HELP[param.type]}",
    )


def _checked_iri(param: Param, text: str) -> URIRef:
    """`text` as an IRI every store takes: SPARQL's IRIREF rules, then RFC 3987 as Oxigraph checks it."""
    check_text(text, f"parameter '{param.name}'")
    if not is_iri(text):
        raise _ill_typed(param, text)
    problem = iri_problem(text)
    if problem:
        raise QueryError(f"parameter '{param.name}' is not a valid IRI: {problem} in {text!r}",
                         hint=f"--param {param.name}=VALUE with VALUE {TYPE_HELP[param.type]}")
    return URIRef(text)


def _iri_term(param: Param, text: str, resolve: Resolver | None) -> URIRef:
    """An IRI from `<iri>`, an absolute IRI, a known prefixed name, or (through `resolve`) a label."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        return _checked_iri(param, text[1:-1])
    expanded = expand_prefixed(text)
    if expanded is not None:
        return _checked_iri(param, expanded)
    if re.match(r"^(https?|urn|file|mailto):", text, re.IGNORECASE):
        return _checked_iri(param, text)
    if resolve is None:
        raise _ill_typed(param, text)
    return resolve_label(text, resolve, param)


# The language tags an exact label is looked up under before the case-insensitive scan.
EXACT_LANGUAGES = (None, "en", "ru")


def exact_label_matches(
    text: str, resolve: Callable[[str, Mapping[str, Node]], Iterable[Sequence[Node | None]]]
) -> list[Node | None]:
    """The entities with a label written exactly `text`, plain, @en or @ru: an index look-up
    (milliseconds at a million triples), where any letter case or language reads every label."""
    exact = internal_query("resolve_label_exact")
    return [row[0] for lang in EXACT_LANGUAGES for row in resolve(exact, {"label": Literal(text, lang=lang)})]


def resolve_label(text: str, resolve: Resolver, param: Param | None = None) -> URIRef:
    """The one entity whose rdfs:label, skos:prefLabel or skos:altLabel is `text`.

    A label written exactly so (without a language, @en or @ru) is looked up first: that is an index
    look-up, where the fallback, any letter case and any language, reads every label of the graph
    (seconds at a million triples). So an exact label wins over another entity's case variant.
    """
    found = exact_label_matches(text, resolve)
    if not any(isinstance(node, URIRef) for node in found):
        found = [row[0] for row in resolve(internal_query("resolve_label"), {"text": Literal(text)})]
    iris = sorted({str(node) for node in found if isinstance(node, URIRef)})
    what = f"parameter '{param.name}'" if param else "label"
    if not iris:
        raise QueryError(
            f"{what}: nothing in the graph has the label {text!r}",
            hint="give an IRI, a prefixed name (e.g. pgorg:sco) or an exact label; "
            f"`parkgraph query find-entity --param text={text.split()[0] if text.split() else text}` searches labels",
        )
    if len(iris) > 1:
        raise QueryError(
            f"{what}: the label {text!r} names {len(iris)} entities: {', '.join(iris[:10])}",
            hint="give the IRI of the one you mean",
        )
    return URIRef(iris[0])


def sparql_body(text: str) -> str:
    """A query file's text after its header (the leading `#` lines that `parse_named_query` reads)."""
    lines = text.splitlines()
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].lstrip().startswith("#")):
        start += 1
    return "\n".join(lines[start:]).strip()


def parse_named_query(text: str, name: str, path: Path, require_title: bool = True) -> NamedQuery:
    """Read the header of one .rq file; a malformed header is a QueryError naming its line."""
    title = ""
    description: list[str] = []
    params: list[Param] = []
    examples: list[dict[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        key, _, rest = stripped.lstrip("#").strip().partition(":")
        rest = rest.strip()
        if key == "title":
            title = rest
        elif key == "description":
            description.append(rest)
        elif key == "param":
            params.append(_parse_param(rest, path, number))
        elif key == "example":
            example = {}
            for item in shlex.split(rest):
                k, sep, v = item.partition("=")
                if not sep:
                    raise QueryError(f"bad example {item!r}: expected NAME=VALUE", file=str(path), line=number)
                example[k] = v
            examples.append(example)
    if not title and require_title:
        raise QueryError("named query without a '# title:' line", file=str(path), hint="add '# title: …' at the top")
    return NamedQuery(name, title, " ".join(description), tuple(params), text, path, tuple(examples))


def _parse_param(rest: str, path: Path, line: int) -> Param:
    match = _PARAM.match(rest)
    if not match:
        raise QueryError(
            f"bad parameter line {rest!r}",
            file=str(path),
            line=line,
            hint="write '# param: NAME TYPE required|optional|default=VALUE  description'",
        )
    name, kind, req = match.group("name"), match.group("type"), match.group("req")
    if kind not in TYPES:
        raise QueryError(f"unknown parameter type {kind!r}", file=str(path), line=line, hint=f"use one of {TYPES}")
    if not VARIABLE_NAME.match(name):
        raise QueryError(f"bad parameter name {name!r}", file=str(path), line=line, hint="use letters, digits, _")
    default = req.partition("=")[2] if req.startswith("default=") else None
    param = Param(name, kind, req == "required", default, match.group("desc").strip())
    if default is not None:
        _check_default(param, default, path, line)
    return param


class _NeedsGraph(Exception):
    """Raised instead of looking a label up: a default that is a label can be checked only on the graph."""


def _needs_graph(*_: object) -> QueryResult:
    raise _NeedsGraph


def _check_default(param: Param, default: str, path: Path, line: int) -> None:
    """A default that is not a value of its parameter's type is the query file's error, at its header line."""
    try:
        to_term(param, default, resolve=_needs_graph)
    except _NeedsGraph:
        pass  # a label (iri parameter): looked up when the query runs
    except QueryError:
        raise QueryError(
            f"bad default for parameter '{param.name}': {default!r} is not {TYPE_HELP[param.type]}",
            file=str(path),
            line=line,
            hint=f"write default=VALUE with VALUE {TYPE_HELP[param.type]}",
        ) from None


_DECLARED = re.compile(r"\bPREFIX\s+([A-Za-z][\w\-.]*)?\s*:", re.IGNORECASE)


def add_known_prefixes(query: str) -> str:
    """`query` with PREFIX lines for parkgraph's prefixes it uses but does not declare.

    Lets an ad hoc query say `pgorg:sco` on every store, not only where the store happens to
    know the prefix. The declarations go on the first line, so line numbers stay as written.
    """
    declared = {m.group(1) or "" for m in _DECLARED.finditer(query)}
    used = set(re.findall(r"(?<![\w<:?$\-])([A-Za-z][\w\-.]*):", query))
    missing = sorted(p for p in used if p in KNOWN_PREFIXES and p not in declared)
    if not missing:
        return query
    return " ".join(f"PREFIX {p}: <{KNOWN_PREFIXES[p]}>" for p in missing) + " " + query


def queries_dir() -> Path:
    """The folder of named queries inside the package."""
    return paths.QUERIES_DIR


@cache
def _load(path: Path) -> NamedQuery:
    return parse_named_query(path.read_text(encoding="utf-8"), path.stem, path)


def query_names() -> list[str]:
    """The names of all named queries, sorted."""
    return sorted(p.stem for p in queries_dir().glob("*.rq"))


def all_queries() -> list[NamedQuery]:
    """Every named query, sorted by name."""
    return [load_query(name) for name in query_names()]


def load_query(name: str) -> NamedQuery:
    """The named query `name`; an unknown name is a QueryError suggesting close names."""
    names = query_names()
    if name not in names:
        close = close_matches(name, names, n=3, cutoff=0.6)
        close += [n for n in names if name and name.lower() in n and n not in close][:3]
        hint = f"did you mean: {', '.join(close)}?" if close else "`parkgraph queries` lists them"
        raise QueryError(f"no named query '{name}'", hint=hint)
    return _load(queries_dir() / f"{name}.rq")


__all__ = [
    "ID_PREFIXES",
    "KNOWN_PREFIXES",
    "add_known_prefixes",
    "NamedQuery",
    "Param",
    "TYPES",
    "all_queries",
    "load_query",
    "parse_named_query",
    "query_names",
    "EXACT_LANGUAGES",
    "exact_label_matches",
    "resolve_label",
    "to_term",
]
