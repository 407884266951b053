"""`parkgraph queries` lists the named queries; `parkgraph query` runs one, a file, or an expression."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rdflib import Literal
from rdflib.namespace import XSD
from rich.table import Table
from rich.text import Text

from parkgraph.app import (
    AllowUpdateOption,
    AllowUrlOption,
    DataOption,
    StoreOption,
    TimeoutOption,
    app,
    console,
    open_graph,
)
from parkgraph.errors import QueryError
from parkgraph.graph import ParkGraph
from parkgraph.labels import LANGUAGES
from parkgraph.limits import DEFAULT_TIMEOUT
from parkgraph.named import NamedQuery, add_known_prefixes, all_queries, load_query, parse_named_query, sparql_body
from parkgraph.output import FORMATS, TABLE_ROWS, check_format, known_format, render_text, to_table
from parkgraph.results import QueryResult
from parkgraph.syntax import check_query, is_update


@app.command("queries")
def queries_command(
    name: Annotated[str | None, typer.Argument(help="Show this query in full: parameters, examples, SPARQL.")] = None,
) -> None:
    """List the named queries with their parameters (or show one of them in full)."""
    if name:
        _show_query(load_query(name))
        return
    table = Table(title="named queries (run one with: parkgraph query NAME --param key=value)", title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("what it answers")
    table.add_column("parameters")
    for named in all_queries():
        table.add_row(Text(named.name), Text(named.title), Text(" ".join(p.usage() for p in named.params)))
    console.print(table)


def _show_query(named: NamedQuery) -> None:
    console.print(f"{named.name}: {named.title}", markup=False)
    if named.description:
        console.print(named.description, markup=False)
    for param in named.params:
        console.print(f"  --param {param.usage()}  {param.description}", markup=False)
    for example in named.examples:
        args = " ".join(f"--param {k}={_quoted(v)}" for k, v in example.items())
        console.print(f"  example: parkgraph query {named.name} {args}", markup=False)
    console.print(f"file: {named.path}", markup=False)
    console.print(Text(sparql_body(named.text)))


def _quoted(value: str) -> str:
    return f'"{value}"' if any(ch.isspace() for ch in value) else value


def parse_params(items: list[str] | None) -> dict[str, str]:
    """`key=value` strings from --param into a dict; a malformed one is a QueryError."""
    values: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"--param {item!r} is not of the form key=value", hint="e.g. --param date=2020-01-01")
        key = key.strip()
        if key in values:  # the last one would win silently
            raise QueryError(
                f"parameter '{key}' given twice: --param {key}={values[key]} and --param {key}={value}",
                hint=f"give --param {key}=… once",
            )
        values[key] = value
    return values


def run_query(
    graph: ParkGraph,
    name: str | None,
    file: Path | None,
    expression: str | None,
    params: dict[str, str],
    lang: str | None,
) -> tuple[QueryResult, str | None]:
    """Run a named query, a query file or an expression on `graph`; returns the result and a title."""
    given = [x for x in (name, file, expression) if x is not None]
    if len(given) != 1:
        raise QueryError(
            "give exactly one of: a query NAME, --file FILE or -e 'QUERY'",
            hint="`parkgraph queries` lists the names",
        )
    if lang is not None:
        if lang not in LANGUAGES:
            raise QueryError(f"--lang {lang!r} is not supported", hint=f"use one of: {', '.join(LANGUAGES)}")
        if "lang" in params:
            raise QueryError(
                f"parameter 'lang' given twice: --lang {lang} and --param lang={params['lang']}",
                hint="give one of them",
            )
        params = {"lang": lang, **params}
    if expression is not None:
        if params and set(params) != {"lang"}:
            raise QueryError("-e takes no --param", hint="put the query in a file with '# param:' lines, or name it")
        if is_update(expression):  # refused with a clear message unless --allow-update
            return _run_update(graph, expression), None
        return graph.sparql(expression), None  # checked, then given parkgraph's prefixes, by ParkGraph.sparql
    if file is not None:
        text = read_query_file(file)
        if is_update(text):
            return _run_update(graph, text), None
        check_query(text, file=str(file))
        named = parse_named_query(text, file.stem, file, require_title=False)  # '# param:' lines work here too
    else:
        named = load_query(str(name))
    if named.param("lang") is None:
        params.pop("lang", None)
    bindings = named.bind(params, resolve=graph.sparql)
    return graph.sparql(named.text, bindings), named.title or None


def read_query_file(file: Path) -> str:
    """The text of a --file query; a missing file, a directory or bytes that are not UTF-8 are a QueryError."""
    if file.is_dir():
        raise QueryError("a directory, not a query file", file=str(file), hint="give the path of a .rq file in it")
    if not file.is_file():
        raise QueryError(f"no such query file: {file}", file=str(file), hint="check the path")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise QueryError(f"cannot read the query file: {exc.strerror or exc}", file=str(file)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line_start = before.rfind(b"\n") + 1
        raise QueryError(
            f"the query file is not UTF-8 text: byte 0x{data[exc.start]:02x} at byte {exc.start - line_start + 1} "
            f"of the line ({exc.reason})",
            file=str(file),
            line=before.count(b"\n") + 1,
            hint="save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 OLD.rq > NEW.rq if it is Latin-1)",
        ) from None


def _run_update(graph: ParkGraph, text: str) -> QueryResult:
    """Run an allowed SPARQL Update; the answer is the triple count before and after."""
    before = len(graph)
    graph.update(add_known_prefixes(text))
    row = (_count(before), _count(len(graph)))
    return QueryResult(kind="select", vars=["triplesBefore", "triplesAfter"], rows=[row])


def _count(number: int) -> Literal:
    return Literal(number, datatype=XSD.integer)


@app.command("query")
def query_command(
    name: Annotated[str | None, typer.Argument(help="Name of a query (see `parkgraph queries`).")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="A parameter as key=value (repeat for more).")
    ] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Run the SPARQL query in this file.")] = None,
    expression: Annotated[str | None, typer.Option("--expression", "-e", help="Run this SPARQL query.")] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", "-l", help="Language of labels: ru or en (falls back to the other).")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-F",
            help=f"Output format: {', '.join(FORMATS)} (default: table; turtle for CONSTRUCT/DESCRIBE).",
        ),
    ] = None,
    store: StoreOption = "memory",
    allow_update: AllowUpdateOption = False,
    allow_url: AllowUrlOption = None,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    data: DataOption = None,
    rows: Annotated[
        int,
        typer.Option(
            "--rows",
            help="Rows a table shows, the first ones (0: all); the other formats always write every row.",
        ),
    ] = TABLE_ROWS,
) -> None:
    """Run a named query, a query file or a SPARQL expression and print the answer."""
    params = parse_params(param)
    fmt = known_format(fmt)  # an unknown format fails before the graph is loaded
    if rows < 0:
        raise QueryError(f"--rows {rows} is negative", hint="give a number of rows, or 0 for all of them")
    graph = open_graph(store, data, allow_update=allow_update, allow_urls=allow_url or (), timeout=timeout or None)
    with graph:
        result, title = run_query(graph, name, file, expression, params, lang)
    chosen = check_format(result, fmt)
    if chosen == "table":
        console.print(to_table(result, title=title, rows=rows or None))
    else:
        typer.echo(render_text(result, chosen), nl=False)


__all__ = ["parse_params", "read_query_file", "run_query"]
