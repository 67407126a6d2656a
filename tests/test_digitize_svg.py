"""Reading Kaplan-Meier figures saved as SVG (kmipd.digitize_svg) from their drawing."""

from __future__ import annotations

import base64
import io
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from kmipd.cli import main as kmipd_main
from kmipd.digitize import (
    DigitizationResult,
    digitize,
    digitize_pdf,
    digitize_svg,
    draw_overlay,
    render_svg,
)
from kmipd.digitize._pdf import read_vector_page
from kmipd.digitize._svg import is_svg
from kmipd.digitize._svg_path import path_data
from kmipd.digitize._svg_style import apply, colour, declarations, parse_transform
from kmipd.errors import DigitizationError, InputError
from test_digitize_vector import ACT2, ACT2_RISK, ACT2_SURVIVAL, ACT2_TIMES

# Two arms of a Kaplan-Meier figure: step corners (time, survival), censoring times, risk table.
TRUTH = {
    "Drug A": (
        [0.0, 1.7, 3.2, 6.5, 9.1, 14.4, 20.0],
        [1.0, 0.912, 0.803, 0.655, 0.512, 0.401, 0.401],
        [2.4, 11.3],
        [120, 101, 77, 52, 31],
    ),
    "Placebo": (
        [0.0, 0.9, 2.6, 4.8, 7.7, 12.2, 20.0],
        [1.0, 0.853, 0.694, 0.517, 0.366, 0.244, 0.244],
        [5.6],
        [118, 90, 55, 30, 12],
    ),
}
STYLES = {"Drug A": ("#d62728", "-"), "Placebo": ("#1f77b4", "--")}
TICKS = [0, 5, 10, 15, 20]
PROBE = [0.5, 1.2, 2.0, 3.0, 4.0, 5.5, 7.0, 8.0, 10.0, 13.0, 16.0, 19.0]


def truth_at(arm: str, times: list[float]) -> np.ndarray:
    t, s = TRUTH[arm][0], TRUTH[arm][1]
    return np.asarray(s)[np.searchsorted(t, times, side="right") - 1]


def read_at(result: DigitizationResult, arm: str, times: list[float]) -> np.ndarray:
    curve = result.curves[arm]
    return np.asarray(curve.survival)[np.searchsorted(curve.time, times, side="right") - 1]


def km_figure(fonttype: str = "none") -> object:
    """A matplotlib figure: two arms, '+' censor marks, legend, risk table as text under it."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4.5))
    ax = fig.add_axes((0.15, 0.32, 0.8, 0.6))
    for row, (arm, (t, s, marks, risk)) in enumerate(TRUTH.items()):
        col, dash = STYLES[arm]
        ax.step(t, s, where="post", color=col, ls=dash, lw=1.5, label=arm)
        ax.plot(marks, truth_at(arm, marks), "+", color=col, ms=8)
        for tick, n in zip(TICKS, risk, strict=True):
            ax.text(tick, -0.22 - 0.08 * row, str(n), ha="center", color=col, fontsize=9)
    ax.set_xlim(0, 20)
    ax.set_ylim(0, 1)
    ax.set_xticks(TICKS)
    ax.set_xlabel("Months")
    ax.set_ylabel("Overall survival")
    ax.legend(loc="upper right")
    return fig


def save_svg(path: Path, fonttype: str = "none") -> Path:
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": fonttype}):
        km_figure().savefig(path, format="svg")  # type: ignore[attr-defined]
    return path


@pytest.fixture(scope="module")
def svg_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_svg(tmp_path_factory.mktemp("svg") / "km.svg")


@pytest.fixture(scope="module")
def read(svg_file: Path) -> DigitizationResult:
    return digitize(svg_file)


def test_matplotlib_svg_is_read_from_its_drawing(read: DigitizationResult) -> None:
    assert [arm.name for arm in read.arms] == ["Drug A", "Placebo"]
    assert read.warnings[0] == "read from the SVG's drawing (vector)"
    assert read.x_axis.source == read.y_axis.source == "svg text"
    for arm in TRUTH:
        np.testing.assert_allclose(read_at(read, arm, PROBE), truth_at(arm, PROBE), atol=0.002)
    styles = {arm.name: arm.line_style for arm in read.arms}
    assert styles == {"Drug A": "solid", "Placebo": "dashed"}


def test_numbers_at_risk_and_censor_marks_are_read(read: DigitizationResult) -> None:
    for arm, (_, _, marks, risk) in TRUTH.items():
        assert read.risk_tables[arm].n_at_risk.tolist() == risk
        assert read.risk_tables[arm].time.tolist() == [float(t) for t in TICKS]
        np.testing.assert_allclose(read.censor_marks[arm].time, marks, atol=0.02)


def test_svg_bytes_are_routed_and_the_overlay_fits(
    svg_file: Path, read: DigitizationResult
) -> None:
    data = svg_file.read_bytes()
    assert is_svg(data) and not is_svg(b"\x89PNG\r\n\x1a\n")
    again = digitize(data)
    assert list(again.curves) == list(read.curves) and again.source is None
    page = render_svg(svg_file)
    assert (page.height, page.width) == read.image_shape == (900, 1200)
    canvas = draw_overlay(read, page)
    assert canvas.shape[:2] == read.image_shape


def test_text_as_glyph_outlines_needs_the_axis_ranges(tmp_path: Path) -> None:
    path = save_svg(tmp_path / "glyphs.svg", fonttype="path")
    with pytest.raises(DigitizationError, match=r"glyph outlines.*--x-range and --y-range"):
        digitize(path)
    result = digitize(path, x_range=(0, 20), y_range=(0, 1))
    assert len(result.arms) == 2 and result.x_axis.source == "user"
    for arm, found in zip(TRUTH, result.arms, strict=True):
        curve = found.curve
        got = np.asarray(curve.survival)[np.searchsorted(curve.time, PROBE, side="right") - 1]
        np.testing.assert_allclose(got, truth_at(arm, PROBE), atol=0.002)


# An svglite-like SVG written by hand: CSS defaults, polylines, transforms, relative path
# commands, <use> markers, textLength, tspans and a rotated title.
LEFT, RIGHT, TOP, BOTTOM = 60.0, 460.0, 20.0, 300.0


def _x(t: float) -> float:
    return LEFT + (RIGHT - LEFT) * t / 20.0


def _y(s: float) -> float:
    return BOTTOM - (BOTTOM - TOP) * s


def _stairs(t: list[float], s: list[float]) -> list[tuple[float, float]]:
    points = [(_x(t[0]), _y(s[0]))]
    for i in range(1, len(t)):
        points += [(_x(t[i]), _y(s[i - 1])), (_x(t[i]), _y(s[i]))]
    return points


def svglite_like() -> str:
    a_t, a_s, a_marks, a_risk = TRUTH["Drug A"]
    b_t, b_s, b_marks, b_risk = TRUTH["Placebo"]
    poly = " ".join(f"{c:.2f},{r:.2f}" for c, r in _stairs(a_t, a_s))
    half = [(c / 2, r / 2) for c, r in _stairs(b_t, b_s)]  # drawn in a group scaled by 2
    rel = f"m {half[0][0]:.3f} {half[0][1]:.3f} " + " ".join(
        f"l {c1 - c0:.3f} {r1 - r0:.3f}" for (c0, r0), (c1, r1) in pairwise(half)
    )
    parts = [
        "<?xml version='1.0' encoding='UTF-8' ?>",
        "<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'"
        " class='svglite' width='504.00pt' height='432.00pt' viewBox='0 0 504.00 432.00'>",
        "<defs><style type='text/css'><![CDATA[ .svglite line, .svglite polyline, "
        ".svglite rect { fill: none; stroke: #000000; } ]]></style>",
        "<path id='plus' d='M -3 0 h 6 M 0 -3 v 6'/></defs>",
        "<rect width='100%' height='100%' style='stroke: none; fill: #FFFFFF;'/>",
        f"<polyline points='{poly}' style='stroke-width: 1.5; stroke: rgb(214,39,40);'/>",
        "<g transform='matrix(2 0 0 2 0 0)'>",
        f"<path d='{rel}' style='fill: none; stroke-width: 0.75; stroke: #1F77B4; "
        "stroke-dasharray: 3,1;'/>",
        "</g>",
        f"<line x1='{LEFT}' y1='{BOTTOM}' x2='{RIGHT}' y2='{BOTTOM}' style='stroke-width: 1;'/>",
        f"<line x1='{LEFT}' y1='{BOTTOM}' x2='{LEFT}' y2='{TOP}' style='stroke-width: 1;'/>",
    ]
    for t in a_marks:
        parts.append(
            f"<path d='M {_x(t) - 4:.2f} {float(_y(truth_at('Drug A', [t])[0])):.2f} h 8 "
            "m -4 -4 v 8' style='fill: none; stroke: #D62728; stroke-width: 1;'/>"
        )
    for t in b_marks:
        row = float(_y(truth_at("Placebo", [t])[0]))
        parts.append(
            f"<use xlink:href='#plus' x='{_x(t):.2f}' y='{row:.2f}' "
            "style='stroke: #1F77B4; stroke-width: 1;'/>"
        )
    for t in TICKS:
        parts.append(f"<line x1='{_x(t)}' y1='{BOTTOM}' x2='{_x(t)}' y2='{BOTTOM + 4}'/>")
        width = 5.0 * len(str(t))
        parts.append(
            f"<text x='{_x(t)}' y='{BOTTOM + 14}' text-anchor='middle' "
            f"textLength='{width}px' style='font-size: 9px;'>{t}</text>"
        )
    for s in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f"<line x1='{LEFT - 4}' y1='{_y(s)}' x2='{LEFT}' y2='{_y(s)}'/>")
        parts.append(
            f"<text x='{LEFT - 6}' y='{_y(s) + 3}' style='font-size: 9px; text-anchor: end'>"
            f"{s:.2f}</text>"
        )
    parts.append(
        "<text transform='translate(20,160) rotate(-90)' text-anchor='middle' "
        "style='font-size: 10px;'>Survival probability</text>"
    )
    for i, (name, col, dash) in enumerate(
        (("Drug A", "#D62728", ""), ("Placebo", "#1F77B4", "3,1"))
    ):
        row = 40 + 14 * i
        dashes = f" stroke-dasharray: {dash};" if dash else ""
        parts.append(
            f"<line x1='360' y1='{row}' x2='380' y2='{row}' "
            f"style='stroke: {col}; stroke-width: 1.5;{dashes}'/>"
        )
        parts.append(f"<text x='385' y='{row + 3}' style='font-size: 9px;'>{name}</text>")
    for i, (risk, col) in enumerate(((a_risk, "#D62728"), (b_risk, "#1F77B4"))):
        row = BOTTOM + 45 + 14 * i
        cells = "".join(
            f"<tspan x='{_x(t)}' y='{row}'>{n}</tspan>" for t, n in zip(TICKS, risk, strict=True)
        )
        parts.append(
            f"<text text-anchor='middle' style='font-size: 9px; fill: {col}'>{cells}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def test_hand_written_svg_with_transforms_css_and_tspans(tmp_path: Path) -> None:
    path = tmp_path / "svglite.svg"
    path.write_text(svglite_like())
    result = digitize_svg(path)
    assert [arm.name for arm in result.arms] == ["Drug A", "Placebo"]
    assert result.x_axis.confidence == pytest.approx(1.0)
    for arm, (_, _, marks, risk) in TRUTH.items():
        np.testing.assert_allclose(read_at(result, arm, PROBE), truth_at(arm, PROBE), atol=0.002)
        assert result.risk_tables[arm].n_at_risk.tolist() == risk
        np.testing.assert_allclose(result.censor_marks[arm].time, marks, atol=0.02)
    assert {a.name: a.line_style for a in result.arms}["Placebo"] != "solid"


def _pdf_as_svg(path: Path) -> str:
    """An svglite-like SVG of a PDF page's primitives (strokes, fills, text with textLength)."""
    page = read_vector_page(path, dpi=72)
    rows, cols = page.shape
    out = [
        "<svg xmlns='http://www.w3.org/2000/svg' "
        f"width='{cols}pt' height='{rows}pt' viewBox='0 0 {cols} {rows}'>"
    ]
    for fill in page.fills:
        left, top, right, bottom = fill.box
        out.append(
            f"<rect x='{left}' y='{top}' width='{right - left}' height='{bottom - top}' "
            f"fill='rgb{fill.colour}'/>"
        )
    for stroke in page.strokes:
        points = " ".join(f"{c:.3f},{r:.3f}" for c, r in stroke.points)
        dash = f" stroke-dasharray='{','.join(map(str, stroke.dash))}'" if stroke.dash else ""
        out.append(
            f"<polyline points='{points}' fill='none' stroke='rgb{stroke.colour}' "
            f"stroke-width='{stroke.width}'{dash}/>"
        )
    for run in page.texts:
        left, top, right, bottom = run.box
        baseline = bottom - 0.2 * run.size
        transform = "" if run.upright else f" transform='rotate(-90 {left} {baseline})'"
        out.append(
            f"<text x='{left:.3f}' y='{baseline:.3f}' textLength='{right - left:.3f}' "
            f"fill='rgb{run.colour}' font-size='{run.size:.3f}'{transform}>{run.text}</text>"
        )
    out.append("</svg>")
    return "\n".join(out)


def test_survminer_figure_as_svg_reads_like_the_pdf(tmp_path: Path) -> None:
    path = tmp_path / "act2.svg"
    path.write_text(_pdf_as_svg(ACT2))
    result = digitize(path)
    assert [arm.name for arm in result.arms] == ["mut_b", "mut_c"]
    for name, want in ACT2_RISK.items():
        assert result.risk_tables[name].n_at_risk.tolist() == want
        got = read_at(result, name, ACT2_TIMES)
        np.testing.assert_allclose(got, ACT2_SURVIVAL[name], atol=0.002)
    pdf = digitize_pdf(ACT2)
    np.testing.assert_allclose(
        read_at(result, "mut_b", PROBE[:8]), read_at(pdf, "mut_b", PROBE[:8]), atol=1e-3
    )


def _embedded(flip: bool = False) -> bytes:
    """An SVG holding the figure as a PNG; ``flip``: stored upside down, drawn flipped back."""
    from PIL import Image, ImageOps

    buffer = io.BytesIO()
    km_figure().savefig(buffer, format="png", dpi=100)  # type: ignore[attr-defined]
    if flip:
        with Image.open(io.BytesIO(buffer.getvalue())) as png:
            upside_down = ImageOps.flip(png.convert("RGB"))
        buffer = io.BytesIO()
        upside_down.save(buffer, format="PNG")
    data = base64.b64encode(buffer.getvalue()).decode()
    transform = " transform='scale(1 -1) translate(0 -324)'" if flip else ""
    return (
        "<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' "
        "width='432pt' height='324pt' viewBox='0 0 432 324'>"
        f"<image width='432' height='324'{transform} xlink:href='data:image/png;base64,{data}'/>"
        "</svg>"
    ).encode()


def test_embedded_png_is_read_as_an_image_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "embedded.svg"
    path.write_bytes(_embedded())
    result = digitize(path)
    assert "embedded raster image" in result.warnings[0] and "rendered at" in result.warnings[0]
    assert [arm.name for arm in result.arms] == ["Drug A", "Placebo"]
    for arm in TRUTH:
        np.testing.assert_allclose(read_at(result, arm, PROBE), truth_at(arm, PROBE), atol=0.03)
    canvas = draw_overlay(result, render_svg(path))
    assert canvas.shape[:2] == result.image_shape
    with pytest.raises(DigitizationError, match="no plot read from the SVG"):
        digitize_svg(path, vector=True)


def test_a_flipped_embedded_image_is_drawn_upright() -> None:
    upright = np.asarray(render_svg(_embedded()), dtype=float)
    flipped = np.asarray(render_svg(_embedded(flip=True)), dtype=float)
    assert upright.shape == flipped.shape
    assert np.abs(upright - flipped).mean() < 2.0
    assert np.abs(upright - upright[::-1]).mean() > 5.0  # the figure is not symmetric


def test_broken_or_empty_svgs_give_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a readable SVG"):
        digitize(b"<svg xmlns='http://www.w3.org/2000/svg'><path d='M 0 0 L 1 1'")
    with pytest.raises(InputError, match="root element is <html>"):
        digitize_svg(b"<html><svg/></html>")
    entity = b"<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY a 'aaaa'>]><svg>&a;</svg>"
    with pytest.raises(InputError, match="entities"):
        digitize_svg(entity)
    with pytest.raises(InputError, match="no such file"):
        digitize(tmp_path / "missing.svg")
    empty = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='400' height='300'>"
        "<rect x='10' y='10' width='380' height='280' fill='white' stroke='black'/>"
        "<text x='50' y='50'>Not a plot</text></svg>"
    )
    with pytest.raises(DigitizationError, match=r"no numeric tick labels.*--x-range"):
        digitize(empty.encode())


def test_cli_reads_an_svg(
    svg_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert kmipd_main(["digitize", str(svg_file), "--out-dir", str(out)]) == 0
    assert "read from the SVG's drawing" in capsys.readouterr().out
    risk = (out / "risk.csv").read_text().splitlines()
    assert risk[0] == "arm,time,n_at_risk" and "Drug A,0.0,120" in risk
    from PIL import Image

    with Image.open(out / "overlay.png") as overlay:
        assert overlay.size == (1200, 900)
    ipd = tmp_path / "ipd.csv"
    assert kmipd_main(["extract", str(svg_file), "--out", str(ipd)]) == 0
    rows = ipd.read_text().splitlines()
    assert rows[0] == "arm,time,event" and len(rows) == 1 + 120 + 118


def test_svg_pieces() -> None:
    first, second = path_data("m 10 10 h 5 v 5 l -5 0 z M 0 0 C 0 10 10 10 10 0")
    assert first == [(10, 10), (15, 10), (15, 15), (10, 15), (10, 10)]
    assert second[0] == (0, 0) and second[-1] == pytest.approx((10, 0))
    assert path_data("M 1 2 3 4 5 6") == [[(1, 2), (3, 4), (5, 6)]]
    m = parse_transform("translate(10 20) rotate(90) scale(2)")
    assert apply(m, 1, 0) == pytest.approx((10, 22))
    assert colour("rgb(100%, 0%, 20%)") == (255, 0, 51)
    assert colour("#abc") == (170, 187, 204) and colour("steelblue") == (70, 130, 180)
    assert colour("none") is None and colour("currentColor", "red") == (255, 0, 0)
    style = declarations("font: bold 12px Arial; fill: red")
    assert style["font-size"] == "12px" and style["fill"] == "red"
