"""What a query may make parkgraph do: no updates, no SERVICE calls and no LOADs unless the user allows them.

rdflib and Oxigraph both execute `SERVICE <url>` and `LOAD <url>` by fetching the URL, so a query
typed or sent by someone else could make the process reach any host or file. Every query and update
that goes through `ParkGraph` is checked against a `Policy` first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from parkgraph.errors import RefusedError
from parkgraph.syntax import query_reach, update_reach


@dataclass(frozen=True)
class Policy:
    """Updates allowed or not, and the URLs that SERVICE and LOAD may reach.

    An allowed URL matches itself exactly; one ending in "/" also matches every URL under it.
    """

    allow_update: bool = False
    allowed_urls: tuple[str, ...] = ()

    @classmethod
    def of(cls, allow_update: bool = False, allowed_urls: Iterable[str] = ()) -> Policy:
        """A policy from CLI-style arguments (any iterable of URLs)."""
        return cls(allow_update, tuple(allowed_urls))

    def url_allowed(self, url: str | None) -> bool:
        """True if `url` is on the allow-list (never for a variable endpoint, given as None)."""
        if url is None or any(seg in (".", "..") for seg in unquote(urlsplit(url).path).split("/")):
            return False  # dot segments could climb out of an allowed prefix
        return any(url == ok or (ok.endswith("/") and url.startswith(ok)) for ok in self.allowed_urls)

    def check_query(self, query: str) -> None:
        """Raise RefusedError if `query` calls a SERVICE that is not allowed."""
        for endpoint in query_reach(query).services:
            self._check_service(endpoint)

    def check_update(self, update: str) -> None:
        """Raise RefusedError unless updates are allowed and every SERVICE and LOAD URL is too."""
        if not self.allow_update:
            raise RefusedError(
                "this is a SPARQL update, and updates are refused: the graph was opened read-only",
                hint="allow them explicitly: --allow-update on the command line, "
                "ParkGraph.open(..., allow_update=True) in Python",
            )
        reach = update_reach(update)
        for endpoint in reach.services:
            self._check_service(endpoint)
        for source in reach.loads:
            if not self.url_allowed(source):
                raise RefusedError(
                    f"LOAD <{source}> is refused: LOAD fetches a URL (or reads a file) and it is not allow-listed",
                    hint=f"load files with `parkgraph load FILE`, or allow this source: --allow-url {source}",
                )

    def _check_service(self, endpoint: str | None) -> None:
        if endpoint is None:
            raise RefusedError(
                "SERVICE with a variable endpoint is refused: it could reach any URL",
                hint="name the endpoint's IRI in the query and allow it with --allow-url URL",
            )
        if not self.url_allowed(endpoint):
            raise RefusedError(
                f"SERVICE <{endpoint}> is refused: federated queries are disabled unless the endpoint is allow-listed",
                hint=f"allow this endpoint: --allow-url {endpoint} (CLI, serve) or "
                f"ParkGraph.open(..., allow_urls=['{endpoint}'])",
            )


READ_ONLY = Policy()
