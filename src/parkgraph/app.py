"""The typer application object and the options its commands share."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from parkgraph.errors import QueryError

if TYPE_CHECKING:
    from parkgraph.graph import ParkGraph

app = typer.Typer(
    name="parkgraph",
    help="parkgraph: a knowledge graph of industrial parks and special economic zones of SCO and BRICS states.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

StoreOption = Annotated[
    str,
    typer.Option(
        "--store",
        "-s",
        help="Where the graph lives: 'memory' (default, loads the Turtle files into rdflib), "
        "'oxigraph-memory' (the same files into Oxigraph in memory), "
        "'oxigraph:PATH' (embedded on-disk store) or an http(s):// SPARQL endpoint.",
        envvar="PARKGRAPH_STORE",
    ),
]

DataOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--data",
        help="With --store memory or oxigraph-memory: an RDF file to load besides the ontology and the "
        "curated data (repeat for more), e.g. the output of `parkgraph synth`.",
    ),
]

AllowUpdateOption = Annotated[
    bool,
    typer.Option(
        "--allow-update", help="Accept SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP …); refused otherwise."
    ),
]

AllowUrlOption = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-url",
        help="A URL that SERVICE and LOAD may reach (repeat for more; one ending in '/' allows all under it). "
        "Without it federated queries and LOAD are refused.",
    ),
]


def _check_timeout(ctx: typer.Context, param: typer.CallbackParam, value: float) -> float:
    """Refuse a --timeout that is no number of seconds: negative, nan or inf (which would mean no limit)."""
    if math.isfinite(value) and value >= 0:
        return value
    source = ctx.get_parameter_source(param.name or "")
    from_env = source is not None and source.name == "ENVIRONMENT"
    given = f"PARKGRAPH_TIMEOUT={value:g}" if from_env else f"--timeout {value:g}"
    problem = "is negative" if value < 0 else "is not a finite number of seconds"
    raise QueryError(f"{given} {problem}", hint="give seconds, e.g. --timeout 30, or 0 for no limit")


TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout",
        help="Stop a query after this many seconds (it runs in a worker process that is ended); 0: no limit.",
        envvar="PARKGRAPH_TIMEOUT",
        callback=_check_timeout,
    ),
]

LangOption = Annotated[
    str,
    typer.Option("--lang", "-l", help="Language of labels: ru or en (falls back to the other)."),
]


def open_graph(
    store: str, data: list[Path] | None = None, *, create: bool | None = None, **options: Any
) -> ParkGraph:
    """The graph a command works on: `store`, holding the default files plus `data` if it is in memory.

    A persistent or remote store holds what `parkgraph load` put there; adding files to it as a side
    effect of a query would change it for good, so `data` is refused for those. For the same reason a
    command that only reads refuses an oxigraph:PATH holding no store rather than start an empty one
    there (a mistyped path would answer every query with nothing): `create` defaults to whether the
    command was allowed to update the store.
    """
    from parkgraph import paths
    from parkgraph.errors import StoreError
    from parkgraph.graph import ParkGraph
    from parkgraph.store import IN_MEMORY

    if create is None:
        create = bool(options.get("allow_update"))
    if data and store not in IN_MEMORY:
        raise StoreError(
            f"--data adds files to an in-memory store only, and {store} is not one",
            hint=f"load them once with: parkgraph load --store {store} FILE …, or use --store oxigraph-memory",
        )
    files = [*paths.default_files(), *data] if data else None
    graph = ParkGraph.open(store, files=files, create=create, **options)
    OPENED.append(graph)
    return graph


# The graphs this CLI call opened; `release_opened` (called as the call ends) lets go of their stores.
OPENED: list[ParkGraph] = []


def release_opened() -> None:
    """Stop the worker processes of the graphs this CLI call opened and release their stores, so that
    the same oxigraph:PATH can be opened again at once by a next call in the same Python process."""
    while OPENED:
        OPENED.pop().release()


