"""A bounded load test of `parkgraph serve`: concurrent clients run the named queries and check every answer.

The server is a black box: it is started through the CLI in a subprocess of its own session
(`parkgraph serve --store … --port 0` plus any --serve-arg), its URL read from the first line it
prints, and it is spoken to only over HTTP (SPARQL 1.1 Protocol, POST form, JSON results).

1. Every example of every named query (`# example:` lines in queries/*.rq) becomes one concrete
   query text: labels are resolved against the served graph itself (through parkgraph's remote
   store) and the parameters written in as a VALUES block (`parkgraph.binding.inject_values`).
2. Reference pass: one client runs each query once. Its answer, as a canonical sorted list of
   bindings, is the reference; a query whose reference fails is left out of the load and reported.
3. Load: N client threads (one `requests.Session` each) run the queries for D seconds, each going
   round its own shuffled order of them. Every answer is checked against the reference: the
   body's hash first (cheap), the canonical bindings when the hash is new, so the client stays
   light. Non-200 answers, connection errors and time-outs are errors; a differing answer is a
   mismatch. No client starts a query after D seconds; those running then are waited for.
4. Report: throughput, p50/p99 latency overall and per query, errors and mismatches, completions
   per second and the longest gap without one (stalls), the server's memory (its process tree,
   sampled from /proc) and CPU, the client's own CPU; as JSON (--out) and a summary on stdout.
   The exit status is 0 only with no errors, no mismatches and every reference answered.

The server is always stopped (SIGINT, then SIGTERM, then SIGKILL to its process group), also on
Ctrl-C or failure.

    python benchmarks/loadtest.py --synth 1000000 --clients 8 --duration 30 --out benchmarks/loadtest.json
    python benchmarks/loadtest.py --store oxigraph:/path/to/store --serve-arg=--workers=4
    python benchmarks/loadtest.py --store memory --clients 4 --duration 5      # the curated graph
"""

from __future__ import annotations

import argparse
import datetime as dt
import faulthandler
import hashlib
import json
import math
import os
import platform
import queue
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests

if TYPE_CHECKING:
    from rdflib.term import Node

    from parkgraph.results import QueryResult

SELECT_JSON = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
URL_IN_BANNER = re.compile(r"https?://[^\s()]+")
TRIPLES_IN_BANNER = re.compile(r"([\d,]+) triples")
STORE_COMPLETE = ".complete"  # the marker next to a store --synth finished loading (so a --workdir is reused)
ERROR_SAMPLES = 20  # error messages kept in the report, the first ones seen

Canonical = tuple[Any, ...]


# --------------------------------------------------------------------------------------------
# Answers: canonical form and comparison with the reference
# --------------------------------------------------------------------------------------------


def term_key(term: dict[str, str]) -> tuple[str, ...]:
    """One SPARQL JSON term as a comparable tuple; blank nodes compare equal (their labels are per answer)."""
    kind = term.get("type", "")
    if kind == "bnode":
        return ("bnode",)
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in term:
            return ("literal", term.get("value", ""), "@" + term["xml:lang"].lower())
        datatype = term.get("datatype", "")
        return ("literal", term.get("value", ""), "" if datatype == XSD_STRING else datatype)
    return (kind, term.get("value", ""))


def canonical(answer: dict[str, Any]) -> Canonical:
    """A SPARQL JSON answer as ("ask", bool) or ("select", vars, sorted bindings), for order-free comparison."""
    if "boolean" in answer:
        return ("ask", bool(answer["boolean"]))
    variables = tuple(answer.get("head", {}).get("vars", []))
    rows = sorted(
        tuple(sorted((name, term_key(term)) for name, term in binding.items()))
        for binding in answer.get("results", {}).get("bindings", [])
    )
    return ("select", variables, tuple(rows))


def canonical_body(body: bytes) -> Canonical:
    """The canonical form of an HTTP body holding SPARQL JSON results."""
    return canonical(json.loads(body))


def answer_size(answer: Canonical) -> int:
    """Rows of a canonical SELECT answer, 1/0 for ASK."""
    return int(answer[1]) if answer[0] == "ask" else len(answer[2])


def digest(body: bytes) -> bytes:
    """A short hash of an answer's bytes (the fast path of the comparison)."""
    return hashlib.blake2b(body, digest_size=16).digest()


class Comparer:
    """The reference answers, and the check of an answer against its query's reference.

    An answer whose bytes hash like one already found equal is equal; any other is parsed and
    compared as canonical bindings (then its hash is remembered when it matched). Thread-safe.
    """

    def __init__(self) -> None:
        self.references: dict[str, Canonical] = {}
        self._good: dict[str, set[bytes]] = {}
        self._lock = threading.Lock()

    def set_reference(self, name: str, body: bytes) -> Canonical:
        """Take `body` (SPARQL JSON) as the reference answer of query `name`; returns its canonical form."""
        answer = canonical_body(body)
        with self._lock:
            self.references[name] = answer
            self._good[name] = {digest(body)}
        return answer

    def set_canonical(self, name: str, answer: Canonical) -> None:
        """Take an already canonical answer as the reference of `name` (no known-good bytes yet)."""
        with self._lock:
            self.references[name] = answer
            self._good[name] = set()

    def matches(self, name: str, body: bytes) -> bool:
        """True when `body` gives the same bindings as the reference of `name`."""
        key = digest(body)
        with self._lock:
            if key in self._good.get(name, ()):
                return True
            reference = self.references[name]
        try:
            same = canonical_body(body) == reference
        except (ValueError, TypeError, AttributeError):
            return False
        if same:
            with self._lock:
                self._good[name].add(key)
        return same


# --------------------------------------------------------------------------------------------
# The queries
# --------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One named query example as a concrete SPARQL text, and the HTTP body that asks it."""

    name: str
    query: str
    example: dict[str, str]
    body: bytes = b""

    def __post_init__(self) -> None:
        self.body = urlencode({"query": self.query}).encode("ascii")


def prepare_cases(
    url: str, examples: str = "all", only: Sequence[str] = (),
) -> tuple[list[Case], dict[str, str]]:
    """Each named query's examples (all, or the first) as concrete queries; labels resolved on the served graph.

    Returns the cases and the examples that could not be bound (name -> reason).
    """
    from parkgraph import ParkGraph
    from parkgraph.binding import inject_values
    from parkgraph.errors import ParkgraphError
    from parkgraph.named import all_queries

    remote = ParkGraph.open(url)
    resolved: dict[tuple[str, tuple[tuple[str, str], ...]], QueryResult] = {}

    def resolve(query: str, bindings: Mapping[str, Node]) -> QueryResult:
        """The served graph's answer, once per label (a label look-up scans every label: seconds at 1M)."""
        key = (query, tuple(sorted((name, term.n3()) for name, term in bindings.items())))
        if key not in resolved:
            resolved[key] = remote.sparql(query, bindings)
        return resolved[key]

    cases: list[Case] = []
    failed: dict[str, str] = {}
    for named in all_queries():
        if only and named.name not in only:
            continue
        chosen = list(named.examples) or [{}]
        if examples == "first":
            chosen = chosen[:1]
        for index, example in enumerate(chosen):
            name = f"{named.name}[{index}]"
            try:
                bindings = named.bind(example, resolve=resolve)
                cases.append(Case(name, inject_values(named.text, bindings), dict(example)))
            except ParkgraphError as exc:
                failed[name] = f"cannot bind {example}: {exc}"
    return cases, failed


# --------------------------------------------------------------------------------------------
# The server: `parkgraph serve` in a subprocess of its own session
# --------------------------------------------------------------------------------------------


def parkgraph_command() -> list[str]:
    """The `parkgraph` CLI next to this Python (the virtualenv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("parkgraph")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("parkgraph")
    if found:
        return [found]
    raise SystemExit("the parkgraph command is missing: pip install -e . installs it")


def tree_usage(root: int) -> tuple[float, float] | None:
    """RSS (MB) and CPU time (s) of process `root` and its descendants, from /proc; None without it."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    parents: dict[int, int] = {}
    usage: dict[int, tuple[int, int]] = {}
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid = int(entry)
        # fields[0] is field 3 of proc(5): ppid is field 4, utime 14, stime 15, rss (pages) 24
        parents[pid] = int(fields[1])
        usage[pid] = (int(fields[21]), int(fields[11]) + int(fields[12]))
    if root not in usage:
        return None
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    page, tick = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
    rss = sum(usage[pid][0] for pid in tree) * page / 2**20
    cpu = sum(usage[pid][1] for pid in tree) / tick
    return rss, cpu


class Server:
    """`parkgraph serve --store STORE --port 0 [extra args]`: started, watched and always stopped."""

    def __init__(self, store: str, serve_args: Sequence[str] = (), startup_timeout: float = 300.0) -> None:
        self.command = [*parkgraph_command(), "serve", "--store", store, "--port", "0", *serve_args]
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.banner = ""
        self.startup_s = 0.0
        self.output: list[str] = []  # what the server printed on stdout (bounded)
        self.stopped: dict[str, Any] = {}
        self._stderr: IO[bytes] | None = None

    def start(self) -> str:
        """Start the server and wait for its banner; returns the endpoint URL."""
        self._stderr = tempfile.TemporaryFile()
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            self.command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
            start_new_session=True,  # Ctrl-C in the terminal reaches only the load tester, which stops it
        )
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._drain, args=(lines,), daemon=True).start()
        deadline = started + self.startup_timeout
        while True:
            try:
                line = lines.get(timeout=max(0.0, min(1.0, deadline - time.perf_counter())))
            except queue.Empty:
                line = ""
            if line is None:
                raise RuntimeError(f"the server exited before it was ready: {self.stderr_tail() or 'no output'}")
            found = URL_IN_BANNER.search(line or "")
            if found:
                self.url, self.banner = found.group(0), line.strip()
                self.startup_s = time.perf_counter() - started
                return self.url
            if time.perf_counter() > deadline:
                raise RuntimeError(f"the server printed no URL within {self.startup_timeout:.0f} s: "
                                   f"{' | '.join(self.output[-5:])} {self.stderr_tail()}")

    def _drain(self, lines: queue.Queue[str | None]) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for raw in self.proc.stdout:
            text = raw.decode("utf-8", errors="replace").rstrip("\n")
            if len(self.output) < 1000:
                self.output.append(text)
            lines.put(text)
        lines.put(None)

    def triples(self) -> int | None:
        """The triple count the banner announced, if it says one."""
        found = TRIPLES_IN_BANNER.search(self.banner)
        return int(found.group(1).replace(",", "")) if found else None

    def usage(self) -> tuple[float, float] | None:
        """The server's process tree now: RSS in MB and CPU seconds."""
        return tree_usage(self.proc.pid) if self.proc and self.proc.poll() is None else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stderr_tail(self, limit: int = 3000) -> str:
        """The end of what the server wrote on stderr."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - limit))
        return self._stderr.read().decode("utf-8", errors="replace").strip()

    def stop(self, grace: float = 10.0) -> dict[str, Any]:
        """Stop the server (SIGINT, SIGTERM, SIGKILL to its process group); its exit status, peak RSS and CPU."""
        if self.proc is None or self.stopped:
            return self.stopped
        pid = self.proc.pid
        ran_before = self.proc.poll() is not None
        status, rusage = None, None
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            if status is None:
                try:
                    os.killpg(pid, sig)
                except ProcessLookupError:
                    pass
            until = time.monotonic() + grace
            while status is None and time.monotonic() < until:
                try:
                    done, raw, usage = os.wait4(pid, os.WNOHANG)
                except ChildProcessError:  # already reaped (poll() above)
                    status = self.proc.returncode if self.proc.returncode is not None else 0
                    break
                if done:
                    status, rusage = os.waitstatus_to_exitcode(raw), usage
                    self.proc.returncode = status
                    break
                time.sleep(0.05)
            if status is not None:
                break
        try:
            os.killpg(pid, signal.SIGKILL)  # anything it left behind (worker processes)
        except ProcessLookupError:
            pass
        self.stopped = {
            "exit_status": status,
            "died_before_stop": ran_before,
            "peak_rss_mb_wait4": rusage.ru_maxrss / 1024 if rusage else None,
            "cpu_s": rusage.ru_utime + rusage.ru_stime if rusage else None,
            "stderr_tail": self.stderr_tail(),
        }
        if self._stderr is not None:
            self._stderr.close()
        return self.stopped

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One request: which query, when it started (s after the load began), how long it took, how it ended."""

    case: str
    started: float
    latency: float
    result: str  # "ok", "mismatch", "http 500", "connection: ReadTimeout", …
    detail: str = ""


def ask(session: requests.Session, url: str, case: Case, timeout: float) -> tuple[int | None, bytes, str]:
    """POST one query; (status, body, error) where error names a connection failure."""
    headers = {"Content-Type": FORM, "Accept": SELECT_JSON}
    try:
        response = session.post(url, data=case.body, headers=headers, timeout=(10, timeout))
        return response.status_code, response.content, ""
    except requests.RequestException as exc:
        return None, b"", f"connection: {type(exc).__name__}"


def judge(comparer: Comparer, case: Case, status: int | None, body: bytes, error: str) -> tuple[str, str]:
    """What one answer counts as (ok, mismatch or an error) and a short detail."""
    if error:
        return error, ""
    if status != 200:
        return f"http {status}", body[:300].decode("utf-8", errors="replace").strip()
    if not comparer.matches(case.name, body):
        return "mismatch", f"{len(body)} bytes"
    return "ok", ""


def client_loop(
    url: str, cases: Sequence[Case], comparer: Comparer, deadline: float, began: float, timeout: float,
    order: Sequence[int], stop: threading.Event, out: list[Outcome],
) -> None:
    """One client: its own session, round its own order of the queries until the deadline (or stop)."""
    with requests.Session() as session:
        turn = 0
        while not stop.is_set() and time.perf_counter() < deadline:
            case = cases[order[turn % len(order)]]
            turn += 1
            start = time.perf_counter()
            status, body, error = ask(session, url, case, timeout)
            latency = time.perf_counter() - start
            result, detail = judge(comparer, case, status, body, error)
            out.append(Outcome(case.name, start - began, latency, result, detail))


@dataclass
class LoadRun:
    """What the clients did: every request's outcome, the wall time, the client's CPU, server samples."""

    outcomes: list[Outcome]
    elapsed_s: float
    client_cpu_s: float
    server_samples: list[tuple[float, float, float]] = field(default_factory=list)  # (t, rss MB, cpu s)


def run_load(
    url: str, cases: Sequence[Case], comparer: Comparer, clients: int, duration: float, timeout: float = 300.0,
    seed: int = 1, server: Server | None = None,
) -> LoadRun:
    """`clients` threads asking `cases` for `duration` seconds; samples the server's memory once a second."""
    rng = random.Random(seed)
    orders = []
    for _ in range(clients):
        order = list(range(len(cases)))
        rng.shuffle(order)
        orders.append(order)
    results: list[list[Outcome]] = [[] for _ in range(clients)]
    stop = threading.Event()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    began = time.perf_counter()
    deadline = began + duration
    threads = [
        threading.Thread(
            target=client_loop, name=f"client-{k}", daemon=True,
            args=(url, cases, comparer, deadline, began, timeout, orders[k], stop, results[k]),
        )
        for k in range(clients)
    ]
    samples: list[tuple[float, float, float]] = []
    next_sample = began
    try:
        for thread in threads:
            thread.start()
        while alive := [thread for thread in threads if thread.is_alive()]:
            now = time.perf_counter()
            if server is not None and now >= next_sample:
                usage = server.usage()
                if usage:
                    samples.append((now - began, *usage))
                next_sample = now + 1.0
            alive[0].join(0.1)
    finally:
        stop.set()
    elapsed = time.perf_counter() - began
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    outcomes = sorted((o for part in results for o in part), key=lambda o: o.started)
    return LoadRun(outcomes, elapsed, cpu, samples)


def reference_pass(
    url: str, cases: Sequence[Case], comparer: Comparer, timeout: float = 300.0,
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """One client asks each query once; answers become the references. Returns per-query facts and failures."""
    facts: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    with requests.Session() as session:
        for case in cases:
            start = time.perf_counter()
            status, body, error = ask(session, url, case, timeout)
            latency = time.perf_counter() - start
            if error or status != 200:
                failed[case.name] = error or f"http {status}: {body[:300].decode('utf-8', errors='replace').strip()}"
                continue
            try:
                answer = comparer.set_reference(case.name, body)
            except (ValueError, TypeError, AttributeError) as exc:
                failed[case.name] = f"unreadable answer: {type(exc).__name__}: {exc}"
                continue
            facts[case.name] = {"rows": answer_size(answer), "bytes": len(body), "latency_s": latency,
                                "example": case.example}
    return facts, failed


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank p-th percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_stats(values: Sequence[float]) -> dict[str, float | None]:
    """p50, p90, p99, max and mean of latencies in seconds."""
    return {
        "p50_s": percentile(values, 50),
        "p90_s": percentile(values, 90),
        "p99_s": percentile(values, 99),
        "max_s": max(values) if values else None,
        "mean_s": sum(values) / len(values) if values else None,
    }


def summarize(run: LoadRun, duration: float, names: Sequence[str]) -> dict[str, Any]:
    """The load run's numbers: totals, throughput, latency, errors, per query, per second, longest stall."""
    outcomes = run.outcomes
    ok = [o for o in outcomes if o.result == "ok"]
    mismatches = [o for o in outcomes if o.result == "mismatch"]
    errors = [o for o in outcomes if o.result not in ("ok", "mismatch")]
    finished = sorted(o.started + o.latency for o in outcomes)
    gaps = [b - a for a, b in zip([0.0, *finished], finished, strict=False)]
    per_second = Counter(int(t) for t in finished)
    per_query: dict[str, dict[str, Any]] = {}
    for name in names:
        mine = [o for o in outcomes if o.case == name]
        good = [o.latency for o in mine if o.result == "ok"]
        per_query[name] = {
            "requests": len(mine),
            "ok": len(good),
            "mismatches": sum(o.result == "mismatch" for o in mine),
            "errors": sum(o.result not in ("ok", "mismatch") for o in mine),
            **latency_stats(good),
        }
    samples = [{"t_s": round(t, 1), "rss_mb": round(rss, 1), "cpu_s": round(cpu, 2)}
               for t, rss, cpu in run.server_samples]
    server_cpu = run.server_samples[-1][2] - run.server_samples[0][2] if len(run.server_samples) > 1 else None
    return {
        "duration_s": duration,
        "elapsed_s": run.elapsed_s,
        "drain_s": max(0.0, run.elapsed_s - duration),
        "requests": len(outcomes),
        "ok": len(ok),
        "errors": len(errors),
        "mismatches": len(mismatches),
        "throughput_qps": len(outcomes) / run.elapsed_s if run.elapsed_s else None,
        "ok_throughput_qps": len(ok) / run.elapsed_s if run.elapsed_s else None,
        "latency": latency_stats([o.latency for o in ok]),
        "errors_by_kind": dict(Counter(o.result for o in errors)),
        "error_samples": [{"query": o.case, "at_s": round(o.started, 3), "result": o.result, "detail": o.detail}
                          for o in [*errors, *mismatches][:ERROR_SAMPLES]],
        "per_query": per_query,
        "queries_not_run": [name for name in names if not per_query[name]["requests"]],
        "completions_per_second": [per_second.get(s, 0) for s in range(int(finished[-1]) + 1)] if finished else [],
        "longest_gap_s": max(gaps) if gaps else None,
        "client_cpu_s": run.client_cpu_s,
        "client_cpu_share": run.client_cpu_s / run.elapsed_s if run.elapsed_s else None,
        "server_cpu_s": server_cpu,
        "server_samples": samples,
        "server_peak_rss_mb": max((s["rss_mb"] for s in samples), default=None),
    }


def machine() -> dict[str, Any]:
    """The machine the test ran on: CPU, cores, memory, load average at the start."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory_gb = None
    return {
        "cpu": model or platform.processor(),
        "nproc": os.cpu_count(),
        "memory_gb": round(memory_gb, 1) if memory_gb else None,
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
    }


def versions() -> dict[str, str]:
    """Python and the packages the served store depends on."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for package in ("parkgraph", "rdflib", "pyoxigraph", "requests"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def fmt_ms(seconds: float | None) -> str:
    """Seconds as milliseconds for the summary (– when unknown)."""
    return "–" if seconds is None else f"{seconds * 1000:.1f} ms"


def print_summary(report: dict[str, Any]) -> None:
    """The numbers that matter, on stdout."""
    load = report.get("load") or {}
    options = report["options"]
    print(f"parkgraph serve on {options['store_title']}: {options['clients']} clients × {options['duration_s']:g} s")
    for name, reason in report["excluded"].items():
        print(f"  EXCLUDED {name}: {reason}")
    if not load:
        return
    lat = load["latency"]
    print(f"  {load['requests']} requests in {load['elapsed_s']:.1f} s: {load['throughput_qps']:.1f} queries/s; "
          f"latency p50 {fmt_ms(lat['p50_s'])}, p99 {fmt_ms(lat['p99_s'])}, max {fmt_ms(lat['max_s'])}")
    kinds = f" {load['errors_by_kind']}" if load["errors_by_kind"] else ""
    print(f"  errors {load['errors']}{kinds}, mismatches {load['mismatches']}, "
          f"longest gap without an answer {load['longest_gap_s'] or 0:.2f} s, "
          f"client CPU {load['client_cpu_s']:.1f} s, server peak RSS {load['server_peak_rss_mb'] or 0:.0f} MB")
    if load["queries_not_run"]:
        print(f"  {len(load['queries_not_run'])} of {len(load['per_query'])} queries never ran under load "
              "(their turn did not come within the duration)")
    for sample in load["error_samples"][:5]:
        print(f"  {sample['result']} on {sample['query']} at {sample['at_s']} s: {sample['detail'][:200]}")
    width = max((len(n) for n in load["per_query"]), default=10)
    for name, q in load["per_query"].items():
        rows = report["reference"].get(name, {}).get("rows")
        print(f"    {name:<{width}} {q['requests']:>5} runs  p50 {fmt_ms(q['p50_s']):>11}  "
              f"p99 {fmt_ms(q['p99_s']):>11}  rows {rows}")
    print("PASSED" if report["passed"] else "FAILED")


# --------------------------------------------------------------------------------------------
# The whole test
# --------------------------------------------------------------------------------------------


def build_synth_store(triples: int, workdir: Path) -> Path:
    """An Oxigraph store of the ontology, the curated data and `parkgraph synth --triples N` (reused if complete)."""
    from parkgraph import paths

    store = workdir / f"store-synth-{triples}"
    complete = workdir / f"store-synth-{triples}{STORE_COMPLETE}"
    if store.is_dir() and complete.exists():
        return store
    shutil.rmtree(store, ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    nt = workdir / f"synth-{triples}.nt"
    cli = parkgraph_command()
    try:
        subprocess.run([*cli, "synth", "--triples", str(triples), "-o", str(nt)], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([*cli, "load", "--store", f"oxigraph:{store}", *map(str, paths.default_files()), str(nt)],
                       check=True, stdout=subprocess.DEVNULL)
    finally:
        nt.unlink(missing_ok=True)
    complete.touch()
    return store


def log(text: str) -> None:
    """A progress line on stderr."""
    print(f"[{dt.datetime.now():%H:%M:%S}] {text}", file=sys.stderr, flush=True)


@contextmanager
def working_directory(given: Path | None) -> Iterator[Path]:
    """The --workdir (kept), or a temporary directory removed afterwards."""
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    temporary = Path(tempfile.mkdtemp(prefix="parkgraph-loadtest-"))
    try:
        yield temporary
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def loadtest(opts: argparse.Namespace) -> dict[str, Any]:
    """Start the server, prepare and reference the queries, run the load; the report (the server is stopped)."""
    report: dict[str, Any] = {
        "tool": "benchmarks/loadtest.py",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions(),
        "options": {
            "clients": opts.clients, "duration_s": opts.duration, "store": opts.store, "synth_triples": opts.synth,
            "serve_args": list(opts.serve_arg), "examples": opts.examples, "queries": list(opts.queries),
            "seed": opts.seed, "request_timeout_s": opts.request_timeout,
            "store_title": opts.store or f"Oxigraph store of the {opts.synth:,}-triple synthetic graph",
        },
        "excluded": {},
        "reference": {},
        "load": None,
        "passed": False,
    }
    with working_directory(opts.workdir) as workdir:
        store = opts.store
        if not store:
            log(f"the Oxigraph store of the {opts.synth:,}-triple synthetic graph in {workdir} (built once)")
            store = f"oxigraph:{build_synth_store(opts.synth, workdir)}"
        server = Server(store, opts.serve_arg, opts.startup_timeout)
        report["server"] = {"command": server.command}
        try:
            log(f"starting: {' '.join(server.command)}")
            url = server.start()
            pid = server.proc.pid if server.proc else None
            report["server"].update(url=url, banner=server.banner, triples=server.triples(),
                                    startup_s=server.startup_s, pid=pid)
            log(f"server pid {pid}: {server.banner}")
            cases, unbound = prepare_cases(url, opts.examples, opts.queries)
            report["excluded"].update(unbound)
            comparer = Comparer()
            log(f"reference pass: {len(cases)} queries, one client")
            started = time.perf_counter()
            facts, failed = reference_pass(url, cases, comparer, opts.request_timeout)
            report["reference"] = facts
            report["reference_s"] = time.perf_counter() - started
            report["excluded"].update(failed)
            active = [case for case in cases if case.name in facts]
            usage = server.usage()
            report["server"]["rss_mb_before_load"] = usage[0] if usage else None
            if not active:
                raise RuntimeError("no query has a reference answer: " + json.dumps(report["excluded"])[:2000])
            log(f"load: {opts.clients} clients × {opts.duration:g} s over {len(active)} queries")
            run = run_load(url, active, comparer, opts.clients, opts.duration, opts.request_timeout, opts.seed,
                           server)
            report["load"] = summarize(run, opts.duration, [case.name for case in active])
            usage = server.usage()
            report["server"]["rss_mb_after_load"] = usage[0] if usage else None
            report["server"]["alive_after_load"] = server.alive()
        finally:
            report["server"].update(server.stop())
    load = report["load"]
    # Passing: answers only, all correct. Coverage (queries_not_run) is reported, not judged: on a big graph
    # a few slow queries can fill the whole duration.
    report["passed"] = bool(
        load and load["requests"] and not load["errors"] and not load["mismatches"] and not report["excluded"]
    )
    return report


def write_report(report: dict[str, Any], path: Path) -> None:
    """The report as JSON, written atomically."""
    from parkgraph.atomic import atomic_write

    with atomic_write(path) as handle:
        json.dump(report, handle, indent=1, ensure_ascii=False)
        handle.write("\n")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--store", help="the store to serve, as `parkgraph serve --store` takes it "
                       "(oxigraph:DIR, memory, http(s)://…)")
    where.add_argument("--synth", type=int, default=1_000_000,
                       help="without --store: serve an Oxigraph store of ontology + curated data + "
                       "`parkgraph synth --triples N`, built in --workdir")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (threads, one HTTP session each)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds during which clients start queries")
    parser.add_argument("--serve-arg", action="append", default=[], metavar="ARG",
                        help="an extra argument for `parkgraph serve`, repeatable; write --serve-arg=--workers=4")
    parser.add_argument("--examples", choices=("all", "first"), default="all",
                        help="every `# example:` of each named query, or only its first")
    parser.add_argument("--queries", nargs="*", default=[], metavar="NAME", help="only these named queries")
    parser.add_argument("--seed", type=int, default=1, help="seed of each client's order of the queries")
    parser.add_argument("--request-timeout", type=float, default=300.0, help="a request with no answer after "
                        "this many seconds counts as an error")
    parser.add_argument("--startup-timeout", type=float, default=300.0, help="seconds the server may take to start")
    parser.add_argument("--workdir", type=Path, help="where --synth builds (and reuses) its store; default: a "
                        "temporary directory, removed afterwards")
    parser.add_argument("--out", type=Path, help="write the report here as JSON")
    opts = parser.parse_args(argv)
    if opts.store:
        opts.synth = None
    if opts.clients < 1 or opts.duration <= 0:
        parser.error("--clients must be at least 1 and --duration positive")
    return opts


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load test; 0 when it passed, 1 when it did not, 2 when it could not run, 130 on Ctrl-C."""
    opts = parse_args(argv)
    if hasattr(signal, "SIGUSR1"):  # `kill -USR1 PID` prints where every thread is, without stopping the run
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        report = loadtest(opts)
    except KeyboardInterrupt:
        log("interrupted; the server is stopped")
        return 130
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        log(f"the load test could not run: {exc}")
        return 2
    if opts.out:
        write_report(report, opts.out)
        log(f"wrote {opts.out}")
    print_summary(report)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
