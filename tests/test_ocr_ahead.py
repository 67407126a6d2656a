"""Words read ahead on the other core read as words read when asked for.

A word's reading must not depend on the words read with it (each is
padded as it would be alone), on the core count of the session, or on
whether the thread reading ahead or the caller read it; and the text of a
figure read with words read ahead is the text read without them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kmipd.digitize import _ocr
from kmipd.digitize._image import load_image
from kmipd.digitize._ocr_ahead import Ahead
from kmipd.digitize._reading import read_figure_text
from kmipd.digitize._scene import look

FIGURES = Path(__file__).parent / "data" / "figures"


def _line(words: list[str]) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Words printed black on white with OpenCV's simplex font, side by side, and their
    boxes (the ink, two pixels round)."""
    import cv2

    pieces, boxes, at = [], [], 0
    for word in words:
        image = np.full((40, 30 + 18 * len(word)), 255, dtype=np.uint8)
        cv2.putText(image, word, (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2, cv2.LINE_AA)
        rows, cols = np.nonzero(image < 128)
        boxes.append((rows.min() - 2, at + cols.min() - 2, rows.max() + 3, at + cols.max() + 3))
        pieces.append(image)
        at += image.shape[1]
    return np.hstack(pieces), [tuple(int(v) for v in box) for box in boxes]  # type: ignore[misc]


def test_a_word_reads_the_same_whoever_it_is_read_with() -> None:
    """Alone, among words of other widths, on one core or all: the same probabilities."""
    grey, boxes = _line(["7", "12", "120", "1024", "Placebo", "45"])
    images = [_ocr.prepare(grey[r0:r1, c0:c1]) for r0, c0, r1, c1 in boxes]
    together = _ocr._probabilities(images)
    for image, probs in zip(images, together, strict=True):
        alone = _ocr.read_batches([[image]])[0][0]
        one_core = _ocr.read_batches([[image]], alone=True)[0][0]
        assert np.array_equal(alone, probs)
        assert np.array_equal(one_core, probs)
    assert [r.numeric for r in _ocr.recognise(grey, boxes)][:4] == ["7", "12", "120", "1024"]


def test_words_read_ahead_are_taken_and_the_others_read_when_asked() -> None:
    grey, boxes = _line(["30", "60", "90", "Months"])
    ink = 1.0 - grey / 255.0
    ahead = Ahead(ink, [boxes[:2], boxes[2:3]])  # "Months" is not read ahead
    images = [_ocr.prepare(_ocr_grey(ink)[r0:r1, c0:c1]) for r0, c0, r1, c1 in boxes]
    taken = ahead.take(images)
    assert [p is not None for p in taken] == [True, True, True, False]
    plain = _ocr._probabilities(images)
    assert all(np.array_equal(t, p) for t, p in zip(taken[:3], plain[:3], strict=True))
    grey = _ocr_grey(ink)
    assert _ocr.recognise(grey, boxes, ahead=ahead) == _ocr.recognise(grey, boxes)


def _ocr_grey(ink: np.ndarray) -> np.ndarray:
    """The grey image the words are cut from (as the thread cuts them)."""
    from kmipd.digitize._image import ink_grey

    return ink_grey(ink)


def test_a_closed_reading_ahead_reads_no_more_batches_but_still_gives_readings() -> None:
    words = ["1", "12", "123", "1234", "12345", "123456"]  # six widths: six batches
    grey, boxes = _line(words)
    ink = 1.0 - grey / 255.0
    ahead = Ahead(ink, [boxes])
    ahead.close(wait=True)
    assert not ahead._thread.is_alive()
    assert len(ahead._batches) == len(words)
    assert sum(b.state == "done" for b in ahead._batches) <= 1  # at most the one it had begun
    readings = _ocr.recognise(_ocr_grey(ink), boxes, ahead=ahead)  # read by the caller
    assert [r.numeric for r in readings] == words
    assert all(b.state == "done" for b in ahead._batches)


@pytest.mark.parametrize("name", ["act2_2b-jco.png", "act2_2b-grey.png"])
def test_a_figure_reads_the_same_text_with_words_read_ahead(name: str) -> None:
    """Tick labels, legend and every line of the table: the same words, read the same."""
    loaded = load_image(FIGURES / name)
    plain = read_figure_text(look(loaded))
    scene = look(loaded, ahead=True)
    assert scene.ahead is not None
    ahead = read_figure_text(scene)
    assert ahead.ticks == plain.ticks
    assert [(t, c) for _, t, c in ahead.legend] == [(t, c) for _, t, c in plain.legend]
    assert ahead.lines == plain.lines and len(plain.lines) >= 2
    assert ahead.inner == plain.inner
    assert all(b.state == "done" or b.state == "waiting" for b in scene.ahead._batches)


def test_a_thread_that_fails_leaves_its_words_to_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A recogniser failing in the thread ends it quietly; the caller reads every word."""
    plain = _ocr.read_batches

    def fails_alone(batches: list, alone: bool = False) -> list:
        if alone:
            raise RuntimeError("no session for the thread")
        return plain(batches, alone)

    monkeypatch.setattr(_ocr, "read_batches", fails_alone)
    grey, boxes = _line(["12", "345", "6789"])
    ink = 1.0 - grey / 255.0
    ahead = Ahead(ink, [boxes])
    ahead._thread.join(timeout=60)
    assert not ahead._thread.is_alive()
    grey = _ocr_grey(ink)
    assert _ocr.recognise(grey, boxes, ahead=ahead) == _ocr.recognise(grey, boxes)
    assert all(b.state == "done" for b in ahead._batches)


def test_no_reading_ahead_outlives_its_figure() -> None:
    """``digitize`` returns only once the thread reading ahead has ended."""
    import threading

    from kmipd.digitize import digitize

    result = digitize(FIGURES / "act2_2b-jco.png")
    assert len(result.arms) == 2
    assert not [t for t in threading.enumerate() if t.name == "kmipd-read-ahead"]
