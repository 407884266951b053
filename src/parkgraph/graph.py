"""ParkGraph: the one object a user opens to work with the knowledge graph."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from rdflib import Graph
from rdflib.term import Node

from parkgraph import paths
from parkgraph.errors import ParkgraphError, QueryError, ResultTooLarge
from parkgraph.limits import QueryPool
from parkgraph.named import NamedQuery, add_known_prefixes, all_queries, load_query
from parkgraph.policy import READ_ONLY, Policy
from parkgraph.results import QueryResult
from parkgraph.store import IN_MEMORY, Store, open_store
from parkgraph.syntax import check_query, check_text


class ParkGraph:
    """The parkgraph knowledge graph held in one store, queried with SPARQL.

    >>> pg = ParkGraph.open()            # ontology + curated data, in memory
    >>> len(pg) > 0
    True
    """

    def __init__(
        self,
        store: Store,
        policy: Policy = READ_ONLY,
        timeout: float | None = None,
        max_rows: int | None = None,
        workers: int = 1,
    ) -> None:
        self.store = store
        self.policy = policy
        self.timeout = timeout
        self.max_rows = max_rows
        self.workers = workers
        self._pool: QueryPool | None = None

    @classmethod
    def open(
        cls,
        store: str = "memory",
        files: Sequence[Path | str] | None = None,
        seed: bool = False,
        *,
        allow_update: bool = False,
        allow_urls: Iterable[str] = (),
        timeout: float | None = None,
        max_rows: int | None = None,
        workers: int = 1,
        create: bool = True,
    ) -> ParkGraph:
        """Open a graph: "memory", "oxigraph-memory", "oxigraph:PATH" or an http(s):// SPARQL endpoint.

        An in-memory store ("memory": rdflib; "oxigraph-memory": Oxigraph, faster on big graphs)
        loads `files` (default: ontology + data). A persistent or remote store
        opens what it holds and adds `files` if given; with `seed=True` an empty one is first
        filled with the default files. An "oxigraph:PATH" that holds no store yet gets a new, empty
        one, unless `create=False`, which refuses it (StoreError) as the CLI's reading commands do.

        Safe by default: SPARQL updates are refused unless `allow_update`, and SERVICE / LOAD may
        reach only the URLs in `allow_urls`. With `timeout` (seconds) every query runs in one of
        `workers` worker processes and is stopped when it overruns; `max_rows` caps an answer's size.
        """
        backend = open_store(store, create=create)
        if store in IN_MEMORY:
            backend.load([Path(f) for f in (files or paths.default_files())])
        else:
            if seed and len(backend) == 0:
                backend.load(paths.default_files())
            if files:
                backend.load([Path(f) for f in files])
        policy = Policy.of(allow_update, allow_urls)
        return cls(backend, policy, timeout=timeout, max_rows=max_rows, workers=workers)

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update on the store (refused unless the graph was opened with allow_update)."""
        self.policy.check_update(sparql)
        self.store.update(sparql)
        self._refresh_workers()

    def load(self, files: Iterable[Path | str] | Path | str) -> int:
        """Add RDF files (or one file) to the graph, all or nothing; returns the number of triples afterwards."""
        if isinstance(files, (str, Path)):  # one path, not the characters of its name
            files = [files]
        count = self.store.load([Path(f) for f in files])
        self._refresh_workers()
        return count

    def sparql(self, query: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run an ad hoc SPARQL query; `bindings` pre-bind variables to RDF terms.

        Raises QueryError for bad syntax, RefusedError for a SERVICE call that is not allowed,
        QueryTimeout past the time limit and ResultTooLarge past `max_rows`.
        """
        check_query(query)  # the same syntax errors, with line and column, on every store
        query = add_known_prefixes(query)  # pg:, schema:, pgorg: … work on every store, not only rdflib's
        for name, value in (bindings or {}).items():
            if not isinstance(value, Node):  # rdflib matched a plain str against nothing, silently
                raise QueryError(
                    f"the value bound to ?{name} is a {type(value).__name__}, not an RDF term: {value!r}",
                    hint="bind rdflib terms: Literal('text', lang='en'), Literal(42), URIRef('https://…')",
                )
            check_text(str(value), f"the value bound to ?{name}", located=False)
        self.policy.check_query(query)
        if self.timeout is not None:
            return self._workers().query(query, bindings)
        result = self.store.query(query, bindings)
        if self.max_rows is not None and len(result) > self.max_rows:
            raise ResultTooLarge(
                f"the answer has {len(result):,} rows, more than the limit of {self.max_rows:,}",
                hint="narrow the query or add LIMIT",
            )
        return result

    def _workers(self) -> QueryPool:
        if self._pool is None:
            self._pool = QueryPool(self.store, self.workers, self.timeout, self.max_rows)
        return self._pool

    def _refresh_workers(self) -> None:
        if self._pool is not None:
            self._pool.restart()

    def close(self) -> None:
        """Stop the query worker processes, if any ran (the store itself stays usable)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> ParkGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        """Stop the worker processes and release an oxigraph:PATH store (its lock), so the same
        path can be opened again at once; the graph is not usable afterwards (as after `with`)."""
        self.close()
        release = getattr(self.store, "release", None)
        if release is not None:
            release()

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
        """The whole graph as an rdflib Graph: a copy, so adding to it leaves the store as it is."""
        return self.store.to_rdflib()

    def __len__(self) -> int:
        return len(self.store)

    def __repr__(self) -> str:
        try:
            size = f"triples={len(self)}"
        except ParkgraphError as err:  # a server that cannot be reached, a released store: repr must not fail
            size = f"unavailable: {err.message}"
        return f"<ParkGraph store={self.store.name} {size}>"
