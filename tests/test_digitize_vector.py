"""Reading Kaplan-Meier figures on vector PDF pages from their drawing (kmipd.digitize_pdf)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kmipd.digitize import DigitizationResult, digitize_pdf, draw_overlay, render_pdf_page
from kmipd.errors import DigitizationError, InputError, OptionError

FIGURES = Path(__file__).parent / "data" / "figures"
ACT2 = FIGURES / "act2_2b-jco.pdf"
BEYOND = FIGURES / "beyond_2a-jco.pdf"

# True numbers at risk and Kaplan-Meier survival of the ACT2 figure (figures-dev truth).
ACT2_RISK = {
    "mut_b": [34, 34, 28, 25, 15, 11, 9, 7, 6, 2, 2, 2, 1, 1, 1, 1],
    "mut_c": [33, 33, 22, 22, 12, 11, 7, 4, 4, 2, 2, 1, 0, 0, 0, 0],
}
ACT2_TIMES = [1.0, 2.5, 4.0, 6.0, 9.0, 12.0]
ACT2_SURVIVAL = {
    "mut_b": [1.0, 0.764706, 0.458824, 0.275294, 0.061176, 0.030588],
    "mut_c": [1.0, 0.688889, 0.394545, 0.230152, 0.065758, 0.032879],
}
ACT2_CENSORED = {"mut_b": [2.45, 15.15], "mut_c": [1.665, 3.33, 11.95]}
BEYOND_RISK = {
    "bev_cp": [138, 135, 129, 121, 115, 108, 95, 82, 67, 52, 40, 30, 22, 17, 14, 10, 7, 6, 2, 2],
    "placebo_cp": [138, 135, 120, 108, 97, 82, 63, 48, 34, 22, 11, 4, 2, 0, 0, 0, 0, 0, 0, 0],
}


def step(result: DigitizationResult, arm: str, times: list[float]) -> np.ndarray:
    curve = result.curves[arm]
    index = np.searchsorted(curve.time, times, side="right") - 1
    return np.asarray(curve.survival)[index]


@pytest.fixture(scope="module")
def act2() -> DigitizationResult:
    return digitize_pdf(ACT2)


def test_survminer_pdf_is_read_from_its_drawing(act2: DigitizationResult) -> None:
    assert [arm.name for arm in act2.arms] == ["mut_b", "mut_c"]
    assert any("(vector)" in w for w in act2.warnings)
    assert act2.x_axis.source == act2.y_axis.source == "pdf text"
    assert act2.x_axis.confidence == pytest.approx(1.0)
    for arm in act2.arms:
        assert arm.label == arm.name and arm.confidence["label"] == 1.0
        got = step(act2, arm.name, ACT2_TIMES)
        np.testing.assert_allclose(got, ACT2_SURVIVAL[arm.name], atol=0.002)


def test_numbers_at_risk_are_the_pdf_text(act2: DigitizationResult) -> None:
    for name, want in ACT2_RISK.items():
        table = act2.risk_tables[name]
        assert table.n_at_risk.tolist() == want
        assert table.time.tolist() == [float(t) for t in range(16)]
        assert act2.arms[list(act2.curves).index(name)].confidence["risk_table"] == 1.0


def test_censoring_marks_are_the_glyphs_in_the_arm_colour(act2: DigitizationResult) -> None:
    for name, want in ACT2_CENSORED.items():
        np.testing.assert_allclose(act2.censor_marks[name].time, want, atol=0.02)


def test_numbers_printed_close_together_stay_apart() -> None:
    result = digitize_pdf(BEYOND)
    for name, want in BEYOND_RISK.items():
        assert result.risk_tables[name].n_at_risk.tolist() == want


def test_overlay_is_drawn_on_the_rendered_page(act2: DigitizationResult) -> None:
    page = render_pdf_page(ACT2)
    canvas = draw_overlay(act2, page)
    assert canvas.shape[:2] == act2.image_shape == (page.height, page.width)


def test_user_ranges_and_names_override(act2: DigitizationResult) -> None:
    top, left, bottom, right = act2.plot_area
    x0, x1 = (float(act2.x_axis.value(c)) for c in (left, right))
    y0, y1 = (float(act2.y_axis.value(r)) for r in (bottom, top))
    result = digitize_pdf(ACT2, x_range=(x0, x1), y_range=(y0, y1), arms=["B", "C"])
    assert list(result.curves) == ["B", "C"]
    np.testing.assert_allclose(step(result, "B", ACT2_TIMES), ACT2_SURVIVAL["mut_b"], atol=0.002)
    assert result.x_axis.source == "user"


def _matplotlib_pdf(path: Path, percent: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scale = 100.0 if percent else 1.0
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.step(
        [0, 2, 5, 7, 10],
        np.array([1, 0.8, 0.6, 0.45, 0.45]) * scale,
        where="post",
        color="tab:blue",
        label="Drug A",
    )
    ax.step(
        [0, 1, 3, 6, 9],
        np.array([1, 0.7, 0.4, 0.3, 0.3]) * scale,
        where="post",
        color="tab:red",
        linestyle="--",
        label="Placebo",
    )
    ax.plot([4.0, 8.0], np.array([0.6, 0.45]) * scale, "|", color="tab:blue", ms=8)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, scale)
    ax.legend(loc="upper right")
    fig.savefig(path)
    plt.close(fig)


@pytest.mark.parametrize("percent", [False, True])
def test_matplotlib_vector_pdf_step_functions(tmp_path: Path, percent: bool) -> None:
    pdf = tmp_path / "km.pdf"
    _matplotlib_pdf(pdf, percent)
    result = digitize_pdf(pdf, vector=True)
    assert list(result.curves) == ["Drug A", "Placebo"]
    assert result.y_axis.percent is percent
    times = [0.5, 1.5, 2.5, 5.5, 6.5, 9.5]
    np.testing.assert_allclose(
        step(result, "Drug A", times), [1, 1, 0.8, 0.6, 0.6, 0.45], atol=0.002
    )
    np.testing.assert_allclose(
        step(result, "Placebo", times), [1, 0.7, 0.7, 0.4, 0.3, 0.3], atol=0.002
    )
    np.testing.assert_allclose(result.censor_marks["Drug A"].time, [4.0, 8.0], atol=0.02)
    assert len(result.censor_marks["Placebo"]) == 0
    assert {a.name: a.line_style for a in result.arms} == {"Drug A": "solid", "Placebo": "dashed"}
    assert "no numbers-at-risk table found under the plot" in result.warnings
    # a drawing's levels are exact: reconstruct may trust each step's height
    assert all(c.precision is not None and c.precision < 0.001 for c in result.curves.values())


def test_image_pdf_falls_back_to_the_raster_reader_with_a_warning(tmp_path: Path) -> None:
    from PIL import Image

    pdf = tmp_path / "scan.pdf"
    Image.open(FIGURES / "act2_2b-jco.png").convert("RGB").save(pdf, resolution=200)
    with pytest.raises(DigitizationError, match="no vector plot"):
        digitize_pdf(pdf, vector=True)
    result = digitize_pdf(pdf)
    assert "rendered" in result.warnings[0] and "no vector plot" in result.warnings[0]
    assert len(result.arms) == 2


def _encrypted_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <"
        + b"00" * 32
        + b"> /U <"
        + b"00" * 32
        + b"> /P -4 >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    ident = b"<00112233445566778899aabbccddeeff>"
    out += b"trailer\n<< /Size 5 /Root 1 0 R /Encrypt 4 0 R /ID [" + ident + b" " + ident
    return out + b"] >>\nstartxref\n%d\n%%%%EOF\n" % xref


def test_bad_pdfs_are_typed_errors(tmp_path: Path) -> None:
    encrypted = tmp_path / "locked.pdf"
    encrypted.write_bytes(_encrypted_pdf())
    with pytest.raises(InputError, match="encrypted"):
        digitize_pdf(encrypted)
    with pytest.raises(OptionError, match="has 1 page"):
        digitize_pdf(ACT2, page=2)
    with pytest.raises(OptionError, match="numbered from 1"):
        digitize_pdf(ACT2, page=0)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(InputError, match="not a readable PDF"):
        digitize_pdf(broken)
    with pytest.raises(InputError, match="no such file"):
        digitize_pdf(tmp_path / "missing.pdf")


def test_digitize_hands_a_pdf_to_the_vector_reader() -> None:
    """``digitize(path.pdf)`` reads the drawing, as ``digitize_pdf`` does."""
    from kmipd.digitize import digitize

    result = digitize(ACT2)
    assert "vector" in result.warnings[0]
    assert [arm.name for arm in result.arms] == ["mut_b", "mut_c"]
