"""Compile a SHACL shapes graph into SPARQL SELECT queries, one per constraint, that find its violations.

The compiler reads the shapes graph (it knows no shape by name) and covers the SHACL Core
components parkgraph's shapes use, with pyshacl's semantics: sh:targetClass through
rdfs:subClassOf* in the data graph, sh:minCount, sh:maxCount, sh:datatype (ill-typed literals
fail), sh:class, sh:nodeKind, sh:languageIn, sh:qualifiedValueShape with
sh:qualifiedMinCount/MaxCount, sh:node, sh:and, sh:or, sh:not, sh:xone and nested sh:property.
Anything else raises UnsupportedShapeError, so that a new shape is never silently ignored.
The fixed SPARQL text lives in `sparql/shacl_*.rq`; RDF terms are written with `Node.n3()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from string import Template

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from parkgraph.errors import ParkgraphError
from parkgraph.sparql import internal_query


class UnsupportedShapeError(ParkgraphError):
    """A shape uses SHACL the SPARQL engine cannot check exactly as pyshacl does."""


# Predicates that describe a shape without constraining anything.
DESCRIPTIVE = {RDF.type, SH.message, SH.name, SH.description, SH.severity, SH.order, SH.group, SH.path}
TARGETS = {SH.targetClass}
QUALIFIED = {SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount}
# Constraint parameters the compiler checks on a value node (or the focus node of a node shape).
VALUE_COMPONENTS = {SH.datatype, SH["class"], SH.nodeKind, SH.languageIn, SH.node, SH["and"], SH["or"], SH["not"],
                    SH.xone}
COUNT_COMPONENTS = {SH.minCount, SH.maxCount}
SUPPORTED = DESCRIPTIVE | TARGETS | QUALIFIED | VALUE_COMPONENTS | COUNT_COMPONENTS | {SH.property, SH.deactivated}

# The datatypes whose lexical form pyshacl checks, and the SPARQL cast that checks it the same way.
WELL_FORMED_CASTS = {XSD.integer, XSD.decimal, XSD.float, XSD.boolean, XSD.date, XSD.time, XSD.dateTime}

NODE_KINDS = {  # sh:nodeKind -> (blank node, IRI, literal) allowed
    SH.BlankNode: (True, False, False),
    SH.IRI: (False, True, False),
    SH.Literal: (False, False, True),
    SH.BlankNodeOrIRI: (True, True, False),
    SH.BlankNodeOrLiteral: (True, False, True),
    SH.IRIOrLiteral: (False, True, True),
}

MAX_COUNT_PATTERN = 8  # counts are checked with one triple pattern per value; keep the joins small


@cache
def template(name: str) -> Template:
    """`sparql/NAME.rq` as a string.Template, without its comment lines."""
    text = internal_query(name)
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return Template("\n".join(lines).strip())


def fill(name: str, **terms: str) -> str:
    """Fill template NAME with already serialized SPARQL terms and expressions."""
    return template(name).substitute(**terms)


@dataclass(frozen=True)
class CompiledConstraint:
    """One constraint of one shape as a SPARQL query whose rows are its validation results."""

    shape: Node  # the shape that reports the result (sh:sourceShape)
    component: URIRef  # the constraint parameter, e.g. sh:minCount
    path: URIRef | None
    message: str
    query: str


@dataclass
class _Context:
    """Fresh variable names, and the shapes being expanded (to refuse recursive shapes)."""

    counter: int = 0
    expanding: list[Node] = field(default_factory=list)

    def var(self) -> str:
        self.counter += 1
        return f"?v{self.counter}"


class ShapeCompiler:
    """Turns the shapes of one shapes graph into CompiledConstraints."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes

    # -- reading the shapes graph ---------------------------------------------------------

    def describe(self, shape: Node) -> str:
        """A readable name for a shape in error messages."""
        if isinstance(shape, URIRef):
            return self.shapes.namespace_manager.normalizeUri(shape)
        path = self.shapes.value(shape, SH.path)
        inner = f" with sh:path {path.n3(self.shapes.namespace_manager)}" if path is not None else ""
        owners = [o for o in self.shapes.subjects(None, shape) if isinstance(o, URIRef)]
        owner = f" inside {self.describe(owners[0])}" if owners else ""
        return f"a blank-node shape{inner}{owner}"

    def unsupported(self, shape: Node, what: str) -> UnsupportedShapeError:
        """The error for a construct of `shape` this compiler does not implement."""
        return UnsupportedShapeError(
            f"the SPARQL validation engine does not support {what} (in {self.describe(shape)})",
            hint="validate with --engine pyshacl, or extend parkgraph/shacl_sparql.py with this constraint",
        )

    def one(self, shape: Node, predicate: URIRef) -> Node | None:
        """The single value of `predicate` on `shape`, None if absent; refuses several."""
        values = list(self.shapes.objects(shape, predicate))
        if len(values) > 1:
            raise self.unsupported(shape, f"more than one {self.shapes.namespace_manager.normalizeUri(predicate)}")
        return values[0] if values else None

    def count(self, shape: Node, predicate: URIRef) -> int | None:
        """An integer parameter such as sh:minCount, None if absent."""
        value = self.one(shape, predicate)
        if value is None:
            return None
        if not isinstance(value, Literal) or not isinstance(value.toPython(), int):
            raise self.unsupported(shape, f"a non-integer {self.shapes.namespace_manager.normalizeUri(predicate)}")
        return int(value.toPython())

    def iri(self, shape: Node, value: Node, what: str) -> str:
        """`value` written as a SPARQL IRI; refuses blank nodes and literals."""
        if not isinstance(value, URIRef):
            raise self.unsupported(shape, f"{what} that is not an IRI ({value.n3()})")
        return value.n3()

    def path(self, shape: Node) -> URIRef | None:
        """The shape's sh:path, which must be a single predicate IRI, or None for a node shape."""
        path = self.one(shape, SH.path)
        if path is not None and not isinstance(path, URIRef):
            raise self.unsupported(shape, "a property path other than a single predicate IRI")
        return path

    def items(self, shape: Node, value: Node) -> list[Node]:
        """The members of an RDF list parameter (sh:or, sh:xone, sh:languageIn, ...)."""
        if not isinstance(value, BNode) and value != RDF.nil:
            raise self.unsupported(shape, "a list parameter that is not an RDF list")
        return list(Collection(self.shapes, value))

    def deactivated(self, shape: Node) -> bool:
        """True when the shape has sh:deactivated true (pyshacl then skips it)."""
        flag = self.one(shape, SH.deactivated)
        return flag is not None and bool(flag.toPython())

    def check_predicates(self, shape: Node) -> None:
        """Refuse any SHACL predicate on `shape` this compiler does not implement."""
        for predicate in set(self.shapes.predicates(shape, None)):
            if str(predicate).startswith(str(SH)) and predicate not in SUPPORTED:
                raise self.unsupported(shape, self.shapes.namespace_manager.normalizeUri(predicate))
        disjoint = self.one(shape, SH.qualifiedValueShapesDisjoint)
        if disjoint is not None:
            raise self.unsupported(shape, "sh:qualifiedValueShapesDisjoint")
        if self.one(shape, SH.qualifiedValueShape) is not None and not (
            set(self.shapes.predicates(shape, None)) & {SH.qualifiedMinCount, SH.qualifiedMaxCount}
        ):
            raise self.unsupported(shape, "sh:qualifiedValueShape without sh:qualifiedMinCount/MaxCount")

    def message(self, shape: Node) -> str:
        """The shape's one sh:message, which its results carry."""
        messages = sorted(str(m) for m in self.shapes.objects(shape, SH.message))
        if len(messages) != 1:
            raise UnsupportedShapeError(
                f"{self.describe(shape)} reports violations but has {len(messages)} sh:message values; the SPARQL "
                "engine needs exactly one to report the same text as pyshacl",
                hint="give the shape one sh:message, or validate with --engine pyshacl",
            )
        return messages[0]

    # -- conformance of one node to a shape, as a SPARQL expression ---------------------------

    def conforms(self, shape: Node, node: str, ctx: _Context) -> str:
        """An expression true when `node` (a SPARQL variable or term) conforms to `shape`."""
        if shape in ctx.expanding:
            raise self.unsupported(shape, "recursive shapes")
        if self.deactivated(shape):
            return fill("shacl_true")
        self.check_predicates(shape)
        ctx.expanding.append(shape)
        try:
            parts = [expr for _param, expr in self.node_constraints(shape, node, ctx)]
            parts += [expr for _param, expr, _kind in self.path_constraints(shape, node, ctx)]
        finally:
            ctx.expanding.pop()
        return " && ".join(f"({p})" for p in parts) if parts else fill("shacl_true")

    def value_constraints(self, shape: Node, node: str, ctx: _Context) -> Iterator[tuple[URIRef, str]]:
        """(parameter, expression) for each constraint `shape` puts on a single value node."""
        for param in sorted(VALUE_COMPONENTS):
            for value in sorted(self.shapes.objects(shape, param)):
                yield param, self.value_expression(shape, param, value, node, ctx)

    def value_expression(self, shape: Node, param: URIRef, value: Node, node: str, ctx: _Context) -> str:
        """An expression true when `node` meets the constraint `param` `value` of `shape`."""
        if param == SH.datatype:
            self.one(shape, SH.datatype)
            well_formed = fill("shacl_true")
            if value in WELL_FORMED_CASTS:
                well_formed = fill("shacl_well_formed", cast=value.n3(), node=node)
            return fill("shacl_datatype", node=node, datatype=self.iri(shape, value, "sh:datatype"),
                        well_formed=well_formed)
        if param == SH["class"]:
            return fill("shacl_class", node=node, **{"class": self.iri(shape, value, "sh:class")})
        if param == SH.nodeKind:
            if value not in NODE_KINDS:
                raise self.unsupported(shape, f"sh:nodeKind {value.n3()}")
            flags = {k: fill("shacl_true" if v else "shacl_false")
                     for k, v in zip(("blank", "iri", "literal"), NODE_KINDS[value], strict=True)}
            return fill("shacl_node_kind", node=node, **flags)
        if param == SH.languageIn:
            tags = [str(t).lower() for t in self.items(shape, value)]
            return fill("shacl_language_in", node=node, any=fill("shacl_true" if "*" in tags else "shacl_false"),
                        tags=", ".join(Literal(t).n3() for t in tags if t != "*"))
        if param == SH.node:
            return self.conforms(value, node, ctx)
        if param == SH["not"]:
            return fill("shacl_not", condition=self.conforms(value, node, ctx))
        members = [self.conforms(member, node, ctx) for member in self.items(shape, value)]
        if param == SH["and"]:
            return " && ".join(f"({m})" for m in members) if members else fill("shacl_true")
        if param == SH["or"]:
            return " || ".join(f"({m})" for m in members) if members else fill("shacl_false")
        # sh:xone
        counts = " + ".join(fill("shacl_count_if", condition=m) for m in members) or "0"
        return fill("shacl_exactly_one", counts=counts)

    def node_constraints(self, shape: Node, node: str, ctx: _Context) -> Iterator[tuple[URIRef, str]]:
        """Constraints a shape without sh:path puts on the node itself."""
        if self.path(shape) is not None:
            return
        for param in COUNT_COMPONENTS | QUALIFIED:
            if self.one(shape, param) is not None:
                raise self.unsupported(shape, f"{self.shapes.namespace_manager.normalizeUri(param)} on a node shape")
        yield from self.value_constraints(shape, node, ctx)

    def path_constraints(self, shape: Node, node: str, ctx: _Context) -> Iterator[tuple[URIRef, str, str]]:
        """(parameter, conformance expression, kind) for every constraint on the values of `shape`'s path.

        Kind is "count" for a constraint on the number of values and "value" for one each value must meet;
        for a shape without a path these are its sh:property shapes, and the kind is "property".
        """
        path = self.path(shape)
        if path is None:
            for prop in sorted(self.shapes.objects(shape, SH.property)):
                yield SH.property, self.conforms(prop, node, ctx), "property"
            return
        if self.one(shape, SH.property) is not None:
            raise self.unsupported(shape, "sh:property inside a property shape")
        minimum, maximum = self.count(shape, SH.minCount), self.count(shape, SH.maxCount)
        if minimum:
            yield SH.minCount, self.at_least(shape, path, minimum, node, None, ctx), "count"
        if maximum is not None:
            yield SH.maxCount, fill("shacl_not", condition=self.at_least(shape, path, maximum + 1, node, None, ctx)), \
                "count"
        qualified = self.one(shape, SH.qualifiedValueShape)
        if qualified is not None:
            q_min, q_max = self.count(shape, SH.qualifiedMinCount), self.count(shape, SH.qualifiedMaxCount)
            if q_min:
                yield SH.qualifiedMinCount, self.at_least(shape, path, q_min, node, qualified, ctx), "count"
            if q_max is not None:
                more = self.at_least(shape, path, q_max + 1, node, qualified, ctx)
                yield SH.qualifiedMaxCount, fill("shacl_not", condition=more), "count"
        for param in sorted(VALUE_COMPONENTS):
            for obj in sorted(self.shapes.objects(shape, param)):
                value = ctx.var()
                expr = self.value_expression(shape, param, obj, value, ctx)
                yield param, fill("shacl_all_values", node=node, path=path.n3(), value=value, condition=expr), "value"

    def at_least(self, shape: Node, path: URIRef, n: int, node: str, qualified: Node | None, ctx: _Context) -> str:
        """An expression true when `node` has at least `n` distinct values (conforming to `qualified`)."""
        if n > MAX_COUNT_PATTERN:
            raise self.unsupported(shape, f"a cardinality above {MAX_COUNT_PATTERN - 1}")
        values = [ctx.var() for _ in range(n)]
        patterns = " ".join(fill("shacl_value_pattern", node=node, path=path.n3(), value=v) for v in values)
        conditions = [fill("shacl_distinct", left=a, right=b) for i, a in enumerate(values) for b in values[i + 1:]]
        if qualified is not None:
            conditions += [self.conforms(qualified, v, ctx) for v in values]
        condition = " && ".join(f"({c})" for c in conditions) if conditions else fill("shacl_true")
        return fill("shacl_values_exist", patterns=patterns, condition=condition)

    # -- the reported constraints, one query each ----------------------------------------------

    def focus_nodes(self, shape: Node) -> str | None:
        """The graph pattern binding ?focus to the shape's sh:targetClass instances."""
        classes = sorted(self.shapes.objects(shape, SH.targetClass))
        if not classes:
            return None
        return fill("shacl_target_class", classes=" ".join(self.iri(shape, c, "sh:targetClass") for c in classes))

    def compile(self) -> list[CompiledConstraint]:
        """Every constraint reachable from a targeted shape, as a CompiledConstraint."""
        for pred in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
            for shape in self.shapes.subjects(pred, None):
                raise self.unsupported(shape, self.shapes.namespace_manager.normalizeUri(pred))
        for kind in (SH.NodeShape, SH.PropertyShape):
            for shape in self.shapes.subjects(RDF.type, kind):
                if set(self.shapes.objects(shape, RDF.type)) & {RDFS.Class, OWL.Class}:
                    raise self.unsupported(shape, "implicit class targets (a shape that is also a class)")
        compiled: list[CompiledConstraint] = []
        for shape in sorted(set(self.shapes.subjects(SH.targetClass, None))):
            if self.deactivated(shape):
                continue
            focus_nodes = self.focus_nodes(shape)
            assert focus_nodes is not None
            compiled += self.reported(shape, focus_nodes)
        return compiled

    def reported(self, shape: Node, focus_nodes: str) -> list[CompiledConstraint]:
        """The constraints of `shape` (and of its sh:property shapes) on targeted focus nodes."""
        self.check_predicates(shape)
        out: list[CompiledConstraint] = []
        path = self.path(shape)
        ctx = _Context()
        if path is None:
            for param, expr in self.node_constraints(shape, "?focus", ctx):
                out.append(self.query(shape, param, None, focus_nodes, fill("shacl_focus_violation", conforms=expr)))
            for prop in sorted(self.shapes.objects(shape, SH.property)):
                if not self.deactivated(prop):
                    out += self.reported(prop, focus_nodes)
            return out
        for param, expr, kind in self.path_constraints(shape, "?focus", ctx):
            if kind == "count":  # value constraints are stated on ?value below, one row per bad value
                out.append(self.query(shape, param, path, focus_nodes, fill("shacl_count_violation", conforms=expr)))
        for param in sorted(VALUE_COMPONENTS):
            for obj in sorted(self.shapes.objects(shape, param)):
                expr = self.value_expression(shape, param, obj, "?value", ctx)
                violation = fill("shacl_value_violation", path=path.n3(), conforms=expr)
                out.append(self.query(shape, param, path, focus_nodes, violation))
        return out

    def query(self, shape: Node, param: URIRef, path: URIRef | None, focus_nodes: str, violation: str
              ) -> CompiledConstraint:
        """The full SELECT query for one constraint of a targeted shape."""
        message = self.message(shape)
        text = fill(
            "shacl_violations",
            focus_nodes=focus_nodes,
            violation=violation,
            path=path.n3() if path is not None else "UNDEF",
            shape=shape.n3() if isinstance(shape, URIRef) else "UNDEF",
            message=Literal(message).n3(),
        )
        return CompiledConstraint(shape=shape, component=param, path=path, message=message, query=text)


def compile_shapes(shapes: Graph) -> list[CompiledConstraint]:
    """Compile every targeted shape of `shapes` into SPARQL; UnsupportedShapeError for what it cannot check."""
    return ShapeCompiler(shapes).compile()


def normalized(query: str) -> str:
    """The query with runs of whitespace collapsed (for logs and tests)."""
    return re.sub(r"\s+", " ", query).strip()


__all__ = ["CompiledConstraint", "UnsupportedShapeError", "compile_shapes", "ShapeCompiler"]
