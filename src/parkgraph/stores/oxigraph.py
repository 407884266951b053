"""The embedded, persistent Oxigraph store (`oxigraph:PATH`): pyoxigraph on RocksDB, for big graphs."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from parkgraph.binding import inject_values
from parkgraph.errors import ParkgraphError, QueryError, RdfSyntaxError, StoreError
from parkgraph.namespaces import bind_prefixes
from parkgraph.results import QueryResult
from parkgraph.sparql import internal_query

# File suffix -> the pyoxigraph format its bulk loader reads.
BULK_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ntriples": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}


def bulk_format(path: Path, reader: str, alternative: str = "") -> ox.RdfFormat:
    """The pyoxigraph format to bulk-load `path` with; a clear error for a missing file or an unknown suffix."""
    if not path.is_file():
        raise ParkgraphError(f"no such file: {path}", file=str(path), hint="check the path")
    fmt = BULK_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ParkgraphError(
            f"{reader} cannot read '{path.name}'",
            file=str(path),
            hint="use one of: " + ", ".join(sorted(BULK_FORMATS)) + alternative,
        )
    return fmt

_XSD_STRING = str(XSD.string)
SNAPSHOT_ATTEMPTS = 5


def to_rdflib(term: object) -> Node | None:
    """A pyoxigraph term as the rdflib term rdflib's own parsers would produce for it.

    Oxigraph types every plain literal as xsd:string (RDF 1.1); rdflib keeps them plain, and
    rdflib's engine does not match one against the other, so plain literals come back plain.
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise StoreError(f"parkgraph cannot represent the RDF term {term!r} (RDF-star triples are not supported)")


class _Converter:
    """`to_rdflib` for the terms of one answer, each IRI and literal converted once (an export reads
    the same predicates, classes and subjects hundreds of thousands of times)."""

    def __init__(self) -> None:
        self.iris: dict[str, URIRef] = {}
        self.literals: dict[tuple[str, str | None, str], Node | None] = {}

    def __call__(self, term: object) -> Node | None:
        if term is None:
            return None
        if type(term) is ox.NamedNode:
            value = term.value
            found = self.iris.get(value)
            if found is None:
                found = self.iris[value] = URIRef(value)
            return found
        if type(term) is ox.Literal:
            key = (term.value, term.language, term.datatype.value)
            literal = self.literals.get(key)
            if literal is None:
                literal = self.literals[key] = to_rdflib(term)
            return literal
        return to_rdflib(term)


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term (for query substitutions and inserts)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise QueryError(f"cannot bind {term!r}: only IRIs, blank nodes and literals can be bound")


def _lock_holder(lock_file: Path) -> int | None:
    """The pid holding a POSIX lock on `lock_file`, read from /proc/locks (Linux), or None."""
    try:
        inode = lock_file.stat().st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split()
        # "1: POSIX  ADVISORY  WRITE 8271 fe:00:2146680 0 EOF" -> pid, major:minor:inode
        if len(parts) >= 6 and parts[5].rsplit(":", 1)[-1] == str(inode) and parts[4].isdigit():
            return int(parts[4])
    return None


class OxigraphStore:
    """An on-disk Oxigraph database. Queries see the union of its graphs, so TriG loads count too.

    Opening a path another process writes to falls back to a read-only snapshot, so queries
    still work; loading or updating it then raises StoreError naming the other process.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.name = f"oxigraph:{self.path}"
        self.read_only = False
        self._busy: str | None = None
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self.ox = ox.Store(str(self.path))
        except OSError as exc:
            if "lock" not in str(exc).lower():
                raise StoreError(f"cannot open the Oxigraph store at {self.path}: {exc}") from exc
            self._busy = self._in_use_message(exc)
            self.ox = self._open_snapshot()
            self.read_only = True

    def _open_snapshot(self) -> ox.Store:
        """A read-only view of a store another writer holds; retried, as its compactions delete files."""
        for attempt in range(SNAPSHOT_ATTEMPTS):
            try:
                return ox.Store.read_only(str(self.path))
            except (OSError, RuntimeError) as exc:
                if attempt == SNAPSHOT_ATTEMPTS - 1:
                    raise StoreError(
                        f"{self._busy}, and a read-only view failed: {exc}",
                        hint="close the other process or use a copy of the directory",
                    ) from exc
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    def _in_use_message(self, exc: OSError) -> str:
        if "current process" in str(exc):
            who = "this process (another ParkGraph already has it open)"
        else:
            pid = _lock_holder(self.path / "LOCK")
            who = f"another process (pid {pid})" if pid else "another process"
        return f"the store at {self.path} is in use by {who}"

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(
                f"cannot write: {self._busy or f'the store at {self.path} is open read-only'}",
                hint="close the other process (or wait for its load to finish) or use a copy of the directory",
            )

    def load(self, paths: Iterable[Path]) -> int:
        """Bulk-load Turtle, N-Triples, N-Quads, TriG, JSON-LD or RDF/XML files (not held in memory).

        All or nothing: every file is parsed through before the first is loaded (bulk_load is not
        transactional), so a file that breaks anywhere, even at its very end, leaves the store as it was.
        """
        self._writable()
        files = [(Path(p), bulk_format(Path(p), "the Oxigraph store")) for p in paths]
        for path, fmt in files:
            try:
                for _ in ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri()):
                    pass
            except SyntaxError as exc:
                raise _rdf_syntax_error(path, exc) from exc
            except (OSError, UnicodeDecodeError) as exc:
                raise RdfSyntaxError(
                    f"cannot read: {exc}", file=str(path), hint="check that the file is UTF-8 text in the named format"
                ) from exc
        for path, fmt in files:
            try:
                self.ox.bulk_load(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
            except (OSError, SyntaxError) as exc:
                raise StoreError(f"loading {path} into {self.path} failed: {exc}") from exc
        self.ox.flush()
        return len(self)

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run SPARQL on the union of the store's graphs; `bindings` become Oxigraph substitutions."""
        try:
            subs = {ox.Variable(str(k)): to_oxigraph(v) for k, v in (bindings or {}).items()}
        except ValueError as exc:  # Oxigraph's own IRI check, stricter than rdflib's
            raise QueryError(
                f"cannot bind a value Oxigraph rejects: {exc}", hint="bind a valid IRI or literal"
            ) from None
        try:
            try:
                answer = self.ox.query(sparql, substitutions=subs or None, use_default_graph_as_union=True)
            except RuntimeError as exc:
                # Oxigraph substitutes only projected variables (SEP-0007); bind the others with VALUES.
                if "does not contain" not in str(exc):
                    raise StoreError(f"querying {self.path} failed: {exc}") from exc
                answer = self.ox.query(inject_values(sparql, bindings), use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise _query_syntax_error(exc) from exc
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"querying {self.path} failed: {exc}") from exc
        if isinstance(answer, ox.QueryBoolean):
            return QueryResult(kind="ask", boolean=bool(answer))
        if isinstance(answer, ox.QueryTriples):
            graph = bind_prefixes(Graph())
            for t in answer:
                graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
            return QueryResult(kind="graph", graph=graph)
        names = [v.value for v in answer.variables]
        convert = _Converter()
        rows = [tuple(map(convert, solution)) for solution in answer]  # a solution iterates in `names` order
        return QueryResult(kind="select", vars=names, rows=rows)

    def iri_subject_triples(self) -> list[tuple[Node, Node, Node]]:
        """Every triple (of every graph) whose subject is an IRI, read straight from the store's index.

        The answer of `sparql/network_triples.rq` without a query engine in between: the whole-graph
        network export reads a million triples this way, each distinct term converted to rdflib once.
        """
        cache: dict[object, Node | None] = {}

        def convert(term: object) -> Node:
            found = cache.get(term)
            if found is None:
                found = cache[term] = to_rdflib(term)
            return found  # type: ignore[return-value]

        try:
            return [(convert(q.subject), convert(q.predicate), convert(q.object))
                    for q in self.ox.quads_for_pattern(None, None, None) if type(q.subject) is ox.NamedNode]
        except OSError as exc:
            raise StoreError(f"reading {self.path} failed: {exc}") from exc

    def iri_subject_terms(self) -> Iterable[tuple[str, str, object]]:
        """`iri_subject_triples` as the terms `parkgraph.network` indexes (see `parkgraph.network_terms`).

        IRIs come as plain str (each distinct one a single object), plain and language-tagged
        literals as `Text`; only the other literals and blank nodes are converted to rdflib, once
        each. This skips building an rdflib term for the million labels and IRIs of a big export.
        """
        from parkgraph.network_terms import Text

        named, literal, string = ox.NamedNode, ox.Literal, _XSD_STRING
        iris: dict[str, str] = {}
        others: dict[object, object] = {}
        intern = iris.setdefault
        try:
            for s, p, o, _ in self.ox.quads_for_pattern(None, None, None):
                if type(s) is not named:
                    continue
                kind = type(o)
                if kind is named:
                    value = o.value
                    obj: object = intern(value, value)
                else:
                    obj = others.get(o)
                    if obj is None:
                        if kind is literal and (o.language or o.datatype.value == string):
                            obj = Text(o.value, o.language)
                        else:
                            obj = to_rdflib(o)
                        others[o] = obj
                subject, predicate = s.value, p.value
                yield intern(subject, subject), intern(predicate, predicate), obj
        except OSError as exc:
            raise StoreError(f"reading {self.path} failed: {exc}") from exc

    def worker_copy(self) -> OxigraphStore:
        """A read-only handle on the same directory, for a query worker process."""
        return OxigraphStore.read_only_view(self.path)

    @classmethod
    def read_only_view(cls, path: Path | str) -> OxigraphStore:
        """Open the store at `path` read-only (what a query worker process uses)."""
        view = cls.__new__(cls)
        view.path = Path(path)
        view.name, view.read_only = f"oxigraph:{view.path}", True
        view._busy = f"the store at {view.path} is open read-only in a query worker"
        view.ox = view._open_snapshot()
        return view

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update."""
        self._writable()
        try:
            self.ox.update(sparql)
        except SyntaxError as exc:
            raise _query_syntax_error(exc) from exc
        except OSError as exc:
            raise StoreError(f"updating {self.path} failed: {exc}") from exc

    def to_rdflib(self) -> Graph:
        """Materialize every triple (of every graph) in an rdflib in-memory Graph."""
        graph = bind_prefixes(Graph())
        for quad in self.ox:
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        return graph

    def __len__(self) -> int:
        result = self.query(internal_query("triple_count"))
        return int(result.rows[0][0])


def position(message: str) -> tuple[int | None, int | None]:
    """Line and column from Oxigraph's 'error at 1:26: …' or 'Parser error at line 2 between columns 24 and 28'."""
    match = re.search(r"at (\d+):(\d+)", message) or re.search(r"line (\d+)(?:\D+column[s]? (\d+))?", message)
    if not match:
        return None, None
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def _query_syntax_error(exc: SyntaxError) -> QueryError:
    line, column = position(str(exc))
    return QueryError(f"SPARQL syntax error: {exc}", line=line, column=column, hint="fix the query at that place")


def _rdf_syntax_error(path: Path, exc: SyntaxError) -> ParkgraphError:
    line, column = position(str(exc))
    if line is None:  # Oxigraph's RDF/XML errors carry no position: ask rdflib's parser where it breaks
        from parkgraph.loading import locate_with_rdflib

        line, column = locate_with_rdflib(path)
    return RdfSyntaxError(
        f"not valid RDF: {exc}",
        file=str(path),
        line=line,
        column=column,
        hint="fix the syntax at that place and load again (nothing from this file was kept)",
    )

