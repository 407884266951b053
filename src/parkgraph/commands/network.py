"""Network commands: export the entity graph, ask path/neighbour/centrality questions, render the map."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from parkgraph.app import DataOption, LangOption, StoreOption, app, console, open_graph
from parkgraph.errors import ParkgraphError
from parkgraph.namespaces import shorten
from parkgraph.output import visible

FocusOption = Annotated[
    str | None,
    typer.Option(
        "--focus", "-f", help="Only the neighbourhood of this entity (label in ru or en, IRI or prefixed name)."
    ),
]
DepthOption = Annotated[int | None, typer.Option("--depth", "-d", help="Steps around --focus (default 2).")]
ClassesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--classes",
        "-c",
        help="Only these classes: kinds (person, park, association, intergovernmental, company, organization, "
        "country, site, place, event, initiative, model) or classes such as pg:IndustrialPark; repeat or "
        "separate with commas.",
    ),
]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="File to write (replaced atomically).")]


def _classes(values: list[str] | None) -> list[str] | None:
    found = [part.strip() for value in values or [] for part in value.split(",") if part.strip()]
    return found or None


def _network(store: str, data: list[Path] | None, lang: str, classes: list[str] | None, focus: str | None,
             depth: int | None, collapse: bool = True):
    from parkgraph.network import to_networkx

    return to_networkx(open_graph(store, data), lang=lang, classes=_classes(classes), focus=focus, depth=depth,
                       collapse=collapse)


@app.command("export")
def export_command(
    output: OutputOption,
    fmt: Annotated[
        str, typer.Option("--format", "-F", help="graphml, gexf, json (node-link), cytoscape (Cytoscape.js) or jsonld.")
    ] = "graphml",
    store: StoreOption = "memory",
    data: DataOption = None,
    lang: LangOption = "en",
    focus: FocusOption = None,
    depth: DepthOption = None,
    classes: ClassesOption = None,
    keep_nary: Annotated[
        bool, typer.Option("--keep-nary", help="Keep memberships and stated figures as nodes, not collapsed.")
    ] = False,
) -> None:
    """Write the graph of entities as GraphML, GEXF, node-link JSON or Cytoscape.js JSON (or the RDF as JSON-LD)."""
    if fmt == "jsonld":
        if focus or depth is not None or classes or keep_nary:
            raise ParkgraphError("--format jsonld writes the whole RDF graph",
                                 hint="drop --focus, --depth, --classes and --keep-nary")
        from parkgraph.jsonld import write_jsonld

        write_jsonld(open_graph(store, data), output)
        console.print(f"wrote {output} (jsonld)")
        return
    from parkgraph.export import write_network

    network = _network(store, data, lang, classes, focus, depth, collapse=not keep_nary)
    write_network(network, output, fmt)
    console.print(f"wrote {output} ({fmt}: {network.number_of_nodes()} nodes, {network.number_of_edges()} edges)")


@app.command("path")
def path_command(
    source: Annotated[str, typer.Argument(help="First entity: label in ru or en, IRI or prefixed name.")],
    target: Annotated[str, typer.Argument(help="Second entity.")],
    store: StoreOption = "memory",
    data: DataOption = None,
    lang: LangOption = "en",
    limit: Annotated[int, typer.Option("--max", min=1, help="Show at most this many shortest paths.")] = 3,
) -> None:
    """Print the shortest connections between two entities as chains of labelled steps."""
    from parkgraph.analytics import format_path
    from parkgraph.network import paths_between

    network, paths = paths_between(open_graph(store, data), source, target, limit=limit, lang=lang)
    if not paths:
        console.print(Text(visible(f"no connection between '{source}' and '{target}'")))
        raise typer.Exit(1)
    steps = len(paths[0])
    console.print(f"{len(paths)} shortest path(s) of {steps} step(s):")
    for number, path in enumerate(paths, start=1):
        console.print(Text(visible(f"\n{number}. " + format_path(network, path))))


@app.command("neighbours")
def neighbours_command(
    entity: Annotated[str, typer.Argument(help="The entity: label in ru or en, IRI or prefixed name.")],
    depth: Annotated[int, typer.Option("--depth", "-d", help="How many steps away.")] = 1,
    store: StoreOption = "memory",
    data: DataOption = None,
    lang: LangOption = "en",
) -> None:
    """List the entities within N steps of one entity, nearest first."""
    from parkgraph.analytics import check_depth, find_entity, neighbours

    check_depth(depth)
    network = _network(store, data, lang, None, entity, depth)  # only the neighbourhood is read
    rows = neighbours(network, entity, depth)
    centre = network.nodes[find_entity(network, entity)].get("label")
    table = Table(title=Text(visible(f"{len(rows)} entities within {depth} step(s) of {centre}")), title_justify="left")
    for column in ("steps", "entity", "class", "IRI"):
        table.add_column(column, justify="right" if column == "steps" else "left")
    for node, distance in rows:
        data = network.nodes[node]
        cells = (data.get("label", node), data.get("class_label", ""), shorten(node))
        table.add_row(str(distance), *(Text(visible(str(cell))) for cell in cells))
    console.print(table)


@app.command("central")
def central_command(
    top: Annotated[int, typer.Option("--top", "-n", help="How many entities to list.")] = 10,
    store: StoreOption = "memory",
    data: DataOption = None,
    lang: LangOption = "en",
    classes: ClassesOption = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            help="Estimate betweenness from this many sampled entities (0: exact). Default: exact up to "
            "5,000 entities, 100 sampled above.",
        ),
    ] = None,
) -> None:
    """List the entities that broker between parts of the graph (betweenness, then degree)."""
    from parkgraph.analytics import betweenness_sources, central

    network = _network(store, data, lang, classes, None, None)
    entities = network.number_of_nodes()
    sources = betweenness_sources(entities, samples)
    title = f"top {top} of {entities:,} entities by betweenness"
    if sources is not None:
        title += f", estimated from {sources:,} sampled entities (--samples 0 for exact)"
    table = Table(title=title, title_justify="left")
    for column in ("entity", "class", "betweenness", "degree"):
        table.add_column(column, justify="right" if column in ("betweenness", "degree") else "left")
    for row in central(network, top, samples):
        names = (Text(visible(row.label)), Text(visible(row.class_label)))
        table.add_row(*names, f"{row.betweenness:.3f}", str(row.degree))
    console.print(table)


@app.command("render")
def render_command(
    output: OutputOption = Path("parkgraph.html"),
    store: StoreOption = "memory",
    data: DataOption = None,
    lang: LangOption = "en",
    focus: FocusOption = None,
    depth: DepthOption = None,
    classes: ClassesOption = None,
    max_nodes: Annotated[
        int, typer.Option("--max-nodes", min=1, help="Refuse to draw more nodes than this.")
    ] = 1500,
    title: Annotated[str | None, typer.Option("--title", help="Page title (default: parkgraph's).")] = None,
) -> None:
    """Write an interactive map of the graph: one self-contained HTML file that works offline."""
    from parkgraph.render import write_map

    network = _network(store, data, lang, classes, focus, depth)
    path = write_map(network, output, lang=lang, title=title, max_nodes=max_nodes)
    console.print(
        f"wrote {path.resolve()} ({network.number_of_nodes()} nodes, {network.number_of_edges()} edges); "
        "open it in a browser"
    )
