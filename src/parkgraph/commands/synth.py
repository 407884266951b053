"""`parkgraph synth`: write a deterministic, SCO-sized synthetic graph for tests and benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from parkgraph.app import app, console
from parkgraph.errors import ParkgraphError
from parkgraph.synth import DEFAULT_PARKS, DEFAULT_RESIDENTS, SynthConfig, write_synthetic


@app.command("synth")
def synth_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (*.nt or *.ttl).")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed and sizes give a byte-identical file.")] = 1,
    parks: Annotated[
        int | None, typer.Option(help=f"Number of parks and zones (default {DEFAULT_PARKS}).")
    ] = None,
    residents: Annotated[
        int | None, typer.Option(help=f"Number of resident companies (default {DEFAULT_RESIDENTS}).")
    ] = None,
    triples: Annotated[
        int | None,
        typer.Option(help="Approximate number of triples; sets parks and residents in the SCO proportion."),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="nt or ttl (default: from the file's suffix).")
    ] = None,
) -> None:
    """Write a synthetic graph of parks, residents, people, figures and events in SCO states."""
    if triples is not None:
        if parks is not None or residents is not None:
            raise ParkgraphError(
                "--triples sets the number of parks and residents itself",
                hint="give either --triples or --parks/--residents, not both",
            )
        config = SynthConfig.for_triples(triples, seed=seed)
    else:
        config = SynthConfig(
            seed=seed,
            parks=DEFAULT_PARKS if parks is None else parks,
            residents=DEFAULT_RESIDENTS if residents is None else residents,
        )
    summary = write_synthetic(output, config, fmt)
    console.print(
        f"wrote {summary.path}: {summary.triples} triples, {summary.bytes} bytes "
        f"({config.parks} parks, {config.residents} residents, seed {config.seed}, {summary.format})"
    )
