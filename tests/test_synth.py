"""`parkgraph synth`: deterministic, streaming, valid against the shapes, and sized as asked."""

from __future__ import annotations

import inspect
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, PROV, RDF, RDFS

from parkgraph import paths, validate
from parkgraph.cli import main
from parkgraph.errors import ParkgraphError
from parkgraph.namespaces import PG, SCHEMA
from parkgraph.synth import MAX_TRIPLES, SynthConfig, frame, iter_text, records, write_synthetic

SMALL = SynthConfig(seed=7, parks=3, residents=120)
SYNTH = "https://w3id.org/parkgraph/id/synth/"
RESIDENT_COMPANIES = URIRef("https://w3id.org/parkgraph/id/indicator/resident-companies")
SCO_IRI = URIRef("https://w3id.org/parkgraph/id/org/sco")


@pytest.fixture(scope="module")
def small_nt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synth") / "small.nt"
    write_synthetic(path, SMALL)
    return path


@pytest.fixture(scope="module")
def small_graph(small_nt: Path) -> Graph:
    return Graph().parse(small_nt, format="nt")


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_same_seed_gives_byte_identical_files(tmp_path: Path, small_nt: Path) -> None:
    again = tmp_path / "again.nt"
    write_synthetic(again, SMALL)
    assert again.read_bytes() == small_nt.read_bytes()
    other = tmp_path / "other.nt"
    write_synthetic(other, SynthConfig(seed=8, parks=SMALL.parks, residents=SMALL.residents))
    assert other.read_bytes() != small_nt.read_bytes()


def test_turtle_and_ntriples_hold_the_same_triples(tmp_path: Path, small_graph: Graph) -> None:
    ttl = tmp_path / "small.ttl"
    summary = write_synthetic(ttl, SMALL)
    assert summary.format == "ttl"
    turtle = Graph().parse(ttl, format="turtle")
    assert set(turtle) == set(small_graph)
    assert summary.triples == len(turtle)


def test_counts_match_the_config(small_graph: Graph) -> None:
    g = small_graph
    parks = set(g.subjects(RDF.type, PG.IndustrialPark)) | set(g.subjects(RDF.type, PG.SpecialEconomicZone))
    companies = set(g.subjects(RDF.type, PG.Company))
    assert len(parks) == SMALL.parks
    assert len(companies) == SMALL.residents
    # every resident is in exactly one of the parks, with a sector and a location
    for company in companies:
        assert len(list(g.objects(company, PG.residentOf))) == 1
        assert g.value(company, PG.residentOf) in parks
        assert (g.value(company, PG.sector), RDF.type, PG.Sector) in g
    # each park's stated resident count is the number of companies that reside in it
    residents_of = Counter(g.value(c, PG.residentOf) for c in companies)
    stated = {}
    for figure in g.subjects(PG.indicator, RESIDENT_COMPANIES):
        stated[g.value(figure, SCHEMA.observationAbout)] = g.value(figure, SCHEMA.value).toPython()
    assert stated == {park: residents_of.get(park, 0) for park in parks}


def test_places_chain_city_region_sco_country(small_graph: Graph) -> None:
    g = small_graph
    for park in g.subjects(RDF.type, PG.IndustrialPark):
        city = g.value(park, SCHEMA.location)
        region = g.value(city, SCHEMA.containedInPlace)
        country = g.value(region, SCHEMA.containedInPlace)
        assert (city, RDF.type, SCHEMA.City) in g
        assert (region, RDF.type, SCHEMA.AdministrativeArea) in g
        assert (country, ORG.memberOf, SCO_IRI) in g
        assert not str(country).startswith(SYNTH), "countries are the real SCO member states"


def test_synthetic_nodes_say_so_in_both_languages(small_graph: Graph) -> None:
    g = small_graph
    for park in g.subjects(RDF.type, PG.IndustrialPark):
        labels = {lit.language: str(lit) for lit in g.objects(park, RDFS.label) if isinstance(lit, Literal)}
        assert labels["en"].startswith("Synthetic ") and labels["ru"].startswith("Синтетическ")
    # every synthetic subject except the open intervals and instants cites the synthetic source
    subjects = {s for s in g.subjects() if str(s).startswith(SYNTH)}
    skip = ("instant/", "interval/", "period/", "source/")
    for s in subjects:
        if any(str(s).startswith(SYNTH + kind) for kind in skip):
            continue
        sources = [str(o) for o in g.objects(s, PROV.wasDerivedFrom)]
        assert sources == [f"{SYNTH}source/seed-{SMALL.seed}"], s


def test_small_graph_passes_shacl_and_owl_consistency(tmp_path: Path) -> None:
    path = tmp_path / "tiny.ttl"
    write_synthetic(path, SynthConfig(seed=3, parks=2, residents=40))
    report = validate([paths.ontology_file(), path])
    assert report.checks == ["syntax", "shacl", "consistency"]
    assert report.conforms, "\n".join(map(str, report.problems[:10]))


def test_size_grows_about_linearly(tmp_path: Path) -> None:
    counts = []
    for parks, residents in ((4, 400), (16, 1600)):
        counter = [0]
        for _ in iter_text(SynthConfig(seed=1, parks=parks, residents=residents), "nt", counter):
            pass
        counts.append(counter[0])
    assert 3.0 <= counts[1] / counts[0] <= 5.0, counts


def test_triples_target_is_approximately_met(tmp_path: Path) -> None:
    config = SynthConfig.for_triples(30_000, seed=2)
    counter = [0]
    for _ in iter_text(config, "nt", counter):
        pass
    assert 0.8 * 30_000 <= counter[0] <= 1.2 * 30_000, counter[0]
    assert config.residents / config.parks == pytest.approx(65_000 / 600, rel=0.1)


def test_writer_streams_instead_of_holding_the_graph() -> None:
    assert inspect.isgenerator(iter_text(SMALL, "nt"))
    assert inspect.isgenerator(records(SMALL))

    def peak(residents: int) -> tuple[int, int]:
        counter = [0]
        tracemalloc.start()
        for _ in iter_text(SynthConfig(seed=1, parks=residents // 100, residents=residents), "nt", counter):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top, counter[0]

    frame()  # warm rdflib's parser and query caches so both runs start alike
    small_peak, small_triples = peak(500)
    big_peak, big_triples = peak(3_000)
    assert big_triples > 5 * small_triples
    # six times the output, not six times the memory: holding the text would add ~150 bytes per
    # triple (over 6 MB here), holding rdflib triples far more; the peak is the curated-data frame
    assert big_peak < 1.5 * small_peak + 1_000_000, (small_peak, big_peak)


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "keep.nt"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(ParkgraphError, match="--parks must be at least 1"):
        write_synthetic(target, SynthConfig(parks=0, residents=10))
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.nt"]


def test_cli_writes_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "cli.ttl"
    code, out, _ = run_cli(["synth", "-o", str(out_file), "--parks", "2", "--residents", "30", "--seed", "5"], capsys)
    assert code == 0
    graph = Graph().parse(out_file, format="turtle")
    assert f"{len(graph)} triples" in out
    assert "2 parks, 30 residents, seed 5, ttl" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--parks", "2", "--triples", "20000"], "either --triples or --parks/--residents"),
        (["--triples", "5"], "out of range"),
        (["--parks", "-1"], "--parks must be at least 1"),
        (["--parks", "99999999999"], "--parks 99,999,999,999 with --residents 65,000 would make at least"),
        (["--residents", "99999999999"], "more than the 20,000,000 synth writes"),
        (["--parks", "100000", "--residents", "1000000"], "use --parks 53,097 or fewer with these residents"),
        (["--format", "xml"], "unknown format"),
    ],
)
def test_cli_rejects_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run_cli(["synth", "-o", str(tmp_path / "bad.nt"), *args], capsys)
    assert code == 2
    assert message in err
    assert not (tmp_path / "bad.nt").exists()


@pytest.mark.parametrize(
    ("parks", "residents"), [(99_999_999_999, 65_000), (600, 99_999_999_999), (200_000, 0), (100_000, 1_000_000)]
)
def test_sizes_beyond_the_triples_cap_are_refused(parks: int, residents: int) -> None:
    """--triples stops at 20,000,000; --parks/--residents were unbounded (memory grew before a line was written)."""
    with pytest.raises(ParkgraphError, match=f"more than the {MAX_TRIPLES:,} synth writes") as caught:
        SynthConfig(parks=parks, residents=residents).check()
    assert "--triples N" in (caught.value.hint or "")
    biggest = SynthConfig.for_triples(MAX_TRIPLES)
    biggest.check()  # whatever --triples picks stays within the same cap
    assert biggest.estimated_triples() <= MAX_TRIPLES


def test_the_size_estimate_is_a_lower_bound() -> None:
    """The cap refuses only what would surely exceed it: the estimate never overstates the real count."""
    for config in (SynthConfig(parks=1, residents=0), SynthConfig(parks=40, residents=3000)):
        counter = [0]
        for _ in iter_text(config, "nt", counter):
            pass
        assert config.estimated_triples() <= counter[0] < 1.6 * config.estimated_triples() + 1000


def test_cli_needs_a_known_suffix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["synth", "-o", str(tmp_path / "graph.txt"), "--parks", "1"], capsys)
    assert code == 2
    assert "cannot tell the output format" in err and "graph.txt" in err


def test_every_membership_interval_is_written(tmp_path: Path) -> None:
    # At ~100k triples membership start days coincide with event and period days; the interval
    # must still be written even when its instant already was (a regression seen at 100k).
    path = tmp_path / "mid.nt"
    write_synthetic(path, SynthConfig(seed=1, parks=59, residents=6392))
    during = "<http://www.w3.org/ns/org#memberDuring>"
    typed = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2006/time#Interval>"
    used, written = set(), set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if during in line:
                used.add(line.split()[2])
            elif typed in line:
                written.add(line.split()[0])
    assert used
    assert used <= written, sorted(used - written)[:5]
