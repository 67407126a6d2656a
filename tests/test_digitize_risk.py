"""Reading numbers-at-risk tables and legend names: crowded numbers, the table's font, letters.

Figures copied into tests/data/figures (see tests/data/ATTRIBUTION.md); the
expected numbers at risk are counted from the data the figures were drawn from.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kmipd.digitize import DigitizationResult, digitize
from kmipd.digitize._calibrate import AxisCalibration, TickLabel
from kmipd.digitize._crowded import _ocr_fill
from kmipd.digitize._glyphs import Digit, DigitFont, Sample, learn_font
from kmipd.digitize._legend import (
    LegendEntry,
    Swatch,
    _label_words,
    _line_words,
    find_swatches,
    join_dashes,
)
from kmipd.digitize._ocr import Reading, batches_of
from kmipd.digitize._overlap import decode_span
from kmipd.digitize._pairwise import decode_pairs
from kmipd.digitize._reading import _bar_label
from kmipd.digitize._refine import refine_font
from kmipd.digitize._risk import RiskLine, cells_of, read_row, risk_lines, table_anchor
from kmipd.digitize._samples import _trusted
from kmipd.digitize._tables import MIN_CELL_CONFIDENCE
from kmipd.digitize._text import Word, find_glyphs, fix_letters

FIGURES = Path(__file__).parent / "data" / "figures"

# AIO0207(b) fig 3B (jco style): 43 ticks, three-digit counts printed over each other.
AIO = {
    "5fu_bev": [
        147,
        143,
        126,
        115,
        102,
        87,
        76,
        64,
        54,
        47,
        41,
        37,
        34,
        31,
        28,
        27,
        22,
        17,
        14,
        12,
        10,
        9,
        7,
        6,
        6,
        6,
        5,
        4,
        4,
        4,
        4,
        3,
        3,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
    ],
    "bev": [
        153,
        153,
        118,
        100,
        89,
        68,
        53,
        45,
        39,
        34,
        29,
        25,
        24,
        22,
        18,
        16,
        16,
        16,
        15,
        15,
        14,
        13,
        11,
        10,
        10,
        8,
        8,
        7,
        7,
        7,
        7,
        6,
        5,
        4,
        4,
        4,
        3,
        3,
        2,
        2,
        1,
        1,
        1,
    ],
}


@pytest.fixture(scope="module")
def aio() -> DigitizationResult:
    return digitize(FIGURES / "aio0207b_3b-jco.png")


def test_numbers_printed_over_each_other_are_rebuilt(aio: DigitizationResult) -> None:
    assert [arm.name for arm in aio.arms] == ["5fu_bev", "bev"]
    right = 0
    for arm in aio.arms:
        table = arm.risk_table
        assert table is not None
        assert np.all(np.diff(table.n_at_risk) <= 0)
        read = dict(zip(np.round(table.time, 6), table.n_at_risk, strict=True))
        assert read.get(0.0) == AIO[arm.name][0]  # the count randomised, needed to rebuild IPD
        right += sum(read.get(float(t)) == n for t, n in enumerate(AIO[arm.name]))
        wrong = [(t, n) for t, n in read.items() if n != AIO[arm.name][int(t)]]
        assert not wrong  # unsure numbers are left out, not handed on
    assert right >= 0.85 * 86  # OCR alone read under half of them


def test_rebuilt_numbers_carry_a_lower_confidence(aio: DigitizationResult) -> None:
    cells = {c.time: c for c in aio.arms[0].risk_cells}
    assert cells[0.0].value == 147
    assert 0.0 < cells[0.0].confidence < 0.95  # drawn again, not read
    assert cells[42.0].confidence > 0.9  # read alone by OCR


def test_legend_name_with_lower_case_l() -> None:
    result = digitize(FIGURES / "actscc_2a-jco.png")
    assert [arm.name for arm in result.arms] == ["s_1", "uft_lv"]
    assert [list(arm.risk_table.n_at_risk) for arm in result.arms if arm.risk_table] == [
        [758, 656, 593, 495, 24],
        [760, 647, 572, 466, 25],
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("uft_Iv", "uft_lv"),
        ("Arm II", "Arm II"),
        ("Iressa", "Iressa"),
        ("cIsplatin", "clsplatin"),
        ("folfoxiri _bevacizumab", "folfoxiri_bevacizumab"),
        ("t_ dm1", "t_dm1"),
    ],
)
def test_fix_letters(text: str, expected: str) -> None:
    assert fix_letters(text) == expected


def _toy_font() -> DigitFont:
    """Ten distinct 8 x 5 digit images (rings with random insides), pitch 6 columns."""
    rng = np.random.default_rng(7)
    digits = {}
    for d in "0123456789":
        image = np.zeros((8, 7))
        image[:, 1:6] = rng.random((8, 5)) < 0.5
        image[[0, -1], 1:6] = image[:, [1, 5]] = 1.0  # a closed ring: one glyph
        digits[d] = Digit(image, -2.5, 1.0)
    return DigitFont(6.0, digits, 8)


def _draw(font: DigitFont, values: list[int], centres: list[float], width: int) -> np.ndarray:
    """A strip with the numbers drawn over each other (ink adds as 1 - (1 - a)(1 - b))."""
    strip = np.zeros((font.height, width))
    for value, centre in zip(values, centres, strict=True):
        text = str(value)
        for j, d in enumerate(text):
            col = font.place(d, centre, j, len(text))
            image = font.digits[d].image
            window = strip[:, col : col + image.shape[1]]
            strip[:, col : col + image.shape[1]] = 1 - (1 - window) * (1 - image)
    return strip


def test_decode_span_rebuilds_overlapping_numbers() -> None:
    font = _toy_font()
    values = [153, 140, 118, 97, 90, 61, 8]
    centres = [20.0 + 10.0 * i for i in range(len(values))]  # 3 digits = 18 columns > 10
    strip = _draw(font, values, centres, 110)
    decoded = decode_span(strip, (8, 95), centres, font)
    assert decoded is not None
    assert list(decoded.values) == values
    assert decoded.residual == pytest.approx(0.0, abs=1e-9)
    assert all(0.0 < c <= 0.9 for c in decoded.confidence)


def test_decode_span_keeps_counts_from_rising() -> None:
    font = _toy_font()
    centres = [20.0, 30.0]
    strip = _draw(font, [120, 130], centres, 50)  # a rising pair cannot be returned
    decoded = decode_span(strip, (8, 42), centres, font)
    assert decoded is None or decoded.values[0] >= decoded.values[1]
    capped = decode_span(_draw(font, [120, 110], centres, 50), (8, 42), centres, font, upper=115)
    assert capped is None or capped.values[0] <= 115


def test_decode_pairs_rebuilds_numbers_overlapping_their_neighbours() -> None:
    font = _toy_font()
    values = [97, 95, 90, 88, 81, 77, 70, 64, 60, 58, 51, 9]
    centres = [20.0 + 8.0 * i for i in range(len(values))]  # 2 digits = 12 columns > 8
    strip = _draw(font, values, centres, 130)
    decoded = decode_pairs(strip, (8, 120), centres, font)
    assert decoded is not None
    assert decoded.residual == pytest.approx(0.0, abs=1e-9)
    # a digit hidden entirely under its neighbours' ink is doubted, never trusted
    sure = [c > 0.0 for c in decoded.confidence]
    assert sum(sure) >= 10
    assert [v for v, ok in zip(decoded.values, sure, strict=True) if ok] == [
        v for v, ok in zip(values, sure, strict=True) if ok
    ]
    # bounds from the counts beside the span hold
    capped = decode_pairs(strip, (8, 120), centres, font, upper=96, lower=9)
    assert capped is not None and capped.values[0] <= 96 and min(capped.values) >= 9
    assert all(a >= b for a, b in zip(capped.values, capped.values[1:], strict=False))


def test_decode_pairs_declines_numbers_wider_than_two_gaps() -> None:
    font = _toy_font()
    centres = [20.0 + 5.0 * i for i in range(4)]  # 3 digits = 18 columns > 2 gaps of 5
    strip = _draw(font, [153, 140, 118, 117], centres, 60)
    assert decode_pairs(strip, (8, 45), centres, font, lower=117) is None


def test_learn_font_measures_pitch_and_offsets() -> None:
    font = _toy_font()
    centres = [20.0, 45.0, 70.0, 95.0]
    numbers = [110, 11, 7, 101]  # a digit in several places pins the pitch
    strip = _draw(font, numbers, centres, 120)
    samples = []
    for value, centre in zip(numbers, centres, strict=True):
        ink = np.flatnonzero(strip[:, int(centre) - 12 : int(centre) + 12].any(axis=0))
        left, right = int(centre) - 12 + ink[0], int(centre) - 12 + ink[-1] + 1
        samples.append(Sample(strip, 0, left, right, centre, str(value), 0.99))
    learned = learn_font(samples)
    assert learned is not None
    assert learned.measured
    assert learned.pitch == pytest.approx(6.0, abs=0.6)
    assert set(learned.digits) == {"0", "1", "7"}
    assert learned.digits["1"].offset == pytest.approx(-2.5, abs=0.6)


# BEBYP fig 3 (nejm style): 49 ticks of two-digit counts printed over each other; no
# number stands alone in the first half, and "0" is read alone only as the letter "o".
BEBYP = {
    "bev_ct": [
        int(n)
        for n in "92 90 89 88 87 83 79 76 71 66 62 56 52 48 46 42 42 38 38 37 34 30 29 28 27 "
        "25 22 19 18 17 15 12 12 11 9 9 9 9 8 7 5 5 5 4 3 2 2 2 1".split()
    ],
    "ct": [
        int(n)
        for n in "92 92 90 87 86 83 82 75 67 62 60 58 56 52 52 46 43 37 34 30 27 24 20 17 16 "
        "14 12 10 9 8 7 7 5 2 1 1 1 1 1 1 1 1 1 1 0 0 0 0 0".split()
    ],
}


def test_crowded_two_digit_rows_are_rebuilt_without_wrong_numbers() -> None:
    result = digitize(FIGURES / "bebyp_3-nejm.png")
    assert [arm.name for arm in result.arms] == ["bev_ct", "ct"]
    kept = 0
    for arm in result.arms:
        assert arm.risk_table is not None
        truth = BEBYP[arm.name]
        for t, n in zip(arm.risk_table.time, arm.risk_table.n_at_risk, strict=True):
            assert n == truth[round(t)], f"{arm.name} at {t}: {n} handed on"
        kept += len(arm.risk_table.time)
    assert kept >= 0.85 * 98  # OCR alone read none of them


def test_one_letter_legend_label_between_two_keys() -> None:
    # lancet style: the keys of "l" and "t" sit close enough to look like one dashed key,
    # and the recogniser reads the lone stroke "l" as a dash
    result = digitize(FIGURES / "altto_c_2a-lancet.png")
    assert [arm.name for arm in result.arms] == ["l", "t"]
    tables = {arm.name: list(arm.risk_table.n_at_risk) for arm in result.arms if arm.risk_table}
    assert tables == {
        "l": [2100, 1843, 1678, 1519, 1122, 435],
        "t": [2097, 1960, 1838, 1658, 1246, 456],
    }


def test_decode_span_doubts_a_number_its_rival_draws_alike() -> None:
    font = _toy_font()
    font.digits["8"] = Digit(font.digits["3"].image.copy(), -2.5, 1.0)  # 3 and 8 drawn alike
    values = [153, 140, 118, 97, 90, 61, 7]
    centres = [20.0 + 10.0 * i for i in range(len(values))]
    decoded = decode_span(_draw(font, values, centres, 110), (8, 95), centres, font)
    assert decoded is not None
    assert decoded.values[0] in (153, 158)
    assert decoded.confidence[0] < MIN_CELL_CONFIDENCE  # 153 or 158: the ink cannot tell
    assert decoded.values[3] == 97
    assert decoded.confidence[3] > 0.5


def test_decode_span_judges_each_number_on_its_own_stretch() -> None:
    font = _toy_font()
    values = [153, 140, 118, 97, 90, 61, 7]
    centres = [20.0 + 10.0 * i for i in range(len(values))]
    strip = _draw(font, values, centres, 110)
    rng = np.random.default_rng(3)
    strip[:, 72:100] = np.maximum(strip[:, 72:100], rng.random((8, 28)) < 0.5)  # a smudge
    decoded = decode_span(strip, (8, 95), centres, font)
    assert decoded is not None
    assert list(decoded.values[:5]) == values[:5]
    assert min(decoded.confidence[:5]) >= MIN_CELL_CONFIDENCE  # the clean stretch stays sure
    assert max(decoded.confidence[5:]) < MIN_CELL_CONFIDENCE  # the smudged one does not


def test_refine_font_redraws_a_borrowed_digit_from_the_table() -> None:
    truth = _toy_font()
    values = [153, 150, 135, 105, 95, 75, 53, 35, 25, 5]
    centres = [20.0 + 10.0 * i for i in range(len(values))]
    strip = _draw(truth, values, centres, 130)
    wrong = 1.0 - truth.digits["5"].image  # a borrowed "5" that looks nothing like it
    wrong[:, [0, -1]] = 0.0
    font = DigitFont(
        truth.pitch, {**truth.digits, "5": Digit(wrong, -2.5, 0.5, True)}, truth.height
    )
    refined = refine_font(font, [(strip, centres, values)])
    before = np.abs(font.digits["5"].image - truth.digits["5"].image).sum()
    after = np.abs(refined.digits["5"].image - truth.digits["5"].image).sum()
    assert after < 0.25 * before
    assert refined.digits["3"] is font.digits["3"]  # digits seen alone are kept


@pytest.mark.parametrize(
    ("reading", "glyphs", "trusted"),
    [
        (Reading("12", 0.95, "12", 0.95), 2, True),
        (Reading("o", 0.45, "0", 0.45), 1, True),  # a lone round glyph: the digit 0
        (Reading("8", 0.6, "8", 0.6), 1, False),
        (Reading("oo", 0.45, "00", 0.45), 2, False),
        (Reading("12", 0.95, "12", 0.95), 3, False),
    ],
)
def test_which_lone_numbers_teach_the_font(reading: Reading, glyphs: int, trusted: bool) -> None:
    assert _trusted(reading, glyphs) is trusted


def test_find_glyphs_keeps_a_run_of_touching_digits() -> None:
    mask = np.zeros((60, 400), dtype=bool)
    mask[10:22, 20:320] = np.arange(300)[None, :] % 6 < 2  # strokes ...
    mask[10:12, 20:320] = mask[20:22, 20:320] = True  # ... joined: one component 300 wide
    mask[40:42, 20:380] = True  # a thin rule
    mask[45:57, 20:300] = True  # a solid bar
    boxes = find_glyphs(mask, 20)
    assert [tuple(b[:4]) for b in boxes] == [(10, 20, 22, 320)]


def test_find_glyphs_drops_flat_curves_as_low_as_a_line_of_text() -> None:
    # survival near 100 % all along: two curves with censor ticks fall 8 rows over
    # 300 columns, as low as a line of text; they are no run of touching numbers
    mask = np.zeros((60, 400), dtype=bool)
    cols = np.arange(20, 320)
    for start in (10, 14):
        rows = start + (cols - 20) * 8 // 300
        mask[rows, cols] = mask[rows + 1, cols] = True
        for col in cols[::25]:
            mask[rows[col - 20] - 2 : rows[col - 20] + 3, col] = True  # censor ticks
    mask[10:15, 20] = True  # the curves start together
    boxes = find_glyphs(mask, 20)
    assert [tuple(b[:4]) for b in boxes if b[3] - b[1] > 100] == []


def test_join_dashes_stops_at_a_label_between_two_keys() -> None:
    dash = [Word(30, 10, 34, 30), Word(30, 40, 34, 60)]  # two keys close together
    label = Word(26, 33, 36, 35)  # a one-letter label between them
    joined = join_dashes([*dash, label])
    assert sorted((w.col0, w.col1) for w in joined) == [(10, 30), (33, 35), (40, 60)]
    assert sorted((w.col0, w.col1) for w in join_dashes(dash)) == [(10, 60)]


def _counts(text: str) -> list[int]:
    return [int(n) for n in text.split()]


# AZURE fig 4 (jco style): 61 ticks every 2 months, tick labels and four-digit counts
# printed far over each other.
AZURE = {
    "control": _counts(
        "1678 1671 1665 1658 1654 1644 1633 1624 1610 1595 1585 1574 1555 1544 1536 1520 "
        "1510 1498 1486 1468 1462 1444 1426 1418 1408 1392 1377 1359 1344 1333 1319 1300 "
        "1285 1267 1245 1228 1214 1160 1110 1059 1012 964 914 841 764 623 559 489 489 281 "
        "236 176 127 72 21 18 14 10 7 3 1"
    ),
    "zoledronic_acid": _counts(
        "1681 1677 1669 1660 1654 1642 1632 1625 1608 1601 1580 1573 1562 1546 1533 1512 "
        "1507 1494 1479 1467 1457 1449 1438 1433 1423 1409 1400 1389 1367 1354 1344 1322 "
        "1303 1287 1269 1248 1223 1167 1103 1045 988 932 872 773 675 574 475 382 285 233 "
        "190 147 103 59 17 14 11 8 5 2 1"
    ),
}


def _handed_on(result: DigitizationResult, truth: dict[str, list[int]], step: float) -> int:
    """Numbers kept in the risk tables; fails on any that is wrong."""
    kept = 0
    for arm in result.arms:
        if arm.risk_table is None:
            continue
        for t, n in zip(arm.risk_table.time, arm.risk_table.n_at_risk, strict=True):
            assert n == truth[arm.name][round(t / step)], f"{arm.name} at {t}: {n} handed on"
            kept += 1
    return kept


def test_overprinted_tick_labels_calibrate_from_the_tick_marks() -> None:
    result = digitize(FIGURES / "azure_4-jco.png")
    x_axis = result.x_axis
    assert x_axis.confidence >= 0.25  # a wrong slope fitted through fragments had 0.21
    values = [label.value for label in x_axis.labels if label.used]
    assert values == [2.0 * k for k in range(61)]
    assert x_axis.slope == pytest.approx(2.0 / 11.07, rel=0.01)
    _handed_on(result, AZURE, 2.0)  # counts printed four deep: none may be guessed


ELM = {
    "orteronel": _counts(
        "734 710 685 665 627 600 575 535 494 450 403 355 316 286 254 217 192 169 145 122 "
        "101 76 60 45 32 21 11 1 1"
    ),
    "placebo": _counts(
        "365 360 348 336 326 309 285 263 241 224 200 177 151 136 121 104 86 72 59 54 41 "
        "33 26 19 13 9 4 0 0"
    ),
}


def test_a_misread_lone_number_does_not_set_the_digit_pitch() -> None:
    # ELM-PC5 fig 2A (lancet style): the only lone two-digit "number" is a blend read
    # as "17", whose digits would overlap; the pitch comes from the rows instead.
    result = digitize(FIGURES / "elm-pc5_2a-lancet.png")
    assert _handed_on(result, ELM, 1.0) >= 0.85 * 58


def test_ctc_log_likelihood_sums_every_alignment() -> None:
    import itertools

    from kmipd.digitize._ocr import _ctc_log_likelihood

    rng = np.random.default_rng(3)
    probs = rng.random((4, 3))
    probs /= probs.sum(axis=1, keepdims=True)

    def spelled(path: tuple[int, ...]) -> list[int]:
        out, previous = [], 0
        for label in path:
            if label not in (0, previous):
                out.append(label)
            previous = label
        return out

    for labels in ([1], [1, 2], [1, 1], []):
        brute = sum(
            np.prod([probs[t, c] for t, c in enumerate(path)])
            for path in itertools.product(range(3), repeat=4)
            if spelled(path) == labels
        )
        assert _ctc_log_likelihood(probs, labels) == pytest.approx(np.log(brute))


def _legend_grey(name: str) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(FIGURES / name).convert("L"))


def test_legend_text_is_the_reading_both_scales_favour() -> None:
    from kmipd.digitize._ocr import recognise_text

    # at 48 rows the recogniser drops an 'i' ("folfri"), with higher mean confidence
    grey = _legend_grey("tribe2_2b-jco-legend.png")
    readings = recognise_text(grey, [(12, 303, 25, 419), (12, 460, 25, 589)], (48, 64))
    assert [r.text for r in readings] == ["folfiri_bevacizumab", "folfoxiri_bevacizumab"]


def test_legend_scale_that_reads_nothing_does_not_veto_text() -> None:
    from kmipd.digitize._ocr import recognise_text

    grey = _legend_grey("gim2_2c-lancet-legend.png")
    readings = recognise_text(grey, [(12, 404, 25, 420), (12, 469, 25, 485)], (48, 64))
    assert [r.text for r in readings] == ["q2", "q3"]


def test_join_dashes_keeps_a_key_apart_from_the_small_letters_after_it() -> None:
    image = np.full((40, 120, 3), 255, dtype=np.uint8)
    image[14:20, 10:22] = (245, 198, 27)  # a yellow key ...
    image[15:19, 29:37] = (20, 20, 20)  # ... and a black 'no' 4 px high, 7 px after it
    key, letters = Word(14, 10, 20, 22), Word(15, 29, 19, 37)
    apart = join_dashes([key, letters], image)
    assert sorted((w.col0, w.col1) for w in apart) == [(10, 22), (29, 37)]
    image[15:19, 29:37] = (245, 198, 27)  # the same colour: pieces of one dashed key
    assert [(w.col0, w.col1) for w in join_dashes([key, letters], image)] == [(10, 37)]


def test_small_letters_start_a_label_only_with_a_full_word_close_after() -> None:
    swatch = Swatch(Word(13, 10, 20, 22), 0, "solid")

    def label(words: list[Word]) -> tuple[Word, ...]:
        return _label_words(swatch, _line_words(swatch, words, []))

    small, word = Word(15, 27, 19, 35), Word(13, 39, 21, 93)  # "no" and "_chemotherapy"
    assert label([small, word]) == (small, word)
    speck = Word(15, 27, 19, 29)  # narrower than tall: a speck, not letters
    assert label([speck, word]) == (word,)
    far = Word(13, 60, 21, 110)  # the next word too far away: the letters stand alone
    assert label([small, far]) == ()


def _ticks_every_50_px() -> AxisCalibration:
    """x axis: time 0 at column 100, one unit per 50 columns, labels 0..5."""
    labels = tuple(TickLabel(100.0 + 50 * v, float(v), str(v), 1.0, True, True) for v in range(6))
    return AxisCalibration("x", 1 / 50, -2.0, labels, 0.0, 1.0)


def test_sure_ocr_fills_a_touching_number_the_rebuild_is_unsure_of() -> None:
    x_axis = _ticks_every_50_px()
    cols = (92.0, 100.0, 108.0, 142.0, 150.0, 158.0, 192.0, 200.0, 208.0)
    word = Word(0, 88, 10, 212, "151143120", 0.998, "151143120", 0.998, (0, 0, 0), cols)
    rebuilt = ((151, 143, 129), [0.9, 0.9, 0.0])  # the rebuild's last number is a guess
    values, conf = _ocr_fill(word, [0.0, 1.0, 2.0], rebuilt, (None, 99), x_axis)
    assert values == [151, 143, 120] and conf[2] == pytest.approx(0.5)
    # OCR's number must fit between the counts around it (here the 130 after the word)
    values, conf = _ocr_fill(word, [0.0, 1.0, 2.0], rebuilt, (None, 130), x_axis)
    assert values == [151, 143, 129] and conf[2] == 0.0
    unsure = Word(0, 88, 10, 212, "151143120", 0.8, "151143120", 0.8, (0, 0, 0), cols)
    assert _ocr_fill(unsure, [0.0, 1.0, 2.0], rebuilt, (None, 99), x_axis)[0] == [151, 143, 129]
    # OCR's split must give the span's ticks, each number close to its tick
    assert _ocr_fill(word, [1.0, 2.0, 3.0], rebuilt, (None, 99), x_axis)[0] == [151, 143, 129]
    off = (92.0, 100.0, 108.0, 142.0, 150.0, 158.0, 205.0, 213.0, 221.0)  # 0.3 steps late
    shifted = Word(0, 88, 10, 225, "151143120", 0.998, "151143120", 0.998, (0, 0, 0), off)
    assert _ocr_fill(shifted, [0.0, 1.0, 2.0], rebuilt, (None, 99), x_axis)[0] == [151, 143, 129]


def test_ocr_fill_bounds_a_number_by_the_nearest_sure_ones() -> None:
    x_axis = _ticks_every_50_px()
    cols = (96.0, 104.0, 146.0, 154.0, 196.0, 204.0)
    word = Word(0, 90, 10, 210, "706050", 0.999, "706050", 0.999, (0, 0, 0), cols)
    times = [0.0, 1.0, 2.0]
    # both first numbers unsure: the count before the word bounds the first from above
    values, conf = _ocr_fill(word, times, ((71, 61, 50), [0.1, 0.1, 0.9]), (65, 0), x_axis)
    assert values == [71, 60, 50] and conf[:2] == [0.1, 0.5]
    values, _ = _ocr_fill(word, times, ((71, 61, 50), [0.1, 0.1, 0.9]), (None, 0), x_axis)
    assert values == [70, 60, 50]


def test_ocr_batches_hold_words_of_one_padded_width() -> None:
    """Padding a narrow word to a wide one's width changed what the recogniser read: a
    batch holds words padded to the same width, as each would be alone."""
    batches = batches_of([31, 51, 33, 50, 90, 32])  # padded: 48, 72, 56, 72, 112, 48
    assert sorted(sorted(b) for b in batches) == [[0, 5], [1, 3], [2], [4]]


def test_a_lone_plain_bar_is_the_label_l_whatever_bar_like_letter_was_read() -> None:
    ink = np.zeros((40, 60))
    ink[10:24, 30:32] = 1.0  # an upright bar 14 px high, 2 px wide
    entry = LegendEntry(Swatch(Word(15, 5, 19, 25), 0, "solid"), (Word(10, 30, 24, 32),))
    assert _bar_label(entry, "l", 0.26, ink)[1:] == ("l", 0.5)
    assert _bar_label(entry, "", 0.0, ink)[1:] == ("l", 0.5)
    assert _bar_label(entry, "1", 0.73, ink)[1:] == ("l", 0.5)  # unsure, and no flag
    assert _bar_label(entry, "I", 0.51, ink)[1:] == ("l", 0.5)
    assert _bar_label(entry, "I", 0.95, ink)[1:] == ("I", 0.95)  # a sure reading stands
    assert _bar_label(entry, "A", 0.6, ink)[1:] == ("A", 0.6)  # not bar-like: the reading stands
    flagged = ink.copy()
    flagged[10:13, 26:30] = 1.0  # a flag at the top left: a '1'
    one = LegendEntry(entry.swatch, (Word(10, 26, 24, 32),))
    assert _bar_label(one, "1", 0.73, flagged)[1:] == ("1", 0.73)
    ink[10:12, 26:36] = 1.0  # a bar with a cross stroke is not a plain bar
    assert _bar_label(entry, "l", 0.26, ink)[1:] == ("l", 0.26)


def test_a_pale_small_key_takes_the_colour_a_later_stronger_key_adds() -> None:
    """A JPEG legend key too pale to add a colour matches the colour a risk-table key adds."""
    image = np.full((80, 120, 3), 255, dtype=np.uint8)
    image[10:13, 20:35] = (35, 48, 92)  # legend key, chroma 57: too grey to add a colour
    image[50:56, 20:35] = (8, 57, 110)  # table key, chroma 102
    ink = (255 - image.min(axis=2)) / 255.0
    words = [Word(10, 20, 13, 35), Word(50, 20, 56, 35)]
    swatches, colours = find_swatches(words, image, ink, [])
    assert len(colours) == 1
    assert sorted((s.word.row0, s.colour) for s in swatches) == [(10, 0), (50, 0)]


def test_a_number_missing_where_the_other_row_has_one_is_reported() -> None:
    from types import SimpleNamespace

    from kmipd.digitize._digitize import _missing_numbers
    from kmipd.types import RiskTable

    x_axis = _ticks_every_50_px()  # time t under column 100 + 50 t

    def arm(name: str, times: list[float], unsure: list[float]) -> SimpleNamespace:
        counts = np.arange(len(times), 0, -1) * 10
        table = RiskTable(time=np.array(times), n_at_risk=counts, arm=name)
        cells = tuple(SimpleNamespace(col=100.0 + 50 * t + 3) for t in [*times, *unsure])
        return SimpleNamespace(name=name, risk_table=table, risk_cells=cells)

    full = arm("a", [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [])
    short = arm("b", [0.0, 1.0, 2.0, 3.0, 4.0], [])  # the last number read as nothing
    warned = _missing_numbers([full, short], x_axis)
    assert len(warned) == 1 and "'b'" in warned[0] and "time(s) 5," in warned[0]
    # a number read but left out (unsure, or not a number) has its own warning: not named again
    assert _missing_numbers([full, arm("b", [0.0, 1.0, 2.0, 3.0, 4.0], [5.0])], x_axis) == []
    no_step = replace(x_axis, labels=x_axis.labels[:1])  # one tick label: no grid to agree on
    assert _missing_numbers([full, short], no_step) == []


def test_a_run_of_numbers_spans_no_tick_past_the_last_label() -> None:
    from kmipd.digitize._crowded import _span_times

    x_axis = _ticks_every_50_px()  # labels 0..5 at columns 100..350
    # the last number (at 5, column 350) is wider than the ticks are apart: its ink reaches
    # past where a tick 6 would stand, but no number stands past the last label
    word = Word(0, 88, 10, 420, "1511431201101009", 0.6, "1511431201101009", 0.6)
    assert _span_times(word, 4.0, x_axis) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


@pytest.mark.parametrize(
    ("text", "numeric", "crowded"),
    [
        ("1KSAYYABV452", "1508452", True),  # OCR gives up on a long run of overprinted numbers
        ("1BB666EE26LW6", "16866682666%3248521", True),  # a stray mark read as "%"
        ("Numbers at risk", "1508452", False),  # words
        ("1KSAYYAB", "1508", False),  # too few digits for a long run
    ],
)
def test_a_long_run_of_overprinted_numbers_counts_as_numbers(
    text: str, numeric: str, crowded: bool
) -> None:
    from kmipd.digitize._risk import is_crowded

    word = Word(0, 88, 10, 420, text, 0.6, numeric, 0.6)  # over ticks 0..10
    assert is_crowded(word, _ticks_every_30_px()) is crowded


def _ticks_every_30_px() -> AxisCalibration:
    """x axis: time 0 at column 100, one unit per 30 columns, labels 0..12."""
    labels = tuple(TickLabel(100.0 + 30 * v, float(v), str(v), 1.0, True, True) for v in range(13))
    return AxisCalibration("x", 1 / 30, -100 / 30, labels, 0.0, 1.0)


def _number(text: str, right: int, digit: int = 9) -> Word:
    """A word of digits ``digit`` px each, its ink ending at column ``right - 1``."""
    left = right - digit * len(text)
    cols = tuple(left + digit * (i + 0.5) for i in range(len(text)))
    return Word(0, left, 10, right, text, 0.99, text, 0.99, (0, 0, 0), cols)


def test_a_table_right_aligned_at_its_ticks_is_read_at_the_right_edges() -> None:
    """Four-digit numbers ending at their ticks, 50 px apart: each is nearly a gap wide, so
    its first digits stand nearer the tick before; they belong to the tick they end at."""
    x_axis = _ticks_every_50_px()
    values = ["1420", "1357", "1291", "1278", "1260"]
    words = [_number(v, 101 + 50 * k) for k, v in enumerate(values)]
    assert table_anchor(words, x_axis) == "right"
    cells = [c for w in words for c in cells_of(w, x_axis, "right")]
    assert [(c.value, c.time) for c in cells] == [(int(v), float(k)) for k, v in enumerate(values)]
    assert min(c.confidence for c in cells) == pytest.approx(0.99)
    # read by their centres they are at the right ticks but far from them: half as sure
    assert [c.confidence for c in cells_of(words[1], x_axis)] == [pytest.approx(0.495)]
    # centred numbers keep the centre; a word a gap wide may hold two numbers
    centred = [_number(v, 100 + 50 * k + 18) for k, v in enumerate(values)]
    assert table_anchor(centred, x_axis) == "centre"
    touching = _number("6050", 160, digit=14)  # "60" at tick 0 and "50" at tick 1, 56 px
    assert [c.value for c in cells_of(touching, x_axis)] == [60, 50]


def test_a_number_taken_for_a_key_between_numbers_stays_in_its_row() -> None:
    """A blue "94" whose digits look like a stroke is found as a key; amid its row's numbers
    it is a number, while the row's key at the left end stays a key."""
    row = [Word(417, 81, 425, 99), Word(417, 262, 425, 279), Word(417, 384, 425, 396)]
    ninety_four = Word(417, 324, 425, 336)
    key = Word(420, 40, 422, 70)  # a thin coloured bar before the row
    lines = risk_lines(
        [key, *row, ninety_four], [Swatch(ninety_four, 1), Swatch(key, 1)], below=400.0
    )
    assert len(lines) == 1 and lines[0].swatch == Swatch(key, 1)
    assert ninety_four in lines[0].words and key not in lines[0].words


def test_a_row_label_read_over_digits_left_of_time_0_stays_the_label() -> None:
    """ "osc" reads over digits as "05c": left of time 0 and with letters, it is the label."""
    x_axis = _ticks_every_50_px()
    label = Word(0, 30, 10, 54, "osc", 0.6, "05", 0.95, (0, 0, 0), (36.0, 44.0))
    numbers = [_number(v, 100 + 50 * k + 14) for k, v in enumerate(["269", "182", "89"])]
    row = read_row(RiskLine(5.0, None, (label, *numbers)), x_axis)
    assert row is not None and row.label == "osc"
    assert [(c.value, c.time) for c in row.cells] == [(269, 0.0), (182, 1.0), (89, 2.0)]


def test_tick_grid_worked_out_once_snaps_as_worked_out_each_time() -> None:
    """``snap_time`` takes the axis's ticks and step from a cache: the same times as the
    step found afresh from the used labels, for axes with a label missed or unused."""
    from kmipd.digitize._risk import label_step, snap_time, tick_step, tick_values

    rng = np.random.default_rng(3)
    for _ in range(20):
        step = float(rng.choice([3.0, 6.0, 12.0, 0.5]))
        used = rng.uniform(size=9) > 0.2
        labels = tuple(
            TickLabel(80.0 + 40.0 * k, step * k, f"{step * k:g}", 0.9, True, bool(u))
            for k, u in enumerate(used)
        )
        axis = AxisCalibration("x", step / 40.0, -2.0 * step, labels, 0.2, 0.9)
        ticks = tick_values(axis)
        fresh = label_step(ticks)
        assert tick_step(axis) == fresh
        for col in rng.uniform(60.0, 440.0, size=15):
            raw = float(axis.value(col))
            want = (raw, 0.0) if fresh is None else None
            if fresh is not None:
                grid = ticks[0] + fresh * np.round((raw - ticks[0]) / fresh)
                want = (float(grid), abs(grid - raw) / fresh)
            assert snap_time(float(col), axis) == want
