"""The study package's error and warning classes."""

from __future__ import annotations

from kmipd.errors import InputError, KmipdWarning

__all__ = ["StudyFileError", "StudyWarning"]


class StudyFileError(InputError):
    """A problem in a study file or in a file it names; the message says where and what to do."""


class StudyWarning(KmipdWarning):
    """A study result that needs care, e.g. a landmark beyond an arm's follow-up."""
