"""`parkgraph queries` and `parkgraph query`: every output format parses back, every error is clear.

The command runs in-process through `parkgraph.cli.main`, as the installed script does; answers
are compared with the Python API and with the data, never with text copied from the output.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from parkgraph import ParkGraph
from parkgraph.app import console
from parkgraph.cli import main
from parkgraph.errors import QueryError
from parkgraph.named import add_known_prefixes, all_queries, load_query
from parkgraph.namespaces import PG
from parkgraph.output import cell_text
from parkgraph.results import QueryResult
from parkgraph.store import MemoryStore


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `parkgraph ARGS`; returns (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else (0 if code is None else 1)), out, err


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as wide as a desktop terminal, so cells are not folded across lines."""
    monkeypatch.setattr(console, "width", 250)


def test_queries_lists_every_name_title_and_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "queries")
    assert code == 0
    for named in all_queries():
        assert named.name in out and named.title in out
    assert "[organization:iri=pgorg:sco] date:date" in out  # markup-like text printed verbatim


def test_queries_shows_one_query_with_parameters_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "queries", "members-as-of")
    assert code == 0
    assert "--param date:date" in out and "example: parkgraph query members-as-of --param date=2020-01-01" in out
    body = out[out.index("PREFIX"):]  # the SPARQL after the header, which is shown above as parameters
    named = load_query("members-as-of")
    assert body.split() == named.text[named.text.index("PREFIX"):].split() and "# title" not in out


def test_table_output_shows_labels(capsys: pytest.CaptureFixture[str], pg: ParkGraph) -> None:
    code, out, _ = run(capsys, "query", "event-participants", "--param", "event=Иннопром-2025", "--lang", "ru")
    assert code == 0
    assert "3 row(s)" in out and "Диалог индустриальных парков" in out  # they spoke at its panel session
    code, out, _ = run(capsys, "query", "event-participants", "-p", "event=SCO industrial parks dialogue", "-l", "ru")
    assert code == 0
    expected = pg.query("event-participants", lang="ru", event="SCO industrial parks dialogue")
    for label in expected.column("personLabel"):
        assert str(label) in out
    assert "Speakers and attendees of an event" in out and "3 row(s)" in out


def test_table_label_column_falls_back_to_the_value(capsys: pytest.CaptureFixture[str], pg: ParkGraph) -> None:
    """Where `valueLabel` is unbound (a literal, an unlabelled IRI) the table shows `value` itself."""
    expected = pg.query("entity-profile", entity="Farid Zakirov")
    values, labels = expected.column("value"), expected.column("valueLabel")
    unlabelled = [v for v, label in zip(values, labels, strict=True) if label is None]
    assert any(isinstance(v, Literal) for v in unlabelled) and any(isinstance(v, URIRef) for v in unlabelled)
    code, out, _ = run(capsys, "query", "entity-profile", "--param", "entity=Farid Zakirov")
    assert code == 0
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in out.splitlines() if line.startswith("│")]
    assert len(cells) == len(values) and all(len(row) == 3 for row in cells)
    for row, value, label in zip(cells, values, labels, strict=True):
        assert row[2] == (str(label) if label is not None else cell_text(value))
        assert row[2]  # no value left blank


def test_table_columns_keep_values_without_labels() -> None:
    from parkgraph.output import to_table

    rows = [(Literal("plain"), None, Literal(1)), (URIRef("https://example.org/a"), Literal("A"), None)]
    result = QueryResult(kind="select", vars=["x", "xLabel", "n"], rows=rows)
    console_out = io.StringIO()
    from rich.console import Console

    Console(file=console_out, width=120).print(to_table(result))
    text = console_out.getvalue()
    assert "plain" in text and "│ A " in text and "https://example.org/a" not in text
    assert "xLabel" in text and "│ x " not in text


def test_a_long_table_shows_its_first_rows_and_says_so(capsys: pytest.CaptureFixture[str], pg: ParkGraph) -> None:
    """A table lays out the first --rows rows (1,000 by default) and its caption gives the total;
    --rows 0 and the machine-readable formats give every row."""
    from parkgraph.output import TABLE_ROWS

    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    every = pg.sparql(query).rows
    assert len(every) > TABLE_ROWS  # the default cut applies to the curated graph's triples
    code, out, _ = run(capsys, "query", "-e", query, "--rows", "5", "-F", "table")
    assert code == 0
    assert f"{len(every):,} rows, the first 5 shown" in out and "--rows 0" in out
    body = [line for line in out.splitlines() if line.startswith("│")]
    assert 5 <= len(body) < 5 * 4  # five rows (a long cell folds onto more lines)
    code, out, _ = run(capsys, "query", "-e", query)
    assert code == 0 and f"the first {TABLE_ROWS:,} shown" in out
    code, out, _ = run(capsys, "query", "-e", "SELECT ?s WHERE { ?s a ?type } LIMIT 7", "--rows", "0")
    assert code == 0 and "7 row(s)" in out and "shown" not in out
    code, out, _ = run(capsys, "query", "-e", query, "--rows", "0", "--format", "csv")
    assert code == 0 and len(list(csv.reader(io.StringIO(out)))) == len(every) + 1
    code, _, err = run(capsys, "query", "-e", query, "--rows", "-3")
    assert code == 2 and "--rows -3 is negative" in err


def test_csv_is_w3c_sparql_csv(capsys: pytest.CaptureFixture[str], pg: ParkGraph) -> None:
    code, out, _ = run(capsys, "query", "common-members", "--format", "csv")
    assert code == 0
    reader = csv.reader(io.StringIO(out, newline=""))
    rows = list(reader)
    expected = pg.query("common-members")
    assert rows[0] == expected.vars
    assert rows[1:] == [["" if cell is None else str(cell) for cell in row] for row in expected.rows]
    assert out.endswith("\r\n")
    assert {r[1] for r in rows[1:]} == {"China", "India", "Iran", "Russia"}


def test_tsv_writes_terms_in_turtle_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "query", "members-as-of", "-p", "date=2020-01-01", "-F", "tsv")
    assert code == 0
    lines = out.rstrip("\n").split("\n")  # newlines only: U+2028 in a label is no line break to `wc -l`
    assert lines[0].split("\t") == ["?member", "?memberLabel", "?roleLabel", "?since", "?until"]
    first = lines[1].split("\t")
    assert first[0].startswith("<https://w3id.org/parkgraph/id/place/") and first[0].endswith(">")
    assert first[1].endswith('"@en')
    assert first[3].endswith('"^^<http://www.w3.org/2001/XMLSchema#date>')
    assert len(lines) == 1 + 8


def _term(cell: dict) -> Literal | URIRef | BNode:
    """A SPARQL 1.1 JSON results term back as an rdflib term."""
    assert set(cell) <= {"type", "value", "xml:lang", "datatype"}
    if cell["type"] == "uri":
        return URIRef(cell["value"])
    if cell["type"] == "bnode":
        return BNode(cell["value"])
    assert cell["type"] == "literal"
    return Literal(cell["value"], lang=cell.get("xml:lang"), datatype=cell.get("datatype"))


def test_json_is_w3c_sparql_results_json(capsys: pytest.CaptureFixture[str], pg: ParkGraph) -> None:
    code, out, _ = run(capsys, "query", "figures-about", "-p", "entity=KIP Master", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    expected = pg.query("figures-about", entity="KIP Master")
    assert doc["head"]["vars"] == expected.vars
    rows = [tuple(_term(b[v]) if v in b else None for v in doc["head"]["vars"]) for b in doc["results"]["bindings"]]
    assert rows == expected.rows


def test_json_has_one_binding_per_line(capsys: pytest.CaptureFixture[str], pg: ParkGraph) -> None:
    """Each row is one line (a newline inside a value is escaped), and the whole is the same JSON
    document the results dict gives; no rows is an empty list."""
    from parkgraph.output import to_json, to_json_dict
    from parkgraph.results import QueryResult

    query = "SELECT ?s ?o WHERE { ?s rdfs:label ?o } ORDER BY ?s ?o LANG(?o)"  # one order in the worker and here
    code, out, _ = run(capsys, "query", "-e", query, "-F", "json")
    assert code == 0
    answer = pg.sparql("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " + query)
    lines = out.rstrip("\n").split("\n")  # newlines only: U+2028 in a label is no line break to `wc -l`
    assert len(lines) == len(answer.rows) + 5 and all(json.loads(line.rstrip(",")) for line in lines[3:-2])
    assert json.loads(out) == to_json_dict(answer)
    hostile = QueryResult(kind="select", vars=["x", "y"], rows=[(Literal('a\n"b"\u2028\t'), None), (None, None)])
    text = to_json(hostile)
    assert json.loads(text) == to_json_dict(hostile) and len(text.rstrip("\n").split("\n")) == 2 + 5
    empty = QueryResult(kind="select", vars=["x"], rows=[])
    assert json.loads(to_json(empty)) == {"head": {"vars": ["x"]}, "results": {"bindings": []}}


def test_json_for_ask(capsys: pytest.CaptureFixture[str]) -> None:
    ask = "ASK { ?plan a <https://w3id.org/parkgraph/ontology#Plan> }"
    code, out, _ = run(capsys, "query", "-e", ask, "-F", "json")
    assert code == 0
    assert json.loads(out) == {"head": {}, "boolean": True}
    code, out, _ = run(capsys, "query", "-e", "ASK { ?x a pg:NoSuchClass }", "-F", "csv")
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [["_askResult"], ["false"]]


CONSTRUCT_PLANS = "CONSTRUCT { ?plan ?p ?o } WHERE { ?plan a pg:Plan ; ?p ?o }"


def _plan_triples(pg: ParkGraph) -> Graph:
    data = pg.to_rdflib()
    graph = Graph()
    for plan in data.subjects(RDF.type, PG.Plan):
        for p, o in data.predicate_objects(plan):
            graph.add((plan, p, o))
    return graph


def test_construct_as_turtle_and_jsonld(capsys: pytest.CaptureFixture[str], pg: ParkGraph) -> None:
    code, out, _ = run(capsys, "query", "-e", CONSTRUCT_PLANS)
    assert code == 0
    turtle = Graph().parse(data=out, format="turtle")
    assert len(turtle) > 0 and isomorphic(turtle, _plan_triples(pg))
    code, out, _ = run(capsys, "query", "-e", CONSTRUCT_PLANS, "--format", "jsonld")
    assert code == 0
    assert "@context" in json.loads(out)
    assert isomorphic(Graph().parse(data=out, format="json-ld"), turtle)


@pytest.mark.parametrize("name", ["ntriples", "nt", "NT"])
def test_construct_as_ntriples(capsys: pytest.CaptureFixture[str], pg: ParkGraph, name: str) -> None:
    """One triple a line, sorted: the same output every run, and a big answer written fast."""
    code, out, _ = run(capsys, "query", "-e", CONSTRUCT_PLANS, "--format", name)
    assert code == 0
    lines = out.splitlines()
    assert lines == sorted(lines) and all(line.endswith(" .") for line in lines)
    assert len(lines) == len(_plan_triples(pg))
    assert isomorphic(Graph().parse(data=out, format="nt"), _plan_triples(pg))
    code, _, err = run(capsys, "query", "-e", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--format", name)
    assert code == 2 and "cannot be printed as ntriples" in err


def test_query_file_with_its_own_typed_parameters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    query = tmp_path / "members.rq"
    query.write_text(
        "# param: organization iri required  The organization\n"
        "PREFIX org: <http://www.w3.org/ns/org#>\n"
        "SELECT ?member WHERE { ?member org:memberOf ?organization }\nORDER BY ?member\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "query", "--file", str(query), "-p", "organization=BRICS", "-F", "csv")
    assert code == 0
    members = {row[0] for row in list(csv.reader(io.StringIO(out)))[1:]}
    assert "https://w3id.org/parkgraph/id/place/brazil" in members and len(members) == 10
    code, _, err = run(capsys, "query", "--file", str(query))
    assert code == 2 and "needs the parameter 'organization'" in err


@pytest.mark.parametrize(
    ("declared", "complaint"),
    [
        ("x integer default=abc", "'abc' is not a whole number like 2017"),
        ("x date default=2020-13-01", "'2020-13-01' is not a date as YYYY-MM-DD"),
        ("x lang default=de", "'de' is not a language tag: ru or en"),
        ("x iri default=<http://example.org/{x}>", "'<http://example.org/{x}>' is not an IRI"),
    ],
)
def test_a_bad_default_is_the_query_files_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, declared: str, complaint: str
) -> None:
    """A default that does not fit its type is reported at the file's header line, not as if the user passed it."""
    query = tmp_path / "defaults.rq"
    query.write_text(f"# title: Defaults\n# param: {declared}  a value\nSELECT ?x WHERE {{ }}\n", encoding="utf-8")
    code, out, err = run(capsys, "query", "--file", str(query))
    assert code == 2 and out == ""
    assert f"error: {query}:2: bad default for parameter 'x': {complaint}" in err, err
    assert "--param x=" not in err


def test_a_label_default_is_looked_up_when_the_query_runs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    query = tmp_path / "label.rq"
    query.write_text("# param: x iri default=SCO  an organization\nSELECT ?x WHERE { }\n", encoding="utf-8")
    code, out, _ = run(capsys, "query", "--file", str(query), "-F", "csv")
    assert code == 0 and out.split() == ["x", "https://w3id.org/parkgraph/id/org/sco"]


# --- errors: a clear message and a non-zero exit --------------------------------------------------


def test_unknown_query_name_suggests_close_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "query", "members-as-off", "-p", "date=2020-01-01")
    assert code == 2 and out == ""
    assert "no named query 'members-as-off'" in err and "did you mean: members-as-of" in err
    code, _, err = run(capsys, "query", "figures")
    assert code == 2 and "figures-about" in err and "figures-by-indicator" in err


def test_missing_and_ill_typed_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "query", "members-as-of")
    assert code == 2 and "needs the parameter 'date'" in err and "--param date=" in err
    code, _, err = run(capsys, "query", "members-as-of", "-p", "date=1 January 2020")
    assert code == 2 and "parameter 'date' must be a date as YYYY-MM-DD, got '1 January 2020'" in err
    code, _, err = run(capsys, "query", "accession-dates", "-p", "from_year=2017.5")
    assert code == 2 and "must be a whole number" in err
    code, _, err = run(capsys, "query", "members-as-of", "-p", "date")
    assert code == 2 and "is not of the form key=value" in err
    code, _, err = run(capsys, "query", "members-as-of", "-p", "day=2020-01-01")
    assert code == 2 and "has no parameter 'day'" in err
    code, _, err = run(capsys, "query", "common-members", "--lang", "de")
    assert code == 2 and "--lang 'de' is not supported" in err


def test_a_parameter_given_twice_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """The last of two --param date=… would win silently, and so would --param lang=… over --lang."""
    code, out, err = run(capsys, "query", "members-as-of", "-p", "date=2000-01-01", "-p", "date=2030-01-01")
    assert code == 2 and out == ""
    assert "parameter 'date' given twice: --param date=2000-01-01 and --param date=2030-01-01" in err
    code, out, err = run(capsys, "query", "members-as-of", "-p", "date=2020-01-01", "--lang", "ru", "-p", "lang=en")
    assert code == 2 and out == "" and "parameter 'lang' given twice: --lang ru and --param lang=en" in err
    code, out, _ = run(capsys, "query", "members-as-of", "-p", "date=2020-01-01", "--lang", "ru", "-F", "csv")
    assert code == 0 and "Россия" in out


@pytest.mark.parametrize("tag", ["de", "RU", "en-GB", "x"])
def test_a_lang_parameter_takes_what_lang_takes(capsys: pytest.CaptureFixture[str], pg: ParkGraph, tag: str) -> None:
    """--param lang=de was bound (every label then fell back) while --lang de is refused: both refuse it now."""
    code, out, err = run(capsys, "query", "common-members", "--lang", tag)
    assert code == 2 and out == "" and f"--lang {tag!r} is not supported" in err
    code, out, err = run(capsys, "query", "common-members", "-p", f"lang={tag}")
    assert code == 2 and out == "" and f"parameter 'lang' must be a language tag: ru or en, got {tag!r}" in err
    with pytest.raises(QueryError, match="ru or en"):
        pg.query("common-members", lang=tag)


ENGINE_FAILURE = ("SELECT (COUNT(*) AS ?n) WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
                  " GROUP BY (LCASE(STR(?l)))")


def test_a_query_rdflib_cannot_evaluate_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Valid SPARQL that rdflib's engine fails on (a GROUP BY expression) is a QueryError naming the
    engine and the Oxigraph store, not a traceback; Oxigraph answers the same query."""
    code, out, err = run(capsys, "query", "-e", ENGINE_FAILURE)
    assert code == 2 and not out
    assert "rdflib's SPARQL engine" in err and "could not evaluate" in err and "--store oxigraph-memory" in err
    assert "Traceback" not in err
    with pytest.raises(QueryError, match="could not evaluate"):
        ParkGraph.open().sparql(ENGINE_FAILURE)
    answer = ParkGraph.open("oxigraph-memory").sparql(ENGINE_FAILURE)
    assert answer.kind == "select" and len(answer.rows) > 1


def test_syntax_error_names_line_and_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "query", "-e", "SELECT ?s\nWHERE { ?s ?p ?o\nFILTER(?s = ) }")
    assert code == 2 and out == ""
    assert "<query>:3:" in err and "SPARQL syntax error" in err and "FILTER(?s = ) }" in err
    broken = tmp_path / "broken.rq"
    broken.write_text("# title: broken\nSELECT ?s WHERE {\n  ?s ?p ?o .\n  ?s ?p\n}\n", encoding="utf-8")
    code, _, err = run(capsys, "query", "--file", str(broken))
    assert code == 2 and f"{broken}:" in err and "SPARQL syntax error" in err
    line = int(err.split(f"{broken}:")[1].split(":")[0])
    assert line in (4, 5)


def test_other_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "query", "-e", CONSTRUCT_PLANS, "--format", "csv")
    assert code == 2 and "use --format turtle, ntriples, jsonld" in err
    code, _, err = run(capsys, "query", "common-members", "--format", "xlsx")
    assert code == 2 and "unknown format 'xlsx'" in err
    code, _, err = run(capsys, "query", "-e", "INSERT DATA { <http://a> <http://b> <http://c> }")
    assert code == 2 and "this is a SPARQL update" in err
    code, _, err = run(capsys, "query")
    assert code == 2 and "give exactly one of" in err
    code, _, err = run(capsys, "query", "--file", str(tmp_path / "missing.rq"))
    assert code == 2 and "no such query file" in err


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n", "# title: nothing\n# only a comment\n"])
def test_an_empty_query_is_called_empty(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str) -> None:
    """No SPARQL at all is "the query is empty", not an update (the grammar's empty update) nor a traceback."""
    for extra in ([], ["--allow-update"]):
        code, out, err = run(capsys, "query", "-e", text, *extra)
        assert code == 2 and out == "" and "error: the query is empty" in err, err
        assert "update" not in err and "Traceback" not in err
        empty = tmp_path / "empty.rq"
        empty.write_text(text, encoding="utf-8")
        code, out, err = run(capsys, "query", "--file", str(empty), *extra)
        assert code == 2 and out == "" and f"error: {empty}: the query is empty" in err, err
    with pytest.raises(QueryError, match="the update is empty"):
        ParkGraph.open(allow_update=True).update(text)


def test_a_query_file_that_is_not_utf8_or_is_a_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.rq"
    latin1.write_bytes('# title: Latin-1\nSELECT ?x WHERE { ?x ?p "caf\xe9" }\n'.encode("latin-1"))
    code, out, err = run(capsys, "query", "--file", str(latin1))
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"error: {latin1}:2: the query file is not UTF-8 text: byte 0xe9 at byte 29 of the line" in err
    assert "hint: save the file as UTF-8" in err
    folder = tmp_path / "queries.rq"
    folder.mkdir()
    code, out, err = run(capsys, "query", "--file", str(folder))
    assert code == 2 and f"error: {folder}: a directory, not a query file" in err and "no such" not in err


def test_ad_hoc_queries_get_parkgraph_prefixes_on_the_first_line() -> None:
    text = "SELECT ?plan WHERE {\n  ?plan a pg:Plan ; pg:scope pgorg:brics\n}"
    prefixed = add_known_prefixes(text)
    assert prefixed.splitlines()[1:] == text.splitlines()[1:]  # error lines stay where they were
    assert "PREFIX pg: <https://w3id.org/parkgraph/ontology#>" in prefixed.splitlines()[0]
    assert "PREFIX pgorg: <https://w3id.org/parkgraph/id/org/>" in prefixed.splitlines()[0]
    declared = "PREFIX pg: <http://example.org/other#>\n" + text
    assert "PREFIX pg: <https://w3id.org" not in add_known_prefixes(declared)
    bare = "SELECT ?plan WHERE { ?plan a pg:Plan ; pg:scope pgorg:brics }"
    empty = MemoryStore(Graph())  # binds the vocabulary prefixes, but not pgorg:
    with pytest.raises(QueryError, match="pgorg"):
        empty.query(bare, {})
    assert empty.query(add_known_prefixes(bare), {}).rows == []


BROKEN_UPDATE = "PREFIX ex: <http://example.org/>\n# a comment\nDELETE WHERE { ex:a ex:b }\n"


@pytest.mark.parametrize("extra", [[], ["--allow-update"]])
def test_a_broken_update_is_reported_as_an_update(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: list[str]
) -> None:
    """Not as a query expected at the first keyword ("Expected SelectQuery" at DELETE)."""
    code, out, err = run(capsys, "query", "-e", BROKEN_UPDATE, *extra)
    assert code == 2 and out == ""
    assert "error: <update>:3:" in err and "SPARQL Update syntax error" in err and "SelectQuery" not in err, err
    file = tmp_path / "broken.ru"
    file.write_text(BROKEN_UPDATE, encoding="utf-8")
    code, out, err = run(capsys, "query", "--file", str(file), *extra)
    assert code == 2 and f"error: {file}:3:" in err and "SPARQL Update syntax error" in err, err
    code, out, err = run(capsys, "query", "-e", BROKEN_UPDATE.replace("DELETE", "SELECT * "), *extra)
    assert code == 2 and "error: <query>:3:" in err and "SPARQL syntax error" in err and "Update" not in err, err


def test_an_iri_is_spelt_one_way_in_every_table(capsys: pytest.CaptureFixture[str]) -> None:
    """Query tables, neighbours and the did-you-mean message all write KIP Master as pgorg:kip-master
    (the neighbours table and messages wrote pgid:org/kip-master, with the vocabulary prefixes only)."""
    _, queried, _ = run(capsys, "query", "-e", "SELECT ?o WHERE { BIND(pgorg:kip-master AS ?o) }")
    code, near, _ = run(capsys, "neighbours", "Farid Zakirov", "--depth", "1")
    assert code == 0
    _, _, suggested = run(capsys, "neighbours", "Farid Zakirof")
    for text in (queried, near, suggested):
        assert "pgorg:kip-master" in text or "person:farid-zakirov" in text, text
        assert "pgid:org/" not in text and "pgid:person/" not in text, text
    assert "pgorg:kip-master" in queried and "pgorg:kip-master" in near
