"""Legend words read a letter off are mended from a list of arm words and drug names,
only where the recogniser is unsure of the letter."""

from __future__ import annotations

import numpy as np
import pytest

from kmipd.digitize._lexicon import is_listed, near_words
from kmipd.digitize._ocr import _engine, _likeliest


@pytest.mark.parametrize(
    ("token", "near"),
    [
        ("cnzotinib", ["anlotinib", "crizotinib"]),  # "ri" merged into "n": two edits
        ("Contro!", ["Control"]),  # a capital start is kept
        ("PLACEB0", ["PLACEBO"]),  # and upper case
        ("mFOLF0X6", ["mFOLFOX6"]),  # and mixed case, letter by letter
        ("placebo", []),  # listed as read
        ("wdocetaxel", []),  # a word shorter than the reading: a letter seen is not dropped
        ("cap", []),  # too short to mend
        ("nivolumab", []),
    ],
)
def test_near_words(token: str, near: list[str]) -> None:
    assert sorted(near_words(token)) == near


def test_listed_words_are_found_in_any_case() -> None:
    assert is_listed("Pembrolizumab")
    assert is_listed("PLACEBO")
    assert not is_listed("Arm A")


def _output(letters: list[tuple[str, str, float]]) -> np.ndarray:
    """A recogniser output spelling a word: per letter one step, where the letter (and,
    with probability ``p``, a rival) is read, then a blank step."""
    _, chars, _ = _engine()
    index = {c: i for i, c in enumerate(chars)}
    rows = []
    for letter, rival, p in letters:
        step = np.full(len(chars), 1e-6)
        step[index[letter]] = 1.0 - p
        if rival:
            step[index[rival]] = p
        rows.append(step / step.sum())
        blank = np.full(len(chars), 1e-6)
        blank[0] = 1.0
        rows.append(blank / blank.sum())
    return np.array(rows)


def test_an_unsure_letter_takes_the_listed_spelling() -> None:
    """'l' nearly as likely as the '!' read: the listed "control" wins."""
    word = [(c, "", 0.0) for c in "contro"] + [("!", "l", 0.3)]
    probs = _output(word)
    assert _likeliest({"contro!": 0.9}, [probs, probs]) == ("control", 0.9)


def test_a_clear_letter_keeps_an_unlisted_spelling() -> None:
    """A clearly printed 'a' keeps a label's own spelling ("anastrazole") off the drug's
    name ("anastrozole")."""
    word = [(c, "", 0.0) for c in "anastr"] + [("a", "o", 0.0001)]
    word += [(c, "", 0.0) for c in "zole"]
    probs = _output(word)
    assert _likeliest({"anastrazole": 0.95}, [probs, probs]) == ("anastrazole", 0.95)
