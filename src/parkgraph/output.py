"""Query results for people and programs: a rich table, W3C CSV/TSV/JSON results, Turtle, N-Triples or JSON-LD.

SELECT and ASK answers come out as a readable table (default) or in the SPARQL 1.1 Query Results
CSV, TSV and JSON formats; CONSTRUCT and DESCRIBE answers as Turtle (default), N-Triples or JSON-LD.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, BNode, Literal, URIRef
from rdflib.plugins.serializers.nt import NTSerializer
from rdflib.term import Node
from rich.table import Table
from rich.text import Text

from parkgraph.binding import sparql_term
from parkgraph.errors import QueryError
from parkgraph.named import KNOWN_PREFIXES
from parkgraph.namespaces import shorten
from parkgraph.results import QueryResult, Triple

TABULAR_FORMATS = ("table", "csv", "tsv", "json")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld")
FORMATS = TABULAR_FORMATS + GRAPH_FORMATS
ASK_HEADER = "_askResult"  # the column name Jena and others use for ASK answers in CSV/TSV

# Control characters but tab and newline: a terminal acts on them (ESC and C1 CSI start colour, title,
# hyperlink and cursor sequences), so a table shows them as \xNN instead.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def known_format(fmt: str | None) -> str | None:
    """`fmt` normalised (json-ld -> jsonld, ttl -> turtle, nt -> ntriples); a QueryError if parkgraph
    does not write it."""
    if fmt is None:
        return None
    name = fmt.lower().replace("-", "")
    name = {"ttl": "turtle", "nt": "ntriples"}.get(name, name)
    if name not in FORMATS:
        raise QueryError(f"unknown format '{fmt}'", hint=f"use one of: {', '.join(FORMATS)}")
    return name


def check_format(result: QueryResult, fmt: str | None) -> str:
    """The format to print `result` in: `fmt`, or the default for its kind; a QueryError if it does not fit."""
    fmt = known_format(fmt)
    if fmt is None:
        return "turtle" if result.kind == "graph" else "table"
    if result.kind == "graph" and fmt not in GRAPH_FORMATS:
        raise QueryError(
            f"a CONSTRUCT/DESCRIBE answer is a graph and cannot be printed as {fmt}",
            hint=f"use --format {', '.join(GRAPH_FORMATS)}",
        )
    if result.kind != "graph" and fmt not in TABULAR_FORMATS:
        raise QueryError(
            f"a {result.kind.upper()} answer is a table and cannot be printed as {fmt}",
            hint=f"use --format {', '.join(TABULAR_FORMATS)}",
        )
    return fmt


def cell_text(cell: Node | None) -> str:
    """A cell for people: IRIs as prefixed names, literals as their text, unbound as empty."""
    if cell is None:
        return ""
    if isinstance(cell, URIRef):
        return shorten(str(cell))
    if isinstance(cell, BNode):
        return f"_:{cell}"
    return str(cell)


def visible(text: str) -> str:
    """`text` fit for a terminal: each control character (ESC, CR, BEL, C1 …) written as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def table_columns(variables: list[str]) -> list[tuple[int, int | None]]:
    """The columns a table shows, as (index, fallback index): a column `x` is left out when `xLabel`
    is there too, and `xLabel` falls back to `x` where it is unbound (a literal or unlabelled IRI)."""
    index = {var: i for i, var in enumerate(variables)}
    return [(i, index.get(var[: -len("Label")]) if var.endswith("Label") else None)
            for i, var in enumerate(variables) if f"{var}Label" not in index]


TABLE_ROWS = 1000  # rows a table shows by default: rich lays out ~2,000 rows a second, a terminal shows ~50


def to_table(result: QueryResult, title: str | None = None, compact: bool = True, rows: int | None = None) -> Table:
    """SELECT rows (or an ASK answer) as a rich Table; cells are plain text, never console markup.

    With `compact`, a column whose label column is also selected is left out and the label column
    shows its value where there is no label (the machine-readable formats keep every column). With
    `rows`, only the first `rows` rows are laid out and the caption says how many there are and how
    to get them all (a 20,000-row answer took 10-17 s as a table).
    """
    if result.kind == "ask":
        table = Table(title=Text(title) if title else None, title_justify="left")
        table.add_column("answer")
        table.add_row("yes" if result.boolean else "no")
        return table
    shown = table_columns(result.vars) if compact else [(i, None) for i in range(len(result.vars))]
    total = len(result.rows)
    if rows is not None and rows < total:
        caption = (f"{total:,} rows, the first {rows:,} shown: --rows 0 shows them all, "
                   "--format csv, tsv or json writes them all")
    else:
        caption, rows = f"{total} row(s)", total
    table = Table(
        title=Text(visible(title)) if title else None,
        title_justify="left",
        caption=caption,
        caption_justify="left",
    )
    for i, _ in shown:
        table.add_column(Text(result.vars[i]), overflow="fold")
    for row in result.rows[:rows]:
        table.add_row(*(Text(visible(cell_text(row[j] if row[i] is None and j is not None else row[i])))
                        for i, j in shown))
    return table


def _csv_value(cell: Node | None) -> str:
    """W3C SPARQL CSV: an IRI or literal as its plain string, a blank node as _:label, unbound as empty."""
    if cell is None:
        return ""
    if isinstance(cell, BNode):
        return f"_:{cell}"
    return str(cell)


def _tsv_value(cell: Node | None) -> str:
    """W3C SPARQL TSV: each term in its SPARQL/Turtle form, unbound as empty."""
    if cell is None:
        return ""
    if isinstance(cell, BNode):
        return f"_:{cell}"
    return sparql_term(cell)


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results CSV (RFC 4180, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if result.kind == "ask":
        writer.writerows([[ASK_HEADER], ["true" if result.boolean else "false"]])
        return buffer.getvalue()
    writer.writerow(result.vars)
    for row in result.rows:
        writer.writerow([_csv_value(cell) for cell in row])
    return buffer.getvalue()


def to_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results TSV: a `?var` header, then terms in Turtle syntax."""
    if result.kind == "ask":
        return f"?{ASK_HEADER}\n{'true' if result.boolean else 'false'}\n"
    lines = ["\t".join(f"?{var}" for var in result.vars)]
    lines += ["\t".join(_tsv_value(cell) for cell in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def json_term(cell: Node) -> dict[str, str]:
    """One RDF term as a SPARQL 1.1 Query Results JSON object."""
    if isinstance(cell, URIRef):
        return {"type": "uri", "value": str(cell)}
    if isinstance(cell, BNode):
        return {"type": "bnode", "value": str(cell)}
    if isinstance(cell, Literal):
        term = {"type": "literal", "value": str(cell)}
        if cell.language:
            term["xml:lang"] = cell.language
        elif cell.datatype is not None:
            term["datatype"] = str(cell.datatype)
        return term
    raise QueryError(f"cannot write {cell!r} as a SPARQL JSON term")


def to_json_dict(result: QueryResult) -> dict[str, Any]:
    """SPARQL 1.1 Query Results JSON as a dict (SELECT bindings or the ASK boolean)."""
    if result.kind == "ask":
        return {"head": {}, "boolean": bool(result.boolean)}
    bindings = [
        {var: json_term(cell) for var, cell in zip(result.vars, row, strict=True) if cell is not None}
        for row in result.rows
    ]
    return {"head": {"vars": list(result.vars)}, "results": {"bindings": bindings}}


def to_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON text, one binding (row) per line.

    Each line is written by json's C encoder; indenting every term (`indent=2`) goes through its
    pure-Python one instead: 1.2 s and 20 MB against 0.25 s and 13 MB for 21,949 rows.
    """
    data = to_json_dict(result)
    if result.kind == "ask":
        return json.dumps(data, ensure_ascii=False) + "\n"
    bindings = ",\n    ".join(json.dumps(binding, ensure_ascii=False) for binding in data["results"]["bindings"])
    listed = f"\n    {bindings}\n  " if bindings else ""
    head = json.dumps(data["head"], ensure_ascii=False)
    return f'{{\n  "head": {head},\n  "results": {{"bindings": [{listed}]}}\n}}\n'


def to_ntriples(result: QueryResult) -> str:
    """A CONSTRUCT/DESCRIBE answer as N-Triples, one triple a line, sorted: rdflib's writer only
    iterates the triples, so an answer not yet built as an rdflib Graph is not built for it."""
    stream = io.BytesIO()
    NTSerializer(result.triples()).serialize(stream)  # type: ignore[arg-type]
    return "".join(sorted(stream.getvalue().decode("utf-8").splitlines(keepends=True)))


def to_graph_text(result: QueryResult, fmt: str) -> str:
    """A CONSTRUCT/DESCRIBE answer as Turtle (`to_turtle`, else rdflib's), JSON-LD compacted with
    parkgraph's prefixes, or N-Triples (`to_ntriples`)."""
    if result.kind != "graph":
        raise QueryError("the query gave no graph to print")
    if fmt == "ntriples":
        return to_ntriples(result)
    if fmt != "jsonld":
        fast = to_turtle(result)
        if fast is not None:
            return fast
    graph = result.graph
    if graph is None:
        raise QueryError("the query gave no graph to print")
    for prefix, ns in KNOWN_PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    if fmt == "jsonld":
        used = {prefix: ns for prefix, ns in KNOWN_PREFIXES.items()}
        return graph.serialize(format="json-ld", context=used, auto_compact=True, indent=2) + "\n"
    return graph.serialize(format="turtle")


# The prefix of a prefixed name in Turtle: after a space, a bracket, a comma or "^^", before ":".
_PREFIXED_NAME = re.compile(r"(?:^|(?<=[\s(\[,^]))([A-Za-z][\w.-]*):", re.MULTILINE)


def _turtle_order(triple: Triple) -> tuple[str, bool, str, str]:
    """Subjects in order, each one's rdf:type first (as rdflib's Turtle has it), then by predicate and object."""
    s, p, o = triple
    return s.n3(), p != RDF.type, p.n3(), o.n3()


def to_turtle(result: QueryResult) -> str | None:
    """A graph answer as Turtle written by Oxigraph, with parkgraph's prefixes (those it uses, in order).

    rdflib's Turtle writer took 8 s for a 100k-triple answer (and needs the answer as an rdflib
    Graph); Oxigraph writes it in a tenth of a second. None when a term cannot be written exactly
    that way (an IRI Oxigraph refuses, a language tag it would lower-case): rdflib writes those.
    """
    from parkgraph.stores.oxigraph import OxigraphTerms

    triples = sorted(result.triples(), key=_turtle_order)
    term = OxigraphTerms(exact=True)
    try:
        converted = [term.triple(*t) for t in triples]
    except ValueError:
        return None
    text = ox.serialize(converted, format=ox.RdfFormat.TURTLE, prefixes=dict(KNOWN_PREFIXES)).decode("utf-8")
    lines = text.splitlines(keepends=True)
    declared = [line for line in lines if line.startswith("@prefix ")]  # first, in no fixed order
    body = "".join(lines[len(declared):])
    used = set(_PREFIXED_NAME.findall(body))  # a literal's "word:" may keep a prefix it does not need
    head = sorted(line for line in declared if line.split()[1].removesuffix(":") in used)
    # A blank line before each subject's statement, as rdflib writes them: a statement starts a line,
    # the lines that continue it start with a tab (Oxigraph escapes line breaks inside literals).
    body = re.sub(r"\n(?=[^\t])", "\n\n", body)
    return "".join(head) + ("\n" if head and body else "") + body


def render_text(result: QueryResult, fmt: str) -> str:
    """`result` as text in one of the machine-readable formats (all but "table")."""
    if fmt == "csv":
        return to_csv(result)
    if fmt == "tsv":
        return to_tsv(result)
    if fmt == "json":
        return to_json(result)
    return to_graph_text(result, fmt)


__all__ = [
    "FORMATS",
    "TABLE_ROWS",
    "GRAPH_FORMATS",
    "TABULAR_FORMATS",
    "check_format",
    "known_format",
    "render_text",
    "to_csv",
    "to_json",
    "to_json_dict",
    "to_ntriples",
    "to_turtle",
    "to_table",
    "to_tsv",
]
