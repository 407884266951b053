"""The embedded stores: memory and oxigraph:PATH give the same graph and the same answers."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_isomorphic
from rdflib.namespace import RDFS
from servers import run_parkgraph
from test_query_cli import run

from parkgraph import ParkGraph, paths
from parkgraph.errors import ParkgraphError, QueryError, RdfSyntaxError, StoreError
from parkgraph.store import MemoryStore, open_store
from parkgraph.stores.oxigraph import OxigraphMemoryStore, OxigraphStore, _Converter, _iri_pairs, to_rdflib

QUERIES = Path(__file__).parent / "stores"
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # rdflib's closed XSD namespace warns when pytest inspects it
NUMERIC = {XSD[t] for t in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger")}


def test_query(name: str) -> str:
    """A test query from tests/stores/NAME.rq."""
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")


test_query.__test__ = False  # a helper, not a test


def norm(term: object) -> object:
    """A term compared by what it means where stores only differ in how they write it.

    Oxigraph and Virtuoso keep numbers by value, so a decimal written "50.0" comes back as "50"
    and Virtuoso returns big xsd:integer values as xsd:decimal: numbers compare by value.
    Blank-node labels are local to each store: all blank nodes compare equal.
    """
    if isinstance(term, Literal) and term.datatype in NUMERIC:
        return ("number", term.toPython())
    if isinstance(term, BNode):
        return ("bnode",)
    return term


def triples(graph: Graph) -> set[tuple[object, ...]]:
    """A graph's triples, normalised, for comparison across stores."""
    return {tuple(norm(t) for t in triple) for triple in graph}


@pytest.fixture(scope="module")
def memory() -> ParkGraph:
    return ParkGraph.open()


@pytest.fixture(scope="module")
def oxi(tmp_path_factory: pytest.TempPathFactory) -> ParkGraph:
    """An Oxigraph store filled by `parkgraph load`, then reopened here (the data persists)."""
    location = tmp_path_factory.mktemp("oxi") / "db"
    done = run_parkgraph("load", "--store", f"oxigraph:{location}")
    assert done.returncode == 0, done.stderr
    assert f"into oxigraph:{location}" in done.stdout
    return ParkGraph.open(f"oxigraph:{location}")


@pytest.fixture(scope="module")
def oxmem() -> ParkGraph:
    """Oxigraph's in-memory store, filled from the default files by ParkGraph.open."""
    return ParkGraph.open("oxigraph-memory")


def test_reopened_store_holds_the_curated_graph(oxi: ParkGraph, memory: ParkGraph) -> None:
    assert len(oxi) == len(memory) > 1000
    assert triples(oxi.to_rdflib()) == triples(memory.to_rdflib())


def test_plain_literals_stay_plain(oxi: ParkGraph, memory: ParkGraph) -> None:
    labels = {o for _, _, o in oxi.to_rdflib() if isinstance(o, Literal) and o.language is None and o.datatype is None}
    assert Literal("count") in labels  # pyoxigraph says xsd:string; parkgraph hands back rdflib's plain form
    assert all(getattr(o, "datatype", None) != XSD.string for o in oxi.to_rdflib().objects())
    # The same literal objects, language tags included, as rdflib's own parse.
    literal_set = {o for o in memory.to_rdflib().objects() if isinstance(o, Literal) and o.datatype not in NUMERIC}
    assert literal_set <= set(oxi.to_rdflib().objects())


def test_parity_with_rdflib_parser_pitfall(oxi: ParkGraph, memory: ParkGraph) -> None:
    """Each parser stays with its store: ox-turtle into rdflib's engine loses plain-literal matches."""
    query = test_query("plain-literal")
    expected = memory.sparql(query).rows
    assert len(expected) >= 2
    assert oxi.sparql(query).rows == expected
    mixed = Graph()
    mixed.parse(paths.data_file(), format="ox-turtle")
    assert list(mixed.query(query)) == []  # the pitfall the stores avoid; if oxrdflib fixes it, drop this line


@pytest.mark.parametrize("spec", ["memory", "oxigraph-memory"])
def test_to_rdflib_is_a_copy(spec: str) -> None:
    """Changing the graph to_rdflib() hands out leaves the store as it was (a notebook adding
    inferred triples to it must not change what the store answers)."""
    pg = ParkGraph.open(spec)
    before = len(pg)
    graph = pg.to_rdflib()
    assert len(graph) == before and graph.namespace_manager.store.namespace("pg") is not None
    added = (URIRef("https://example.org/x"), URIRef("https://example.org/p"), Literal("y"))
    graph.add(added)
    graph.remove((None, RDFS.label, None))
    assert len(pg) == before
    assert pg.sparql("ASK { <https://example.org/x> ?p ?o }").boolean is False
    assert pg.sparql("ASK { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }").boolean is True


def test_in_memory_oxigraph_holds_the_curated_graph(oxmem: ParkGraph, memory: ParkGraph) -> None:
    assert oxmem.store.name == "oxigraph-memory"
    assert len(oxmem) == len(memory) > 1000
    assert triples(oxmem.to_rdflib()) == triples(memory.to_rdflib())


@pytest.mark.parametrize("store", ["oxi", "oxmem"])
@pytest.mark.parametrize("name", ["people", "sco-exists", "types", "ordered-pairs"])
def test_same_answers(name: str, store: str, memory: ParkGraph, request: pytest.FixtureRequest) -> None:
    query = test_query(name)
    mine, theirs = request.getfixturevalue(store).sparql(query), memory.sparql(query)
    assert mine.kind == theirs.kind
    if mine.kind == "graph":
        assert to_isomorphic(mine.graph) == to_isomorphic(theirs.graph)
    else:
        assert mine.boolean == theirs.boolean
        assert mine.vars == theirs.vars
        assert [tuple(map(norm, r)) for r in mine.rows] == [tuple(map(norm, r)) for r in theirs.rows]


def test_bindings_become_substitutions(oxi: ParkGraph, memory: ParkGraph) -> None:
    query = test_query("people")
    person = URIRef(str(memory.sparql(query).rows[0][0]))
    bound_oxi = oxi.sparql(query, {"person": person}).rows
    assert bound_oxi == memory.sparql(query, {"person": person}).rows
    assert {row[0] for row in bound_oxi} == {person}


@pytest.mark.parametrize("suffix, fmt", [(".nt", "nt"), (".jsonld", "json-ld"), (".trig", "trig"), (".rdf", "xml")])
def test_bulk_load_formats(suffix: str, fmt: str, tmp_path: Path, memory: ParkGraph) -> None:
    """N-Triples, JSON-LD, TriG (in a named graph) and RDF/XML load into both stores alike."""
    source = tmp_path / f"graph{suffix}"
    if fmt == "trig":
        dataset = Dataset()
        named = dataset.graph(URIRef("http://example.org/test/graph"))
        for triple in memory.to_rdflib():
            named.add(triple)
        dataset.serialize(source, format="trig")
    else:
        memory.to_rdflib().serialize(source, format=fmt)
    store = OxigraphStore(tmp_path / "db")
    assert store.load([source]) == len(memory)
    again = MemoryStore()
    again.load([source])
    assert triples(store.to_rdflib()) == triples(again.graph) == triples(memory.to_rdflib())


def test_bad_file_adds_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('<http://example.org/a> <http://example.org/b> "c" .\n<http://example.org/a> oops\n')
    store = OxigraphStore(tmp_path / "db")
    with pytest.raises(RdfSyntaxError) as err:
        store.load([bad])
    assert err.value.file == str(bad) and err.value.line == 2
    assert len(store) == 0


def test_syntax_error_has_position(oxi: ParkGraph) -> None:
    with pytest.raises(QueryError) as err:
        oxi.sparql("SELECT ?x WHERE { ?x ?y }")
    assert err.value.line == 1 and err.value.column is not None


def test_update(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "db")
    store.update(test_query("insert-marker"))
    assert store.query(test_query("marker-exists")).boolean is True


def test_second_writer_gets_a_clear_message(tmp_path: Path) -> None:
    location = tmp_path / "db"
    held = OxigraphStore(location)
    held.load(paths.default_files())
    done = run_parkgraph("load", "--store", f"oxigraph:{location}")
    assert done.returncode == 2
    assert f"the store at {location} is in use by another process (pid {os.getpid()})" in done.stderr
    assert "Traceback" not in done.stderr
    # A reader still gets answers from a read-only snapshot.
    reader = run_parkgraph("stats", "--store", f"oxigraph:{location}", "--top", "1")
    assert reader.returncode == 0, reader.stderr
    assert f"{len(held)} triples" in reader.stdout


def test_same_process_second_open_is_read_only(tmp_path: Path) -> None:
    first = OxigraphStore(tmp_path / "db")
    first.load(paths.default_files())
    second = OxigraphStore(tmp_path / "db")
    assert second.read_only and len(second) == len(first)
    with pytest.raises(StoreError, match="in use by this process"):
        second.load(paths.default_files())


def small_store(location: Path) -> None:
    """A closed Oxigraph store at `location` holding one triple in its .sst files."""
    store = ox.Store(str(location))
    store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("x")))
    store.flush()
    del store  # closes it: RocksDB's lock is released


def overwrite_tables(location: Path) -> None:
    """Every .sst file of the store at `location` filled with random bytes, its size kept."""
    noise = random.Random(1)
    tables = list(location.glob("*.sst"))
    assert tables
    for table in tables:
        table.write_bytes(noise.randbytes(table.stat().st_size))


def truncate_tables(location: Path) -> None:
    """Every .sst file of the store at `location` cut to 100 bytes."""
    for table in location.glob("*.sst"):
        table.write_bytes(table.read_bytes()[:100])


def remove_manifest(location: Path) -> None:
    """The MANIFEST file, which lists the store's tables, deleted."""
    for manifest in location.glob("MANIFEST-*"):
        manifest.unlink()


@pytest.mark.parametrize("damage", [overwrite_tables, truncate_tables, remove_manifest])
def test_a_damaged_store_is_named_with_what_to_do(
    damage: Callable[[Path], None], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """RocksDB finding a store's files broken as it opens them is a StoreError, not a RuntimeError traceback."""
    location = tmp_path / "db"
    small_store(location)
    damage(location)
    code, _out, err = run(capsys, "stats", "--store", f"oxigraph:{location}")
    assert code == 2 and "Traceback" not in err
    assert f"error: the store at {location} is damaged (RocksDB: " in err
    assert "hint: load the data again into a fresh directory: parkgraph load --store oxigraph:NEWDIR" in err


def test_damage_found_by_a_query_is_named_too(tmp_path: Path) -> None:
    """A broken block RocksDB only meets when a query reads it gives the same message."""
    store = OxigraphStore(tmp_path / "db")

    class Damaged:
        def query(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("Corruption: block checksum mismatch in 000016.sst offset 0, block_type = Data")

    store.ox = Damaged()  # type: ignore[assignment]
    with pytest.raises(StoreError) as caught:
        store.query("SELECT * WHERE { ?s ?p ?o }")
    assert caught.value.message.startswith(f"the store at {tmp_path / 'db'} is damaged (RocksDB: Corruption: block")
    assert "fresh directory" in (caught.value.hint or "")


@pytest.mark.parametrize("command", ["stats", "load"])
@pytest.mark.parametrize("under", ["", "db"])
def test_a_file_given_as_the_store_directory_is_named(
    command: str, under: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """oxigraph:FILE (or a path under a file) says the file is in the way, not "[Errno 17] File exists"."""
    afile = tmp_path / "afile"
    afile.write_text("notes\n", encoding="utf-8")
    code, _out, err = run(capsys, command, "--store", f"oxigraph:{afile / under if under else afile}")
    assert code == 2 and "Traceback" not in err and "Errno" not in err
    assert f"error: {afile} is a file; oxigraph:PATH names a directory" in err
    assert "hint: give the directory `parkgraph load --store oxigraph:PATH` filled" in err
    assert afile.read_text(encoding="utf-8") == "notes\n"


READING_COMMANDS = [
    ["stats"],
    ["query", "common-members"],
    ["export", "-o", "{out}.graphml"],
    ["export", "-F", "jsonld", "-o", "{out}.jsonld"],
    ["render", "-o", "{out}.html"],
    ["path", "KIP Master", "SCO"],
    ["neighbours", "KIP Master"],
    ["central"],
]


@pytest.mark.parametrize("args", READING_COMMANDS, ids=lambda args: " ".join(args[:3]))
def test_reading_commands_refuse_a_path_with_no_store(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped store path is reported, not answered as an empty store that the command quietly creates."""
    typo = tmp_path / "typo-db"
    code, out, err = run(capsys, *(a.format(out=tmp_path / "out") for a in args), "--store", f"oxigraph:{typo}")
    assert code == 2 and "Traceback" not in err, out + err
    assert f"error: no Oxigraph store at {typo}\n  hint: fill one with: parkgraph load --store oxigraph:{typo}" in err
    assert list(tmp_path.iterdir()) == []  # no store, no output file


@pytest.mark.parametrize("where", ["missing/deep/db", "empty"])
def test_a_read_creates_neither_directories_nor_a_store(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Neither the parents of a missing path nor RocksDB files in an empty directory appear for a read."""
    (tmp_path / "empty").mkdir()
    code, _out, err = run(capsys, "stats", "--store", f"oxigraph:{tmp_path / where}")
    assert code == 2 and f"no Oxigraph store at {tmp_path / where}" in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["empty"]


def test_serve_without_updates_refuses_a_path_with_no_store(tmp_path: Path) -> None:
    typo = tmp_path / "typo-db"
    command = [sys.executable, "-m", "parkgraph.cli", "serve", "--port", "0", "--store", f"oxigraph:{typo}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)  # were it to serve: TimeoutExpired
    assert done.returncode == 2 and done.stdout == ""
    assert f"error: no Oxigraph store at {typo}" in done.stderr and "Traceback" not in done.stderr
    assert not typo.exists()


@pytest.mark.parametrize("command", [["stats"], ["load"], ["query", "--allow-update", "-e", "CLEAR ALL"]])
def test_a_directory_of_other_files_is_never_made_a_store(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """RocksDB's files are not written among someone's files, not even by a command that may create a store."""
    folder = tmp_path / "notastore"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    code, _out, err = run(capsys, *command, "--store", f"oxigraph:{folder}")
    assert code == 2 and "Traceback" not in err
    assert f"error: {folder} holds no Oxigraph store but other files (notes.txt)" in err
    assert "parkgraph load --store oxigraph:NEWDIR" in err
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("where", ["new/deep/db", "empty"])
def test_load_and_updates_create_a_store_where_there_is_none(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new path or an empty directory is where `load` (or an allowed update) starts a store; reads then find it."""
    (tmp_path / "empty").mkdir()
    location = tmp_path / where
    code, out, err = run(capsys, "query", "--allow-update", "-e", test_query("insert-marker"),
                         "--store", f"oxigraph:{location}")
    assert code == 0 and (location / "CURRENT").is_file(), err
    code, out, err = run(capsys, "load", "--store", f"oxigraph:{location}")
    assert code == 0 and f"into oxigraph:{location}: {len(ParkGraph.open()) + 1} triples (was 1)" in out, err
    code, out, err = run(capsys, "stats", "--store", f"oxigraph:{location}", "--top", "1")
    assert code == 0 and f"{len(ParkGraph.open()) + 1} triples" in out, err


def test_the_python_api_creates_a_store_unless_told_not_to(tmp_path: Path) -> None:
    """ParkGraph.open("oxigraph:PATH") starts a store (with seed=True, filled); create=False refuses instead."""
    with pytest.raises(StoreError) as caught:
        ParkGraph.open(f"oxigraph:{tmp_path / 'db'}", create=False)
    assert caught.value.hint == f"fill one with: parkgraph load --store oxigraph:{tmp_path / 'db'}"
    assert not (tmp_path / "db").exists()
    assert len(ParkGraph.open(f"oxigraph:{tmp_path / 'db'}", seed=True)) == len(ParkGraph.open()) > 1000


def test_open_store_specs(tmp_path: Path) -> None:
    assert isinstance(open_store("memory"), MemoryStore)
    assert isinstance(open_store(f"oxigraph:{tmp_path / 'db'}"), OxigraphStore)
    in_memory = open_store("oxigraph-memory")
    assert isinstance(in_memory, OxigraphMemoryStore) and in_memory.path is None and len(in_memory) == 0
    assert list(tmp_path.iterdir()) == [tmp_path / "db"]  # the in-memory store wrote nothing
    for bad in ("oxigraph:", "postgres://x", "mem", "oxigraph-mem"):
        with pytest.raises(ParkgraphError) as caught:
            open_store(bad)
        if bad != "oxigraph:":
            assert "oxigraph-memory" in (caught.value.hint or "")


@pytest.mark.parametrize("command", ["stats", "load"])
@pytest.mark.parametrize("spec", ["http://[::1", "http://[zz]/sparql"])
def test_a_malformed_store_url_is_named(command: str, spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A URL urllib cannot split (an unclosed or bad IPv6 bracket) is a StoreError naming it, not a ValueError."""
    code, _out, err = run(capsys, command, "--store", spec)
    assert code == 2 and "Traceback" not in err
    assert f"error: the store URL {spec} is not a valid URL" in err
    assert "hint: use http(s)://HOST[:PORT]/PATH" in err and "http://[::1]:7878/query" in err


@pytest.mark.parametrize("store", [[], ["--store", "oxigraph-memory"]])
def test_load_refuses_the_in_memory_stores(store: list[str]) -> None:
    done = run_parkgraph("load", *store)
    assert done.returncode == 2
    assert "lives only as long as one command" in done.stderr and "oxigraph:PATH" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("store", ["memory", "oxigraph-memory"])
def test_cli_data_adds_files_to_an_in_memory_store(store: str, tmp_path: Path) -> None:
    """`--data FILE` loads FILE besides the default files, in any command that reads the graph."""
    extra = tmp_path / "extra.nt"
    extra.write_text("<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n"
                     "<http://example.org/b> <http://example.org/p> <http://example.org/c> .\n", encoding="utf-8")
    done = run_parkgraph("stats", "--store", store, "--data", str(extra), "--data", str(extra), "--top", "1")
    assert done.returncode == 0, done.stderr
    assert f"{len(ParkGraph.open()) + 2} triples" in done.stdout  # the same file twice: the same two triples
    asked = run_parkgraph("query", "--store", store, "--data", str(extra), "-F", "csv",
                          "-e", "SELECT ?o WHERE { <http://example.org/a> ?p ?o }")
    assert asked.returncode == 0 and asked.stdout.split() == ["o", "http://example.org/b"], asked.stderr


def test_cli_data_is_refused_for_a_persistent_store(tmp_path: Path) -> None:
    extra = tmp_path / "extra.nt"
    extra.write_text("<http://example.org/a> <http://example.org/p> 1 .\n", encoding="utf-8")
    location = tmp_path / "db"
    done = run_parkgraph("query", "people-roles", "--store", f"oxigraph:{location}", "--data", str(extra))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--data adds files to an in-memory store only" in done.stderr
    assert f"parkgraph load --store oxigraph:{location}" in done.stderr
    assert not location.exists()  # refused before the store was opened (or created)


def test_cli_answers_alike_from_rdflib_and_oxigraph_in_memory() -> None:
    """`--store oxigraph-memory` loads the default files itself, and answers a named query as `memory` does."""
    answers = [run_parkgraph("query", "people-roles", "--format", "csv", "--store", store)
               for store in ("memory", "oxigraph-memory")]
    assert all(done.returncode == 0 for done in answers), [done.stderr for done in answers]
    rows = [done.stdout.splitlines() for done in answers]
    assert rows[0][0] == rows[1][0] and len(rows[0]) > 3  # the header, then the rows (ties may come in any order)
    assert sorted(rows[0]) == sorted(rows[1])


def test_in_memory_oxigraph_update_and_errors() -> None:
    store = OxigraphMemoryStore()
    store.update(test_query("insert-marker"))
    assert store.query(test_query("marker-exists")).boolean is True
    with pytest.raises(QueryError) as caught:
        store.query("SELECT ?x WHERE { ?x ?y }")
    assert caught.value.line == 1
    assert store.worker_copy() is store  # a forked worker inherits the data


def test_converted_literals_are_those_rdflib_builds(tmp_path: Path) -> None:
    """The converter's shortcut for plain and language-tagged literals gives what `Literal(...)` gives."""
    source = tmp_path / "tricky.trig"
    source.write_text(TRICKY_TRIG + '@prefix ex: <http://example.org/> . ex:c ex:t "x"@EN-gb, "y"@ru-Latn-RU .\n',
                      encoding="utf-8")
    store = OxigraphMemoryStore()
    store.load([source])
    convert = _Converter()
    literals = [q.object for q in store.ox if isinstance(q.object, ox.Literal)] * 2  # the second time, from the cache
    assert len(literals) > 30
    for term in literals:
        mine, reference = convert(term), to_rdflib(term)
        assert type(mine) is Literal
        assert (mine, hash(mine), mine.n3()) == (reference, hash(reference), reference.n3())
        assert (mine.language, mine.datatype, mine.ill_typed) == (reference.language, reference.datatype,
                                                                  reference.ill_typed)
        assert mine.value == reference.value or mine.value != mine.value and reference.value != reference.value  # NaN
        assert str(mine) == str(reference)


def test_converted_iris_are_those_rdflib_builds(oxi: ParkGraph) -> None:
    """The converter builds each IRI without rdflib's check, and gives the URIRef rdflib builds: the
    curated graph's IRIs and some with non-ASCII letters, percent escapes, a fragment and a query."""
    odd = ["http://example.org/Ш/парк#Ё", "http://example.org/a%20b?x=1&y=%C3%A9", "urn:uuid:0-1", "http://e/#"]
    terms = [row[0] for row in oxi.store._select("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")]
    terms += [ox.NamedNode(value) for value in odd]
    assert len(terms) > 100
    convert = _Converter()
    for term in terms * 2:  # the second time, from the cache
        mine, reference = convert(term), URIRef(term.value)
        assert type(mine) is URIRef
        assert (mine, hash(mine), mine.n3(), str(mine)) == (reference, hash(reference), reference.n3(), str(reference))


def test_an_oxigraph_answer_is_built_with_the_collector_paused(
    oxi: ParkGraph, oxmem: ParkGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both Oxigraph stores convert and sort an answer's rows with Python's cyclic collector paused
    (`parkgraph.gc_pause`), and leave it as they found it, also when the query fails."""
    import gc

    seen: list[bool] = []
    real = _Converter.__call__
    monkeypatch.setattr(_Converter, "__call__", lambda self, term: seen.append(gc.isenabled()) or real(self, term))
    for pg in (oxi, oxmem):
        seen.clear()
        assert gc.isenabled()
        assert len(pg.query("people-roles").rows) >= 3
        assert seen and not any(seen) and gc.isenabled()
        with pytest.raises(QueryError):
            pg.store.query("SELECT ?s WHERE { ?s ?p }")
        assert gc.isenabled()
        gc.disable()
        try:  # a caller that paused the collector itself finds it still paused
            pg.store.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")
            assert not gc.isenabled()
        finally:
            gc.enable()


def test_memory_store_keeps_named_graph_triples(tmp_path: Path) -> None:
    source = tmp_path / "g.trig"
    dataset = Dataset()
    dataset.graph(URIRef("http://example.org/test/graph")).add(
        (URIRef("http://example.org/test/a"), URIRef("http://example.org/test/b"), Literal("c"))
    )
    dataset.serialize(source, format="trig")
    store = MemoryStore()
    assert store.load([source]) == 1


TRICKY_TRIG = r'''
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:a rdfs:label "tab\there", "line\nbreak"@en, "quote \" and \\ backslash"@ru, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and ё"@en-GB ;
     ex:n 42, "042"^^xsd:integer, 1.50, 1.5e3, "NaN"^^xsd:double, true, "2025-07-07"^^xsd:date ;
     ex:odd "x"^^ex:customType, ""@en, "" ;
     ex:link ex:b, _:blank ;
     ex:knows ex:b, <http://example.org/имя>, ex:a ;
     ex:alsoKnows <http://example.org/odd_:name> .
_:blank ex:from ex:blankSubject .
ex:g { ex:b ex:inNamedGraph "in a named graph" ; ex:link ex:a . }
'''


def test_embedded_store_reads_every_named_subject_triple_as_stored(tmp_path: Path) -> None:
    """The export's fast read (one query per predicate, answers as SPARQL TSV, in threads) gives exactly
    the triples a plain walk over the store's quads gives, with escapes, datatypes, language tags,
    blank-node objects and named graphs intact, and blank-node subjects left out."""
    from parkgraph.network_terms import Text

    data = tmp_path / "tricky.trig"
    data.write_text(TRICKY_TRIG, encoding="utf-8")
    store = OxigraphStore(tmp_path / "db")
    store.load([data])

    def expected_term(node: object) -> object:
        rdf = to_rdflib(node)
        if isinstance(rdf, URIRef):
            return str(rdf)
        if isinstance(rdf, Literal) and rdf.datatype is None:
            return Text(str(rdf), rdf.language)
        return rdf

    expected = sorted(
        (q.subject.value, q.predicate.value, repr(expected_term(q.object)))
        for q in store.ox.quads_for_pattern(None, None, None)
        if isinstance(q.subject, ox.NamedNode)
    )
    read = sorted((s, p, repr(o)) for s, p, o in store.iri_subject_terms())
    assert read == expected
    # Every triple above but the one about a blank node; Oxigraph keeps numbers by value, so 42 and "042" are one.
    assert len(read) == 21
    # Links between IRIs take the fast path (split, not parsed); literals and blank nodes the parser.
    assert _iri_pairs(store._predicate_tsv(ox.NamedNode("http://example.org/knows"))) is not None
    assert _iri_pairs(store._predicate_tsv(ox.NamedNode("http://example.org/link"))) is None
    assert _iri_pairs(store._predicate_tsv(ox.NamedNode("http://example.org/alsoKnows"))) is None  # "_:" in an IRI
    objects = {o for _, _, o in read}
    assert repr(Text("tab\there", None)) in objects and repr(Text("quote \" and \\ backslash", "ru")) in objects
    assert repr(Literal("2025-07-07", datatype=XSD.date)) in objects
    assert any(o.startswith("rdflib.term.BNode(") for o in objects)


@pytest.mark.parametrize("kind", ["oxigraph", "memory"])
def test_embedded_store_reads_chosen_predicates(tmp_path: Path, kind: str) -> None:
    """`iri_subject_terms(predicates=…)` gives exactly the triples of those predicates the whole read gives
    (a predicate named twice read once, one the store lacks giving nothing), on both embedded kinds."""
    data = tmp_path / "tricky.trig"
    data.write_text(TRICKY_TRIG, encoding="utf-8")
    store = OxigraphStore(tmp_path / "db") if kind == "oxigraph" else MemoryStore()
    store.load([data])
    everything = sorted((s, p, repr(o)) for s, p, o in store.iri_subject_terms())
    chosen = [str(RDFS.label), "http://example.org/n", "http://example.org/link", str(RDFS.label),
              "http://example.org/absent"]
    read = sorted((s, p, repr(o)) for s, p, o in store.iri_subject_terms(predicates=chosen))
    assert read == [triple for triple in everything if triple[1] in chosen]
    assert {p for _s, p, _o in read} == {str(RDFS.label), "http://example.org/n", "http://example.org/link"}
    assert list(store.iri_subject_terms(predicates=[])) == []


def test_embedded_store_read_stops_cleanly_and_reports_a_broken_store(tmp_path: Path) -> None:
    """Leaving the read early shuts its threads down; a query failing in a thread surfaces as StoreError."""
    import threading

    data = tmp_path / "tricky.trig"
    data.write_text(TRICKY_TRIG, encoding="utf-8")
    store = OxigraphStore(tmp_path / "db")
    store.load([data])
    reader = store.iri_subject_terms()
    next(reader)
    reader.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("parkgraph-read")]

    class Broken(OxigraphStore):
        def _select(self, sparql: str) -> ox.QuerySolutions:
            if "SELECT ?s ?o" in sparql:
                raise RuntimeError("simulated read failure")
            return super()._select(sparql)

    broken = Broken.__new__(Broken)
    broken.__dict__.update(store.__dict__)
    with pytest.raises(StoreError, match="simulated read failure"):
        list(broken.iri_subject_terms())


@pytest.mark.parametrize("store", ["oxi", "oxmem"])
def test_whole_network_is_the_same_from_memory_and_the_embedded_store(
    store: str, memory: ParkGraph, request: pytest.FixtureRequest
) -> None:
    """`to_networkx` reads the embedded stores their own way; the network must not depend on it."""
    from test_network_focus import _as_data

    from parkgraph.network import to_networkx

    from_memory, from_oxigraph = to_networkx(memory), to_networkx(request.getfixturevalue(store))
    assert from_oxigraph.number_of_nodes() > 30 and from_oxigraph.number_of_edges() > 30
    assert _as_data(from_oxigraph) == _as_data(from_memory)  # nodes, edges with keys, attributes


def test_memory_store_reads_the_network_triples_directly(tmp_path: Path, memory: ParkGraph,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The memory store gives `to_networkx` its IRI-subject triples by walking the graph, not by
    running network_triples.rq through rdflib's engine: the same triples, and the same network as
    the SPARQL path an rdflib Graph takes."""
    from network_data import memory_store_queries
    from test_network_focus import _as_data

    from parkgraph.network import to_networkx
    from parkgraph.network_terms import term
    from parkgraph.sparql import internal_query

    data = tmp_path / "tricky.trig"
    data.write_text(TRICKY_TRIG, encoding="utf-8")
    store = MemoryStore()
    store.load([data])
    answer = store.query(internal_query("network_triples"))
    expected = sorted(repr(tuple(term(node) for node in row)) for row in answer.rows)
    read = list(store.iri_subject_terms())
    assert sorted(repr(triple) for triple in read) == expected and len(read) == 21
    assert all(type(s) is str and type(p) is str for s, p, _o in read)
    assert any(type(o) is str for _s, _p, o in read) and any(isinstance(o, Literal) for _s, _p, o in read)
    # One str object for each IRI however often it occurs.
    subjects = [s for s, _p, _o in read if s == "http://example.org/a"]
    assert len(subjects) > 1 and len({id(s) for s in subjects}) == 1

    queries = memory_store_queries(monkeypatch)
    direct = to_networkx(memory)
    assert queries and not any("FILTER (isIRI(?s))" in q for q in queries)  # network_triples.rq did not run
    assert direct.number_of_nodes() > 30 and _as_data(direct) == _as_data(to_networkx(memory.to_rdflib()))


def _graph_walk(store: MemoryStore) -> list[tuple[str, str, str]]:
    """`iri_subject_terms` as the Graph's own iteration gives it (the index walk turned off)."""
    import parkgraph.store as module

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "_own_subject_index", lambda graph: None)
        return sorted((s, p, repr(o)) for s, p, o in store.iri_subject_terms())


def test_memory_store_walks_rdflibs_index_for_the_whole_read(tmp_path: Path) -> None:
    """The whole read walks the subject index of rdflib's Memory store behind the store's graph, and
    gives what iterating the Graph gives: after loading files with named graphs, after an update
    that deletes and inserts, with one IRI object for each IRI."""
    from parkgraph.store import _own_subject_index

    data = tmp_path / "tricky.trig"
    data.write_text(TRICKY_TRIG, encoding="utf-8")
    store = MemoryStore()
    store.load([*paths.default_files(), data])
    for step in ("loaded", "updated"):
        assert _own_subject_index(store.graph) is not None, step
        walked = sorted((s, p, repr(o)) for s, p, o in store.iri_subject_terms())
        assert walked == _graph_walk(store) and len(walked) > 800, step
        store.update("DELETE WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } ;"
                     " INSERT DATA { <http://example.org/new> <http://example.org/p> <http://example.org/a> }")
    assert not any(p == str(RDFS.label) for _s, p, _o in walked)
    read = list(store.iri_subject_terms())
    named = [term for triple in read for term in triple if term == "http://example.org/a"]
    assert len(named) > 2 and len({id(term) for term in named}) == 1


def test_memory_store_on_a_shared_rdflib_store_iterates_its_graph() -> None:
    """A graph whose rdflib store also holds other graphs' triples (a Dataset's) is read through the
    Graph, which gives that graph's triples only: the index holds every graph's."""
    from parkgraph.store import _own_subject_index

    dataset = Dataset()
    mine = dataset.graph(URIRef("http://example.org/mine"))
    mine.add((URIRef("http://example.org/a"), RDFS.label, Literal("a")))
    dataset.graph(URIRef("http://example.org/other")).add((URIRef("http://example.org/b"), RDFS.label, Literal("b")))
    store = MemoryStore(mine)
    assert _own_subject_index(store.graph) is None
    assert [(s, p) for s, p, _o in store.iri_subject_terms()] == [("http://example.org/a", str(RDFS.label))]


def test_cli_calls_in_one_process_release_the_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A CLI call run inside Python (a test, a notebook) lets go of oxigraph:PATH as it returns, so
    the next call can write it: with the cyclic garbage collector paused, nothing else would free it."""
    import gc

    location = tmp_path / "db"
    gc.disable()
    try:
        code, _out, err = run(capsys, "query", "--allow-update", "-e", test_query("insert-marker"),
                              "--store", f"oxigraph:{location}")
        assert code == 0, err
        code, out, err = run(capsys, "load", "--store", f"oxigraph:{location}")
        assert code == 0 and "(was 1)" in out, err
        code, _out, err = run(capsys, "query", "--allow-update", "-e", test_query("insert-marker"),
                              "--store", f"oxigraph:{location}")
        assert code == 0, err
    finally:
        gc.enable()


THREADED_QUERIES = """
import threading
from parkgraph import ParkGraph
from parkgraph.syntax import check_query

graph = ParkGraph.open()  # no query yet: the threads are the parser's first users
failures, counts = [], []

def work(worker):
    for run_number in range(10):  # distinct texts: no answer comes from a cache
        query = f"SELECT ?s WHERE {{ ?s a ?t FILTER({worker * 100 + run_number} >= 0) }}"
        try:
            check_query(query)
            counts.append(len(graph.sparql(query).rows))
            assert graph.sparql(f"ASK {{ ?s ?p {worker * 100 + run_number} }}").kind == "ask"
        except Exception as exc:
            failures.append(repr(exc))

threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(failures), failures[:3])
expected = len(graph.sparql("SELECT ?s WHERE { ?s a ?t }").rows)
print(counts == [expected] * 80)
"""


def test_queries_from_many_threads_at_once() -> None:
    """rdflib's SPARQL parser (pyparsing) breaks for good when threads first use it at once (`serve`
    answers each request in a thread): every parse holds one lock, so all answers are right. In a
    fresh interpreter, as the race is on the parser's first uses."""
    done = subprocess.run([sys.executable, "-c", THREADED_QUERIES], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["0 []", "True"], done.stdout


STAR_COLUMNS = """
from parkgraph import ParkGraph
for query in ("SELECT * WHERE { VALUES (?a ?b ?c) {(1 2 3)} ?s a ?t } LIMIT 1",
              "SELECT DISTINCT * WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l . ?s a ?t } LIMIT 2"):
    print(ParkGraph.open().sparql(query).vars == ParkGraph.open("oxigraph-memory").sparql(query).vars)
"""


def test_select_star_columns_are_sorted_by_name_on_every_store() -> None:
    """rdflib orders a SELECT *'s columns by a set, so a DataFrame's columns changed with the hash
    seed (each kernel restart); they now come sorted by name, as Oxigraph gives them."""
    for seed in range(6):
        done = subprocess.run([sys.executable, "-c", STAR_COLUMNS], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)})
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["True", "True"], (seed, done.stdout)


def test_leaving_with_releases_an_oxigraph_store(tmp_path: Path) -> None:
    """`with ParkGraph.open("oxigraph:PATH") as pg:` lets go of the store (its lock) at the end of the
    block, so the path can be opened for writing again at once; the old handle then says so."""
    location = f"oxigraph:{tmp_path / 'db'}"
    with ParkGraph.open(location, seed=True) as first:
        count = len(first)
    writer = ParkGraph.open(location, allow_update=True)
    writer.update("INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }")
    assert len(writer) == count + 1
    with pytest.raises(StoreError, match="was released"):
        first.sparql("ASK { ?s ?p ?o }")


@pytest.mark.parametrize("store", ["memory", "oxigraph-memory"])
def test_parkgraphs_prefixes_work_from_python_on_every_store(store: str) -> None:
    """`pg.sparql("… pg:Plan …")` without PREFIX lines: rdflib knew the prefixes, Oxigraph did not."""
    graph = ParkGraph.open(store)
    rows = graph.sparql("SELECT ?s WHERE { ?s a pg:Plan } ORDER BY ?s").rows
    assert rows and rows == ParkGraph.open().sparql(
        "PREFIX pg: <https://w3id.org/parkgraph/ontology#> SELECT ?s WHERE { ?s a pg:Plan } ORDER BY ?s").rows


def test_small_api_mistakes_get_clear_answers(tmp_path: Path) -> None:
    """A missing column names the columns; load() takes one path as well as a list; repr never fails."""
    graph = ParkGraph.open()
    result = graph.sparql("SELECT ?s ?t WHERE { ?s a ?t } LIMIT 1")
    with pytest.raises(QueryError, match="no column 'x'") as caught:
        result.column("x")
    assert "s, t" in (caught.value.hint or "")
    one = tmp_path / "one.nt"
    one.write_text("<http://example.org/a> <http://example.org/p> \"x\" .\n", encoding="utf-8")
    before = len(graph)
    assert graph.load(str(one)) == before + 1 and graph.load(one) == before + 1
    with ParkGraph.open(f"oxigraph:{tmp_path / 'db'}", seed=True) as released:
        pass
    assert "unavailable" in repr(released) and "was released" in repr(released)  # Jupyter shows reprs


def test_an_ask_or_construct_answer_has_no_table() -> None:
    """to_dataframe(), dicts() and python_rows() on an ASK or CONSTRUCT answer said nothing and
    gave an empty table; they now say where the answer is."""
    graph = ParkGraph.open()
    ask = graph.sparql("ASK { ?s ?p ?o }")
    construct = graph.sparql("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3")
    assert ask.boolean is True and len(construct.graph) == 3
    for answer, where in ((ask, ".boolean"), (construct, ".graph")):
        for view in (answer.to_dataframe, answer.dicts, answer.python_rows):
            with pytest.raises(QueryError, match="has no rows") as caught:
                view()
            assert where in (caught.value.hint or "")
    assert len(graph.sparql("SELECT ?s WHERE { ?s ?p ?o } LIMIT 2").to_dataframe()) == 2


@pytest.mark.parametrize("store", ["memory", "oxigraph-memory"])
def test_a_plain_string_binding_is_refused_on_every_store(store: str) -> None:
    """pg.sparql(q, {"l": "Farid Zakirov"}) gave 0 rows on memory (a str matches no term) and an
    error on Oxigraph: now the same QueryError everywhere, saying to bind an rdflib term."""
    from rdflib import Literal

    graph = ParkGraph.open(store)
    query = "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    with pytest.raises(QueryError, match="is a str, not an RDF term") as caught:
        graph.sparql(query, {"l": "Farid Zakirov"})
    assert "Literal(" in (caught.value.hint or "")
    assert len(graph.sparql(query, {"l": Literal("Farid Zakirov", lang="en")}).rows) == 1


GRAPHS_TRIG = """
@prefix ex: <http://example.org/> .
ex:a ex:p "in the default graph" .
ex:g1 { ex:b ex:p "in g1" . }
ex:g2 { ex:c ex:p "in g2" . }
"""
EX = "http://example.org/"
# A query, then the subjects (or graph and subject) it must answer: SPARQL 13.2's dataset rules.
DATASET_QUERIES = [
    ("SELECT ?s WHERE { ?s ?p ?o }", [("a",), ("b",), ("c",)]),  # no dataset named: every graph
    ("SELECT ?s FROM <http://example.org/g1> WHERE { ?s ?p ?o }", [("b",)]),
    ("SELECT ?s FROM <http://example.org/g1> FROM <http://example.org/g2> WHERE { ?s ?p ?o }", [("b",), ("c",)]),
    ("SELECT ?s FROM <http://example.org/nowhere> WHERE { ?s ?p ?o }", []),
    ("SELECT ?g ?s FROM NAMED <http://example.org/g2> WHERE { GRAPH ?g { ?s ?p ?o } }", [("g2", "c")]),
    ("SELECT ?s FROM NAMED <http://example.org/g2> WHERE { ?s ?p ?o }", []),  # FROM NAMED alone: empty default graph
    ("SELECT ?s from <http://example.org/g2> WHERE { ?s ?p ?o } ORDER BY ?s", [("c",)]),
]


@pytest.fixture(scope="module")
def graphs_trig(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("graphs") / "graphs.trig"
    source.write_text(GRAPHS_TRIG)
    return source


@pytest.mark.parametrize("kind", ["oxigraph:PATH", "oxigraph-memory"])
@pytest.mark.parametrize("query, expected", DATASET_QUERIES, ids=range(len(DATASET_QUERIES)))
def test_a_query_naming_its_dataset_is_answered_from_it(
    kind: str, query: str, expected: list[tuple[str, ...]], graphs_trig: Path, tmp_path: Path
) -> None:
    """FROM / FROM NAMED choose the graphs; without them the store answers from all of its graphs."""
    store = OxigraphStore(tmp_path / "db") if kind == "oxigraph:PATH" else OxigraphMemoryStore()
    store.load([graphs_trig])
    rows = store.query(query).rows
    assert sorted(tuple(str(term).removeprefix(EX) for term in row) for row in rows) == expected


def test_a_bound_query_naming_its_dataset_is_answered_from_it(graphs_trig: Path) -> None:
    """The same with a parameter, which reaches Oxigraph as a substitution or as VALUES."""
    store = OxigraphMemoryStore()
    store.load([graphs_trig])
    projected = "SELECT ?s ?o FROM <http://example.org/g1> WHERE { ?s ?p ?o }"
    assert store.query(projected, {"s": URIRef(EX + "a")}).rows == []
    assert [row[1] for row in store.query(projected, {"s": URIRef(EX + "b")}).rows] == [Literal("in g1")]
    hidden = "SELECT ?o FROM <http://example.org/g1> WHERE { ?s ?p ?o }"  # ?s not projected: VALUES
    assert store.query(hidden, {"s": URIRef(EX + "a")}).rows == []


def test_memory_store_refuses_a_query_naming_its_dataset(graphs_trig: Path) -> None:
    """The memory store holds one graph (named graphs come in as their union): it cannot honour FROM."""
    store = MemoryStore()
    store.load([graphs_trig])
    for query, _ in DATASET_QUERIES[1:]:
        with pytest.raises(QueryError) as err:
            store.query(query)
        assert "FROM" in str(err.value) and "oxigraph-memory" in (err.value.hint or "")
    assert len(store.query(DATASET_QUERIES[0][0]).rows) == 3


def test_cli_query_naming_its_dataset(graphs_trig: Path) -> None:
    query = DATASET_QUERIES[1][0]
    refused = run_parkgraph("query", "--data", str(graphs_trig), "-F", "csv", "-e", query)
    assert refused.returncode == 2 and "no named graphs" in refused.stderr and "Traceback" not in refused.stderr
    answered = run_parkgraph(
        "query", "--store", "oxigraph-memory", "--data", str(graphs_trig), "-F", "csv", "-e", query
    )
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.split() == ["s", EX + "b"]


MEMORY_GRAPH_UPDATES = [
    "INSERT DATA { GRAPH <http://example.org/g3> { <http://example.org/a> <http://example.org/p> 1 } }",
    "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
    "WITH <http://example.org/g1> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "INSERT { ?s ?p ?o } WHERE { GRAPH <http://example.org/g1> { ?s ?p ?o } }",
    "INSERT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }",
    "CLEAR GRAPH <http://example.org/g2>",
    "DROP SILENT GRAPH <http://example.org/g1>",
    "CREATE GRAPH <http://example.org/g4>",
    "CLEAR ALL",
    "COPY <http://example.org/g1> TO DEFAULT",
]


def test_memory_store_refuses_updates_that_name_graphs(graphs_trig: Path) -> None:
    """A clear refusal, not rdflib's traceback ("requiring a dataset") nor a change to the one graph."""
    store = MemoryStore()
    store.load([graphs_trig])
    for update in MEMORY_GRAPH_UPDATES:
        with pytest.raises(QueryError, match="names graphs") as err:
            store.update(update)
        assert "oxigraph-memory" in (err.value.hint or "")
        assert len(store) == 3
    store.update("INSERT DATA { <http://example.org/d> <http://example.org/p> 1 }")  # the one graph: fine
    store.update("DELETE WHERE { <http://example.org/a> ?p ?o }")
    assert len(store) == 3
    with pytest.raises(QueryError, match="names graphs"):
        store.query("SELECT ?s WHERE { OPTIONAL { GRAPH ?g { ?s ?p ?o } } }")


def test_memory_store_update_failures_are_query_errors() -> None:
    """rdflib fails on some valid updates (DROP DEFAULT on a plain Graph): a QueryError, not its Exception."""
    with pytest.raises(QueryError, match="could not run the update"):
        MemoryStore().update("DROP DEFAULT")


def test_a_triple_in_several_graphs_is_counted_once(tmp_path: Path) -> None:
    """An RDF graph is a set: the union of the graphs holds a repeated triple once, on every store."""
    source = tmp_path / "repeated.trig"
    source.write_text(
        "@prefix ex: <http://example.org/> .\n"
        'ex:a ex:p "x" .\nex:g1 { ex:a ex:p "x" . ex:b ex:p "y" . }\nex:g2 { ex:a ex:p "x" . }\n'
    )
    stores = [MemoryStore(), OxigraphMemoryStore(), OxigraphStore(tmp_path / "db")]
    assert [store.load([source]) for store in stores] == [2, 2, 2]
    assert [len(store) for store in stores] == [2, 2, 2]


PREFIX_CLASH = """@prefix pg: <http://example.org/other#> .
@prefix ex: <https://w3id.org/parkgraph/ontology#> .
@prefix zz: <http://example.org/zz#> .
pg:a ex:b zz:c ; ex:d [ ex:e "f"@en ] .
"""


def test_memory_store_keeps_the_graph_it_parsed_into(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh memory store takes the parsed graph as its own instead of copying it (half the time and
    RAM at 1M triples), with the same triples and prefixes as the copy into a graph it was given."""
    import parkgraph.store as store_module

    clash = tmp_path / "clash.ttl"
    clash.write_text(PREFIX_CLASH, encoding="utf-8")
    files = [paths.ontology_file(), paths.data_file(), clash]
    parsed_into: list[Graph] = []
    parse = store_module.parse_into
    monkeypatch.setattr(store_module, "parse_into", lambda graph, path: parsed_into.append(graph) or parse(graph, path))
    fresh, given = MemoryStore(), MemoryStore(Graph())  # the second copies: a given graph stays the store's
    given_graph = given.graph
    assert fresh.load(files) == given.load(files) == len(given_graph) > 1000
    assert {id(g) for g in parsed_into[:3]} == {id(fresh.graph)}  # no copy
    assert given.graph is given_graph and len(parsed_into) == 6 and parsed_into[3] is not given_graph
    assert to_isomorphic(fresh.graph) == to_isomorphic(given.graph)
    assert sorted(fresh.graph.namespaces()) == sorted(given.graph.namespaces())
    bound = dict(fresh.graph.namespaces())
    assert str(bound["pg"]) == "https://w3id.org/parkgraph/ontology#"  # the store's own prefix wins
    assert str(bound["pg1"]) == "http://example.org/other#" and str(bound["zz"]) == "http://example.org/zz#"
    # A second load into the now filled store adds to it, as before.
    more = tmp_path / "more.ttl"
    more.write_text("<http://example.org/x> <http://example.org/y> <http://example.org/z> .\n", encoding="utf-8")
    before = len(fresh.graph)
    assert fresh.load([more]) == before + 1 and len(parsed_into) == 7


def test_fresh_memory_store_loads_all_or_nothing(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.ttl", tmp_path / "bad.ttl"
    good.write_text(PREFIX_CLASH, encoding="utf-8")
    bad.write_text("<http://example.org/a> oops\n", encoding="utf-8")
    store = MemoryStore()
    with pytest.raises(RdfSyntaxError):
        store.load([good, bad])
    assert len(store) == 0 and "zz" not in dict(store.graph.namespaces())
    assert store.load([good]) == 3
