"""Parsing RDF files into rdflib graphs, with syntax errors reported by file and line."""

from __future__ import annotations

import contextvars
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph

from parkgraph.errors import ParkgraphError, RdfSyntaxError, RefusedError
from parkgraph.namespaces import bind_prefixes

# rdflib parser names of the formats that carry named graphs.
QUAD_FORMATS = ("trig", "nquads")

# File suffix -> rdflib parser name.
FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".ntriples": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".n3": "n3",
}


def guess_format(path: Path) -> str:
    """The rdflib parser name for `path`, from its suffix; a clear error for unknown ones."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise ParkgraphError(
            f"cannot tell the RDF format of '{path.name}' from its suffix",
            file=str(path),
            hint=f"use one of: {known}",
        )
    return fmt


def _syntax_error(path: Path, exc: Exception, locate: bool = True) -> RdfSyntaxError:
    """Turn a parser exception into an RdfSyntaxError with the line and column where known."""
    line = column = None
    why = str(exc)
    raw = getattr(exc, "_str", None)
    offset = getattr(exc, "_i", None)
    if isinstance(raw, bytes) and isinstance(offset, int):
        text = raw.decode("utf-8", errors="replace")
        if not 0 <= offset <= len(text):  # rdflib says -1 for "at the end" (e.g. an unterminated <IRI)
            offset = len(text)
        before = text[:offset]
        line = before.count("\n") + 1
        column = offset - (before.rfind("\n") + 1) + 1
        why = getattr(exc, "_why", why)
        snippet = text.split("\n")[line - 1].strip()  # lines as counted above (splitlines also splits at \x85)
        why = f"{why}; near: {snippet[:80]}"
    else:
        # "line 4 column 1" (JSON), "file:///x.rdf:4:2: mismatched tag" (XML), "line 3" (others)
        match = re.search(r"line[: ]+(\d+)(?:,? column[: ]+(\d+))?", why) or re.search(r":(\d+):(\d+): ", why)
        if match:
            line = int(match.group(1))
            column = int(match.group(2)) if match.group(2) else None
        why = why.strip().splitlines()[0] if why.strip() else type(exc).__name__
    if line is None and isinstance(exc, UnicodeDecodeError):
        line, column = _undecodable_at(path)  # Oxigraph's parser skips bad bytes in a comment
    if line is None and locate:
        # rdflib's N-Triples/N-Quads parsers and its UTF-8 decoding say what but not where: ask Oxigraph's.
        line, column = locate_with_oxigraph(path)
    return RdfSyntaxError(
        f"not valid RDF: {why}",
        file=str(path),
        line=line,
        column=column,
        hint="fix the syntax at that place (a missing '.', ';' or quote is the usual cause) and run again",
    )


def _undecodable_at(path: Path) -> tuple[int | None, int | None]:
    """Line and column of the first byte of `path` that is not UTF-8, or (None, None)."""
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        start = before.rfind(b"\n") + 1
        return before.count(b"\n") + 1, len(before[start:].decode("utf-8", errors="replace")) + 1
    except OSError:
        pass
    return None, None


BOM = b"\xef\xbb\xbf"


def _starts_with_bom(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(BOM)) == BOM


@contextmanager
def oxigraph_source(path: Path) -> Iterator[dict[str, Any]]:
    """pyoxigraph's `parse`/`bulk_load` arguments for `path`: the path, or the open file past a UTF-8
    byte-order mark, which Oxigraph's parsers reject as a character and rdflib's skip."""
    base = {"base_iri": path.resolve().as_uri()}
    if not _starts_with_bom(path):
        yield {"path": str(path), **base}
        return
    with path.open("rb") as handle:
        handle.seek(len(BOM))
        yield {"input": handle, **base}


def locate_with_oxigraph(path: Path) -> tuple[int | None, int | None]:
    """Line and column of the first syntax error pyoxigraph's parser finds in `path`, or (None, None)."""
    import pyoxigraph as ox

    from parkgraph.stores.oxigraph import BULK_FORMATS, position

    fmt = BULK_FORMATS.get(path.suffix.lower())
    if fmt is None:
        return None, None
    try:
        with oxigraph_source(path) as source:
            for _ in ox.parse(format=fmt, **source):
                pass
    except SyntaxError as exc:
        return position(str(exc))
    except (OSError, ValueError):
        pass
    return None, None


def locate_with_rdflib(path: Path) -> tuple[int | None, int | None]:
    """Line and column of the first syntax error rdflib's parser finds in `path`, or (None, None)."""
    try:
        parse_into(Graph(), path, locate=False)
    except RdfSyntaxError as exc:
        return exc.line, exc.column
    except ParkgraphError:
        pass
    return None, None


# Set while rdflib parses a file: rdflib fetches the URLs of JSON-LD @context values it meets, and a
# file someone hands us must not make the process reach the network.
_parsing = contextvars.ContextVar("parkgraph_parsing", default=False)


class _FetchRefused(Exception):
    """Raised from the audit hook; carries the URL a file tried to fetch."""


def _refuse_fetches(event: str, args: tuple[object, ...]) -> None:
    if event == "urllib.Request" and _parsing.get():
        raise _FetchRefused(str(args[0]))


_hook_installed = False


def _offline() -> None:
    """Install (once) the audit hook that refuses URL fetches while a file is parsed (rdflib's own advice)."""
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_refuse_fetches)
        _hook_installed = True


# What Oxigraph's JSON-LD parser says when a file names a remote @context (it fetches nothing either).
OXIGRAPH_REMOTE_CONTEXT = "No LoadDocumentCallback has been set"


def remote_context_refused(path: Path, url: str | None = None) -> RefusedError:
    """The error for a JSON-LD file whose @context is a URL, which parkgraph never fetches."""
    return RefusedError(
        f"reading this file would fetch {url or 'a remote JSON-LD @context'}: "
        "parkgraph does not fetch remote documents (JSON-LD contexts)",
        file=str(path),
        hint="put the context inline in the file (parkgraph export --format jsonld does) and load it again",
    )


def require_file(path: Path) -> Path:
    """`path` if it names a file; else a clear error (a directory is named as one, not as missing)."""
    if path.is_dir():
        raise ParkgraphError("a directory, not an RDF file", file=str(path),
                             hint="name the files in it, e.g. DIR/*.ttl")
    if not path.is_file():
        raise ParkgraphError(f"no such file: {path}", file=str(path), hint="check the path")
    return path


def parse_into(graph: Graph, path: Path, fmt: str | None = None, locate: bool = True) -> Graph:
    """Parse one file into `graph`, raising RdfSyntaxError with file and line on bad input.

    The parse never reaches the network: a remote JSON-LD @context is refused with a RefusedError.
    """
    path = require_file(Path(path))
    fmt = fmt or guess_format(path)
    if fmt in QUAD_FORMATS and not isinstance(graph, Dataset):
        # A plain Graph would drop the named graphs' triples: parse them aside and add their union.
        dataset = parse_into(Dataset(), path, fmt, locate)
        graph.addN((s, p, o, graph) for s, p, o, _ in dataset.quads((None, None, None, None)))
        return graph
    _offline()
    token = _parsing.set(True)
    try:
        if _starts_with_bom(path):  # rdflib's JSON-LD and N-Triples parsers reject a byte-order mark
            graph.parse(data=path.read_bytes()[len(BOM):], format=fmt, publicID=path.resolve().as_uri())
        else:
            graph.parse(path, format=fmt)
    except _FetchRefused as exc:
        raise remote_context_refused(path, str(exc)) from None
    except Exception as exc:  # rdflib's parsers raise many unrelated types
        cause = exc.__context__ if isinstance(exc.__context__, _FetchRefused) else None
        if cause is not None:
            raise remote_context_refused(path, str(cause)) from None
        raise _syntax_error(path, exc, locate) from exc
    finally:
        _parsing.reset(token)
    return graph


def parse_files(paths: Iterable[Path]) -> Graph:
    """One rdflib Graph holding all `paths`, with parkgraph's prefixes bound."""
    graph = bind_prefixes(Graph())
    for path in paths:
        parse_into(graph, Path(path))
    return graph
