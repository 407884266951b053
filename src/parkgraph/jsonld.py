"""The graph as JSON-LD compacted with parkgraph's shipped context, so web developers get readable JSON.

The context (`parkgraph/context.jsonld`) gives short keys (label, type, memberOf, role, value,
minValue, about, indicator, source, statedBy, statedAt, ...), language maps for labels
(`"label": {"ru": "...", "en": "..."}`) and prefixed ids (`"id": "pgid:person/farid-zakirov"`,
`"type": "foaf:Person"`). Compaction is done by
pyld (the JSON-LD 1.1 reference algorithms), so the output parses back to the same RDF.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyld import jsonld
from rdflib import Graph

from parkgraph.atomic import atomic_write
from parkgraph.graph import ParkGraph

XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
MAX_SAFE_INTEGER = 2**53 - 1  # larger JSON numbers lose digits in JavaScript; those stay typed strings


@cache
def load_context() -> dict[str, Any]:
    """The JSON-LD context document shipped in the package (`{"@context": {...}}`)."""
    text = files("parkgraph").joinpath("context.jsonld").read_text(encoding="utf-8")
    return json.loads(text)


def context_url() -> str:
    """Where the context file lives on disk (for readers who want to reference it)."""
    return str(files("parkgraph").joinpath("context.jsonld"))


def _no_remote_documents(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader that refuses every fetch: the context is inline, nothing is downloaded."""
    raise jsonld.JsonLdError(
        f"parkgraph does not fetch remote JSON-LD documents ({url})",
        "jsonld.LoadDocumentError",
        code="loading document failed",
    )


def _native(value: Any) -> Any:
    """Turn canonical xsd:integer / xsd:boolean value objects into JSON numbers and booleans.

    Only canonical lexical forms (and integers JavaScript holds exactly) are converted, so parsing
    the JSON back yields the very same literal; decimals and doubles stay typed strings (as JSON
    numbers they would come back as xsd:double in another lexical form).
    """
    if isinstance(value, list):
        return [_native(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"@value", "@type"} and isinstance(value["@value"], str):
        lexical, datatype = value["@value"], value["@type"]
        if datatype == XSD_INTEGER and lexical.lstrip("-").isdigit() and str(int(lexical)) == lexical:
            if abs(int(lexical)) <= MAX_SAFE_INTEGER:
                return {"@value": int(lexical)}
        if datatype == XSD_BOOLEAN and lexical in ("true", "false"):
            return {"@value": lexical == "true"}
    return {key: _native(v) for key, v in value.items()}


def _sort_key(node: dict[str, Any]) -> tuple[int, str]:
    """Named nodes first in id order, then blank nodes: stable output that diffs well."""
    node_id = str(node.get("id", ""))
    return (node_id.startswith("_:"), node_id)


FIRST_KEYS = ("id", "type", "label")


def _tidy(value: Any) -> Any:
    """Order keys (id, type, label first, then alphabetical) and unordered arrays, for stable output.

    Arrays under `@list` keep their order: in RDF that order is data.
    """
    if isinstance(value, dict):
        keys = [k for k in FIRST_KEYS if k in value] + sorted(k for k in value if k not in FIRST_KEYS)
        return {k: (value[k] if k == "@list" else _tidy(value[k])) for k in keys}
    if isinstance(value, list):
        items = [_tidy(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value


def nquads_to_jsonld(nquads: str) -> dict[str, Any]:
    """N-Quads (or N-Triples) as a compacted JSON-LD document with the shipped context inlined.

    The default graph's nodes are the top-level `@graph`; each named graph is a node of it with
    its IRI as `id` and its own nodes under `@graph` (JSON-LD 1.1 named graphs).
    """
    options = {"documentLoader": _no_remote_documents}
    expanded = jsonld.from_rdf(rdf_dataset(nquads), {"useNativeTypes": False, **options})
    context = load_context()
    compacted = jsonld.compact(_native(expanded), context, options)
    if set(compacted) <= {"@context", "@graph"}:
        nodes = compacted.get("@graph", [])
    else:  # a single node (a single named graph too) is compacted without a top-level @graph
        nodes = [{k: v for k, v in compacted.items() if k != "@context"}]
    return {"@context": context["@context"], "@graph": sorted((_tidy(n) for n in nodes), key=_sort_key)}


def _term(node: ox.NamedNode | ox.BlankNode) -> dict[str, str]:
    if type(node) is ox.NamedNode:
        return {"type": "IRI", "value": node.value}
    return {"type": "blank node", "value": f"_:{node.value}"}


def rdf_dataset(nquads: str) -> dict[str, list[dict[str, Any]]]:
    """N-Quads as the RDF dataset pyld's `from_rdf` takes: graph name ('@default' for the default
    graph) -> its distinct triples as pyld's dicts.

    What pyld's own N-Quads parser gives, built in linear time: it checks each triple against every
    one before it in its graph (pyld issue #169, open in pyld 3.3), which took 61 s for 11,000 triples
    and would take days for a million. pyoxigraph parses; a dict per graph drops repeated triples.
    """
    graphs: dict[str, dict[tuple[object, ...], dict[str, Any]]] = {}
    literal = ox.Literal
    for quad in ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS):
        s, p, o, g = quad.subject, quad.predicate, quad.object, quad.graph_name
        name = "@default" if type(g) is ox.DefaultGraph else _term(g)["value"]  # type: ignore[arg-type]
        if type(o) is literal:
            obj: dict[str, Any] = {"type": "literal", "value": o.value, "datatype": o.datatype.value}
            if o.language:
                obj["language"] = o.language
        else:
            obj = _term(o)  # type: ignore[arg-type]
        subject = _term(s)  # type: ignore[arg-type]
        key = (subject["value"], p.value, *obj.values())
        graphs.setdefault(name, {}).setdefault(key, {"subject": subject, "predicate": _term(p), "object": obj})
    return {name: list(triples.values()) for name, triples in graphs.items()}


def graph_to_jsonld(graph: Graph) -> dict[str, Any]:
    """An rdflib graph as a compacted JSON-LD document with the shipped context inlined."""
    return nquads_to_jsonld(graph.serialize(format="nt", encoding="utf-8").decode("utf-8"))


def to_jsonld(graph: ParkGraph) -> dict[str, Any]:
    """The whole parkgraph graph as a compacted JSON-LD document (a dict ready for json.dump).

    From the Oxigraph stores with their named graphs (TriG or N-Quads loaded there keep them);
    the other stores hold or give one graph.
    """
    dump = getattr(graph.store, "to_nquads", None)
    return nquads_to_jsonld(dump()) if dump is not None else graph_to_jsonld(graph.to_rdflib())


def write_jsonld(graph: ParkGraph, path: Path) -> None:
    """Write the graph as UTF-8 JSON-LD to `path` atomically (temp file in the same directory, then rename)."""
    document = to_jsonld(graph)
    with atomic_write(Path(path), "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
