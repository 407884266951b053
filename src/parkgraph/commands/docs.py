"""`parkgraph docs`: the ontology's HTML documentation and the model diagram."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from parkgraph.app import app, console


@app.command("docs")
def docs_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write into.")] = Path("docs"),
    lang: Annotated[str, typer.Option("--lang", "-l", help="Language of the class labels in the diagram.")] = "ru",
) -> None:
    """Write ontology.html (pyLODE) and model.png/.svg/.dot (graphviz) from the ontology and the data."""
    from parkgraph.docs import build_docs
    from parkgraph.errors import ParkgraphError

    if lang not in ("ru", "en"):
        raise ParkgraphError(f"unknown language '{lang}'", hint="use --lang ru or --lang en")
    for path in build_docs(out, lang=lang):
        console.print(f"wrote {path}")
