"""Store commands: `parkgraph load` fills a persistent or remote store, `parkgraph serve` is a SPARQL endpoint."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Annotated

import typer

from parkgraph import paths
from parkgraph.app import AllowUrlOption, DataOption, StoreOption, TimeoutOption, app, console, err_console, open_graph
from parkgraph.errors import RefusedError, StoreError
from parkgraph.limits import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, DEFAULT_WORKERS
from parkgraph.serve import DEFAULT_MAX_BODY
from parkgraph.store import IN_MEMORY


@app.command("load")
def load_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="RDF files: Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML "
            "(default: ontology/parkgraph.ttl and data/triples.ttl)."
        ),
    ] = None,
    store: Annotated[
        str,
        typer.Option(
            "--store",
            "-s",
            help="Where to load: 'oxigraph:PATH' (embedded on-disk store) or an http(s):// SPARQL endpoint "
            "(the in-memory stores last one command, so there is nothing to load into).",
            envvar="PARKGRAPH_STORE",
            show_default=False,
        ),
    ] = "memory",
) -> None:
    """Load RDF files into an oxigraph:PATH store or a SPARQL server (http(s)://…); print the triple count."""
    if store in IN_MEMORY:
        raise StoreError(
            f"the {store} store lives only as long as one command, so there is nothing to load into",
            hint="use --store oxigraph:PATH (a directory) or --store http(s)://… (a SPARQL server)",
        )
    chosen = list(files) if files else paths.default_files()
    graph = open_graph(store, create=True)
    before = len(graph)
    after = graph.load(chosen)
    names = ", ".join(str(f) for f in chosen)
    console.print(f"loaded {names} into {graph.store.name}: {after} triples (was {before})", markup=False)


@app.command("serve")
def serve_command(
    store: StoreOption = "memory",
    host: Annotated[
        str, typer.Option(help="Address to listen on; anything but a loopback address needs --public.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0: any free port).")] = 8000,
    public: Annotated[
        bool, typer.Option("--public", help="Allow a --host other machines can reach (prints a warning).")
    ] = False,
    allow_update: Annotated[
        bool,
        typer.Option(
            "--allow-update",
            help="Accept SPARQL Update (POST update=… or application/sparql-update); "
            "on memory and oxigraph-memory changes last until the server stops.",
        ),
    ] = False,
    token: Annotated[
        str | None,
        typer.Option(
            "--token", envvar="PARKGRAPH_TOKEN", help="Require 'Authorization: Bearer TOKEN' on updates."
        ),
    ] = None,
    allow_url: AllowUrlOption = None,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    max_rows: Annotated[
        int,
        typer.Option("--max-rows", min=0, help="Refuse answers with more rows (or triples) than this; 0: no limit."),
    ] = DEFAULT_MAX_ROWS,
    max_body: Annotated[
        int, typer.Option("--max-body", min=0, help="Refuse request bodies larger than this many bytes.")
    ] = DEFAULT_MAX_BODY,
    workers: Annotated[
        int, typer.Option("--workers", help="Queries answered at once, each in its own worker process.")
    ] = DEFAULT_WORKERS,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every request to stderr.")] = False,
    data: DataOption = None,
) -> None:
    """Serve the graph as a SPARQL 1.1 Protocol endpoint at http://HOST:PORT/sparql until Ctrl-C."""
    from parkgraph.serve import SparqlServer, is_loopback

    if workers < 1:
        raise StoreError(f"--workers must be at least 1, not {workers}", hint="e.g. --workers 2")
    if not public and not is_loopback(host):
        raise RefusedError(
            f"refusing to listen on {host}: other machines could reach the endpoint",
            hint="keep the default 127.0.0.1, or add --public if the graph may be queried from the network",
        )
    graph = open_graph(
        store, data, allow_update=allow_update, allow_urls=allow_url or (), timeout=timeout or None,
        max_rows=max_rows or None, workers=workers,
    )
    try:
        server = SparqlServer(
            graph, host, port, allow_update=allow_update, verbose=verbose, public=public, max_body=max_body,
            token=token,
        )
    except OSError as exc:
        raise StoreError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", hint=_listen_hint(exc)) from exc
    if public and not is_loopback(host):
        err_console.print(
            f"warning: listening on {host}: anyone who can reach this machine can query the graph"
            + (" and, with the token or without one if none is set, change it" if allow_update else ""),
            markup=False,
        )
    if allow_update and not token:
        err_console.print("warning: updates are allowed without a token (set --token or PARKGRAPH_TOKEN)", markup=False)
    mode = "read-write" if allow_update else "read-only"
    limit = f"{timeout:g} s per query" if timeout else "no time limit"
    console.print(
        f"SPARQL endpoint at {server.url} ({mode}; {len(graph)} triples in {graph.store.name}; "
        f"{workers} worker(s), {limit})",
        markup=False,
    )
    console.file.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        err_console.print("stopped")
    finally:
        server.server_close()


def _listen_hint(exc: OSError) -> str:
    """What to do when the server cannot bind: it depends on whether the address or the port is at fault."""
    if isinstance(exc, socket.gaierror):
        return "check the --host name, or give an address such as 127.0.0.1"
    if exc.errno == errno.EADDRNOTAVAIL:
        return ("this machine has no such address: keep the default 127.0.0.1, "
                "or use --host 0.0.0.0 --public to listen on all of its addresses")
    if exc.errno == errno.EACCES:
        return "ports below 1024 need privileges: choose --port 1024 or above (0 picks a free one)"
    return "choose another --port (0 picks a free one)"
