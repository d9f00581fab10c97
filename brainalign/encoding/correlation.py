"""Pearson r: one implementation for numpy arrays, one for torch tensors (per neuroid, batched).

:func:`pearson_r` (numpy, any axis) serves the statistics, the behavioral fits and the tutorial;
:func:`normalized_targets` + :func:`correlate` (torch) serve the encoding fits, where the held-out targets are
normalized once per fold and correlated with the predictions of every layer and alpha. torch is imported inside the
torch functions, so that the numpy one (used by pages that read published tables) does not pay torch's import time.

The torch functions offer two definitions, both used by Brain-Score at different times:

``"pearsonr"`` (default, the paper's era, Brain-Score before PR #361)
    :func:`scipy.stats.pearsonr` per neuroid: ``r = <x - x̄, y - ȳ> / (‖x - x̄‖ ‖y - ȳ‖)``, clipped to [-1, 1]; NaN when
    either column is constant.
``"batched"`` (Brain-Score's ``XarrayCorrelationBatched`` since #361)
    ``r = Σ (x - x̄)/(‖x - x̄‖ + 1e-8) · (y - ȳ)/(‖y - ȳ‖ + 1e-8)``: never NaN (0 for constant columns) and slightly
    smaller in magnitude when a norm is small. On fMRI-scale data the two differ by ~1e-8 relative; on tiny or nearly
    constant columns they can differ visibly (Brain-Score's own test value moved from 0.0283 to 0.0369).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

CORRELATIONS = ("pearsonr", "batched")
_EPS_BATCHED = 1e-8


def pearson_r(x: np.ndarray, y: np.ndarray, axis: int = 0) -> np.ndarray | float:
    """Pearson r along ``axis``, vectorized over the other axes (numpy).

    ``r = sum(xc * yc) / sqrt(sum(xc**2) * sum(yc**2))`` with ``xc``, ``yc`` centred along ``axis``; NaN where a sample
    is constant.

    Parameters
    ----------
    x, y : ndarray, same shape, e.g. [n] or [n, m]
        Paired observations along ``axis``.
    axis : int
        The observation axis.

    Returns
    -------
    float (1-D input) or ndarray (the input's shape without ``axis``)

    Raises
    ------
    ValueError
        Different shapes, or fewer than 2 observations.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    if x.shape[axis] < 2:
        raise ValueError("need at least 2 observations")
    xc = x - x.mean(axis=axis, keepdims=True)
    yc = y - y.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (xc * yc).sum(axis=axis) / np.sqrt((xc ** 2).sum(axis=axis) * (yc ** 2).sum(axis=axis))
    return float(r) if np.ndim(r) == 0 else r


def normalized_targets(y: torch.Tensor, correlation: str = "pearsonr") -> torch.Tensor:
    """Centre the held-out targets over stimuli and divide by their norm.

    Parameters
    ----------
    y : Tensor, shape [n_test, n_neuroids]
    correlation : {"pearsonr", "batched"}

    Returns
    -------
    Tensor, shape [n_test, n_neuroids]
        Unit-norm columns (NaN columns where ``y`` is constant and ``correlation="pearsonr"``).
    """
    import torch

    _check(correlation)
    ym = y - y.mean(0, keepdim=True)
    norm = torch.linalg.vector_norm(ym, dim=0, keepdim=True)
    if correlation == "batched":
        return ym / (norm + _EPS_BATCHED)
    return ym / torch.where(norm > 0, norm, torch.nan)


def correlate(pred: torch.Tensor, y_normalized: torch.Tensor, correlation: str = "pearsonr") -> torch.Tensor:
    """Column-wise Pearson r of predictions against pre-normalized targets.

    Parameters
    ----------
    pred : Tensor, shape [..., n_test, n_neuroids]
        Predictions (any leading batch dims, e.g. layers).
    y_normalized : Tensor, shape [n_test, n_neuroids]
        Output of :func:`normalized_targets`.
    correlation : {"pearsonr", "batched"}

    Returns
    -------
    Tensor, shape [..., n_neuroids]
    """
    import torch

    _check(correlation)
    pm = pred - pred.mean(-2, keepdim=True)
    norm = torch.linalg.vector_norm(pm, dim=-2)
    num = (pm * y_normalized.to(pm.dtype)).sum(-2)
    if correlation == "batched":
        return num / (norm + _EPS_BATCHED)
    return (num / torch.where(norm > 0, norm, torch.nan)).clamp(-1.0, 1.0)


def _check(correlation: str) -> None:
    if correlation not in CORRELATIONS:
        raise ValueError(f"correlation must be one of {CORRELATIONS}, got {correlation!r}")
