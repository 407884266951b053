"""The line where each subject of an RDF text file is first described, found without parsing the file.

Validation runs on files of millions of lines and only needs the lines to point at problems, so
these scanners read a file once, line by line, and look at most lines with a few string tests:
a line of N-Triples or N-Quads begins with its subject; in Turtle and TriG a statement begins
after the previous one's final ".", or after a graph block's "{" or "}", wherever the writer
indents it (rdflib indents every statement of a TriG graph block). Only the lines that can open
or close a graph block, a multi-line string or a comment are split into tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# "@prefix p: <iri> ." or SPARQL's "PREFIX p: <iri>"; "@base <iri> ." or "BASE <iri>".
DIRECTIVE = re.compile(r"(@?prefix)\s+([\w.-]*):\s*<([^>]*)>\s*\.?|@?base\s+<[^>]*>\s*\.?", re.IGNORECASE)

# The tokens of a Turtle or TriG line, as far as finding statements needs them. A word is a
# prefixed name, a blank node label, a keyword, a number or a language tag; "." is not split off
# its end here (PN_LOCAL may hold dots inside but not at the end, and ".5" is a number).
WORD = r"[^\s<>\"'{}\[\]();,#\\]"  # a character of a word; a backslash escapes the next one
TOKEN = re.compile(  # white space first, and strings as unrolled loops: Python's re is slow at alternations
    r"\s*(?:"
    r"(?P<long>\"\"\"|''')"
    r"|(?P<string>\"[^\"\\\n\r]*(?:\\.[^\"\\\n\r]*)*\"|'[^'\\\n\r]*(?:\\.[^'\\\n\r]*)*')"
    r"|(?P<iri><[^<>\"{}|^`\x00-\x20]*>)"
    r"|(?P<comment>#)"
    r"|(?P<punct>[{}\[\]();,])"
    rf"|(?P<word>(?:{WORD}|\\.){WORD}*(?:\\.{WORD}*)*)"
    r")"
)

# The rest of a long string from just after its opening delimiter, through its closing one.
LONG_STRING_END = {
    '"""': re.compile(r'(?:"{0,2}(?:[^"\\]|\\.))*"""'),
    "'''": re.compile(r"(?:'{0,2}(?:[^'\\]|\\.))*'''"),
}


def expand(token: str, prefixes: dict[str, str]) -> str | None:
    """The IRI a subject token names (<iri> or a declared prefix's name), None for anything else."""
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    if ":" in token:
        prefix, local = token.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + local.replace("\\", "")
    return None


def may_hold_comment(line: str) -> bool:
    """False when every "#" of `line` is inside an IRI (rdf-schema#label, XMLSchema#date), so that the
    line need not be tokenized; True when one may begin a comment.

    A "#" outside strings is in an IRI when a "<" comes after the last ">" before it. It is outside
    strings when the '"' before it pair up, none escaped and no "'" among them, and then that "<" is
    in no string if it comes after the last of them. Whatever else is left to the tokenizer.
    """
    pos = line.find("#")
    while pos >= 0:
        opened = line.rfind("<", 0, pos)
        if opened <= line.rfind(">", 0, pos):
            return True
        quote = line.rfind('"', 0, pos)
        if quote >= 0 and (opened < quote or line.count('"', 0, pos) % 2 or line.find("\\", 0, pos) >= 0):
            return True
        if line.find("'", 0, pos) >= 0:
            return True
        pos = line.find("#", pos + 1)
    return False


def line_subjects(lines: Iterable[str]) -> dict[str, int]:
    """N-Triples / N-Quads: each subject IRI -> the first line that begins with it.

    A line holds one triple or quad, its subject first, and no literal spans lines. The lines of
    one subject usually follow each other, so a subject like the previous line's costs one compare.
    """
    first: dict[str, int] = {}
    previous = ""
    for number, line in enumerate(lines, start=1):
        if line[:1] != "<":
            if line[:1] not in (" ", "\t"):
                continue  # a blank node subject, a comment or a blank line
            line = line.lstrip()
            if line[:1] != "<":
                continue
        end = line.find(">")
        if end < 0:
            continue
        iri = line[1:end]
        if iri != previous:
            previous = iri
            first.setdefault(iri, number)
    return first


class StatementSubjects:
    """Turtle / TriG: each subject IRI -> the line where its first statement begins.

    Follows the statements line by line: `expect` says the next token begins one, which makes it a
    subject, a graph block's label (then "{" follows) or a directive. A line without anything
    that could hide or add a statement boundary ("#", a long string's quotes, and in TriG "{" or
    "}") only needs its first token when a statement begins there, and its last character to see
    whether the statement ends there: a "." ends a line inside a statement only inside a comment or
    a long string. Other lines are tokenized (`_tokens`).
    """

    def __init__(self, graphs: bool) -> None:
        self.graphs = graphs  # TriG: "{" and "}" open and close graph blocks
        self.prefixes: dict[str, str] = {}
        self.first: dict[str, int] = {}
        self.expect = True  # the next token begins a statement
        # A statement's first term and its line, until the next token tells a subject from a graph's label.
        self.pending: tuple[str, int] | None = None
        self.closing: str | None = None  # the delimiter of a long string the previous line ended inside
        self.last: str | None = None  # the token of the last subject noted (until a directive)

    def scan(self, lines: Iterable[str]) -> dict[str, int]:
        """Read the file's lines; return each subject IRI with the line its first statement begins on."""
        graphs = self.graphs
        # The state as local variables, read back after each helper: this loop runs for every line.
        expect, pending, closing, last = self.expect, self.pending, self.closing, self.last
        for number, line in enumerate(lines, start=1):
            if closing is not None or ("#" in line and may_hold_comment(line)) or '"""' in line or (
                "'" in line and "'''" in line) or (graphs and ("{" in line or "}" in line)):
                self.expect = expect
                self._special(line, number)
                expect, pending, closing, last = self.expect, self.pending, self.closing, self.last
                continue
            text = line.rstrip()
            if not text:
                continue
            if expect and pending is None and text.split(None, 1)[0] == last:
                expect = text[-1] == "."  # the same subject again, as in N-Triples written as Turtle
            elif expect or pending is not None:
                self.expect = expect
                self._begin(text, number)
                expect, pending, closing, last = self.expect, self.pending, self.closing, self.last
            else:
                expect = text[-1] == "."
        self.expect = expect
        if self.pending is not None:
            self._add(*self.pending)
        return self.first

    def _begin(self, text: str, number: int) -> None:
        """A plain line (see the class) where a statement may begin. A term alone on the line before was
        a subject: were it a graph's label, this line would begin with "{", and be no plain line."""
        if self.pending is not None:
            self._add(*self.pending)
            self.pending = None
        if not self.expect:
            self.expect = text[-1] == "."
            return
        text = text.lstrip()
        directive = DIRECTIVE.match(text) if text[0] in "@PpBb" else None
        if directive:
            self._declare(directive)
            return
        head = text.split(None, 1)
        if len(head) == 1 and text[-1] != ".":  # a term alone on its line: a subject, or a graph's label
            self.pending, self.expect = (head[0], number), False
            return
        self._add(head[0], number)
        self.expect = text[-1] == "."

    def _special(self, line: str, number: int) -> None:
        """A line inside a long string, or one with a comment, a long string's quotes or a brace."""
        pos = 0
        if self.closing is not None:
            end = LONG_STRING_END[self.closing].match(line) if self.closing in line else None
            if end is None:
                return  # the whole line is inside the string
            self.closing = None
            pos = end.end()
        self._tokens(line, number, pos)

    def _tokens(self, line: str, number: int, pos: int) -> None:
        """Follow the statements of `line` from `pos` token by token, up to a comment or an open long string."""
        while (match := TOKEN.search(line, pos)) is not None:
            kind, token = match.lastgroup, match.group(match.lastindex or 0)  # the one named group that matched
            pos = match.end()
            if kind == "comment":
                return
            if kind == "long":
                end = LONG_STRING_END[token].match(line, pos)
                self._token(token, number)
                if end is None:
                    self.closing = token
                    return
                pos = end.end()
            elif kind == "word":
                if self.expect and (directive := DIRECTIVE.match(line, match.start(match.lastindex or 0))):
                    self._declare(directive)
                    pos = directive.end()
                    continue
                if self.expect and token.upper() == "GRAPH":
                    continue  # TriG's keyword before a graph's label
                term = token.rstrip(".")
                if term:
                    self._token(term, number)
                if term != token:
                    self._token(".", number)
            else:
                self._token(token, number)

    def _token(self, token: str, number: int) -> None:
        """One token on line `number`: "." ends a statement, "{" and "}" open and close graph blocks."""
        if self.pending is not None:
            first, self.pending = self.pending, None
            if token == "{":  # the statement's first term was a graph's label, not a subject
                self.expect = True
                return
            self._add(*first)
        if token in (".", "{", "}"):
            self.expect = True
        elif self.expect:
            self.pending, self.expect = (token, number), False

    def _declare(self, directive: re.Match[str]) -> None:
        """A @prefix/PREFIX (remembered) or @base/BASE directive; a statement begins after it."""
        if directive.group(1):
            self.prefixes[directive.group(2)] = directive.group(3)
        self.expect, self.last = True, None

    def _add(self, token: str, number: int) -> None:
        """Note `token` as a subject on line `number`, unless it is no IRI or was seen before."""
        if token == self.last:
            return
        iri = expand(token, self.prefixes)
        if not iri:
            return
        self.last = token
        if iri not in self.first:
            self.first[iri] = number


__all__ = ["StatementSubjects", "expand", "line_subjects"]
