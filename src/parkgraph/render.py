"""The interactive map: one self-contained, offline, injection-safe HTML page drawn with vis-network."""

from __future__ import annotations

import html
import json
import math
import re
from collections import defaultdict
from importlib import resources
from pathlib import Path

import networkx as nx

from parkgraph.analytics import normalize
from parkgraph.atomic import atomic_write
from parkgraph.errors import ParkgraphError
from parkgraph.export import text_only
from parkgraph.namespaces import shorten
from parkgraph.network_model import KINDS
from parkgraph.paths import TEMPLATES_DIR

DEFAULT_MAX_NODES = 1500
VIS_VERSION = "9.1.2"  # the vis-network build shipped inside the pyvis package
SYMBOLS = {"dot": "●", "diamond": "◆", "square": "■", "hexagon": "⬢", "triangle": "▲", "triangleDown": "▼",
           "star": "★"}
_PLACEHOLDER = re.compile(r"\{\{ (\w+) \}\}")

UI_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "parkgraph: industrial parks of SCO and BRICS states",
        "summary": "{nodes} entities, {edges} links",
        "search_placeholder": "Find an entity (ru or en)",
        "search_button": "Find",
        "found": "{n} found",
        "not_found": "nothing found",
        "legend": "Classes (click to filter)",
        "show_all": "show all",
        "hide_all": "hide all",
        "figures": "Figures",
        "facts": "Facts",
        "sources": "Source",
        "stated_by": "stated by",
        "at": "at",
    },
    "ru": {
        "title": "parkgraph: индустриальные парки стран ШОС и БРИКС",
        "summary": "сущностей: {nodes}, связей: {edges}",
        "search_placeholder": "Найти (по-русски или по-английски)",
        "search_button": "Найти",
        "found": "найдено: {n}",
        "not_found": "ничего не найдено",
        "legend": "Классы (щелчок — фильтр)",
        "show_all": "показать все",
        "hide_all": "скрыть все",
        "figures": "Показатели",
        "facts": "Сведения",
        "sources": "Источник",
        "stated_by": "со слов",
        "at": "на",
    },
}

# Node attributes the tooltip shows under "facts" (the rest is shown elsewhere or is internal).
_NOT_FACTS = {"iri", "label", "label_ru", "label_en", "alt_labels", "class", "class_iri", "class_label", "kind",
              "kind_label", "sources", "source_labels", "figures"}


def script_json(value: object) -> str:
    """JSON that is safe inside an HTML <script> element: no '<', '>', '&', U+2028 or U+2029 left raw.

    A lone surrogate (not text: no UTF-8 page can hold it) becomes U+FFFD, as in every export.
    """
    text = text_only(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def _number(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    if isinstance(value, float):
        return f"{value:,.10g}".replace(",", "\u202f") if value == value else str(value)
    return str(value)


def figure_text(figure: dict, lang: str) -> str:
    """One stated figure as a line: indicator, value or bounds with unit, period, who, where, source."""
    ui = UI_TEXT[lang]
    unit = figure.get("unit", "")
    unit = {"percent": "%", "count": ""}.get(str(unit), str(unit))
    if "value" in figure:
        amount = ("≈ " if figure.get("approximate") else "") + _number(figure["value"])
    elif "min" in figure and "max" in figure:
        amount = f"{_number(figure['min'])}–{_number(figure['max'])}"
    elif "min" in figure:
        amount = "≥ " + _number(figure["min"])
    elif "max" in figure:
        amount = "≤ " + _number(figure["max"])
    else:
        amount = "?"
    text = f"{figure.get('indicator') or figure.get('label', '')}: {amount}{'' if unit in ('', '%') else ' '}{unit}"
    if figure.get("period"):
        text += f" ({figure['period']})"
    if figure.get("stated_by"):
        text += f"; {ui['stated_by']} {figure['stated_by']}"
    if figure.get("stated_at"):
        text += f" {ui['at']} {figure['stated_at']}"
    if figure.get("source_labels"):
        text += f"; {', '.join(figure['source_labels'])}"
    return text


def _fact(key: str, value: object) -> str:
    shown = "; ".join(_number(v) for v in value) if isinstance(value, list) else _number(value)
    return f"{key}: {shown}"


def _node_item(node: str, data: dict, degree: int, lang: str) -> dict:
    other = data.get("label_en") if lang == "ru" else data.get("label_ru")
    names = {node, shorten(node), data.get("label", ""), data.get("label_ru", ""), data.get("label_en", "")}
    names.update(data.get("alt_labels") or [])
    info = {
        "type": f"{data.get('class_label', '')} · {shorten(data.get('class_iri', ''))}",
        "label": data.get("label", node),
        "other_label": other or "",
        "iri": node,
        "figures": [figure_text(f, lang) for f in data.get("figures", [])],
        "facts": [_fact(k, v) for k, v in sorted(data.items()) if k not in _NOT_FACTS and v not in (None, "", [])],
        "sources": list(data.get("source_labels") or []),
    }
    return {
        "id": node,
        "label": data.get("label", node),
        "kind": data.get("kind", "other"),
        "size": 10 + 4 * math.sqrt(degree),
        "names": sorted({normalize(n) for n in names if n}),
        "info": info,
    }


def _edge_items(graph: nx.MultiDiGraph) -> list[dict]:
    """vis edges; parallel edges between one pair get different curvature so that each label shows."""
    seen: dict[frozenset, int] = defaultdict(int)
    items = []
    for index, (u, v, key, data) in enumerate(graph.edges(keys=True, data=True)):
        pair = frozenset((u, v))
        rank = seen[pair]
        seen[pair] += 1
        extras = [data.get("role"), data.get("start_date") and f"≥ {data['start_date']}", data.get("via_label")]
        title = " · ".join(str(x) for x in [data.get("label", ""), *extras, data.get("predicate_short")] if x)
        item = {"id": f"e{index}", "from": u, "to": v, "label": data.get("label", str(key)), "title": title}
        if rank:
            item["smooth"] = {"enabled": True, "type": "curvedCW" if rank % 2 else "curvedCCW",
                              "roundness": 0.2 * ((rank + 1) // 2)}
        items.append(item)
    return items


def vis_options() -> dict:
    """vis-network options: shapes and colours by kind, labelled arrows, physics that settles and stops."""
    groups = {k.key: {"shape": k.shape, "color": {"background": k.color, "border": k.color,
                                                   "highlight": {"background": k.color, "border": "#111"}}}
              for k in KINDS}
    return {
        "groups": groups,
        "nodes": {"font": {"size": 14, "face": "DejaVu Sans, sans-serif"}, "scaling": {"min": 10, "max": 34},
                  "widthConstraint": {"maximum": 180}, "borderWidth": 1},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
                  "color": {"color": "#9aa3b2", "highlight": "#333", "hover": "#555"},
                  "font": {"size": 10, "color": "#4b5466", "strokeWidth": 3, "align": "middle"},
                  "smooth": {"enabled": True, "type": "continuous", "roundness": 0.2}, "width": 1},
        "physics": {"enabled": True, "solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -140, "springLength": 150, "springConstant": 0.05,
                                         "avoidOverlap": 1},
                    "stabilization": {"enabled": True, "iterations": 600, "updateInterval": 50, "fit": True}},
        "interaction": {"hover": True, "tooltipDelay": 120, "multiselect": True, "navigationButtons": False},
        "layout": {"randomSeed": 7, "improvedLayout": True},
    }


def map_data(graph: nx.MultiDiGraph, lang: str) -> dict:
    """Everything the page draws: nodes with tooltips and search names, edges, legend kinds, UI text, options."""
    ui = UI_TEXT[lang]
    degree = dict(nx.Graph(graph.to_undirected(as_view=True)).degree())
    nodes = [_node_item(n, d, degree.get(n, 0), lang) for n, d in graph.nodes(data=True)]
    counts: dict[str, int] = defaultdict(int)
    for item in nodes:
        counts[item["kind"]] += 1
    kinds = [{"key": k.key, "label": k.label(lang), "color": k.color, "shape": k.shape,
              "symbol": SYMBOLS.get(k.shape, "●"), "count": counts[k.key]} for k in KINDS if counts[k.key]]
    text = {**ui, "summary": ui["summary"].format(nodes=graph.number_of_nodes(), edges=graph.number_of_edges())}
    return {"nodes": nodes, "edges": _edge_items(graph), "kinds": kinds, "ui": text, "options": vis_options()}


def _vis_asset(name: str) -> str:
    """A vis-network file from the pyvis package (no download, no CDN)."""
    asset = resources.files("pyvis") / "templates" / "lib" / f"vis-{VIS_VERSION}" / name
    try:
        text = asset.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ParkgraphError(f"vis-network {VIS_VERSION} is missing from the pyvis package",
                             hint="reinstall pyvis==0.3.2 (pip install -e .)") from exc
    if "</script" in text.lower() or "</style" in text.lower():
        raise ParkgraphError(f"{name} cannot be inlined safely (it contains a closing tag)")
    return text


def render_html(graph: nx.MultiDiGraph, *, lang: str = "en", title: str | None = None,
                max_nodes: int = DEFAULT_MAX_NODES) -> str:
    """The map page for `graph` as one HTML string; refuses graphs larger than `max_nodes`."""
    if lang not in UI_TEXT:
        raise ParkgraphError(f"unknown language '{lang}'", hint="use --lang ru or --lang en")
    count = graph.number_of_nodes()
    if count > max_nodes:
        raise ParkgraphError(
            f"the map would have {count} nodes, more than the budget of {max_nodes}; a page that large freezes "
            "the browser",
            hint="draw a part of the graph: --focus ENTITY --depth 1 (or 2), or --classes; "
            "raise --max-nodes only if you must",
        )
    if count == 0:
        raise ParkgraphError("the map would be empty", hint="check --focus, --depth and --classes")
    values = {
        "lang": html.escape(lang),
        "title": html.escape(text_only(title or UI_TEXT[lang]["title"])),
        "vis_css": _vis_asset("vis-network.css"),
        "vis_js": _vis_asset("vis-network.min.js"),
        "data": script_json(map_data(graph, lang)),
    }
    template = (TEMPLATES_DIR / "map.html").read_text(encoding="utf-8")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def write_map(graph: nx.MultiDiGraph, path: Path | str, *, lang: str = "en", title: str | None = None,
              max_nodes: int = DEFAULT_MAX_NODES) -> Path:
    """Write the map page to `path` as UTF-8, atomically; returns the path."""
    page = render_html(graph, lang=lang, title=title, max_nodes=max_nodes)
    target = Path(path)
    with atomic_write(target, "w", encoding="utf-8") as handle:
        handle.write(page)
    return target
