"""Hypothesis strategies for hostile data, shared by the tests/test_fuzz_*.py property tests.

Text is drawn from every Unicode code point (lone surrogates included) mixed with the characters
and fragments that break markup, XML, JSON, SPARQL and Turtle: <>&"' «», RTL and bidi marks, NUL
and other controls, line and paragraph separators, noncharacters and closing tags.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Characters that have broken some parser, escaper or encoder somewhere.
HOSTILE_CHARS = (
    "<", ">", "&", '"', "'", "«", "»", "\u200f", "\u202e", "\u202d", "\u2066", "\u2028", "\u2029", "\x00",
    "\ud800", "\udfff", "\udc80", "\ufffe", "\uffff", "\ufeff", "\ufffd", "\r", "\n", "\t", "\x0b", "\x0c",
    "\x1b", "\x7f", "\x85", "\\", "{", "}", "#", "?", "^", "`", "|", " ", "\u00a0", "ё", "Ш", "\u0301",
    "\U0001f600", "\U0010ffff", "\U000e0001", "/", ":", "%", "@", "$", ";", ",", ".", "(", ")", "[", "]", "=",
)
# Multi-character pieces that end or open a context (script, comment, CDATA, string, group).
HOSTILE_FRAGMENTS = (
    "</script", "</SCRIPT >", "<script>", "<!--", "-->", "<![CDATA[", "]]>", "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>', "&amp;", "&#x3c;", "&lt;", '"""', "'''", '"} UNION { ?s ?p ?o } #',
    "> <http://evil> ; #", "\\u0022", "\\", "^^<http://evil>", "@en", "\r\n", "javascript:",
)
SURROGATES = re.compile("[\ud800-\udfff]")
# Characters XML 1.0 cannot carry at all, not even as character references (besides lone surrogates).
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

any_char = st.characters(exclude_categories=())  # every code point, lone surrogates included
piece = st.one_of(st.sampled_from(HOSTILE_CHARS), st.sampled_from(HOSTILE_FRAGMENTS), any_char)
hostile_text = st.lists(piece, max_size=10).map("".join)
"""Arbitrary text, hostile pieces over-represented; may hold lone surrogates."""
unicode_text = hostile_text.map(lambda text: SURROGATES.sub("", text))
"""Hostile text that is valid Unicode (no lone surrogates): what RDF literals may hold."""
label_text = unicode_text.filter(lambda text: text.strip() != "")

# IRI local parts: letters and digits of any script plus punctuation IRIs allow, with hostile
# characters mixed in so that some IRIs are valid and some are not.
iri_piece = st.one_of(
    st.sampled_from("abz09-._~!$&'()*+,;=@/%é«»ШёΩ\u00a0\U0001f600"),
    st.sampled_from(HOSTILE_CHARS),
    any_char,
)
iri_tail = st.lists(iri_piece, min_size=1, max_size=8).map("".join)
iri_text = st.builds(lambda scheme, tail: scheme + tail,
                     st.sampled_from(["http://example.org/", "https://example.org/x#", "urn:fuzz:", "tag:", ""]),
                     iri_tail)
"""Candidate IRIs: absolute or not, valid or not."""

# A budget that keeps the whole fuzz suite near a minute on two shared cores.
FAST = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SLOW = settings(FAST, max_examples=15)
FEW = settings(FAST, max_examples=8)


def carried(value: object) -> object:
    """`value` (text, or lists and dicts of it) as every output carries it: each lone surrogate as U+FFFD."""
    if isinstance(value, str):
        return SURROGATES.sub("\ufffd", value)
    if isinstance(value, list):
        return [carried(v) for v in value]
    if isinstance(value, dict):
        return {carried(k): carried(v) for k, v in value.items()}
    return value


def xml_safe(text: str) -> str:
    """`text` as an XML export carries it: lone surrogates as U+FFFD, the characters XML 1.0 cannot hold dropped."""
    return XML_INVALID.sub("", str(carried(text)))


def test_the_alphabet_holds_every_character_the_issue_names() -> None:
    """The strategies keep reaching the characters named in the hardening issue."""
    named = set('<>&"\'«»') | {"\u200f", "\u202e", "\x00", "\ud800"}
    assert named <= set(HOSTILE_CHARS)
    assert {"</script", "<!--", "<script>"} <= set(HOSTILE_FRAGMENTS)
    assert SURROGATES.sub("", "a\ud800b\udfffc") == "abc" and xml_safe("a\x00\x0b\tb\ufffe\udfff") == "a\tb\ufffd"
