"""A SPARQL 1.1 Protocol endpoint over any parkgraph store, on the standard library's HTTP server.

GET /sparql?query=…, POST form (query= or update=), POST application/sparql-query and
application/sparql-update. SELECT/ASK answers in SPARQL JSON, XML, CSV or TSV and
CONSTRUCT/DESCRIBE graphs in Turtle, JSON-LD, N-Triples or RDF/XML, as the Accept header asks.
Updates are refused (403) unless the server was started with allow_update, and then need the bearer
token if one was set (401). Queries run in worker processes with a time limit (503 when stopped) and
a cap on the answer's size (422); request bodies above a limit get 413; SERVICE and LOAD reach only
allow-listed URLs (403). The protocol's default-graph-uri and named-graph-uri (and
using-…) parameters are refused (400): a query names its graphs itself (FROM, FROM NAMED, GRAPH), or
answers from the union of the store's graphs. See SECURITY.md.
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

from rdflib.query import Result
from rdflib.term import Variable

from parkgraph.errors import ParkgraphError, QueryError, QueryTimeout, RefusedError, ResultTooLarge
from parkgraph.graph import ParkGraph
from parkgraph.output import render_text, to_graph_text
from parkgraph.results import QueryResult

PATHS = ("/", "/sparql", "/query", "/update")
# Media type -> rdflib result serializer, for SELECT and ASK answers (the first is the default).
RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
# Media type -> rdflib graph serializer, for CONSTRUCT and DESCRIBE answers (the first is the default).
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/rdf+xml": "xml",  # SPARQLWrapper's default for CONSTRUCT, and rdflib's SPARQLStore's
}
FORM = "application/x-www-form-urlencoded"
# The protocol's dataset parameters: refused; the query or update text names its graphs instead.
DATASET_PARAMS = ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri")
DEFAULT_MAX_BODY = 1024 * 1024  # bytes of a POSTed query or update
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def is_loopback(host: str) -> bool:
    """True if `host` is an address (or name) only this machine can reach."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ReadWriteLock:
    """Many queries at once, or one update alone (the workers must not read while the store changes)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Held while a query runs: any number at once, none during a write."""
        with self._cond:
            self._cond.wait_for(lambda: not self._writing)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Held while an update runs: alone, after the running queries finish."""
        with self._cond:
            self._cond.wait_for(lambda: not self._writing)
            self._writing = True
            self._cond.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


def negotiate(accept: str | None, offered: dict[str, str]) -> str | None:
    """The offered media type the Accept header prefers (q-values honoured), or None if none fits."""
    if not accept or not accept.strip():
        return next(iter(offered))
    choices: list[tuple[float, int, str]] = []
    for order, item in enumerate(accept.split(",")):
        fields = [f.strip() for f in item.split(";")]
        media, q = fields[0].lower(), 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media in ("*/*", "*"):
            choices.append((q, -order, next(iter(offered))))
        elif media.endswith("/*"):
            match = next((m for m in offered if m.startswith(media[:-1])), None)
            if match:
                choices.append((q, -order, match))
        elif media in offered:
            choices.append((q, -order, media))
    return max(choices)[2] if choices else None


def serialize_result(result: QueryResult, fmt: str) -> bytes:
    """A SELECT/ASK answer in a SPARQL results format: JSON/CSV/TSV as `parkgraph query` writes them, XML by rdflib."""
    if fmt != "xml":
        return render_text(result, fmt).encode("utf-8")
    if result.kind == "ask":
        answer = Result("ASK")
        answer.askAnswer = bool(result.boolean)
    else:
        answer = Result("SELECT")
        answer.vars = [Variable(v) for v in result.vars]
        answer.bindings = [
            {Variable(v): cell for v, cell in zip(result.vars, row, strict=True) if cell is not None}
            for row in result.rows
        ]
    return answer.serialize(format="xml", encoding="utf-8")


class SparqlHandler(BaseHTTPRequestHandler):
    """One request to the endpoint; the server object carries the graph, its lock and the update flag."""

    server: SparqlServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, media: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, (message.rstrip() + "\n").encode("utf-8"), "text/plain; charset=utf-8")

    def _path_ok(self) -> bool:
        if urlsplit(self.path).path.rstrip("/") in ("", *PATHS):
            return True
        self._error(HTTPStatus.NOT_FOUND, f"no such endpoint: {self.path}; the SPARQL endpoint is /sparql")
        return False

    def _too_large(self, size: str) -> None:
        self.close_connection = True  # the rest of the body is not read: do not reuse the connection
        self._error(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"the request body has {size} bytes, more than this endpoint's limit of {self.server.max_body:,}",
        )

    def _bad_framing(self, message: str) -> None:
        self.close_connection = True  # where the next request starts is unknown
        self._error(HTTPStatus.BAD_REQUEST, message)

    def _read_body(self) -> bytes | None:
        """The request body, read whole before any answer so that a kept-alive connection stays in step.

        Content-Length or chunked transfer coding (RFC 9112, 7.1), within --max-body. None once an error has
        been answered; then the connection is closed rather than the rest of the body read.
        """
        coding = self.headers.get("Transfer-Encoding")
        if coding is not None:
            if coding.strip().lower() != "chunked":
                self.close_connection = True
                self._error(HTTPStatus.NOT_IMPLEMENTED, f"unsupported Transfer-Encoding {coding}; send chunked or "
                            "Content-Length")
                return None
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._bad_framing("the Content-Length header is not a valid length")
            return None
        if length > self.server.max_body:
            self._too_large(f"{length:,}")
            return None
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes | None:
        body = bytearray()
        while True:
            line = self.rfile.readline(1026)
            if not line.endswith(b"\n"):
                self._bad_framing("the chunked request body is cut short or has a chunk-size line over 1 KiB")
                return None
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                size = -1
            if size < 0:
                self._bad_framing(f"the chunked request body has an invalid chunk size {line.strip()[:40]!r}")
                return None
            if size == 0:
                break
            if len(body) + size > self.server.max_body:
                self._too_large(f"more than {len(body) + size:,}")
                return None
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                self._bad_framing("the chunked request body is cut short or a chunk is longer than its size")
                return None
            body += chunk
        for _ in range(100):  # trailer fields, ignored, up to the empty line
            line = self.rfile.readline(8194)
            if line in (b"\r\n", b"\n"):
                return bytes(body)
            if not line.endswith(b"\n"):
                break
        self._bad_framing("the chunked request body's trailer does not end")
        return None

    def _dataset_refused(self, *queries: str) -> bool:
        """Answer 400 if the request names a dataset (default-graph-uri, …), which this endpoint cannot honour."""
        keys = {key for query in queries for key, _ in parse_qsl(query, keep_blank_values=True)}
        given = sorted(keys.intersection(DATASET_PARAMS))
        if not given:
            return False
        self._error(
            HTTPStatus.BAD_REQUEST,
            f"this endpoint serves one dataset and does not take {' or '.join(given)}; "
            "leave it out and name the graphs in the query (FROM, FROM NAMED, GRAPH)"
            " or the update (WITH, USING, GRAPH)",
        )
        return True

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self._read_body() is None or not self._path_ok():  # a GET may carry a body too: it is read and ignored
            return
        if self._dataset_refused(urlsplit(self.path).query):
            return
        params = parse_qs(urlsplit(self.path).query)
        if "update" in params:
            self._error(HTTPStatus.BAD_REQUEST, "updates must be sent with POST")
            return
        if "query" not in params:
            self._error(HTTPStatus.BAD_REQUEST, "missing 'query' parameter; GET /sparql?query=SELECT…")
            return
        self._query(params["query"][0])

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        raw = self._read_body()
        if raw is None or not self._path_ok():
            return
        body = raw.decode("utf-8", errors="replace")
        media = (self.headers.get("Content-Type") or FORM).split(";")[0].strip().lower()
        if self._dataset_refused(urlsplit(self.path).query, body if media == FORM else ""):
            return
        if media == "application/sparql-query":
            self._query(body)
        elif media == "application/sparql-update":
            self._update(body)
        elif media == FORM:
            params = parse_qs(body)
            if "query" in params:
                self._query(params["query"][0])
            elif "update" in params:
                self._update(params["update"][0])
            else:
                self._error(HTTPStatus.BAD_REQUEST, "missing 'query' or 'update' parameter")
        else:
            self._error(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"unsupported Content-Type {media}; use {FORM}, application/sparql-query or application/sparql-update",
            )

    def _query(self, text: str) -> None:
        try:
            self._answer(text)
        except RefusedError as err:
            self._error(HTTPStatus.FORBIDDEN, str(err))
        except QueryTimeout as err:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(err))
        except ResultTooLarge as err:
            self._error(HTTPStatus.UNPROCESSABLE_ENTITY, str(err))
        except QueryError as err:
            self._error(HTTPStatus.BAD_REQUEST, str(err))
        except Exception as err:  # a store or serializer failure: tell the client rather than drop the connection
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(err).__name__}: {err}")

    def _answer(self, text: str) -> None:
        with self.server.lock.reading():
            result = self.server.graph.sparql(text)
        accept = self.headers.get("Accept")
        if result.kind == "graph":
            media = negotiate(accept, GRAPH_TYPES)
            if media is None:
                self._not_acceptable(GRAPH_TYPES)
                return
            if GRAPH_TYPES[media] in ("nt", "turtle"):  # written from the triples, without an rdflib Graph
                fmt = "ntriples" if GRAPH_TYPES[media] == "nt" else "turtle"
                body = to_graph_text(result, fmt).encode("utf-8")
            else:
                body = result.graph.serialize(format=GRAPH_TYPES[media], encoding="utf-8")
        else:
            media = negotiate(accept, RESULT_TYPES)
            if media is None:
                self._not_acceptable(RESULT_TYPES)
                return
            body = serialize_result(result, RESULT_TYPES[media])
        self._send(HTTPStatus.OK, body, f"{media}; charset=utf-8")

    def _not_acceptable(self, offered: dict[str, str]) -> None:
        self._error(HTTPStatus.NOT_ACCEPTABLE, "this answer can be given as: " + ", ".join(offered))

    def _authorised(self) -> bool:
        """True if no token is set or the request carries it as `Authorization: Bearer TOKEN`."""
        token = self.server.token
        if not token:
            return True
        scheme, _, given = (self.headers.get("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())

    def _update(self, text: str) -> None:
        if not self.server.allow_update:
            message = "this endpoint is read-only; start it with `parkgraph serve --allow-update` to accept updates"
            self._error(HTTPStatus.FORBIDDEN, message)
            return
        if not self._authorised():
            body = b"updates need the endpoint's token: send the header 'Authorization: Bearer TOKEN'\n"
            self.send_response(HTTPStatus.UNAUTHORIZED)
            self.send_header("WWW-Authenticate", 'Bearer realm="parkgraph"')
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        try:
            with self.server.lock.writing():
                self.server.graph.update(text)
        except RefusedError as err:
            self._error(HTTPStatus.FORBIDDEN, str(err))
            return
        except QueryError as err:
            self._error(HTTPStatus.BAD_REQUEST, str(err))
            return
        except ParkgraphError as err:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, str(err))
            return
        except Exception as err:  # a store failure: tell the client rather than drop the connection
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(err).__name__}: {err}")
            return
        self._send(HTTPStatus.NO_CONTENT, b"", "text/plain")


class SparqlServer(ThreadingHTTPServer):
    """A threaded HTTP server answering SPARQL over one ParkGraph.

    Queries run concurrently in the graph's worker processes (ParkGraph.open(timeout=…, workers=…));
    an update waits for running queries, runs alone, then the workers restart to see it.
    Only loopback addresses unless `public` is set.
    """

    daemon_threads = True

    def __init__(
        self,
        graph: ParkGraph,
        host: str = "127.0.0.1",
        port: int = 8000,
        allow_update: bool = False,
        verbose: bool = False,
        *,
        public: bool = False,
        max_body: int = DEFAULT_MAX_BODY,
        token: str | None = None,
    ) -> None:
        if not public and not is_loopback(host):
            raise RefusedError(
                f"refusing to listen on {host}: other machines could reach the endpoint",
                hint="keep the default 127.0.0.1, or add --public if the graph may be queried from the network",
            )
        if allow_update:
            # Refuse now what every update would fail with later (e.g. a store another process writes to).
            graph.store.check_writable()
        if allow_update and not graph.policy.allow_update:
            # Starting the server with updates allowed is the user's explicit say-so for this graph.
            graph.policy = replace(graph.policy, allow_update=True)
        self.graph = graph
        self.allow_update = allow_update
        self.verbose = verbose
        self.max_body = max_body
        self.token = token
        self.lock = ReadWriteLock()
        super().__init__((host, port), SparqlHandler)

    def server_close(self) -> None:
        """Stop listening and stop the graph's query workers."""
        super().server_close()
        self.graph.close()

    @property
    def url(self) -> str:
        """The endpoint's URL, with the port actually bound (useful with port 0)."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/sparql"
