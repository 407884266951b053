"""The `parkgraph` command: a thin layer over the Python API (see `parkgraph --help`)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import signal
import sys

from parkgraph import commands
from parkgraph.app import app, err_console, release_opened
from parkgraph.errors import ParkgraphError
from parkgraph.output import visible

for _module in pkgutil.iter_modules(commands.__path__):
    importlib.import_module(f"{commands.__name__}.{_module.name}")


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM as an exit, so that half-written temporary files are removed as on Ctrl-C; a forked
    worker process (which inherits the handler) dies of the signal as before."""
    if os.getpid() != _MAIN_PID:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    sys.exit(128 + signum)


_MAIN_PID = os.getpid()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; a ParkgraphError becomes a readable message on stderr and exit code 2."""
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        app(args=argv, prog_name="parkgraph")
    except ParkgraphError as err:
        err_console.print(visible(f"error: {err}"), markup=False)  # messages may quote data with terminal escapes
        sys.exit(2)
    finally:
        release_opened()
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    main()
