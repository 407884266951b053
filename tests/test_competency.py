"""Competency questions from the article: one ASK query per fact, in tests/competency/*.rq.

Each ASK must be true on the curated graph and false on the ontology alone, so every one of
them can fail when its fact is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from parkgraph import ParkGraph, paths

QUESTIONS = sorted((Path(__file__).parent / "competency").glob("*.rq"))


def test_there_are_at_least_25_questions() -> None:
    assert len(QUESTIONS) >= 25


@pytest.fixture(scope="module")
def ontology_only() -> ParkGraph:
    return ParkGraph.open(files=[paths.ontology_file()])


@pytest.mark.parametrize("path", QUESTIONS, ids=lambda p: p.stem)
def test_fact_holds(pg: ParkGraph, ontology_only: ParkGraph, path: Path) -> None:
    query = path.read_text(encoding="utf-8")
    fact = query.splitlines()[0].lstrip("# ")
    result = pg.sparql(query)
    assert result.kind == "ask"
    assert result.boolean, f"fact missing or wrong in data/triples.ttl: {fact}"
    assert not ontology_only.sparql(query).boolean, f"question answers without the data: {fact}"
