"""`parkgraph stats` and the Python API for counting."""

from __future__ import annotations

import pytest

from parkgraph import ParkGraph, compute_stats
from parkgraph.cli import main


def test_stats_counts_classes_and_predicates(pg: ParkGraph) -> None:
    stats = compute_stats(pg)
    classes = dict(stats.classes)
    assert classes["https://schema.org/Country"] == 16
    assert classes["https://w3id.org/parkgraph/ontology#StatedFigure"] == 9
    assert classes["http://xmlns.com/foaf/0.1/Person"] == 3
    predicates = dict(stats.predicates)
    assert sum(predicates.values()) == stats.triples == len(pg)


def test_stats_cli(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["stats", "--top", "5"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert "instances by class" in out and "org:Membership" in out
    assert "triples by predicate" in out and "rdfs:label" in out


@pytest.mark.parametrize("top", ["0", "-1"])
def test_stats_cli_refuses_a_top_below_one(capsys: pytest.CaptureFixture[str], top: str) -> None:
    """--top -1 silently dropped each table's last row (a Python slice); 0 showed empty tables."""
    with pytest.raises(SystemExit) as exit_info:
        main(["stats", "--top", top])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2 and "Invalid value for '--top'" in err and "triples" not in out


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    from typer.main import get_command

    from parkgraph.app import app

    group = get_command(app)
    assert {"validate", "stats"} <= set(group.commands)
    for name in group.commands:
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
        assert "Usage:" in capsys.readouterr().out
