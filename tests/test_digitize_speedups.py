"""The shortcuts taken for speed give what the plain searches give.

Curve tracing links each run of ink to its best predecessor among the runs
of the last few columns and searches further back only where an older run
could win (``_trace._best_paths``); the overprint beam picks its next pairs
in one array sort (``_redraw._least``) and keeps the ink later counts may
draw by the digits a range of counts shows (``_ahead._Later``); the
touching-numbers search scores a digit on the pixels it inks and settles a
tick's states together (``_overlap``). Each is checked against the plain
computation it replaced, on seeded random inputs; the recogniser loaded on
its own against RapidOCR's whole engine; and a crowded table's lone number
read surely on the page is not read again (``_samples.lone_numbers``).
"""

from __future__ import annotations

import numpy as np
import pytest

from kmipd.digitize._ahead import _Later
from kmipd.digitize._dejavu import LIGHT, SMOOTH, _face
from kmipd.digitize._judge import paste
from kmipd.digitize._overlap import _Decoder, _State
from kmipd.digitize._redraw import _least
from kmipd.digitize._trace import Runs, _run_levels, _step_costs, follow


def _follow_plain(runs: Runs, cols: int, t: float, min_col: int = 0) -> np.ndarray:
    """``follow`` searching every earlier run for every run (the quadratic original)."""
    level = _run_levels(runs, t)
    usable = np.flatnonzero(np.isfinite(level) & (runs.col >= min_col))
    score = np.full(runs.col.size, -np.inf)
    back = np.full(runs.col.size, -1)
    cols_of = runs.col[usable]
    for c in np.unique(cols_of):
        now = usable[cols_of == c]
        before = usable[cols_of < c]
        score[now] = 1.0
        if before.size:
            total = score[before][None, :] - _step_costs(runs, level, now, before, t)
            best = np.argmax(total, axis=1)
            gain = total[np.arange(now.size), best]
            better = gain > 0.0
            score[now[better]] = 1.0 + gain[better]
            back[now[better]] = before[best[better]]
    out = np.full(cols, np.nan)
    node = int(np.argmax(score)) if usable.size else -1
    while node >= 0 and np.isfinite(score[node]):
        out[runs.col[node]] = level[node]
        node = int(back[node])
    return out


def _random_runs(rng: np.random.Generator, kind: str) -> Runs:
    """Runs of a staircase with specks, of noise, or of a curve with long gaps."""
    n = int(rng.integers(5, 400))
    if kind == "gaps":  # runs in clusters far apart: older runs must be searched
        cols = np.sort(
            np.concatenate([rng.integers(s, s + 20, n // 4 + 1) for s in (0, 90, 200, 330)])
        )
        n = cols.size
    else:
        cols = np.sort(rng.integers(0, int(rng.integers(10, 400)), n))
    if kind == "noise":
        top = rng.uniform(0.0, 100.0, n)
    else:
        top = np.sort(rng.integers(0, 40, n)).astype(float) + rng.normal(0.0, 0.3, n)
    height = rng.uniform(0.0, 6.0, n)
    return Runs(cols, top, top + height, rng.random(n) < 0.2, rng.random(n) < 0.2)


@pytest.mark.parametrize("kind", ["staircase", "noise", "gaps"])
def test_windowed_path_search_equals_searching_every_earlier_run(kind: str) -> None:
    rng = np.random.default_rng({"staircase": 1, "noise": 2, "gaps": 3}[kind])
    for _ in range(60):
        runs = _random_runs(rng, kind)
        t = float(rng.uniform(1.0, 4.0))
        start = int(rng.integers(0, 5))
        got = follow(runs, 420, t, start)
        want = _follow_plain(runs, 420, t, start)
        np.testing.assert_array_equal(got, want)


def test_least_pairs_come_in_tuple_order_ties_included() -> None:
    rng = np.random.default_rng(4)
    for _ in range(50):
        pairs = []
        for i in range(int(rng.integers(1, 6))):
            size = int(rng.integers(0, 12))
            counts = rng.choice(200, size=size, replace=False).astype(np.int64)
            excess = rng.integers(0, 4, size).astype(float)  # many equal scores
            pairs.append((0.5 * i + excess, np.full(size, i), counts))
        many = int(rng.integers(1, 30))
        plain = sorted(
            (float(s), int(i), int(c)) for part in pairs for s, i, c in zip(*part, strict=True)
        )
        assert _least(pairs, many) == plain[:many]
    assert _least([], 5) == []


@pytest.mark.parametrize("render", [LIGHT, SMOOTH])
def test_ink_ahead_is_the_same_whatever_was_asked_before(render: str) -> None:
    face = _face(11.0, 16, 13, 0.0, render)
    variants = [(40.0 + 25.0 * k,) for k in range(6)]
    shared = _Later(face, variants, 16)
    rng = np.random.default_rng(5)
    for _ in range(80):
        k = int(rng.integers(0, 6))
        low = int(rng.integers(0, 3000))
        top = low + int(rng.integers(0, 1500))
        col0, clear = shared._widest(k, low, top)
        fresh_col0, fresh_clear = _Later(face, variants, 16)._widest(k, low, top)
        assert col0 == fresh_col0
        np.testing.assert_array_equal(clear, fresh_clear)
    assert len(shared.shown) < len(shared.widest)  # ranges showing the same digits shared


def _printed(text: str) -> np.ndarray:
    """``text`` printed dark on white, as the grey image the recogniser reads."""
    import cv2

    image = np.full((40, 30 + 18 * len(text)), 255, dtype=np.uint8)
    cv2.putText(image, text, (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2, cv2.LINE_AA)
    return image


def test_recogniser_alone_reads_as_rapidocr_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recogniser loaded on its own (``_ocr._recogniser``) reads as RapidOCR's own does.

    The fallback (RapidOCR's whole engine) is taken where the model cannot be
    loaded on its own; both must give the same readings and probabilities.
    """
    from kmipd.digitize import _ocr

    grey = np.hstack([_printed("120"), _printed("Placebo")])
    boxes = [(0, 0, 40, 84), (0, 84, 40, grey.shape[1])]
    alone = _ocr.recognise(grey, boxes)
    saved = dict(_ocr._STATE)
    monkeypatch.setattr(_ocr, "_STATE", {})
    monkeypatch.setattr(_ocr, "_recogniser", lambda: (_ for _ in ()).throw(ImportError()))
    whole = _ocr.recognise(grey, boxes)
    assert type(_ocr._STATE["session"]).__name__ == "OrtInferSession"
    assert _ocr._STATE["chars"] == saved["chars"]
    assert [r.numeric for r in alone] == [r.numeric for r in whole]
    assert alone[0].numeric == "120"
    assert alone == whole


def _random_decoder(seed: int) -> tuple[_Decoder, np.random.Generator]:
    """A touching-numbers search over random ink, with random sparse digit images."""
    from kmipd.digitize._glyphs import Digit, DigitFont

    rng = np.random.default_rng(seed)
    rows = 18
    digits = {
        str(d): Digit(rng.uniform(0, 1, (rows, 9)) * (rng.uniform(size=(rows, 9)) > 0.6), -4.0, 1)
        for d in range(10)
    }
    font = DigitFont(7.0, digits, rows)
    seen = rng.uniform(0, 1, (rows, 90)) * (rng.uniform(size=(rows, 90)) > 0.5)
    return _Decoder(seen, 0, font, [20.0, 45.0, 70.0]), rng


def _settle_plain(decoder: _Decoder, state: _State, values: tuple[int, ...], upto: int) -> _State:
    """One state settled alone (the per-state original of ``_Decoder.settle``)."""
    upto = max(state.final, min(upto, decoder.seen.shape[1]))
    drawn = state.canvas[:, state.final : upto]
    if state.pending is not None:
        digit, col = state.pending
        drawn = drawn.copy()
        image = decoder.font.digits[digit].image
        _, where, part = paste(drawn, image, col - state.final)
        drawn[:, where] = 1.0 - (1.0 - drawn[:, where]) * (1.0 - image[:, part])
    gap = decoder.seen[:, state.final : upto] - drawn
    under = float(np.square(np.maximum(gap, 0.0)).sum())
    return _State(values, state.canvas, state.over, state.under + under, upto, state.pending)


def test_settling_states_together_matches_one_by_one() -> None:
    """``_Decoder.settle`` gives what settling each state alone gives, to the last bit."""

    decoder, rng = _random_decoder(3)
    states = []
    for k in range(12):
        canvas = rng.uniform(0, 1, decoder.seen.shape).astype(np.float32)
        pending = (str(k % 10), int(rng.integers(-5, 80))) if k % 3 else None
        final = int(rng.choice([0, 10]))
        states.append((_State((k,), canvas, 0.5, 0.25, final, pending), (k, k)))
    for upto in (5, 40, 200):
        together = decoder.settle(states, upto)
        alone = [_settle_plain(decoder, state, values, upto) for state, values in states]
        assert [s.under for s in together] == [s.under for s in alone]
        assert [(s.final, s.values, s.pending) for s in together] == [
            (s.final, s.values, s.pending) for s in alone
        ]


def test_scoring_inked_pixels_matches_whole_windows() -> None:
    """``score`` on the pixels a digit inks gives the whole-window sums, to rounding."""
    decoder, rng = _random_decoder(4)
    canvases = [rng.uniform(0, 1, decoder.seen.shape).astype(np.float32) for _ in range(3)]
    picks = [
        (int(rng.integers(3)), int(rng.integers(-6, 88)), int(rng.integers(10))) for _ in range(40)
    ]
    chosen = [canvases[c] for c, _, _ in picks]
    cols = [col for _, col, _ in picks]
    which = [d for _, _, d in picks]
    over, gain = decoder.score(chosen, cols, which)
    index = np.asarray(cols)[:, None] + np.arange(decoder.width)[None, :]
    inside = (index >= 0) & (index < decoder.seen.shape[1])
    index = np.clip(index, 0, decoder.seen.shape[1] - 1)
    window = np.stack([canvas[:, index[k]] for k, canvas in enumerate(chosen)], axis=1)
    seen = decoder.seen[:, index]
    before = (window - seen) * inside
    after = (1.0 - (1.0 - window) * decoder.clear[:, which] - seen) * inside
    plain_over = (np.where(after > 0, after**2, 0) - np.where(before > 0, before**2, 0)).sum(
        axis=(0, 2)
    )
    plain_gain = (np.where(before < 0, before**2, 0) - np.where(after < 0, after**2, 0)).sum(
        axis=(0, 2)
    )
    assert np.allclose(over, plain_over, atol=1e-4)
    assert np.allclose(gain, plain_gain, atol=1e-4)
    assert np.abs(over).max() > 0.1 and np.abs(gain).max() > 0.1


def test_clear_paper_skips_only_counts_out_of_reach() -> None:
    """``_Search.without`` skips far counts and gives what drawing every count gives."""
    from kmipd.digitize._dejavu import _face as face_at
    from kmipd.digitize._redraw import _Search

    rng = np.random.default_rng(5)
    face = face_at(13.0, 20, 15, 0.0, LIGHT)
    centres = [30.0 + 14.5 * k + float(rng.uniform(-0.3, 0.3)) for k in range(14)]
    seen = rng.uniform(0, 1, (20, 260)) * (rng.uniform(size=(20, 260)) > 0.7)
    search = _Search(seen, centres, face, ahead=False)
    values = sorted(rng.integers(0, 2000, len(centres)).tolist(), reverse=True)
    for k in range(len(centres)):
        for digits in (1, 3, 5):
            lo, clear = search.without(values, k, digits)
            plain = np.ones_like(clear)
            for j, value in enumerate(values):
                if j != k:
                    col0, ink = search.drawn(value, j)
                    a, b = max(col0, lo), min(col0 + ink.shape[1], lo + clear.shape[1])
                    if b > a:
                        plain[:, a - lo : b - lo] *= 1.0 - ink[:, a - col0 : b - col0]
            assert np.array_equal(clear, plain)
    assert np.min(clear) < 0.5  # neighbours do reach in


def test_a_lone_number_read_surely_on_the_page_is_not_read_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``lone_numbers`` keeps the page's sure reading of a number; it reads the others again."""
    from kmipd.digitize import _samples
    from kmipd.digitize._calibrate import AxisCalibration, TickLabel
    from kmipd.digitize._ocr import Reading
    from kmipd.digitize._text import Word

    labels = tuple(
        TickLabel(168.0 + 19.0 * t, float(t), str(t), 1.0, True, True) for t in range(0, 31, 6)
    )
    x_axis = AxisCalibration("x", 6.0 / 114.0, -168.0 * 6.0 / 114.0, labels, 0.1, 1.0)
    strip = np.zeros((16, 400))
    strip[2:14, 163:167] = 1.0  # "12" under the tick at column 168: two glyphs
    strip[2:14, 169:173] = 1.0
    strip[2:14, 280:284] = 1.0  # "7" under the tick at column 282 (month 6)
    top = 40  # the strip's first image row
    sure = Word(top + 2, 163, top + 14, 173, "12", 0.99, "12", 0.99)
    unsure = Word(top + 2, 280, top + 14, 284, "7", 0.5, "7", 0.5)
    asked: list[tuple[int, int]] = []

    def read_groups(grey: object, found: list) -> list[Reading]:
        asked.extend((g[0], g[1]) for _, _, g in found)
        return [Reading("7", 0.97, "7", 0.97) for _ in found]

    monkeypatch.setattr(_samples, "_read_groups", read_groups)
    samples = _samples.lone_numbers([strip], x_axis, [(top, [sure, unsure])])
    assert asked == [(280, 284)]
    assert [(s.digits, s.confidence) for s in samples] == [("12", 0.99), ("7", 0.97)]
    asked.clear()
    again = _samples.lone_numbers([strip], x_axis)  # nothing read before: both read
    assert asked == [(163, 173), (280, 284)]
    assert [s.digits for s in again] == ["7"]  # the stub reads "7" for the two-glyph group too


def test_rows_rebuilt_ahead_read_as_the_rows_rebuilt_in_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A table whose rows' touching numbers are rebuilt ahead (side by side with a helper
    process, here in turn) reads as when each row is rebuilt as it is read."""
    from pathlib import Path

    from kmipd.digitize import _crowded, digitize

    figure = Path(__file__).parent / "data" / "figures" / "aio0207b_3b-jco.png"
    monkeypatch.setattr(_crowded, "running", lambda: False)
    plain = digitize(figure)
    asked: list[int] = []
    rebuilds = _crowded._row_ahead

    def noted(*args: object) -> object:
        got = rebuilds(*args)  # type: ignore[arg-type]
        asked.append(len(got[0]))
        return got

    monkeypatch.setattr(_crowded, "running", lambda: True)
    monkeypatch.setattr(_crowded, "_row_ahead", noted)
    ahead = digitize(figure)
    assert len(asked) >= 2 and sum(asked) >= 2  # two rows or more rebuilt ahead
    tables = [
        [(a.name, list(a.risk_table.time), list(a.risk_table.n_at_risk)) for a in r.arms]
        for r in (plain, ahead)
        if all(a.risk_table is not None for a in r.arms)
    ]
    assert len(tables) == 2 and tables[0] == tables[1]
    assert [len(a.risk_table.time) for a in ahead.arms if a.risk_table is not None] == [43, 43]


def test_tall_legend_words_are_read_at_one_scale_small_ones_at_two(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``_best_reading``: words ``_ONE_SCALE`` pixels tall or taller at the first scale only;
    each word keeps its own reading, in order."""
    from dataclasses import replace

    from kmipd.digitize import _reading
    from kmipd.digitize._text import Word

    asked: list[tuple[tuple[int, ...], list[int]]] = []

    def read_words(grey: object, image: object, words: list[Word], height: object) -> list[Word]:
        asked.append((height, [w.height for w in words]))  # type: ignore[arg-type]
        return [replace(w, text=f"h{w.height}") for w in words]

    monkeypatch.setattr(_reading, "read_words", read_words)
    tall = _reading._ONE_SCALE
    words = [Word(0, 0, h, 40) for h in (tall - 4, tall, tall + 9, tall - 1)]
    got = _reading._best_reading(np.zeros((1, 1), np.uint8), np.zeros((1, 1, 3), np.uint8), words)
    assert [w.text for w in got] == [f"h{w.height}" for w in words]
    assert asked == [((48, 64), [tall - 4, tall - 1]), ((48,), [tall, tall + 9])]


def test_rows_redrawn_ahead_read_as_the_rows_redrawn_in_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A table whose rows print deeply over each other (DejaVu Sans, redrawn) reads the same
    when its rows are redrawn ahead, each fitting its own face, as when the second row takes
    the face the first was read with; the second row's redrawing ahead is used, not repeated."""
    import threading
    from pathlib import Path

    from kmipd.digitize import _crowded, _parallel, digitize

    figure = Path(__file__).parent / "data" / "figures" / "elm-pc5_2a-lancet.png"
    faces: list[bool] = []  # per redrawing: whether it was given no face (fits its own)
    redraw_row = _crowded.redraw_row

    def noted(*args: object, **kwargs: object) -> object:
        faces.append(args[5] is None)
        return redraw_row(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_crowded, "redraw_row", noted)
    monkeypatch.setattr(_crowded, "running", lambda: False)
    monkeypatch.setattr(_parallel, "_ready", threading.Event())  # no helper: all in turn here
    plain = digitize(figure)
    assert faces == [True, False]  # in turn: the second row takes the first row's face
    faces.clear()
    monkeypatch.setattr(_crowded, "running", lambda: True)  # rows read ahead (here in turn)
    ahead = digitize(figure)
    assert faces == [True, True]  # ahead: each row fits its own face; neither is redone
    tables = [
        [(a.name, list(a.risk_table.time), list(a.risk_table.n_at_risk)) for a in r.arms]
        for r in (plain, ahead)
        if all(a.risk_table is not None for a in r.arms)
    ]
    assert len(tables) == 2 and tables[0] == tables[1]
