"""Every named query gives the same answers on memory, embedded Oxigraph, the Oxigraph server and Virtuoso.

The two servers run on 127.0.0.1 (see servers.py) and are filled with `parkgraph load --store URL`.
Virtuoso runs with ResultSetMaxRows = 100, so answers larger than that must be paged to arrive whole.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal
from servers import VIRTUOSO_MAX_ROWS, run_parkgraph, virtuoso_env
from test_stores import XSD, norm, test_query, triples

from parkgraph import ParkGraph, paths
from parkgraph.errors import QueryError
from parkgraph.named import NamedQuery, all_queries, resolve_label
from parkgraph.results import QueryResult
from parkgraph.sparql import internal_query
from parkgraph.store import MemoryStore, Store, open_store
from parkgraph.stores.remote import PARKGRAPH_GRAPH, construct_as_select

pytestmark = pytest.mark.servers


def cases() -> list:
    """One test case per named query and example."""
    return [
        pytest.param(query, example, id=f"{query.name}-{number}")
        for query in all_queries()
        for number, example in enumerate(query.examples or ({},))
    ]


@pytest.fixture(scope="module")
def stores(
    tmp_path_factory: pytest.TempPathFactory, loaded_oxigraph_server: str, loaded_virtuoso: str
) -> dict[str, Store]:
    """The five stores, each holding the curated graph."""
    embedded = ParkGraph.open(f"oxigraph:{tmp_path_factory.mktemp('embedded') / 'db'}", seed=True)
    return {
        "memory": ParkGraph.open().store,
        "oxigraph": embedded.store,
        "oxigraph-memory": ParkGraph.open("oxigraph-memory").store,
        "oxigraph-server": open_store(loaded_oxigraph_server),
        "virtuoso": open_store(loaded_virtuoso),
    }


def order_keys(query: str, variables: list[str]) -> list[str]:
    """The projected variables the query's final ORDER BY sorts on, in order."""
    match = list(re.finditer(r"\bORDER\s+BY\b(?P<keys>[^}]*)$", query, re.IGNORECASE | re.DOTALL))
    if not match:
        return []
    keys = re.split(r"\b(?:LIMIT|OFFSET)\b", match[-1].group("keys"), flags=re.IGNORECASE)[0]
    return [v for v in re.findall(r"[?$](\w+)", keys) if v in variables]


def comparable(result: QueryResult, query: str) -> tuple[object, ...]:
    """An answer in a form equal across stores: rows as a multiset, plus the sort keys' sequence."""
    if result.kind == "ask":
        return ("ask", result.boolean)
    if result.kind == "graph":
        return ("graph", triples(result.graph))
    rows = [tuple(norm(cell) for cell in row) for row in result.rows]
    keys = [result.vars.index(v) for v in order_keys(query, result.vars)]
    sequence = [tuple(row[i] for i in keys) for row in rows] if keys else None
    return ("select", tuple(result.vars), Counter(rows), sequence)


def answer(query: NamedQuery, example: dict[str, str], store: Store) -> tuple[dict, tuple[object, ...]]:
    """The parameters as the store resolves them, and the store's answer in comparable form."""
    bindings = query.bind(example, resolve=store.query)
    return bindings, comparable(store.query(query.text, bindings), query.text)


@pytest.mark.parametrize("query, example", cases())
def test_named_query_same_on_every_store(query: NamedQuery, example: dict[str, str], stores: dict[str, Store]) -> None:
    expected = answer(query, example, stores["memory"])
    for name in ("oxigraph", "oxigraph-memory", "oxigraph-server"):
        mine = answer(query, example, stores[name])
        assert mine[0] == expected[0], f"{name}: parameters bound differently"
        assert mine[1] == expected[1], f"{name} differs from memory on {query.name} {example}"


def as_virtuoso(value: object) -> object:
    """Virtuoso has no boolean values in expressions: EXISTS and comparisons come back as 1 or 0."""
    if isinstance(value, Literal) and value.datatype == XSD.boolean:
        return ("number", int(value.toPython()))
    if isinstance(value, tuple):
        return tuple(as_virtuoso(v) for v in value)
    if isinstance(value, Counter):
        return Counter({as_virtuoso(k): n for k, n in value.items()})
    if isinstance(value, list):
        return [as_virtuoso(v) for v in value]
    return value


@pytest.mark.parametrize("query, example", cases())
def test_named_query_same_on_virtuoso(query: NamedQuery, example: dict[str, str], stores: dict[str, Store]) -> None:
    expected = answer(query, example, stores["memory"])
    mine = answer(query, example, stores["virtuoso"])
    assert mine[0] == expected[0], "parameters bound differently"
    assert as_virtuoso(mine[1]) == as_virtuoso(expected[1])


def test_the_library_has_queries_and_examples() -> None:
    assert len(cases()) >= 15
    assert all(q.examples or not any(p.required for p in q.params) for q in all_queries())


def test_virtuoso_caps_and_parkgraph_pages(loaded_virtuoso: str, stores: dict[str, Store]) -> None:
    """The raw answer is cut at the cap (and says so); the store's answer is whole."""
    query = internal_query("all_triples")
    raw = requests.post(
        loaded_virtuoso,
        data={"query": query, "default-graph-uri": PARKGRAPH_GRAPH},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert raw.headers.get("X-SPARQL-MaxRows") == str(VIRTUOSO_MAX_ROWS)
    assert len(raw.json()["results"]["bindings"]) == VIRTUOSO_MAX_ROWS
    memory = stores["memory"].query(query)
    whole = stores["virtuoso"].query(query)
    assert len(whole.rows) == len(memory.rows) > 10 * VIRTUOSO_MAX_ROWS
    assert Counter(tuple(map(norm, r)) for r in whole.rows) == Counter(tuple(map(norm, r)) for r in memory.rows)
    assert triples(stores["virtuoso"].to_rdflib()) == triples(stores["memory"].to_rdflib())


GRAPH_QUERIES = {
    "long form": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "short form": "CONSTRUCT WHERE { ?s ?p ?o }",
    "blank nodes, constants, unbound": (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX ex: <https://example.org/> "
        "CONSTRUCT { ?s ex:named [ ex:text ?l ; ex:kind ex:label ] . ?s ex:maybe ?missing } "
        "WHERE { ?s rdfs:label ?l OPTIONAL { ?s ex:nothing ?missing } }"
    ),
}


def counted(graph: Graph) -> Counter:
    """Triples normalised as in `triples`, counted (blank nodes all alike, so duplicates count)."""
    return Counter(tuple(norm(t) for t in triple) for triple in graph)


@pytest.mark.parametrize("form", list(GRAPH_QUERIES))
def test_virtuoso_cuts_construct_silently_and_parkgraph_pages(
    form: str, loaded_virtuoso: str, stores: dict[str, Store]
) -> None:
    """Virtuoso cuts a CONSTRUCT's solutions at its cap with no header; the store's answer is whole."""
    query = GRAPH_QUERIES[form]
    raw = requests.post(
        loaded_virtuoso,
        data={"query": query, "default-graph-uri": PARKGRAPH_GRAPH},
        headers={"Accept": "application/n-triples"},
        timeout=60,
    )
    expected = stores["memory"].query(query).graph
    assert "X-SPARQL-MaxRows" not in raw.headers
    assert len(Graph().parse(data=raw.content, format="nt")) < len(expected)  # cut, and silent about it
    whole = stores["virtuoso"].query(query)
    assert whole.kind == "graph" and len(whole.graph) == len(expected) > 2 * VIRTUOSO_MAX_ROWS
    assert counted(whole.graph) == counted(expected)
    assert triples(stores["oxigraph-server"].query(query).graph) == triples(expected)


def test_construct_as_select_keeps_the_rest_of_the_query() -> None:
    """Braces and keywords inside strings, IRIs and comments do not move the cut; FROM, modifiers stay."""
    query = ('PREFIX ex: <https://example.org/{x}> # CONSTRUCT { nothing }\n'
             'CONSTRUCT { ?s ex:says "}{ CONSTRUCT" } FROM <https://example.org/g> '
             'WHERE { ?s ex:p ?o FILTER(?o != "{") } ORDER BY ?s LIMIT 5')
    select, long_form = construct_as_select(query)
    assert select == ('PREFIX ex: <https://example.org/{x}> # CONSTRUCT { nothing }\n'
                      'SELECT * FROM <https://example.org/g> '
                      'WHERE { ?s ex:p ?o FILTER(?o != "{") } ORDER BY ?s LIMIT 5')
    assert long_form == query
    short = "CONSTRUCT WHERE { ?s <https://example.org/p> ?o } LIMIT 3"
    select, long_form = construct_as_select(short)
    assert select == "SELECT * WHERE { ?s <https://example.org/p> ?o } LIMIT 3"
    assert long_form == "CONSTRUCT { ?s <https://example.org/p> ?o } WHERE { ?s <https://example.org/p> ?o } LIMIT 3"
    with pytest.raises(QueryError):
        construct_as_select("SELECT * WHERE { ?s ?p ?o }")


def test_paging_keeps_the_order(stores: dict[str, Store]) -> None:
    query = test_query("ordered-pairs")
    expected = stores["memory"].query(query).rows
    assert len(expected) > VIRTUOSO_MAX_ROWS
    assert stores["virtuoso"].query(query).rows == expected


def test_known_cap_is_treated_as_suspicious(loaded_oxigraph_server: str, stores: dict[str, Store]) -> None:
    """With ?maxrows=N, N rows or more are re-fetched in pages of N (here on a server that does not cut)."""
    store = open_store(f"{loaded_oxigraph_server}?maxrows=40")
    for name in ("ordered-pairs", "people"):
        query = test_query(name)
        assert store.query(query).rows == stores["memory"].query(query).rows


def test_load_without_credentials_is_refused_clearly(virtuoso_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARKGRAPH_SPARQL_USER", raising=False)
    done = run_parkgraph("load", "--store", virtuoso_server)
    assert done.returncode == 2
    assert "refused" in done.stderr and "PARKGRAPH_SPARQL_USER" in done.stderr
    assert "Traceback" not in done.stderr


def test_insert_data_when_no_graph_store(loaded_oxigraph_server: str, tmp_path: Path) -> None:
    """Without a Graph Store endpoint (?gsp=) files go in with SPARQL INSERT DATA, here into a named graph."""
    spec = f"{loaded_oxigraph_server}?gsp=&graph=http://example.org/test/insert-data"
    done = run_parkgraph("load", "--store", spec, str(paths.ontology_file()))
    assert done.returncode == 0, done.stderr
    store = open_store(spec)
    assert store.endpoints.gsp is None
    assert triples(store.to_rdflib()) == triples(MemoryStore().graph.parse(paths.ontology_file()))


def test_update_through_the_store(virtuoso_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in virtuoso_env().items():
        monkeypatch.setenv(key, value)
    store = open_store(f"{virtuoso_server}?graph=http://example.org/test/update")
    assert store.query(test_query("marker-exists")).boolean is False
    store.update(test_query("insert-marker"))  # Virtuoso writes it into the store's graph (using-graph-uri)
    assert store.query(test_query("marker-exists")).boolean is True
    assert open_store(virtuoso_server).query(test_query("marker-exists")).boolean is False  # not in parkgraph's graph
    graph_store = open_store(virtuoso_server)
    assert graph_store.endpoints.update.endswith("/sparql-auth")
    assert graph_store.endpoints.gsp.endswith("/sparql-graph-crud-auth")


def test_non_ascii_parameters_reach_virtuoso_intact(stores: dict[str, Store]) -> None:
    """Plain-literal parameters in Cyrillic find the same entities on Virtuoso as in memory."""
    labels = [label for _, label in stores["memory"].query(test_query("people")).rows if label.language == "ru"]
    assert labels
    for label in labels:
        plain = {"text": Literal(str(label))}
        expected = stores["memory"].query(internal_query("resolve_label"), plain).rows
        assert expected and stores["virtuoso"].query(internal_query("resolve_label"), plain).rows == expected
        # The exact look-up that runs first: the @ru label finds the same entity on every store, the
        # text without a language finds nothing (the data tags every label).
        for bound, wanted in (({"label": label}, expected), ({"label": Literal(str(label))}, [])):
            for name, store in stores.items():
                assert store.query(internal_query("resolve_label_exact"), bound).rows == wanted, (name, bound)
        assert {resolve_label(str(label), store.query) for store in stores.values()} == {expected[0][0]}


@pytest.mark.parametrize("name", ["oxigraph", "oxigraph-memory", "oxigraph-server", "virtuoso"])
def test_a_query_naming_its_dataset_is_answered_from_it_on_every_oxigraph_store_and_server(
    name: str, stores: dict[str, Store]
) -> None:
    """FROM is the query's own: on Virtuoso parkgraph's default-graph-uri must not replace it."""
    store = stores[name]
    count = "SELECT (COUNT(*) AS ?n) {} WHERE {{ ?s a <http://xmlns.com/foaf/0.1/Person> }}"
    people = int(stores["memory"].query(count.format("")).rows[0][0])
    assert people > 0
    assert int(store.query(count.format("")).rows[0][0]) == people
    assert int(store.query(count.format("FROM <http://example.org/no-such-graph>")).rows[0][0]) == 0
    ask = "ASK FROM <http://example.org/no-such-graph> WHERE { ?s ?p ?o }"
    assert store.query(ask).boolean is False
