"""The study package's error and warning classes (defined with all others in kmipd.errors)."""

from kmipd.errors import StudyFileError, StudyWarning

__all__ = ["StudyFileError", "StudyWarning"]
