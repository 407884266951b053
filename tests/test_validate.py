"""`parkgraph validate`: passes on the real data, fails clearly on broken copies."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from test_fuzz_strategies import FAST, unicode_text

from parkgraph import paths, validate
from parkgraph.cli import main
from parkgraph.namespaces import PGID
from parkgraph.subject_lines import may_hold_comment
from parkgraph.validate import SubjectLines


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


INDENTED_TRIG = """\
@prefix ex: <http://example.org/> .
@prefix person: <https://w3id.org/parkgraph/id/person/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<http://example.org/g2> {
    person:test-ivanov a foaf:Person ;
        rdfs:label "Иван Тестов"@ru .
}
"""


@pytest.mark.parametrize("engine", ["pyshacl", "sparql"])
def test_violation_in_an_indented_graph_block_has_its_line(engine: str, tmp_path: Path) -> None:
    """rdflib's TriG writer indents every statement of a graph block; the problems still name their line."""
    path = tmp_path / "graphs.trig"
    path.write_text(INDENTED_TRIG, encoding="utf-8")
    report = validate([paths.ontology_file(), path], engine=engine, consistency=False)
    ivanov = [p for p in report.problems if p.focus == "https://w3id.org/parkgraph/id/person/test-ivanov"]
    assert ivanov and {(p.file, p.line) for p in ivanov} == {(str(path), 6)}
    assert all(str(p).startswith(f"{path}:6: shacl: Иван Тестов") for p in ivanov)


EX = "http://example.org/"

# TriG that a line-by-line reader could misread: the subjects and the lines their statements begin on.
TRICKY_TRIG = """\
# A comment { with braces } and a dot.
PREFIX ex: <http://example.org/>
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:top ex:p ex:o .
GRAPH ex:g1 {
    ex:a ex:p [
        ex:q "x { y" ;
        ex:r [ ex:s ex:t ]
    ] .
    ex:b rdfs:comment \"\"\"A long text {
ex:fake1 ex:p ex:o .
    ex:fake2 ex:p ex:o .
}\"\"\" .
    ex:c ex:p 1.5, 2. # trailing comment { ex:fake3 ex:p ex:o . }
    ex:d
        ex:p ex:o .
}
_:b1 { ex:e ex:p ex:o . ex:f ex:p ex:o }
<http://example.org/g3>
{
  <http://example.org/h> ex:p 'it\\'s'; ex:q '''multi
ex:fake4 ex:p ex:o .''' .
}
{ ex:i ex:p ex:o . }
ex:g4 { ex:j ex:p "\\"quoted\\" . ex:fake5" . } ex:g5 {ex:k ex:p ex:o.}
ex:l ex:p ex:o .
ex:g1 rdfs:label "graph one"@en .
"""
TRICKY_TRIG_LINES = {"top": 4, "a": 6, "b": 10, "c": 14, "d": 15, "e": 18, "f": 18, "h": 21, "i": 24, "j": 25,
                     "k": 25, "l": 26, "g1": 27}  # a graph's label is no description of it: g1 is on line 27

TRICKY_TURTLE = """\
@prefix ex: <http://example.org/> .
ex:a ex:p ex:o ;
    ex:q \"\"\"text.
ex:fake1 ex:p ex:o .
\"\"\" .
  ex:b ex:p ex:o .
ex:c
    ex:p [ ex:q ex:r
] .
ex:d ex:p "# not a comment" .
<http://example.org/e> <http://example.org/p#q> <http://example.org/o#1> ; # then: <http://example.org/x#2> .
    ex:fake2 ex:o .
ex:f ex:p "a # b" ; # a comment.
    ex:fake3 "<c#d>" .
"""
TRICKY_TURTLE_LINES = {"a": 2, "b": 6, "c": 7, "d": 10, "e": 11, "f": 13}

LINE_BASED = (
    "# a comment\n"
    "<http://example.org/a> <http://example.org/p> <http://example.org/o> .\n"
    "_:b <http://example.org/p> <http://example.org/o> .\n"
    "\n"
    "<http://example.org/a> <http://example.org/q> \"x\" .\n"
    "  <http://example.org/c> <http://example.org/p> \"<http://example.org/fake>\" .\n"
)


@pytest.mark.parametrize(
    ("name", "text", "lines"),
    [
        ("tricky.trig", TRICKY_TRIG, TRICKY_TRIG_LINES),
        ("tricky.ttl", TRICKY_TURTLE, TRICKY_TURTLE_LINES),
        ("lines.nt", LINE_BASED, {"a": 2, "c": 6}),
        ("lines.nq", LINE_BASED.replace(" .\n", " <http://example.org/g> .\n"), {"a": 2, "c": 6}),
    ],
    ids=["tricky.trig", "tricky.ttl", "lines.nt", "lines.nq"],
)
def test_subject_lines_follow_statements(name: str, text: str, lines: dict[str, int], tmp_path: Path) -> None:
    """Every subject is found where its first statement begins, and nothing inside strings or comments is."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    found = SubjectLines([path])._build()
    assert found == {EX + local: (str(path), line) for local, line in lines.items()}
    Dataset().parse(path)  # the file is valid RDF (rdflib reads these formats as datasets)


def test_subject_lines_of_rdflib_trig(tmp_path: Path) -> None:
    """The curated data written by rdflib's TriG writer, in two named graphs and the default one: every
    subject is found on a line that begins with its prefixed name."""
    data = Graph().parse(paths.data_file())
    dataset = Dataset()
    for prefix, namespace in data.namespaces():
        dataset.bind(prefix, namespace)
    for number, (s, p, o) in enumerate(sorted(data)):
        dataset.graph(URIRef(EX + f"g{number % 2}")).add((s, p, o))
        if number % 3 == 0:
            dataset.add((s, p, o))
    path = tmp_path / "data.trig"
    dataset.serialize(path, format="trig")
    found = SubjectLines([path])._build()
    subjects = {s for s in data.subjects() if isinstance(s, URIRef)}
    assert set(found) == {str(s) for s in subjects}
    text = path.read_text(encoding="utf-8").splitlines()
    for subject in subjects:
        assert text[found[str(subject)][1] - 1].lstrip().startswith(dataset.namespace_manager.normalizeUri(subject))


@pytest.mark.parametrize(("name", "fmt"), [("data.jsonld", "json-ld"), ("data.rdf", "xml")])
def test_subject_lines_skip_formats_without_statement_lines(name: str, fmt: str, tmp_path: Path) -> None:
    path = tmp_path / name
    Graph().parse(paths.data_file()).serialize(path, format=fmt)
    assert SubjectLines([path]).find(str(PGID) + "person/denis-zhuravsky") == (None, None)


@pytest.mark.parametrize(
    ("line", "comment"),
    [
        ('<a> <http://www.w3.org/2000/01/rdf-schema#label> "x"@en .', False),
        ('<a> <p> "1"^^<http://www.w3.org/2001/XMLSchema#date> .', False),
        ("<a#b> <p> <c#d> , <e#f> .", False),
        ("<a> <p> <o> . # a comment", True),
        ("ex:a ex:p ex:o .#a comment", True),
        ('<a> <p> "x#y" .', True),  # in a string, which only the tokenizer tells
        ('<a> <p> "x < y" . # a comment', True),  # the "<" is in a string
        ('<a> <p> "x\\"y" , <c#d> .', True),  # an escaped quote: not counted
        ("<a> <p> 'x' , <c#d> .", True),
    ],
)
def test_may_hold_comment(line: str, comment: bool) -> None:
    """Lines whose every "#" is inside an IRI need no tokenizing; any other "#" may begin a comment."""
    assert may_hold_comment(line) is comment


# A few subjects and graphs, IRIs and blank nodes, for the property test below, and literals that
# hold what would end a statement or begin one, were they not inside a string.
FUZZ_SUBJECTS = [URIRef(EX + f"s{k}") for k in range(4)]
FUZZ_GRAPHS = [None, URIRef(EX + "g1"), URIRef(EX + "g2"), BNode("g3")]
LOOKALIKES = (".\n", " .\n", "\nex:fake ex:p ex:o .\n", "\n<http://example.org/fake> a ex:C .", "\n    ex:fake2\n",
              "{", "}\n", "ex:g {\n", '"""', "'''", "#", "\\", '"', "'")
fuzz_text = st.lists(st.one_of(unicode_text, st.sampled_from(LOOKALIKES)), max_size=6).map("".join)
fuzz_object = st.one_of(
    fuzz_text.map(Literal),
    st.builds(Literal, fuzz_text, lang=st.just("en")),
    st.sampled_from(FUZZ_SUBJECTS),
    st.just(BNode("nested")),  # described with a hostile literal of its own: a [ ] block over lines
)
fuzz_quad = st.tuples(st.sampled_from(FUZZ_SUBJECTS), st.integers(0, 2), fuzz_object, st.sampled_from(FUZZ_GRAPHS))


@FAST
@given(st.lists(fuzz_quad, min_size=1, max_size=12), fuzz_text)
@pytest.mark.filterwarnings("ignore:.*is deprecated.*:DeprecationWarning")
def test_subject_lines_agree_with_rdflib_writers(quads: list, nested: str) -> None:
    """Whatever the literals hold (braces, dots, quotes, '#', line breaks, subject-like text), every
    subject of what rdflib's TriG and Turtle writers write is found on a line that begins with it."""
    dataset = Dataset()
    dataset.bind("ex", EX)
    for s, p, o, g in quads:
        graph = dataset.graph(g) if g is not None else dataset.default_graph
        graph.add((s, URIRef(EX + f"p{p}"), o))
        if o == BNode("nested"):
            graph.add((o, URIRef(EX + "p0"), Literal(nested)))
    union = Graph()
    union.bind("ex", EX)
    for s, p, o, _g in dataset.quads():
        union.add((s, p, o))
    subjects = {str(s) for s in union.subjects() if isinstance(s, URIRef)}
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in (("fuzz.trig", dataset), ("fuzz.ttl", union)):
            path = Path(tmp) / name
            data.serialize(path, format="trig" if name.endswith(".trig") else "turtle", encoding="utf-8")
            found = SubjectLines([path])._build()
            assert set(found) == subjects, (path.read_text(encoding="utf-8"), found)
            with path.open(encoding="utf-8") as handle:  # lines as the scanner counts them
                lines = handle.readlines()
            for iri, (_file, number) in found.items():
                assert lines[number - 1].split()[0] in (f"<{iri}>", "ex:" + iri[len(EX):]), (iri, number)
