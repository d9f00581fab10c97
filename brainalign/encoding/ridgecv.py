"""Ridge with per-target alphas chosen by an inner K-fold (himalaya ``RidgeCV``; the Wehbe2014 pipeline).

The Wehbe pipeline of the paper (mtoneva/brain_language_nlp ``cross_val_ridge``, used by awwkl/
brain_language_summarization) picks, for every voxel, the lambda that minimizes the summed ``1 - R²`` over an inner
10-fold split of the training TRs, then refits on all training TRs. ``Σ_f (1 - R²_f)`` is minimal exactly where
himalaya's mean R² over folds is maximal, so both choose the same alpha; one eigendecomposition per inner fold serves
every alpha and voxel here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..backend import resolve_device
from .solver import F64, factorize_features


def _predict_all(Xtr: torch.Tensor, Ytr: torch.Tensor, Xte: torch.Tensor, alphas: torch.Tensor,
                 fit_intercept: bool) -> torch.Tensor:
    """Ridge predictions for every alpha: Tensor [n_alphas, n_test, n_targets]."""
    f = factorize_features(Xtr, Xte, fit_intercept=fit_intercept)
    mu = Ytr.mean(0, keepdim=True) if fit_intercept else torch.zeros_like(Ytr[:1])
    Z = f.R @ (Ytr - mu)
    w = f.weights(alphas)
    return (f.T[None] * w[:, None, :]) @ Z + mu


def ridge_cv_predict(X_train: Any, Y_train: Any, X_test: Any, *, alphas: Sequence[float] = tuple(10.0 ** np.arange(-6, 10)),
                     cv: int | Sequence[tuple[np.ndarray, np.ndarray]] = 10, fit_intercept: bool = False,
                     scoring: str = "r2", device: Any = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Fit ridge with one alpha per target (inner K-fold R²) and predict the test rows.

    Parameters
    ----------
    X_train : array, shape [n_train, n_features]
    Y_train : array, shape [n_train, n_targets]
    X_test : array, shape [n_test, n_features]
    alphas : sequence of float (> 0)
        Candidates (default ``10^-6 … 10^9``, the Wehbe pipeline's grid).
    cv : int or sequence of (train, validation) positions
        Inner split; an int means ``KFold(cv)`` without shuffling (himalaya's and scikit-learn's default).
    fit_intercept : bool
        Centre features and targets on each training set (the Wehbe pipeline z-scores instead: False).
    scoring : {"r2", "l2"}
        Alpha criterion per target: mean R² over inner folds (the Wehbe pipeline's ``Σ 1 - R²``; himalaya with
        ``score_func=r2_score``) or minus the summed squared error (himalaya ``RidgeCV``'s default ``l2_neg_loss``).
    device : str or torch.device

    Returns
    -------
    predictions : ndarray, shape [n_test, n_targets]
    best_alphas : ndarray, shape [n_targets]
    """
    from sklearn.model_selection import KFold

    dev = resolve_device(device)
    Xtr = torch.as_tensor(np.asarray(X_train, dtype=np.float64), device=dev)
    Ytr = torch.as_tensor(np.asarray(Y_train, dtype=np.float64), device=dev)
    Xte = torch.as_tensor(np.asarray(X_test, dtype=np.float64), device=dev)
    if Xtr.ndim != 2 or Ytr.ndim != 2 or Xte.ndim != 2 or Xtr.shape[0] != Ytr.shape[0] or Xtr.shape[1] != Xte.shape[1]:
        raise ValueError(f"shapes do not fit: X_train {tuple(Xtr.shape)}, Y_train {tuple(Ytr.shape)}, "
                         f"X_test {tuple(Xte.shape)}")
    if scoring not in ("r2", "l2"):
        raise ValueError(f"scoring must be 'r2' or 'l2', got {scoring!r}")
    alphas_np = np.asarray(alphas, dtype=float)
    if (alphas_np <= 0).any():
        raise ValueError("alphas must be positive")
    a = torch.as_tensor(alphas_np, dtype=F64, device=dev)
    folds = list(KFold(cv).split(np.zeros(len(Xtr)))) if isinstance(cv, int) else list(cv)
    score = torch.zeros(len(a), Ytr.shape[1], dtype=F64, device=dev)
    for itr, iva in folds:
        itr = torch.as_tensor(np.asarray(itr), device=dev)
        iva = torch.as_tensor(np.asarray(iva), device=dev)
        P = _predict_all(Xtr[itr], Ytr[itr], Xtr[iva], a, fit_intercept)
        Yva = Ytr[iva]
        sse = ((P - Yva[None]) ** 2).sum(1)
        sst = ((Yva - Yva.mean(0, keepdim=True)) ** 2).sum(0)
        score += (1.0 - sse / sst) if scoring == "r2" else -sse
    score /= len(folds)
    best = torch.argmax(torch.nan_to_num(score, nan=-np.inf), dim=0)
    P = _predict_all(Xtr, Ytr, Xte, a, fit_intercept)
    pred = P.gather(0, best[None, None, :].expand(1, P.shape[1], P.shape[2]))[0]
    return pred.cpu().numpy(), alphas_np[best.cpu().numpy()]
