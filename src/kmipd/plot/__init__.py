"""Figures of a reconstruction (needs matplotlib).

- :func:`plot_reconstruction` — digitized points over the rebuilt Kaplan-Meier
  curves, with given against rebuilt numbers at risk underneath;
- :func:`save_figure` — write a figure atomically, format from the suffix.
"""

from kmipd.plot._overlay import figure_format, plot_reconstruction, save_figure

__all__ = ["figure_format", "plot_reconstruction", "save_figure"]
