"""ORDER BY applied in Python on the embedded Oxigraph store gives Oxigraph's own order."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef

from parkgraph import ParkGraph, paths
from parkgraph.binding import projected_variables
from parkgraph.named import all_queries
from parkgraph.ordering import OrderKey, order_key, sort_rows, split_order
from parkgraph.synth import SynthConfig, write_synthetic

EX = "http://example.org/"

# One subject per value, each kind of value under its own predicate: numbers of four types
# (negative, fractional, large, equal after promotion), plain, xsd:string and language-tagged
# strings (Cyrillic, case, accents, a common prefix, one text in two languages), dates, dateTimes,
# booleans, IRIs and a blank node. SPARQL leaves the order between kinds open (a number and a
# date, say) and Oxigraph's is not even consistent there, so each kind is ordered on its own,
# beside the unbound values of the subjects that lack it.
VALUES_TTL = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:num 3 ; ex:w "b" .
ex:b ex:num -2 ; ex:w "a" .
ex:c ex:num 2.5 ; ex:w "b" .
ex:d ex:num "1.0E1"^^xsd:double ; ex:w "a" .
ex:e ex:num "7"^^xsd:float ; ex:w "c" .
ex:f ex:num 100000000000 ; ex:w "a" .
ex:f2 ex:num 3.0 ; ex:w "c" .
ex:g ex:text "Zebra" ; ex:w "c" .
ex:h ex:text "apple" ; ex:w "b" .
ex:i ex:text "Яблоко"@ru ; ex:w "a" .
ex:j ex:text "apple pie"@en ; ex:w "c" .
ex:k ex:text "ábc"^^xsd:string ; ex:w "b" .
ex:t ex:text "Банк"@ru ; ex:w "b" .
ex:y ex:text "Яблоко"@en ; ex:w "b" .
ex:l ex:day "2020-05-01"^^xsd:date ; ex:w "a" .
ex:m ex:day "2019-12-31"^^xsd:date ; ex:w "c" .
ex:n ex:moment "2021-01-01T10:00:00"^^xsd:dateTime ; ex:w "b" .
ex:o ex:moment "2020-01-01T00:00:00"^^xsd:dateTime ; ex:w "a" .
ex:o2 ex:moment "2020-01-01T00:00:01"^^xsd:dateTime ; ex:w "c" .
ex:p ex:link ex:zzz ; ex:w "c" .
ex:q ex:link ex:aaa ; ex:w "b" .
ex:r ex:link _:x ; ex:w "a" .
ex:u ex:flag "true"^^xsd:boolean ; ex:w "a" .
ex:x ex:flag "false"^^xsd:boolean ; ex:w "c" .
ex:s ex:w "c" .
"""


@pytest.fixture(scope="module")
def values_store(tmp_path_factory: pytest.TempPathFactory) -> ParkGraph:
    folder = Path(tmp_path_factory.mktemp("ordering"))
    (folder / "values.ttl").write_text(VALUES_TTL, encoding="utf-8")
    return ParkGraph.open(f"oxigraph:{folder / 'store'}", files=[folder / "values.ttl"])


def _keys_of(result, keys: list[OrderKey]) -> list[tuple]:  # noqa: ANN001 - QueryResult
    columns = [result.vars.index(key.var) for key in keys]
    return [tuple(row[i] for i in columns) for row in result.rows]


def _both(pg: ParkGraph, query: str, bindings: dict | None = None) -> tuple:
    """The answer sorted in Python (the store's query) and sorted by Oxigraph itself."""
    return pg.store.query(query, bindings), pg.store._query(query, bindings)


def _assert_same_order(pg: ParkGraph, query: str, bindings: dict | None = None) -> None:
    split = split_order(query)
    assert split is not None, query
    ours, oxigraphs = _both(pg, query, bindings)
    assert Counter(ours.rows) == Counter(oxigraphs.rows)
    # Rows tied on every key may come in either order; the keys' sequence may not differ.
    assert _keys_of(ours, split[1]) == _keys_of(oxigraphs, split[1]), query


@pytest.mark.parametrize("kind", ["num", "text", "day", "moment", "link", "flag"])
@pytest.mark.parametrize("order", ["?v", "DESC(?v)", "ASC(?v)", "?w ?v", "?w DESC(?v)", "DESC(?w) ?v ?s"])
def test_every_kind_of_value_sorts_as_oxigraph_sorts_it(values_store: ParkGraph, kind: str, order: str) -> None:
    query = f"SELECT ?s ?v ?w WHERE {{ ?s <{EX}w> ?w OPTIONAL {{ ?s <{EX}{kind}> ?v }} }}\nORDER BY {order}"
    _assert_same_order(values_store, query)
    assert len(values_store.store.query(query).rows) == 25


def test_literals_of_one_kind_sort_by_value() -> None:
    from rdflib.namespace import XSD  # imported here: pytest's collection trips over the namespace object

    numbers = [Literal(3), Literal("2.5", datatype=XSD.decimal), Literal("1.0E1", datatype=XSD.double), Literal(-2)]
    rows = [(n,) for n in numbers]
    sort_rows(rows, ["n"], [OrderKey("n")])
    assert [r[0].toPython() for r in rows] == [-2, 2.5, 3, 10.0]
    texts = [(Literal("b"),), (None,), (URIRef(EX + "x"),), (BNode("q"),), (Literal("a", lang="en"),)]
    sort_rows(texts, ["t"], [OrderKey("t", descending=True)])
    assert texts == [(Literal("b"),), (Literal("a", lang="en"),), (URIRef(EX + "x"),), (BNode("q"),), (None,)]
    assert order_key(Literal("2020-01-01", datatype=XSD.date)) < order_key(Literal("2021-01-01", datatype=XSD.date))


def test_labels_and_iris_get_the_keys_of_the_general_rule() -> None:
    """`order_key` tests IRIs and plain or language-tagged literals first; their keys are those
    `_literal_key` gives, for literals rdflib builds and those the Oxigraph converter builds."""
    from rdflib.namespace import XSD

    from parkgraph.ordering import _literal_key
    from parkgraph.stores.oxigraph import _text_literal

    texts = ["", "a", "Zebra", "Яблоко", "ábc", "a b", "10", "true"]
    literals = [Literal(t) for t in texts] + [Literal(t, lang=lang) for t in texts for lang in ("en", "ru", "en-gb")]
    literals += [_text_literal(t, None) for t in texts] + [_text_literal(t, "ru") for t in texts]
    for literal in literals:
        assert order_key(literal) == (3, *_literal_key(literal)), repr(literal)
    assert order_key(Literal("a", datatype=XSD.string)) == order_key(Literal("a"))  # not on the shortcut
    assert order_key(URIRef(EX + "b")) == (2, EX + "b") and type(order_key(URIRef(EX))[1]) is str
    ordered = sorted(literals, key=order_key)
    assert [str(x) for x in ordered] == sorted(str(x) for x in literals)


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("SELECT * WHERE { ?s ?p ?o }\nORDER BY ?s", [OrderKey("s")]),
        ("SELECT * WHERE { ?s ?p ?o } order by desc(?o) ?s", [OrderKey("o", True), OrderKey("s")]),
        ("SELECT * WHERE { ?s ?p ?o }\nORDER BY ASC( ?p )\n", [OrderKey("p")]),
    ],
)
def test_a_trailing_order_on_variables_is_split_off(query: str, keys: list[OrderKey]) -> None:
    split = split_order(query)
    assert split is not None
    text, found = split
    assert found == keys
    assert text.rstrip().endswith("}") and "ORDER" not in text.upper().split("}")[-1]
    assert query.startswith(text)  # the rest of the text is kept as it is (error positions stay right)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 10",  # a page of the ordered answer
        "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s OFFSET 1",
        "SELECT * WHERE { ?s ?p ?o } ORDER BY STR(?s)",  # an expression: Oxigraph evaluates it
        "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s # last",
        "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1 } }",
        "SELECT * WHERE { ?s ?p ?o }",
    ],
)
def test_other_orders_are_left_to_the_store(query: str) -> None:
    assert split_order(query) is None


def test_an_order_on_a_variable_not_projected_is_left_to_oxigraph(values_store: ParkGraph) -> None:
    query = f"SELECT ?s WHERE {{ ?s <{EX}w> ?w }} ORDER BY DESC(?w) ?s"
    answer = values_store.store.query(query)
    assert answer.rows == values_store.store._query(query, None).rows
    words = {row[0]: row[1] for row in values_store.store.query(f"SELECT ?s ?w WHERE {{ ?s <{EX}w> ?w }}").rows}
    assert [str(words[row[0]]) for row in answer.rows] == sorted((str(words[r[0]]) for r in answer.rows), reverse=True)


@pytest.fixture(scope="module")
def parks_store(tmp_path_factory: pytest.TempPathFactory) -> ParkGraph:
    folder = Path(tmp_path_factory.mktemp("ordering-parks"))
    synthetic = folder / "synth.nt"
    write_synthetic(synthetic, SynthConfig(seed=3, parks=4, residents=150))
    return ParkGraph.open(f"oxigraph:{folder / 'store'}", files=[*paths.default_files(), synthetic])


# The named queries ordered by plain projected variables (the others Oxigraph sorts itself).
NAMED = [(named, i) for named in all_queries() if split_order(named.text) for i in range(len(named.examples))]


def test_the_biggest_listings_are_sorted_in_python() -> None:
    sorted_here = {named.name for named, _ in NAMED}
    assert {"figures-by-indicator", "people-roles", "park-sites", "accession-dates"} <= sorted_here


@pytest.mark.parametrize(("named", "example"), NAMED, ids=[f"{n.name}[{i}]" for n, i in NAMED])
def test_named_queries_keep_their_order(parks_store: ParkGraph, named, example: int) -> None:  # noqa: ANN001
    bindings = named.bind(dict(named.examples[example]), resolve=parks_store.sparql)
    _assert_same_order(parks_store, named.text, bindings)


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("SELECT ?s ?o WHERE { ?s ?p ?o }", {"s", "o"}),
        ("PREFIX ex: <http://e/select#> # SELECT ?x\nSELECT DISTINCT ?s WHERE { ?s ?p ?o }", {"s"}),
        ("SELECT ?s (STR(?o) AS ?text) (COUNT(?p) as $n) WHERE { ?s ?p ?o } GROUP BY ?s ?o", {"s", "text", "n"}),
        ('SELECT (CONCAT(?a, "?b (") AS ?c) WHERE { ?s ?p ?a }', {"c"}),
        ("SELECT ?s\nWHERE { { SELECT ?s ?x WHERE { ?s ?p ?x } } }", {"s"}),
        ("SELECT * WHERE { ?s ?p ?o }", None),
        ("SELECT ?s (?a * 2 AS ?b) WHERE { ?s ?p ?a }", None),
        ("ASK { ?s ?p ?o }", None),
        ("CONSTRUCT { ?s ?p ?o } WHERE { { SELECT ?s ?p ?o WHERE { ?s ?p ?o } } }", None),
    ],
)
def test_projected_variables_are_read_from_the_text(query: str, names: set[str] | None) -> None:
    assert projected_variables(query) == names


def test_an_order_on_a_variable_not_projected_runs_once(
    values_store: ParkGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Oxigraph alone can sort by a variable the query does not return, so the query is sent once,
    with its ORDER BY; one ordered by returned variables is sent once, without it."""
    store = values_store.store
    sent: list[str] = []
    original = store._query
    monkeypatch.setattr(store, "_query", lambda text, bindings: sent.append(text) or original(text, bindings))
    hidden = f"SELECT ?s WHERE {{ ?s <{EX}w> ?w }} ORDER BY DESC(?w) ?s"
    rows = store.query(hidden).rows
    assert sent == [hidden] and rows
    sent.clear()
    shown = f"SELECT ?s ?w WHERE {{ ?s <{EX}w> ?w }} ORDER BY DESC(?w) ?s"
    assert [row[0] for row in store.query(shown).rows] == [row[0] for row in rows]
    assert len(sent) == 1 and "ORDER BY" not in sent[0]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_memory_store_orders_as_the_oxigraph_stores(direction: str) -> None:
    """rdflib sorts language-tagged strings by tag first; the memory store re-sorts its rows so an
    ORDER BY gives the Oxigraph stores' sequence (labels in both languages interleave by text)."""
    from parkgraph import ParkGraph

    query = f"SELECT ?l WHERE {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }} ORDER BY {direction}(?l)"
    memory = [(str(r[0]), r[0].language) for r in ParkGraph.open().sparql(query).rows]
    oxigraph = [(str(r[0]), r[0].language) for r in ParkGraph.open("oxigraph-memory").sparql(query).rows]
    assert len(memory) > 100 and {lang for _, lang in memory} == {"en", "ru"}
    assert memory == oxigraph
