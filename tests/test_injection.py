"""Parameters are RDF terms, never SPARQL: injection payloads are refused as ill-typed or stay data.

Every payload is tried in every parameter type, through the Python API, through the command line
and through both binding mechanisms (rdflib initBindings and the injected VALUES block a remote
store uses). A payload either fails with a QueryError, or the query answers exactly as it does for
a harmless value that matches nothing; never all triples, and the graph is unchanged afterwards.
"""

from __future__ import annotations

import csv
import io

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from parkgraph import ParkGraph
from parkgraph.binding import has_dataset_clause, inject_values, sparql_term, values_block
from parkgraph.cli import main
from parkgraph.errors import QueryError, StoreError
from parkgraph.named import load_query
from parkgraph.stores.remote import paged_query

PAYLOADS = [
    '"} ; DROP ALL ; SELECT * {',
    "> <http://evil> ; #",
    '\\" ) } UNION { ?s ?p ?o } #',
    'en"@en . ?x ?y ?z #',
    "'} ; CLEAR DEFAULT ; ASK {'",
    '"""} INSERT DATA { <http://evil> <http://evil> <http://evil> } #"""',
    "x\n} ; DELETE WHERE { ?s ?p ?o } #\r\n",
    "http://example.org/a> } UNION { ?s ?p ?o } #",
    "pgorg:sco> } UNION { ?s ?p ?o",
    "2020-01-01\"^^<http://www.w3.org/2001/XMLSchema#date> } UNION { ?s ?p ?o } #",
    "1) } UNION { ?s ?p ?o } #",
    "ru\") } UNION { ?s ?p ?o } #",
]
HARMLESS = "zz-no-such-value-zz"

# One named query per parameter type: (query, parameter, extra parameters).
BY_TYPE = {
    "string": ("find-entity", "text", {}),
    "iri": ("figures-about", "entity", {}),
    "date": ("members-as-of", "date", {}),
    "integer": ("accession-dates", "from_year", {}),
    "decimal": ("figures-in-range", "high", {}),
    "lang": ("common-members", "lang", {}),
}


@pytest.fixture(scope="module")
def fresh() -> ParkGraph:
    """A graph of this module's own, checked against its first snapshot after every payload."""
    return ParkGraph.open()


@pytest.fixture(scope="module")
def original(fresh: ParkGraph) -> frozenset:
    return snapshot(fresh)


def snapshot(graph: ParkGraph) -> frozenset:
    return frozenset(graph.to_rdflib())


def answer(graph: ParkGraph, name: str, values: dict[str, object]) -> tuple[list[str], list[tuple]] | str:
    """The query's rows, or the word 'refused' when the parameters are rejected."""
    try:
        result = graph.query(name, **values)
    except QueryError:
        return "refused"
    return result.vars, result.rows


@pytest.mark.parametrize("kind", sorted(BY_TYPE))
@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_payload_is_refused_or_stays_data(fresh: ParkGraph, original: frozenset, kind: str, payload: str) -> None:
    name, param, extra = BY_TYPE[kind]
    got = answer(fresh, name, {**extra, param: payload})
    if kind == "string":
        # Any text is a valid string: it must come back as data, matching nothing.
        assert got == answer(fresh, name, {**extra, param: HARMLESS})
        assert got != "refused" and got[1] == []
    else:
        assert got == "refused", f"{kind} parameter accepted {payload!r}"
    assert len(fresh) == len(original) and snapshot(fresh) == original


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_string_payload_through_the_values_block_is_one_literal(fresh: ParkGraph, payload: str) -> None:
    """Injected as a VALUES block, the payload comes back unchanged as the single value of ?text."""
    named = load_query("find-entity")
    bindings = named.bind({"text": payload})
    pre_bound = fresh.store.query(named.text, bindings)
    injected = fresh.store.query(inject_values(named.text, bindings), {})
    assert pre_bound.rows == injected.rows == []
    probe = inject_values("SELECT ?text WHERE { }", {"text": Literal(payload)})
    echoed = fresh.store.query(probe, {})
    [(value,)] = echoed.rows
    assert str(value) == payload and value.datatype in (None, XSD.string) and value.language is None
    typed = inject_values("SELECT ?v WHERE { }", {"v": Literal(payload, lang="en")})
    assert fresh.store.query(typed, {}).rows == [(Literal(payload, lang="en"),)]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_bad_terms_are_refused_before_they_reach_the_query(payload: str) -> None:
    with pytest.raises(QueryError):
        sparql_term(URIRef(payload))
    with pytest.raises(QueryError):
        sparql_term(Literal("1", datatype=URIRef(payload)))
    try:
        tagged = Literal("x", lang=payload)
    except ValueError:  # rdflib itself refuses the tag
        return
    with pytest.raises(QueryError):
        sparql_term(tagged)


def test_variable_names_cannot_carry_sparql() -> None:
    with pytest.raises(QueryError):
        values_block({"x) } UNION { ?s ?p ?o } #": Literal("a")})


def test_iri_parameters_given_as_rdflib_terms_are_checked(fresh: ParkGraph) -> None:
    for payload in ("http://x.org/a> } UNION { ?s ?p ?o } #", "http://x.org/a b", 'http://x.org/"'):
        with pytest.raises(QueryError):
            fresh.query("figures-about", entity=URIRef(payload))
    harmless = fresh.query("figures-about", entity=URIRef("http://example.org/nothing"))
    assert harmless.rows == []


def test_typed_values_keep_their_datatype() -> None:
    named = load_query("members-as-of")
    bindings = named.bind({"date": "2020-01-01"})
    assert bindings["date"] == Literal("2020-01-01", datatype=XSD.date)
    assert values_block(bindings).count("VALUES") == 1
    # Simple literals go out as the xsd:string literals they are (Virtuoso mis-compares plain non-ASCII ones).
    assert values_block({"t": Literal("ШОС")}) == 'VALUES (?t) { ("ШОС"^^<http://www.w3.org/2001/XMLSchema#string>) }'



@pytest.mark.parametrize("payload", PAYLOADS[:4], ids=range(4))
def test_payloads_on_the_command_line(capsys: pytest.CaptureFixture[str], payload: str) -> None:
    def run(*args: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as info:
            main(list(args))
        return info.value.code, capsys.readouterr().out

    code, out = run("query", "find-entity", "--param", f"text={payload}", "--format", "csv")
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [["entity", "entityLabel", "matched"]]
    for name, param in (("members-as-of", "date"), ("figures-about", "entity"), ("common-members", "lang")):
        code, out = run("query", name, "--param", f"{param}={payload}", "--format", "csv")
        assert code == 2 and out == ""


# --- where the VALUES block goes -----------------------------------------------------------------

TRICKY = [
    # (query, what the first answer's ?x must be)
    ('# a comment with { and WHERE {\nPREFIX ex: <http://ex.org/#x>\nSELECT ?x ?s WHERE { BIND("{" AS ?s) }', "data"),
    ('SELECT ?x (CONCAT("{", \'}\') AS ?e) WHERE { { SELECT ?y WHERE { } } }', "data"),
    ('select ?x where { FILTER(?x != "} WHERE {") }', "data"),
    ("CONSTRUCT { <http://ex.org/s> <http://ex.org/p> ?x } WHERE { }", "data"),
    ('ASK { FILTER(?x = """data"""@en) }', "data"),
    ("DESCRIBE ?x WHERE { }", "data"),
]


@pytest.mark.parametrize(("query", "value"), TRICKY, ids=range(len(TRICKY)))
def test_values_block_lands_in_the_outermost_where_group(fresh: ParkGraph, query: str, value: str) -> None:
    text = inject_values(query, {"x": Literal(value, lang="en")})
    result = fresh.store.query(text, {})
    if result.kind == "select":
        assert result.dicts()[0]["x"] == Literal(value, lang="en")
    elif result.kind == "ask":
        assert result.boolean is True
    elif "CONSTRUCT" in query:
        assert list(result.graph.objects()) == [Literal(value, lang="en")]
    assert text.count("VALUES") == 1


@pytest.mark.parametrize(
    "query", ["CONSTRUCT WHERE { ?x ?p ?o }", "DESCRIBE <http://ex.org/a>", "PREFIX ex: <http://ex.org/>"]
)
def test_queries_without_a_place_for_values_are_refused(query: str) -> None:
    with pytest.raises(QueryError):
        inject_values(query, {"x": Literal("a")})
    assert inject_values(query, {}) == query


@pytest.mark.parametrize(
    "query, named",
    [
        ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", True),
        ("SELECT *\nfrom named <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }", True),
        ("CONSTRUCT { ?s ?p ?o } FROM <http://example.org/g> WHERE { ?s ?p ?o }", True),
        ("SELECT * WHERE { ?s ?p ?o } # FROM <http://example.org/g>", False),
        ('SELECT * WHERE { ?s ?p "FROM" }', False),
        ("SELECT * WHERE { ?s <http://example.org/FROM> ?from }", False),
        ("PREFIX from: <http://example.org/> SELECT * WHERE { ?s from:p ?o }", False),
    ],
)
def test_a_dataset_clause_is_found_in_the_query_text(query: str, named: bool) -> None:
    assert has_dataset_clause(query) is named


def test_a_capped_answer_naming_its_dataset_is_not_paged() -> None:
    """Paging wraps the query in a sub-select, where FROM is not allowed: say so instead of failing."""
    with pytest.raises(StoreError) as err:
        paged_query("SELECT ?s FROM <http://example.org/g> WHERE { ?s ?p ?o }", ["s"], 0, 10)
    assert "FROM" in str(err.value)
    assert "OFFSET 10 LIMIT 10" in paged_query("SELECT ?s WHERE { ?s ?p ?from }", ["s"], 10, 10)
