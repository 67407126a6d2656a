"""Survival statistics on patient-level data."""

from kmipd.analysis._results import KaplanMeierResult

__all__ = ["KaplanMeierResult"]
