"""The HTML report of a study run: one self-contained file.

- :func:`render_report` — results (as in ``results.json``) and figures to HTML.
"""

from kmipd.report._html import render_report

__all__ = ["render_report"]
