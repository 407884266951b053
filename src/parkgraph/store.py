"""Where the graph lives: `open_store(spec)` for "memory", "oxigraph-memory", "oxigraph:PATH" or an
http(s):// endpoint.

"memory" is rdflib in memory, loaded from Turtle files; the others live in `parkgraph.stores`
(embedded Oxigraph in memory or on disk, any SPARQL 1.1 server).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Protocol

from pyparsing import ParseBaseException
from rdflib import Graph, URIRef
from rdflib.plugins.stores.memory import Memory
from rdflib.query import Result
from rdflib.term import Node

from parkgraph.binding import is_select_star
from parkgraph.errors import ParkgraphError, QueryError, StoreError
from parkgraph.loading import parse_into
from parkgraph.namespaces import bind_prefixes
from parkgraph.network_terms import Term
from parkgraph.ordering import sort_rows, split_order
from parkgraph.results import QueryResult
from parkgraph.syntax import RDFLIB_PARSER, prepare, query_names_graphs, update_names_graphs

OXIGRAPH_MEMORY = "oxigraph-memory"
IN_MEMORY = ("memory", OXIGRAPH_MEMORY)  # stores that live as long as the process: filled from files on opening


class Store(Protocol):
    """What every parkgraph store offers: load files, answer SPARQL, count, hand out a graph.

    A store may also answer some of parkgraph's own queries its own, faster way, each named after
    the query it replaces: `iri_subject_terms()` (sparql/network_triples.rq, the whole-graph
    network; with `predicates=`, network_labels.rq and resolve_label.rq for a --focus name no label
    matches exactly), `subject_triples(iris)` and `object_triples(iris)` (network_out.rq and
    network_in.rq, a --focus neighbourhood). `parkgraph.network` uses them where a store has them.
    """

    name: str

    def load(self, paths: Iterable[Path]) -> int:
        """Add the triples of `paths`; return how many triples the store holds afterwards."""
        ...

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run a SPARQL query with variables pre-bound to RDF terms."""
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update."""
        ...

    def check_writable(self) -> None:
        """Raise StoreError now if loads and updates are bound to fail (e.g. another process holds the store)."""
        ...

    def to_rdflib(self) -> Graph:
        """The whole graph as an rdflib Graph (for SHACL, reasoning and networkx)."""
        ...

    def worker_copy(self) -> Store:
        """A handle on the same data for a forked query worker process (see parkgraph.limits)."""
        ...

    def __len__(self) -> int: ...


NO_NAMED_GRAPHS = "the memory store keeps no named graphs (they are loaded as one graph)"
NAMED_GRAPHS_HINT = (
    "use the same files with --store oxigraph-memory (or an oxigraph:PATH store), which keep their graphs"
)


class MemoryStore:
    """rdflib's in-memory graph: the default, needs nothing running."""

    name = "memory"

    def __init__(self, graph: Graph | None = None) -> None:
        self.graph = bind_prefixes(graph if graph is not None else Graph())
        self._own_graph = graph is None  # a graph given here stays the store's (it may be the caller's, or on disk)

    def load(self, paths: Iterable[Path]) -> int:
        """Add the triples of `paths`, all or nothing: they are parsed aside and added once all parsed.

        Into the store's own graph while it is still empty, the parsed graph becomes the store's
        instead of being copied: the 1M synthetic triples in 49-56 s and 1.34 GB against 78-80 s and 2.17 GB.
        """
        paths = [Path(p) for p in paths]
        check_memory_size(paths)
        parsed = Graph()
        for path in paths:
            parse_into(parsed, path)  # named graphs (TriG, N-Quads) come in as their union
        if self._own_graph and not len(self.graph):
            files = list(parsed.namespaces())
            for prefix, namespace in self.graph.namespaces():  # the store's prefixes first, then the files'
                parsed.bind(prefix, namespace, override=True, replace=True)  # as the copy below binds them
            for prefix, namespace in files:
                parsed.bind(prefix, namespace, override=False)
            self.graph = parsed
            return len(parsed)
        for prefix, namespace in parsed.namespaces():
            self.graph.bind(prefix, namespace, override=False)
        self.graph.addN((s, p, o, self.graph) for s, p, o in parsed)
        return len(self.graph)

    def worker_copy(self) -> MemoryStore:
        """The store itself: a forked worker holds its own copy of the parent's graph."""
        return self

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run a SPARQL query with rdflib, `bindings` as initBindings."""
        try:
            # Parsing dominates rdflib's cost on small graphs: reuse the translated query.
            prepared = prepare(sparql, tuple((p, str(ns)) for p, ns in self.graph.namespaces()))
            if query_names_graphs(prepared):
                # rdflib ignores FROM on a plain Graph (it would answer from every triple) and fails on GRAPH.
                raise QueryError(f"{NO_NAMED_GRAPHS}, so it cannot answer a query that names graphs"
                                 " (FROM, FROM NAMED or GRAPH)", hint=NAMED_GRAPHS_HINT)
            result = from_rdflib_result(self.graph.query(prepared, initBindings=dict(bindings or {})))
            if result.kind == "select" and is_select_star(sparql):
                # rdflib orders SELECT *'s columns as a set iterates (per hash seed); Oxigraph by name
                columns = sorted(range(len(result.vars)), key=lambda i: result.vars[i])
                result = QueryResult(kind="select", vars=[result.vars[i] for i in columns],
                                     rows=[tuple(row[i] for i in columns) for row in result.rows])
            ordered = split_order(sparql)
            if ordered is not None and result.kind == "select" and all(k.var in result.vars for k in ordered[1]):
                # rdflib orders language-tagged strings tag first; re-sort (stably) in the Oxigraph stores' order
                sort_rows(result.rows, result.vars, ordered[1])
            return result
        except ParseBaseException as exc:
            raise _syntax_error(exc) from exc
        except ParkgraphError:
            raise
        except Exception as exc:  # rdflib's engine fails on some valid SPARQL, e.g. GROUP BY (LCASE(?x))
            raise QueryError(
                f"rdflib's SPARQL engine (the memory store's) could not evaluate the query: {exc}",
                hint="the Oxigraph stores evaluate it with another engine: try --store oxigraph-memory",
            ) from exc

    def update(self, sparql: str) -> None:
        """Run a SPARQL update on the graph in memory."""
        try:
            if update_names_graphs(sparql):
                # On a plain Graph rdflib fails on GRAPH and WITH, and fetches a USING IRI from the web.
                raise QueryError(f"{NO_NAMED_GRAPHS}, so it cannot run an update that names graphs"
                                 " (GRAPH, WITH, USING, NAMED, ALL or a graph IRI)",
                                 hint=f"write DEFAULT for the memory store's one graph, or {NAMED_GRAPHS_HINT}")
            with RDFLIB_PARSER:  # rdflib parses the update text itself
                self.graph.update(sparql)
        except ParseBaseException as exc:
            raise _syntax_error(exc) from exc
        except ParkgraphError:
            raise
        except Exception as exc:  # rdflib's engine failing on a valid update
            raise QueryError(
                f"rdflib's SPARQL engine (the memory store's) could not run the update: {exc}",
                hint="the Oxigraph stores run it with another engine: try --store oxigraph-memory",
            ) from exc

    def check_writable(self) -> None:
        """Nothing to check: the graph belongs to this process alone."""

    def to_rdflib(self) -> Graph:
        """A copy of the graph, as every other store gives: changing it does not change the store,
        so the read-only policy and the query workers' view of the data hold."""
        copy = Graph()
        for prefix, namespace in self.graph.namespaces():
            copy.bind(prefix, namespace, override=True)
        copy.addN((s, p, o, copy) for s, p, o in self.graph)
        return copy

    def iri_subject_terms(self, predicates: Iterable[str] | None = None) -> Iterator[tuple[str, str, Term]]:
        """Every triple whose subject is an IRI (of these predicates only, if given), as the terms
        `parkgraph.network` indexes: the answer of `sparql/network_triples.rq`, read from the graph itself
        (through rdflib's SPARQL engine and a query worker it took 13.6 s of a 100k-triple export); the
        whole read walks rdflib's subject index where it can (`_own_subject_index`).
        Each distinct IRI is one str object."""
        iris: dict[str, str] = {}
        intern = iris.setdefault
        if predicates is None:
            index = _own_subject_index(self.graph)
            if index is not None:
                yield from _walk_subject_index(index, intern)
                return
        triples = (self.graph if predicates is None else
                   (t for p in dict.fromkeys(predicates) for t in self.graph.triples((None, URIRef(p), None))))
        for s, p, o in triples:
            if isinstance(s, URIRef):
                subject, predicate = str(s), str(p)
                if isinstance(o, URIRef):
                    value = str(o)
                    o = intern(value, value)
                yield intern(subject, subject), intern(predicate, predicate), o

    def subject_triples(self, subjects: Iterable[URIRef]) -> Iterator[tuple[Node, Node, Node]]:
        """The answer of `sparql/network_out.rq` for these subjects (every triple of each), read from the
        graph's index: a depth-2 --focus neighbourhood of the 1M synthetic graph in 0.1 s, where asking
        rdflib's SPARQL engine took 0.5 s."""
        for subject in subjects:
            yield from self.graph.triples((subject, None, None))

    def object_triples(self, objects: Iterable[URIRef]) -> Iterator[tuple[Node, Node, Node]]:
        """The answer of `sparql/network_in.rq` for these objects: every triple with an IRI subject
        pointing at each, read from the graph's index."""
        for obj in objects:
            for s, p, o in self.graph.triples((None, None, obj)):
                if isinstance(s, URIRef):
                    yield s, p, o

    def __len__(self) -> int:
        return len(self.graph)


def _own_subject_index(graph: Graph) -> dict | None:
    """The subject -> predicate -> objects index of rdflib's `Memory` store behind `graph`, if that
    store holds `graph`'s triples and no others; else None.

    Walking it is the fastest way through every triple: iterating the Graph copies the store's set
    of the context's triples and makes a generator of contexts for each one (1M triples: 0.7 s
    against 2.8-3.1 s). The index belongs to rdflib's store (a private attribute), so any other
    store, a graph sharing its store with other graphs (a Dataset) or an rdflib without the
    attribute takes the Graph's own iteration.
    """
    store = graph.store
    if type(store) is not Memory:
        return None
    index = getattr(store, "_Memory__spo", None)
    contexts = getattr(store, "_Memory__all_contexts", None)
    if not isinstance(index, dict) or not isinstance(contexts, set):
        return None
    if any(context is not graph for context in contexts):  # other graphs' (or quoted formulas') triples too
        return None
    return index


def _walk_subject_index(index: dict, intern: Callable[[str, str], str]) -> Iterator[tuple[str, str, Term]]:
    """Every triple of a `Memory` store's subject index whose subject is an IRI, as `iri_subject_terms` gives them."""
    for s, by_predicate in index.items():
        if not isinstance(s, URIRef):
            continue
        subject = str(s)
        subject = intern(subject, subject)
        for p, objects in by_predicate.items():
            predicate = str(p)
            predicate = intern(predicate, predicate)
            for o in objects:
                if isinstance(o, URIRef):
                    value = str(o)
                    o = intern(value, value)
                yield subject, predicate, o


MEMORY_MAX_MB_DEFAULT = 200  # input files above this size are better off in the Oxigraph store


def _megabytes_setting(variable: str, default: float | None) -> int | None:
    """The environment variable `variable` as a number of bytes (it is given in megabytes), else `default` MB."""
    raw = os.environ.get(variable, "").strip()
    try:
        megabytes = float(raw) if raw else default
    except ValueError:
        raise StoreError(
            f"{variable} must be a number of megabytes, not '{raw}'", hint=f"e.g. {variable}=500"
        ) from None
    return None if megabytes is None else int(megabytes * 1024 * 1024)


def memory_max_bytes() -> int:
    """How many bytes of input files the memory store takes: PARKGRAPH_MEMORY_MAX_MB, else 200 MB."""
    limit = _megabytes_setting("PARKGRAPH_MEMORY_MAX_MB", MEMORY_MAX_MB_DEFAULT)
    assert limit is not None  # there is a default
    return limit


def _file_sizes(paths: list[Path]) -> tuple[list[tuple[Path, int]], int, Path | None]:
    """Each file with its size, the total, and the biggest file (None without files)."""
    sizes = [(p, p.stat().st_size) for p in paths if p.is_file()]
    biggest = max(sizes, key=lambda item: item[1])[0] if sizes else None
    return sizes, sum(size for _p, size in sizes), biggest


def _on_disk_hint(biggest: Path, otherwise: str) -> str:
    return (f"load it into the embedded Oxigraph store instead: parkgraph load --store oxigraph:./pg.db {biggest} "
            f"(then query with --store oxigraph:./pg.db), or {otherwise}")


def check_memory_size(paths: list[Path]) -> None:
    """Refuse input too large for rdflib in memory before parsing it (rdflib needs about 1.3 KB of RAM
    a triple: 1.34 GB for the 1M synthetic triples)."""
    limit = memory_max_bytes()
    _sizes, total, biggest = _file_sizes(paths)
    if total <= limit or biggest is None:
        return
    raise StoreError(
        f"{total / 2**20:,.0f} MB of RDF is too large for the in-memory store (limit {limit / 2**20:,.0f} MB, "
        f"about {limit // 140:,} triples)",
        file=str(biggest),
        hint=_on_disk_hint(biggest, "raise PARKGRAPH_MEMORY_MAX_MB"),
    )


# Peak RAM of Oxigraph's in-memory store while it loads a file, per byte of that file, rounded up
# from `parkgraph synth` output written in each syntax (benchmarks/notes.md): the more compact
# the syntax, the more triples (and bytes of RAM) each byte of it stands for.
OXIGRAPH_MEMORY_PEAK_PER_BYTE = {
    ".nt": 3.0, ".ntriples": 3.0, ".nq": 3.0, ".jsonld": 3.5, ".json": 3.5,
    ".rdf": 4.5, ".owl": 4.5, ".xml": 4.5, ".ttl": 9.0, ".turtle": 9.0, ".trig": 9.0,
}
_WORST_PEAK_PER_BYTE = max(OXIGRAPH_MEMORY_PEAK_PER_BYTE.values())  # for a suffix not listed


def available_memory() -> int | None:
    """Bytes of RAM the system can still give a process (MemAvailable in /proc/meminfo); None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_oxigraph_memory_size(paths: list[Path]) -> None:
    """Refuse, before loading, files Oxigraph's in-memory store has no room for.

    With PARKGRAPH_OXIGRAPH_MEMORY_MAX_MB set, that many MB of input files are taken; otherwise the
    load's peak RAM, estimated from each file's size and syntax, must fit in the RAM available now.
    Without the check an oversized load grows until the system kills the process.
    """
    sizes, total, biggest = _file_sizes(paths)
    if biggest is None:
        return
    setting = "PARKGRAPH_OXIGRAPH_MEMORY_MAX_MB"
    limit = _megabytes_setting(setting, None)
    if limit is not None:
        if total > limit:
            raise StoreError(
                f"{total / 2**20:,.0f} MB of RDF is more than {setting} allows ({limit / 2**20:,.0f} MB) "
                f"for the {OXIGRAPH_MEMORY} store",
                file=str(biggest), hint=_on_disk_hint(biggest, f"raise {setting}"),
            )
        return
    available = available_memory()
    if available is None:
        return
    factors = OXIGRAPH_MEMORY_PEAK_PER_BYTE
    peak = sum(size * factors.get(p.suffix.lower(), _WORST_PEAK_PER_BYTE) for p, size in sizes)
    if peak > available:
        raise StoreError(
            f"loading {total / 2**20:,.0f} MB of RDF into the {OXIGRAPH_MEMORY} store needs about "
            f"{peak / 2**30:,.1f} GB of RAM at its peak (about {factors['.nt']:g} bytes per byte of N-Triples, "
            f"{factors['.ttl']:g} of Turtle), and {available / 2**30:,.1f} GB is available",
            file=str(biggest),
            hint=_on_disk_hint(biggest, f"set {setting} to the megabytes of input to take regardless"),
        )


def _syntax_error(exc: ParseBaseException) -> QueryError:
    """rdflib's (pyparsing's) parse error as a QueryError with line and column."""
    return QueryError(
        f"SPARQL syntax error: {exc.msg}", line=exc.lineno, column=exc.col, hint="fix the query at that place"
    )


def from_rdflib_result(result: Result) -> QueryResult:
    """Convert an rdflib query Result into a QueryResult."""
    if result.type == "ASK":
        return QueryResult(kind="ask", boolean=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph = bind_prefixes(Graph())
        for triple in result:
            graph.add(triple)
        return QueryResult(kind="graph", graph=graph)
    names = [str(v) for v in (result.vars or [])]
    rows = [tuple(row) for row in result]
    return QueryResult(kind="select", vars=names, rows=rows)


def open_store(spec: str = "memory", *, create: bool = True) -> Store:
    """Open the store named by `spec`: "memory", "oxigraph-memory", "oxigraph:PATH" or an http(s):// URL.

    `create=False` refuses an oxigraph:PATH that holds no store yet instead of starting an empty one there.
    """
    if spec == "memory":
        return MemoryStore()
    if spec == OXIGRAPH_MEMORY:
        from parkgraph.stores.oxigraph import OxigraphMemoryStore

        return OxigraphMemoryStore()
    if spec.startswith("oxigraph:"):
        from parkgraph.stores.oxigraph import OxigraphStore

        path = spec.removeprefix("oxigraph:")
        if not path:
            raise StoreError("'oxigraph:' needs a directory", hint="use --store oxigraph:PATH, e.g. oxigraph:./pg.db")
        return OxigraphStore(path, create=create)
    if spec.startswith(("http://", "https://")):
        from parkgraph.stores.remote import SparqlStore

        return SparqlStore.from_spec(spec)
    raise StoreError(
        f"unknown store '{spec}'",
        hint=f"use --store memory, --store {OXIGRAPH_MEMORY}, --store oxigraph:PATH or --store http(s)://HOST[:PORT]/PATH",
    )
