"""Property tests: broken Turtle gives a clean error naming the file and a line, never a traceback.

Valid Turtle is broken by hypothesis in the ways files break: cut off anywhere, characters
inserted or deleted, quotes and brackets left unbalanced, bad escapes, bytes that are not UTF-8.
Whatever comes out either loads, or is an RdfSyntaxError with the file and a line inside it, from
the loader, the memory store and the Oxigraph store alike; `parkgraph validate` reports it as a
syntax problem at FILE:LINE (exit 1), and a broken --shapes file or `parkgraph load` ends with a
one-line error (exit 2); no output ever holds a traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from test_fuzz_strategies import FAST, FEW, piece

from parkgraph import ParkGraph
from parkgraph.cli import main
from parkgraph.errors import ParkgraphError, RdfSyntaxError
from parkgraph.loading import parse_into
from parkgraph.store import MemoryStore

# rdflib's TriG parser warns about its own deprecated classes on every file.
pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated.*:DeprecationWarning")

VALID = '''\
@prefix ex: <https://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
# a comment with "quotes" and <brackets>
ex:park a ex:IndustrialPark ;
    rdfs:label "КИП «Мастер»"@ru , "KIP \\"Master\\""@en ;
    ex:note """several
lines \\t with ' and \\u00e9""" ;
    ex:founded "2005-01-01"^^xsd:date ;
    ex:size 600 , 20.5 , 1.2e3 , true ;
    ex:sites ( ex:a [ ex:name 'site «b»' ] ) .
<https://example.org/person/ш> ex:heads ex:park .
'''
# Fragments that unbalance a statement or break a token.
BREAKERS = ('"', "'", '"""', "'''", "<", ">", "[", "]", "(", ")", "{", "}", ";", ",", ".", ":", "@", "^^", "\\",
            "\\q", "\\u12", "\\U0011FFFF", "\\uD800", "\\", "#", "_:", "\n", "\r", "ex:", "@prefix", "a")
# Byte sequences that are not UTF-8: a stray byte, a truncated sequence, an encoded surrogate, overlong NUL.
BAD_BYTES = (b"\xff", b"\xc3", b"\xe2\x80", b"\xed\xa0\x80", b"\xc0\x80", b"\xf8\x88\x80\x80\x80")


@st.composite
def broken_turtle(draw: st.DrawFn) -> bytes:
    """VALID with one to three edits, as bytes."""
    data = VALID.encode("utf-8")
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["cut", "insert", "delete", "bytes"]))
        if kind == "cut":
            data = data[:at]
        elif kind == "insert":
            text = draw(st.one_of(st.sampled_from(BREAKERS), piece))
            data = data[:at] + text.encode("utf-8", "surrogatepass") + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 4)):]
        else:
            data = data[:at] + draw(st.sampled_from(BAD_BYTES)) + data[at:]
    return data


def lines_of(data: bytes) -> int:
    """How many lines a file of these bytes has (a last line without a newline counts)."""
    return data.count(b"\n") + 1


def check_error(exc: ParkgraphError, path: Path, data: bytes) -> None:
    """A clean syntax error: the file, a line within it, a message without a traceback."""
    assert isinstance(exc, RdfSyntaxError), exc
    assert exc.file == str(path), exc
    assert exc.line is not None and 1 <= exc.line <= lines_of(data), (exc.line, lines_of(data), str(exc))
    assert exc.column is None or exc.column >= 1, str(exc)
    assert "Traceback" not in str(exc) and str(exc).startswith(f"{path}:{exc.line}")


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> ParkGraph:
    """An empty embedded Oxigraph store of this module's own."""
    return ParkGraph.open(f"oxigraph:{tmp_path_factory.mktemp('fuzz-turtle') / 'db'}")


@settings(FAST, max_examples=200)
@given(data=broken_turtle(), suffix=st.sampled_from([".ttl", ".trig"]))
@example(data=VALID.encode("utf-8")[:200], suffix=".ttl")
@example(data=VALID.encode("utf-8").replace(b"Master", b"Ma\xffster"), suffix=".ttl")
@example(data=VALID.encode("utf-8").replace(b"\\u00e9", b"\\u00"), suffix=".ttl")
@example(data=VALID.encode("utf-8").replace(b"]", b""), suffix=".trig")
@example(data=b"\xef\xbb\xbf" + VALID.encode("utf-8") + b"\xed\xa0\x80", suffix=".ttl")
@example(data=VALID.encode("utf-8").replace(b"# a comment", b"#\xff a comment"), suffix=".ttl")
@example(data=VALID.encode("utf-8")[:VALID.index("rdfs: <") + 7], suffix=".ttl")
def test_broken_turtle_loads_or_names_file_and_line(oxigraph: ParkGraph, data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"broken{suffix}"
        path.write_bytes(data)
        try:
            parse_into(Graph(), path)
        except ParkgraphError as exc:
            check_error(exc, path, data)
            event("rdflib: syntax error")
        try:
            ParkGraph(MemoryStore()).load([path])
        except ParkgraphError as exc:
            check_error(exc, path, data)
        before = len(oxigraph)
        try:
            oxigraph.load([path])
        except ParkgraphError as exc:
            check_error(exc, path, data)
            assert len(oxigraph) == before  # all or nothing
            event("oxigraph: syntax error")


@FEW
@given(data=broken_turtle())
def test_validate_reports_a_syntax_problem_at_file_and_line(capsys: pytest.CaptureFixture[str], data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "broken.ttl"
        path.write_bytes(data)
        code, out, err = run(["validate", "--no-shacl", "--no-consistency", str(path)], capsys)
        assert "Traceback" not in out + err
        try:
            parse_into(Graph(), path)
        except RdfSyntaxError as exc:
            where = rf"{re.escape(str(path))}:{exc.line}(:\d+)?"
            assert code == 1 and re.search(where + ": syntax: not valid RDF", err), err
        else:
            assert code == 0 and out.startswith("OK:"), out + err


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `parkgraph ARGS` run in this process."""
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


FIXED = {
    "truncated": VALID.encode("utf-8")[:300],
    "unterminated-string": VALID.encode("utf-8").replace(b'"2005-01-01"', b'"2005-01-01'),
    "bad-escape": VALID.encode("utf-8").replace(b"\\t", b"\\q"),
    "not-utf8": VALID.encode("utf-8").replace("ш".encode(), b"\xd1"),
    "unbalanced": VALID.encode("utf-8").replace(b"( ex:a", b"( ( ex:a"),
}


@pytest.mark.parametrize("name", sorted(FIXED))
def test_cli_exit_codes_and_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    """validate: exit 1 with FILE:LINE; a broken --shapes file and `load`: exit 2 with one 'error:' line."""
    path = tmp_path / f"{name}.ttl"
    path.write_bytes(FIXED[name])
    code, _out, err = run(["validate", "--no-consistency", str(path)], capsys)
    assert code == 1 and f"{path}:" in err and ": syntax: not valid RDF" in err and "Traceback" not in err
    code, _out, err = run(["validate", "--shapes", str(path)], capsys)
    assert code == 2 and err.startswith(f"error: {path}:") and "Traceback" not in err, err
    code, _out, err = run(["load", "--store", f"oxigraph:{tmp_path / 'db'}", str(path)], capsys)
    assert code == 2 and err.startswith(f"error: {path}:") and "Traceback" not in err, err


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    """The real entry point in a fresh process: one message, exit 2, nothing from Python's own error printing."""
    path = tmp_path / "not-utf8.ttl"
    path.write_bytes(FIXED["not-utf8"])
    done = subprocess.run([sys.executable, "-m", "parkgraph.cli", "validate", "--shapes", str(path)],
                          capture_output=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    out = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, out
    assert "Traceback" not in out and out.startswith(f"error: {path}:"), out
