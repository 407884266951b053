"""Validation: RDF syntax, SHACL conformance (pyshacl) and OWL consistency (owlrl closure)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import owlrl
import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from parkgraph import paths
from parkgraph.errors import ParkgraphError, RdfSyntaxError
from parkgraph.labels import display_label
from parkgraph.loading import parse_into
from parkgraph.namespaces import bind_prefixes
from parkgraph.sparql import internal_query
from parkgraph.subject_lines import StatementSubjects, line_subjects


@dataclass
class Problem:
    """One thing wrong with the graph, located as precisely as the check allows."""

    check: str  # "syntax", "shacl" or "consistency"
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    focus: str | None = None  # IRI of the node the problem is about
    label: str | None = None  # that node's human label
    path: str | None = None  # the property involved, as a prefixed name

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line, self.column) if p is not None)
        subject = ""
        if self.focus:
            subject = f"{self.label} <{self.focus}>" if self.label else f"<{self.focus}>"
        prop = f" [{self.path}]" if self.path else ""
        head = f"{where}: " if where else ""
        if not subject:
            return f"{head}{self.check}: {self.message}"
        return f"{head}{self.check}: {subject}{prop}: {self.message}"


@dataclass
class ValidationReport:
    """The outcome of `validate()`: conforms when there are no problems."""

    files: list[Path]
    triples: int = 0
    problems: list[Problem] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    engine: str = "pyshacl"
    # Time spent on each check: where the time goes. With several workers the checks overlap, so
    # these add up to more than the run's wall-clock time.
    seconds: dict[str, float] = field(default_factory=dict)
    workers: int = 1  # processes the checks ran on (the sparql engine's; pyshacl runs in one)
    store: str | None = None  # the store checked (`validate_store`), instead of files

    @property
    def checked(self) -> str:
        """What was checked, for messages: the store, or the files."""
        return self.store if self.store is not None else ", ".join(str(f) for f in self.files)

    @property
    def conforms(self) -> bool:
        """True when no check found a problem."""
        return not self.problems

    def by_check(self, check: str) -> list[Problem]:
        """The problems one check found (syntax, shacl or consistency), in report order."""
        return [p for p in self.problems if p.check == check]


LINE_FORMATS = (".nt", ".nq")  # one triple or quad per line, its subject first
STATEMENT_FORMATS = (".ttl", ".turtle", ".trig")  # statements over any number of lines, found by following them


class SubjectLines:
    """Finds the file and line where a subject's description starts, for error messages.

    The index is built on the first look-up (most runs find no problem) by the scanners of
    parkgraph.subject_lines, which read each file once without parsing it; formats without lines
    to point at (JSON-LD, RDF/XML) are skipped.
    """

    def __init__(self, files: Sequence[Path]) -> None:
        self.files = list(files)
        self._index: dict[str, tuple[str, int]] | None = None

    def _build(self) -> dict[str, tuple[str, int]]:
        """Each subject IRI -> (file, line) of its first description, in the order of the files."""
        index: dict[str, tuple[str, int]] = {}
        for path in self.files:
            suffix = path.suffix.lower()
            if suffix not in LINE_FORMATS and suffix not in STATEMENT_FORMATS:
                continue
            with path.open(encoding="utf-8-sig", errors="replace") as handle:
                if suffix in LINE_FORMATS:
                    first = line_subjects(handle)
                else:
                    first = StatementSubjects(graphs=suffix == ".trig").scan(handle)
            for iri, number in first.items():
                index.setdefault(iri, (str(path), number))
        return index

    def find(self, iri: str) -> tuple[str | None, int | None]:
        """(file, line) where `iri` is first described as a subject, or (None, None)."""
        if self._index is None:
            self._index = self._build()
        return self._index.get(iri, (None, None))


def check_syntax(files: Sequence[Path]) -> tuple[Graph, list[Problem]]:
    """Parse every file on its own; return the union of the good ones and a problem per bad one."""
    graph = bind_prefixes(Graph())
    problems: list[Problem] = []
    for path in files:
        single = Graph()
        try:
            parse_into(single, path)
        except RdfSyntaxError as err:
            problems.append(Problem("syntax", err.message, file=err.file, line=err.line, column=err.column))
            continue
        graph += single
    return graph, problems


def qname(graph: Graph, node: Node) -> str:
    """`node` as a prefixed name where the graph knows the prefix, else as text."""
    try:
        return graph.namespace_manager.normalizeUri(node) if isinstance(node, URIRef) else str(node)
    except Exception:  # rdflib refuses some IRIs; the full IRI is still readable
        return str(node)


def check_shacl(graph: Graph, shapes: Graph, lines: SubjectLines) -> list[Problem]:
    """SHACL-validate `graph` with pyshacl; one Problem per validation result."""
    conforms, results, _text = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    if conforms:
        return []
    problems = []
    # Only the report's own sh:result nodes: pyshacl nests the inner results of sh:node under
    # sh:detail, and those explain the outer result rather than being problems of their own.
    for result in results.objects(None, SH.result):
        message = results.value(result, SH.resultMessage)
        problems.append(
            shacl_problem(
                graph,
                results.value(result, SH.focusNode),
                results.value(result, SH.resultPath),
                str(message) if message is not None else "does not conform to its shape",
                results.value(result, SH.value),
                lines,
            )
        )
    return sort_problems(problems)


def shacl_problem(
    graph: Graph, focus: Node | None, path: Node | None, message: str, value: Node | None, lines: SubjectLines
) -> Problem:
    """The Problem for one SHACL result, located by its focus node (labels and prefixes from `graph`)."""
    if value is not None and value != focus and isinstance(value, Literal | URIRef):
        message += f" (value: {value.n3(graph.namespace_manager)})"
    file, line = lines.find(str(focus)) if isinstance(focus, URIRef) else (None, None)
    return Problem(
        "shacl",
        message,
        file=file,
        line=line,
        focus=str(focus),
        label=display_label(graph, focus) if focus is not None else None,
        path=qname(graph, path) if path is not None else None,
    )


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Problems in file, line, focus and message order, the same for every engine."""
    return sorted(problems, key=lambda p: (p.file or "", p.line or 0, p.focus or "", p.message))


def check_consistency(graph: Graph, lines: SubjectLines) -> list[Problem]:
    """OWL-RL closure with owlrl, then every individual found in two disjoint classes."""
    closure = Graph()
    closure += graph
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(
        closure
    )
    rows = closure.query(internal_query("disjoint_violations"))
    return [disjointness_problem(graph, individual, class1, class2, lines) for individual, class1, class2 in rows]


def disjointness_problem(graph: Graph, individual: Node, class1: Node, class2: Node, lines: SubjectLines) -> Problem:
    """The Problem for an individual found in two disjoint classes (labels and prefixes from `graph`)."""
    file, line = lines.find(str(individual))
    return Problem(
        "consistency",
        f"is both {qname(graph, class1)} and {qname(graph, class2)}, which the ontology "
        "declares disjoint; remove the wrong rdf:type (or the triple that implies it)",
        file=file,
        line=line,
        focus=str(individual),
        label=display_label(graph, individual),
    )


ENGINES = ("auto", "pyshacl", "sparql")
AUTO_SPARQL_BYTES = 1_000_000  # ~7 thousand triples of N-Triples, ~20 thousand of Turtle: pyshacl takes seconds


def choose_engine(engine: str, files: Sequence[Path]) -> str:
    """The engine "auto" stands for: sparql once the files are big enough for pyshacl to be slow."""
    _check_engine(engine)
    if engine != "auto":
        return engine
    size = sum(f.stat().st_size for f in files if f.is_file())
    return "sparql" if size >= AUTO_SPARQL_BYTES else "pyshacl"


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ParkgraphError(f"unknown validation engine '{engine}'", hint="use one of: " + ", ".join(ENGINES))


def _check_options(engine: str, workers: int | None) -> None:
    """Refuse an unknown engine, a number of workers below 1, or any with the pyshacl engine (which
    checks in one process)."""
    _check_engine(engine)
    if workers is not None and workers < 1:
        raise ParkgraphError(f"workers must be at least 1, not {workers}",
                             hint="e.g. --workers 2, or 1 for one process")
    if workers is not None and engine == "pyshacl":
        raise ParkgraphError("workers are for the sparql engine: the pyshacl engine checks in one process",
                             hint="leave out --workers, or use --engine sparql")


def validate(
    files: Sequence[Path | str] | None = None,
    shapes: Path | str | None = None,
    *,
    shacl: bool = True,
    consistency: bool = True,
    engine: str = "auto",
    workers: int | None = None,
) -> ValidationReport:
    """Check `files` (default: ontology + data): syntax, then SHACL and OWL consistency.

    `engine` is "pyshacl" (rdflib + pyshacl + owlrl), "sparql" (the same checks as SPARQL on an
    embedded Oxigraph store, see parkgraph.sparql_validate) or "auto" (sparql for big inputs).
    `workers`: processes the sparql engine's checks run on (None: as many as help, see there);
    asking for a number picks that engine under "auto", and is an error with "pyshacl", which
    checks in one process.
    """
    _check_options(engine, workers)
    file_list = [Path(f) for f in (files or paths.default_files())]
    if choose_engine(engine, file_list) == "sparql" or workers is not None:
        from parkgraph.sparql_validate import validate_sparql

        return validate_sparql(file_list, Path(shapes) if shapes else None, shacl=shacl, consistency=consistency,
                               workers=workers)
    report = ValidationReport(files=file_list)
    started = time.perf_counter()
    graph, report.problems = check_syntax(file_list)
    report.checks.append("syntax")
    report.seconds["syntax"] = time.perf_counter() - started
    report.triples = len(graph)
    if report.problems:  # a partial graph would give misleading SHACL results
        return report
    return _pyshacl_checks(graph, report, SubjectLines(file_list), Path(shapes) if shapes else None, shacl=shacl,
                           consistency=consistency)


STORE_SPECS = ("oxigraph:PATH", "http(s)://HOST[:PORT]/PATH")


def validate_store(
    spec: str,
    shapes: Path | str | None = None,
    *,
    shacl: bool = True,
    consistency: bool = True,
    engine: str = "auto",
    workers: int | None = None,
) -> ValidationReport:
    """The SHACL and consistency checks on what a store holds: an `oxigraph:PATH` store or a SPARQL endpoint.

    What `parkgraph load` put there was parsed on the way in, so there is no syntax check, and
    problems name the node (and its label) instead of a file and line. The store is only read:
    "sparql" (and "auto") copies it into a throw-away in-memory Oxigraph store and runs the
    checks there, as for files; "pyshacl" reads it into an rdflib Graph.
    """
    from parkgraph.graph import ParkGraph
    from parkgraph.store import IN_MEMORY

    _check_options(engine, workers)
    if spec in IN_MEMORY:
        raise ParkgraphError(
            f"--store {spec} holds the files it is given: validate checks files directly",
            hint="give the files as arguments (default: the ontology and the curated data), or name a store "
                 "that keeps its data: " + " or ".join(STORE_SPECS),
        )
    shapes_path = Path(shapes) if shapes else None
    with ParkGraph.open(spec, create=False) as opened:  # an oxigraph:PATH store's lock let go on leaving
        if engine == "pyshacl":
            graph = opened.store.to_rdflib()
            report = ValidationReport(files=[], triples=len(graph), store=spec)
            return _pyshacl_checks(graph, report, SubjectLines([]), shapes_path, shacl=shacl, consistency=consistency)
        from parkgraph.sparql_validate import validate_copy
        from parkgraph.stores.oxigraph import in_memory_copy

        return validate_copy(in_memory_copy(opened.store), spec, shapes_path, shacl=shacl, consistency=consistency,
                             workers=workers)


def load_shapes(shapes: Path | None) -> Graph:
    """The SHACL shapes graph both engines check against: `shapes`, else ontology/shapes.ttl."""
    shapes_graph = bind_prefixes(Graph())
    parse_into(shapes_graph, shapes or paths.shapes_file())
    return shapes_graph


def _pyshacl_checks(graph: Graph, report: ValidationReport, lines: SubjectLines, shapes: Path | None, *,
                    shacl: bool, consistency: bool) -> ValidationReport:
    """The pyshacl engine's SHACL and consistency checks on `graph`, added to `report`."""
    if shacl:
        shapes_graph = load_shapes(shapes)
        started = time.perf_counter()
        report.problems += check_shacl(graph, shapes_graph, lines)
        report.checks.append("shacl")
        report.seconds["shacl"] = time.perf_counter() - started
    if consistency:
        started = time.perf_counter()
        report.problems += check_consistency(graph, lines)
        report.checks.append("consistency")
        report.seconds["consistency"] = time.perf_counter() - started
    return report


__all__ = [
    "validate_store",
    "Problem", "ValidationReport", "validate", "choose_engine", "check_syntax", "check_shacl", "check_consistency",
]
