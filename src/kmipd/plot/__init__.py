"""Figures (needs matplotlib).

- :func:`plot_reconstruction` — digitized points over the rebuilt Kaplan-Meier
  curves, with given against rebuilt numbers at risk underneath;
- :func:`plot_km` — publication-grade Kaplan-Meier figure of several arms
  (possibly from several trials) with medians, censor marks, p-value and an
  aligned numbers-at-risk table;
- :func:`save_figure` — write a figure atomically, format from the suffix;
- :func:`save_figures` — write a figure as PNG, SVG and PDF (...), atomically
  and byte-for-byte reproducibly.
"""

from kmipd.plot._km import format_pvalue, median_survival, plot_km
from kmipd.plot._overlay import figure_format, plot_reconstruction, save_figure
from kmipd.plot._save import save_figures

__all__ = [
    "figure_format",
    "format_pvalue",
    "median_survival",
    "plot_km",
    "plot_reconstruction",
    "save_figure",
    "save_figures",
]
