"""The embedded, persistent Oxigraph store (`oxigraph:PATH`): pyoxigraph on RocksDB, for big graphs."""

from __future__ import annotations

import os
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from parkgraph.atomic import blocking_file
from parkgraph.binding import has_dataset_clause, inject_values, projected_variables, sparql_term
from parkgraph.errors import ParkgraphError, QueryError, RdfSyntaxError, StoreError
from parkgraph.gc_pause import gc_paused
from parkgraph.loading import OXIGRAPH_REMOTE_CONTEXT, oxigraph_source, remote_context_refused, require_file
from parkgraph.namespaces import bind_prefixes
from parkgraph.ordering import sort_rows, split_order
from parkgraph.results import QueryResult
from parkgraph.sparql import internal_query
from parkgraph.store import OXIGRAPH_MEMORY, Store, check_oxigraph_memory_size

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
    fmt = BULK_FORMATS.get(require_file(path).suffix.lower())
    if fmt is None:
        raise ParkgraphError(
            f"{reader} cannot read '{path.name}'",
            file=str(path),
            hint="use one of: " + ", ".join(sorted(BULK_FORMATS)) + alternative,
        )
    return fmt

_XSD_STRING = str(XSD.string)
SNAPSHOT_ATTEMPTS = 5
# Threads reading the store for a whole-graph export (Oxigraph decodes terms in them, outside the GIL).
READ_THREADS = max(2, min(4, os.cpu_count() or 2))
_PREDICATE_VARIABLE = re.compile(r"\?p\b")
_BIG_PREDICATES = frozenset({"http://www.w3.org/2000/01/rdf-schema#label",
                             "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"})


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


def _iri(value: str) -> URIRef:
    """`URIRef(value)` for the text of an IRI Oxigraph returned, without rdflib's per-call check.

    The check makes the same term and only logs a warning for an IRI holding a character IRIs may
    not contain (``<>" {}|\\^`` and the backtick), which Oxigraph's parser rejects (RFC 3987)
    unless a store was loaded leniently. People-roles' answer at 1M triples holds 41,660 distinct
    IRIs: 51 ms through the constructor, 19 ms here.
    """
    return str.__new__(URIRef, value)


def _text_literal(value: str, language: str | None) -> Literal:
    """`Literal(value, lang=language)` (or a plain `Literal(value)`) without rdflib's per-call work.

    rdflib's constructor checks the language tag with a regular expression and tries to cast the
    text to a Python value, about 5 µs a literal (people-roles at 1M triples returns 42,000 labels).
    A plain or language-tagged literal's value is its text, so the fields are set directly;
    `_Converter` still builds the first literal of each language tag through rdflib, which checks it.
    """
    literal = str.__new__(Literal, value)
    literal._language, literal._datatype, literal._value, literal._ill_typed = language, None, value, None
    return literal


class _Converter:
    """`to_rdflib` for the terms of one answer, each IRI and typed literal converted once (an export
    reads the same predicates, classes and subjects hundreds of thousands of times); plain and
    language-tagged literals are built directly (`_text_literal`), cheaper than a look-up."""

    def __init__(self) -> None:
        self.iris: dict[str, URIRef] = {}
        self.literals: dict[tuple[str, str], Node | None] = {}  # typed literals, by text and datatype
        self.languages: dict[str, str] = {}  # each tag as rdflib's constructor (which checks it) keeps it

    def __call__(self, term: object) -> Node | None:
        if term is None:
            return None
        if type(term) is ox.NamedNode:
            value = term.value
            found = self.iris.get(value)
            if found is None:
                found = self.iris[value] = _iri(value)
            return found
        if type(term) is ox.Literal:
            language = term.language
            if language:
                tag = self.languages.get(language)
                if tag is None:  # the first of its tag: through rdflib, which rejects a tag it cannot take
                    first = to_rdflib(term)
                    self.languages[language] = first.language  # type: ignore[union-attr]
                    return first
                return _text_literal(term.value, tag)
            datatype = term.datatype.value
            if datatype == _XSD_STRING:
                return _text_literal(term.value, None)
            key = (term.value, datatype)
            literal = self.literals.get(key)
            if literal is None:
                literal = self.literals[key] = to_rdflib(term)
            return literal
        return to_rdflib(term)


def _iri_pairs(tsv: bytes) -> list[list[str]] | None:
    """The rows of a two-column SPARQL TSV answer as IRI pairs, if every term in it is an IRI; else None.

    Most predicates of a parkgraph graph link IRIs to IRIs, and Oxigraph writes an IRI as <...>
    (no escapes: an IRI holds no tab, newline, quote or >), so these rows split in a fraction of
    the time pyoxigraph's parser takes to build a term object for each. An answer holding a
    literal (") or a blank node (_:) is left to that parser.
    """
    text = tsv.decode("utf-8")
    if '"' in text or "_:" in text or "\r" in text:
        return None
    rows = text.split("\n")
    if rows[-1] == "":
        rows.pop()
    rows = rows[1:]  # the header
    if not all(row[:1] == "<" and row[-1:] == ">" for row in rows):
        return None
    pairs = [row[1:-1].split(">\t<") for row in rows]
    return pairs if all(len(pair) == 2 for pair in pairs) else None


def has_named_graphs(store: ox.Store) -> bool:
    """True when the store holds a named graph: only then can the union of its graphs repeat a triple."""
    return next(iter(store.named_graphs()), None) is not None


def triple_count(store: ox.Store) -> int:
    """The distinct triples of the union of the store's graphs (what the memory store and pyshacl count).

    len(store) counts quads, a triple in two graphs twice (Oxigraph's union repeats it too, its issue
    #1919). Counting distinct triples is a pass over the whole store, so it runs only when there are
    named graphs; without them every quad is a distinct triple.
    """
    if not has_named_graphs(store):
        return len(store)
    solutions = store.query(internal_query("distinct_triple_count"), use_default_graph_as_union=True)
    return int(next(iter(solutions))[0].value)


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


def holds_store(path: Path) -> bool:
    """True when the directory `path` holds a RocksDB database: its CURRENT file names the live MANIFEST."""
    return (path / "CURRENT").is_file()


class _Released:
    """Stands in for a released pyoxigraph store: any use says so, instead of an AttributeError."""

    def __init__(self, where: str) -> None:
        self.where = where

    def _refused(self) -> StoreError:
        return StoreError(f"the store at {self.where} was released (its `with` block ended)",
                          hint="open it again: ParkGraph.open(\"oxigraph:PATH\")")

    def __getattr__(self, name: str) -> object:
        raise self._refused()

    def __len__(self) -> int:  # len() and iteration look these up on the type, not through __getattr__
        raise self._refused()

    def __iter__(self) -> Iterator[object]:
        raise self._refused()


class OxigraphStore:
    """An on-disk Oxigraph database. Queries see the union of its graphs, so TriG loads count too.

    Opening a path another process writes to falls back to a read-only snapshot, so queries
    still work; loading or updating it then raises StoreError naming the other process.
    """

    path: Path | None
    where: str  # the store as error messages name it

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        """Open the store in the directory `path`; with `create`, start a new one where none is yet.

        Without `create` a path holding no store is refused (a mistyped path must not pass for an
        empty store); a directory holding other files is refused either way.
        """
        self.path = Path(path)
        self.name = f"oxigraph:{self.path}"
        self.where = str(self.path)
        self.read_only = False
        self._busy: str | None = None
        self._check_location(create)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self.ox = ox.Store(str(self.path))
        except OSError as exc:
            if isinstance(exc, FileNotFoundError):  # a file the store's MANIFEST lists is gone
                raise self._damaged(exc) from exc
            if "lock" not in str(exc).lower():
                raise StoreError(f"cannot open the Oxigraph store at {self.path}: {exc}") from exc
            self._busy = self._in_use_message(exc)
            self.ox = self._open_snapshot()
            self.read_only = True
        except RuntimeError as exc:  # pyoxigraph's error for what RocksDB finds broken as it opens the files
            raise self._damaged(exc) from exc

    def _check_location(self, create: bool) -> None:
        """Refuse a path that is, or lies under, a file; a directory of other files; without `create`, no store."""
        path = self.path
        assert path is not None
        try:
            blocking = blocking_file(path)
            found = blocking is None and holds_store(path)
            others = [] if blocking or found or not path.is_dir() else sorted(child.name for child in path.iterdir())
        except OSError as exc:
            raise StoreError(f"cannot open the Oxigraph store at {path}: {exc}") from exc
        if blocking is not None:
            raise StoreError(
                f"{blocking} is a file; oxigraph:PATH names a directory",
                hint="give the directory `parkgraph load --store oxigraph:PATH` filled, or a new one for it to fill",
            )
        if others:  # RocksDB would write its files among them
            shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
            raise StoreError(
                f"{path} holds no Oxigraph store but other files ({shown})",
                hint="give the directory `parkgraph load` filled, or a new or empty one for it to fill: "
                "parkgraph load --store oxigraph:NEWDIR",
            )
        if not found and not create:
            raise StoreError(
                f"no Oxigraph store at {path}", hint=f"fill one with: parkgraph load --store oxigraph:{path}"
            )

    def _damaged(self, exc: Exception) -> StoreError:
        """The error for a store whose files RocksDB reports broken (`exc`: its report)."""
        return StoreError(
            f"the store at {self.path} is damaged (RocksDB: {exc})",
            hint=f"load the data again into a fresh directory: parkgraph load --store oxigraph:NEWDIR FILE …, "
            f"then use that instead of {self.path}",
        )

    def _failed(self, exc: Exception, doing: str) -> StoreError:
        """The error for a pyoxigraph failure while `doing` (querying, reading): a damaged store when
        RocksDB reports corruption, else what failed."""
        if "Corruption" in str(exc) and self.path is not None:
            return self._damaged(exc)
        return StoreError(f"{doing} {self.where} failed: {exc}")

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

    def check_writable(self) -> None:
        """Raise StoreError if this handle cannot write: another process (or ParkGraph) holds the store."""
        if self.read_only:
            raise StoreError(
                f"cannot write: {self._busy or f'the store at {self.path} is open read-only'}",
                hint="close the other process (or wait for its load to finish) or use a copy of the directory",
            )

    def load(self, paths: Iterable[Path]) -> int:
        """Bulk-load Turtle, N-Triples, N-Quads, TriG, JSON-LD or RDF/XML files (not held in memory).

        All or nothing: bulk_load is not transactional, so every file is parsed through before
        anything counts, and a file that breaks anywhere, even at its very end, leaves the store as
        it was. Into an empty store the check runs alongside the load (pyoxigraph's bulk loader
        works outside the GIL, mostly on one core) and a failure empties the store again; into a
        store holding data the check runs first.
        """
        self.check_writable()
        files = [(Path(p), bulk_format(Path(p), "the Oxigraph store")) for p in paths]
        self._fill(files, empty=self._is_empty())
        self.ox.flush()
        return len(self)

    def _fill(self, files: list[tuple[Path, ox.RdfFormat]], empty: bool) -> None:
        """Put the files into the store, all or nothing (`load`'s strategy for RocksDB: bulk_load)."""
        if not empty:
            self._check_syntax(files)
            self._bulk_load(files)
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="parkgraph-load") as pool:
            loading = pool.submit(self._bulk_load, files)
            try:
                self._check_syntax(files)
                loading.result()
            except BaseException:
                wait([loading])
                self.ox.clear()
                self.ox.flush()
                raise

    def _is_empty(self) -> bool:
        """True when the store holds no quad and no (empty) named graph: a failed load can restore that by clearing."""
        return (next(iter(self.ox.quads_for_pattern(None, None, None, None)), None) is None
                and next(iter(self.ox.named_graphs()), None) is None)

    @staticmethod
    def _check_syntax(files: list[tuple[Path, ox.RdfFormat]]) -> None:
        """Parse every file through; an RdfSyntaxError with file, line and column at the first fault."""
        for path, fmt in files:
            with _reading(path) as source:
                for _ in ox.parse(format=fmt, **source):
                    pass

    def _bulk_load(self, files: list[tuple[Path, ox.RdfFormat]]) -> None:
        for path, fmt in files:
            try:
                with oxigraph_source(path) as source:
                    self.ox.bulk_load(format=fmt, **source)
            except (OSError, SyntaxError) as exc:
                raise StoreError(f"loading {path} into {self.where} failed: {exc}") from exc

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run SPARQL on the union of the store's graphs, or on the dataset its FROM / FROM NAMED
        name; `bindings` become Oxigraph substitutions.

        A final ORDER BY on projected variables is applied here, after the rows are read (see
        `parkgraph.ordering`: Oxigraph re-reads both texts from RocksDB on every comparison).
        """
        with gc_paused():  # an answer's rows and terms hold no cycles (see `parkgraph.gc_pause`)
            return self._ordered_query(sparql, bindings)

    def _ordered_query(self, sparql: str, bindings: Mapping[str, Node] | None) -> QueryResult:
        ordered = split_order(sparql)
        projected = projected_variables(sparql) if ordered is not None else None
        if ordered is not None and projected is not None and not all(key.var in projected for key in ordered[1]):
            ordered = None  # ordered by a variable it does not return: only Oxigraph can sort it, run once
        if ordered is not None:
            result = self._query(ordered[0], bindings)
            if result.kind != "select":
                return result  # the order of a CONSTRUCT's solutions does not change its graph
            if all(key.var in result.vars for key in ordered[1]):
                sort_rows(result.rows, result.vars, ordered[1])
                return result
        return self._query(sparql, bindings)

    def _query(self, sparql: str, bindings: Mapping[str, Node] | None) -> QueryResult:
        try:
            subs = {ox.Variable(str(k)): to_oxigraph(v) for k, v in (bindings or {}).items()}
        except ValueError as exc:  # Oxigraph's own IRI check, stricter than rdflib's
            raise QueryError(
                f"cannot bind a value Oxigraph rejects: {exc}", hint="bind a valid IRI or literal"
            ) from None
        # The union flag would replace the dataset a query names with FROM (every graph answering).
        union = not has_dataset_clause(sparql)
        try:
            try:
                answer = self.ox.query(sparql, substitutions=subs or None, use_default_graph_as_union=union)
            except RuntimeError as exc:
                # Oxigraph substitutes only projected variables (SEP-0007); bind the others with VALUES.
                if "does not contain" not in str(exc):
                    raise
                answer = self.ox.query(inject_values(sparql, bindings), use_default_graph_as_union=union)
            return self._answer(answer)  # solutions are read from RocksDB as they are iterated
        except SyntaxError as exc:
            raise _query_syntax_error(exc) from exc
        except (OSError, RuntimeError) as exc:
            raise self._failed(exc, "querying") from exc

    @staticmethod
    def _answer(answer: ox.QueryBoolean | ox.QueryTriples | ox.QuerySolutions) -> QueryResult:
        """Oxigraph's answer as a QueryResult, its terms as rdflib's."""
        if isinstance(answer, ox.QueryBoolean):
            return QueryResult(kind="ask", boolean=bool(answer))
        convert = _Converter()
        if isinstance(answer, ox.QueryTriples):  # the rdflib Graph is built when first read
            return QueryResult(kind="graph", triples=[(convert(t.subject), convert(t.predicate), convert(t.object))
                                                      for t in answer])
        names = [v.value for v in answer.variables]
        rows = [tuple(map(convert, solution)) for solution in answer]  # a solution iterates in `names` order
        return QueryResult(kind="select", vars=names, rows=rows)

    def iri_subject_terms(self, predicates: Iterable[str] | None = None) -> Iterator[tuple[str, str, object]]:
        """Every triple (of every graph) whose subject is an IRI, of these predicates only if given, as the
        terms `parkgraph.network` indexes (see `parkgraph.network_terms`): the answer of
        `sparql/network_triples.rq`, read fast.

        Decoding terms from RocksDB is what a whole-store read costs (iterating the quads from Python:
        ~12 s at 1M triples), so the store is read one predicate per query, each answer written as
        SPARQL TSV by Oxigraph in worker threads (it releases the GIL while it evaluates and writes),
        and the TSV parsed here while the others still read (links between IRIs split as text, see
        `_iri_pairs`; the rest by pyoxigraph's own parser).
        IRIs come as plain str (each distinct one a single object), plain and language-tagged
        literals as `Text`; only the other literals and blank nodes are converted to rdflib, once each
        (a string literal is not looked up first: at 1M, 255,000 labels in 0.6-1.1 s instead of 1.6-2.2 s).
        """
        from parkgraph.network_terms import Text

        if predicates is not None:
            chosen = [ox.NamedNode(p) for p in dict.fromkeys(predicates)]
        else:
            try:
                chosen = [row[0] for row in self._select(internal_query("predicates"))]
            except (OSError, RuntimeError) as exc:
                raise StoreError(f"reading {self.where} failed: {exc}") from exc
        # Read back in the predicates' order, so the network comes out the same every time. Labels
        # and types are the biggest shares in any parkgraph graph (every entity has them): they
        # start first, so that the threads finish together.
        chosen.sort(key=lambda p: p.value not in _BIG_PREDICATES)
        named, literal, string = ox.NamedNode, ox.Literal, _XSD_STRING
        iris: dict[str, str] = {}
        others: dict[object, object] = {}
        intern = iris.setdefault
        pool = ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="parkgraph-read")
        try:
            shares = deque(pool.submit(self._predicate_tsv, p) for p in chosen)
            for predicate in chosen:
                share = shares.popleft().result()  # dropped once parsed: the shares are not all held at once
                p = intern(predicate.value, predicate.value)
                links = _iri_pairs(share)
                if links is not None:
                    for subject, value in links:
                        yield intern(subject, subject), p, intern(value, value)
                    continue
                for s, o in ox.parse_query_results(share, format=ox.QueryResultsFormat.TSV):
                    if type(s) is not named:
                        continue
                    kind = type(o)
                    if kind is named:
                        value = o.value
                        obj: object = intern(value, value)
                    elif kind is literal and ((language := o.language) or o.datatype.value == string):
                        obj = Text(o.value, language)  # built afresh: mostly distinct, and hashing o costs more
                    else:
                        obj = others.get(o)
                        if obj is None:
                            obj = others[o] = to_rdflib(o)
                    subject = s.value
                    yield intern(subject, subject), p, obj
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _select(self, sparql: str) -> ox.QuerySolutions:
        return self.ox.query(sparql, use_default_graph_as_union=True)

    def _predicate_tsv(self, predicate: ox.NamedNode) -> bytes:
        """The subjects and objects of one predicate as SPARQL TSV (runs in a worker thread)."""
        iri = sparql_term(URIRef(predicate.value))
        text = _PREDICATE_VARIABLE.sub(lambda _: iri, internal_query("network_predicate_triples"))
        try:
            return self._select(text).serialize(format=ox.QueryResultsFormat.TSV)
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"reading {self.where} failed: {exc}") from exc

    def release(self) -> None:
        """Let go of the RocksDB store now (its lock with it), rather than when this object is
        collected: a CLI call run inside a Python process (a test, a notebook) may leave the handle
        in a reference cycle, and the next call on the same path would find it still locked."""
        self.ox = _Released(self.where)  # type: ignore[assignment]

    def worker_copy(self) -> OxigraphStore:
        """A read-only handle on the same directory, for a query worker process."""
        return OxigraphStore.read_only_view(self.path)

    @classmethod
    def read_only_view(cls, path: Path | str) -> OxigraphStore:
        """Open the store at `path` read-only (what a query worker process uses)."""
        view = cls.__new__(cls)
        view.path = Path(path)
        view.name, view.where, view.read_only = f"oxigraph:{view.path}", str(view.path), True
        view._busy = f"the store at {view.path} is open read-only in a query worker"
        view.ox = view._open_snapshot()
        return view

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update."""
        self.check_writable()
        try:
            self.ox.update(sparql)
        except SyntaxError as exc:
            raise _query_syntax_error(exc) from exc
        except OSError as exc:
            raise StoreError(f"updating {self.where} failed: {exc}") from exc
        except RuntimeError as exc:  # an operation SPARQL says fails: DROP of a missing graph, CREATE of one there
            if "Corruption" in str(exc) and self.path is not None:
                raise self._damaged(exc) from exc
            graph_state = "does not exist" in str(exc) or "already exists" in str(exc)
            silent = "write SILENT (DROP SILENT GRAPH …, CREATE SILENT GRAPH …) to let it pass"
            raise QueryError(f"the update failed on {self.where}: {exc}", hint=silent if graph_state else None) from exc

    def to_rdflib(self) -> Graph:
        """Materialize every triple (of every graph) in an rdflib in-memory Graph."""
        graph = bind_prefixes(Graph())
        for quad in self.ox:
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        return graph

    def to_nquads(self) -> str:
        """Every quad of the store as N-Quads text, named graphs kept (what JSON-LD export writes)."""
        try:
            return self.ox.dump(format=ox.RdfFormat.N_QUADS).decode("utf-8")
        except (OSError, RuntimeError) as exc:
            raise self._failed(exc, "reading") from exc

    def __len__(self) -> int:
        """The number of distinct triples in the union of the store's graphs (what memory counts)."""
        try:
            return triple_count(self.ox)
        except (OSError, RuntimeError) as exc:
            raise self._failed(exc, "reading") from exc


class OxigraphMemoryStore(OxigraphStore):
    """Oxigraph's in-memory store (`oxigraph-memory`): the same engine and answers as `oxigraph:PATH`,
    without RocksDB, so nothing is kept after the process ends.

    Every index look-up and every term read is a memory access instead of a RocksDB read, which makes
    the queries that list thousands of rows several times faster than on disk (benchmarks/RESULTS.md),
    and loading a file needs no disk. It holds about 0.4 KB a triple (rdflib about 1.3 KB).
    """

    def __init__(self) -> None:
        self.path = None
        self.name = self.where = OXIGRAPH_MEMORY
        self.read_only = False
        self._busy = None
        self.ox = ox.Store()

    def load(self, paths: Iterable[Path]) -> int:
        """Load files as `OxigraphStore.load` does (filled transactionally, `_fill`), once
        `check_oxigraph_memory_size` finds room for them."""
        paths = [Path(p) for p in paths]
        check_oxigraph_memory_size(paths)
        return super().load(paths)

    def _fill(self, files: list[tuple[Path, ox.RdfFormat]], empty: bool) -> None:
        """Put the files into the store, all or nothing, each with Oxigraph's transactional `load`.

        Not `bulk_load`: at 10 million triples it took a fifth less time and 6 % less memory
        (benchmarks/notes.md), and a file that breaks is rolled back by Oxigraph itself, so an empty
        store needs no parse of its own beforehand (a failure empties it again, taking out the files
        before the broken one); into a store holding data, several files are checked first, as on disk.
        """
        if not empty and len(files) > 1:
            self._check_syntax(files)
        try:
            for path, fmt in files:
                with _reading(path) as source:
                    self.ox.load(format=fmt, **source)
        except BaseException:
            if empty:
                self.ox.clear()
            raise

    def worker_copy(self) -> OxigraphMemoryStore:
        """The store itself: a forked query worker inherits a copy of the process's memory."""
        return self


@contextmanager
def _reading(path: Path) -> Iterator[dict]:
    """pyoxigraph's source arguments for `path` (`oxigraph_source`); a fault in the file while they
    are read is an RdfSyntaxError with its file, line and column."""
    try:
        with oxigraph_source(path) as source:
            yield source
    except SyntaxError as exc:
        raise _rdf_syntax_error(path, exc) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RdfSyntaxError(
            f"cannot read: {exc}", file=str(path), hint="check that the file is UTF-8 text in the named format"
        ) from exc


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
    if OXIGRAPH_REMOTE_CONTEXT in str(exc):
        return remote_context_refused(path)
    line, column = position(str(exc))
    if line is None:  # Oxigraph's RDF/XML errors carry no position: ask rdflib's parser where it breaks
        from parkgraph.loading import locate_with_rdflib

        line, column = locate_with_rdflib(path)
    return RdfSyntaxError(
        f"not valid RDF: {exc}",
        file=str(path),
        line=line,
        column=column,
        hint="fix the syntax at that place and load again (nothing from this load was kept, from any of its files)",
    )


class OxigraphTerms:
    """rdflib terms as pyoxigraph's, for many triples: each IRI converted once, and each blank node
    labelled b0, b1, … in the order met (a server's labels, such as Virtuoso's `nodeID://…`, Oxigraph
    refuses).

    With `exact`, a language tag Oxigraph would change (it lower-cases them) is a ValueError, as is
    any term Oxigraph refuses, so that a caller can write the triples another way.
    """

    def __init__(self, *, exact: bool = False) -> None:
        self.exact = exact
        self.iris: dict[str, ox.NamedNode] = {}
        self.blanks: dict[BNode, ox.BlankNode] = {}

    def __call__(self, node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if type(node) is URIRef:
            found = self.iris.get(node)
            if found is None:
                found = self.iris[node] = ox.NamedNode(node)
            return found
        if isinstance(node, BNode):
            blank = self.blanks.get(node)
            if blank is None:  # numbered in the order met: the same input gives the same labels
                blank = self.blanks[node] = ox.BlankNode(f"b{len(self.blanks)}")
            return blank
        term = to_oxigraph(node)
        if self.exact and isinstance(node, Literal) and node.language and term.language != node.language:
            raise ValueError(f"Oxigraph writes the language tag {node.language!r} as {term.language!r}")
        return term

    def triple(self, s: Node, p: Node, o: Node) -> ox.Triple:
        return ox.Triple(self(s), self(p), self(o))  # type: ignore[arg-type]


def in_memory_copy(store: Store) -> ox.Store:
    """Every quad of `store` in a new in-memory pyoxigraph store (named graphs kept for an Oxigraph store).

    An Oxigraph store's quads go across without rdflib (1M triples in about 13 s, as long as a dump
    and a load); any other store's triples through its rdflib Graph.
    """
    copy = ox.Store()
    if isinstance(store, OxigraphStore):
        try:
            copy.extend(store.ox)
        except (OSError, RuntimeError) as exc:
            raise store._failed(exc, "reading") from exc
        return copy
    term = OxigraphTerms()
    try:
        copy.extend(ox.Quad(term(s), term(p), term(o)) for s, p, o in store.to_rdflib())
    except ValueError as exc:  # an IRI or language tag rdflib took from the server and Oxigraph refuses
        raise StoreError(f"cannot copy {store!r} into Oxigraph: {exc}",
                         hint="validate it with --engine pyshacl, which reads it with rdflib") from exc
    return copy
