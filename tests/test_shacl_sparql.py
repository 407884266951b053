"""The SPARQL validation engine finds exactly the problems pyshacl and owlrl find, and refuses what it cannot check."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from parkgraph import paths
from parkgraph.cli import main
from parkgraph.namespaces import PG, PGID
from parkgraph.shacl_sparql import UnsupportedShapeError, compile_shapes
from parkgraph.validate import Problem, ValidationReport, choose_engine, validate

DATA = Path(__file__).resolve().parent / "data"
PLANTED = DATA / "planted_violations.ttl"
T = "https://example.org/planted/"


def key(problem: Problem) -> tuple:
    return (problem.check, problem.file, problem.line, problem.focus, problem.path, problem.message, problem.label)


def same_problems(a: ValidationReport, b: ValidationReport) -> tuple[Counter, Counter]:
    """(only in a, only in b), counting repeated problems."""
    ca, cb = Counter(map(key, a.problems)), Counter(map(key, b.problems))
    return ca - cb, cb - ca


def both(files: list[Path]) -> tuple[ValidationReport, ValidationReport]:
    return validate(files, engine="pyshacl"), validate(files, engine="sparql")


@pytest.fixture(scope="module")
def planted() -> tuple[ValidationReport, ValidationReport]:
    return both([paths.ontology_file(), paths.data_file(), PLANTED])


def test_real_data_conforms_under_both_engines() -> None:
    reference, fast = both(paths.default_files())
    assert reference.conforms, reference.problems
    assert fast.conforms, fast.problems
    assert fast.checks == reference.checks == ["syntax", "shacl", "consistency"]
    assert fast.triples == reference.triples


def test_planted_violations_are_the_same_under_both_engines(planted) -> None:
    reference, fast = planted
    only_pyshacl, only_sparql = same_problems(reference, fast)
    assert not only_pyshacl and not only_sparql, (only_pyshacl, only_sparql)


# (planted node, property, start of the message): one planted violation of each kind, from the
# comments in tests/data/planted_violations.ttl; a path of None is a constraint on the node itself.
EXPECTED = [
    ("no-ru-label", "rdfs:label", "needs an rdfs:label in Russian"),
    ("technopark-no-en-label", "rdfs:label", "needs an rdfs:label in English"),
    ("plain-label", "rdfs:label", "rdfs:label must be a language-tagged string"),
    ("no-source", "prov:wasDerivedFrom", "needs prov:wasDerivedFrom"),
    ("literal-source", "prov:wasDerivedFrom", "needs prov:wasDerivedFrom"),
    ("figure-value-and-min", None, "a stated figure needs exactly one of"),
    ("figure-no-value", None, "a stated figure needs exactly one of"),
    ("figure-untyped-number", "schema:value", "schema:value must be one number"),
    ("figure-ill-typed", "schema:minValue", "schema:minValue must be one number"),
    ("figure-ill-typed", "schema:maxValue", "schema:maxValue must be one number"),
    ("figure-bad-parts", "pg:isApproximate", "pg:isApproximate must be one xsd:boolean"),
    ("figure-bad-parts", "pg:indicator", "a stated figure needs exactly one pg:indicator"),
    ("figure-bad-parts", "schema:unitText", "a stated figure needs exactly one schema:unitText"),
    ("figure-bad-parts", "schema:observationAbout", "a stated figure needs exactly one schema:observationAbout"),
    ("figure-bad-parts", "prov:wasAttributedTo", "prov:wasAttributedTo of a figure"),
    ("event-bad-dates", "schema:startDate", "schema:startDate must be one xsd:date"),
    ("event-bad-dates", "schema:endDate", "schema:endDate must be one xsd:date"),
    ("event-bad-dates", "schema:location", "schema:location of an event must be a place"),
    ("event-bad-dates", "schema:superEvent", "schema:superEvent must point at an event"),
    ("event-bad-dates", "schema:performer", "schema:performer (a speaker) must be a person"),
    ("membership-no-role", "org:role", "a membership needs exactly one org:role"),
    ("membership-bad-role", "org:role", "a membership needs exactly one org:role"),
    ("membership-bad-role", "org:member", "a membership needs exactly one org:member"),
    ("membership-literal-member", "org:member", "a membership needs exactly one org:member"),
    ("person-member-of-place", "org:memberOf", "org:memberOf of a person must point at an organization"),
    ("instant-year", "time:inXSDDate", "an instant needs exactly one time:inXSDDate"),
    ("interval-no-beginning", "time:hasBeginning", "an interval needs exactly one time:hasBeginning"),
    ("interval-no-beginning", "time:hasEnd", "an interval has at most one time:hasEnd"),
    ("article-plain-headline", "schema:headline", "a news article needs exactly one language-tagged"),
    ("article-plain-headline", "schema:inLanguage", "a news article needs schema:inLanguage"),
    ("plan-no-status", "pg:planStatus", "a plan needs exactly one pg:planStatus"),
    ("plan-no-status", "pg:scope", "pg:scope must point at an organization"),
    ("cooperation-no-partner", "pg:partner", "a cooperation needs at least one pg:partner"),
    ("request-no-recipient", "schema:recipient", "a request needs schema:recipient"),
    ("company-bad-sector", "pg:sector", "pg:sector must point at a pg:Sector"),
    ("site-nowhere", "schema:containedInPlace", "a site needs schema:containedInPlace"),
    ("city-in-person", "schema:containedInPlace", "a city or region needs schema:containedInPlace"),
]


@pytest.mark.parametrize("engine", [0, 1], ids=["pyshacl", "sparql"])
def test_every_planted_violation_is_found(planted, engine: int) -> None:
    report = planted[engine]
    found = {(p.focus, p.path, p.message) for p in report.by_check("shacl")}
    for node, path, start in EXPECTED:
        assert any(f == T + node and pth == path and m.startswith(start) for f, pth, m in found), (node, path, start)
    # Nodes planted to conform do (region subtag and upper-case language tags, a subclass as sh:class).
    assert not [p for p in report.problems if p.focus in (T + "ok-region-tags", T + "instant-ok")]
    literal_member = [p for p in report.problems if p.focus == T + "membership-literal-member"]
    assert [p.path for p in literal_member] == ["org:member"]


def test_untargeted_nodes_and_values_are_reported_once_per_shape(planted) -> None:
    # A stated figure is both an entity and (as a prov:Entity) a source: two shapes ask for its Russian label.
    fast = planted[1]
    ru = [p for p in fast.problems if p.focus == T + "figure-bad-parts" and "in Russian" in p.message]
    assert len(ru) == 2
    values = [p.message for p in fast.problems if p.focus == T + "event-bad-dates" and p.path == "schema:location"]
    assert values == ['schema:location of an event must be a place (value: "Yekaterinburg")']


def replicated_graph(target: Path, copies: int = 3) -> Path:
    """The curated data `copies` times over with fresh IRIs, each copy with different triples dropped."""
    data = Graph().parse(paths.data_file())
    triples = sorted(data)
    out = Graph()
    for k in range(1, copies + 1):
        def rename(term, k=k):  # noqa: ANN001, ANN202
            if isinstance(term, URIRef) and str(term).startswith(str(PGID)):
                return URIRef(f"{term}-copy{k}")
            return term

        for number, (s, p, o) in enumerate(triples):
            if number % (29 + k) == 0:
                continue  # a dropped label, source, type or value: violations everywhere
            if k == 2 and p == RDF.type and o == PG.IndustrialPark:
                o = URIRef(T + "TechnoPark")  # targeted only through rdfs:subClassOf*
            out.add((rename(s), rename(p), rename(o)))
    out.serialize(target, format="nt", encoding="utf-8")
    return target


def test_a_few_thousand_triples_with_dropped_triples(tmp_path: Path) -> None:
    big = replicated_graph(tmp_path / "replicated.nt")
    reference, fast = both([paths.ontology_file(), paths.data_file(), PLANTED, big])
    assert reference.triples > 3000
    only_pyshacl, only_sparql = same_problems(reference, fast)
    assert not only_pyshacl and not only_sparql, (only_pyshacl, only_sparql)
    copies = [p for p in fast.problems if p.focus and p.focus.endswith(("-copy1", "-copy2", "-copy3"))]
    assert len(copies) > 20
    parks = {p.focus for p in reference.problems if p.focus.endswith("-copy2")}
    assert parks, "the copy with subclass-typed parks has violations too"


CONSISTENCY_PLANTS = """
@prefix pg:     <https://w3id.org/parkgraph/ontology#> .
@prefix person: <https://w3id.org/parkgraph/id/person/> .
@prefix place:  <https://w3id.org/parkgraph/id/place/> .
@prefix pgorg:  <https://w3id.org/parkgraph/id/org/> .
@prefix foaf:   <http://xmlns.com/foaf/0.1/> .
@prefix schema: <https://schema.org/> .
@prefix owl:    <http://www.w3.org/2002/07/owl#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix t:      <https://example.org/planted/> .
t:sub a foaf:Person , pg:Company .                       # through rdfs:subClassOf*
t:equivalent a schema:Person , schema:City .             # through owl:equivalentClass
t:domain pg:indicator t:x ; a schema:Event .             # rdfs:domain makes it a pg:StatedFigure
t:figure pg:statedAt person:farid-zakirov .              # rdfs:range makes him a schema:Event
t:alias owl:sameAs pgorg:aip ; a schema:Place .          # owl:sameAs merges the classes
t:Subproperty rdfs:subPropertyOf pg:scope .
t:plan t:Subproperty t:scoped . t:scoped a foaf:Person .  # rdfs:subPropertyOf*, then rdfs:range
t:parks a pg:IndustrialPark , pg:SpecialEconomicZone .   # the second disjointness axiom
"""


def test_consistency_by_sparql_equals_the_owlrl_closure(tmp_path: Path) -> None:
    plants = tmp_path / "consistency.ttl"
    plants.write_text(CONSISTENCY_PLANTS, encoding="utf-8")
    files = [paths.ontology_file(), paths.data_file(), plants]
    reference = validate(files, engine="pyshacl", shacl=False)
    fast = validate(files, engine="sparql", shacl=False)
    only_pyshacl, only_sparql = same_problems(reference, fast)
    assert not only_pyshacl and not only_sparql, (only_pyshacl, only_sparql)
    focus = {p.focus for p in fast.problems}
    for node in ("sub", "equivalent", "domain", "alias", "scoped", "parks"):
        assert T + node in focus, node
    assert str(PGID) + "person/farid-zakirov" in focus and str(PGID) + "org/aip" in focus


def outside_rl_files(tmp_path: Path) -> list[Path]:
    """The ontology and a graph whose one disjointness violation only the owlrl closure derives:
    owl:inverseOf makes t:b a person through the inverse."""
    plants = tmp_path / "inverse.ttl"
    plants.write_text(
        CONSISTENCY_PLANTS.split("t:sub")[0]
        + "t:hasMember owl:inverseOf t:memberOf . t:memberOf rdfs:domain foaf:Person .\n"
        + "t:org a pg:Company ; t:hasMember t:b . t:b a schema:City .\n",
        encoding="utf-8",
    )
    return [paths.ontology_file(), plants]


def test_owl_outside_the_sparql_subset_falls_back_to_owlrl(tmp_path: Path) -> None:
    files = outside_rl_files(tmp_path)
    reference = validate(files, engine="pyshacl", shacl=False)
    fast = validate(files, engine="sparql", shacl=False)
    assert [p.focus for p in reference.problems] == [T + "b"]
    assert [key(p) for p in fast.problems] == [key(p) for p in reference.problems]


def test_cli_engines_print_the_same_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for engine in ("pyshacl", "sparql"):
        with pytest.raises(SystemExit) as exit_info:
            main(["validate", "--engine", engine, str(paths.ontology_file()), str(paths.data_file()), str(PLANTED)])
        assert exit_info.value.code == 1
        outputs.append(sorted(capsys.readouterr().err.splitlines()))
    assert outputs[0] == outputs[1]
    assert any(line.startswith(f"{PLANTED}:") and "shacl:" in line for line in outputs[1])


def test_sparql_engine_reports_syntax_errors_by_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix t: <https://example.org/planted/> .\n\nt:a t:b "unterminated .\n', encoding="utf-8")
    report = validate([paths.ontology_file(), broken], engine="sparql")
    assert [(p.check, p.file, p.line) for p in report.problems] == [("syntax", str(broken), 3)]
    assert report.checks == ["syntax"]


def test_auto_engine_switches_on_input_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_engine("auto", paths.default_files()) == "pyshacl"
    # sys.modules: the package re-exports the validate() function under the module's name
    monkeypatch.setattr(sys.modules["parkgraph.validate"], "AUTO_SPARQL_BYTES", 1000)
    assert choose_engine("auto", paths.default_files()) == "sparql"
    assert choose_engine("pyshacl", paths.default_files()) == "pyshacl"
    with pytest.raises(Exception, match="unknown validation engine"):
        choose_engine("fast", paths.default_files())


SHAPE_PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://example.org/shapes#> .
"""


@pytest.mark.parametrize(
    ("shape", "complaint"),
    [
        ('ex:S a sh:NodeShape ; sh:targetClass foaf:Person ; sh:property [ sh:path foaf:name ; sh:pattern "^A" ; '
         'sh:message "m" ] .', "sh:pattern"),
        ("ex:S a sh:NodeShape ; sh:targetNode ex:x ; sh:property [ sh:path foaf:name ; sh:minCount 1 ] .",
         "sh:targetNode"),
        ('ex:S a sh:NodeShape ; sh:targetClass foaf:Person ; sh:property [ sh:path ( foaf:knows foaf:name ) ; '
         'sh:minCount 1 ; sh:message "m" ] .', "property path"),
        ("ex:S a sh:NodeShape ; sh:targetClass foaf:Person ; sh:property [ sh:path foaf:name ; sh:minCount 1 ] .",
         "sh:message"),
        ("ex:S a sh:NodeShape ; sh:targetClass foaf:Person ; sh:node ex:S ; sh:message \"m\" .", "recursive"),
        ('ex:S a sh:NodeShape , <http://www.w3.org/2000/01/rdf-schema#Class> ; sh:property [ sh:path foaf:name ; '
         'sh:minCount 1 ; sh:message "m" ] .', "implicit class targets"),
    ],
)
def test_unsupported_shapes_are_refused(shape: str, complaint: str) -> None:
    shapes = Graph().parse(data=SHAPE_PREFIXES + shape, format="turtle")
    with pytest.raises(UnsupportedShapeError, match=complaint) as info:
        compile_shapes(shapes)
    assert "pyshacl" in str(info.value)


def test_the_project_shapes_compile_to_one_query_per_constraint() -> None:
    shapes = Graph().parse(paths.shapes_file())
    compiled = compile_shapes(shapes)
    components = Counter(c.component.split("#")[-1] for c in compiled)
    for used in ("minCount", "maxCount", "datatype", "class", "nodeKind", "qualifiedMinCount", "node", "xone"):
        assert components[used] > 0, used
    assert all(c.query.lstrip().startswith("PREFIX") and "SELECT ?focus ?path ?value" in c.query for c in compiled)


# The same triples in the default graph and in a named graph: a person with an untagged label and no source.
IN_TWO_GRAPHS = {
    "twice.trig": (
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix t: <https://example.org/planted/> .\n"
        't:twice a foaf:Person ; rdfs:label "Plain label" .\n'
        't:g { t:twice a foaf:Person ; rdfs:label "Plain label" . }\n'
    ),
    "twice.nq": (
        "<https://example.org/planted/twice> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<http://xmlns.com/foaf/0.1/Person> .\n"
        '<https://example.org/planted/twice> <http://www.w3.org/2000/01/rdf-schema#label> "Plain label" .\n'
        "<https://example.org/planted/twice> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<http://xmlns.com/foaf/0.1/Person> <https://example.org/planted/g> .\n"
        '<https://example.org/planted/twice> <http://www.w3.org/2000/01/rdf-schema#label> "Plain label" '
        "<https://example.org/planted/g> .\n"
    ),
}


def in_two_graphs(name: str, tmp_path: Path) -> Path:
    """tmp_path/NAME holding IN_TWO_GRAPHS[NAME]."""
    path = tmp_path / name
    path.write_text(IN_TWO_GRAPHS[name], encoding="utf-8")
    return path


@pytest.mark.parametrize("name", list(IN_TWO_GRAPHS))
def test_a_triple_in_two_graphs_is_one_problem(name: str, tmp_path: Path) -> None:
    """The union of the graphs is a set, as pyshacl's rdflib Graph is: Oxigraph's union (up to 0.5.13)
    repeats a triple once per graph holding it, which must not repeat the problem with its value."""
    reference, fast = both([paths.ontology_file(), in_two_graphs(name, tmp_path)])
    only_pyshacl, only_sparql = same_problems(reference, fast)
    assert not only_pyshacl and not only_sparql, (only_pyshacl, only_sparql)
    untagged = [p for p in fast.problems if "must be a language-tagged string" in p.message]
    assert [p.focus for p in untagged] == [T + "twice"]


@pytest.mark.parametrize("name", list(IN_TWO_GRAPHS))
def test_a_triple_in_two_graphs_is_counted_once(name: str, tmp_path: Path) -> None:
    """The "OK (N triples)" count is of distinct triples under both engines, not of the quads that hold them."""
    reference, fast = both([paths.ontology_file(), in_two_graphs(name, tmp_path)])
    assert fast.triples == reference.triples == len(Graph().parse(paths.ontology_file())) + 2
