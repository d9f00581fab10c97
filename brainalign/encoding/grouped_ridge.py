"""Cross-validated ridge regression of a behavioral target (reading times) on word-level activations.

Used by the ``Futrell2018-encoding`` benchmark to show which layers carry reading-time information (in the spirit of
Schrimpf et al. 2021's encoding models, here for behavior). Per layer:

- **outer CV**: :class:`sklearn.model_selection.GroupKFold` with the *stories* as groups (10 stories = leave one story
  out), so no fold trains and tests on words of the same story;
- **model**: ridge regression with an unpenalized intercept (the estimator of :class:`sklearn.linear_model.Ridge`;
  ``tests/test_futrell*.py`` checks that they agree). The penalty is chosen on the training words only, by
  **generalized cross-validation** (GCV; Golub, Heath & Wahba 1979): ``GCV(a) = (RSS(a)/n) / (1 - df(a)/n)^2`` with
  ``df`` the effective degrees of freedom (intercept included). GCV is the rotation-invariant version of the exact
  leave-one-out criterion that ``RidgeCV`` uses; it needs no per-word leverages, which makes a whole layer cost a few
  hundred milliseconds. The grid is relative to the scale of the features, ``a = r * trace(X'X) / p`` with ``r`` in
  ``relative_alphas`` (default ``logspace(-6, 2, 17)``), so one grid serves every model;
- **score**: Pearson r between held-out predictions and the target within each test fold (story), **averaged over
  folds** (Brain-Score aggregates splits by their mean). Pooling the predictions of all folds into one r would be
  biased: a held-out story's predictions are offset by the training stories' mean reading time, which is
  anti-correlated with the held-out story's own mean, so even pure-noise features get a pooled r of about -0.2 on
  Natural Stories. The pooled r is reported as ``pooled_r`` for reference.

Implementation: sufficient statistics (X'X, X'y, sums) per story, computed once per layer in float64; each fold's
training statistics are the total minus the held-out story's; one eigendecomposition per fold serves every penalty.
The folds run in parallel threads (``n_jobs``, default one per core) with single-threaded BLAS: on a CPU that other
processes also use, multi-threaded BLAS in small eigendecompositions spends most of its time waiting (measured here:
7x slower than one thread per fold on a busy 2-core machine), while one fold per core degrades gracefully. The
arithmetic of each fold is the same either way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits

from .correlation import pearson_r

DEFAULT_RELATIVE_ALPHAS = np.logspace(-6, 2, 17)
T = TypeVar("T")


def parallel_map(fn: Callable[[Any], T], items: Sequence[Any], n_jobs: int | None = None) -> list[T]:
    """``[fn(x) for x in items]`` in up to ``n_jobs`` threads (default: one per core), BLAS single-threaded."""
    workers = min(len(items), n_jobs or os.cpu_count() or 1)
    if workers <= 1:
        return [fn(x) for x in items]
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


@dataclass
class RidgeFoldResult:
    """Outcome of :func:`cross_validated_ridge` for one feature matrix.

    Attributes
    ----------
    r : float
        Mean over folds of the Pearson r between held-out predictions and the target.
    pooled_r : float
        Pearson r over the concatenated held-out predictions of all folds (biased by fold offsets; for reference).
    predictions : ndarray, shape [n_samples]
        Held-out prediction of every sample.
    alphas : ndarray, shape [n_folds]
        Penalty chosen in each fold.
    fold_r : ndarray, shape [n_folds]
        Pearson r within each test fold.
    """

    r: float
    pooled_r: float
    predictions: np.ndarray
    alphas: np.ndarray
    fold_r: np.ndarray


@dataclass
class _Stats:
    """Sufficient statistics of (X, y): n, sums, X'X [p, p], X'y [p], y'y."""

    n: float
    sx: np.ndarray
    sy: float
    xx: np.ndarray
    xy: np.ndarray
    yy: float

    @classmethod
    def of(cls, X: np.ndarray, y: np.ndarray) -> "_Stats":
        return cls(len(y), X.sum(0), float(y.sum()), X.T @ X, X.T @ y, float(y @ y))

    def __sub__(self, o: "_Stats") -> "_Stats":
        return _Stats(self.n - o.n, self.sx - o.sx, self.sy - o.sy, self.xx - o.xx, self.xy - o.xy, self.yy - o.yy)

    def __add__(self, o: "_Stats") -> "_Stats":
        return _Stats(self.n + o.n, self.sx + o.sx, self.sy + o.sy, self.xx + o.xx, self.xy + o.xy, self.yy + o.yy)


def _fit(stats: _Stats, relative_alphas: np.ndarray) -> tuple[np.ndarray, float, float, np.ndarray]:
    n = stats.n
    mu, ybar = stats.sx / n, stats.sy / n
    G = stats.xx - n * np.outer(mu, mu)  # centred gram
    b = stats.xy - n * mu * ybar
    yy = stats.yy - n * ybar * ybar
    lam, V = np.linalg.eigh(G)
    lam = np.clip(lam, 0.0, None)
    z = V.T @ b
    scale = max(float(lam.sum()) / len(lam), np.finfo(float).tiny)
    alphas = np.asarray(relative_alphas, dtype=float) * scale
    d = 1.0 / (lam[None, :] + alphas[:, None])  # [n_alphas, p]
    rss = yy - 2 * (d * z * z).sum(1) + (lam * d * d * z * z).sum(1)
    df = 1.0 + (lam * d).sum(1)
    gcv = (np.maximum(rss, 0) / n) / (1.0 - df / n) ** 2
    best = int(np.argmin(gcv))
    coef = V @ (z * d[best])
    return coef, float(ybar - mu @ coef), float(alphas[best]), gcv


def ridge_gcv_fit(X: np.ndarray, y: np.ndarray,
                  relative_alphas: np.ndarray = DEFAULT_RELATIVE_ALPHAS) -> tuple[np.ndarray, float, float, np.ndarray]:
    """Ridge with intercept, penalty chosen by GCV on (X, y).

    Parameters
    ----------
    X : ndarray, shape [n_samples, n_features]
    y : ndarray, shape [n_samples]
    relative_alphas : ndarray, shape [n_alphas]
        Penalties relative to ``trace(Xc'Xc) / p`` (Xc = centred X).

    Returns
    -------
    coef : ndarray, shape [n_features]
    intercept : float
    alpha : float
        The chosen (absolute) penalty, as ``sklearn.linear_model.Ridge(alpha)`` takes it.
    gcv : ndarray, shape [n_alphas]
        GCV criterion of each penalty.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return _fit(_Stats.of(X, y), relative_alphas)


def cross_validated_ridge(X: np.ndarray, y: np.ndarray, groups: np.ndarray, *, n_splits: int | None = None,
                          relative_alphas: np.ndarray = DEFAULT_RELATIVE_ALPHAS,
                          n_jobs: int | None = None) -> RidgeFoldResult:
    """Grouped cross-validated ridge regression of ``y`` on ``X`` (see the module docstring).

    Parameters
    ----------
    X : ndarray, shape [n_samples, n_features]
        Features (one layer's activations of the scored words).
    y : ndarray, shape [n_samples]
        Target (mean reading time).
    groups : ndarray, shape [n_samples]
        Group of each sample (story); no group is split between train and test.
    n_splits : int, optional
        Number of folds (default: the number of groups, i.e. leave one group out).
    relative_alphas : ndarray
        Penalty grid relative to ``trace(Xc'Xc) / p`` of the training fold.
    n_jobs : int, optional
        Threads for the folds (default: one per core; 1: sequential).

    Returns
    -------
    RidgeFoldResult
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    groups = np.asarray(groups)
    if X.ndim != 2 or len(X) != len(y) or len(groups) != len(y):
        raise ValueError(f"X {X.shape}, y {y.shape} and groups {groups.shape} do not match")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError("features and target must be finite (no NaN/inf)")
    k = n_splits or len(np.unique(groups))
    folds = list(GroupKFold(n_splits=k).split(X, y, groups))
    fold_stats = parallel_map(lambda f: _Stats.of(X[f[1]], y[f[1]]), folds, n_jobs)
    total = fold_stats[0]
    for s in fold_stats[1:]:
        total = total + s
    fits = parallel_map(lambda held_out: _fit(total - held_out, relative_alphas), fold_stats, n_jobs)
    pred = np.empty_like(y)
    alphas, fold_r = [], []
    for (_, test), (coef, icpt, alpha, _) in zip(folds, fits):
        pred[test] = X[test] @ coef + icpt
        alphas.append(alpha)
        fold_r.append(pearson_r(pred[test], y[test]))
    return RidgeFoldResult(r=float(np.mean(fold_r)), pooled_r=pearson_r(pred, y), predictions=pred,
                           alphas=np.array(alphas), fold_r=np.array(fold_r))
