"""How parkgraph's cost grows with the size of the graph: `make bench` (see benchmarks/RESULTS.md).

For each size it writes a synthetic graph (`parkgraph synth`, N-Triples) and measures, in one
run and on the same files (ontology + curated data + synthetic graph):

- per store (memory = rdflib, embedded Oxigraph on disk and in memory, the Oxigraph server over
  HTTP): load time, each
  named query's median time (`ParkGraph.query`), networkx export of the whole graph,
  `render --focus <a synthetic park> --depth 2`;
- validation: the pyshacl engine (rdflib + pyshacl) and the SPARQL engine (shapes compiled to
  SPARQL on an embedded Oxigraph store), SHACL alone and SHACL + OWL consistency;
- reference points: plain rdflib `Graph().parse` + the same queries (and pyshacl on it), and raw
  `pyoxigraph.Store.bulk_load` + the same queries (the floor).

Every group of measurements runs in its own subprocess; its peak RSS comes from `os.wait4`
(the kernel's ru_maxrss for that child), the server's from the server process the same way.
Results go to RESULTS.md, results.json and scaling.png in --out, each written atomically.

    python benchmarks/bench.py                       # 10k, 100k, 1M (+10M embedded Oxigraph only)
    python benchmarks/bench.py --sizes 10000 --big-sizes --runs 1 --out /tmp/bench   # smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_BIG_SIZES = (10_000_000,)  # the embedded Oxigraph stores (and the raw floor) only
STORES = ("memory", "oxigraph", "oxigraph-memory", "server")
IN_MEMORY = ("memory", "oxigraph-memory")  # filled from the files by ParkGraph.open in the worker
REFERENCES = ("rdflib", "pyoxigraph")
ENGINES = STORES + REFERENCES
BIG_ENGINES = ("oxigraph", "oxigraph-memory", "pyoxigraph")
ENGINE_TITLES = {
    "memory": "memory (rdflib)",
    "oxigraph": "embedded Oxigraph",
    "oxigraph-memory": "embedded Oxigraph in memory",
    "server": "Oxigraph server",
    "rdflib": "ref: plain rdflib",
    "pyoxigraph": "ref: raw pyoxigraph",
}
SEED = 1


# --------------------------------------------------------------------------------------------
# Worker side: one group of measurements in a fresh process
# --------------------------------------------------------------------------------------------


class QueryTimeout(BaseException):
    """A single query ran longer than --query-timeout.

    A BaseException, as KeyboardInterrupt is: raised from a signal handler anywhere inside rdflib,
    it must not be caught by the memory store's `except Exception`, which turns rdflib's failures
    into a QueryError (the full run of 2026-11-27 recorded find-entity at 1M as "error" so)."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise QueryTimeout in the main thread after `seconds` (SIGALRM; rdflib is pure Python)."""

    def _expire(signum: int, frame: object) -> None:
        raise QueryTimeout()

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def result_size(result: Any) -> int:
    """Rows of a parkgraph QueryResult, triples of a graph answer, 1/0 for ASK."""
    if result.kind == "ask":
        return int(bool(result.boolean))
    if result.kind == "graph":
        return len(result.graph)
    return len(result.rows)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(location: Path) -> tuple[subprocess.Popen, str]:
    """The Oxigraph server (the `oxigraph` CLI next to this Python) on a free loopback port."""
    import requests

    binary = Path(sys.executable).with_name("oxigraph")
    if not binary.exists():
        raise SystemExit(f"the Oxigraph server is missing at {binary}: pip install -e '.[test]' installs it")
    port = free_port()
    proc = subprocess.Popen(
        [str(binary), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            requests.get(url + "/query", timeout=1)
            return proc, url
        except requests.RequestException:
            if proc.poll() is not None:
                raise SystemExit(f"the Oxigraph server exited with {proc.returncode}") from None
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the Oxigraph server did not start within 60 s")


def stop(proc: subprocess.Popen) -> float | None:
    """Stop a child process and return its peak RSS in MB."""
    if proc.poll() is None:
        proc.terminate()
    try:
        _, _, usage = os.wait4(proc.pid, 0)
    except ChildProcessError:
        return None
    proc.returncode = 0
    return usage.ru_maxrss / 1024


class Runner:
    """Runs the named queries on one engine, each up to `runs` times within a time budget."""

    def __init__(self, params: dict[str, dict[str, str]], runs: int, budget: float, timeout: float) -> None:
        self.params, self.runs, self.budget, self.timeout = params, runs, budget, timeout

    def run_all(self, execute: Callable[[str, dict[str, str]], int]) -> dict[str, dict]:
        out = {}
        for name, values in self.params.items():
            times: list[float] = []
            rows, status = None, "ok"
            for _ in range(self.runs):
                try:
                    with deadline(self.timeout):
                        start = time.perf_counter()
                        rows = execute(name, values)
                        times.append(time.perf_counter() - start)
                except QueryTimeout:
                    status = "timeout"
                    break
                except Exception as exc:  # a failing query is a result too
                    status = f"error: {type(exc).__name__}: {str(exc)[:200]}"
                    break
                if sum(times) > self.budget:
                    break
            out[name] = {
                "median_s": statistics.median(times) if times else None,
                "times_s": times,
                "rows": rows,
                "status": status,
            }
        return out


def named_runner(pg: Any) -> Callable[[str, dict[str, str]], int]:
    return lambda name, values: result_size(pg.query(name, **values))


def bound(name: str, values: dict[str, str]) -> tuple[str, dict]:
    """The named query's text and its parameters as RDF terms (IRIs are already resolved)."""
    from parkgraph.named import load_query

    named = load_query(name)
    return named.text, named.bind(values)


def rdflib_runner(graph: Any) -> Callable[[str, dict[str, str]], int]:
    def execute(name: str, values: dict[str, str]) -> int:
        text, bindings = bound(name, values)
        result = graph.query(text, initBindings=bindings)
        if result.type == "ASK":
            return int(bool(result.askAnswer))
        return len(list(result))

    return execute


def pyoxigraph_runner(store: Any) -> Callable[[str, dict[str, str]], int]:
    import pyoxigraph as ox

    from parkgraph.binding import inject_values

    def execute(name: str, values: dict[str, str]) -> int:
        text, bindings = bound(name, values)
        answer = store.query(inject_values(text, bindings))
        if isinstance(answer, ox.QueryBoolean):
            return int(bool(answer))
        return len(list(answer))

    return execute


def rdflib_format(path: Path) -> str:
    return "nt" if path.suffix == ".nt" else "turtle"


def oxigraph_format(path: Path) -> Any:
    import pyoxigraph as ox

    return ox.RdfFormat.N_TRIPLES if path.suffix == ".nt" else ox.RdfFormat.TURTLE


def raw_bulk_load(store: Any, files: list[Path]) -> None:
    """The floor: pyoxigraph's own bulk loader on each file, no check and no count."""
    for f in files:
        store.bulk_load(path=str(f), format=oxigraph_format(f))


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def worker(args: argparse.Namespace) -> dict:
    """One group of measurements (args.task on args.engine); returns what it measured."""
    files = [Path(f) for f in args.files]
    params = json.loads(Path(args.params).read_text()) if args.params else {}
    runner = Runner(params, args.runs, args.query_budget, args.query_timeout)
    task, engine, store_dir = args.task, args.engine, Path(args.store_dir) if args.store_dir else None
    out: dict[str, Any] = {"task": task, "engine": engine}

    if task == "synth":
        from parkgraph.synth import SynthConfig, write_synthetic

        config = SynthConfig.for_triples(args.size, seed=SEED)
        seconds, summary = timed(lambda: write_synthetic(files[0], config, "nt"))
        out.update(seconds=seconds, triples=summary.triples, bytes=summary.bytes,
                   parks=config.parks, residents=config.residents)
        return out

    if task == "queries":
        from parkgraph import ParkGraph

        if engine in IN_MEMORY:
            seconds, pg = timed(lambda: ParkGraph.open(engine, files=files))
            out.update(load_s=seconds, triples=len(pg))
            out["queries"] = runner.run_all(named_runner(pg))
        elif engine == "oxigraph":
            pg = ParkGraph.open(f"oxigraph:{store_dir}")
            seconds, triples = timed(lambda: pg.load(files))
            out.update(load_s=seconds, triples=triples)
            out["queries"] = runner.run_all(named_runner(pg))
        elif engine == "rdflib":
            from rdflib import Graph

            graph = Graph()
            seconds, _ = timed(lambda: [graph.parse(f, format=rdflib_format(f)) for f in files])
            out.update(load_s=seconds, triples=len(graph))
            out["queries"] = runner.run_all(rdflib_runner(graph))
        elif engine == "pyoxigraph":
            import pyoxigraph as ox

            store = ox.Store(str(store_dir))
            seconds, _ = timed(lambda: raw_bulk_load(store, files))
            out.update(load_s=seconds, triples=len(store))
            out["queries"] = runner.run_all(pyoxigraph_runner(store))
        elif engine == "server":
            proc, url = start_server(store_dir)
            try:
                pg = ParkGraph.open(url)
                seconds, triples = timed(lambda: pg.load(files))
                out.update(load_s=seconds, triples=triples)
                out["queries"] = runner.run_all(named_runner(pg))
                measure_network(out, pg, args)
            finally:
                out["server_peak_rss_mb"] = stop(proc)
        return out

    if task == "load_pairs":
        out.update(load_pairs(files, store_dir, args.runs))
        return out

    if task in ("export", "render", "network"):
        from parkgraph import ParkGraph

        pg = ParkGraph.open(engine, files=files) if engine in IN_MEMORY else ParkGraph.open(f"oxigraph:{store_dir}")
        measure_network(out, pg, args, only=None if task == "network" else task)
        return out

    if task in ("validate_shacl", "validate_full"):
        full = task == "validate_full"
        if engine == "rdflib":  # pyshacl straight on a plain rdflib graph, as most projects do
            import pyshacl
            from rdflib import Graph

            from parkgraph import paths

            def plain() -> bool:
                graph = Graph()
                for f in files:
                    graph.parse(f, format=rdflib_format(f))
                shapes = Graph().parse(paths.shapes_file(), format="turtle")
                conforms, _, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none", advanced=True)
                return conforms

            seconds, conforms = timed(plain)
            out.update(seconds=seconds, conforms=bool(conforms))
            return out
        from parkgraph.validate import validate

        which = "pyshacl" if engine == "memory" else "sparql"
        seconds, report = timed(lambda: validate(files, engine=which, consistency=full))
        out.update(seconds=seconds, conforms=report.conforms, problems=len(report.problems),
                   triples=report.triples, checks=report.checks, validation_engine=which, workers=report.workers,
                   # the largest of the forked check workers (this process's only children)
                   workers_peak_rss_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
        return out

    raise SystemExit(f"unknown task {task}")


def load_pairs(files: list[Path], base: Path, rounds: int) -> dict:
    """Raw `bulk_load` and parkgraph's load of the same files, alternated in one process.

    The two loads measured minutes apart carry the machine's drift (on a shared machine 10-40 %),
    which a ratio of 1.3 cannot stand; side by side, each round taking them in the other order,
    the ratio of their medians compares like with like.
    """
    import gc

    import pyoxigraph as ox

    from parkgraph import ParkGraph

    def raw(folder: Path) -> float:
        store = ox.Store(str(folder))
        seconds, _ = timed(lambda: raw_bulk_load(store, files))
        return seconds  # the store closes as the function returns: nothing else holds it

    def ours(folder: Path) -> float:
        pg = ParkGraph.open(f"oxigraph:{folder}")
        seconds, _ = timed(lambda: pg.load(files))
        return seconds

    times: dict[str, list[float]] = {"pyoxigraph": [], "oxigraph": []}
    for round_ in range(rounds):
        order = [("pyoxigraph", raw), ("oxigraph", ours)]
        for engine, load in order if round_ % 2 == 0 else reversed(order):
            folder = base / f"pair-{round_}-{engine}"
            shutil.rmtree(folder, ignore_errors=True)
            times[engine].append(load(folder))
            gc.collect()
            shutil.rmtree(folder, ignore_errors=True)
    return {"times_s": times}


def measure_network(out: dict, pg: Any, args: argparse.Namespace, only: str | None = None) -> None:
    """Time the whole-graph networkx export and the depth-2 map around the focus entity."""
    from parkgraph.network import to_networkx
    from parkgraph.render import write_map

    if only in (None, "export"):
        seconds, network = timed(lambda: to_networkx(pg))
        out.update(export_s=seconds, nodes=network.number_of_nodes(), edges=network.number_of_edges())
        del network
    if only in (None, "render"):
        target = Path(tempfile.gettempdir()) / f"parkgraph-bench-map-{args.engine}-{os.getpid()}.html"

        def render() -> Any:
            network = to_networkx(pg, focus=args.focus, depth=2)
            write_map(network, target)
            return network

        seconds, network = timed(render)
        out.update(render_s=seconds, render_nodes=network.number_of_nodes())
        target.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# Parent side: plan, spawn, collect, report
# --------------------------------------------------------------------------------------------


@dataclass
class Spawned:
    data: dict
    peak_rss_mb: float | None
    seconds: float


def spawn(args: list[str], timeout: float) -> Spawned:
    """Run this script as a worker; its JSON answer, its peak RSS (MB) and wall time."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        answer = Path(handle.name)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "worker", "--answer", str(answer), *args],
                            start_new_session=True)
    deadline_at = start + timeout
    usage = None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            break
        if time.perf_counter() > deadline_at:
            os.killpg(proc.pid, signal.SIGKILL)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    peak = usage.ru_maxrss / 1024 if usage else None
    try:
        data = json.loads(answer.read_text()) if answer.stat().st_size else {}
    except (OSError, json.JSONDecodeError):
        data = {}
    answer.unlink(missing_ok=True)
    if proc.returncode == -9:
        data["status"] = f"killed after {timeout:.0f} s (task timeout)"
        data["elapsed_s"] = seconds
    elif proc.returncode != 0:
        data["status"] = f"worker failed with exit code {proc.returncode}"
    return Spawned(data, peak, seconds)


def median_run(runs: list[Spawned], key: str) -> tuple[Spawned, list[float]]:
    """The run whose `key` (seconds) is the median (the lower one of an even count) and every run's value.

    A failed or unmeasured run counts only when no run measured it."""
    measured = [r for r in runs if r.data.get(key) is not None and r.data.get("status", "ok") == "ok"]
    if not measured:
        return runs[0], []
    ordered = sorted(measured, key=lambda r: r.data[key])
    return ordered[(len(ordered) - 1) // 2], [r.data[key] for r in measured]


def largest_peak(runs: list[Spawned]) -> float | None:
    """The largest peak RSS (MB) of the runs of one task, None if none was measured."""
    return max((r.peak_rss_mb for r in runs if r.peak_rss_mb is not None), default=None)


def query_params() -> dict[str, dict[str, str]]:
    """Each named query with its first documented example, labels resolved to IRIs on the curated graph."""
    from parkgraph import ParkGraph

    curated = ParkGraph.open()
    params = {}
    for named in ParkGraph.queries():
        values = dict(named.examples[0]) if named.examples else {}
        bindings = named.bind(values, resolve=curated.sparql)
        params[named.name] = {key: str(bindings[key]) for key in values}
    return params


class Bench:
    """The whole run: sizes × engines × tasks, collected into a flat list of measurements."""

    def __init__(self, opts: argparse.Namespace) -> None:
        self.opts = opts
        self.workdir = Path(opts.workdir or tempfile.mkdtemp(prefix="parkgraph-bench-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.params_file = self.workdir / "params.json"
        self.measurements: list[dict] = []
        self.notes_text = opts.notes.read_text(encoding="utf-8") if opts.notes else ""

    def log(self, text: str) -> None:
        print(f"[{dt.datetime.now():%H:%M:%S}] {text}", flush=True)

    def record(self, size: int, triples: int | None, engine: str, op: str, seconds: float | None,
               peak: float | None, **detail: Any) -> None:
        self.measurements.append({
            "size": size, "triples": triples, "engine": engine, "op": op,
            "seconds": seconds, "peak_rss_mb": peak, **detail,
        })

    def common(self, size: int, engine: str, files: list[Path], store_dir: Path | None, big: bool = False) -> list[str]:
        o = self.opts
        timeout = o.big_query_timeout if big else o.query_timeout
        args = ["--size", str(size), "--engine", engine, "--files", *map(str, files),
                "--runs", str(o.runs), "--query-budget", str(o.query_budget),
                "--query-timeout", str(timeout), "--params", str(self.params_file),
                "--focus", focus_iri()]
        if store_dir:
            args += ["--store-dir", str(store_dir)]
        return args

    def run(self) -> dict:
        from parkgraph import paths

        self.params_file.write_text(json.dumps(query_params(), indent=1))
        base_files = [paths.ontology_file(), paths.data_file()]
        sizes = [(s, False) for s in self.opts.sizes] + [(s, True) for s in self.opts.big_sizes]
        for size, big in sizes:
            synth_file = self.workdir / f"synth-{size}.nt"
            self.log(f"size {size}: writing {synth_file.name}")
            done = spawn(["--task", "synth", "--size", str(size), "--engine", "synth", "--files", str(synth_file)],
                         self.opts.task_timeout)
            triples = done.data.get("triples", 0) + triples_in(base_files)
            self.record(size, triples, "synth", "synth", done.data.get("seconds"), done.peak_rss_mb,
                        file_bytes=done.data.get("bytes"), parks=done.data.get("parks"),
                        residents=done.data.get("residents"), status=done.data.get("status", "ok"))
            files = [*base_files, synth_file]
            engines = BIG_ENGINES if big else ENGINES
            if self.opts.engines:
                engines = tuple(e for e in engines if e in self.opts.engines)
            if not big and self.opts.load_rounds and {"oxigraph", "pyoxigraph"} <= set(engines):
                self.run_load_pairs(size, triples, files)
            for engine in engines:
                self.run_engine(size, triples, engine, files, big)
            if self.opts.out and not self.opts.no_partial:
                partial = self.results()
                partial["partial"] = f"written after the size {size}; the run went on"
                write_outputs(partial, self.opts.out, self.notes_text)
            if not self.opts.keep_workdir:
                synth_file.unlink(missing_ok=True)
                for store in self.workdir.glob(f"store-{size}-*"):
                    shutil.rmtree(store, ignore_errors=True)
        if not self.opts.keep_workdir and not self.opts.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return self.results()

    def run_load_pairs(self, size: int, triples: int, files: list[Path]) -> None:
        rounds = self.opts.load_rounds
        self.log(f"size {size}: raw pyoxigraph and embedded Oxigraph loads, alternated {rounds} times")
        base = self.workdir / f"store-{size}-pairs"
        base.mkdir(parents=True, exist_ok=True)
        args = ["--task", "load_pairs", "--size", str(size), "--engine", "oxigraph", "--files", *map(str, files),
                "--runs", str(rounds), "--store-dir", str(base)]
        done = spawn(args, self.opts.task_timeout)
        times = done.data.get("times_s") or {}
        for engine in ("oxigraph", "pyoxigraph"):
            runs = times.get(engine) or []
            self.record(size, triples, engine, "load_paired", statistics.median(runs) if runs else None,
                        done.peak_rss_mb, times_s=runs, status=done.data.get("status", "ok"))
        shutil.rmtree(base, ignore_errors=True)

    def spawn_repeated(self, args: list[str], timeout: float) -> list[Spawned]:
        """A whole-graph task's worker, run again (up to --op-runs in all) while a run takes under
        --op-repeat-under seconds: one run of a short task carries the machine's noise into the growth
        slopes, and repeating the long ones would cost more than the rest of the run."""
        runs = [spawn(args, timeout)]
        while (len(runs) < self.opts.op_runs and runs[0].seconds < self.opts.op_repeat_under
               and all(r.data.get("status", "ok") == "ok" for r in runs)):
            runs.append(spawn(args, timeout))
        return runs

    def run_engine(self, size: int, triples: int, engine: str, files: list[Path], big: bool) -> None:
        o = self.opts
        store_dir = self.workdir / f"store-{size}-{engine}" if engine in ("oxigraph", "pyoxigraph", "server") else None
        if store_dir:
            shutil.rmtree(store_dir, ignore_errors=True)
        self.log(f"size {size}: {engine}: load + queries")
        done = spawn(["--task", "queries", *self.common(size, engine, files, store_dir, big)], o.task_timeout)
        d = done.data
        status = d.get("status", "ok")
        self.record(size, triples, engine, "load", d.get("load_s"), done.peak_rss_mb, status=status,
                    elapsed_s=d.get("elapsed_s"),
                    loaded_triples=d.get("triples"), server_peak_rss_mb=d.get("server_peak_rss_mb"))
        for name, q in (d.get("queries") or {}).items():
            self.record(size, triples, engine, f"query:{name}", q["median_s"], done.peak_rss_mb,
                        rows=q["rows"], runs=len(q["times_s"]), times_s=q["times_s"], status=q["status"])
        if engine == "server":
            for op in ("export", "render"):
                self.record(size, triples, engine, op, d.get(f"{op}_s"), done.peak_rss_mb, status=status,
                            elapsed_s=d.get("elapsed_s"), nodes=d.get("nodes" if op == "export" else "render_nodes"),
                            server_peak_rss_mb=d.get("server_peak_rss_mb"))
        if engine in ("memory", "oxigraph", "oxigraph-memory") and not (big and not o.network_at_big):
            # in memory: one worker loads the files once for both; oxigraph: each opens the store it reads
            groups = [("network", ("export", "render"))] if engine in IN_MEMORY else [
                ("export", ("export",)), ("render", ("render",))]
            for task, ops in groups:
                self.log(f"size {size}: {engine}: {task}")
                runs = self.spawn_repeated(["--task", task, *self.common(size, engine, files, store_dir, big)],
                                           o.task_timeout)
                for op in ops:
                    done, times = median_run(runs, f"{op}_s")
                    d = done.data
                    self.record(size, triples, engine, op, d.get(f"{op}_s"),
                                largest_peak(runs),
                                status=d.get("status", "ok") if d.get(f"{op}_s") is not None else "not measured",
                                nodes=d.get("nodes" if op == "export" else "render_nodes"), edges=d.get("edges"),
                                worker=task, elapsed_s=d.get("elapsed_s"), times_s=times)
        if engine in ("memory", "oxigraph", "rdflib"):
            for op in ("validate_shacl", "validate_full"):
                if op == "validate_full" and engine != "oxigraph" and triples > o.owlrl_max:
                    continue  # the owlrl closure in pure Python: minutes at 100k triples
                if op == "validate_full" and engine == "rdflib":
                    continue
                if engine == "memory" and big:
                    continue
                if engine == "rdflib" and triples > o.plain_pyshacl_max:
                    continue  # the same pyshacl run as the memory column's, minus parkgraph's line lookup
                self.log(f"size {size}: {engine}: {op}")
                limit = o.task_timeout if engine == "oxigraph" else o.pyshacl_timeout
                runs = self.spawn_repeated(["--task", op, *self.common(size, engine, files, None, big)], limit)
                done, times = median_run(runs, "seconds")
                d = done.data
                # the largest of the runs: the process, and its workers counted each at the largest
                # one's size (an upper bound: shared pages count in each)
                process_peak = largest_peak(runs)
                workers = max(r.data.get("workers") or 1 for r in runs)
                workers_peak = max((r.data.get("workers_peak_rss_mb") or 0 for r in runs), default=0) or None
                peak = process_peak
                if workers > 1 and peak is not None and workers_peak:
                    peak += workers * workers_peak
                self.record(size, triples, engine, op, d.get("seconds"), peak,
                            status=d.get("status", "ok"), conforms=d.get("conforms"), problems=d.get("problems"),
                            validation_engine=d.get("validation_engine", "pyshacl (plain)"),
                            elapsed_s=d.get("elapsed_s"), workers=workers, process_peak_rss_mb=process_peak,
                            workers_peak_rss_mb=workers_peak, times_s=times)
        if store_dir:
            shutil.rmtree(store_dir, ignore_errors=True)

    def results(self) -> dict:
        return {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "versions": versions(),
            "options": {
                "sizes": list(self.opts.sizes), "big_sizes": list(self.opts.big_sizes), "runs": self.opts.runs,
                "query_budget_s": self.opts.query_budget, "query_timeout_s": self.opts.query_timeout,
                "big_query_timeout_s": self.opts.big_query_timeout,
                "task_timeout_s": self.opts.task_timeout, "owlrl_max": self.opts.owlrl_max, "seed": SEED,
                "pyshacl_timeout_s": self.opts.pyshacl_timeout, "plain_pyshacl_max": self.opts.plain_pyshacl_max,
                "focus": focus_iri(), "op_runs": self.opts.op_runs, "op_repeat_under_s": self.opts.op_repeat_under,
            },
            "measurements": self.measurements,
        }


def focus_iri() -> str:
    from parkgraph.synth import SYNTH

    return f"{SYNTH}park/0"


def triples_in(files: list[Path]) -> int:
    from parkgraph.loading import parse_files

    return len(parse_files(files))


def command_output(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict:
    lscpu = command_output(["lscpu"])
    model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")), "")
    return {
        "cpu": model or platform.processor(),
        "nproc": command_output(["nproc"]),
        "free": command_output(["free", "-h"]),
        "lscpu": lscpu,
        "platform": platform.platform(),
    }


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for package in ("parkgraph", "rdflib", "pyoxigraph", "pyshacl", "networkx", "owlrl", "oxigraph", "matplotlib"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def fmt_s(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:.0f} s"
    if value >= 10:
        return f"{value:.1f} s"
    if value >= 0.1:
        return f"{value:.2f} s"
    return f"{value * 1000:.1f} ms"


def fmt_mb(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value / 1024:.2f} GB" if value >= 1024 else f"{value:.0f} MB"


def find(ms: list[dict], size: int, engine: str, op: str) -> dict | None:
    return next((m for m in ms if m["size"] == size and m["engine"] == engine and m["op"] == op), None)


def cell(m: dict | None, what: str = "seconds") -> str:
    if m is None:
        return ""
    status = m.get("status", "ok")
    if status != "ok":
        if m.get("elapsed_s"):
            return f"killed at {fmt_s(m['elapsed_s'])}"
        return "timeout" if "timeout" in status or "killed" in status else status.split(":")[0]
    return fmt_mb(m.get(what)) if what != "seconds" else fmt_s(m.get("seconds"))


def slowest_query(ms: list[dict], size: int, engine: str) -> dict | None:
    queries = [m for m in ms if m["size"] == size and m["engine"] == engine and m["op"].startswith("query:")]
    if not queries:
        return None
    return max(queries, key=lambda m: math.inf if m["seconds"] is None else m["seconds"])


def size_table(data: dict, size: int, compact: bool = False) -> str:
    """The table of one size: every operation (or, compact, the headline ones) by store and reference."""
    ms = data["measurements"]
    here = [m for m in ms if m["size"] == size]
    engines = [e for e in ENGINES if any(m["engine"] == e for m in here)]
    triples = next((m["triples"] for m in here if m.get("triples")), size)
    synth = find(ms, size, "synth", "synth")
    lines = [f"### About {size:,} triples ({triples:,} loaded)", ""] if not compact else []
    if synth and not compact:
        lines += [f"Synthetic graph: {synth.get('parks')} parks, {synth.get('residents')} residents, "
                  f"{(synth.get('file_bytes') or 0) / 1e6:.0f} MB of N-Triples, written in {fmt_s(synth['seconds'])} "
                  f"with a peak RSS of {fmt_mb(synth['peak_rss_mb'])}.", ""]
    head = "| operation | " + " | ".join(ENGINE_TITLES[e] for e in engines) + " |"
    lines += [head, "|---|" + "---:|" * len(engines)]

    def row(title: str, op: str, what: str = "seconds") -> None:
        cells = [cell(find(ms, size, e, op), what) for e in engines]
        if any(cells):
            lines.append(f"| {title} | " + " | ".join(cells) + " |")

    row("load", "load")
    row("load, side by side (median of the rounds)", "load_paired")
    names = sorted({m["op"] for m in here if m["op"].startswith("query:")})
    for op in names if not compact else ():
        row(f"query `{op.split(':', 1)[1]}` (median)", op)
    slow = [slowest_query(ms, size, e) for e in engines]
    lines.append("| **slowest named query** | " + " | ".join(
        f"{cell(m)} ({m['op'].split(':', 1)[1]})" if m else "" for m in slow) + " |")
    row("validate: SHACL", "validate_shacl")
    row("validate: SHACL + OWL consistency", "validate_full")
    row("networkx export (whole graph)", "export")
    row("render --focus --depth 2", "render")
    if compact:
        peaks = []
        for e in engines:
            # The side-by-side loads run both loaders in one worker: a peak of neither store alone.
            values = [m["peak_rss_mb"] for m in here
                      if m["engine"] == e and m.get("peak_rss_mb") and m["op"] != "load_paired"]
            peaks.append(fmt_mb(max(values)) if values else "")
        lines += ["| peak RSS (largest of its workers) | " + " | ".join(peaks) + " |", ""]
        return "\n".join(lines)
    row("peak RSS: load + queries", "load", "peak_rss_mb")
    row("peak RSS: loads side by side (raw and parkgraph's in one worker)", "load_paired", "peak_rss_mb")
    row("peak RSS: validate SHACL", "validate_shacl", "peak_rss_mb")
    row("peak RSS: validate SHACL + OWL", "validate_full", "peak_rss_mb")
    row("peak RSS: export", "export", "peak_rss_mb")
    row("peak RSS: render", "render", "peak_rss_mb")
    server = find(ms, size, "server", "load")
    if server and server.get("server_peak_rss_mb"):
        lines.append("| peak RSS: the server process | " + " | ".join(
            fmt_mb(server["server_peak_rss_mb"]) if e == "server" else "" for e in engines) + " |")
    lines.append("")
    mismatched = []
    for op in names:
        counts = {e: find(ms, size, e, op)["rows"] for e in engines
                  if find(ms, size, e, op) and find(ms, size, e, op).get("status") == "ok"}
        if len(set(counts.values())) > 1:
            mismatched.append(f"`{op.split(':', 1)[1]}` ({', '.join(f'{e}: {n}' for e, n in counts.items())})")
    if mismatched:
        lines += ["Row counts that differ between engines: " + "; ".join(mismatched) + ".", ""]
    else:
        lines += ["Every engine returned the same number of rows for every named query.", ""]
    return "\n".join(lines)


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def growth(ms: list[dict], engine: str, op: str) -> tuple[float | None, str]:
    """The log-log slope of time against triples between the two largest sizes measured."""
    points = sorted((m["triples"], m["seconds"]) for m in ms
                    if m["engine"] == engine and m["op"] == op and m.get("seconds") and m.get("status") == "ok")
    if len(points) < 2:
        return None, ""
    (n1, t1), (n2, t2) = points[-2], points[-1]
    return math.log(t2 / t1) / math.log(n2 / n1), f"{n1:,} → {n2:,} triples"


def targets(data: dict) -> list[dict]:
    """Issue 6 point 3, checked on the measurements at the size nearest to 1 million triples."""
    ms = data["measurements"]
    sizes = sorted({m["size"] for m in ms})
    if not sizes:
        return []
    size = min(sizes, key=lambda s: abs(math.log(s / 1_000_000)))
    rows: list[dict] = []

    def add(target: str, measured: str, met: bool | None, note: str = "") -> None:
        rows.append({"target": target, "measured": measured, "met": met, "note": note, "size": size})

    paired = find(ms, size, "oxigraph", "load_paired"), find(ms, size, "pyoxigraph", "load_paired")
    alone = find(ms, size, "oxigraph", "load"), find(ms, size, "pyoxigraph", "load")
    ox_load, raw_load = paired if all(m and m["seconds"] for m in paired) else alone
    r = ratio(ox_load and ox_load["seconds"], raw_load and raw_load["seconds"])
    how = ""
    if ox_load is paired[0] and ox_load:
        rounds = len(ox_load.get("times_s") or [])
        alone_r = ratio(alone[0] and alone[0]["seconds"], alone[1] and alone[1]["seconds"])
        how = (f"medians of {rounds} rounds side by side in one process, each round in the other order "
               f"(ours: {', '.join(fmt_s(t) for t in ox_load['times_s'])}; raw: "
               f"{', '.join(fmt_s(t) for t in raw_load['times_s'])})"
               + (f"; the two loads before the queries, minutes apart: {alone_r:.2f}×" if alone_r else ""))
    add("load into embedded Oxigraph within 1.3× of raw pyoxigraph bulk_load",
        f"{fmt_s(ox_load and ox_load['seconds'])} vs {fmt_s(raw_load and raw_load['seconds'])}: "
        + (f"{r:.2f}×" if r else "n/a"), None if r is None else r <= 1.3, how)
    for engine in ("oxigraph", "oxigraph-memory"):
        queries = [m for m in ms if m["size"] == size and m["engine"] == engine and m["op"].startswith("query:")]
        if engine != "oxigraph" and not queries:
            continue
        slow_ox = slowest_query(ms, size, engine)
        over = [m for m in queries if m["seconds"] is None or m["seconds"] >= 0.5]
        add(f"every named query on {ENGINE_TITLES[engine]}: median under 0.5 s",
            f"slowest: {slow_ox['op'].split(':', 1)[1]} {fmt_s(slow_ox['seconds'])}" if slow_ox else "n/a",
            None if not queries else not over,
            ("over 0.5 s: " + ", ".join(f"{m['op'].split(':', 1)[1]} {fmt_s(m['seconds'])}" for m in over))
            if over else "")
    slow_rdf = slowest_query(ms, size, "rdflib")
    if slow_rdf:
        name = slow_rdf["op"]
        ox_same = find(ms, size, "oxigraph", name)
        rdf_s = slow_rdf["seconds"]
        timed_out = slow_rdf.get("status") != "ok"
        if timed_out:
            rdf_s = data["options"]["query_timeout_s"]
        r = ratio(rdf_s, ox_same and ox_same["seconds"])
        met = None if r is None else r >= 10
        note = ""
        if timed_out and r is not None and r < 10:
            met = None  # only a lower bound: rdflib never finished
            note = "plain rdflib was stopped at the timeout, so the ratio is only a lower bound. "
        finished = []
        for m in ms:
            if m["size"] == size and m["engine"] == "rdflib" and m["op"].startswith("query:") \
                    and m.get("status") == "ok" and m["seconds"] >= 1:
                other = find(ms, size, "oxigraph", m["op"])
                if other and other.get("seconds"):
                    finished.append(f"{m['op'].split(':', 1)[1]} {m['seconds'] / other['seconds']:.1f}×")
        if finished:
            note += "Queries rdflib finished in 1 s or more, rdflib time / Oxigraph time: " + ", ".join(finished)
        add("slowest query (on plain rdflib) at least 10× faster on embedded Oxigraph",
            f"{name.split(':', 1)[1]}: rdflib {'> ' if timed_out else ''}{fmt_s(rdf_s)} vs Oxigraph "
            f"{fmt_s(ox_same and ox_same['seconds'])}: {'> ' if timed_out else ''}{r:.1f}×" if r else "n/a",
            met, note)
    fast = find(ms, size, "oxigraph", "validate_shacl")
    slow = find(ms, size, "memory", "validate_shacl")
    if fast:
        ok = fast.get("status") == "ok" and fast["seconds"] < 60 and (fast["peak_rss_mb"] or 0) < 3 * 1024
        add("validation under 60 s and 3 GB peak (SPARQL engine, SHACL)",
            f"{fmt_s(fast['seconds'])}, {fmt_mb(fast['peak_rss_mb'])} (pyshacl engine: {cell(slow)}, "
            f"{cell(slow, 'peak_rss_mb')})", ok)
    full = find(ms, size, "oxigraph", "validate_full")
    if full:
        ok = full.get("status") == "ok" and full["seconds"] < 60 and (full["peak_rss_mb"] or 0) < 3 * 1024
        add("full validation (SHACL + OWL consistency) under 60 s and 3 GB peak (SPARQL engine)",
            f"{fmt_s(full['seconds'])}, {fmt_mb(full['peak_rss_mb'])}", ok)
    for engine in ("oxigraph", "oxigraph-memory", "memory"):
        export = find(ms, size, engine, "export")
        if export:
            ok = export.get("status") == "ok" and export["seconds"] < 15 and (export["peak_rss_mb"] or 0) < 2048
            add(f"networkx export of the whole graph under 15 s and 2 GB peak ({ENGINE_TITLES[engine]})",
                f"{cell(export)}, {cell(export, 'peak_rss_mb')}", ok)
        render = find(ms, size, engine, "render")
        if render:
            ok = render.get("status") == "ok" and render["seconds"] < 5
            add(f"render --focus --depth 2 under 5 s ({ENGINE_TITLES[engine]})", cell(render), ok)
    for engine, op in (("oxigraph", "load"), ("oxigraph", "export"), ("oxigraph", "validate_shacl"),
                       ("oxigraph-memory", "load"), ("oxigraph-memory", "export"),
                       ("memory", "load"), ("memory", "export"), ("memory", "validate_shacl")):
        slope, span = growth(ms, engine, op)
        if slope is not None:
            add(f"{op} on {ENGINE_TITLES[engine]} grows at most linearly",
                f"log-log slope {slope:.2f} ({span})", slope <= 1.1)
    return rows


LOADTEST_JSON = "loadtest.json"  # benchmarks/loadtest.py's report, rendered when it sits next to results.json


def read_loadtest(*folders: Path) -> dict | None:
    """The load test's report (loadtest.json) from the first of `folders` that has one, else None."""
    for folder in folders:
        path = folder / LOADTEST_JSON
        if path.is_file():
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                return None
    return None


def fmt_ms(value: float | None) -> str:
    """A latency: milliseconds below 10 s, else seconds."""
    if value is None:
        return "–"
    return fmt_s(value) if value >= 10 else f"{value * 1000:.1f} ms" if value < 1 else f"{value * 1000:.0f} ms"


def loadtest_section(report: dict) -> list[str]:
    """Markdown lines of the "Load test" section from benchmarks/loadtest.py's JSON report."""
    o, m, server, load = report["options"], report.get("machine", {}), report.get("server", {}), report.get("load")
    lines = ["## Load test", ""]
    triples = f" ({server['triples']:,} triples)" if server.get("triples") else ""
    serve_args = " ".join(f"`{a}`" for a in o.get("serve_args") or []) or "none"
    load_avg = m.get("load_average_at_start")
    lines += [
        f"`parkgraph serve` under {o['clients']} concurrent clients for {o['duration_s']:g} s, measured "
        f"{report['date']} by `benchmarks/loadtest.py` (`make bench`) on {m.get('cpu') or 'an unknown CPU'}, "
        f"{m.get('nproc')} cores" + (f" (load average {load_avg[0]:.1f} at the start)" if load_avg else "")
        + f"; store: {o.get('store_title') or o.get('store')}{triples}; extra serve arguments: {serve_args}. "
        "The clients (threads, one HTTP session each, on the same machine) ran "
        + ("the first example" if o.get("examples") == "first" else "every example")
        + " of every named query, each client in its own shuffled order, and compared every answer with the "
        "single-client answer of the same query (sorted bindings from the SPARQL JSON); the single-client "
        "column is that first run, parsing of the query text included. Errors are non-200 "
        "answers, connection errors and time-outs; no query starts after the duration, those running then are "
        "waited for.",
        "",
    ]
    if not load:
        return [*lines, "**Not run**: the load test produced no load measurements.", ""]
    lat = load["latency"]
    verdict = "**passed**" if report.get("passed") else "**failed**"
    lines += [
        "| clients | duration | requests | throughput | p50 | p99 | max | errors | mismatches | result |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {o['clients']} | {o['duration_s']:g} s (+{load['drain_s']:.1f} s to finish) | {load['requests']:,} | "
        f"{load['throughput_qps']:.2f} queries/s | {fmt_ms(lat['p50_s'])} | {fmt_ms(lat['p99_s'])} | "
        f"{fmt_ms(lat['max_s'])} | {load['errors']} | {load['mismatches']} | {verdict} |",
        "",
    ]
    facts = [f"longest time with no answer completed: {fmt_s(load.get('longest_gap_s'))}"]
    if load.get("server_peak_rss_mb"):
        facts.append(f"server memory (its process tree, sampled each second): "
                     f"{fmt_mb(server.get('rss_mb_before_load'))} before the load, "
                     f"{fmt_mb(load['server_peak_rss_mb'])} at its peak, "
                     f"{fmt_mb(server.get('rss_mb_after_load'))} after")
    if load.get("client_cpu_s") is not None:
        facts.append(f"client CPU {fmt_s(load['client_cpu_s'])} ({load['client_cpu_share']:.0%} of one core)"
                     + (f", server CPU {fmt_s(load['server_cpu_s'])}" if load.get("server_cpu_s") else ""))
    lines += ["- " + fact for fact in facts]
    if load.get("errors_by_kind"):
        lines.append("- errors by kind: " + ", ".join(f"{k}: {n}" for k, n in load["errors_by_kind"].items()))
    for sample in load.get("error_samples", [])[:5]:
        lines.append(f"- {sample['result']} on `{sample['query']}` at {sample['at_s']} s: {sample['detail'][:200]}")
    for name, reason in (report.get("excluded") or {}).items():
        lines.append(f"- **excluded** `{name}` (no reference answer): {reason[:200]}")
    if load.get("queries_not_run"):
        lines.append("- never ran under load: " + ", ".join(f"`{n}`" for n in load["queries_not_run"]))
    lines += ["", "| query | example | rows | single client | runs | p50 | p99 | errors + mismatches |",
              "|---|---|---:|---:|---:|---:|---:|---:|"]
    reference = report.get("reference", {})
    for name, q in load["per_query"].items():
        ref = reference.get(name, {})
        example = " ".join(f"{k}={v}" for k, v in (ref.get("example") or {}).items())
        lines.append(f"| `{name}` | {example} | {ref.get('rows', '')} | {fmt_ms(ref.get('latency_s'))} | "
                     f"{q['requests']} | {fmt_ms(q['p50_s'])} | {fmt_ms(q['p99_s'])} | "
                     f"{q['errors'] + q['mismatches']} |")
    return [*lines, ""]


def validation_workers_text(ms: list[dict]) -> str:
    """How the run's SPARQL-engine validations used worker processes, for the method paragraph."""
    counts = sorted({m.get("workers") or 1 for m in ms if m["op"].startswith("validate") and m["engine"] == "oxigraph"})
    if counts in ([], [1]):  # runs before the workers existed record none: they validated in one process
        return "The SPARQL engine validated in one process. "
    return (f"The SPARQL engine ran its checks on forked worker processes ({', '.join(map(str, counts))} as "
            "`validate` chose by size, CPUs and free RAM); its peak RSS is the validating process's plus, for "
            "each worker, the largest worker's: an upper bound, as pages the workers still share with it "
            "count in each. ")


def repeats_text(options: dict) -> str:
    """How often the whole-graph tasks ran, for runs that repeated them (older results did not)."""
    runs = options.get("op_runs") or 1
    if runs < 2:
        return ""
    return (f" Export, render and validation run in a fresh subprocess each time, up to {runs} times when the "
            f"first run took under {options['op_repeat_under_s']:.0f} s (once otherwise); the table gives the "
            "median run, and the peak is the largest of the runs.")


def render_markdown(data: dict, notes: str = "", loadtest: dict | None = None) -> str:
    m = data["machine"]
    v = data["versions"]
    lines = [
        "# parkgraph benchmark results",
        "",
        f"Measured {data['date']} by `benchmarks/bench.py` (`make bench`) in one run; "
        "every number in the tables, the targets and the chart comes from that run.",
        "",
        *([f"**Partial results** ({data['partial']}).", ""] if data.get("partial") else []),
        "## Machine and versions",
        "",
        f"- CPU: {m['cpu']}, `nproc` = {m['nproc']}; {m['platform']}",
        "- Memory (`free -h` at the start):",
        "",
        "```",
        m["free"],
        "```",
        "",
        "- " + ", ".join(f"{k} {val}" for k, val in v.items()),
        "",
        "## Method",
        "",
        "Each size is a synthetic graph from `parkgraph synth --triples N --seed 1` (N-Triples), loaded "
        "together with the ontology and the curated data, so the named queries' examples (which name "
        "real entities such as Russia or the SCO) reach into the synthetic parks. Each group of "
        "measurements runs in a fresh subprocess whose peak RSS is the kernel's `ru_maxrss` "
        "(`os.wait4`). A named query runs with its first documented example (labels resolved to "
        f"IRIs beforehand), up to {data['options']['runs']} times or until "
        f"{data['options']['query_budget_s']:.0f} s are spent on it; the table gives the median. A run "
        f"longer than {data['options']['query_timeout_s']:.0f} s is stopped and shown as `timeout`. "
        "Stores: `memory` is parkgraph's rdflib store, `embedded Oxigraph` is `--store oxigraph:PATH`, "
        "`embedded Oxigraph in memory` is `--store oxigraph-memory` (pyoxigraph's in-memory store, loaded "
        "from the files by `ParkGraph.open`; validation does not depend on the store and is not repeated "
        "for it), "
        "`Oxigraph server` is `oxigraph serve` over HTTP through parkgraph's SPARQL store (loading "
        "parses each file with rdflib and posts N-Triples with the Graph Store Protocol). The "
        "references run the same query text with the same parameters: plain rdflib "
        "`Graph().parse` + `graph.query(initBindings=…)`, and raw `pyoxigraph.Store.bulk_load` + "
        "`store.query` (the floor). Validation: `memory` column = the pyshacl engine "
        "(`validate --engine pyshacl`), `embedded Oxigraph` column = the SPARQL engine "
        "(`validate --engine sparql`), `plain rdflib` column = `pyshacl.validate` on a plain "
        "`Graph().parse`; all include parsing or loading the files. "
        f"{validation_workers_text(data['measurements'])}Export = `to_networkx` of the whole "
        "graph; render = "
        f"`to_networkx(focus=<{data['options']['focus']}>, depth=2)` + `write_map`.{repeats_text(data['options'])}",
        "",
        "## Targets (issue 6, point 3)",
        "",
        "| target | measured | met? | note |",
        "|---|---|---|---|",
    ]
    for t in targets(data):
        met = "not determined" if t["met"] is None else ("**met**" if t["met"] else "**missed**")
        lines.append(f"| {t['target']} | {t['measured']} | {met} | {t['note']} |")
    sizes = sorted({x["size"] for x in data["measurements"]})
    if sizes:
        top = min(sizes, key=lambda s: abs(math.log(s / 1_000_000)))
        lines += ["", f"## Summary at about {top:,} triples", "", size_table(data, top, compact=True)]
    if loadtest:
        lines += ["", *loadtest_section(loadtest)]
    lines += ["", notes.strip(), "", "## Tables", ""] if notes.strip() else ["", "## Tables", ""]
    for size in sorted({x["size"] for x in data["measurements"]}):
        lines.append(size_table(data, size))
    lines += ["## Chart", "", "![time against size, log-log](scaling.png)", ""]
    return "\n".join(lines)


CHART_OPS = (
    ("load", "load"),
    ("slowest", "slowest named query (median)"),
    ("validate_shacl", "validate: SHACL"),
    ("export", "networkx export"),
    ("render", "render --focus --depth 2"),
    ("synth", "parkgraph synth"),
)


def chart_png(data: dict) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ms = data["measurements"]
    fig, axes = plt.subplots(2, 3, figsize=(15, 9))
    for ax, (op, title) in zip(axes.flat, CHART_OPS, strict=True):
        for engine in ("synth", *ENGINES):
            points = []
            for size in sorted({m["size"] for m in ms}):
                m = slowest_query(ms, size, engine) if op == "slowest" else find(ms, size, engine, op)
                if m and m.get("seconds") and m.get("status") == "ok":
                    points.append((m["triples"], m["seconds"]))
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, marker="o", label=ENGINE_TITLES.get(engine, engine))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("triples")
        ax.set_ylabel("seconds")
        ax.grid(True, which="both", alpha=0.3)
        if ax.lines:
            xs = [x for line in ax.lines for x in line.get_xdata()]
            lo, hi = min(xs), max(xs)
            ys = [y for line in ax.lines for y in line.get_ydata()]
            if lo < hi:  # a dotted line of slope 1 for reference: linear growth
                y0 = min(ys)
                ax.plot([lo, hi], [y0, y0 * hi / lo], linestyle=":", color="grey", label="linear (slope 1)")
            ax.legend(fontsize=7)
    fig.suptitle(f"parkgraph: time against graph size (log-log), {data['date']}")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


def write_outputs(data: dict, out: Path, notes: str = "", loadtest: dict | None = None) -> None:
    from parkgraph.atomic import atomic_write

    out.mkdir(parents=True, exist_ok=True)
    with atomic_write(out / "results.json") as handle:
        json.dump(data, handle, indent=1, ensure_ascii=False)
    with atomic_write(out / "RESULTS.md") as handle:
        handle.write(render_markdown(data, notes, loadtest))
    with atomic_write(out / "scaling.png", "wb", encoding=None) as handle:
        handle.write(chart_png(data))


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "worker":
        return worker_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(DEFAULT_SIZES),
                        help="approximate sizes in triples, every store and reference")
    parser.add_argument("--big-sizes", type=int, nargs="*", default=list(DEFAULT_BIG_SIZES),
                        help="sizes for the embedded Oxigraph stores and the raw floor only (none: no value)")
    parser.add_argument("--engines", nargs="*", choices=ENGINES, help="only these stores/references")
    parser.add_argument("--runs", type=int, default=5, help="runs per named query (median)")
    parser.add_argument("--query-budget", type=float, default=10.0, help="seconds per query before fewer runs")
    parser.add_argument("--query-timeout", type=float, default=60.0, help="a single query stops after this")
    parser.add_argument("--big-query-timeout", type=float, default=30.0, help="the same at --big-sizes")
    parser.add_argument("--task-timeout", type=float, default=1800.0, help="a worker is killed after this")
    parser.add_argument("--no-partial", action="store_true", help="write the outputs only at the end")
    parser.add_argument("--pyshacl-timeout", type=float, default=900.0,
                        help="a pyshacl (memory or plain rdflib) validation worker is killed after this")
    parser.add_argument("--plain-pyshacl-max", type=int, default=200_000,
                        help="largest graph plain rdflib + pyshacl is validated on")
    parser.add_argument("--owlrl-max", type=int, default=20_000,
                        help="largest graph the pyshacl engine's owlrl consistency check runs on")
    parser.add_argument("--network-at-big", action="store_true", help="also export/render at --big-sizes")
    parser.add_argument("--op-runs", type=int, default=3,
                        help="runs of a whole-graph task (export, render, validation) whose first run is short "
                        "(median)")
    parser.add_argument("--op-repeat-under", type=float, default=60.0,
                        help="a whole-graph task runs again only while its first run took less (seconds)")
    parser.add_argument("--load-rounds", type=int, default=3,
                        help="rounds of raw and parkgraph loads side by side at --sizes (0: none)")
    parser.add_argument("--out", type=Path, default=HERE, help="where RESULTS.md, results.json, scaling.png go")
    parser.add_argument("--workdir", type=Path, help="where synthetic files and stores go (default: a temp dir)")
    parser.add_argument("--keep-workdir", action="store_true")
    parser.add_argument("--notes", type=Path, help="Markdown inserted after the targets table")
    parser.add_argument("--from-json", type=Path, help="only re-write RESULTS.md and the chart from a results.json "
                        "(with the Load test section when a loadtest.json sits beside it)")
    opts = parser.parse_args(argv)
    notes = opts.notes.read_text(encoding="utf-8") if opts.notes else ""
    if opts.from_json:
        write_outputs(json.loads(opts.from_json.read_text(encoding="utf-8")), opts.out, notes,
                      read_loadtest(opts.from_json.parent, opts.out))
        return 0
    bench = Bench(opts)
    data = bench.run()
    write_outputs(data, opts.out, notes)
    bench.log(f"wrote {opts.out / 'RESULTS.md'}, results.json and scaling.png")
    return 0


def worker_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answer", required=True)
    parser.add_argument("--task", required=True)
    parser.add_argument("--engine", required=True)
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--files", nargs="+", required=True)
    parser.add_argument("--store-dir")
    parser.add_argument("--params")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--query-budget", type=float, default=20.0)
    parser.add_argument("--query-timeout", type=float, default=120.0)
    parser.add_argument("--focus", default="")
    args = parser.parse_args(argv)
    data = worker(args)
    Path(args.answer).write_text(json.dumps(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
