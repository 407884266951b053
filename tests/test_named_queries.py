"""Named queries: each answers on the real data, with answers checked against the data file itself.

Expected answers are computed here from `data/triples.ttl` with rdflib's triple API (no SPARQL),
so a query that drops, duplicates or invents a row fails. Every query is also run both ways a
store can bind parameters (rdflib initBindings and an injected VALUES block) and must give the
same rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, PROV, RDF, RDFS, SKOS, TIME
from rdflib.term import Node

from parkgraph import ParkGraph, paths
from parkgraph.binding import inject_values
from parkgraph.errors import QueryError
from parkgraph.named import all_queries, load_query, query_names, resolve_label
from parkgraph.namespaces import PG, PGID, SCHEMA
from parkgraph.results import QueryResult
from parkgraph.sparql import internal_query

QUERIES = all_queries()
EXAMPLES = [(q.name, ex) for q in QUERIES for ex in (q.examples or ({},))]

PANEL = PGID["event/innoprom-2025-sco-parks-dialogue"]
SCO, BRICS = PGID["org/sco"], PGID["org/brics"]
KIP = PGID["org/kip-master"]


@pytest.fixture(scope="module")
def data() -> Graph:
    """The curated data (and ontology) parsed with rdflib alone: the yardstick for the answers."""
    graph = Graph()
    for path in paths.default_files():
        graph.parse(path, format="turtle")
    return graph


def en(graph: Graph, node: URIRef) -> str:
    return next(str(label) for label in graph.objects(node, RDFS.label) if label.language == "en")


def iris(result, var: str) -> set[str]:  # noqa: ANN001 - QueryResult
    return {str(cell) for cell in result.column(var)}


def start_date(graph: Graph, membership: URIRef) -> date | None:
    for interval in graph.objects(membership, ORG.memberDuring):
        for instant in graph.objects(interval, TIME.hasBeginning):
            for value in graph.objects(instant, TIME.inXSDDate):
                return value.toPython()
    return None


# --- the library itself -------------------------------------------------------------------------


def test_at_least_fifteen_named_queries() -> None:
    assert len(QUERIES) >= 15
    assert query_names() == sorted(q.name for q in QUERIES)


@pytest.mark.parametrize("named", QUERIES, ids=lambda q: q.name)
def test_header_is_complete_and_parameters_are_used(named) -> None:  # noqa: ANN001
    assert named.title and named.description
    assert named.examples, "every named query carries at least one example for the docs and tests"
    body = "\n".join(line for line in named.text.splitlines() if not line.lstrip().startswith("#"))
    for param in named.params:
        assert re.search(rf"\?{param.name}\b", body), f"?{param.name} is declared but not used"
        assert param.description
    assert not re.search(r"SELECT\s+(DISTINCT\s+)?\*", body, re.IGNORECASE), "SELECT * would expose parameters"
    # Parameters must not appear in subqueries, where a VALUES block cannot reach. UNION branches may
    # use them in triple patterns only (a join with the VALUES block gives the same answer); the
    # test below runs every query under both binding mechanisms to prove it.
    assert body.upper().count("SELECT") == 1
    for branch in re.findall(r"UNION\s*\{([^{}]*)\}", body, re.IGNORECASE):
        for param in named.params:
            assert not re.search(rf"FILTER[^.]*\?{param.name}\b", branch), f"?{param.name} filtered in a UNION branch"


@pytest.mark.parametrize(("name", "example"), EXAMPLES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(EXAMPLES)])
def test_every_example_answers(pg: ParkGraph, name: str, example: dict) -> None:
    result = pg.query(name, **example)
    assert len(result) > 0, f"{name} {example} found nothing on the curated data"
    assert len(set(result.rows)) == len(result.rows), f"{name} {example} repeats a row"


@pytest.mark.parametrize("named", QUERIES, ids=lambda q: q.name)
def test_both_binding_mechanisms_agree(pg: ParkGraph, named) -> None:  # noqa: ANN001
    """initBindings (memory, Oxigraph substitutions) and an injected VALUES block (HTTP) give the same rows."""
    bindings = named.bind(named.examples[0], resolve=pg.sparql)
    pre_bound = pg.store.query(named.text, bindings)
    injected = pg.store.query(inject_values(named.text, bindings), {})
    assert len(pre_bound) > 0
    assert pre_bound.vars == injected.vars
    assert pre_bound.rows == injected.rows


@pytest.mark.parametrize("named", QUERIES, ids=lambda q: q.name)
def test_labels_come_back_in_the_language_asked_for(pg: ParkGraph, named) -> None:  # noqa: ANN001
    example = dict(named.examples[0])
    for lang in ("en", "ru"):
        example["lang"] = lang
        result = pg.store.query(named.text, named.bind(example, resolve=pg.sparql))
        labels = [
            cell
            for var in result.vars
            if var.endswith("Label")
            for cell in result.column(var)
            if isinstance(cell, Literal) and cell.language
        ]
        assert labels, f"{named.name} returns no labels"
        assert all(cell.language == lang for cell in labels), f"{named.name}: labels not all in {lang}"


# --- answers checked against the data -------------------------------------------------------------


def test_speakers_and_attendee_of_the_panel(pg: ParkGraph, data: Graph) -> None:
    result = pg.query("event-participants", event="event:innoprom-2025-sco-parks-dialogue")
    rows = result.dicts()
    speakers = {str(r["person"]) for r in rows if str(r["participation"]) == "speaker"}
    attendees = {str(r["person"]) for r in rows if str(r["participation"]) == "attendee"}
    assert speakers == {str(p) for p in data.objects(PANEL, SCHEMA.performer)}
    assert attendees == {str(p) for p in data.objects(PANEL, SCHEMA.attendee)}
    assert {str(r["personLabel"]) for r in rows if str(r["participation"]) == "speaker"} == {
        "Mikhail Labudin",
        "Farid Zakirov",
    }
    assert [str(r["personLabel"]) for r in rows if str(r["participation"]) == "attendee"] == ["Denis Zhuravsky"]


def test_participants_of_an_exhibition_include_its_sessions(pg: ParkGraph, data: Graph) -> None:
    exhibition = PGID["event/innoprom-2025"]
    sessions = set(data.objects(exhibition, SCHEMA.subEvent)) | set(data.subjects(SCHEMA.superEvent, exhibition))
    expected = {
        (str(session), str(person))
        for session in sessions | {exhibition}
        for prop in (SCHEMA.performer, SCHEMA.attendee)
        for person in data.objects(session, prop)
    }
    result = pg.query("event-participants", event="Иннопром-2025")
    assert {(str(r["session"]), str(r["person"])) for r in result.dicts()} == expected
    assert len(expected) == 3


def test_event_given_by_its_russian_label(pg: ParkGraph) -> None:
    by_label = pg.query("event-hierarchy", event="Иннопром-2025")
    assert iris(by_label, "event") == {str(PGID["event/innoprom-2025"])}
    assert iris(by_label, "subEvent") == {str(PANEL)}


def test_people_roles_match_the_memberships(pg: ParkGraph, data: Graph) -> None:
    expected = set()
    for membership in data.subjects(RDF.type, ORG.Membership):
        person = data.value(membership, ORG.member)
        if (person, RDF.type, URIRef("http://xmlns.com/foaf/0.1/Person")) in data:
            organization = data.value(membership, ORG.organization)
            expected.add((str(person), str(data.value(membership, ORG.role)), str(organization)))
    result = pg.query("people-roles")
    assert {(str(r["person"]), str(r["role"]), str(r["organization"])) for r in result.dicts()} == expected
    heads = {str(r["person"]) for r in result.dicts() if r["heads"].toPython() is True}
    assert heads == {str(p) for p, _ in data.subject_objects(ORG.headOf)}


def test_figures_about_kip_master_include_its_site_with_all_bounds(pg: ParkGraph, data: Graph) -> None:
    sites = set(data.objects(KIP, ORG.hasSite)) | set(data.subjects(ORG.siteOf, KIP))
    expected = {f for f, about in data.subject_objects(SCHEMA.observationAbout) if about in sites | {KIP}}
    result = pg.query("figures-about", entity="KIP Master")
    assert iris(result, "figure") == {str(f) for f in expected}
    assert len(result) == len(expected)
    for row in result.dicts():
        figure = URIRef(str(row["figure"]))
        for var, prop in (("value", SCHEMA.value), ("minValue", SCHEMA.minValue), ("maxValue", SCHEMA.maxValue)):
            assert row[var] == data.value(figure, prop)
        assert str(row["unit"]) == str(data.value(figure, SCHEMA.unitText))
        assert row["statedByLabel"] == Literal(en(data, data.value(figure, PROV.wasAttributedTo)), lang="en")
        assert row["sourceLabel"] is not None and row["statedAtLabel"] is not None and row["periodStart"] is not None
    approximate = {str(r["figure"]) for r in result.dicts() if r["approximate"] is not None and r["approximate"].value}
    assert approximate == {str(f) for f in expected if data.value(f, PG.isApproximate) == Literal(True)}


def test_sco_states_that_are_also_brics_states(pg: ParkGraph, data: Graph) -> None:
    expected = set(data.subjects(ORG.memberOf, SCO)) & set(data.subjects(ORG.memberOf, BRICS))
    result = pg.query("common-members")
    assert iris(result, "member") == {str(m) for m in expected}
    assert sorted(str(x) for x in result.column("memberLabel")) == ["China", "India", "Iran", "Russia"]


@pytest.mark.parametrize("day", ["2020-01-01", "2025-01-01", "2017-06-09", "2001-06-14"])
def test_sco_members_as_of_a_date(pg: ParkGraph, data: Graph, day: str) -> None:
    when = date.fromisoformat(day)
    expected = set()
    for membership in data.subjects(ORG.organization, SCO):
        since = start_date(data, membership)
        if since is None or since <= when:
            expected.add(str(data.value(membership, ORG.member)))
    result = pg.query("members-as-of", date=day)
    assert iris(result, "member") == expected
    labels = {str(x) for x in result.column("memberLabel")}
    if day == "2020-01-01":
        assert "Iran" not in labels and "Belarus" not in labels and len(labels) == 8
    if day == "2025-01-01":
        assert {"Iran", "Belarus"} <= labels and len(labels) == 10


def test_brics_members_as_of_2024_include_undated_founders(pg: ParkGraph) -> None:
    result = pg.query("members-as-of", organization="BRICS", date=date(2024, 6, 1))
    rows = {str(r["memberLabel"]): r["since"] for r in result.dicts()}
    assert "Indonesia" not in rows  # joined 2025-01-06
    assert rows["Egypt"] == Literal("2024-01-01", datatype=rows["Egypt"].datatype)
    assert rows["Brazil"] is None  # no accession date in the graph: listed, with an empty 'since'


def test_accession_dates_from_a_year(pg: ParkGraph, data: Graph) -> None:
    expected = {
        str(m) for m in data.subjects(RDF.type, ORG.Membership) if (start_date(data, m) or date.min).year >= 2017
    }
    result = pg.query("accession-dates", from_year=2017)
    found = {
        str(m)
        for m in data.subjects(RDF.type, ORG.Membership)
        for row in result.dicts()
        if data.value(m, ORG.member) == row["member"] and data.value(m, ORG.organization) == row["organization"]
    }
    assert found == expected
    assert all(row["since"].toPython().year >= 2017 for row in result.dicts())
    assert [r["since"].toPython() for r in result.dicts()] == sorted(r["since"].toPython() for r in result.dicts())


def test_organizations_in_a_region_follow_the_place_hierarchy(pg: ParkGraph) -> None:
    assert iris(pg.query("organizations-in-region", region="Tatarstan"), "organization") == {str(KIP)}
    in_russia = iris(pg.query("organizations-in-region", region="place:russia"), "organization")
    assert in_russia == {str(KIP), str(PGID["org/aip"]), str(PGID["org/akit-rf"])}
    assert len(pg.query("organizations-in-region", region="place:brazil")) == 0


def test_events_in_a_region(pg: ParkGraph) -> None:
    result = pg.query("events-in-region", region="Sverdlovsk Oblast")
    assert iris(result, "event") == {str(PGID["event/innoprom-2025"]), str(PANEL)}
    assert len(pg.query("events-in-region", region="Tatarstan")) == 0


def test_entity_profile_lists_every_triple_in_and_out(pg: ParkGraph, data: Graph) -> None:
    zakirov = PGID["person/farid-zakirov"]
    result = pg.query("entity-profile", entity="Farid Zakirov")
    out = {(str(p), o) for p, o in data.predicate_objects(zakirov)}
    into = {(str(p), s) for s, p in data.subject_predicates(zakirov)}
    rows = result.dicts()
    assert {(str(r["property"]), r["value"]) for r in rows if str(r["direction"]) == "out"} == out
    assert {(str(r["property"]), r["value"]) for r in rows if str(r["direction"]) == "in"} == into
    assert len(rows) == len(out) + len(into)


def test_derived_from_source(pg: ParkGraph, data: Graph) -> None:
    source = PGID["source/background-geography"]
    result = pg.query("derived-from-source", source="source:background-geography")
    assert iris(result, "node") == {str(n) for n in data.subjects(PROV.wasDerivedFrom, source)}
    article = pg.query("derived-from-source")
    article_nodes = set(data.subjects(PROV.wasDerivedFrom, PGID["source/innoprom-2025-sco-article"]))
    assert iris(article, "node") == {str(n) for n in article_nodes}


def test_open_plans_exclude_realised_ones(pg: ParkGraph, data: Graph) -> None:
    expected = {str(p) for p in data.subjects(RDF.type, PG.Plan) if data.value(p, PG.planStatus) != PG.Realised}
    assert iris(pg.query("open-plans"), "plan") == expected
    brics_only = pg.query("open-plans", scope="BRICS")
    assert iris(brics_only, "plan") == {str(p) for p in data.subjects(PG.scope, BRICS)}


def test_open_plans_skip_a_plan_once_it_is_realised(tmp_path: Path) -> None:
    realised = tmp_path / "realised.ttl"
    realised.write_text(
        "@prefix pg: <https://w3id.org/parkgraph/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/parkgraph/id/plan/test-done> a pg:Plan ; pg:planStatus pg:Realised ;\n"
        '  pg:scope <https://w3id.org/parkgraph/id/org/sco> ; rdfs:label "Done"@en .\n',
        encoding="utf-8",
    )
    graph = ParkGraph.open(files=[*paths.default_files(), realised])
    plans = iris(graph.query("open-plans"), "plan")
    assert "https://w3id.org/parkgraph/id/plan/test-done" not in plans
    assert len(plans) == 2


def test_figures_by_indicator_and_in_range(pg: ParkGraph, data: Graph) -> None:
    jobs = PGID["indicator/jobs"]
    assert iris(pg.query("figures-by-indicator", indicator="indicator:jobs"), "figure") == {
        str(f) for f in data.subjects(PG.indicator, jobs)
    }

    def number(figure: URIRef) -> Decimal:
        for prop in (SCHEMA.value, SCHEMA.minValue, SCHEMA.maxValue):
            value = data.value(figure, prop)
            if value is not None:
                return Decimal(str(value.toPython()))
        raise AssertionError(figure)

    figures = list(data.subjects(RDF.type, PG.StatedFigure))
    big = pg.query("figures-in-range", low=1_000_000)
    assert iris(big, "figure") == {str(f) for f in figures if number(f) >= 1_000_000}
    middle = pg.query("figures-in-range", low="10", high=Decimal("1000"))
    assert iris(middle, "figure") == {str(f) for f in figures if 10 <= number(f) <= 1000}


def test_find_entity_and_statements_by_person(pg: ParkGraph, data: Graph) -> None:
    found = iris(pg.query("find-entity", text="MASTER"), "entity")
    expected = {
        str(s)
        for prop in (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
        for s, o in data.subject_objects(prop)
        if isinstance(s, URIRef) and "master" in str(o).lower()
    }
    assert found == expected
    zakirov = PGID["person/farid-zakirov"]
    statements = pg.query("statements-by-person", person="Zakirov")
    assert iris(statements, "statement") == {str(s) for s in data.subjects(PROV.wasAttributedTo, zakirov)}


def test_governing_bodies_requests_and_sites(pg: ParkGraph) -> None:
    council = pg.query("governing-bodies", organization="SCO").dicts()
    assert [(str(r["unitLabel"]), str(r["holderLabel"]), str(r["roleLabel"])) for r in council] == [
        ("Council of Heads of Government of the SCO Member States", "Russia", "Chair")
    ]
    requests = pg.query("requests-and-models", recipient="KIP Master").dicts()
    assert [str(r["regionLabel"]) for r in requests] == ["Republic of Tatarstan"]
    places = {str(x) for x in pg.query("park-sites", park="KIP Master").column("placeLabel")}
    assert places == {"Naberezhnye Chelny", "Republic of Tatarstan", "Russia"}
    cooperation = pg.query("cooperation-involving", organization="AKIT RF").dicts()
    assert {str(r["involvement"]) for r in cooperation} == {"partner"}


# --- labels, fallback and parameter handling ------------------------------------------------------


@pytest.fixture(scope="module")
def with_english_only_speaker(tmp_path_factory: pytest.TempPathFactory) -> ParkGraph:
    extra = tmp_path_factory.mktemp("fallback") / "extra.ttl"
    extra.write_text(
        "@prefix schema: <https://schema.org/> .\n"
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/parkgraph/id/person/test-only-english> a foaf:Person ;\n"
        '  rdfs:label "Test Only English"@en .\n'
        "<https://w3id.org/parkgraph/id/event/innoprom-2025-sco-parks-dialogue>\n"
        "  schema:performer <https://w3id.org/parkgraph/id/person/test-only-english> .\n"
        '<https://w3id.org/parkgraph/id/org/test-twin> rdfs:label "Innoprom-2025"@en .\n',
        encoding="utf-8",
    )
    return ParkGraph.open(files=[*paths.default_files(), extra])


def test_label_falls_back_to_the_other_language(with_english_only_speaker: ParkGraph) -> None:
    result = with_english_only_speaker.query("event-participants", lang="ru")
    labels = {str(r["person"]): r["personLabel"] for r in result.dicts()}
    assert labels["https://w3id.org/parkgraph/id/person/test-only-english"] == Literal("Test Only English", lang="en")
    assert labels[str(PGID["person/farid-zakirov"])] == Literal("Фарид Закиров", lang="ru")


def test_an_ambiguous_label_is_refused(with_english_only_speaker: ParkGraph) -> None:
    with pytest.raises(QueryError, match="names 2 entities"):
        with_english_only_speaker.query("event-hierarchy", event="Innoprom-2025")


CASE_TWIN = "https://w3id.org/parkgraph/id/org/test-caps-twin"


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def with_case_twin(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ParkGraph:
    """The curated data plus an organization labelled "KIP MASTER"@en: KIP Master's label in capitals."""
    folder = tmp_path_factory.mktemp("case-twin")
    extra = folder / "twin.ttl"
    extra.write_text(f'<{CASE_TWIN}> <{RDFS.label}> "KIP MASTER"@en .\n', encoding="utf-8")
    files = [*paths.default_files(), extra]
    if request.param == "memory":
        return ParkGraph.open(files=files)
    return ParkGraph.open(f"oxigraph:{folder / 'db'}", files=files)


def test_an_exact_label_wins_over_a_case_variant(with_case_twin: ParkGraph) -> None:
    """Each spelling written in the data names its own entity; a third spelling matches both."""
    kip = PGID["org/kip-master"]
    bound = load_query("people-roles").bind
    assert bound({"organization": "KIP Master"}, resolve=with_case_twin.sparql)["organization"] == kip
    assert bound({"organization": "KIP MASTER"}, resolve=with_case_twin.sparql)["organization"] == URIRef(CASE_TWIN)
    with pytest.raises(QueryError, match="names 2 entities") as refused:
        bound({"organization": "kip master"}, resolve=with_case_twin.sparql)
    assert str(kip) in str(refused.value) and CASE_TWIN in str(refused.value)


def test_an_exact_label_is_found_without_reading_every_label(pg: ParkGraph) -> None:
    """Found exactly (plain, @en or @ru), the case-insensitive scan over every label never runs."""
    seen: list[tuple[str, dict]] = []

    def resolve(query: str, bindings: Mapping[str, Node]) -> QueryResult:
        seen.append((query, dict(bindings)))
        return pg.sparql(query, bindings)

    assert resolve_label("Иннопром-2025", resolve) == PGID["event/innoprom-2025"]
    assert {query for query, _ in seen} == {internal_query("resolve_label_exact")}
    assert Literal("Иннопром-2025", lang="ru") in [bindings["label"] for _, bindings in seen]
    seen.clear()
    assert resolve_label("иННОПРОМ-2025", resolve) == PGID["event/innoprom-2025"]  # no exact label: the scan
    assert [query for query, _ in seen][-1] == internal_query("resolve_label")


def test_parameter_errors(pg: ParkGraph) -> None:
    with pytest.raises(QueryError, match="needs the parameter 'date'"):
        pg.query("members-as-of")
    with pytest.raises(QueryError, match="must be a date"):
        pg.query("members-as-of", date="2020-13-01")
    with pytest.raises(QueryError, match="must be a whole number"):
        pg.query("accession-dates", from_year="twenty")
    with pytest.raises(QueryError, match="must be a number"):
        pg.query("figures-in-range", low="1e5")
    with pytest.raises(QueryError, match="nothing in the graph has the label"):
        pg.query("figures-about", entity="No Such Thing")
    with pytest.raises(QueryError, match="did you mean: date"):
        pg.query("members-as-of", dat="2020-01-01")
    with pytest.raises(QueryError, match="did you mean: members-as-of"):
        pg.query("members-as-off")
