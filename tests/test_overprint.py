"""Numbers printed over each other, rebuilt by redrawing them (``_overprint``, ``_redraw``)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from kmipd.digitize._dejavu import _FONT, LIGHT, SMOOTH, WHOLE, _face
from kmipd.digitize._overprint import (
    Overprint,
    _band,
    _fit_face,
    _held,
    _search,
    decode_overprint,
    digit_band,
    leaving_limits,
    most_leaving,
)
from kmipd.digitize._redraw import _joined, _polish, _reverse_row, _Search

_FACE = (27.0, SMOOTH, 0.5)  # the face a reading was redrawn with (not used by ``_held``)


def _overprinted(values: list[int], pitch: float, size: int) -> tuple[np.ndarray, list[float]]:
    """Ink of ``values`` drawn centred every ``pitch`` px, in DejaVu Sans of ``size`` px."""
    font = ImageFont.truetype(str(_FONT), size)
    centres = [60.0 + k * pitch for k in range(len(values))]
    width = int(centres[-1] + 80)
    layer = np.zeros((3 * size, width))
    for centre, value in zip(centres, values, strict=True):  # overprint: ink adds up
        one = Image.new("L", (width, 3 * size), 0)
        ImageDraw.Draw(one).text((centre, 2 * size), str(value), font=font, fill=255, anchor="ms")
        layer = 1.0 - (1.0 - layer) * (1.0 - np.asarray(one, dtype=float) / 255.0)
    return layer, centres


def test_rebuilds_a_row_printed_three_deep() -> None:
    values = [142, 140, 136, 133, 129, 122, 119, 113, 107, 98, 95, 93, 86, 84, 82, 79, 75]
    ink, centres = _overprinted(values, pitch=15.0, size=27)
    band = digit_band(ink, 2 * 27 - 10, (int(centres[0]) - 30, int(centres[-1]) + 30))
    assert band is not None
    got = decode_overprint(ink, band, centres)
    assert got is not None
    sure = [v for v, c in zip(got.values, got.confidence, strict=True) if c >= 0.2]
    right = [
        v for v, t, c in zip(got.values, values, got.confidence, strict=True) if c >= 0.2 and v == t
    ]
    assert len(sure) >= 0.8 * len(values)
    assert right == sure  # nothing kept is wrong
    assert got.misfit < 0.2


def test_the_centres_are_moved_onto_the_drawings_grid() -> None:
    # glyphs are drawn on pixel edges, half a pixel left of an image column's centre,
    # and a tick may be read a fraction of a pixel off: the shift is fitted
    values = [142, 140, 136, 133, 129, 122, 119, 113, 107, 98, 95, 93]
    face = _face(24.0, 72, 48, 0.0, SMOOTH)
    centres = [60.0 + k * 13.2 for k in range(len(values))]
    clear = np.ones((72, int(centres[-1] + 80)))
    for value, centre in zip(values, centres, strict=True):  # overprint: ink adds up
        col0, ink = face.number(value, centre)
        clear[:, col0 : col0 + ink.shape[1]] *= 1.0 - ink
    band = digit_band(1.0 - clear, 40, (int(centres[0]) - 30, int(centres[-1]) + 30))
    assert band is not None
    for off in (0.25, 0.5, 0.75):
        read = [c - off for c in centres]
        assert _fit_face(1.0 - clear, band, read, None, None) == (24.0, SMOOTH, off)
        got = decode_overprint(1.0 - clear, band, read)
        assert got is not None and list(got.values) == values


def test_a_face_given_is_redrawn_with_and_not_fitted_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # one table prints in one font: a row redrawn with the face another row was
    # fitted to reads the same, without fitting it again
    values = [142, 140, 136, 133, 129, 122, 119, 113, 107, 98, 95, 93]
    ink, centres = _overprinted(values, pitch=15.0, size=27)
    band = digit_band(ink, 2 * 27 - 10, (int(centres[0]) - 30, int(centres[-1]) + 30))
    assert band is not None
    fitted = decode_overprint(ink, band, centres)
    assert fitted is not None

    def refit(*args: object) -> None:
        raise AssertionError("the face was fitted again")

    monkeypatch.setattr("kmipd.digitize._overprint._fit_face", refit)
    again = decode_overprint(ink, band, centres, face=fitted.face)
    assert again is not None and again.face == fitted.face
    assert again.values == fitted.values


def test_counts_never_rise_and_respect_the_count_after() -> None:
    values = [60, 58, 58, 55, 51, 50, 47, 45, 41, 40]
    ink, centres = _overprinted(values, pitch=14.0, size=24)
    band = digit_band(ink, 2 * 24 - 9, (int(centres[0]) - 30, int(centres[-1]) + 30))
    assert band is not None
    got = decode_overprint(ink, band, centres, (None, 40))
    assert got is not None
    assert all(a >= b for a, b in zip(got.values, got.values[1:], strict=False))
    assert got.values[-1] >= 40


def test_ink_that_is_not_digits_is_left_unread() -> None:
    rng = np.random.default_rng(0)
    ink = np.zeros((60, 400))
    ink[20:40] = (rng.random((20, 400)) > 0.5).astype(float)  # noise, not glyphs
    centres = [60.0 + 15 * k for k in range(10)]
    assert decode_overprint(ink, (20, 39), centres) is None


@pytest.mark.parametrize("row", [-5.0, 10.0])
def test_no_band_where_no_ink(row: float) -> None:
    assert digit_band(np.zeros((30, 100)), row, (0, 100)) is None


def test_most_leaving_follows_the_kaplan_meier_bound() -> None:
    times = np.array([0.0, 1.0, 2.0, 3.0])
    survival = np.array([1.0, 0.9, 0.9, 0.5])
    marks = np.array([1.5, 1.6])
    leaving = most_leaving([(times, survival, marks)])
    # 100 at risk at 0.5, S falls 1.0 -> 0.9 by 1.5: at most -100 ln 0.9 = 10.5 deaths,
    # plus the two censor marks, plus slack 2 + 4 % of 100
    assert leaving(0.5, 1.7, 100) == int(np.ceil(-100 * np.log(0.9) + 2 + 2 + 4))
    # a flat stretch without marks lets only the slack leave
    assert leaving(2.0, 2.9, 50) == 4
    # past the curve's end nothing is known: everyone may leave
    assert leaving(2.0, 4.0, 50) == 50
    # no arm drawn with censor marks: censoring cannot be counted
    assert most_leaving([(times, survival, np.array([]))])(2.0, 2.9, 50) == 50
    # an arm without marks read does not loosen the bound of one with marks
    both = most_leaving([(times, survival, marks), (times, survival * 0.5, np.array([]))])
    assert both(2.0, 2.9, 50) == 4


def test_leaving_limits_add_a_tight_bound_for_arms_without_marks() -> None:
    times = np.array([0.0, 1.0, 2.0, 3.0])
    survival = np.array([1.0, 0.9, 0.9, 0.5])
    marked = (times, survival, np.array([1.5]))
    unmarked = (times, survival, np.array([]))
    assert len(leaving_limits([marked, marked])) == 1  # every arm marked: one bound
    loose, strict = leaving_limits([marked, unmarked])
    assert loose(2.0, 2.9, 50) == 4 and strict(2.0, 2.9, 50) == 4
    # no arm marked: the loose bound would let anyone leave, so only the tight one is tried
    (only,) = leaving_limits([unmarked, unmarked])
    assert only(2.0, 2.9, 50) == 4
    assert most_leaving([unmarked])(2.0, 2.9, 50) == 50


@pytest.mark.parametrize(
    "values",
    [
        [140, 139, 138, 137, 136, 135, 134, 133, 132, 131],  # falls the limit allows
        # 20 leave at once (censoring whose marks were printed over each other):
        # the limit guides the search, the ink decides
        [140, 139, 138, 137, 117, 116, 115, 114, 113, 112],
    ],
)
def test_a_limit_on_falls_guides_the_search_and_the_ink_decides(values: list[int]) -> None:
    ink, centres = _overprinted(values, pitch=15.0, size=27)
    band = digit_band(ink, 2 * 27 - 10, (int(centres[0]) - 30, int(centres[-1]) + 30))
    assert band is not None

    def at_most_three(k: int, n: int) -> int:
        return 3

    got = decode_overprint(ink, band, centres, (None, 0), [at_most_three])
    assert got is not None
    assert list(got.values) == values


def test_polish_mends_a_row_count_by_count() -> None:
    values = [142, 140, 136, 133, 129, 122, 119, 113, 107, 98]
    ink, centres = _overprinted(values, pitch=15.0, size=27)
    band = digit_band(ink, 2 * 27 - 10, (int(centres[0]) - 30, int(centres[-1]) + 30))
    assert band is not None
    em = 27.0
    seen, height, baseline = _band(ink, band, centres, 17.0, 0.0)
    search = _Search(seen, centres, _face(em, height, baseline, 0.0, SMOOTH))
    start = [142, 141, 131, 131, 128, 128, 112, 112, 100, 99]  # close, but mostly wrong
    mended = _polish(search, start, (None, 0))
    assert search.total(mended) < search.total(start)
    assert mended == values


@pytest.mark.parametrize("render", [SMOOTH, WHOLE, LIGHT])
@pytest.mark.parametrize("centre", [100.0, 100.25, 131.3])
def test_a_mirrored_face_draws_the_mirror_image_of_a_number(render: str, centre: float) -> None:
    width = 300
    plain = _face(27.5, 30, 24, 0.0, render)
    mirrored = _face(27.5, 30, 24, 0.0, render, True)
    drawn, flipped = np.zeros((30, width)), np.zeros((30, width))
    col0, ink = plain.number(1538, centre)
    drawn[:, col0 : col0 + ink.shape[1]] = ink
    col1, ink1 = mirrored.number(1538, width - centre)
    flipped[:, col1 : col1 + ink1.shape[1]] = ink1
    assert np.abs(drawn[:, ::-1] - flipped).sum() < 1e-6 * drawn.sum()


def test_a_row_is_found_from_its_right_end_and_joined_to_one_from_the_left() -> None:
    values = [142, 140, 136, 133, 129, 122, 119, 113, 107, 98, 95, 93, 86, 84]
    ink, centres = _overprinted(values, pitch=15.0, size=27)
    band = digit_band(ink, 2 * 27 - 10, (int(centres[0]) - 30, int(centres[-1]) + 30))
    assert band is not None
    em, render, shift = _fit_face(ink, band, centres, None, None)
    assert shift == 0.0  # the test's drawing centres numbers on pixel edges already
    shape = (em, render)
    search = _search(ink, band, centres, 0.0, shape)
    tail = _reverse_row(_search(ink, band, centres, 0.0, shape, True), (150, 0))
    assert tail is not None and tail[3:] == values[3:]  # the deepest numbers aside
    # a row gone astray half way is mended by the row from the right end
    astray = [*values[:7], 112, 100, 90, 80, 70, 60, 50]
    assert _joined(search, astray, tail) == values[:7] + tail[7:]
    # the row from the right end gone astray at the start: the left row's start is kept
    assert _joined(search, values, [150, 149, *values[2:]]) == values


def test_a_deep_reading_holds_where_the_other_reading_finds_it_nearly_as_good() -> None:
    values = [142, 140, 136, 133, 129, 122, 119, 113, 107, 98]
    ink, centres = _overprinted(values, pitch=15.0, size=27)
    band = digit_band(ink, 2 * 27 - 10, (int(centres[0]) - 30, int(centres[-1]) + 30))
    assert band is not None
    other = _search(ink, band, centres, 0.8, (27.0, SMOOTH))
    right = Overprint(tuple(values), (0.6,) * 10, 0.05, _FACE)
    wrong = Overprint((142, 141, 131, 131, 128, 128, 112, 112, 100, 99), (0.6,) * 10, 0.05, _FACE)
    assert _held(right, right, other)  # readings that agree hold
    assert _held(right, wrong, other)  # the other reading redraws the right row better still
    assert not _held(wrong, right, other)  # ... but not the wrong one nearly as well


class _Totals:
    """A stand-in search whose redraw error of each row is given."""

    def __init__(self, totals: dict[tuple[int, ...], float]) -> None:
        self.totals = totals

    def total(self, values: tuple[int, ...]) -> float:
        return self.totals[tuple(values)]


def test_a_deep_reading_holds_where_most_counts_agree_and_it_redraws_nearly_as_well() -> None:
    first = Overprint((90, 80, 70, 60, 50, 40, 30, 20), (0.6,) * 8, 0.05, _FACE)
    most = Overprint((90, 80, 70, 60, 50, 40, 31, 21), (0.6,) * 8, 0.05, _FACE)  # 6 of 8 agree
    half = Overprint((90, 80, 70, 60, 51, 41, 31, 21), (0.6,) * 8, 0.05, _FACE)  # 4 of 8 agree
    other = _Totals({first.values: 1.04, most.values: 1.0, half.values: 1.0})
    assert _held(first, most, other)  # 75 % agree, redrawn 4 % worse
    assert not _held(first, half, other)  # half agree: the search went astray
    worse = _Totals({first.values: 1.08, most.values: 1.0})
    assert not _held(first, most, worse)  # redrawn 8 % worse


@pytest.mark.parametrize("mirrored", [False, True])
def test_growing_many_beginnings_at_once_matches_growing_each(mirrored: bool) -> None:
    values = [1420, 1400, 1360, 1330, 1290, 1220, 1190, 1130]
    ink, centres = _overprinted(values, pitch=15.0, size=27)
    band = digit_band(ink, 2 * 27 - 10, (int(centres[0]) - 30, int(centres[-1]) + 30))
    assert band is not None
    seen, height, baseline = _band(ink, band, centres, 17.0, 0.0)
    search = _Search(seen, centres, _face(27.0, height, baseline, 0.0, SMOOTH, mirrored))
    rng = np.random.default_rng(7)
    states: list = [None]
    for k in range(5):
        parents = [states[int(rng.integers(len(states)))] for _ in range(30)]
        counts = [int(rng.integers(1, 2000)) for _ in range(30)]
        grown = search.grow(parents, counts, k)
        states = []
        for p, (parent, count) in enumerate(zip(parents, counts, strict=True)):
            one = search.extend(parent, count, k)
            many = grown.state(p, [*(parent.values if parent else []), count])
            assert many.start == one.start
            assert many.score == pytest.approx(one.score, rel=1e-9, abs=1e-9)
            assert many.error == pytest.approx(one.error, rel=1e-9, abs=1e-9)
            np.testing.assert_allclose(many.clear, one.clear)
            states.append(many)


def _cairo_row(values: list[int], pitch: float, em: float) -> tuple[np.ndarray, list[float]]:
    """Ink of ``values`` as R's Cairo devices print them: FreeType's light hinting.

    Each digit is drawn on the whole pixel nearest its place, advancing by
    the hinted advance, and the numbers are laid over each other (their
    paper multiplies), as a table whose ticks are closer than its numbers
    are wide comes out. Drawn here with FreeType directly, not with the
    module's face.
    """
    from matplotlib import ft2font

    flags = (
        ft2font.LoadFlags.TARGET_LIGHT
        if hasattr(ft2font, "LoadFlags")
        else ft2font.LOAD_TARGET_LIGHT  # type: ignore[attr-defined]
    )
    font = ft2font.FT2Font(str(_FONT))
    font.set_size(em, 72)
    centres = [60.3 + k * pitch for k in range(len(values))]
    height, baseline = 40, 28
    paper = np.ones((height, int(centres[-1] + 80)))
    for value, centre in zip(values, centres, strict=True):
        text = str(value)
        glyphs = [font.load_char(ord(ch), flags=flags) for ch in text]
        advance = glyphs[0].horiAdvance / 64.0
        left = centre - len(text) * advance / 2.0
        for i, glyph in enumerate(glyphs):
            canvas = np.zeros((height, 40), dtype=np.uint8)
            font.draw_glyph_to_bitmap(canvas, 0, 0, glyph)
            col = int(np.floor(left + i * advance + 0.5))
            top = baseline - int(np.ceil(glyph.bbox[3] / 64.0))
            paper[top:, col : col + 40] *= 1.0 - canvas[: height - top] / 255.0
    # the tick's centre is read as an image column, whose centre is j + 0.5
    return 1.0 - paper, [c - 0.5 for c in centres]


def test_the_light_face_redraws_a_cairo_row_exactly_and_reads_it() -> None:
    values = [1678, 1671, 1665, 1658, 1654, 1644, 1633, 1624, 1610, 1595, 1585, 1574, 1555]
    values += [1544, 1536, 1520, 1510, 1498, 1486, 1468]
    ink, centres = _cairo_row(values, pitch=11.07, em=17.8)
    band = digit_band(ink, 22, (int(centres[0]) - 30, int(centres[-1]) + 30))
    assert band is not None
    em, render, _ = _fit_face(ink, band, centres, None, None)
    assert render == LIGHT and abs(em - 17.8) <= 0.1
    got = decode_overprint(ink, band, centres)
    assert got is not None and got.face[1] == LIGHT
    assert got.misfit < 0.005  # the drawing is the ink
    sure = [(v, t) for v, t, c in zip(got.values, values, got.confidence, strict=True) if c >= 0.2]
    assert len(sure) >= 0.5 * len(values)  # the rest print their digits as another row does
    assert all(v == t for v, t in sure)  # nothing kept is wrong


def test_digits_printed_at_one_place_that_fit_two_rows_are_decided_by_the_falls() -> None:
    # the units of 1644 and the tens of the next count, 1633, print at one place:
    # 1643, 1643 print the same digits there, and the ink cannot tell the rows apart;
    # the row whose falls change evenly is kept, less sure than a count the ink decides
    from kmipd.digitize._exact import DECIDES, _unevenness, traded

    values = [1678, 1671, 1665, 1658, 1654, 1644, 1633, 1624, 1610, 1595, 1585, 1574, 1555]
    ink, centres = _cairo_row(values, pitch=11.0, em=17.8)
    band = digit_band(ink, 22, (int(centres[0]) - 30, int(centres[-1]) + 30))
    assert band is not None
    got = decode_overprint(ink, band, centres)
    assert got is not None and got.face[1] == LIGHT
    other = [*values[:5], 1643, 1643, *values[7:]]
    search = _search(ink, band, [c + got.face[2] for c in centres], 0.0, got.face[:2])
    assert abs(search.total(other) - search.total(values)) < 0.05  # drawn alike
    assert other in [row for _, row in traded(search, values)]  # and found
    assert _unevenness(other) > _unevenness(values) + DECIDES
    assert list(got.values[5:7]) == values[5:7]
    assert got.confidence[5] <= 0.3 and got.confidence[6] <= 0.3  # decided, not seen
    used = [(v, t) for v, t, c in zip(got.values, values, got.confidence, strict=True) if c >= 0.2]
    assert all(v == t for v, t in used)
    assert got.confidence[3] >= 0.5  # a count the ink decides


def test_a_trade_that_makes_a_row_rise_is_tried_with_a_second_trade() -> None:
    # 1644, 1633, 1624 print the digits of 1643, 1642, 1634: trading the units of 1633
    # with the tens of 1624 alone gives 1632, 1634, which rises; with the trade of the
    # units of 1644 and the tens of 1633 it gives a row that does not
    from kmipd.digitize._exact import traded

    values = [1678, 1671, 1665, 1658, 1654, 1644, 1633, 1624, 1610, 1595, 1585, 1574, 1555]
    ink, centres = _cairo_row(values, pitch=11.0, em=17.8)
    band = digit_band(ink, 22, (int(centres[0]) - 30, int(centres[-1]) + 30))
    assert band is not None
    face = _fit_face(ink, band, centres, None, None)
    search = _search(ink, band, [c + face[2] for c in centres], 0.0, face[:2])
    rows = [row for counts, row in traded(search, values) if counts == {5, 6, 7}]
    assert [*values[:5], 1643, 1642, 1634, *values[8:]] in rows


def test_digit_sets_of_a_range_of_counts() -> None:
    from kmipd.digitize._ahead import _digits

    assert _digits(1580, 1654, 100) == (5, 6)
    assert _digits(1645, 1654, 10) == (4, 5)
    assert _digits(1649, 1651, 1) == (0, 1, 9)
    assert _digits(1500, 1654, 10) == tuple(range(10))


def test_without_freetype_drawing_into_arrays_the_unhinted_faces_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # an older matplotlib draws glyphs into its own image type, not an array:
    # the light face is then not tried, and the row is read as before
    from kmipd.digitize import _dejavu

    def old_matplotlib(em: float) -> None:
        raise TypeError("draw_glyph_to_bitmap(): incompatible function arguments")

    monkeypatch.setattr(_dejavu, "_light", old_matplotlib)
    _dejavu.light_sizes.cache_clear()
    try:
        values = [142, 140, 136, 133, 129, 122, 119, 113, 107, 98, 95, 93]
        ink, centres = _overprinted(values, pitch=15.0, size=27)
        band = digit_band(ink, 2 * 27 - 10, (int(centres[0]) - 30, int(centres[-1]) + 30))
        assert band is not None
        got = decode_overprint(ink, band, centres)
        assert got is not None and got.face[1] != LIGHT
        assert list(got.values) == values
    finally:
        _dejavu.light_sizes.cache_clear()


@pytest.mark.parametrize("mirrored", [False, True])
def test_a_centre_chosen_for_one_count_is_the_one_all_counts_choose(mirrored: bool) -> None:
    """On a face that snaps digits to whole pixels, a count's side of a centre near a flip is
    chosen for that count alone as when every count of its length is scored at once."""
    values = [1678, 1671, 1665, 1658, 1654, 1644, 1633, 1624, 1610, 1595]
    ink, centres = _cairo_row(values, pitch=11.07, em=17.8)
    band = digit_band(ink, 22, (int(centres[0]) - 30, int(centres[-1]) + 30))
    assert band is not None
    seen = ink[band[0] - 4 : band[1] + 5]
    face = _face(17.8, seen.shape[0], band[1] - band[0] + 5, 0.0, LIGHT, mirrored)
    one = _Search(seen, centres, face)
    near = [k for k in range(len(centres)) if len(one.variants[k]) == 2]
    assert near  # some centres lie where the rounding flips
    counts = [0, 7, 42, 99, 100, 999, 1000, 1633, 1671, 9999]
    for k in near:
        every = _Search(seen, centres, face)
        every.unseen_ink(k, 9999)  # all counts to 9999 scored at once
        assert [one.centre(v, k) for v in counts] == [every.centre(v, k) for v in counts]
        assert k not in one.variant  # chosen count by count, without scoring them all
