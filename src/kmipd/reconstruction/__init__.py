"""Rebuild patient-level data from a cleaned curve and its counts."""

from kmipd.reconstruction._arm import reconstruct_arm
from kmipd.reconstruction._diagnostics import km_at

__all__ = ["km_at", "reconstruct_arm"]
