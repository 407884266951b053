"""SPARQL that parkgraph runs for itself (statistics, consistency), one query per .rq file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SPARQL_DIR = Path(__file__).resolve().parent


@cache
def internal_query(name: str) -> str:
    """The text of `sparql/NAME.rq`."""
    return (SPARQL_DIR / f"{name}.rq").read_text(encoding="utf-8")
