"""Ridge with one alpha per target chosen by an inner K-fold: himalaya's ``solve_ridge_cv_svd`` (the Wehbe2014 pipeline).

The Wehbe pipeline of the paper (mtoneva/brain_language_nlp ``cross_val_ridge``, used by awwkl/
brain_language_summarization) picks, for every voxel, the lambda that minimizes the summed ``1 - R²`` over an inner
10-fold split of the training TRs, then refits on all training TRs. ``Σ_f (1 - R²_f)`` is minimal exactly where
himalaya's mean R² over folds is maximal, so himalaya's solver with ``score_func=r2_score`` makes the same choice;
:func:`ridge_cv_predict` calls it (``tests/encoding/test_ridge_cv.py`` checks it against a literal scikit-learn loop).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from himalaya.backend import get_backend, set_backend
from himalaya.ridge import solve_ridge_cv_svd
from himalaya.scoring import l2_neg_loss, r2_score
from sklearn.model_selection import KFold

from .._docs import fill_doc
from ..backend import resolve_device

_SCORING = {"r2": r2_score, "l2": l2_neg_loss}


@fill_doc
def ridge_cv_predict(X_train: Any, Y_train: Any, X_test: Any, *, alphas: Sequence[float],
                     cv: int | Sequence[tuple[np.ndarray, np.ndarray]] = 10, fit_intercept: bool = False,
                     scoring: str = "r2", device: Any = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Fit ridge with one alpha per target (inner K-fold) and predict the test rows.

    Parameters
    ----------
    X_train : array, shape [n_train, n_features]
    Y_train : array, shape [n_train, n_targets]
    X_test : array, shape [n_test, n_features]
    alphas : sequence of float (> 0)
        Candidates (the Wehbe pipeline: ``10^-6 ... 10^9``).
    cv : int or sequence of (train, validation) positions
        Inner split; an int means ``KFold(cv)`` without shuffling (himalaya's and scikit-learn's default).
    fit_intercept : bool
        Centre features and targets on each training set (the Wehbe pipeline z-scores instead: False).
    scoring : {"r2", "l2"}
        Alpha criterion per target: mean R² over inner folds (the Wehbe pipeline's ``Σ 1 - R²``) or minus the squared
        error (himalaya ``RidgeCV``'s default ``l2_neg_loss``).
    %(device)s
        On CUDA himalaya's ``torch_cuda`` backend runs the solver; on the CPU its ``numpy`` backend (float64).

    Returns
    -------
    predictions : ndarray, shape [n_test, n_targets]
    best_alphas : ndarray, shape [n_targets]
    """
    Xtr = np.asarray(X_train, dtype=np.float64)
    Ytr = np.asarray(Y_train, dtype=np.float64)
    Xte = np.asarray(X_test, dtype=np.float64)
    if Xtr.ndim != 2 or Ytr.ndim != 2 or Xte.ndim != 2 or Xtr.shape[0] != Ytr.shape[0] or Xtr.shape[1] != Xte.shape[1]:
        raise ValueError(f"shapes do not fit: X_train {Xtr.shape}, Y_train {Ytr.shape}, X_test {Xte.shape}")
    if scoring not in _SCORING:
        raise ValueError(f"scoring must be 'r2' or 'l2', got {scoring!r}")
    alphas_np = np.asarray(alphas, dtype=np.float64)
    if alphas_np.ndim != 1 or len(alphas_np) == 0 or (alphas_np <= 0).any():
        raise ValueError("alphas must be a non-empty 1-d sequence of positive values")
    folds = KFold(cv) if isinstance(cv, int) else [(np.asarray(a), np.asarray(b)) for a, b in cv]
    previous = get_backend()
    backend = set_backend("torch_cuda" if resolve_device(device).type == "cuda" else "numpy")
    try:
        out = solve_ridge_cv_svd(backend.asarray(Xtr), backend.asarray(Ytr), alphas=backend.asarray(alphas_np),
                                 fit_intercept=fit_intercept, score_func=_SCORING[scoring], cv=folds, warn=False)
        best, coefs = out[0], out[1]
        pred = backend.asarray(Xte) @ coefs
        if fit_intercept:
            pred = pred + out[3]
        pred, best = backend.to_numpy(pred), backend.to_numpy(best)
    finally:
        set_backend(previous)
    # himalaya returns exp(-log(alpha)); snap to the candidate it chose
    best = alphas_np[np.abs(np.log(best)[:, None] - np.log(alphas_np)[None]).argmin(1)]
    return np.asarray(pred, dtype=np.float64), best
