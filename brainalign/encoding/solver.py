"""One eigendecomposition per training fold, shared by every neuroid and every alpha.

For a training fold with centred features ``X`` ``[n_train, p]`` and centred test features ``X*`` ``[n_test, p]``, ridge
(and, as alpha -> 0, minimum-norm OLS) predictions are

    P(alpha) = T · diag(w(alpha)) · R · Y_train,        w_k = 1 / (lambda_k + alpha)

with, in the **dual** form (``p >= n_train``, the Pereira regime) ``K = X Xᵀ = U Λ Uᵀ``, ``T = X* Xᵀ U``, ``R = Uᵀ``,
and in the **primal** form (``n_train > p``, word-level data) ``Xᵀ X = V Λ Vᵀ``, ``T = X* V``, ``R = (X V)ᵀ``, taken
from an SVD of ``X`` itself (``Λ = S²``, ``X V = U S``; an ``eigh`` of ``Xᵀ X`` would square its condition number). The
intercept is exact: features are centred on the training mean and, in the dual form, the constant direction (the
null vector of the centred gram) is deflated with a Householder reflection before ``eigh`` so it can never leak in.
OLS is the pseudo-inverse limit: ``w_k = 1/lambda_k`` for ``lambda_k > rcond · lambda_max`` and 0 otherwise, which is
what scikit-learn's ``LinearRegression`` (LAPACK ``gelsd``) returns up to directions whose singular value is below
``sqrt(rcond)`` of the largest (those are numerically undetermined in float64 anyway).

Everything that squares the features (gram, eigh, ``T``) runs in float64: in float32 the minimum-norm solution on
ill-conditioned LM activations is wrong (|Δr| up to 0.38 measured). The big product with ``Y`` may run in float32
(``precision="mixed"``; per-neuroid r within ~1e-6) or float64 (``"float64"``: exact to ~1e-12 on well-conditioned
features; to ``eps · κ`` in the primal form and ``eps · κ²`` in the dual form, ``κ`` the condition number of the
centred training features on the directions kept).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

F64 = torch.float64


@dataclass
class Factorization:
    """Spectral factorization of one training fold (one layer).

    Attributes
    ----------
    lam : Tensor, shape [r]
        Eigenvalues (ascending, clamped at 0) of the centred gram (dual) or covariance (primal).
    T : Tensor, shape [n_test, r]
        Test-side factor.
    R : Tensor, shape [r, n_train]
        Train-side factor (``Uᵀ`` in the dual form, ``(X V)ᵀ`` in the primal form).
    dual : bool
        Which form.
    fit_intercept : bool
        Whether the features were centred (the constant direction is then unpenalized).
    """

    lam: torch.Tensor
    T: torch.Tensor
    R: torch.Tensor
    dual: bool
    fit_intercept: bool

    @property
    def n_train(self) -> int:
        return self.R.shape[1]

    def weights(self, alphas: torch.Tensor, rcond: float | None = None) -> torch.Tensor:
        """Spectral weights ``w[a, k]``; alpha == 0 gives the pseudo-inverse (minimum-norm OLS).

        Parameters
        ----------
        alphas : Tensor, shape [n_alphas]
        rcond : float, optional
            Relative eigenvalue cutoff for alpha == 0 (default ``size · eps``).

        Returns
        -------
        Tensor, shape [n_alphas, r]
        """
        lam = self.lam
        if rcond is None:
            rcond = max(len(lam), 1) * float(torch.finfo(F64).eps)
        lam_max = lam.max() if len(lam) else torch.zeros((), dtype=F64, device=lam.device)
        alphas = alphas.to(F64).reshape(-1, 1)
        w = 1.0 / (lam[None, :] + alphas)
        keep = lam[None, :] > rcond * lam_max
        pinv = torch.where(keep, 1.0 / torch.where(keep, lam[None, :], 1.0), 0.0)
        return torch.where(alphas == 0, pinv, w)

    def hat(self, w: torch.Tensor) -> torch.Tensor:
        """Hat matrices ``T diag(w) R`` for a batch of weight vectors.

        Parameters
        ----------
        w : Tensor, shape [n_alphas, r]

        Returns
        -------
        Tensor, shape [n_alphas, n_test, n_train]
        """
        return (self.T[None] * w[:, None, :]) @ self.R

    def sample_basis(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Orthonormal sample-space eigenvectors ``U`` [n_train, r'] with eigenvalues [r'] (> 0 ones in primal form)."""
        if self.dual:
            return self.R.T, self.lam
        pos = self.lam > self.lam.max() * len(self.lam) * float(torch.finfo(F64).eps)
        return self.R[pos].T / torch.sqrt(self.lam[pos]), self.lam[pos]


def center_gram(X: torch.Tensor) -> torch.Tensor:
    """Gram matrix of the globally centred features.

    Parameters
    ----------
    X : Tensor, shape [n_stimuli, p]

    Returns
    -------
    Tensor, shape [n_stimuli, n_stimuli], float64
    """
    Xc = X.to(F64)
    Xc = Xc - Xc.mean(0, keepdim=True)
    return Xc @ Xc.T


def factorize_gram(G: torch.Tensor, train: torch.Tensor, test: torch.Tensor, *,
                   fit_intercept: bool = True) -> Factorization:
    """Dual-form factorization of a fold from the full gram matrix (no work proportional to p).

    Parameters
    ----------
    G : Tensor, shape [n_stimuli, n_stimuli], float64
        Gram matrix of the features (any common centring; ``fit_intercept`` re-centres on the training mean).
    train, test : Tensor of int, shapes [n_train], [n_test]
        Stimulus positions.
    fit_intercept : bool
        Centre on the training mean (OLS/ridge with an unpenalized intercept).
    """
    if fit_intercept:
        K, Kte = _centered_blocks(G, train, test)
        n = K.shape[0]
        # Householder reflection P (symmetric, orthogonal) with P·1/sqrt(n) = e1: PKP has a zero first row/column.
        v = torch.full((n,), 1.0 / np.sqrt(n), dtype=F64, device=K.device)
        v[0] -= 1.0
        beta = 2.0 / (v @ v)
        a = K @ v
        PKP = K - beta * (a[:, None] * v[None, :] + v[:, None] * a[None, :]) + beta ** 2 * (v @ a) * torch.outer(v, v)
        lam, W = torch.linalg.eigh(PKP[1:, 1:])
        U = -beta * v[:, None] * (v[1:] @ W)[None, :]  # P[:, 1:] @ W
        U[1:] += W
        T = Kte @ U
    else:
        K = G[train][:, train]
        Kte = G[test][:, train]
        lam, U = torch.linalg.eigh((K + K.T) / 2)
        T = Kte @ U
    return Factorization(lam=lam.clamp_min(0.0), T=T, R=U.T.contiguous(), dual=True, fit_intercept=fit_intercept)


def _centered_blocks(G: torch.Tensor, train: torch.Tensor, test: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    K = G[train][:, train]
    Kte = G[test][:, train]
    row = K.mean(0, keepdim=True)
    Kte = Kte - Kte.mean(1, keepdim=True) - row + row.mean()
    K = K - row - row.T + row.mean()
    return (K + K.T) / 2, Kte


def ols_hats_batched(G: torch.Tensor, train: torch.Tensor, test: torch.Tensor, *,
                     rcond: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """OLS (with intercept) hat matrices of one fold for a stack of layers, by batched Cholesky factorizations.

    For a centred training gram ``K`` whose null space is just the constant vector (rank ``n_train - 1``, the generic
    underdetermined case), ``A = K + (c/n) 1 1ᵀ`` is positive definite for any ``c > 0`` and, because the centred test
    block satisfies ``K* 1 = 0``, ``K* A⁻¹ = K* K⁺``: the minimum-norm OLS predictions, with no eigenvalue cutoff, as
    scikit-learn computes them. ``c`` is the mean non-zero eigenvalue (``trace(K) / (n − 1)``) so that ``A`` is no
    worse conditioned than ``K`` restricted to its range. Layers whose factorization fails or whose pivots indicate a
    condition number beyond ``1 / (1000 · rcond)`` are flagged for the eigendecomposition fallback.

    Parameters
    ----------
    G : Tensor, shape [n_layers, n_stimuli, n_stimuli], float64
        Gram matrices.
    train, test : Tensor of int
    rcond : float, optional
        As :meth:`Factorization.weights`.

    Returns
    -------
    H : Tensor, shape [n_layers, n_test, n_train]
    ok : Tensor of bool, shape [n_layers]
        False where the layer needs the fallback (its ``H`` rows are then meaningless).
    """
    n = len(train)
    if rcond is None:
        rcond = n * float(torch.finfo(F64).eps)
    K = G[:, train][:, :, train]
    Kte = G[:, test][:, :, train]
    row = K.mean(1, keepdim=True)                       # [L, 1, n]
    tot = row.mean(2, keepdim=True)
    Kte = Kte - Kte.mean(2, keepdim=True) - row + tot
    K = K - row - row.transpose(1, 2) + tot
    K = (K + K.transpose(1, 2)) / 2
    c = torch.diagonal(K, dim1=1, dim2=2).sum(1) / max(n - 1, 1)
    A = K + (c / n)[:, None, None]
    L, info = torch.linalg.cholesky_ex(A)
    d = torch.diagonal(L, dim1=1, dim2=2)
    ok = (info == 0) & ((d.min(1).values / d.max(1).values) ** 2 >= 1e3 * rcond)
    L = torch.where(ok[:, None, None], L, torch.eye(n, dtype=L.dtype, device=L.device))
    H = torch.cholesky_solve(Kte.transpose(1, 2), L).transpose(1, 2)
    return H, ok


def factorize_features(Xtr: torch.Tensor, Xte: torch.Tensor, *, fit_intercept: bool = True) -> Factorization:
    """Factorization of a fold from its features: primal form when ``n_train > p``, dual otherwise.

    The primal form decomposes the centred training features themselves (an SVD, ``Xᵀ X = V S² Vᵀ``, ``X V = U S``),
    so it is exact to ``eps · κ`` (``κ`` the condition number of the centred training features), as scikit-learn's
    ``LinearRegression`` (LAPACK ``gelsd``) is; the dual form's gram squares them (exact to ``eps · κ²`` on the
    directions it keeps).

    Parameters
    ----------
    Xtr : Tensor, shape [n_train, p]
    Xte : Tensor, shape [n_test, p]
    fit_intercept : bool
        Centre both on the training mean.
    """
    Xtr = Xtr.to(F64)
    Xte = Xte.to(F64)
    n, p = Xtr.shape
    if p >= n:
        X = torch.cat([Xtr, Xte])
        G = X @ X.T
        idx = torch.arange(len(X), device=X.device)
        return factorize_gram(G, idx[:n], idx[n:], fit_intercept=fit_intercept)
    if fit_intercept:
        mu = Xtr.mean(0, keepdim=True)
        Xtr = Xtr - mu
        Xte = Xte - mu
    # an SVD of the features, not eigh of Xᵀ X: squaring them loses the small directions (relative error
    # eps · κ² instead of eps · κ; per-neuroid r off by 1.8e-5 at κ = 6e5, a tiny LLaMA's post_attention_layernorm)
    U, s, Vh = torch.linalg.svd(Xtr, full_matrices=False)
    U, s, V = U.flip(1), s.flip(0), Vh.flip(0).T  # ascending, as eigh
    return Factorization(lam=s * s, T=Xte @ V, R=(U * s).T.contiguous(), dual=False, fit_intercept=fit_intercept)


def lstsq_hat_float32(Xtr: torch.Tensor, Xte: torch.Tensor, *, rcond: float | None = None) -> torch.Tensor:
    """Hat matrix of float32 least squares with an intercept, as scikit-learn's ``LinearRegression`` on float32 data.

    This is the paper protocol's fit (``precision="float32"``). scikit-learn (before 1.9) centres ``X`` and ``y`` on
    their training means in the dtype of ``X`` and calls :func:`scipy.linalg.lstsq` with its default cutoff: singular
    values below ``eps · s_max`` (``eps`` of float32, 1.19e-7) count as zero (LAPACK ``sgelsd``). Here the centred
    training features are decomposed by an SVD in float32 with the same cutoff, so the predictions
    ``X*_c V S⁺ Uᵀ Y_c`` are the same formula, rounded differently (float32 least squares itself moves by ~1e-3 in r
    with the row order on LM activations; float64, :func:`factorize_gram`, is the exact value of the same formula).
    scikit-learn 1.9 passes ``cond = tol = 1e-6`` instead, which drops more directions.

    Parameters
    ----------
    Xtr : Tensor, shape [n_train, p]
    Xte : Tensor, shape [n_test, p]
        Cast to float32.
    rcond : float, optional
        Relative singular-value cutoff (default float32 ``eps``).

    Returns
    -------
    Tensor, float32, shape [n_test, n_train]
        ``H`` with predictions ``H @ (Y_train - mean)`` (+ the training mean, which Pearson r ignores).
    """
    f32 = torch.float32
    Xtr = Xtr.to(f32)
    Xte = Xte.to(f32)
    mu = Xtr.mean(0, keepdim=True)
    U, sv, Vh = torch.linalg.svd(Xtr - mu, full_matrices=False)
    cut = (float(torch.finfo(f32).eps) if rcond is None else rcond) * (sv[0] if len(sv) else 0.0)
    keep = sv > cut
    T = ((Xte - mu) @ Vh[keep].T) / sv[keep]
    H = T @ U[:, keep].T
    # scikit-learn fits the targets centred on the training mean: H (I - 11ᵀ/n) applies H to them whatever the
    # caller's centring (a kept near-null direction of the centred features is not orthogonal to 1 in float32)
    return H - H.mean(1, keepdim=True)


def loo_errors(f: Factorization, Yc: torch.Tensor, alphas: torch.Tensor, *, per_target: bool = False,
               S: torch.Tensor | None = None) -> torch.Tensor:
    """Efficient leave-one-out squared errors of ridge on the training fold (scikit-learn's ``_RidgeGCV``).

    With ``G⁻¹ = Π/α + U diag(1/(λ+α) − 1/α) Uᵀ`` (``Π`` the centring projector when there is an intercept, whose
    regularization is cancelled as in scikit-learn) the LOO residual of sample i is ``(G⁻¹Y)_i / (G⁻¹)_ii``.

    Parameters
    ----------
    f : Factorization
    Yc : Tensor, shape [n_train, n_targets], float64
        Training targets, centred on the training mean when ``f.fit_intercept``.
    alphas : Tensor, shape [n_alphas], all > 0
    per_target : bool
        Return errors per target (for per-target alphas) instead of the mean over targets.
    S : Tensor, shape [n_train, n_train], optional
        ``Yc Ycᵀ`` (shared by all layers of a fold); used for the mean error when given (cheaper for many targets).

    Returns
    -------
    Tensor, shape [n_alphas] (mean over samples and targets) or [n_alphas, n_targets] (mean over samples)
    """
    U, lam = f.sample_basis()
    n = U.shape[0]
    diag_pi = torch.full((n,), 1.0 - 1.0 / n if f.fit_intercept else 1.0, dtype=F64, device=U.device)
    U2 = U * U
    out = []
    if S is not None and not per_target:
        Q = U.T @ S            # [r, n]  = Z Ycᵀ
        ZZ = Q @ U             # [r, r]
        ynorm2 = torch.diagonal(S)
    else:
        Z = U.T @ Yc           # [r, v]
    for a in alphas.tolist():
        D = 1.0 / (lam + a) - 1.0 / a
        d = diag_pi / a + U2 @ D
        if S is not None and not per_target:
            UD = U * D
            c2 = ynorm2 / a ** 2 + (2.0 / a) * (UD * Q.T).sum(1) + ((UD @ ZZ) * UD).sum(1)
            out.append((c2 / d ** 2).sum() / (n * Yc.shape[1]))
        else:
            c = Yc / a + (U * D) @ Z
            e = (c / d[:, None]) ** 2
            out.append(e.mean(0) if per_target else e.mean())
    return torch.stack(out)
