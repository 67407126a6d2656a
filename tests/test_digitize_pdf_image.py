"""A PDF page holding its figure as an embedded image among paragraphs of text.

The raster reader is given the figure image's area of the rendered page,
not the whole page, whose paragraphs it would take for table rows and labels.
The figure is ``test_digitize``'s, pasted into a page drawn here.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from kmipd.digitize import digitize_pdf
from kmipd.digitize._pdf import _image_box
from test_digitize import ARMS, draw_figure

TEXT = "Patients were randomly assigned to the study drug or placebo; 0.5 of 120 at 24 months."


def test_a_figure_image_among_paragraphs_is_read_alone(tmp_path: Path) -> None:
    png = tmp_path / "figure.png"
    draw_figure(png, (("tab:blue", "-"), ("tab:red", "-")))
    page = plt.figure(figsize=(8.5, 11))
    for k in range(12):
        page.text(0.08, 0.95 - 0.022 * k, TEXT, fontsize=9)
    for k in range(8):
        page.text(0.08, 0.2 - 0.022 * k, TEXT, fontsize=9)
    ax = page.add_axes((0.1, 0.3, 0.8, 0.36))
    ax.imshow(plt.imread(png))
    ax.axis("off")
    page.text(0.1, 0.28, "Figure 1. Overall survival.", fontsize=9)
    pdf = tmp_path / "paper.pdf"
    page.savefig(pdf, dpi=200)
    plt.close(page)
    result = digitize_pdf(pdf)
    assert "the area of its figure image" in result.warnings[0]
    assert [arm.name for arm in result.arms] == list(ARMS)
    for arm in result.arms:
        assert arm.risk_table is not None
        assert list(arm.risk_table.n_at_risk) == ARMS[arm.name]["risk"]


def test_the_figure_box_is_the_largest_image_and_its_parts() -> None:
    letter = (612.0, 792.0)
    logo = (500.0, 740.0, 560.0, 770.0)
    panel_a, panel_b = (60.0, 300.0, 300.0, 500.0), (310.0, 300.0, 550.0, 500.0)
    box = _image_box([logo, panel_a, panel_b], *letter, dpi=72.0)
    assert box == (792 - 506, 54, 792 - 294, 556)  # both panels and 6 points round them
    assert _image_box([logo], *letter, dpi=72.0) is None  # a logo is no figure
    assert _image_box([(0.0, 0.0, 612.0, 792.0)], *letter, dpi=72.0) is None  # a scanned page
