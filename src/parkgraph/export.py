"""Writing the entity network to files other tools open: GraphML, GEXF, node-link JSON, Cytoscape.js JSON."""

from __future__ import annotations

import functools
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import networkx as nx

from parkgraph.atomic import atomic_write
from parkgraph.errors import ParkgraphError

FORMATS = ("graphml", "gexf", "json", "cytoscape")
_INT32 = (-(2**31), 2**31 - 1)
# Characters XML 1.0 does not allow, even escaped: dropped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Lone surrogates are not Unicode text (no UTF-8, strict JSON parsers refuse them): U+FFFD in every format.
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_only(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD, as a UTF-8 decoder does with bytes it cannot read."""
    return _SURROGATE.sub("\ufffd", text)


def _xml_text(text: str) -> str:
    """`text` as XML 1.0 can carry it: lone surrogates as U+FFFD, characters XML forbids dropped.

    Printable text (no control character, surrogate or noncharacter: nearly every label) is
    returned as it is without the two substitutions; a 1M-triple export holds 1.5 million values.
    """
    if text.isprintable():
        return text
    return _XML_INVALID.sub("", text_only(text))


def _scalar(value: object) -> object | None:
    """A value as a scalar GraphML/GEXF can hold: bool, 32-bit int, finite float or XML-safe str; None to drop."""
    if type(value) is str:  # the common case first
        return _xml_text(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if _INT32[0] <= value <= _INT32[1] else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        if not items:
            return None
        if all(isinstance(i, str | int | float | bool) for i in items):
            return _xml_text("; ".join(str(i) for i in items))
        return _xml_text(json.dumps(items, ensure_ascii=False, sort_keys=True, default=str))
    if isinstance(value, dict):
        return _xml_text(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))
    return _xml_text(str(value))


@functools.lru_cache(maxsize=4096)
def _key(key: object) -> str:
    """An attribute name fit for XML: a predicate's local name may hold any character (a few
    dozen names repeat over every node and edge, hence the cache)."""
    return _xml_text(str(key))


def _attributes(data: dict) -> dict[str, object]:
    """`data` with XML-safe names and scalar values, None values left out."""
    return {_key(k): v for k, v in ((k, _scalar(v)) for k, v in data.items()) if v is not None}


def _uniform(items: list[dict]) -> None:
    """Make every attribute hold one type across nodes (or edges): a key of mixed types becomes text."""
    types: dict[str, set[type]] = defaultdict(set)
    for data in items:
        for key, value in data.items():
            types[key].add(type(value))
    mixed = {key for key, found in types.items() if len(found) > 1}
    for data in items:
        for key in mixed & data.keys():
            data[key] = str(data[key])


def scalar_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose attributes are all scalars of one type per key, as GraphML and GEXF require."""
    clean = nx.MultiDiGraph()
    clean.graph.update(_attributes(graph.graph))
    for node, data in graph.nodes(data=True):
        clean.add_node(_scalar(node), **_attributes(data))
    for u, v, key, data in graph.edges(keys=True, data=True):
        clean.add_edge(_scalar(u), _scalar(v), key=_scalar(key), **_attributes(data))
    _uniform([d for _, d in clean.nodes(data=True)])
    _uniform([d for _, _, d in clean.edges(data=True)])
    return clean


def node_link(graph: nx.MultiDiGraph) -> dict:
    """The node-link JSON document networkx reads back with `node_link_graph(data, edges="edges")`."""
    return nx.node_link_data(graph, edges="edges")


def cytoscape(graph: nx.MultiDiGraph) -> dict:
    """The Cytoscape.js elements JSON (nodes named by their label), readable with `nx.cytoscape_graph`."""
    return nx.cytoscape_data(graph, name="label")


def json_text(document: object, indent: int | None = 1) -> str:
    """`document` as JSON text that UTF-8 and strict parsers take: every text exact but lone surrogates (U+FFFD)."""
    return text_only(json.dumps(document, ensure_ascii=False, indent=indent, default=str))


def _write_json(document: dict, path: Path) -> None:
    with atomic_write(path) as handle:
        handle.write(json_text(document) + "\n")


def _write_graphml(graph: nx.MultiDiGraph, path: Path) -> None:
    with atomic_write(path, "wb") as handle:
        nx.write_graphml(scalar_graph(graph), handle, encoding="utf-8", prettyprint=True)


def _write_gexf(graph: nx.MultiDiGraph, path: Path) -> None:
    with atomic_write(path, "wb") as handle:
        nx.write_gexf(scalar_graph(graph), handle, encoding="utf-8", prettyprint=True)


WRITERS: dict[str, Callable[[nx.MultiDiGraph, Path], None]] = {
    "graphml": _write_graphml,
    "gexf": _write_gexf,
    "json": lambda graph, path: _write_json(node_link(graph), path),
    "cytoscape": lambda graph, path: _write_json(cytoscape(graph), path),
}


def write_network(graph: nx.MultiDiGraph, path: Path | str, fmt: str) -> Path:
    """Write `graph` to `path` in `fmt` (graphml, gexf, json, cytoscape) atomically; returns the path."""
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ParkgraphError(f"unknown export format '{fmt}'", hint=f"use one of: {', '.join(FORMATS)}, jsonld")
    target = Path(path)
    if target.is_dir():
        raise ParkgraphError(f"{target} is a directory", file=str(target), hint="give a file name with -o")
    writer(graph, target)
    return target
