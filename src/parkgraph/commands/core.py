"""Foundation commands: validate and stats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from parkgraph.app import DataOption, StoreOption, app, console, err_console, open_graph
from parkgraph.errors import ParkgraphError
from parkgraph.namespaces import shorten
from parkgraph.output import visible
from parkgraph.stats import compute_stats
from parkgraph.validate import validate, validate_store


@app.command("validate")
def validate_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="RDF files to check (default: ontology/parkgraph.ttl and data/triples.ttl)."),
    ] = None,
    shapes: Annotated[Path | None, typer.Option(help="SHACL shapes file (default: ontology/shapes.ttl).")] = None,
    shacl: Annotated[bool, typer.Option("--shacl/--no-shacl", help="Run the SHACL shapes.")] = True,
    consistency: Annotated[
        bool, typer.Option("--consistency/--no-consistency", help="Run the OWL-RL disjointness check.")
    ] = True,
    engine: Annotated[
        str,
        typer.Option(
            help="pyshacl (rdflib, pyshacl, owlrl), sparql (the same checks as SPARQL on an embedded Oxigraph "
            "store, fast on big graphs) or auto (sparql from 1 MB of input)."
        ),
    ] = "auto",
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes the sparql engine's checks run on at once (default: the CPUs available, at most 4, "
            "from 50,000 triples; 1 below). Any number finds the same problems; a number picks the sparql engine "
            "under --engine auto.",
            show_default=False,
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store", "-s",
            help="Check what this store holds instead of files: oxigraph:PATH or an http(s):// SPARQL endpoint "
            "(read only; SHACL and consistency, as the data was parsed when it was loaded). --engine auto picks "
            "sparql.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check syntax, SHACL conformance and OWL consistency; exit 1 if anything is wrong."""
    if store is not None:
        if files:
            raise ParkgraphError("give files or --store, not both",
                                 hint="validate the files, or load them into the store first (`parkgraph load`)")
        report = validate_store(store, shapes, shacl=shacl, consistency=consistency, engine=engine, workers=workers)
    else:
        report = validate(files, shapes, shacl=shacl, consistency=consistency, engine=engine, workers=workers)
    names = report.checked
    if report.conforms:
        console.print(f"OK: {names} ({report.triples} triples; checks: {', '.join(report.checks)})")
        return
    for problem in report.problems:
        err_console.print(visible(str(problem)), markup=False)  # data may hold terminal escapes
    counts = {c: len(report.by_check(c)) for c in report.checks if report.by_check(c)}
    summary = ", ".join(f"{n} {c}" for c, n in counts.items())
    err_console.print(f"FAILED: {len(report.problems)} problem(s) ({summary}) in {names}", markup=False)
    if "syntax" in counts:  # the other checks wait for a graph that parses whole
        err_console.print("  hint: fix the syntax at the place shown and validate again; SHACL and consistency "
                          "run once every file parses", markup=False)
    raise typer.Exit(1)


@app.command("stats")
def stats_command(
    store: StoreOption = "memory",
    top: Annotated[int, typer.Option(min=1, help="Show at most this many rows per table.")] = 40,
    data: DataOption = None,
) -> None:
    """Print the number of triples, instances by class and triples by predicate."""
    stats = compute_stats(open_graph(store, data))
    console.print(f"{stats.triples} triples")
    for title, rows in (("instances by class", stats.classes), ("triples by predicate", stats.predicates)):
        table = Table(title=title, title_justify="left")
        table.add_column("IRI")
        table.add_column("count", justify="right")
        for iri, count in rows[:top]:
            table.add_row(shorten(iri), str(count))
        console.print(table)
