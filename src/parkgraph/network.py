"""The knowledge graph as a networkx MultiDiGraph of entities, for analytics, export and the map.

Nodes are people, organizations, places, events and initiatives (see `network_model.KINDS`);
literals become node attributes; memberships collapse into labelled person -> organization
edges and stated figures into the `figures` attribute of the entity they are about.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from parkgraph.app import PREFIXES, short
from parkgraph.binding import inject_value_list, is_iri
from parkgraph.errors import ParkgraphError
from parkgraph.graph import ParkGraph
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
from parkgraph.sparql import internal_query

LANGS = ("ru", "en")
_LABEL_PREDICATES = (RDFS.label, SKOS.prefLabel)
_RESERVED = {"iri", "label", "label_ru", "label_en", "alt_labels", "class", "class_iri", "class_label", "kind",
             "kind_label", "sources", "source_labels", "figures", "same_as", "id", "name", "value"}
_HANDLED = {RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, SOURCE}


_short = functools.lru_cache(maxsize=1 << 16)(short)  # app.short scans every prefix; exports ask it per node and edge


def check_lang(lang: str) -> str:
    """`lang` if parkgraph has labels in it, else a clear error."""
    if lang not in LANGS:
        raise ParkgraphError(f"unknown language '{lang}'", hint="use --lang ru or --lang en")
    return lang


def local_name(iri: str) -> str:
    """The last segment of an IRI (after '#' or '/'), used as an attribute key."""
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def python_value(term: Literal) -> object:
    """A literal as a scalar fit for every export format: bool, int, float or str."""
    value = term.toPython()
    if isinstance(value, bool | int | float | str) and not isinstance(value, Literal):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(term)


class _Index:
    """The triples of the graph indexed by subject, with types, superclasses and labels."""

    def __init__(self, rows: Iterable[tuple[Node | None, ...]], subclass_rows: Iterable[tuple[Node | None, ...]]):
        self.props: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
        for s, p, o in rows:
            if s is not None and p is not None and o is not None:
                self.props[s][p].append(o)
        self._labels: dict[Node, dict[str, str]] = {}
        self.supers: dict[Node, set[Node]] = defaultdict(set)
        for cls, sup in subclass_rows:
            if cls is not None and sup is not None:
                self.supers[cls].add(sup)

    @classmethod
    def load(cls, graph: ParkGraph | Graph) -> _Index:
        """Read the graph through SPARQL (any store) or an rdflib Graph."""
        queries = [internal_query("network_triples"), internal_query("network_subclasses")]
        if isinstance(graph, ParkGraph):
            direct = getattr(graph.store, "iri_subject_triples", None)  # the embedded Oxigraph store
            triples = direct() if direct is not None else graph.sparql(queries[0]).rows
            subclasses = graph.sparql(queries[1]).rows
        elif isinstance(graph, Graph):
            triples, subclasses = ([tuple(r) for r in graph.query(q)] for q in queries)
        else:
            raise ParkgraphError(f"cannot build a network from {type(graph).__name__}", hint="pass a ParkGraph")
        return cls(triples, subclasses)

    def values(self, node: Node, prop: URIRef) -> list[Node]:
        return self.props.get(node, {}).get(prop, [])

    def one(self, node: Node, prop: URIRef) -> Node | None:
        found = self.values(node, prop)
        return sorted(found, key=str)[0] if found else None

    def types(self, node: Node) -> set[Node]:
        return set(self.values(node, RDF.type))

    def closure(self, node: Node) -> set[Node]:
        """The node's classes and all their superclasses."""
        found = self.types(node)
        for cls in list(found):
            found |= self.supers.get(cls, set())
        return found

    def kind(self, node: Node) -> Kind | None:
        classes = self.closure(node)
        for kind in KINDS:
            if classes.intersection(kind.classes):
                return kind
        return None

    def labels(self, node: Node) -> dict[str, str]:
        """The node's labels by language ('' for untagged), rdfs:label before skos:prefLabel."""
        known = self._labels.get(node)
        if known is not None:
            return known
        found: dict[str, str] = {}
        self._labels[node] = found
        for prop in _LABEL_PREDICATES:
            for value in sorted(self.values(node, prop), key=str):
                if isinstance(value, Literal):
                    found.setdefault(value.language or "", str(value))
        return found

    def label(self, node: Node, lang: str) -> str:
        """The node's label in `lang`, else the other language, else untagged, else its short IRI."""
        found = self.labels(node)
        for wanted in (lang, "ru" if lang == "en" else "en", ""):
            if wanted in found:
                return found[wanted]
        return _short(str(node))

    def predicate_label(self, prop: Node, lang: str) -> str:
        found = self.labels(prop)
        if lang in found:
            return found[lang]
        if prop in PREDICATE_LABELS:
            en, ru = PREDICATE_LABELS[prop]
            return ru if lang == "ru" else en
        return found.get("en") or local_name(str(prop))

    def most_specific_class(self, node: Node) -> Node | None:
        """The node's type that no other of its types specialises (namespace preference breaks ties)."""
        types = self.types(node)
        specific = [t for t in types if not any(t in self.supers.get(other, ()) for other in types if other != t)]

        def rank(cls: Node) -> tuple[int, str]:
            iri = str(cls)
            for index, ns in enumerate(CLASS_PREFERENCE):
                if iri.startswith(ns):
                    return index, iri
            return len(CLASS_PREFERENCE), iri

        return min(specific or types, key=rank, default=None)

    def date(self, interval: Node | None, prop: URIRef) -> str | None:
        """The xsd:date of the beginning or end of an OWL-Time interval, as ISO text."""
        if interval is None:
            return None
        instant = self.one(interval, prop)
        value = self.one(instant, DATE) if instant is not None else None
        return str(python_value(value)) if isinstance(value, Literal) else None


def _pick_language(values: Sequence[Node], lang: str) -> list[Node]:
    """Untagged values, plus tagged ones in `lang` (or the other language if there are none in it)."""
    plain = [v for v in values if not (isinstance(v, Literal) and v.language)]
    tagged = [v for v in values if isinstance(v, Literal) and v.language]
    for wanted in (lang, "ru" if lang == "en" else "en"):
        chosen = [v for v in tagged if v.language == wanted]
        if chosen:
            return plain + chosen
    return plain + tagged


def _literal_order(term: Literal) -> tuple[str, str, str]:
    """Literal values in one order whichever store (or query) returned them."""
    return str(term), term.language or "", str(term.datatype or "")


def _scalar_or_list(values: list[object]) -> object:
    return values[0] if len(values) == 1 else values


def _class_label(ix: _Index, cls: Node | None, kind: Kind, lang: str) -> str:
    """The class's label; for an unlabelled class its name split into words (en) or the kind's label."""
    if cls is not None and ix.labels(cls):
        return ix.label(cls, lang)
    if cls is not None and lang == "en":
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local_name(str(cls)))
        return words[:1].upper() + words[1:].lower()
    return kind.label(lang)


def _node_attributes(ix: _Index, node: Node, kind: Kind, lang: str) -> dict[str, object]:
    """Labels, class, kind, provenance and literal values of an entity node."""
    labels = ix.labels(node)
    cls = ix.most_specific_class(node)
    sources = sorted(ix.values(node, SOURCE), key=str)
    attrs: dict[str, object] = {
        "iri": str(node),
        "label": ix.label(node, lang),
        "label_ru": labels.get("ru") or labels.get("") or ix.label(node, "ru"),
        "label_en": labels.get("en") or labels.get("") or ix.label(node, "en"),
        "alt_labels": sorted({str(v) for v in ix.values(node, SKOS.altLabel)}),
        "class": _short(str(cls)) if cls is not None else "",
        "class_iri": str(cls) if cls is not None else "",
        "class_label": _class_label(ix, cls, kind, lang),
        "kind": kind.key,
        "kind_label": kind.label(lang),
        "sources": [str(s) for s in sources],
        "source_labels": [ix.label(s, lang) for s in sources],
    }
    return attrs


def _figure(ix: _Index, figure: Node, lang: str) -> dict[str, object]:
    """A stated figure as a flat dict: value or bounds, unit, indicator, period, who, where, source."""
    entry: dict[str, object] = {"iri": str(figure), "label": ix.label(figure, lang)}
    for key, prop in FIGURE_VALUES.items():
        value = ix.one(figure, prop)
        if isinstance(value, Literal):
            entry[key] = python_value(value)
    for key, prop in FIGURE_LINKS.items():
        target = ix.one(figure, prop)
        if target is not None:
            entry[key] = ix.label(target, lang)
    sources = sorted(ix.values(figure, SOURCE), key=str)
    entry["sources"] = [str(s) for s in sources]
    entry["source_labels"] = [ix.label(s, lang) for s in sources]
    return entry


def _edge_attributes(ix: _Index, subject: Node, prop: Node, lang: str, provenance: Node) -> dict[str, object]:
    sources = sorted(ix.values(provenance, SOURCE), key=str)
    return {
        "predicate": str(prop),
        "predicate_short": _short(str(prop)),
        "label": ix.predicate_label(prop, lang),
        "label_ru": ix.predicate_label(prop, "ru"),
        "label_en": ix.predicate_label(prop, "en"),
        "sources": [str(s) for s in sources],
        "source_labels": [ix.label(s, lang) for s in sources],
    }


def build_network(ix: _Index, *, lang: str = "en", collapse: bool = True) -> nx.MultiDiGraph:
    """The whole entity network of an indexed graph (see `to_networkx`)."""
    graph = nx.MultiDiGraph(lang=lang, collapsed=collapse)
    entities: dict[Node, Kind] = {}
    memberships: list[Node] = []
    figures: list[Node] = []
    for node in ix.props:
        kind = ix.kind(node)
        if kind is None or not isinstance(node, URIRef):
            continue
        if kind.nary and collapse:
            classes = ix.closure(node)
            (memberships if MEMBERSHIP in classes else figures if FIGURE in classes else []).append(node)
            continue
        entities[node] = kind
    for node in sorted(entities, key=str):
        graph.add_node(str(node), **_node_attributes(ix, node, entities[node], lang))

    # Collapsed memberships: one member -> organization edge with role and dates.
    pairs: set[tuple[Node, Node]] = set()
    organization_of: dict[Node, Node] = {}
    for membership in sorted(memberships, key=str):
        member, org = ix.one(membership, MEMBER), ix.one(membership, ORGANIZATION)
        if org is not None:
            organization_of[membership] = org
        if member not in entities or org not in entities:
            continue
        pairs.add((member, org))
        attrs = _edge_attributes(ix, membership, MEMBERSHIP_EDGE, lang, membership)
        role = ix.one(membership, ROLE)
        during = ix.one(membership, DURING)
        extra = {
            "membership": str(membership),
            "membership_label": ix.label(membership, lang),
            "role": ix.label(role, lang) if role is not None else None,
            "start_date": ix.date(during, BEGINNING),
            "end_date": ix.date(during, END),
        }
        attrs.update({k: v for k, v in extra.items() if v is not None})
        graph.add_edge(str(member), str(org), key=str(membership), **attrs)

    # Plain triples: edges between entities, attributes otherwise.
    for node in sorted(entities, key=str):
        data = graph.nodes[str(node)]
        for prop, objects in sorted(ix.props[node].items(), key=lambda kv: str(kv[0])):
            if prop in _HANDLED:
                continue
            if prop in IRI_ATTRIBUTES:
                data[IRI_ATTRIBUTES[prop]] = sorted({str(o) for o in objects})
                continue
            attr_values: list[object] = []
            for obj in sorted(objects, key=str):
                target = organization_of.get(obj, obj)
                if target in entities:
                    if prop == MEMBERSHIP_EDGE and (node, target) in pairs:
                        continue  # the dated membership edge already says it
                    inverse = INVERSES.get(prop)
                    if inverse is not None and node in ix.values(target, inverse):
                        continue  # stated the other way round too: keep that direction
                    attrs = _edge_attributes(ix, node, prop, lang, node)
                    if target != obj:
                        attrs["via"] = str(obj)
                        attrs["via_label"] = ix.label(obj, lang)
                    graph.add_edge(str(node), str(target), key=str(prop), **attrs)
            literals = _pick_language(sorted((o for o in objects if isinstance(o, Literal)), key=_literal_order), lang)
            attr_values += [python_value(o) for o in literals if isinstance(o, Literal)]
            attr_values += [
                ix.label(o, lang) for o in sorted(objects, key=str)
                if not isinstance(o, Literal) and organization_of.get(o, o) not in entities
            ]
            if attr_values:
                key = local_name(str(prop))
                data[f"{key}_value" if key in _RESERVED else key] = _scalar_or_list(attr_values)

    # Collapsed figures: attributes of the entity they are about.
    for figure in sorted(figures, key=str):
        about = ix.one(figure, FIGURE_ABOUT)
        if about in entities:
            graph.nodes[str(about)].setdefault("figures", []).append(_figure(ix, figure, lang))
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
    reach = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), node, cutoff=depth)
    return graph.subgraph(reach).copy()


_CHUNK = 500  # IRIs per VALUES block when fetching a neighbourhood
_NOT_LINKS = _HANDLED | set(IRI_ATTRIBUTES)  # predicates that never make an edge


def _select(graph: ParkGraph | Graph, query: str, bindings: dict[str, Node] | None = None) -> list[tuple]:
    """The rows of a SELECT on a ParkGraph or an rdflib Graph."""
    if isinstance(graph, ParkGraph):
        return graph.store.query(query, bindings).rows  # parkgraph's own queries: no syntax check needed
    if isinstance(graph, Graph):
        return [tuple(r) for r in graph.query(query, initBindings=bindings or {})]
    raise ParkgraphError(f"cannot build a network from {type(graph).__name__}", hint="pass a ParkGraph")


class _Fetch:
    """An `_Index` filled on demand: the triples of chosen subjects (all of them) and into chosen objects."""

    def __init__(self, graph: ParkGraph | Graph):
        self.graph = graph
        self.ix = _Index([], _select(graph, internal_query("network_subclasses")))
        self.incoming: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
        self._out: set[Node] = set()
        self._in: set[Node] = set()

    def _fetch(self, query: str, var: str, nodes: Iterable[Node], done: set[Node]) -> list[tuple]:
        todo = sorted({n for n in nodes if isinstance(n, URIRef) and n not in done}, key=str)
        done.update(todo)
        rows: list[tuple] = []
        for start in range(0, len(todo), _CHUNK):
            rows += _select(self.graph, inject_value_list(internal_query(query), var, todo[start:start + _CHUNK]))
        return rows

    def out(self, nodes: Iterable[Node]) -> None:
        """Every triple of each node as subject."""
        for s, p, o in self._fetch("network_out", "s", nodes, self._out):
            if s is not None and p is not None and o is not None:
                self.ix.props[s][p].append(o)
                self.ix._labels.pop(s, None)

    def into(self, nodes: Iterable[Node]) -> set[Node]:
        """Every triple with each node as object; returns the subjects and fetches their own triples."""
        subjects: set[Node] = set()
        for s, p, o in self._fetch("network_in", "o", nodes, self._in):
            if s is not None and p is not None and o is not None:
                self.incoming[o].append((s, p))
                subjects.add(s)
        self.out(subjects)
        return subjects

    def objects(self, nodes: Iterable[Node]) -> set[Node]:
        return {o for n in nodes for values in self.ix.props.get(n, {}).values() for o in values
                if isinstance(o, URIRef)}

    def nary(self, nodes: Iterable[Node]) -> set[Node]:
        found = set()
        for node in nodes:
            kind = self.ix.kind(node)
            if kind is not None and kind.nary:
                found.add(node)
        return found

    def complete(self, nodes: set[Node]) -> None:
        """Everything `build_network` reads to draw these entities, their edges, memberships and figures."""
        self.out(nodes)
        around = self.into(nodes) | self.objects(nodes)
        self.out(around | {p for n in nodes for p in self.ix.props.get(n, {})} | {MEMBERSHIP_EDGE})
        nary = self.nary(around)
        self.into(nary)
        inner = self.objects(nary)  # roles, intervals, indicators, sources, ...
        self.out(inner)
        self.out(self.objects(inner))  # the instants of intervals

    def neighbours(self, node: Node) -> set[Node]:
        """A superset of the entities one edge away from `node` (reads only completed triples)."""
        found: set[Node] = set()
        linked = {o for p, values in self.ix.props.get(node, {}).items() if p not in _NOT_LINKS for o in values}
        linked |= {s for s, p in self.incoming.get(node, []) if p not in _NOT_LINKS}
        for other in linked:
            if not isinstance(other, URIRef):
                continue
            found.add(other)
            if other in self.nary({other}):
                found |= set(self.ix.values(other, MEMBER)) | set(self.ix.values(other, ORGANIZATION))
                found |= {s for s, p in self.incoming.get(other, []) if p not in _NOT_LINKS}
        return found

    def is_entity(self, node: Node, collapse: bool) -> bool:
        kind = self.ix.kind(node)
        return isinstance(node, URIRef) and kind is not None and not (kind.nary and collapse)


def _focus_candidates(graph: ParkGraph | Graph, focus: str, how: str) -> set[Node]:
    """IRIs `focus` may name, `how`: "iri" (itself, or a prefixed name), "label" (an exact label, as
    named.resolve_label finds it) or "folded" (labels equal, containing or close once folded as
    analytics.normalize does)."""
    from parkgraph.analytics import _QUOTES, normalize

    found: set[Node] = set()
    text = focus.strip()
    if how == "iri":
        if is_iri(text):
            found.add(URIRef(text))
        prefix, _, rest = text.partition(":")
        if rest and prefix in PREFIXES and is_iri(str(PREFIXES[prefix]) + rest):
            found.add(URIRef(str(PREFIXES[prefix]) + rest))
        return found
    if how == "label":
        for variant in {text, _QUOTES.sub("", text).strip()}:
            if variant:
                rows = _select(graph, internal_query("resolve_label"), {"text": Literal(variant)})
                found |= {row[0] for row in rows if isinstance(row[0], URIRef)}
        return found
    wanted = normalize(text)
    names: dict[str, set[Node]] = defaultdict(set)
    for node, label in _select(graph, internal_query("network_labels")):
        if isinstance(node, URIRef) and label is not None:
            names[normalize(str(label))].add(node)
    keys = [k for k in names if wanted and wanted in k]
    keys += difflib.get_close_matches(wanted, list(names), n=8, cutoff=0.6)
    for key in keys:
        found |= names[key]
    return set(sorted(found, key=str)[:50])


def _resolve_focus(graph: ParkGraph | Graph, focus: str, classes: Sequence[str] | None, lang: str,
                   collapse: bool) -> str:
    """The entity IRI `focus` names, by the rules (and errors) of analytics.find_entity, reading only candidates.

    Each way of looking (IRI, exact label, folded labels) is tried in turn until one finds it; an
    ambiguous name is an error at once, the last way's error (with its close candidates) otherwise.
    """
    from parkgraph.analytics import find_entity

    for how in ("iri", "label", "folded"):
        candidates = _focus_candidates(graph, focus, how)
        if not candidates and how != "folded":
            continue
        fetch = _Fetch(graph)
        fetch.complete(candidates)
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
    start = URIRef(_resolve_focus(graph, focus, classes, lang, collapse))
    fetch = _Fetch(graph)
    reached, frontier = {start}, {start}
    for step in range(depth + 1):
        fetch.complete(frontier)
        if step == depth:
            break
        ahead = {n for node in frontier for n in fetch.neighbours(node)} - reached
        fetch.out(ahead)
        frontier = {n for n in ahead if fetch.is_entity(n, collapse)}
        reached |= frontier
    network = build_network(fetch.ix, lang=lang, collapse=collapse)
    if classes:
        network = restrict_classes(network, classes)
    return neighbourhood(network, str(start), depth)


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
    network = build_network(_Index.load(graph), lang=lang, collapse=collapse)
    if classes:
        network = restrict_classes(network, classes)
    if focus is not None:
        from parkgraph.analytics import find_entity

        network = neighbourhood(network, find_entity(network, focus), 2 if depth is None else depth)
    elif depth is not None:
        raise ParkgraphError("--depth needs --focus", hint="name the entity to centre on with --focus")
    return network
