"""Broken input files: every loader names the file, line and column, exits non-zero and changes nothing.

Each format gets a good file and one that breaks on its very last line, so a loader that streams
triples in as it parses would already have added the good part when it fails.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from servers import run_parkgraph, virtuoso_env
from test_query_cli import run

from parkgraph import ParkGraph
from parkgraph.errors import RdfSyntaxError, StoreError
from parkgraph.store import MemoryStore
from parkgraph.stores.oxigraph import OxigraphMemoryStore, OxigraphStore

GOOD = {
    "ttl": ["@prefix e: <http://example.org/> .", 'e:a e:p "one" .', 'e:b e:p "two" .'],
    "nt": [
        '<http://example.org/a> <http://example.org/p> "one" .',
        '<http://example.org/b> <http://example.org/p> "two" .',
    ],
    "nq": [
        '<http://example.org/a> <http://example.org/p> "one" <http://example.org/g> .',
        '<http://example.org/b> <http://example.org/p> "two" <http://example.org/g> .',
    ],
    "trig": ["@prefix e: <http://example.org/> .", 'e:g { e:a e:p "one" . }', 'e:h { e:b e:p "two" . }'],
    "jsonld": [
        "[",
        '{"@id": "http://example.org/a", "http://example.org/p": "one"},',
        '{"@id": "http://example.org/b", "http://example.org/p": "two"}',
        "]",
    ],
    "rdf": [
        '<?xml version="1.0"?>',
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">',
        '<rdf:Description rdf:about="http://example.org/a"><e:p>one</e:p></rdf:Description>',
        '<rdf:Description rdf:about="http://example.org/b"><e:p>two</e:p></rdf:Description>',
        "</rdf:RDF>",
    ],
}
# What goes wrong on the last line of each broken file.
LAST_LINE = {
    "ttl": ("append", "e:z e:p @@@ ."),
    "nt": ("append", "<http://example.org/z> <http://example.org/p> @@@ ."),
    "nq": ("append", "<http://example.org/z> <http://example.org/p> @@@ <http://example.org/g> ."),
    "trig": ("append", "e:k { e:z e:p @@@ . }"),
    "jsonld": ("replace", "] ]"),
    "rdf": ("replace", "</rdf:RDFX>"),
}
FORMATS = sorted(GOOD)


def write_pair(folder: Path, ext: str) -> tuple[Path, Path, int]:
    """A good file and a broken one of format `ext`; returns them and the broken file's last line number."""
    good = folder / f"good.{ext}"
    good.write_text("\n".join(GOOD[ext]) + "\n", encoding="utf-8")
    how, text = LAST_LINE[ext]
    lines = [*GOOD[ext], text] if how == "append" else [*GOOD[ext][:-1], text]
    bad = folder / f"broken.{ext}"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return good, bad, len(lines)


def quads(path: Path) -> list[str]:
    """Every quad of an Oxigraph store directory as sorted N-Quads lines (opened read-only)."""
    store = ox.Store.read_only(str(path))
    return sorted(str(q) for q in store)


@pytest.mark.parametrize("ext", FORMATS)
def test_memory_store_names_the_place_and_keeps_nothing(ext: str, tmp_path: Path) -> None:
    good, bad, last = write_pair(tmp_path, ext)
    store = MemoryStore()
    store.load([good])
    before = set(store.graph)
    with pytest.raises(RdfSyntaxError) as caught:
        store.load([good, bad])  # the good file again, then the broken one: all or nothing
    assert caught.value.file == str(bad) and caught.value.line == last and caught.value.column
    assert set(store.graph) == before


def oxigraph_store(kind: str, folder: Path) -> OxigraphStore:
    """An empty embedded Oxigraph store: on disk in `folder` or in memory."""
    return OxigraphMemoryStore() if kind == "in memory" else OxigraphStore(folder)


OXIGRAPH_KINDS = ["on disk", "in memory"]


@pytest.mark.parametrize("kind", OXIGRAPH_KINDS)
@pytest.mark.parametrize("ext", FORMATS)
def test_oxigraph_load_is_all_or_nothing(ext: str, kind: str, tmp_path: Path) -> None:
    good, bad, last = write_pair(tmp_path, ext)
    store = oxigraph_store(kind, tmp_path / "db")
    store.load([good])
    before = sorted(str(q) for q in store.ox)
    other = tmp_path / "other.ttl"
    other.write_text("<http://example.org/new> <http://example.org/p> 1 .\n", encoding="utf-8")
    with pytest.raises(RdfSyntaxError) as caught:
        store.load([other, bad])  # a good new file first: it must not be kept either
    assert caught.value.file == str(bad) and caught.value.line == last and caught.value.column
    assert sorted(str(q) for q in store.ox) == before


@pytest.mark.parametrize("kind", OXIGRAPH_KINDS)
@pytest.mark.parametrize("ext", FORMATS)
def test_oxigraph_load_of_one_broken_file_keeps_nothing_of_it(ext: str, kind: str, tmp_path: Path) -> None:
    """One file broken on its last line, into a store holding data: in memory nothing parses it
    beforehand, Oxigraph's transactional load rolls its first lines back."""
    good, bad, last = write_pair(tmp_path, ext)
    store = oxigraph_store(kind, tmp_path / "db")
    other = tmp_path / "other.ttl"
    other.write_text("<http://example.org/old> <http://example.org/p> 1 .\n", encoding="utf-8")
    store.load([other])
    before = sorted(str(q) for q in store.ox)
    with pytest.raises(RdfSyntaxError) as caught:
        store.load([bad])
    assert caught.value.file == str(bad) and caught.value.line == last and caught.value.column
    assert sorted(str(q) for q in store.ox) == before


@pytest.mark.parametrize("kind", OXIGRAPH_KINDS)
@pytest.mark.parametrize("ext", FORMATS)
def test_oxigraph_load_into_an_empty_store_is_all_or_nothing(ext: str, kind: str, tmp_path: Path) -> None:
    """Into an empty store the syntax check runs alongside the bulk load; a broken file empties it again."""
    good, bad, last = write_pair(tmp_path, ext)
    store = oxigraph_store(kind, tmp_path / "db")
    with pytest.raises(RdfSyntaxError) as caught:
        store.load([good, bad])  # the good file is bulk-loaded while the broken one is still being checked
    assert caught.value.file == str(bad) and caught.value.line == last and caught.value.column
    assert list(store.ox) == [] and list(store.ox.named_graphs()) == []
    assert store.load([good]) == OxigraphStore(tmp_path / "reference").load([good]) > 0  # and it loads afterwards


def test_oxigraph_load_failing_in_the_bulk_loader_empties_the_store(tmp_path: Path) -> None:
    """A failure of the loader itself (not the syntax check) after writing part of the data leaves nothing."""
    good, _, _ = write_pair(tmp_path, "nt")

    class FailingLoader(OxigraphStore):
        def _bulk_load(self, files: list) -> None:
            super()._bulk_load(files)
            assert len(self) > 0  # something was written
            raise StoreError("simulated failure after the first file")

    store = FailingLoader(tmp_path / "db")
    with pytest.raises(StoreError, match="simulated failure"):
        store.load([good])
    assert list(store.ox) == []


@pytest.mark.parametrize("ext", ["ttl", "nt", "rdf"])
def test_cli_load_and_validate_report_file_line_column(
    ext: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad, last = write_pair(tmp_path, ext)
    db = tmp_path / "db"
    code, _, err = run(capsys, "load", "--store", f"oxigraph:{db}", str(good))
    assert code == 0, err
    before = quads(db)
    code, _, err = run(capsys, "load", "--store", f"oxigraph:{db}", str(good), str(bad))
    assert code == 2 and f"{bad}:{last}:" in err and "hint:" in err and "Traceback" not in err
    assert quads(db) == before
    code, out, err = run(capsys, "validate", str(bad))
    assert code != 0 and f"{bad}:{last}:" in out + err and "Traceback" not in out + err


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "--data", "{dir}"],
        ["stats", "--store", "oxigraph-memory", "--data", "{dir}"],
        ["load", "--store", "oxigraph:{db}", "{dir}"],
        ["validate", "{dir}"],
        ["validate", "--engine", "pyshacl", "{dir}"],
    ],
)
def test_a_directory_is_named_as_one(args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A directory given where a file belongs is reported as a directory, not as a missing file."""
    folder = tmp_path / "rdf"
    folder.mkdir()
    code, out, err = run(capsys, *(a.format(dir=folder, db=tmp_path / "db") for a in args))
    assert code == 2 and f"{folder}: a directory, not an RDF file" in out + err, out + err
    assert "no such file" not in out + err and "Traceback" not in out + err


@pytest.mark.servers
@pytest.mark.parametrize("server", ["loaded_oxigraph_server", "loaded_virtuoso"])
def test_pushing_to_a_server_is_all_or_nothing(server: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url = request.getfixturevalue(server)
    env = virtuoso_env() if "virtuoso" in server else None
    good, bad, last = write_pair(tmp_path, "ttl")
    before = len(ParkGraph.open(url))
    done = run_parkgraph("load", "--store", url, str(good), str(bad), env=env)
    assert done.returncode == 2 and f"{bad}:{last}:" in done.stderr and "Traceback" not in done.stderr
    assert len(ParkGraph.open(url)) == before


def test_a_file_that_is_not_utf8_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.ttl"
    bad.write_bytes('@prefix e: <http://example.org/> .\ne:a e:p "caf\xe9" .\n'.encode("latin-1"))
    for load in (lambda: MemoryStore().load([bad]), lambda: OxigraphStore(tmp_path / "db").load([bad])):
        with pytest.raises(RdfSyntaxError) as caught:
            load()
        assert caught.value.file == str(bad) and caught.value.line == 2 and caught.value.column


BOM_FILES = {
    "data.ttl": '@prefix e: <https://example.org/> .\ne:a e:p "one" ; e:q <rel> .\n',
    "data.nt": '<https://example.org/a> <https://example.org/p> "one" .\n',
    "data.nq": '<https://example.org/a> <https://example.org/p> "one" <https://example.org/g> .\n',
    "data.trig": '@prefix e: <https://example.org/> .\ne:g { e:a e:p "one" . }\n',
    "data.jsonld": '{"@id": "https://example.org/a", "https://example.org/p": "one"}\n',
    "data.rdf": ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                 'xmlns:e="https://example.org/"><rdf:Description rdf:about="https://example.org/a">'
                 '<e:p>one</e:p></rdf:Description></rdf:RDF>\n'),
}


def stored_triples(store: object) -> set[tuple[str, str, str]]:
    rows = store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }").rows  # type: ignore[attr-defined]
    return {tuple(str(term) for term in row) for row in rows}


@pytest.mark.parametrize("name", list(BOM_FILES))
def test_a_byte_order_mark_is_read_alike_everywhere(name: str, tmp_path: Path) -> None:
    """A UTF-8 BOM (Windows editors write one) is skipped by every store and both validation
    engines: the same triples as the file without it, where rdflib's and Oxigraph's parsers disagreed."""
    from parkgraph import validate

    plain, marked = tmp_path / "plain" / name, tmp_path / "marked" / name
    for path, prefix in ((plain, b""), (marked, b"\xef\xbb\xbf")):
        path.parent.mkdir()
        path.write_bytes(prefix + BOM_FILES[name].encode("utf-8"))
    expected: set[tuple[str, str, str]] | None = None
    for path in (plain, marked):
        stores = [MemoryStore(), OxigraphMemoryStore(), OxigraphStore(path.parent / "db")]
        for store in stores:
            store.load([path])
            base = path.parent.resolve().as_uri()  # a relative IRI resolves against the file's own IRI
            found = {(s, p, o.replace(base, "BASE")) for s, p, o in stored_triples(store)}
            expected = expected if expected is not None else found
            assert found == expected and len(found) >= 1, (path, type(store).__name__)
        for engine in ("pyshacl", "sparql"):
            report = validate([path], shacl=False, consistency=False, engine=engine)
            assert report.conforms and report.triples == len(found), (path, engine, report.problems)
