"""Errors parkgraph reports to its users: what is wrong, where, and what to do."""

from __future__ import annotations


class ParkgraphError(Exception):
    """An error with a message for the user and, where known, a file, line and hint."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.hint = hint

    def location(self) -> str:
        """`file:line:column` as far as it is known, or an empty string."""
        parts = [p for p in (self.file, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def __reduce__(self) -> tuple[object, ...]:
        # Keep file, line and hint when the error crosses from a query worker process to the caller.
        return (_rebuild, (type(self), self.message, self.__dict__))


def _rebuild(cls: type[ParkgraphError], message: str, state: dict[str, object]) -> ParkgraphError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class RdfSyntaxError(ParkgraphError):
    """An RDF file that does not parse."""


class QueryError(ParkgraphError):
    """A SPARQL query that is unknown, malformed or given bad parameters."""


class StoreError(ParkgraphError):
    """A store that cannot be opened, reached or written."""


class OutputError(ParkgraphError):
    """A file that cannot be written where it was asked to be: a directory, no permission, a full disk."""


class RefusedError(ParkgraphError):
    """Something parkgraph will not do unless the user allows it: an update, a SERVICE call, a LOAD."""


class QueryTimeout(QueryError):
    """A query stopped because it ran past its time limit."""


class ResultTooLarge(QueryError):
    """An answer with more rows than the limit allows."""
