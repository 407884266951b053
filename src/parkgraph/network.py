"""The knowledge graph as a networkx MultiDiGraph of entities, for analytics, export and the map.

Nodes are people, organizations, places, events and initiatives (see `network_model.KINDS`);
literals become node attributes; memberships collapse into labelled person -> organization
edges and stated figures into the `figures` attribute of the entity they are about.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from parkgraph.binding import check_text, inject_value_list, iri_problem
from parkgraph.errors import ParkgraphError
from parkgraph.gc_pause import gc_paused
from parkgraph.graph import ParkGraph
from parkgraph.named import exact_label_matches
from parkgraph.namespaces import expand_prefixed, shorten
from parkgraph.network_model import (
    BEGINNING,
    CLASS_PREFERENCE,
    DATE,
    DURING,
    END,
    FIGURE,
    FIGURE_ABOUT,
    FIGURE_LINKS,
    FIGURE_VALUES,
    INVERSES,
    IRI_ATTRIBUTES,
    KINDS,
    MEMBER,
    MEMBERSHIP,
    MEMBERSHIP_EDGE,
    ORGANIZATION,
    PREDICATE_LABELS,
    ROLE,
    SOURCE,
    Kind,
)
from parkgraph.network_terms import Term, Text, term
from parkgraph.sparql import internal_query
from parkgraph.suggest import suggestions
from parkgraph.syntax import prepare

if TYPE_CHECKING:
    from parkgraph.analytics import Step

LANGS = ("ru", "en")
_RESERVED = {"iri", "label", "label_ru", "label_en", "alt_labels", "class", "class_iri", "class_label", "kind",
             "kind_label", "sources", "source_labels", "figures", "same_as", "id", "name", "value"}

# The vocabulary as plain str, the form IRIs take in the index (`parkgraph.network_terms`).
_TYPE, _ALT_LABEL, _SOURCE, _DATE = str(RDF.type), str(SKOS.altLabel), str(SOURCE), str(DATE)
_LABEL_PREDICATES = (str(RDFS.label), str(SKOS.prefLabel))
_HANDLED = {_TYPE, *_LABEL_PREDICATES, _ALT_LABEL, _SOURCE}
_NAME_PREDICATES = (*_LABEL_PREDICATES, _ALT_LABEL)  # sparql/network_labels.rq's
_MEMBERSHIP, _MEMBERSHIP_EDGE = str(MEMBERSHIP), str(MEMBERSHIP_EDGE)
_FIGURE, _FIGURE_ABOUT = str(FIGURE), str(FIGURE_ABOUT)
_MEMBER, _ORGANIZATION, _ROLE, _DURING = str(MEMBER), str(ORGANIZATION), str(ROLE), str(DURING)
_BEGINNING, _END = str(BEGINNING), str(END)
_KIND_CLASSES = {kind.key: frozenset(str(c) for c in kind.classes) for kind in KINDS}
_INVERSES = {str(p): str(q) for p, q in INVERSES.items()}
_IRI_ATTRIBUTES = {str(p): key for p, key in IRI_ATTRIBUTES.items()}
_PREDICATE_LABELS = {str(p): labels for p, labels in PREDICATE_LABELS.items()}
_FIGURE_VALUES = [(key, str(p)) for key, p in FIGURE_VALUES.items()]
_FIGURE_LINKS = [(key, str(p)) for key, p in FIGURE_LINKS.items()]


def check_lang(lang: str) -> str:
    """`lang` if parkgraph has labels in it, else a clear error."""
    if lang not in LANGS:
        raise ParkgraphError(f"unknown language '{lang}'", hint="use --lang ru or --lang en")
    return lang


def local_name(iri: str) -> str:
    """The last segment of an IRI (after '#' or '/'), used as an attribute key."""
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _text(node: object) -> str:
    """What `str` of the rdflib term gives: the IRI, the literal's lexical form or the blank node's id."""
    kind = type(node)
    if kind is str:
        return node  # type: ignore[return-value]
    if kind is Text:
        return node.value  # type: ignore[attr-defined,no-any-return]
    return str(node)


def _is_literal(node: object) -> bool:
    return type(node) is Text or isinstance(node, Literal)


def _language(node: Text | Literal) -> str | None:
    return node.language


def python_value(term: Literal | Text) -> object:
    """A literal as a scalar fit for every export format: bool, int, float or str."""
    if type(term) is Text:
        return term.value  # a string literal is its text, as rdflib's toPython() gives it
    value = term.toPython()
    if isinstance(value, bool | int | float | str) and not isinstance(value, Literal):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(term)


def _terms(rows: Iterable[Sequence[Node | None]]) -> Iterator[tuple[Term | None, ...]]:
    """Rows of rdflib terms as rows of index terms."""
    for row in rows:
        yield tuple(None if node is None else term(node) for node in row)


class _Index:
    """The triples of the graph indexed by subject, with types, superclasses and labels.

    Terms are those of `parkgraph.network_terms`: IRIs are plain str (the constants below), so
    lookups hash and compare plain strings whichever store the triples came from.
    """

    def __init__(self, rows: Iterable[tuple[Term | None, ...]], subclass_rows: Iterable[tuple[Node | None, ...]]):
        """Index `rows` (triples of index terms) and `subclass_rows` (class, superclass; rdflib terms too)."""
        self.props: dict[Term, dict[str, list[Term]]] = {}
        props = self.props
        for s, p, o in rows:
            if s is not None and p is not None and o is not None:
                found = props.get(s)
                if found is None:
                    props[s] = {p: [o]}  # type: ignore[dict-item]
                else:
                    values = found.get(p)
                    if values is None:
                        found[p] = [o]  # type: ignore[index]
                    else:
                        values.append(o)
        self._labels: dict[Term, dict[str, str]] = {}
        self._label: dict[tuple[Term, str], str] = {}
        self._by_types: dict[tuple[Term, ...], tuple[Kind | None, frozenset[Term], Term | None]] = {}
        self.supers: dict[Term, set[Term]] = defaultdict(set)
        for cls, sup in subclass_rows:
            if cls is not None and sup is not None:
                self.supers[term(cls)].add(term(sup))  # type: ignore[arg-type]

    @classmethod
    def load(cls, graph: ParkGraph | Graph) -> _Index:
        """Read the graph through SPARQL (any store) or an rdflib Graph."""
        queries = [internal_query("network_triples"), internal_query("network_subclasses")]
        if isinstance(graph, ParkGraph):
            direct = getattr(graph.store, "iri_subject_terms", None)  # the embedded stores read it directly
            triples = direct() if direct is not None else _terms(graph.sparql(queries[0]).rows)
            subclasses = graph.sparql(queries[1]).rows
        elif isinstance(graph, Graph):
            triples = _terms(graph.query(prepare(queries[0])))  # type: ignore[arg-type]
            subclasses = [tuple(r) for r in graph.query(prepare(queries[1]))]  # type: ignore[arg-type]
        else:
            raise ParkgraphError(f"cannot build a network from {type(graph).__name__}", hint="pass a ParkGraph")
        return cls(triples, subclasses)

    def add(self, s: Term, p: Term, o: Term) -> None:
        """One more triple (of a subject whose labels are then read afresh)."""
        self.props.setdefault(s, {}).setdefault(p, []).append(o)  # type: ignore[arg-type]
        self._labels.pop(s, None)
        for lang in LANGS:
            self._label.pop((s, lang), None)

    def values(self, node: Term, prop: str) -> list[Term]:
        found = self.props.get(node)
        return found.get(prop, []) if found is not None else []

    def one(self, node: Term, prop: str) -> Term | None:
        found = self.values(node, prop)
        return min(found, key=_text) if found else None  # the first of the smallest, as sorted(...)[0]

    def types(self, node: Term) -> set[Term]:
        return set(self.values(node, _TYPE))

    def closure(self, node: Term) -> set[Term]:
        """The node's classes and all their superclasses."""
        return set(self._typing(node)[1])

    def _typing(self, node: Term) -> tuple[Kind | None, frozenset[Term], Term | None]:
        """The node's kind, class closure and most specific class, worked out once per set of types."""
        key = tuple(self.values(node, _TYPE))
        known = self._by_types.get(key)
        if known is None:
            types = set(key)
            classes = set(types)
            for cls in types:
                classes |= self.supers.get(cls, set())
            kind = next((k for k in KINDS if classes.intersection(_KIND_CLASSES[k.key])), None)
            known = self._by_types[key] = (kind, frozenset(classes), self._most_specific(types))
        return known

    def kind(self, node: Term) -> Kind | None:
        return self._typing(node)[0]

    def labels(self, node: Term) -> dict[str, str]:
        """The node's labels by language ('' for untagged), rdfs:label before skos:prefLabel."""
        known = self._labels.get(node)
        if known is not None:
            return known
        found: dict[str, str] = {}
        self._labels[node] = found
        props = self.props.get(node)
        if props is None:
            return found
        for prop in _LABEL_PREDICATES:
            values = props.get(prop)
            if not values:
                continue
            for value in (values if len(values) == 1 else sorted(values, key=_text)):
                if type(value) is Text:
                    found.setdefault(value.language or "", value.value)
                elif isinstance(value, Literal):
                    found.setdefault(value.language or "", str(value))
        return found

    def label(self, node: Term, lang: str) -> str:
        """The node's label in `lang`, else the other language, else untagged, else its short IRI."""
        known = self._label.get((node, lang))
        if known is not None:
            return known
        found = self.labels(node)
        for wanted in (lang, "ru" if lang == "en" else "en", ""):
            if wanted in found:
                label = found[wanted]
                break
        else:
            label = shorten(_text(node))
        self._label[(node, lang)] = label
        return label

    def predicate_label(self, prop: str, lang: str) -> str:
        found = self.labels(prop)
        if lang in found:
            return found[lang]
        if prop in _PREDICATE_LABELS:
            en, ru = _PREDICATE_LABELS[prop]
            return ru if lang == "ru" else en
        return found.get("en") or local_name(prop)

    def most_specific_class(self, node: Term) -> Term | None:
        """The node's type that no other of its types specialises (namespace preference breaks ties)."""
        return self._typing(node)[2]

    def _most_specific(self, types: set[Term]) -> Term | None:
        specific = [t for t in types if not any(t in self.supers.get(other, ()) for other in types if other != t)]

        def rank(cls: Term) -> tuple[int, str]:
            iri = _text(cls)
            for index, ns in enumerate(CLASS_PREFERENCE):
                if iri.startswith(ns):
                    return index, iri
            return len(CLASS_PREFERENCE), iri

        return min(specific or types, key=rank, default=None)

    def date(self, interval: Term | None, prop: str) -> str | None:
        """The xsd:date of the beginning or end of an OWL-Time interval, as ISO text."""
        if interval is None:
            return None
        instant = self.one(interval, prop)
        value = self.one(instant, _DATE) if instant is not None else None
        return str(python_value(value)) if _is_literal(value) else None


def _pick_language(values: Sequence[Term], lang: str) -> list[Term]:
    """Untagged values, plus tagged ones in `lang` (or the other language if there are none in it)."""
    plain = [v for v in values if not _language(v)]
    tagged = [v for v in values if _language(v)]
    for wanted in (lang, "ru" if lang == "en" else "en"):
        chosen = [v for v in tagged if _language(v) == wanted]
        if chosen:
            return plain + chosen
    return plain + tagged


def _literal_order(term: Text | Literal) -> tuple[str, str, str]:
    """Literal values in one order whichever store (or query) returned them."""
    if type(term) is Text:
        return term.value, term.language or "", ""
    return str(term), term.language or "", str(term.datatype or "")  # type: ignore[union-attr]


def _scalar_or_list(values: list[object]) -> object:
    return values[0] if len(values) == 1 else values


def _class_label(ix: _Index, cls: Term | None, kind: Kind, lang: str) -> str:
    """The class's label; for an unlabelled class its name split into words (en) or the kind's label."""
    if cls is not None and ix.labels(cls):
        return ix.label(cls, lang)
    if cls is not None and lang == "en":
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local_name(_text(cls)))
        return words[:1].upper() + words[1:].lower()
    return kind.label(lang)


class _Builder:
    """`build_network`'s state: the index, the language and what it worked out once per class or predicate."""

    def __init__(self, ix: _Index, lang: str) -> None:
        self.ix, self.lang = ix, lang
        self._classes: dict[tuple[Term | None, str], dict[str, object]] = {}
        self._predicates: dict[str, dict[str, object]] = {}
        self._sources: dict[Term, tuple[list[str], list[str]]] = {}

    def sources(self, node: Term) -> tuple[list[str], list[str]]:
        """The node's sources (sorted) and their labels, as fresh lists."""
        known = self._sources.get(node)
        if known is None:
            ix = self.ix
            sources = sorted(ix.values(node, _SOURCE), key=_text)
            known = self._sources[node] = ([_text(s) for s in sources], [ix.label(s, self.lang) for s in sources])
        return list(known[0]), list(known[1])

    def class_attributes(self, cls: Term | None, kind: Kind) -> dict[str, object]:
        key = (cls, kind.key)
        known = self._classes.get(key)
        if known is None:
            known = self._classes[key] = {
                "class": shorten(_text(cls)) if cls is not None else "",
                "class_iri": _text(cls) if cls is not None else "",
                "class_label": _class_label(self.ix, cls, kind, self.lang),
                "kind": kind.key,
                "kind_label": kind.label(self.lang),
            }
        return known

    def node_attributes(self, node: str, kind: Kind) -> dict[str, object]:
        """Labels, class, kind, provenance and literal values of an entity node."""
        ix, lang = self.ix, self.lang
        labels = ix.labels(node)
        sources, source_labels = self.sources(node)
        attrs: dict[str, object] = {
            "iri": node,
            "label": ix.label(node, lang),
            "label_ru": labels.get("ru") or labels.get("") or ix.label(node, "ru"),
            "label_en": labels.get("en") or labels.get("") or ix.label(node, "en"),
            "alt_labels": sorted({_text(v) for v in ix.values(node, _ALT_LABEL)}),
        }
        attrs.update(self.class_attributes(ix.most_specific_class(node), kind))
        attrs["sources"] = sources
        attrs["source_labels"] = source_labels
        return attrs

    def edge_attributes(self, prop: str, provenance: Term) -> dict[str, object]:
        known = self._predicates.get(prop)
        if known is None:
            ix = self.ix
            known = self._predicates[prop] = {
                "predicate": prop,
                "predicate_short": shorten(prop),
                "label": ix.predicate_label(prop, self.lang),
                "label_ru": ix.predicate_label(prop, "ru"),
                "label_en": ix.predicate_label(prop, "en"),
            }
        attrs = dict(known)
        attrs["sources"], attrs["source_labels"] = self.sources(provenance)
        return attrs

    def figure(self, figure: Term) -> dict[str, object]:
        """A stated figure as a flat dict: value or bounds, unit, indicator, period, who, where, source."""
        ix, lang = self.ix, self.lang
        entry: dict[str, object] = {"iri": _text(figure), "label": ix.label(figure, lang)}
        for key, prop in _FIGURE_VALUES:
            value = ix.one(figure, prop)
            if _is_literal(value):
                entry[key] = python_value(value)  # type: ignore[arg-type]
        for key, prop in _FIGURE_LINKS:
            target = ix.one(figure, prop)
            if target is not None:
                entry[key] = ix.label(target, lang)
        entry["sources"], entry["source_labels"] = self.sources(figure)
        return entry


def build_network(ix: _Index, *, lang: str = "en", collapse: bool = True) -> nx.MultiDiGraph:
    """The whole entity network of an indexed graph (see `to_networkx`).

    Every node's attributes are worked out first and the nodes and edges then added in bulk, in
    the order (and with the attributes) a node-by-node build would give them.
    """
    graph = nx.MultiDiGraph(lang=lang, collapsed=collapse)
    build = _Builder(ix, lang)
    entities: dict[Term, Kind] = {}
    memberships: list[Term] = []
    figures: list[Term] = []
    for node in ix.props:
        kind, classes, _ = ix._typing(node)
        if kind is None or type(node) is not str:
            continue
        if kind.nary and collapse:
            (memberships if _MEMBERSHIP in classes else figures if _FIGURE in classes else []).append(node)
            continue
        entities[node] = kind
    order = sorted(entities, key=_text)
    nodes = {node: build.node_attributes(node, entities[node]) for node in order}  # type: ignore[arg-type]
    edges: list[tuple[str, str, str, dict[str, object]]] = []

    # Collapsed memberships: one member -> organization edge with role and dates.
    pairs: set[tuple[Term, Term]] = set()
    organization_of: dict[Term, Term] = {}
    for membership in sorted(memberships, key=_text):
        member, org = ix.one(membership, _MEMBER), ix.one(membership, _ORGANIZATION)
        if org is not None:
            organization_of[membership] = org
        if member not in entities or org not in entities:
            continue
        pairs.add((member, org))  # type: ignore[arg-type]
        attrs = build.edge_attributes(_MEMBERSHIP_EDGE, membership)
        role = ix.one(membership, _ROLE)
        during = ix.one(membership, _DURING)
        extra = {
            "membership": _text(membership),
            "membership_label": ix.label(membership, lang),
            "role": ix.label(role, lang) if role is not None else None,
            "start_date": ix.date(during, _BEGINNING),
            "end_date": ix.date(during, _END),
        }
        attrs.update({k: v for k, v in extra.items() if v is not None})
        edges.append((_text(member), _text(org), _text(membership), attrs))  # type: ignore[arg-type]

    # Plain triples: edges between entities, attributes otherwise.
    for node in order:
        data = nodes[node]
        props = ix.props[node]
        for prop in sorted(props, key=_text):
            if prop in _HANDLED:
                continue
            objects = props[prop]
            if prop in _IRI_ATTRIBUTES:
                data[_IRI_ATTRIBUTES[prop]] = sorted({_text(o) for o in objects})
                continue
            ordered = objects if len(objects) == 1 else sorted(objects, key=_text)
            literals: list[Term] = []
            others: list[object] = []
            for obj in ordered:
                if _is_literal(obj):
                    literals.append(obj)
                    continue
                target = organization_of.get(obj, obj)
                if target not in entities:
                    others.append(ix.label(obj, lang))
                    continue
                if prop == _MEMBERSHIP_EDGE and (node, target) in pairs:
                    continue  # the dated membership edge already says it
                inverse = _INVERSES.get(prop)
                if inverse is not None and node in ix.values(target, inverse):
                    continue  # stated the other way round too: keep that direction
                attrs = build.edge_attributes(prop, node)
                if target != obj:
                    attrs["via"] = _text(obj)
                    attrs["via_label"] = ix.label(obj, lang)
                edges.append((node, _text(target), prop, attrs))  # type: ignore[arg-type]
            if literals:
                literals = _pick_language(sorted(literals, key=_literal_order), lang)  # type: ignore[arg-type]
            attr_values = [python_value(o) for o in literals] + others  # type: ignore[arg-type]
            if attr_values:
                key = local_name(prop)
                data[f"{key}_value" if key in _RESERVED else key] = _scalar_or_list(attr_values)

    # Collapsed figures: attributes of the entity they are about.
    for figure in sorted(figures, key=_text):
        about = ix.one(figure, _FIGURE_ABOUT)
        if about in entities:
            nodes[about].setdefault("figures", []).append(build.figure(figure))  # type: ignore[union-attr]
    graph.add_nodes_from(nodes.items())
    graph.add_edges_from(edges)
    return graph


def restrict_classes(graph: nx.MultiDiGraph, classes: Sequence[str]) -> nx.MultiDiGraph:
    """The subgraph of nodes whose kind key, class or class IRI is one of `classes`."""
    wanted = {c.strip() for c in classes if c.strip()}
    known_kinds = {k.key for k in KINDS}
    present = {d.get(k) for _, d in graph.nodes(data=True) for k in ("class", "class_iri")}
    unknown = sorted(c for c in wanted if c not in known_kinds and c not in present)
    if unknown:
        raise ParkgraphError(
            f"unknown class(es): {', '.join(unknown)}",
            hint=f"use kinds ({', '.join(sorted(known_kinds))}) or classes present in the graph "
            f"({', '.join(sorted(c for c in present if c and ':' in c and not c.startswith('http')))})",
        )
    keep = [n for n, d in graph.nodes(data=True) if wanted & {d.get("kind"), d.get("class"), d.get("class_iri")}]
    return graph.subgraph(keep).copy()


def neighbourhood(graph: nx.MultiDiGraph, node: str, depth: int) -> nx.MultiDiGraph:
    """The subgraph within `depth` steps of `node`, following edges in either direction."""
    if depth < 0:
        raise ParkgraphError(f"depth must be 0 or more, not {depth}", hint="use --depth 1, 2, ...")
    return graph.subgraph(_within(graph, node, depth)).copy()


def _within(graph: nx.MultiDiGraph, node: str, depth: int) -> set[str]:
    """The nodes at most `depth` steps from `node`, following edges in either direction."""
    return set(nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), node, cutoff=depth))


_CHUNK = 500  # IRIs per VALUES block when fetching a neighbourhood
_DIRECT_READS = {"network_out": "subject_triples", "network_in": "object_triples"}  # a store's own answer to each
_NOT_LINKS = _HANDLED | set(_IRI_ATTRIBUTES)  # predicates that never make an edge


def _select(graph: ParkGraph | Graph, query: str, bindings: dict[str, Node] | None = None) -> list[tuple]:
    """The rows of a SELECT on a ParkGraph or an rdflib Graph."""
    if isinstance(graph, ParkGraph):
        return graph.store.query(query, bindings).rows  # parkgraph's own queries: no syntax check needed
    if isinstance(graph, Graph):
        return [tuple(r) for r in graph.query(prepare(query), initBindings=bindings or {})]  # parsed under the lock
    raise ParkgraphError(f"cannot build a network from {type(graph).__name__}", hint="pass a ParkGraph")


class _Fetch:
    """An `_Index` filled on demand: the triples of chosen subjects (all of them) and into chosen objects."""

    def __init__(self, graph: ParkGraph | Graph):
        self.graph = graph
        self.ix = _Index([], _select(graph, internal_query("network_subclasses")))
        self.incoming: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
        self._out: set[Term] = set()
        self._in: set[Term] = set()

    def _fetch(self, query: str, var: str, nodes: Iterable[Term], done: set[Term]) -> list[tuple]:
        todo = sorted({n for n in nodes if type(n) is str and n not in done})
        done.update(todo)
        store = self.graph.store if isinstance(self.graph, ParkGraph) else None
        direct = getattr(store, _DIRECT_READS[query], None)  # the memory store reads its index instead
        if direct is not None:
            return list(direct([URIRef(n) for n in todo]))  # type: ignore[arg-type]
        rows: list[tuple] = []
        for start in range(0, len(todo), _CHUNK):
            chunk = [URIRef(n) for n in todo[start:start + _CHUNK]]  # type: ignore[arg-type]
            rows += _select(self.graph, inject_value_list(internal_query(query), var, chunk))
        return rows

    def out(self, nodes: Iterable[Term]) -> None:
        """Every triple of each node as subject."""
        for s, p, o in self._fetch("network_out", "s", nodes, self._out):
            if s is not None and p is not None and o is not None:
                self.ix.add(term(s), term(p), term(o))

    def into(self, nodes: Iterable[Term]) -> set[Term]:
        """Every triple with each node as object; returns the subjects and fetches their own triples."""
        subjects: set[Term] = set()
        for s, p, o in self._fetch("network_in", "o", nodes, self._in):
            if s is not None and p is not None and o is not None:
                self.incoming[term(o)].append((term(s), term(p)))
                subjects.add(term(s))
        self.out(subjects)
        return subjects

    def objects(self, nodes: Iterable[Term]) -> set[Term]:
        return {o for n in nodes for values in self.ix.props.get(n, {}).values() for o in values
                if type(o) is str}

    def nary(self, nodes: Iterable[Term]) -> set[Term]:
        found = set()
        for node in nodes:
            kind = self.ix.kind(node)
            if kind is not None and kind.nary:
                found.add(node)
        return found

    def complete(self, nodes: set[Term]) -> None:
        """Everything `build_network` reads to draw these entities, their edges, memberships and figures."""
        self.out(nodes)
        around = self.into(nodes) | self.objects(nodes)
        self.out(around | {p for n in nodes for p in self.ix.props.get(n, {})} | {_MEMBERSHIP_EDGE})
        nary = self.nary(around)
        self.into(nary)
        inner = self.objects(nary)  # roles, intervals, indicators, sources, ...
        self.out(inner)
        self.out(self.objects(inner))  # the instants of intervals

    def neighbours(self, node: Term) -> set[Term]:
        """A superset of the entities one edge away from `node` (reads only completed triples)."""
        found: set[Term] = set()
        linked = {o for p, values in self.ix.props.get(node, {}).items() if p not in _NOT_LINKS for o in values}
        linked |= {s for s, p in self.incoming.get(node, []) if p not in _NOT_LINKS}
        for other in linked:
            if type(other) is not str:
                continue
            found.add(other)
            if other in self.nary({other}):
                found |= set(self.ix.values(other, _MEMBER)) | set(self.ix.values(other, _ORGANIZATION))
                found |= {s for s, p in self.incoming.get(other, []) if p not in _NOT_LINKS}
        return found

    def is_entity(self, node: Term, collapse: bool) -> bool:
        kind = self.ix.kind(node)
        return type(node) is str and kind is not None and not (kind.nary and collapse)


def _focus_candidates(graph: ParkGraph | Graph, focus: str, how: str,
                      labels: Callable[[], list[tuple[str, str]]]) -> set[Node]:
    """IRIs `focus` may name, `how`: "iri" (itself, or a prefixed name with namespaces.KNOWN_PREFIXES as
    analytics.node_named takes it), "exact" (a label written exactly so, plain, @en or @ru, as
    named.resolve_label looks first), "label" (a label equal to it in any letter case: the answer of
    sparql/resolve_label.rq, from `labels` on the embedded stores) or "folded" (labels equal, containing
    or close once folded as analytics.normalize does). `labels()` gives every label (`_every_label`): the
    caller reads them at most once, for both of the last two ways."""
    from parkgraph.analytics import _QUOTES, normalize

    found: set[Node] = set()
    text = focus.strip()
    if how == "iri":  # only IRIs every store takes: Oxigraph refuses a query holding any other
        for iri in (text, expand_prefixed(text)):  # the prefixes of `iri` query parameters
            if iri is not None and iri_problem(iri) is None:
                found.add(URIRef(iri))
        return found
    if how == "exact":  # an index look-up: milliseconds on a big store, where "label" reads every label
        matches = exact_label_matches(text, lambda query, bindings: _select(graph, query, bindings))
        return {node for node in matches if isinstance(node, URIRef)}
    if how == "label":
        for variant in {text, _QUOTES.sub("", text).strip()}:
            if variant and _reads_labels_directly(graph):
                found |= {URIRef(node) for node in _label_matches(variant, labels())}
            elif variant:
                rows = _select(graph, internal_query("resolve_label"), {"text": Literal(variant)})
                found |= {row[0] for row in rows if isinstance(row[0], URIRef)}
        return found
    wanted = normalize(text)
    names: dict[str, set[str]] = defaultdict(set)
    for node, label in labels():
        names[normalize(label)].add(node)
    score = suggestions(wanted, names)
    # The closest 50 (find_entity lists the first 10 of them, closest first), not 50 in IRI order.
    return {URIRef(node) for node in heapq.nsmallest(50, score, key=lambda node: (-score[node], node))}


def _reads_labels_directly(graph: ParkGraph | Graph) -> bool:
    """True for a store that reads its labels itself (the embedded ones), faster than any query over them."""
    return isinstance(graph, ParkGraph) and hasattr(graph.store, "iri_subject_terms")


def _every_label(graph: ParkGraph | Graph) -> Iterator[tuple[str, str]]:
    """(IRI, text) of every label of an IRI: the answer of sparql/network_labels.rq, read directly from an
    embedded store (on the 1M-triple store 2.9-3.3 s, where that query and its rdflib terms took 6.2-6.6 s)."""
    if _reads_labels_directly(graph):
        for node, _prop, label in graph.store.iri_subject_terms(predicates=_NAME_PREDICATES):  # type: ignore[union-attr]
            yield node, _text(label)
        return
    for node, label in _select(graph, internal_query("network_labels")):
        if isinstance(node, URIRef) and label is not None:
            yield str(node), str(label)


def _label_matches(text: str, labels: list[tuple[str, str]]) -> list[str]:
    """sparql/resolve_label.rq's answer from labels already read: the first 20 IRIs (in IRI order) with a label
    equal to `text`, or equal once both are lower-cased. LCASE is str.lower() in rdflib's engine and Rust's
    to_lowercase in Oxigraph's, the same Unicode mapping (final sigma included)."""
    lowered = text.lower()
    return sorted({node for node, label in labels if label == text or label.lower() == lowered})[:20]


def _resolve_focus(graph: ParkGraph | Graph, focus: str, classes: Sequence[str] | None, lang: str,
                   collapse: bool) -> str:
    """The entity IRI `focus` names, by the rules (and errors) of analytics.find_entity, reading only candidates.

    Each way of looking (IRI, exact label, folded labels) is tried in turn until one finds it; an
    ambiguous name is an error at once, the last way's error (with its close candidates) otherwise.
    """
    from parkgraph.analytics import find_entity

    labels = functools.cache(lambda: list(_every_label(graph)))  # read at most once, for "label" and "folded"
    for how in ("iri", "exact", "label", "folded"):
        candidates = _focus_candidates(graph, focus, how, labels)
        if not candidates and how != "folded":
            continue
        fetch = _Fetch(graph)
        fetch.complete({term(c) for c in candidates})
        network = build_network(fetch.ix, lang=lang, collapse=collapse)
        network = network.subgraph([str(c) for c in candidates if str(c) in network]).copy()
        if classes:
            network = restrict_classes(network, classes)
        try:
            return find_entity(network, focus)
        except ParkgraphError as exc:
            if "ambiguous" in str(exc) or how == "folded":
                raise
    raise AssertionError("unreachable")


def focus_network(graph: ParkGraph | Graph, focus: str, depth: int, *, lang: str = "en",
                  classes: Sequence[str] | None = None, collapse: bool = True) -> nx.MultiDiGraph:
    """`neighbourhood(to_networkx(graph, classes=…), focus, depth)`, reading only the triples it needs.

    A breadth-first search by SPARQL from the focus fetches each reached entity's triples, the
    triples pointing at it and the n-ary nodes (memberships, figures) around it, one step further
    than `depth`; the network is then built from those triples by `build_network` itself.
    """
    if depth < 0:
        raise ParkgraphError(f"depth must be 0 or more, not {depth}", hint="use --depth 1, 2, ...")
    check_text(focus, "the focus")  # a lone surrogate cannot reach a store
    start = _resolve_focus(graph, focus, classes, lang, collapse)
    fetch = _Fetch(graph)
    _reach(fetch, start, depth, collapse)
    network = build_network(fetch.ix, lang=lang, collapse=collapse)
    if classes:
        network = restrict_classes(network, classes)
    return neighbourhood(network, str(start), depth)


def _reach(fetch: _Fetch, start: str, depth: int, collapse: bool) -> None:
    """Fetch what `build_network` needs to draw everything within `depth` steps of `start` exactly:
    a breadth-first search that completes each reached entity, one step further than `depth`."""
    reached, frontier = {start}, {start}
    for step in range(depth + 1):
        fetch.complete(frontier)
        if step == depth:
            break
        ahead = {n for node in frontier for n in fetch.neighbours(node)} - reached
        fetch.out(ahead)
        frontier = {n for n in ahead if fetch.is_entity(n, collapse)}
        reached |= frontier


PATH_RADII = (1, 2)  # steps around each end read before `paths_between` builds the whole network


def paths_between(graph: ParkGraph | Graph, a: str, b: str, *, limit: int = 5,
                  lang: str = "en") -> tuple[nx.MultiDiGraph, list[list[Step]]]:
    """`shortest_paths(to_networkx(graph, lang=lang), a, b, limit=limit)` and the network its steps are in,
    reading only the neighbourhoods of `a` and `b` when the answer lies within them.

    Every shortest path of at most 2r steps runs inside the entities within r steps of either end,
    so a path found there that short is a shortest path of the whole network, and all of them are
    there; the answer is taken from them when it is complete (fewer routes than `shortest_paths`
    considers), else the whole network is built. On a 1M-triple graph two countries one
    organization apart take seconds instead of the whole network's half minute.
    """
    from parkgraph.analytics import check_path_limit, paths_within, same_entity_error, shortest_paths

    check_lang(lang)
    check_path_limit(limit)
    for name in (a, b):
        check_text(name, "an entity's name")
    start, end = (_resolve_focus(graph, name, None, lang, True) for name in (a, b))
    if start == end:
        raise same_entity_error(a, b)
    fetch = _Fetch(graph)
    for radius in PATH_RADII:
        _reach(fetch, start, radius, True)
        _reach(fetch, end, radius, True)
        built = build_network(fetch.ix, lang=lang, collapse=True)
        near = _within(built, start, radius) | _within(built, end, radius)
        network = built.subgraph(near).copy()
        found = paths_within(network, start, end, limit=limit, max_steps=2 * radius)
        if found is not None:
            return network, found
    network = to_networkx(graph, lang=lang)
    return network, shortest_paths(network, start, end, limit=limit)


def to_networkx(
    graph: ParkGraph | Graph,
    *,
    lang: str = "en",
    classes: Sequence[str] | None = None,
    focus: str | None = None,
    depth: int | None = None,
    collapse: bool = True,
) -> nx.MultiDiGraph:
    """The graph's entities as a networkx MultiDiGraph, optionally restricted to classes or a neighbourhood.

    `classes` are kind keys (person, park, country, ...), prefixed class names or class IRIs;
    `focus` is an entity's label (either language), IRI or prefixed name, `depth` the number of
    steps around it (default 2); `collapse=False` keeps memberships and figures as nodes.
    """
    check_lang(lang)
    if focus is not None:
        return focus_network(graph, focus, 2 if depth is None else depth, lang=lang, classes=classes,
                             collapse=collapse)
    with gc_paused():
        network = build_network(_Index.load(graph), lang=lang, collapse=collapse)
    if classes:
        network = restrict_classes(network, classes)
    if depth is not None:
        raise ParkgraphError("--depth needs --focus", hint="name the entity to centre on with --focus")
    return network
