"""Legend labels with signs and sizes: "Drug + chemotherapy (N=410)", "Placebo (n = 206)".

The figures are drawn here (matplotlib) from the arms of ``test_digitize``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from kmipd.cli import main as kmipd_main
from kmipd.digitize import DigitizationResult, digitize
from kmipd.digitize._legend import stated_size
from kmipd.digitize._text import fix_letters, lower_case_legend
from test_digitize import ARMS, TICKS, X_END, step_points

LABELS = {"Control": "Control + chemo (N=60)", "Treatment": "Treatment (n = 61)"}


def draw(
    path: Path,
    *,
    risk: bool,
    labels: dict[str, str] = LABELS,
    colours: tuple[str, str] = ("tab:blue", "tab:red"),
) -> None:
    """The two arms with legend ``labels`` (sized ones), with or without numbers at risk."""
    fig = plt.figure(figsize=(8, 6), dpi=100)
    ax = fig.add_axes((0.14, 0.34, 0.8, 0.58))
    for name, colour in zip(ARMS, colours, strict=True):
        ax.plot(*step_points(name), color=colour, lw=2, label=labels[name])
    ax.set_xlim(0, X_END)
    ax.set_ylim(0, 1)
    ax.set_xticks(TICKS)
    ax.set_xlabel("Months")
    ax.set_ylabel("Survival")
    ax.legend(loc="lower left", frameon=False)
    if risk:
        for row, arm in enumerate(ARMS.values()):
            y = 0.12 - 0.05 * row
            for tick, count in zip(TICKS, arm["risk"], strict=True):
                x = ax.transData.transform((tick, 0))[0] / fig.bbox.width
                fig.text(x, y, str(count), fontsize=10, ha="center", va="center")
    fig.savefig(path, dpi=100)
    plt.close(fig)


@pytest.fixture(scope="module")
def no_table(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DigitizationResult]:
    path = tmp_path_factory.mktemp("labels") / "no_table.png"
    draw(path, risk=False)
    return path, digitize(path)


@pytest.mark.parametrize(
    ("label", "size"),
    [
        ("Pembrolizumab + chemotherapy (N=410)", 410),
        ("Nivolumab (n = 292)", 292),
        ("Placebo, n = 1,024", 1024),
        ("Drug (n:55)", 55),
        ("Arm A", None),
        ("N=12 vs N=14", None),  # two sizes: neither
        ("HR (n=35.5)", None),
        ("responders (n=12%)", None),
        (None, None),
    ],
)
def test_stated_size(label: str | None, size: int | None) -> None:
    assert stated_size(label) == size


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("Arm B (n =251)", "Arm B (n=251)"),  # a space on one side of '=' only
        ("Arm B (N= 251)", "Arm B (N=251)"),
        ("Nivolumab (n = 292)", "Nivolumab (n = 292)"),  # spaced both sides: as printed
        ("Arm c", "Arm C"),  # a lone letter shaped as its capital, after a capital
        ("arm c", "arm c"),
        ("Drug x 4", "Drug x 4"),
        ("uft_Iv", "uft_lv"),
        ("Arm II", "Arm II"),
    ],
)
def test_label_text_is_tidied_as_printed(read: str, meant: str) -> None:
    assert fix_letters(read) == meant


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        (["control", "Ihrha"], ["control", "lhrha"]),  # a lower-case legend: the bar is 'l'
        (["Itax_l", "ttax_t"], ["ltax_l", "ttax_t"]),
        (["Ipilimumab", "Placebo"], ["Ipilimumab", "Placebo"]),  # capitals: 'I' as read
        (["Ixabepilone"], ["Ixabepilone"]),  # no lower-case word to show the case
        (["arm I", "arm II"], ["arm I", "arm II"]),  # roman numerals
        (["Itax_l", "Itax_t"], ["Itax_l", "Itax_t"]),
    ],
)
def test_a_bar_starting_a_word_of_a_lower_case_legend_is_an_l(
    read: list[str], meant: list[str]
) -> None:
    assert lower_case_legend(read) == meant


def test_labels_keep_their_signs_and_give_the_arm_size(
    no_table: tuple[Path, DigitizationResult],
) -> None:
    _, result = no_table
    assert [arm.name for arm in result.arms] == list(LABELS.values())
    assert [arm.n for arm in result.arms] == [60, 61]
    assert result.sizes == {LABELS["Control"]: 60, LABELS["Treatment"]: 61}
    assert result.to_dict()["arms"][1]["n"] == 61


def test_extract_without_a_table_uses_the_legend_size(
    no_table: tuple[Path, DigitizationResult], tmp_path: Path
) -> None:
    import pandas as pd

    path, _ = no_table
    out = tmp_path / "ipd.csv"
    assert kmipd_main(["extract", str(path), "--out", str(out), "-q"]) == 0
    sizes = pd.read_csv(out).groupby("arm").size().to_dict()
    assert sizes == {LABELS["Control"]: 60, LABELS["Treatment"]: 61}
    # --n wins over the legend
    assert (
        kmipd_main(
            ["extract", str(path), "--out", str(out), "-q", "--n", f"{LABELS['Treatment']}=70"]
        )
        == 0
    )
    assert pd.read_csv(out).groupby("arm").size().to_dict()[LABELS["Treatment"]] == 70


def test_a_legend_size_the_table_contradicts_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "table.png"
    draw(path, risk=True)
    result = digitize(path)
    tables = result.risk_tables
    assert list(tables[LABELS["Control"]].n_at_risk[:1]) == [60]
    assert result.sizes == {}  # the table gives the count at time 0
    notes = [w for w in result.warnings if "states N=" in w]
    assert len(notes) == 1 and "N=61" in notes[0] and "reads 60" in notes[0]
    assert np.all(np.diff(tables[LABELS["Treatment"]].n_at_risk) <= 0)


def test_study_figure_arm_without_a_table_uses_the_legend_size(
    no_table: tuple[Path, DigitizationResult], tmp_path: Path
) -> None:
    import warnings

    from kmipd.pipeline import run_study

    path, _ = no_table
    study = tmp_path / "study.toml"
    study.write_text(
        'title = "sizes"\n'
        + "".join(
            f'[[arm]]\nid = "{key}"\ntrial = "T"\nendpoint = "OS"\nfigure = "{path}"\n'
            f'select = "{label}"\n'
            for key, label in zip(("c", "t"), LABELS.values(), strict=True)
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        done = run_study(study, tmp_path / "out")
    assert [done.results["arms"][key]["n"] for key in ("c", "t")] == [60, 61]


def test_numbers_right_aligned_at_close_ticks_are_read_whole(tmp_path: Path) -> None:
    """A 3-digit number ending at its tick reaches past the middle to the tick before (as
    lifelines prints its table): it is one number at its own tick, not "2" and "61"."""
    ticks = list(range(0, 25, 2))
    counts = {
        "Control": [261, 242, 230, 213, 189, 161, 138, 109, 95, 67, 57, 43, 26],
        "Treatment": [263, 217, 181, 147, 121, 94, 71, 61, 46, 33, 18, 10, 6],
    }
    path = tmp_path / "right.png"
    fig = plt.figure(figsize=(8, 6), dpi=100)
    ax = fig.add_axes((0.14, 0.34, 0.8, 0.58))
    for name, colour in zip(ARMS, ("tab:blue", "tab:red"), strict=True):
        ax.plot(*step_points(name), color=colour, lw=2, label=name)
    ax.set_xlim(0, X_END)
    ax.set_ylim(0, 1)
    ax.set_xticks(ticks)
    ax.legend(loc="lower left", frameon=False)
    for row, (name, values) in enumerate(counts.items()):
        y = 0.12 - 0.05 * row
        fig.text(0.01, y, name, fontsize=9, va="center")  # the counts do not fit the curves:
        for tick, count in zip(ticks, values, strict=True):  # the labels tie the rows
            x = ax.transData.transform((tick, 0))[0] / fig.bbox.width
            fig.text(x, y, str(count), fontsize=11, ha="right", va="center")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    result = digitize(path)
    for name, values in counts.items():
        table = result.risk_tables[name]
        assert list(table.time) == ticks and list(table.n_at_risk) == values


def test_a_plot_on_a_grey_fill_without_axis_lines_is_read(tmp_path: Path) -> None:
    """ggplot2's default theme: a grey panel with white grid lines and no axis lines, where
    curves and marks cut the grid lines too often to find the panel from them."""
    from lifelines import KaplanMeierFitter

    from kmipd.digitize._image import load_image
    from kmipd.digitize._scene import look

    rng = np.random.default_rng(4)
    path = tmp_path / "grey_fill.png"
    fig, ax = plt.subplots(figsize=(7, 5), dpi=100)
    ax.set_facecolor("#EBEBEB")
    ax.grid(color="white", lw=1.2)
    ax.set_axisbelow(True)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fits = {}
    for name, scale, colour in (("Arm A", 20, "#F8766D"), ("Arm B", 10, "#00BFC4")):
        event_time, censor_time = rng.exponential(scale, 150), rng.uniform(0, 36, 150)
        fits[name] = KaplanMeierFitter(label=name).fit(
            np.minimum(event_time, censor_time), event_time <= censor_time
        )
        fits[name].plot_survival_function(
            ax=ax, ci_show=False, color=colour, show_censors=True, censor_styles={"ms": 6}
        )
    ax.set_xlim(0, 36)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(range(0, 37, 6))
    ax.tick_params(colors="#4D4D4D")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    assert look(load_image(path)).frame.kind == "fill"
    result = digitize(path)
    assert [arm.name for arm in result.arms] == list(fits)
    grid = np.linspace(0.5, 27.0, 300)
    for arm in result.arms:
        t, s = np.asarray(arm.curve.time), np.asarray(arm.curve.survival)
        read = s[np.searchsorted(t, grid, side="right") - 1]
        true = fits[arm.name].survival_function_at_times(grid).to_numpy()
        assert np.mean(np.abs(read - true)) <= 0.005, arm.name


def _legend_of_wrapped_labels(path: Path, labels: dict[str, str]) -> DigitizationResult:
    """The two arms drawn with the legend labels given (lines broken by newlines), read."""
    draw(path, risk=False, labels=labels)
    return digitize(path)


def test_a_label_wrapped_onto_two_lines_is_read_whole(tmp_path: Path) -> None:
    """matplotlib centres each legend key on a label of two lines, level with neither:
    both lines are the label, and the size on the second line is the arm's."""
    result = _legend_of_wrapped_labels(
        tmp_path / "wrapped.png",
        {"Control": "Placebo +\nchemotherapy (N=60)", "Treatment": "Pembrolizumab +\nchemo"},
    )
    assert [arm.name for arm in result.arms] == [
        "Placebo + chemotherapy (N=60)",
        "Pembrolizumab + chemo",
    ]
    assert result.arms[0].n == 60


def test_a_label_wrapped_onto_three_lines_is_read_whole(tmp_path: Path) -> None:
    """A key centred on the middle line of three takes the lines over and under it."""
    result = _legend_of_wrapped_labels(
        tmp_path / "three_lines.png",
        {
            "Control": "Placebo +\nchemotherapy\n(N=60)",
            "Treatment": "Nivolumab +\nipilimumab\n(N=61)",
        },
    )
    assert [arm.name for arm in result.arms] == [
        "Placebo + chemotherapy (N=60)",
        "Nivolumab + ipilimumab (N=61)",
    ]
    assert [arm.n for arm in result.arms] == [60, 61]


def test_a_wrapped_line_starting_with_a_plus_is_part_of_the_label(tmp_path: Path) -> None:
    """A label broken before its "+" ("Nivolumab" over "+ ipilimumab"): the "+", black
    like the first arm's curve, is text starting the second line, not a legend key."""
    path = tmp_path / "plus_first.png"
    labels = {"Control": "Placebo\n+ chemotherapy", "Treatment": "Nivolumab\n+ ipilimumab"}
    draw(path, risk=False, labels=labels, colours=("black", "tab:red"))
    result = digitize(path)
    assert [arm.name for arm in result.arms] == [
        "Placebo + chemotherapy",
        "Nivolumab + ipilimumab",
    ]


def test_a_key_off_its_labels_middle_takes_the_line_it_leans_to() -> None:
    """A key level with one line of a label of two, but standing off that line's middle
    towards the other, takes both (with the small "+" its own line ends in, which is level
    with that line, not with the key); a key level with a one-line label takes no line under
    it."""
    from kmipd.digitize._legend import Swatch, legend_entries
    from kmipd.digitize._text import Word

    first = [Word(30, 60, 42, 110), Word(33, 116, 40, 124)]  # "Placebo +", the "+" small
    second = [Word(46, 60, 58, 140)]  # "chemotherapy", a line below, left-aligned
    leaning = Swatch(Word(40, 20, 42, 52), 0, "solid")  # 5 px under the first line's middle
    level = Swatch(Word(35, 20, 37, 52), 0, "solid")  # level with it
    (entry,) = legend_entries([leaning], first + second)
    assert entry.words == (*first, *second)
    (entry,) = legend_entries([level], first + second)
    assert entry.words == tuple(first)
