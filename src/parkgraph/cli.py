"""The `parkgraph` command: a thin layer over the Python API (see `parkgraph --help`)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

from parkgraph import commands
from parkgraph.app import app, err_console
from parkgraph.errors import ParkgraphError
from parkgraph.output import visible

for _module in pkgutil.iter_modules(commands.__path__):
    importlib.import_module(f"{commands.__name__}.{_module.name}")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; a ParkgraphError becomes a readable message on stderr and exit code 2."""
    try:
        app(args=argv, prog_name="parkgraph")
    except ParkgraphError as err:
        err_console.print(visible(f"error: {err}"), markup=False)  # messages may quote data with terminal escapes
        sys.exit(2)


if __name__ == "__main__":
    main()
