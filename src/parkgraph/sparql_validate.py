"""The fast validation engine: SHACL shapes compiled to SPARQL and OWL disjointness, both run on Oxigraph.

It reports the same Problems as the pyshacl/owlrl engine in `parkgraph.validate` (tests prove it on
planted violations), without building an rdflib graph of the data: at a million triples the
files are bulk-loaded into a temporary embedded Oxigraph store and every check is a query.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Node

from parkgraph import paths
from parkgraph.errors import RdfSyntaxError
from parkgraph.labels import display_label
from parkgraph.loading import parse_into
from parkgraph.namespaces import bind_prefixes
from parkgraph.shacl_sparql import CompiledConstraint, compile_shapes
from parkgraph.sparql import internal_query
from parkgraph.stores.oxigraph import OxigraphStore, to_oxigraph, to_rdflib
from parkgraph.validate import Problem, SubjectLines, ValidationReport


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result, as the compiled query returns it."""

    focus: Node
    path: URIRef | None
    value: Node | None
    source_shape: Node
    message: str


def load_files(store: OxigraphStore, files: Sequence[Path]) -> list[Problem]:
    """Bulk-load each file on its own; a file that does not parse adds nothing and gives a syntax Problem."""
    problems = []
    for path in files:
        try:
            store.load([path])
        except RdfSyntaxError as err:
            problems.append(Problem("syntax", err.message, file=err.file, line=err.line))
    return problems


def run_constraints(store: OxigraphStore, compiled: Sequence[CompiledConstraint]) -> list[Violation]:
    """Run every compiled constraint on `store`; one Violation per result row."""
    violations = []
    for constraint in compiled:
        result = store.query(constraint.query)
        for row in result.dicts():
            violations.append(
                Violation(
                    focus=row["focus"],
                    path=constraint.path,
                    value=row.get("value"),
                    source_shape=constraint.shape,
                    message=constraint.message,
                )
            )
    return violations


def label_graph(store: OxigraphStore, nodes: set[Node]) -> Graph:
    """A small rdflib graph with the labels of `nodes`, enough for display_label."""
    graph = bind_prefixes(Graph())
    for node in nodes:
        if not isinstance(node, URIRef):
            continue
        for prop in (RDFS.label, SKOS.prefLabel):
            for quad in store.ox.quads_for_pattern(to_oxigraph(node), to_oxigraph(prop), None):
                graph.add((node, prop, to_rdflib(quad.object)))
    return graph


def _qname(graph: Graph, node: Node) -> str:
    try:
        return graph.namespace_manager.normalizeUri(node) if isinstance(node, URIRef) else str(node)
    except Exception:  # rdflib refuses some IRIs; the full IRI is still readable
        return str(node)


def to_problems(violations: Sequence[Violation], labels: Graph, lines: SubjectLines) -> list[Problem]:
    """The same Problems `check_shacl` builds from pyshacl's report."""
    problems = []
    for v in violations:
        text = v.message
        if v.value is not None and v.value != v.focus and isinstance(v.value, Literal | URIRef):
            text += f" (value: {v.value.n3(labels.namespace_manager)})"
        file, line = lines.find(str(v.focus)) if isinstance(v.focus, URIRef) else (None, None)
        problems.append(
            Problem(
                "shacl",
                text,
                file=file,
                line=line,
                focus=str(v.focus),
                label=display_label(labels, v.focus),
                path=_qname(labels, v.path) if v.path is not None else None,
            )
        )
    problems.sort(key=lambda p: (p.file or "", p.line or 0, p.focus or "", p.message))
    return problems


def check_shacl_sparql(store: OxigraphStore, shapes: Graph, lines: SubjectLines) -> list[Problem]:
    """SHACL-validate the store's graph with the shapes compiled to SPARQL."""
    violations = run_constraints(store, compile_shapes(shapes))
    labels = label_graph(store, {v.focus for v in violations})
    return to_problems(violations, labels, lines)


def check_consistency_sparql(store: OxigraphStore, lines: SubjectLines) -> list[Problem]:
    """Individuals in two disjoint classes, with the class memberships OWL-RL would infer, by SPARQL."""
    result = store.query(internal_query("disjoint_violations_inferred"))
    labels = label_graph(store, {row[0] for row in result.rows})
    problems = []
    for individual, class1, class2 in result.rows:
        file, line = lines.find(str(individual))
        problems.append(
            Problem(
                "consistency",
                f"is both {_qname(labels, class1)} and {_qname(labels, class2)}, which the ontology "
                "declares disjoint; remove the wrong rdf:type (or the triple that implies it)",
                file=file,
                line=line,
                focus=str(individual),
                label=display_label(labels, individual),
            )
        )
    return problems


def outside_rl_subset(store: OxigraphStore) -> list[str]:
    """OWL constructs in the graph whose consequences the SPARQL consistency check does not derive."""
    result = store.query(internal_query("consistency_unsupported"))
    return sorted({str(row[0]) for row in result.rows})


def validate_sparql(
    files: Sequence[Path],
    shapes: Path | None = None,
    *,
    shacl: bool = True,
    consistency: bool = True,
) -> ValidationReport:
    """Syntax, SHACL and consistency checks on a temporary embedded Oxigraph store."""
    report = ValidationReport(files=list(files))
    with tempfile.TemporaryDirectory(prefix="parkgraph-validate-") as tmp:
        store = OxigraphStore(Path(tmp) / "store")
        try:
            report.problems = load_files(store, files)
            report.checks.append("syntax")
            report.triples = len(store)
            if report.problems:  # a partial graph would give misleading results
                return report
            lines = SubjectLines(files)
            if shacl:
                shapes_graph = bind_prefixes(Graph())
                parse_into(shapes_graph, shapes or paths.shapes_file())
                report.problems += check_shacl_sparql(store, shapes_graph, lines)
                report.checks.append("shacl")
            if consistency:
                if outside_rl_subset(store):
                    from parkgraph.validate import check_consistency  # the exact, slow owlrl closure

                    report.problems += check_consistency(store.to_rdflib(), lines)
                else:
                    report.problems += check_consistency_sparql(store, lines)
                report.checks.append("consistency")
        finally:
            del store
    return report


__all__ = ["Violation", "validate_sparql", "check_shacl_sparql", "check_consistency_sparql", "run_constraints"]
