"""Time and size limits for queries: each query runs in a worker process that is killed when it overruns.

Neither rdflib nor pyoxigraph can cancel a query once it runs, so the only honest way to stop a
runaway one is to run it in another process and end that process. `QueryPool` keeps a few worker
processes (pebble's ProcessPool): forked from the process that opened the graph so they share its
data, or spawned to open an Oxigraph store read-only; a worker that runs past the limit is
terminated and pebble starts a fresh one.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from concurrent.futures import TimeoutError as FutureTimeout

from pebble import ProcessExpired, ProcessPool
from rdflib.term import Node

from parkgraph.errors import QueryError, QueryTimeout, ResultTooLarge
from parkgraph.results import QueryResult
from parkgraph.store import Store

DEFAULT_TIMEOUT = 30.0  # seconds; what the CLI and `serve` apply unless told otherwise
DEFAULT_MAX_ROWS = 100_000  # rows (or triples) in one answer from `serve`
DEFAULT_WORKERS = 2  # queries `serve` answers at once (this project's reference machine has 2 cores)

_worker_store: Store | None = None


def _start_worker(store: Store) -> None:
    """Runs once in each new (forked) worker: open the worker's own handle on the parent's data."""
    global _worker_store
    _worker_store = store.worker_copy()


def _start_oxigraph_worker(path: str) -> None:
    """Runs once in each new (spawned) worker of an Oxigraph store: open it read-only."""
    global _worker_store
    from parkgraph.stores.oxigraph import OxigraphStore

    _worker_store = OxigraphStore.read_only_view(path)


def _run(text: str, bindings: Mapping[str, Node] | None, max_rows: int | None) -> tuple[object, ...]:
    """Runs in a worker: answer the query and return it in a form that pickles cheaply."""
    assert _worker_store is not None, "the worker was not initialised"
    result = _worker_store.query(text, bindings)
    if max_rows is not None and len(result) > max_rows:
        raise ResultTooLarge(
            f"the answer has {len(result):,} {'triples' if result.kind == 'graph' else 'rows'}, "
            f"more than the limit of {max_rows:,}",
            hint="narrow the query or add LIMIT (the limit is set with --max-rows)",
        )
    if result.kind == "graph":
        return ("graph", result.triples())  # the parent builds the rdflib Graph, if it needs one
    return (result.kind, result.vars, result.rows, result.boolean)


def _restore(packed: tuple[object, ...]) -> QueryResult:
    if packed[0] == "graph":
        return QueryResult(kind="graph", triples=packed[1])  # type: ignore[arg-type]
    kind, names, rows, boolean = packed
    return QueryResult(kind=kind, vars=names, rows=rows, boolean=boolean)  # type: ignore[arg-type]


class QueryPool:
    """Worker processes answering queries over one store, each query stopped at `timeout` seconds.

    `workers` queries run at once; the others wait for a free worker (the wait does not count
    against their limit).
    """

    def __init__(
        self, store: Store, workers: int = 1, timeout: float | None = DEFAULT_TIMEOUT, max_rows: int | None = None
    ) -> None:
        if timeout is not None and timeout <= 0:
            raise QueryError(f"the time limit must be positive, not {timeout}", hint="give seconds, e.g. --timeout 30")
        self.store = store
        self.workers = max(1, workers)
        self.timeout = timeout
        self.max_rows = max_rows
        self._pool = self._start()

    def _start(self) -> ProcessPool:
        from parkgraph.stores.oxigraph import OxigraphStore

        if isinstance(self.store, OxigraphStore) and self.store.path is not None:
            # RocksDB's process-wide thread pool holds locks that a fork can copy in their locked
            # state, so a forked worker could hang opening the store: start Oxigraph workers afresh.
            return ProcessPool(
                max_workers=self.workers,
                initializer=_start_oxigraph_worker,
                initargs=(str(self.store.path),),
                context=multiprocessing.get_context("spawn"),
            )
        # fork: the workers inherit the loaded graph instead of parsing it again.
        return ProcessPool(
            max_workers=self.workers,
            initializer=_start_worker,
            initargs=(self.store,),
            context=multiprocessing.get_context("fork"),
        )

    def query(self, text: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Answer `text` in a worker; QueryTimeout if it overruns, ResultTooLarge if the answer is too big."""
        future = self._pool.schedule(_run, args=(text, dict(bindings or {}), self.max_rows), timeout=self.timeout)
        try:
            return _restore(future.result())
        except FutureTimeout as exc:
            raise QueryTimeout(
                f"the query was stopped after {self.timeout:g} s, its time limit",
                hint="narrow the query (a missing join or LIMIT is the usual cause) or raise the limit with --timeout",
            ) from exc
        except ProcessExpired as exc:
            raise QueryError(
                f"the query's worker process ended unexpectedly (exit code {exc.exitcode})",
                hint="it may have run out of memory: narrow the query or add LIMIT",
            ) from exc

    def restart(self) -> None:
        """Replace every worker, so that they see data changed in this process since they started."""
        old, self._pool = self._pool, self._start()
        old.stop()
        old.join()

    def close(self) -> None:
        """Stop the workers (a running query is abandoned)."""
        self._pool.stop()
        self._pool.join()

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
