"""Measure one validation run (seconds per check, CPU time, peak memory); run it as a process of its own.

`python -m parkgraph.validation_bench --engine sparql FILE...` prints one JSON object. Peak RSS is
the whole process's high-water mark, so each measurement needs a fresh process; benchmarks call
this module with subprocess, or call `measure()` directly when the peak is not needed.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Sequence
from pathlib import Path

from parkgraph.validate import validate


def measure(files: Sequence[Path | str], engine: str = "sparql") -> dict[str, object]:
    """Validate `files` with `engine` and return what it cost and what it found."""
    cpu_before = time.process_time()
    started = time.perf_counter()
    report = validate(files, engine=engine)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "engine": report.engine,
        "files": [str(f) for f in report.files],
        "triples": report.triples,
        "seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - cpu_before, 3),
        "seconds_by_check": {k: round(v, 3) for k, v in report.seconds.items()},
        "peak_rss_mb": round(usage.ru_maxrss / 1024),  # Linux reports KiB
        "problems": len(report.problems),
        "problems_by_check": {c: len(report.by_check(c)) for c in report.checks},
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: print the measurement of one validation run as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="RDF files to validate")
    parser.add_argument("--engine", default="sparql", choices=["auto", "pyshacl", "sparql"])
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.files, args.engine), indent=2))


if __name__ == "__main__":
    main()
