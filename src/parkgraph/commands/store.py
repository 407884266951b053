"""Store commands: `parkgraph load` fills a persistent or remote store, `parkgraph serve` is a SPARQL endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from parkgraph import paths
from parkgraph.app import StoreOption, app, console, err_console
from parkgraph.errors import StoreError
from parkgraph.graph import ParkGraph


@app.command("load")
def load_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="RDF files: Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML "
            "(default: ontology/parkgraph.ttl and data/triples.ttl)."
        ),
    ] = None,
    store: StoreOption = "memory",
) -> None:
    """Load RDF files into an oxigraph:PATH store or a SPARQL server (http(s)://…); print the triple count."""
    if store == "memory":
        raise StoreError(
            "the memory store lives only as long as one command, so there is nothing to load into",
            hint="use --store oxigraph:PATH (a directory) or --store http(s)://… (a SPARQL server)",
        )
    chosen = list(files) if files else paths.default_files()
    graph = ParkGraph.open(store)
    before = len(graph)
    after = graph.load(chosen)
    names = ", ".join(str(f) for f in chosen)
    console.print(f"loaded {names} into {graph.store.name}: {after} triples (was {before})", markup=False)


@app.command("serve")
def serve_command(
    store: StoreOption = "memory",
    host: Annotated[str, typer.Option(help="Address to listen on; keep 127.0.0.1 unless others must reach it.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="TCP port (0: any free port).")] = 8000,
    allow_update: Annotated[
        bool,
        typer.Option(
            "--allow-update",
            help="Accept SPARQL Update (POST update=… or application/sparql-update); "
            "on the memory store changes last until the server stops.",
        ),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every request to stderr.")] = False,
) -> None:
    """Serve the graph as a SPARQL 1.1 Protocol endpoint at http://HOST:PORT/sparql until Ctrl-C."""
    from parkgraph.serve import SparqlServer

    graph = ParkGraph.open(store)
    try:
        server = SparqlServer(graph, host, port, allow_update=allow_update, verbose=verbose)
    except OSError as exc:
        raise StoreError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="choose another --port (0 picks a free one)",
        ) from exc
    mode = "read-write" if allow_update else "read-only"
    console.print(f"SPARQL endpoint at {server.url} ({mode}; {len(graph)} triples in {graph.store.name})")
    console.file.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        err_console.print("stopped")
    finally:
        server.server_close()
