"""`parkgraph validate`: passes on the real data, fails clearly on broken copies."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from parkgraph import paths, validate
from parkgraph.cli import main


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A temporary copy of the curated data, safe to break."""
    target = tmp_path / "triples.ttl"
    shutil.copy(paths.data_file(), target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test fixture expects {old!r} in the data"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(needle):
            return number
    raise AssertionError(needle)


def test_real_data_validates() -> None:
    report = validate()
    assert report.conforms, "\n".join(map(str, report.problems))
    assert report.checks == ["syntax", "shacl", "consistency"]
    assert report.triples > 1000


def test_cli_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["validate"], capsys)
    assert code == 0
    assert out.startswith("OK:")


def test_broken_turtle_fails_with_file_and_line(
    data_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(data_copy, 'rdfs:label "Денис Журавский"@ru ,', 'rdfs:label "Денис Журавский@ru ,')
    expected_line = line_of(data_copy, "person:denis-zhuravsky a foaf:Person") + 1
    code, _, err = run_cli(["validate", str(paths.ontology_file()), str(data_copy)], capsys)
    assert code == 1
    match = re.search(rf"{re.escape(str(data_copy))}:(\d+):\d+: syntax: not valid RDF", err)
    assert match, err
    assert abs(int(match.group(1)) - expected_line) <= 1
    assert "FAILED: 1 problem(s) (1 syntax)" in err
    assert "hint: fix the syntax at the place shown" in err and err.count("hint:") == 1


def test_shacl_violation_names_node_and_line(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A figure with both an exact value and a lower bound, and a missing English label.
    edit(data_copy, "schema:minValue 65000 ;", "schema:minValue 65000 ; schema:value 65001 ;")
    edit(data_copy, 'rdfs:label "Михаил Лабудин"@ru , "Mikhail Labudin"@en ;', 'rdfs:label "Михаил Лабудин"@ru ;')
    code, _, err = run_cli(["validate", str(paths.ontology_file()), str(data_copy)], capsys)
    assert code == 1
    figure_line = line_of(data_copy, "figure:sco-resident-companies a pg:StatedFigure")
    person_line = line_of(data_copy, "person:mikhail-labudin a foaf:Person")
    assert f"{data_copy}:{figure_line}: shacl: Resident companies of parks and zones" in err
    assert "exactly one of schema:value, schema:minValue" in err
    assert f"{data_copy}:{person_line}: shacl: Михаил Лабудин" in err
    assert "needs an rdfs:label in English (@en)" in err
    assert "(2 shacl)" in err


def test_untyped_number_and_date_are_shacl_violations(data_copy: Path) -> None:
    edit(data_copy, "schema:value 280 ;", 'schema:value "280" ;')
    edit(data_copy, 'schema:startDate "2025-07-07"^^xsd:date ;', 'schema:startDate "7 July 2025" ;')
    report = validate([paths.ontology_file(), data_copy])
    messages = [p.message for p in report.by_check("shacl")]
    assert any("schema:value must be one number" in m for m in messages), messages
    assert any("schema:startDate must be one xsd:date" in m for m in messages), messages


def test_disjointness_violation_is_inconsistent(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A person typed as an industrial park: the closure makes him an org:Organization too.
    edit(
        data_copy,
        "person:farid-zakirov a foaf:Person , schema:Person ;",
        "person:farid-zakirov a foaf:Person , schema:Person , pg:IndustrialPark ;",
    )
    code, _, err = run_cli(
        ["validate", "--no-shacl", str(paths.ontology_file()), str(data_copy)], capsys
    )
    assert code == 1
    line = line_of(data_copy, "person:farid-zakirov a foaf:Person")
    assert f"{data_copy}:{line}: consistency: Farid Zakirov" in err
    assert "foaf:Person" in err and "org:Organization" in err and "disjoint" in err


def test_broken_copy_leaves_real_data_untouched(data_copy: Path) -> None:
    before = paths.data_file().read_bytes()
    edit(data_copy, "schema:value 280 ;", "schema:value 280")
    report = validate([paths.ontology_file(), data_copy])
    assert not report.conforms
    assert paths.data_file().read_bytes() == before


def test_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["validate", str(tmp_path / "nope.ttl")], capsys)
    assert code == 2
    assert "no such file" in err and "nope.ttl" in err


NAMED_GRAPH_FILES = {
    "figure.trig": (
        "@prefix pg: <https://w3id.org/parkgraph/ontology#> .\n"
        "@prefix e: <https://example.org/> .\n"
        "e:fine e:p \"in the default graph\" .\n"
        "e:g { e:fig a pg:StatedFigure . }\n"
    ),
    "figure.nq": (
        "<https://example.org/fine> <https://example.org/p> \"in the default graph\" .\n"
        "<https://example.org/fig> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/parkgraph/ontology#StatedFigure> <https://example.org/g> .\n"
    ),
}


@pytest.mark.parametrize("name", list(NAMED_GRAPH_FILES))
@pytest.mark.parametrize("engine", ["pyshacl", "sparql"])
def test_named_graphs_are_validated_with_their_line(engine: str, name: str, tmp_path: Path) -> None:
    """A violation inside a named graph (TriG, N-Quads) is found by both engines, at its line, as the
    stores, which query the union of the graphs, would see it."""
    path = tmp_path / name
    path.write_text(NAMED_GRAPH_FILES[name], encoding="utf-8")
    report = validate([paths.ontology_file(), path], engine=engine)
    shacl = [p for p in report.problems if p.check == "shacl"]
    assert shacl and not report.conforms
    assert {(p.file, p.line) for p in shacl} == {(str(path), line_of(path, "e:g {" if name.endswith(".trig")
                                                                   else "<https://example.org/fig>"))}
    assert all("example.org/fig" in str(p) for p in shacl)
