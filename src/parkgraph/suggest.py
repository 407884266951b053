"""Close spellings of a name among many: the "did you mean" lists of parkgraph's errors."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq


def close_matches(word: str, choices: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The (at most `n`) choices most like `word`, best first, ties in text order; similarity under `cutoff`
    (0-1) is left out, and an empty word matches nothing.

    Similarity is 2·M/T, M the characters both share in order (their longest common subsequence) and
    T both lengths: difflib's ratio, which counts M by its own block matching and so never finds more.
    rapidfuzz computes it in C++: 0.1-0.25 s a word over the 255,000 folded names of the synthetic
    million-triple graph, where `difflib.get_close_matches` took 1-8 s.
    """
    if not word:
        return []
    # rapidfuzz's scores are floating-point percentages, and its own cutoff test is a little off at the
    # boundary (2/10 against a cutoff of 0.2 is dropped), so it only narrows the field, a little
    # generously; each name left is then measured as difflib measures, 2.0 * M / T >= cutoff.
    rough = process.extract(word, list(choices), scorer=fuzz.ratio, limit=None,
                            score_cutoff=max(cutoff * 100 - 0.001, 0.0))
    scored = []
    for choice, _score, _where in rough:
        ratio = 2.0 * LCSseq.similarity(word, choice) / (len(word) + len(choice))
        if ratio >= cutoff:
            scored.append((-ratio, choice))
    return [choice for _ratio, choice in sorted(scored)[:n]]
