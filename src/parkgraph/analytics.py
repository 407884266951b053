"""Network questions about the entity graph: look-up by name, shortest paths, neighbours, brokers."""

from __future__ import annotations

import heapq
import itertools
import math
import random
import re
import unicodedata
from dataclasses import dataclass

import networkx as nx

from parkgraph.errors import ParkgraphError
from parkgraph.namespaces import expand_prefixed, shorten
from parkgraph.suggest import suggestions

_MAX_ROUTES = 1000  # shortest routes considered before ordering and cutting to `limit`
_QUOTES = re.compile(r"[«»\"“”„‟'‘’‚‹›`]")


_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """A name folded for look-up: NFC, no quotes, single spaces, case-folded, ё as е."""
    text = unicodedata.normalize("NFC", text)
    text = _QUOTES.sub("", text)
    text = _SPACES.sub(" ", text).strip().casefold()
    return text.replace("ё", "е")


def _names(node: str, data: dict) -> set[str]:
    """Every name a node answers to: IRI, prefixed name, labels in both languages, alternative labels."""
    names = {node, shorten(node), data.get("label_ru", ""), data.get("label_en", ""), data.get("label", "")}
    names.update(data.get("alt_labels") or [])
    return {n for n in names if n}


def name_index(graph: nx.MultiDiGraph) -> dict[str, set[str]]:
    """Normalized name -> the nodes that carry it."""
    index: dict[str, set[str]] = {}
    for node, data in graph.nodes(data=True):
        for name in _names(node, data):
            index.setdefault(normalize(name), set()).add(node)
    return index


def _describe(graph: nx.MultiDiGraph, node: str) -> str:
    data = graph.nodes[node]
    return f"{data.get('label', node)} ({data.get('class_label', '')}, {shorten(node)})"


def node_named(graph: nx.MultiDiGraph, name: str) -> str | None:
    """The node whose IRI `name` is or spells as a prefixed name (`pgorg:sco`, `pgid:org/sco`, with the
    prefixes an `iri` query parameter takes: namespaces.KNOWN_PREFIXES); None if there is none."""
    if name in graph:
        return name
    text = name.strip()
    for iri in (text, expand_prefixed(text)):
        if iri is not None and iri in graph:
            return iri
    return None


def find_entity(graph: nx.MultiDiGraph, name: str, index: dict[str, set[str]] | None = None) -> str:
    """The one node called `name` (label in either language, IRI or prefixed name); else a clear error.

    An IRI or prefixed name (`node_named`) is taken first, then any name folded by `normalize`; of
    several entities so named, the one whose label is written exactly as `name` (as for named-query
    parameters, `named.resolve_label`).
    `index` is `name_index(graph)`, for a caller that looks up several names (it costs about a
    second per 30,000 entities to build).
    """
    node = node_named(graph, name)
    if node is not None:
        return node
    if index is None:
        index = name_index(graph)
    wanted = normalize(name)
    found = index.get(wanted, set())
    if len(found) > 1:  # a name written exactly as one entity's label wins over others' variants of it
        exact = {node for node in found if name.strip() in _names(node, graph.nodes[node])}
        found = exact if len(exact) == 1 else found
    if len(found) == 1:
        return next(iter(found))
    if found:
        listing = "; ".join(sorted(_describe(graph, n) for n in found))
        raise ParkgraphError(
            f"'{name}' is ambiguous: it names {len(found)} entities: {listing}",
            hint="use the full label or the IRI of the one you mean",
        )
    score = suggestions(wanted, index)
    candidates = heapq.nsmallest(10, score, key=lambda n: (-score[n], _describe(graph, n)))  # the closest first
    # find-entity reads the labels alone (seconds on a million triples), where `central` builds the network.
    hint = "check the spelling, or look it up by a part of its name: parkgraph query find-entity -p text=PART"
    if candidates:
        listing = "; ".join(_describe(graph, n) for n in candidates)
        raise ParkgraphError(f"no entity is called '{name}'; did you mean: {listing}", hint=hint)
    raise ParkgraphError(f"no entity is called '{name}'", hint=hint)


@dataclass
class Step:
    """One hop of a path: from a node to the next along an edge, in its stated direction or against it."""

    source: str
    target: str
    predicate: str
    label: str
    forward: bool  # True when the edge points from `source` to `target`


def _step(graph: nx.MultiDiGraph, a: str, b: str) -> Step:
    """The hop a -> b, preferring an edge stated in that direction, then the first by predicate."""
    for u, v, forward in ((a, b, True), (b, a, False)):
        edges = graph.get_edge_data(u, v) or {}
        if edges:
            key = sorted(edges)[0]
            data = edges[key]
            return Step(a, b, data.get("predicate", str(key)), data.get("label", str(key)), forward)
    raise ParkgraphError(f"no edge between {a} and {b}")


def undirected(graph: nx.MultiDiGraph) -> nx.Graph:
    """The simple undirected graph of `graph`, built in a fixed order (views iterate sets)."""
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes)
    simple.add_edges_from(graph.edges())
    return simple


def shortest_paths(graph: nx.MultiDiGraph, a: str, b: str, *, limit: int = 5) -> list[list[Step]]:
    """Up to `limit` shortest connections between two entities (edges followed either way)."""
    check_path_limit(limit)
    index = None if node_named(graph, a) is not None and node_named(graph, b) is not None else name_index(graph)
    start, end = find_entity(graph, a, index), find_entity(graph, b, index)
    if start == end:
        raise same_entity_error(a, b)
    return _steps(graph, _routes(graph, start, end), limit)


def check_path_limit(limit: int) -> None:
    """A clear error for fewer than one path asked for (no paths asked for is not "no connection")."""
    if limit < 1:
        raise ParkgraphError(f"the number of paths must be 1 or more, not {limit}", hint="e.g. --max 3")


def same_entity_error(a: str, b: str) -> ParkgraphError:
    """The error for a path asked between two names of one entity."""
    return ParkgraphError(f"'{a}' and '{b}' are the same entity", hint="name two different entities")


def _routes(graph: nx.MultiDiGraph, start: str, end: str) -> list[list[str]]:
    """Up to _MAX_ROUTES shortest routes (node lists) between two nodes, edges followed either way."""
    try:
        return list(itertools.islice(nx.all_shortest_paths(undirected(graph), start, end), _MAX_ROUTES))
    except nx.NetworkXNoPath:
        return []


def _steps(graph: nx.MultiDiGraph, routes: list[list[str]], limit: int) -> list[list[Step]]:
    """The first `limit` routes as steps, ordered by the labels along them (the same answer in every run)."""
    routes = sorted(routes, key=lambda nodes: ([graph.nodes[n].get("label", n).casefold() for n in nodes], nodes))
    return [[_step(graph, x, y) for x, y in itertools.pairwise(nodes)] for nodes in routes[:limit]]


def paths_within(
    graph: nx.MultiDiGraph, start: str, end: str, *, limit: int, max_steps: int
) -> list[list[Step]] | None:
    """`shortest_paths` between two nodes of a part of the network that holds every path of at most
    `max_steps` steps between them; None when the part cannot tell (no path that short, or as many
    routes as `shortest_paths` considers, which the whole network might order differently)."""
    routes = _routes(graph, start, end)
    if not routes or len(routes[0]) - 1 > max_steps or len(routes) >= _MAX_ROUTES:
        return None
    return _steps(graph, routes, limit)


def format_path(graph: nx.MultiDiGraph, steps: list[Step]) -> str:
    """A path as a readable chain: the first entity, then one labelled step per line."""
    label = lambda n: graph.nodes[n].get("label", n)  # noqa: E731
    lines = [label(steps[0].source)]
    for step in steps:
        arrow = f"  —[{step.label}]→ " if step.forward else f"  ←[{step.label}]— "
        lines.append(arrow + label(step.target))
    return "\n".join(lines)


def check_depth(depth: int) -> None:
    """A clear error for a neighbourhood of fewer than one step."""
    if depth < 1:
        raise ParkgraphError(f"depth must be 1 or more, not {depth}", hint="use --depth 1, 2, ...")


def neighbours(graph: nx.MultiDiGraph, name: str, depth: int = 1) -> list[tuple[str, int]]:
    """Entities within `depth` steps of the named one (either direction), nearest first, then by label.

    The same answer on `to_networkx(…, focus=name, depth=depth)`, which reads only that neighbourhood.
    """
    check_depth(depth)
    node = find_entity(graph, name)
    reach = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), node, cutoff=depth)
    found = [(n, d) for n, d in reach.items() if n != node]
    return sorted(found, key=lambda nd: (nd[1], graph.nodes[nd[0]].get("label", nd[0]).casefold()))


@dataclass
class Centrality:
    """How central one entity is: betweenness (brokerage between parts of the graph) and degree."""

    node: str
    label: str
    class_label: str
    betweenness: float
    degree: int


EXACT_BETWEENNESS_UP_TO = 5_000  # entities; exact betweenness costs a shortest-path search from each
BETWEENNESS_SAMPLES = 100  # sources sampled above that (igraph: ~8 ms each on a 1M-triple graph's 88,000 entities)
BETWEENNESS_SEED = 0  # the same sample, so the same ranking, in every run


def betweenness_sources(entities: int, samples: int | None = None) -> int | None:
    """How many source entities betweenness is estimated from; None when it is computed exactly.

    `samples` None: exact up to EXACT_BETWEENNESS_UP_TO entities, else BETWEENNESS_SAMPLES (exact
    betweenness searches from every entity: about six hours on a 1M-triple graph); 0: exact.
    """
    if samples is None:
        samples = 0 if entities <= EXACT_BETWEENNESS_UP_TO else BETWEENNESS_SAMPLES
    if samples < 0:
        raise ParkgraphError(f"--samples must be 0 (exact) or more, not {samples}")
    return None if samples == 0 or samples >= entities else samples


def betweenness_centrality(simple: nx.Graph, k: int | None = None) -> dict[str, float]:
    """networkx's normalized `betweenness_centrality(simple, k=k, seed=BETWEENNESS_SEED)`, computed by igraph.

    The same sources (networkx's seeded sample of `k`, or every node) and the same scaling, so the
    same numbers to rounding; igraph's C does the shortest-path searches about a hundred times faster
    than networkx's Python (100 sources on a 1M-triple graph's 88,000 entities: 0.8 s against ~100 s).
    """
    import igraph  # here, not at the top: importing it (and the matplotlib it looks for) takes 0.6-3 s,
    # which every command that resolves an entity name would pay for `central` alone

    nodes = list(simple)
    if k == len(nodes):
        k = None
    index = {node: i for i, node in enumerate(nodes)}
    undirected = igraph.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in simple.edges()])
    sources = None if k is None else random.Random(BETWEENNESS_SEED).sample(nodes, k)
    # igraph counts each unordered pair of (source, target) once, networkx each ordered pair
    found = [2 * b for b in undirected.betweenness(directed=False, sources=None if sources is None else
                                                   [index[s] for s in sources])]
    pairs = len(nodes) - 1  # networkx's N: the targets a path through v may end at, v itself excluded
    if pairs < 2:
        return dict.fromkeys(nodes, 0.0)
    if sources is None:
        scale = 1 / (pairs * (pairs - 1))
        return {node: b * scale for node, b in zip(nodes, found, strict=True)}
    # a sampled source is never a source of the paths through itself (networkx's sampling adjustment)
    sampled = set(sources)
    scale_source = 1 / ((k - 1) * (pairs - 1)) if k > 1 else math.nan
    scale_other = 1 / (k * (pairs - 1))
    return {node: b * (scale_source if node in sampled else scale_other)
            for node, b in zip(nodes, found, strict=True)}


def central(graph: nx.MultiDiGraph, top: int = 10, samples: int | None = None) -> list[Centrality]:
    """The `top` entities by betweenness centrality (ties broken by degree), on the undirected graph.

    On a big graph betweenness is estimated from sampled source entities (networkx's `k`, seeded):
    see `betweenness_sources`.
    """
    if top < 1:
        raise ParkgraphError(f"--top must be 1 or more, not {top}")
    simple = undirected(graph)
    sources = betweenness_sources(simple.number_of_nodes(), samples)
    betweenness = betweenness_centrality(simple, sources)
    rows = [
        Centrality(
            node=n,
            label=graph.nodes[n].get("label", n),
            class_label=graph.nodes[n].get("class_label", ""),
            betweenness=betweenness.get(n, 0.0),
            degree=simple.degree(n),
        )
        for n in graph.nodes
    ]
    rows.sort(key=lambda c: (-c.betweenness, -c.degree, c.label.casefold()))
    return rows[:top]
