"""Any SPARQL 1.1 server as a store (`http(s)://…`): Protocol queries and updates, Graph Store loads.

The store spec is the query endpoint's URL, optionally with parkgraph's own parameters, which
are removed before the URL is used:

    http(s)://HOST[:PORT][/PATH][?update=URL][&gsp=URL][&graph=IRI][&maxrows=N]

- `update=` the SPARQL Update endpoint, `gsp=` the Graph Store Protocol endpoint (relative
  URLs are resolved against the query URL); `graph=` the named graph parkgraph loads into and
  queries (`graph=default` for the server's default graph); `maxrows=` the server's result cap.
- Without them parkgraph asks the server who it is (its `Server` header) and uses its layout:
  Oxigraph/bare host: `/query`, `/update`, `/store`, the default graph;
  Virtuoso: `/sparql`, `/sparql-auth`, `/sparql-graph-crud-auth` (both need Digest auth), the
  named graph `https://w3id.org/parkgraph/id/graph`, because Virtuoso's default graph is the
  union of every graph, its own system graphs included;
  any other server: the query URL for updates too and SPARQL `INSERT DATA` for loading.
- Credentials come from PARKGRAPH_SPARQL_USER / PARKGRAPH_SPARQL_PASSWORD (Digest auth, or
  Basic with PARKGRAPH_SPARQL_AUTH=basic), or PARKGRAPH_SPARQL_TOKEN (sent as `Authorization:
  Bearer TOKEN`, e.g. for `parkgraph serve --token`; it wins over a user), never from the URL.

Capped answers: a server may cut a result at its row cap (Virtuoso's ResultSetMaxRows, 10,000
by default, announced by an `X-SPARQL-MaxRows` header). When a SELECT answer carries that
header or has exactly a known cap's number of rows, parkgraph fetches it again page by page,
wrapped in an ordered sub-query with LIMIT/OFFSET, so that no answer is silently cut. Virtuoso
cuts a CONSTRUCT's solutions at the same cap without saying so, so on Virtuoso (and wherever
`maxrows=` is given) a CONSTRUCT is asked as the SELECT of its solutions, paged like any other,
and its template is filled in here.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests
from pyparsing import ParseException
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import Result
from rdflib.term import Node

from parkgraph.binding import has_dataset_clause, inject_values, sparql_term, tokens
from parkgraph.errors import QueryError, StoreError
from parkgraph.namespaces import PGID, bind_prefixes
from parkgraph.results import QueryResult
from parkgraph.sparql import internal_query
from parkgraph.syntax import RDFLIB_PARSER

# The named graph parkgraph uses on servers whose default graph is not a graph of its own.
PARKGRAPH_GRAPH = str(PGID["graph"])
SELECT_JSON = "application/sparql-results+json"
GRAPH_TYPES = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
# Response media type -> rdflib parser.
RDF_PARSERS = {
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
TIMEOUT = (10, float(os.environ.get("PARKGRAPH_SPARQL_TIMEOUT", "600")))


@dataclass
class Endpoints:
    """Where a server takes queries, updates and Graph Store requests, and which graph is parkgraph's."""

    query: str
    update: str | None = None
    gsp: str | None = None
    graph: str | None = None  # None: the server's default graph
    maxrows: int | None = None
    cuts_graphs: bool = False  # the server cuts a CONSTRUCT's solutions at its cap without saying so


def query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query keyword outside any group."""
    for token in tokens(sparql):
        if token.kind == "word" and token.text.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return token.text.upper()
    raise QueryError("this is not a SPARQL query (no SELECT, ASK, CONSTRUCT or DESCRIBE)")


def paged_query(sparql: str, variables: list[str], offset: int, limit: int) -> str:
    """`sparql` (a SELECT) wrapped so that it returns rows offset … offset+limit of a stable order.

    The query's own ORDER BY is kept (an ordered sub-query keeps its order, which is also how
    Virtuoso pages past its sort limit); an unordered query is ordered by all its variables.
    """
    if has_dataset_clause(sparql):
        raise StoreError(
            "the server capped the answer and a query with FROM cannot be paged",
            hint="drop the FROM clause (name the graph in the store spec: ?graph=IRI) or raise the cap",
        )
    depth = 0
    start = None
    ordered = False
    for token in tokens(sparql):
        if token.kind == "{":
            depth += 1
        elif token.kind == "}":
            depth -= 1
        elif token.kind == "word" and depth == 0:
            word = token.text.upper()
            if start is None and word == "SELECT":
                start = token.start
            elif word == "ORDER":
                ordered = True
    if start is None:
        raise QueryError("only SELECT answers can be paged")
    prologue, body = sparql[:start], sparql[start:]
    projection = " ".join(f"?{v}" for v in variables)
    if not ordered:
        body = f"SELECT {projection} WHERE {{ {{ {body}\n }} }} ORDER BY {projection}"
    return f"{prologue}SELECT {projection} WHERE {{ {{ {body}\n }} }} OFFSET {offset} LIMIT {limit}"


def construct_as_select(sparql: str) -> tuple[str, str]:
    """A CONSTRUCT query as (the SELECT * of its solutions, the same query in the long form).

    `CONSTRUCT { T } WHERE { P } …` gives `SELECT * WHERE { P } …`; the short form `CONSTRUCT WHERE
    { T } …` is first written as `CONSTRUCT { T } WHERE { T } …`, so rdflib can read its template.
    """
    found = list(tokens(sparql))
    depth = 0
    for i, token in enumerate(found):
        if token.kind in "{}":
            depth += 1 if token.kind == "{" else -1
        elif token.kind == "word" and depth == 0 and token.text.upper() == "CONSTRUCT":
            after = found[i + 1:]
            opening = next((k for k, t in enumerate(after) if t.kind == "{"), None)
            if opening is None:
                break
            closing = _matching_brace(after, opening)
            inner = sparql[after[opening].start + 1:after[closing].start]
            if opening == 0:  # CONSTRUCT { template } [FROM …] WHERE { pattern } …
                rest = sparql[after[closing].start + 1:]
                return f"{sparql[:token.start]}SELECT *{rest}", sparql
            head = sparql[:token.start] + "CONSTRUCT {" + inner + "}" + sparql[token.start + len(token.text):]
            return f"{sparql[:token.start]}SELECT *{sparql[token.start + len(token.text):]}", head
    raise QueryError("only a CONSTRUCT query can be asked as the SELECT of its solutions")


def _matching_brace(found: list, opening: int) -> int:
    depth = 0
    for k in range(opening, len(found)):
        if found[k].kind in "{}":
            depth += 1 if found[k].kind == "{" else -1
            if depth == 0:
                return k
    raise QueryError("the query has an unclosed '{'", hint="close every group")


def fill_template(template: list[tuple[Node, Node, Node]], names: list[str],
                  rows: list[tuple[Node | None, ...]]) -> Graph:
    """The graph a CONSTRUCT template gives for these solutions (SPARQL 1.1, 16.2): fresh blank
    nodes per solution; a triple with an unbound variable or an invalid term is left out."""
    index = {name: i for i, name in enumerate(names)}
    graph = bind_prefixes(Graph())
    for row in rows:
        fresh: dict[BNode, BNode] = {}
        for pattern in template:
            triple = []
            for term in pattern:
                if isinstance(term, Variable):
                    term = row[index[str(term)]] if str(term) in index else None
                elif isinstance(term, BNode):
                    term = fresh.setdefault(term, BNode())
                triple.append(term)
            s, p, o = triple
            if s is None or o is None or isinstance(s, Literal) or not isinstance(p, URIRef):
                continue
            graph.add((s, p, o))
    return graph


class BearerAuth(requests.auth.AuthBase):
    """`Authorization: Bearer TOKEN` on every request (requests drops it on a redirect to another host)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def __repr__(self) -> str:
        return "<BearerAuth>"  # never the token


def _auth_from_env() -> requests.auth.AuthBase | None:
    token = os.environ.get("PARKGRAPH_SPARQL_TOKEN", "").strip()
    if token:
        return BearerAuth(token)
    user = os.environ.get("PARKGRAPH_SPARQL_USER")
    if not user:
        return None
    password = os.environ.get("PARKGRAPH_SPARQL_PASSWORD", "")
    if os.environ.get("PARKGRAPH_SPARQL_AUTH", "digest").lower() == "basic":
        return requests.auth.HTTPBasicAuth(user, password)
    return requests.auth.HTTPDigestAuth(user, password)


def _plain(term: Node | None) -> Node | None:
    """xsd:string literals as plain literals: the same RDF 1.1 term, in the form rdflib parses from files."""
    if isinstance(term, Literal) and term.datatype == XSD.string and term.language is None:
        return Literal(str(term))
    return term


class SparqlStore:
    """A remote SPARQL 1.1 server reached over HTTP with `requests`."""

    def __init__(self, endpoints: Endpoints, auth: requests.auth.AuthBase | None = None) -> None:
        self.endpoints = endpoints
        self.name = endpoints.query
        self.session = requests.Session()
        self.session.auth = auth

    @classmethod
    def from_spec(cls, spec: str) -> SparqlStore:
        """Open the store a spec names (see the module docstring for the parameters it takes)."""
        try:
            parts = urlsplit(spec)
        except ValueError as exc:  # e.g. "Invalid IPv6 URL" for an unclosed [
            raise StoreError(
                f"the store URL {spec} is not a valid URL: {exc}",
                hint="use http(s)://HOST[:PORT]/PATH, with an IPv6 address in brackets: http://[::1]:7878/query",
            ) from exc
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StoreError(f"not an http(s) URL: {spec}", hint="use http(s)://HOST[:PORT]/PATH")
        ours: dict[str, str] = {}
        theirs: list[tuple[str, str]] = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key in ("update", "gsp", "graph", "maxrows"):
                ours[key] = value
            else:
                theirs.append((key, value))
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(theirs), ""))
        auth = _auth_from_env()
        server = _server_name(url, auth)
        bare = parts.path in ("", "/")
        virtuoso = server.lower().startswith("virtuoso")
        root = f"{parts.scheme}://{parts.netloc}"
        if virtuoso:
            query = root + "/sparql" if bare else url
            update, gsp, graph = root + "/sparql-auth", root + "/sparql-graph-crud-auth", PARKGRAPH_GRAPH
        elif bare:
            query, update, gsp, graph = root + "/query", root + "/update", root + "/store", None
        else:
            query, gsp, graph = url, None, None
            update = urljoin(url, "update") if parts.path.rstrip("/").endswith("/query") else url
        if "update" in ours:
            update = urljoin(query, ours["update"])
        if "gsp" in ours:
            gsp = urljoin(query, ours["gsp"]) if ours["gsp"] else None
        if "graph" in ours:
            graph = None if ours["graph"] in ("", "default") else ours["graph"]
        maxrows = None
        if ours.get("maxrows"):
            if not ours["maxrows"].isdigit():
                raise StoreError(f"maxrows must be a number, not {ours['maxrows']!r}", hint="e.g. ?maxrows=10000")
            maxrows = int(ours["maxrows"])
        return cls(Endpoints(query, update, gsp, graph, maxrows, cuts_graphs=virtuoso or maxrows is not None), auth)

    # -- HTTP ---------------------------------------------------------------------------------

    def _post(self, url: str, what: str, **kwargs: object) -> requests.Response:
        try:
            response = self.session.post(url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise StoreError(
                f"cannot reach the SPARQL server at {url}: {exc.__class__.__name__}",
                hint="check the URL and that the server is running",
            ) from exc
        if response.status_code in (401, 403):
            raise StoreError(
                f"the server at {url} refused the {what} ({response.status_code} {response.reason})",
                hint=_refusal_hint(response, self.session.auth),
            )
        if response.status_code == 400:
            raise QueryError(
                f"the server rejected the {what}: {_server_message(response)}",
                hint="fix the query (the server's message above says where)",
            )
        if not response.ok:
            raise StoreError(
                f"the {what} failed at {url}: {response.status_code} {response.reason}: {_server_message(response)}"
            )
        return response

    def _dataset(self, sparql: str) -> list[tuple[str, str]]:
        """The protocol's default-graph-uri for parkgraph's graph, unless the query names its own dataset
        (the protocol's would replace the query's FROM / FROM NAMED, SPARQL 1.1 Protocol 2.1.4)."""
        graph = self.endpoints.graph
        return [("default-graph-uri", graph)] if graph and not has_dataset_clause(sparql) else []

    def _select(self, sparql: str) -> tuple[list[str], list[tuple[Node | None, ...]], int | None]:
        response = self._post(
            self.endpoints.query,
            "query",
            data=[("query", sparql), *self._dataset(sparql)],
            headers={"Accept": SELECT_JSON},
        )
        cap_header = response.headers.get("X-SPARQL-MaxRows")
        result = _parse_results(response)
        names = [str(v) for v in result.vars or []]
        rows = [tuple(_plain(b.get(v)) for v in result.vars or []) for b in result.bindings]
        cap = int(cap_header) if cap_header and cap_header.strip().isdigit() else None
        return names, rows, cap

    # -- Store protocol -------------------------------------------------------------------------

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run a query on the server; parameters go in as a VALUES block; capped answers are paged."""
        text = inject_values(sparql, bindings)  # writes strings as "…"^^xsd:string, which Virtuoso needs
        form = query_form(text)
        if form == "CONSTRUCT" and self.endpoints.cuts_graphs:
            return self._construct_by_pages(text)
        if form in ("CONSTRUCT", "DESCRIBE"):
            return self._graph_query(text)
        if form == "ASK":
            response = self._post(
                self.endpoints.query, "query", data=[("query", text), *self._dataset(text)],
                headers={"Accept": SELECT_JSON},
            )
            return QueryResult(kind="ask", boolean=_ask_answer(_parse_results(response)))
        names, rows = self._select_whole(text)
        return QueryResult(kind="select", vars=names, rows=rows)

    def _select_whole(self, text: str) -> tuple[list[str], list[tuple[Node | None, ...]]]:
        """A SELECT's rows, paged when the server capped them."""
        names, rows, cap = self._select(text)
        cap = cap or self.endpoints.maxrows
        if cap and len(rows) >= cap:
            self.endpoints.maxrows = cap
            rows = self._all_pages(text, names, cap)
        return names, rows

    def _construct_by_pages(self, text: str) -> QueryResult:
        """A CONSTRUCT on a server that cuts it silently: its solutions as a paged SELECT, the
        template filled in here (rdflib reads the template, with the query's own prefixes)."""
        select, long_form = construct_as_select(text)
        try:
            with RDFLIB_PARSER:
                template = prepareQuery(long_form).algebra["template"]
        except ParseException as exc:
            raise QueryError(f"cannot read the CONSTRUCT template: {exc}") from exc
        names, rows = self._select_whole(select)
        return QueryResult(kind="graph", graph=fill_template(template, names, rows))

    def _all_pages(self, text: str, names: list[str], page: int) -> list[tuple[Node | None, ...]]:
        """Every row of a capped SELECT, fetched `page` rows at a time."""
        rows: list[tuple[Node | None, ...]] = []
        while True:
            _, chunk, _ = self._select(paged_query(text, names, len(rows), page))
            rows.extend(chunk)
            if len(chunk) < page:
                return rows

    def _graph_query(self, text: str) -> QueryResult:
        response = self._post(
            self.endpoints.query, "query", data=[("query", text), *self._dataset(text)], headers={"Accept": GRAPH_TYPES}
        )
        if response.headers.get("X-SPARQL-MaxRows"):
            raise StoreError(
                f"the server cut this answer at {response.headers['X-SPARQL-MaxRows']} triples",
                hint="raise the cap (Virtuoso: ResultSetMaxRows in the [SPARQL] section of virtuoso.ini) "
                "or ask with SELECT, which parkgraph pages",
            )
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        parser = RDF_PARSERS.get(media)
        if parser is None:
            raise StoreError(f"the server answered a graph query with '{media}', which parkgraph cannot read")
        graph = bind_prefixes(Graph())
        graph.parse(data=response.content, format=parser)
        for s, p, o in list(graph):
            if _plain(o) is not o:
                graph.remove((s, p, o))
                graph.add((s, p, _plain(o)))
        return QueryResult(kind="graph", graph=graph)

    def update(self, sparql: str) -> None:
        """Send a SPARQL 1.1 Update to the update endpoint, reading (USING) parkgraph's graph if it has one.

        Virtuoso also writes triples outside GRAPH { } into that graph; other servers write them
        to their default graph, so name the graph in the update there.
        """
        if not self.endpoints.update:
            raise StoreError(f"no update endpoint is known for {self.name}", hint="add ?update=URL to the store spec")
        using = [("using-graph-uri", self.endpoints.graph)] if self.endpoints.graph else []
        self._post(self.endpoints.update, "update", data=[("update", sparql), *using])

    def check_writable(self) -> None:
        """Nothing to check beforehand: only an update tells whether the server accepts it from us."""

    def load(self, paths: Iterable[Path]) -> int:
        """Push files to the server (Graph Store Protocol, else INSERT DATA); returns the triples it then holds.

        Every file is parsed here first and all of them go in one request: a broken file sends nothing.
        """
        from parkgraph.store import MemoryStore

        paths = [Path(p) for p in paths]
        if not paths:
            return len(self)
        graph = MemoryStore()
        graph.load(paths)  # syntax errors get file and line, and the server only ever sees N-Triples
        body = graph.graph.serialize(format="nt", encoding="utf-8")
        what = f"upload of {', '.join(str(p) for p in paths)}"
        if self.endpoints.gsp:
            target = {"graph": self.endpoints.graph} if self.endpoints.graph else {"default": ""}
            self._post(
                self.endpoints.gsp,
                what,
                params=target,
                data=body,
                headers={"Content-Type": "text/turtle; charset=utf-8"},
            )
        else:
            self.update(_insert_data(body.decode("utf-8"), self.endpoints.graph))
        return len(self)

    def worker_copy(self) -> SparqlStore:
        """The same endpoint with its own HTTP session (a forked worker must not share sockets)."""
        return SparqlStore(self.endpoints, self.session.auth)

    def to_rdflib(self) -> Graph:
        """Every triple of parkgraph's graph on the server, in an rdflib Graph (paged if capped)."""
        graph = bind_prefixes(Graph())
        for s, p, o in self.query(internal_query("all_triples")).rows:
            graph.add((s, p, o))
        return graph

    def __len__(self) -> int:
        return int(self.query(internal_query("triple_count")).rows[0][0])

    def __repr__(self) -> str:
        return f"<SparqlStore {self.endpoints}>"


def _insert_data(ntriples: str, graph: str | None) -> str:
    """A SPARQL INSERT DATA of N-Triples (which are valid SPARQL triples), into `graph` if given."""
    if graph:
        return f"INSERT DATA {{ GRAPH {sparql_term(URIRef(graph))} {{\n{ntriples}\n}} }}"
    return f"INSERT DATA {{\n{ntriples}\n}}"


def _ask_answer(result: Result) -> bool:
    """An ASK answer; Virtuoso 7 sends ASK as a SELECT of ?__ASK_RETVAL (one row holding 1, or no row)."""
    if result.type == "ASK":
        return bool(result.askAnswer)
    return any(str(value) not in ("0", "false") for row in result.bindings for value in row.values())


def _parse_results(response: requests.Response) -> Result:
    try:
        return Result.parse(io.BytesIO(response.content), format="json")
    except Exception as exc:  # rdflib's parsers raise many unrelated types
        raise StoreError(
            f"the server's answer is not SPARQL JSON results: {exc}",
            hint="is the store URL the server's SPARQL query endpoint?",
        ) from exc


def _refusal_hint(response: requests.Response, auth: requests.auth.AuthBase | None) -> str:
    """What to set after a 401/403: a token if the server asked for Bearer auth, else a user."""
    challenge = response.headers.get("WWW-Authenticate", "")
    if response.status_code == 401 and "bearer" in challenge.lower():
        if isinstance(auth, BearerAuth):
            return "the token in PARKGRAPH_SPARQL_TOKEN was refused: set it to the server's (parkgraph serve --token)"
        return ("the server wants a bearer token: set PARKGRAPH_SPARQL_TOKEN to it (parkgraph serve's --token); "
                "it is sent as 'Authorization: Bearer TOKEN'")
    return ("set PARKGRAPH_SPARQL_USER and PARKGRAPH_SPARQL_PASSWORD to a user allowed to write "
            "(on Virtuoso: a user with the SPARQL_UPDATE role, e.g. dba)")


def _server_message(response: requests.Response) -> str:
    text = response.text.strip()
    return " ".join(text.split())[:500] if text else response.reason


def _server_name(url: str, auth: requests.auth.AuthBase | None) -> str:
    """The server's `Server` header (e.g. 'Virtuoso/07.20.3229 …'); '' if it sends none."""
    try:
        response = requests.get(url, timeout=TIMEOUT, auth=auth)
    except requests.RequestException as exc:
        raise StoreError(
            f"cannot reach the SPARQL server at {url}: {exc.__class__.__name__}",
            hint="check the URL and that the server is running",
        ) from exc
    return response.headers.get("Server", "")
