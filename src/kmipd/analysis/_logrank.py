"""Log-rank test across k arms (lifelines' implementation, which matches R's survdiff)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kmipd.analysis._comparison_results import LogrankResult
from kmipd.analysis._validate import check_groups
from kmipd.errors import InputError

__all__ = ["logrank_test"]


def logrank_test(groups: Mapping[str, tuple[Any, Any]]) -> LogrankResult:
    """Log-rank test that all arms share one survival curve.

    Matches R's ``survdiff(Surv(time, event) ~ arm)`` (chi-square on
    ``k - 1`` df with the full hypergeometric covariance); computed with
    lifelines' ``multivariate_logrank_test``, which agrees with R to
    rounding error.

    Parameters
    ----------
    groups : mapping of str to (time, event)
        Two or more arms.

    Returns
    -------
    LogrankResult

    Raises
    ------
    InputError
        With fewer than two arms, or on bad times or events.

    Examples
    --------
    >>> result = logrank_test({"a": ([1, 2, 3], [1, 1, 1]), "b": ([4, 5, 6], [1, 1, 0])})
    >>> result.df
    1
    """
    checked = check_groups(groups)
    if len(checked) < 2:
        raise InputError(
            f"log-rank test needs at least two arms, got {list(checked)!r}; "
            "pass {arm: (time, event)} for every arm"
        )
    from lifelines.statistics import multivariate_logrank_test

    names = list(checked)
    labels = np.concatenate([np.full(checked[n][0].size, i) for i, n in enumerate(names)])
    test = multivariate_logrank_test(
        np.concatenate([t for t, _ in checked.values()]),
        labels,
        np.concatenate([e for _, e in checked.values()]),
    )
    return LogrankResult(
        statistic=float(test.test_statistic),
        df=int(test.degrees_of_freedom),
        pvalue=float(test.p_value),
        method="log-rank (survdiff, rho = 0)",
        arms=tuple(names),
    )
