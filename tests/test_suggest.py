"""The "did you mean" matcher: difflib's similarity measure, all above the cutoff, best first."""

from __future__ import annotations

import difflib
import random
from fractions import Fraction

import pytest

from parkgraph.suggest import close_matches, closeness, similarity


def lcs(a: str, b: str) -> int:
    """The length of the longest common subsequence, by the textbook table."""
    row = [0] * (len(b) + 1)
    for x in a:
        previous = 0
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], previous + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def reference(word: str, choices: list[str], n: int, cutoff: float) -> list[str]:
    """What close_matches promises, in exact fractions: 2·LCS/T at least `cutoff`, best first, ties by text."""
    scored = [(Fraction(2 * lcs(word, c), len(word) + len(c)), c) for c in choices]
    kept = [(score, c) for score, c in scored if score >= Fraction(cutoff).limit_denominator(1000)]
    return [c for score, c in sorted(kept, key=lambda sc: (-sc[0], sc[1]))[:n]]


def test_against_an_independent_reference() -> None:
    """Small alphabets make many ties and many choices near the cutoff; every case is checked exactly."""
    rng = random.Random(7)
    for _ in range(400):
        alphabet = rng.choice(["ab", "abc", "abcd ", "аб1"])
        choices = sorted({"".join(rng.choices(alphabet, k=rng.randint(1, 9))) for _ in range(rng.randint(1, 40))})
        word = "".join(rng.choices(alphabet, k=rng.randint(1, 8)))
        n, cutoff = rng.randint(1, 10), rng.choice([0.0, 0.29, 0.5, 0.57, 0.6, 0.75, 1.0])
        shuffled = rng.sample(choices, len(choices))  # ties come back in text order, not the order given
        assert close_matches(word, shuffled, n=n, cutoff=cutoff) == reference(word, choices, n, cutoff), (
            word, choices, n, cutoff)


def test_a_choice_exactly_at_the_cutoff_is_kept() -> None:
    # 2·1/(5+5) = 0.2, which rapidfuzz scores as 19.999999999999996 percent; 2·5/13 alike
    assert close_matches("axxxx", ["ayyyy"], cutoff=0.2) == ["ayyyy"]
    assert close_matches("axxxx", ["ayyyy"], cutoff=0.21) == []
    assert close_matches("aaaaax", ["aaaaayy"], cutoff=10 / 13) == ["aaaaayy"]
    assert close_matches("abcde", ["abcxy"], cutoff=0.6) == ["abcxy"]


def test_never_less_similar_than_difflib_finds() -> None:
    """Every name difflib's get_close_matches returns scores at least as high here: none is lost."""
    rng = random.Random(11)
    names = [f"synthetic park {i}" for i in range(600)] + [f"synthetic company {i}" for i in range(3000)]
    for name in rng.sample(names, 20):
        typo = name[:3] + name[4:]
        ours = close_matches(typo, names, n=8, cutoff=0.6)
        theirs = difflib.get_close_matches(typo, names, n=8, cutoff=0.6)
        assert ours[0] == theirs[0] == name
        worst = min(difflib.SequenceMatcher(None, typo, c).ratio() for c in theirs)
        assert all(Fraction(2 * lcs(typo, c), len(typo) + len(c)) >= Fraction(worst).limit_denominator(10**6)
                   for c in ours)


@pytest.mark.parametrize(("word", "choices"), [("", ["a", ""]), ("x", []), ("abc", ["qqq"])])
def test_nothing_to_suggest(word: str, choices: list[str]) -> None:
    assert close_matches(word, choices) == []


def test_takes_any_iterable_of_names() -> None:
    """A dict's keys (the name indexes are dicts) and generators are the names themselves."""
    index = {"kip master": {1}, "kip masters": {2}}
    assert close_matches("kip mastr", index, n=2) == ["kip master", "kip masters"]
    assert close_matches("kip mastr", (k for k in index), n=1) == ["kip master"]


def test_similarity_is_close_matches_measure() -> None:
    rng = random.Random(3)
    for _ in range(200):
        word = "".join(rng.choices("abc д", k=rng.randint(0, 8)))
        choice = "".join(rng.choices("abc д", k=rng.randint(0, 8)))
        expected = Fraction(2 * lcs(word, choice), len(word) + len(choice)) if word or choice else Fraction(1)
        assert abs(similarity(word, choice) - float(expected)) < 1e-12, (word, choice)


def test_closeness_keeps_each_things_closest_name() -> None:
    names = {"kip master": {"a"}, "kip": {"a", "b"}, "master of parks": {"b", "c"}}
    score = closeness("kip mastr", names, names)
    assert score == {
        "a": similarity("kip mastr", "kip master"),
        "b": max(similarity("kip mastr", "kip"), similarity("kip mastr", "master of parks")),
        "c": similarity("kip mastr", "master of parks"),
    }
    only_kip = similarity("kip mastr", "kip")
    assert closeness("kip mastr", names, ["kip"]) == {"a": only_kip, "b": only_kip}  # only the keys asked about
