"""Study files: read and validate a study (TOML), its arms' data and time units.

- :func:`read_study` — the study file, validated, as a :class:`Study`;
- :func:`read_arm_inputs` — every arm's data (IPD or digitized curve), in the
  study's time unit;
- :func:`time_factor` — conversion between days, weeks, months and years.

Running a study is :func:`kmipd.pipeline.run_study`.
"""

from kmipd.study._errors import StudyFileError, StudyWarning
from kmipd.study._inputs import ArmInput, read_arm_inputs
from kmipd.study._read import read_study
from kmipd.study._spec import Study, StudyArm, StudyComparison, endpoint_slug
from kmipd.study._units import normalize_unit, time_factor

__all__ = [
    "ArmInput",
    "Study",
    "StudyArm",
    "StudyComparison",
    "StudyFileError",
    "StudyWarning",
    "endpoint_slug",
    "normalize_unit",
    "read_arm_inputs",
    "read_study",
    "time_factor",
]
