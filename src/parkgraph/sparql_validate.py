"""The fast validation engine: SHACL shapes compiled to SPARQL and OWL disjointness, both run on Oxigraph.

It reports the same Problems as the pyshacl/owlrl engine in `parkgraph.validate` (tests prove it on
planted violations), without building an rdflib graph of the data: the files are loaded
into a throw-away in-memory pyoxigraph store (4-8 times faster to query than the on-disk
OxigraphStore, and nothing to clean up) and every check is a query.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Node

from parkgraph.loading import OXIGRAPH_REMOTE_CONTEXT, oxigraph_source, remote_context_refused
from parkgraph.namespaces import bind_prefixes
from parkgraph.parallel import auto_workers, resident_bytes, run_forked, worker_count
from parkgraph.shacl_sparql import CompiledConstraint, compile_shapes
from parkgraph.sparql import internal_query
from parkgraph.stores.oxigraph import bulk_format, has_named_graphs, position, to_oxigraph, to_rdflib, triple_count
from parkgraph.validate import (
    Problem,
    SubjectLines,
    ValidationReport,
    check_consistency,
    disjointness_problem,
    load_shapes,
    shacl_problem,
    sort_problems,
)

T = TypeVar("T")

# Below this size forking the workers costs more than the checks they would share (the curated
# data's ~1,100 triples validate in a fifth of a second).
PARALLEL_FROM_TRIPLES = 50_000


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result, as the compiled query returns it."""

    focus: Node
    path: URIRef | None
    value: Node | None
    source_shape: Node
    message: str


def load_files(store: ox.Store, files: Sequence[Path]) -> list[Problem]:
    """Load each file; a file that does not parse gives a syntax Problem with its line.

    Oxigraph's transactional `load`, not `bulk_load`: into an in-memory store it took a fifth less
    time at 10 million triples and grew less steeply with size (benchmarks/notes.md).
    """
    problems = []
    for path in files:
        path = Path(path)
        fmt = bulk_format(path, "the SPARQL validation engine", ", or --engine pyshacl")
        try:
            with oxigraph_source(path) as source:
                store.load(format=fmt, **source)
        except SyntaxError as exc:
            if OXIGRAPH_REMOTE_CONTEXT in str(exc):  # refused, as the pyshacl engine's reader refuses it
                raise remote_context_refused(path) from None
            line, column = position(str(exc))
            problems.append(
                Problem("syntax", f"not valid RDF: {exc.msg}", file=str(path), line=line or exc.lineno, column=column)
            )
    return problems


def select(store: ox.Store, query: str, **bindings: Node) -> list[dict[str, Node | None]]:
    """Rows of a SELECT query as dicts of rdflib terms, with `bindings` substituted."""
    subs = {ox.Variable(k): to_oxigraph(v) for k, v in bindings.items()}
    solutions = store.query(query, substitutions=subs or None, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{name: to_rdflib(solution[name]) for name in names} for solution in solutions]


def run_constraints(store: ox.Store, compiled: Sequence[CompiledConstraint], *, distinct: bool = False
                    ) -> list[Violation]:
    """Run every compiled constraint on `store`; one Violation per result row.

    With `distinct`, a constraint's repeated rows count once: Oxigraph's union of the graphs (up to
    0.5.13, its issue #1919) gives a value once per graph holding the triple, where pyshacl reports
    one result. Only a constraint's own rows are merged: two constraints of one shape may report the
    same node and value, and pyshacl reports both.
    """
    violations = []
    for constraint in compiled:
        rows = [Violation(row["focus"], constraint.path, row.get("value"), constraint.shape, constraint.message)
                for row in select(store, constraint.query)]
        violations += dict.fromkeys(rows) if distinct else rows
    return violations


def label_graph(store: ox.Store, nodes: set[Node]) -> Graph:
    """A small rdflib graph with the labels of `nodes`, enough for display_label."""
    graph = bind_prefixes(Graph())
    for node in nodes:
        if not isinstance(node, URIRef):
            continue
        for prop in (RDFS.label, SKOS.prefLabel):
            for quad in store.quads_for_pattern(to_oxigraph(node), to_oxigraph(prop), None):
                graph.add((node, prop, to_rdflib(quad.object)))
    return graph


def to_problems(violations: Sequence[Violation], labels: Graph, lines: SubjectLines) -> list[Problem]:
    """The same Problems `check_shacl` builds from pyshacl's report."""
    return sort_problems([shacl_problem(labels, v.focus, v.path, v.message, v.value, lines) for v in violations])


def shacl_problems(store: ox.Store, violations: Sequence[Violation], lines: SubjectLines) -> list[Problem]:
    """The SHACL Problems of `violations`, labelled from the store."""
    return to_problems(violations, label_graph(store, {v.focus for v in violations}), lines)


def same_as_groups(store: ox.Store) -> dict[str, set[str]]:
    """Each node with an owl:sameAs link -> the set of all nodes it is the same as (N-Triples strings)."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for solution in store.query(internal_query("same_as_pairs"), use_default_graph_as_union=True):
        left, right = root(str(solution["left"])), root(str(solution["right"]))
        parent[left] = right
    groups: dict[str, set[str]] = {}
    for node in parent:
        groups.setdefault(root(node), set()).add(node)
    return {node: groups[root(node)] for node in parent}


def class_members(store: ox.Store, cls: Node, same_as: dict[str, set[str]]) -> set[str]:
    """The IRIs an OWL-RL closure puts in `cls`: class_members.rq, extended along owl:sameAs."""
    solutions = store.query(internal_query("class_members"), substitutions={ox.Variable("class"): to_oxigraph(cls)},
                            use_default_graph_as_union=True)
    members = {str(solution["member"]) for solution in solutions}  # plain strings: these sets are large
    groups = {id(same_as[m]): same_as[m] for m in members & same_as.keys()}
    for group in groups.values():
        members |= group
    return {m[1:-1] for m in members if m.startswith("<")}


def disjoint_violations(store: ox.Store) -> list[tuple[URIRef, URIRef, URIRef]]:
    """(individual, class1, class2) rows, as disjoint_violations.rq gives them on the OWL-RL closure."""
    pairs = [(row["class1"], row["class2"]) for row in select(store, internal_query("disjoint_pairs"))]
    same_as = same_as_groups(store)
    members = {cls: class_members(store, cls, same_as) for cls in {c for pair in pairs for c in pair}}
    rows = {(i, str(c1), str(c2)) for c1, c2 in pairs for i in members[c1] & members[c2]}
    return [(URIRef(i), URIRef(c1), URIRef(c2)) for i, c1, c2 in sorted(rows)]


def consistency_problems(store: ox.Store, rows: Sequence[tuple[URIRef, URIRef, URIRef]], lines: SubjectLines
                         ) -> list[Problem]:
    """The consistency Problems of disjoint_violations' rows, labelled from the store."""
    labels = label_graph(store, {row[0] for row in rows})
    return [disjointness_problem(labels, individual, class1, class2, lines) for individual, class1, class2 in rows]


def outside_rl_subset(store: ox.Store) -> list[str]:
    """OWL constructs in the graph whose consequences the SPARQL consistency check does not derive."""
    return sorted({str(row["construct"]) for row in select(store, internal_query("consistency_unsupported"))})


def to_graph(store: ox.Store) -> Graph:
    """The whole store as an rdflib Graph (only for the owlrl fallback)."""
    graph = bind_prefixes(Graph())
    for quad in store:
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def sparql_consistency_rows(store: ox.Store) -> list[tuple[URIRef, URIRef, URIRef]] | None:
    """disjoint_violations' rows, or None when the graph uses OWL the SPARQL check does not derive."""
    return None if outside_rl_subset(store) else disjoint_violations(store)


def timed(task: Callable[[], T]) -> Callable[[], tuple[T, float]]:
    """`task` made to return its result and the seconds it took (in whichever process ran it)."""
    def run() -> tuple[T, float]:
        started = time.perf_counter()
        return task(), time.perf_counter() - started
    return run


def validate_sparql(
    files: Sequence[Path],
    shapes: Path | None = None,
    *,
    shacl: bool = True,
    consistency: bool = True,
    workers: int | None = None,
) -> ValidationReport:
    """Syntax, SHACL and consistency checks on a throw-away in-memory Oxigraph store.

    The checks (one query per SHACL constraint, and the consistency check) run at once on `workers`
    forked processes that start from the loaded store (parkgraph.parallel); None picks, for graphs of
    PARALLEL_FROM_TRIPLES or more, the available CPUs (at most 4, and no more than half the available
    RAM holds copies of this process), else 1. Any number gives the same problems in the same order.
    """
    store = ox.Store()
    report = ValidationReport(files=list(files), engine="sparql")
    started = time.perf_counter()
    report.problems = load_files(store, files)
    report.checks.append("syntax")
    report.triples = triple_count(store)  # distinct triples, as the pyshacl engine counts
    report.seconds["syntax"] = time.perf_counter() - started
    if report.problems:  # a partial graph would give misleading results
        return report
    return check_loaded(store, report, SubjectLines(files), shapes, shacl=shacl, consistency=consistency,
                        workers=workers)


def validate_copy(
    store: ox.Store,
    source: str,
    shapes: Path | None = None,
    *,
    shacl: bool = True,
    consistency: bool = True,
    workers: int | None = None,
) -> ValidationReport:
    """The SHACL and consistency checks on `store`, an in-memory copy of the store named `source`.

    The data was parsed when it went into that store, so there is no syntax check, and problems
    have no file and line to point at: they name the node and its label.
    """
    report = ValidationReport(files=[], engine="sparql", store=source)
    report.triples = triple_count(store)
    return check_loaded(store, report, SubjectLines([]), shapes, shacl=shacl, consistency=consistency,
                        workers=workers)


def check_loaded(
    store: ox.Store,
    report: ValidationReport,
    lines: SubjectLines,
    shapes: Path | None,
    *,
    shacl: bool,
    consistency: bool,
    workers: int | None,
) -> ValidationReport:
    """Run the SHACL and consistency checks on a loaded store, adding what they find to `report`."""
    if workers is None:  # each worker may end up copying the loaded store: what this process holds now
        workers = auto_workers(resident_bytes()) if report.triples >= PARALLEL_FROM_TRIPLES else 1
    compiled: list[CompiledConstraint] = []
    if shacl:
        compiled = compile_shapes(load_shapes(shapes))
    distinct = has_named_graphs(store)
    tasks: list[Callable[[], tuple[object, float]]] = []
    if consistency:  # first: it is among the longest, and a long task started last would run alone
        tasks.append(timed(partial(sparql_consistency_rows, store)))
    tasks += [timed(partial(run_constraints, store, [constraint], distinct=distinct)) for constraint in compiled]
    report.workers = worker_count(workers, len(tasks))
    results = run_forked(tasks, workers)
    if shacl:
        started = time.perf_counter()
        shacl_results = results[1:] if consistency else results
        report.problems += shacl_problems(store, [v for found, _ in shacl_results for v in found], lines)
        report.checks.append("shacl")
        report.seconds["shacl"] = sum(seconds for _, seconds in shacl_results) + time.perf_counter() - started
    if consistency:
        rows, seconds = results[0]
        started = time.perf_counter()
        if rows is None:  # the SPARQL check would miss inferences: use the exact, slow closure
            report.problems += check_consistency(to_graph(store), lines)
        else:
            report.problems += consistency_problems(store, rows, lines)
        report.checks.append("consistency")
        report.seconds["consistency"] = seconds + time.perf_counter() - started
    return report


__all__ = ["Violation", "validate_sparql", "validate_copy", "run_constraints", "PARALLEL_FROM_TRIPLES"]
