"""Independent read-only tasks run at once on forked worker processes that share the parent's memory.

The SPARQL validation engine's checks are such tasks: read-only queries on one in-memory Oxigraph
store. Forked after the load, every worker starts with the parent's store (the kernel shares the
pages until one is written) and takes the next task as soon as it is free, so a long check does
not hold up the others. Results come back in task order, whatever order they finished in.

Reading Oxigraph's in-memory store writes to it (reference counts), so a worker can end up with a
private copy of every page it reads: up to the whole store (benchmarks/notes.md). `auto_workers`
therefore starts no more workers than the RAM available has room for.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import TypeVar

from pebble import ProcessExpired, ProcessPool

from parkgraph.errors import ParkgraphError
from parkgraph.store import available_memory

T = TypeVar("T")

# A cap, not a measured optimum (this machine has 2 cores): each worker may copy the store, and all
# of them share the memory bandwidth that random reads over a big store are bound by.
MAX_AUTO_WORKERS = 4

# The tasks of the running `run_forked` call: a forked worker finds them here, in its copy of the
# parent's memory, so that neither the tasks nor the store they read have to be pickled.
_TASKS: Sequence[Callable[[], object]] = ()


def can_fork() -> bool:
    """Whether this platform starts processes by fork (Linux does; Windows cannot)."""
    return "fork" in multiprocessing.get_all_start_methods()


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, which containers and `taskset` narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS has no affinity call
        return os.cpu_count() or 1


def resident_bytes() -> int | None:
    """This process's resident memory now (Linux's /proc/self/statm); None where unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def auto_workers(bytes_each: int | None = None) -> int:
    """The number of workers to use when the caller does not say: the available CPUs, at most 4,
    and no more than half the RAM available holds if each worker may take `bytes_each` (None:
    unknown). Half: the rest of the machine keeps room, for a gain of a quarter to a half in time."""
    workers = min(available_cpus(), MAX_AUTO_WORKERS)
    available = available_memory() if bytes_each else None
    if bytes_each and available is not None:
        workers = min(workers, available // 2 // bytes_each)
    return max(1, workers)


def _run(index: int) -> object:
    """In a worker: run task `index` of the parent's `run_forked` call."""
    return _TASKS[index]()


def worker_count(workers: int, tasks: int) -> int:
    """The processes `run_forked` uses for `tasks` tasks when asked for `workers`: 1 means here."""
    return max(1, min(workers, tasks)) if can_fork() else 1


def run_forked(tasks: Sequence[Callable[[], T]], workers: int) -> list[T]:
    """Each task's result, in order: on `workers` forked processes, or here when one is enough.

    A task's exception is raised here, as the task raised it (parkgraph's errors keep their file,
    line and hint across processes); a worker that dies (the kernel's out-of-memory killer, say)
    is a ParkgraphError, not a hang. Results must be picklable; the tasks themselves need not be.
    The workers are pebble's, as for the query workers (parkgraph.limits).
    """
    global _TASKS
    count = worker_count(workers, len(tasks))
    if count <= 1:
        return [task() for task in tasks]
    if _TASKS:
        raise RuntimeError("run_forked is already running in this process")
    _TASKS = tasks
    pool = ProcessPool(max_workers=count, context=multiprocessing.get_context("fork"))
    try:
        futures = [pool.schedule(_run, args=(index,)) for index in range(len(tasks))]
        return [future.result() for future in futures]
    except ProcessExpired as exc:
        raise ParkgraphError(
            f"a worker process ended unexpectedly (exit code {exc.exitcode})",
            hint="it may have run out of memory: use fewer workers (--workers 1 runs everything in one process)",
        ) from exc
    finally:
        pool.stop()  # on an error the other tasks are abandoned; on success every worker is idle
        pool.join()
        _TASKS = ()


__all__ = ["auto_workers", "available_cpus", "can_fork", "resident_bytes", "run_forked", "worker_count"]
