"""Close spellings of a name among many: the "did you mean" lists of parkgraph's errors."""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

T = TypeVar("T", bound=Hashable)


def close_matches(word: str, choices: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The (at most `n`) choices most like `word`, best first, ties in text order; similarity under `cutoff`
    (0-1) is left out, and an empty word matches nothing.

    Similarity is 2·M/T, M the characters both share in order (their longest common subsequence) and
    T both lengths: difflib's ratio, which counts M by its own block matching and so never finds more.
    rapidfuzz computes it in C++: 0.08-0.37 s a word over the 255,000 folded names of the synthetic
    million-triple graph, where `difflib.get_close_matches` took 1-8 s.
    """
    if not word:
        return []
    # rapidfuzz scores in floating-point percent, and its own cutoff test is a little off at the
    # boundary (2/10 against a cutoff of 0.2 is dropped): it takes a hair more, and a name that close
    # to the cutoff is measured again as difflib measures, 2.0 * M / T >= cutoff. Its scores rank as
    # the ratios do: equal ratios are the same float, different ones differ by far more than rounding.
    least = cutoff * 100
    rough = process.extract(word, list(choices), scorer=fuzz.ratio, limit=None, score_cutoff=max(least - 0.001, 0.0))
    kept = ((-score, choice) for choice, score, _where in rough
            if score >= least + 0.001 or similarity(word, choice) >= cutoff)
    return [choice for _score, choice in heapq.nsmallest(n, kept)]


def similarity(word: str, choice: str) -> float:
    """How alike two texts are, 0-1, by `close_matches`'s measure (2·M/T): for ranking names found other
    ways (a name that contains the word) among those it suggests."""
    total = len(word) + len(choice)
    return 2.0 * LCSseq.similarity(word, choice) / total if total else 1.0


def closeness(word: str, names: Mapping[str, Iterable[T]], keys: Iterable[str]) -> dict[T, float]:
    """Each thing `names` gives for one of `keys`, with the `similarity` of its closest such name to `word`:
    what a "did you mean" list is ordered by, best first."""
    best: dict[T, float] = {}
    for key in keys:
        score = similarity(word, key)
        for thing in names[key]:
            if score > best.get(thing, -1.0):
                best[thing] = score
    return best


def suggestions(word: str, names: Mapping[str, Iterable[T]]) -> dict[T, float]:
    """What a `word` that names nothing may have meant: each thing with a name that contains it or is among
    its 8 closest (similarity 0.6 or more), with the `closeness` of that name. One rule for both of the
    places that list them (analytics.find_entity, and the --focus look-up that must list the same)."""
    keys = {key for key in names if word and word in key}
    keys.update(close_matches(word, names, n=8, cutoff=0.6))
    return closeness(word, names, keys)
