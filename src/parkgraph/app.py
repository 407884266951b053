"""The typer application object and the options its commands share."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from parkgraph.namespaces import PREFIXES

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

TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout",
        help="Stop a query after this many seconds (it runs in a worker process that is ended); 0: no limit.",
        envvar="PARKGRAPH_TIMEOUT",
    ),
]

LangOption = Annotated[
    str,
    typer.Option("--lang", "-l", help="Language of labels: ru or en (falls back to the other)."),
]


def short(iri: str) -> str:
    """An IRI as a prefixed name where parkgraph knows the prefix."""
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(str(kv[1]))):
        if iri.startswith(str(ns)):
            return f"{prefix}:{iri[len(str(ns)):]}"
    return iri
