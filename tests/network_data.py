"""Shared helpers for the network, export, render and browser tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from parkgraph import ParkGraph, paths
from parkgraph.store import MemoryStore
from parkgraph.synth import SynthConfig, write_synthetic

NETWORK_DIR = Path(__file__).resolve().parent / "network"
INJECTION_TTL = NETWORK_DIR / "injection.ttl"
ZAKIROV = "https://w3id.org/parkgraph/id/person/farid-zakirov"


def query(name: str) -> str:
    """The text of tests/network/NAME.rq."""
    return (NETWORK_DIR / f"{name}.rq").read_text(encoding="utf-8")


def injection_graph() -> ParkGraph:
    """The curated graph plus hostile labels, titles and IRIs."""
    return ParkGraph.open(files=[*paths.default_files(), INJECTION_TTL])


def synthetic_graph(directory: Path, config: SynthConfig, store: str = "memory") -> ParkGraph:
    """A synthetic graph written to `directory` and opened with the ontology in an in-memory store."""
    path = directory / "synth.nt"
    write_synthetic(path, config)
    return ParkGraph.open(store, files=[paths.ontology_file(), path])


def memory_store_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of the SPARQL queries the memory store runs from now on (it still runs them)."""
    queries: list[str] = []
    real_query = MemoryStore.query
    monkeypatch.setattr(MemoryStore, "query", lambda self, sparql, bindings=None: queries.append(sparql)
                        or real_query(self, sparql, bindings))
    return queries
