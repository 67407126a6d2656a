"""Non-increasing least-squares fit (pool-adjacent-violators).

scipy has the same fit (``scipy.optimize.isotonic_regression``), but importing
``scipy.optimize`` costs a quarter of a second, longer than cleaning a hundred
curves; the start-up budget of the command-line tool cannot afford it. The
tests check this function against scipy's.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def decreasing_fit(values: FloatArray, weights: FloatArray | None = None) -> FloatArray:
    """Weighted least-squares non-increasing fit of ``values`` in their order.

    Parameters
    ----------
    values : ndarray
        Observations in time order.
    weights : ndarray, optional
        Positive weights (default 1).

    Returns
    -------
    ndarray
        The fitted non-increasing sequence.

    Examples
    --------
    >>> decreasing_fit(np.array([1.0, 0.8, 0.9, 0.5])).tolist()
    [1.0, 0.85, 0.85, 0.5]
    """
    y = np.asarray(values, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    means: list[float] = []
    totals: list[float] = []
    sizes: list[int] = []
    for value, weight in zip(y.tolist(), w.tolist(), strict=True):
        mean, total, size = value, weight, 1
        while means and means[-1] < mean:  # violates non-increasing: pool
            previous_total = totals.pop()
            mean = (means.pop() * previous_total + mean * total) / (previous_total + total)
            total += previous_total
            size += sizes.pop()
        means.append(mean)
        totals.append(total)
        sizes.append(size)
    return np.repeat(np.array(means, dtype=float), sizes)
