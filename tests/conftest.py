"""Shared fixtures: the curated graph, opened once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

# Session fixtures that start real SPARQL servers (Oxigraph, Virtuoso) on 127.0.0.1 when a test asks.
from servers import loaded_oxigraph_server, loaded_virtuoso, oxigraph_server, virtuoso_server  # noqa: F401

from parkgraph import ParkGraph, paths

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def pg() -> ParkGraph:
    """The ontology and the curated data in the default in-memory store."""
    return ParkGraph.open()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return paths.project_root()
