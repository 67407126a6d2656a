"""Reading numbers-at-risk tables and legend names: crowded numbers, the table's font, letters.

Figures copied into tests/data/figures (see tests/data/ATTRIBUTION.md); the
expected numbers at risk are counted from the data the figures were drawn from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kmipd.digitize import DigitizationResult, digitize
from kmipd.digitize._glyphs import Digit, DigitFont, Sample, learn_font
from kmipd.digitize._overlap import decode_span
from kmipd.digitize._text import fix_letters

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
    assert right >= 0.9 * 86  # OCR alone read under half of them


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
    [("uft_Iv", "uft_lv"), ("Arm II", "Arm II"), ("Iressa", "Iressa"), ("cIsplatin", "clsplatin")],
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
