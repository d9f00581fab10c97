"""Cross-validated linear predictivity: Brain-Score's ``linear_pearsonr`` and ``ridge_pearsonr``, vectorised.

Definition (Brain-Score language, ``metrics/linear_predictivity``): 10 ShuffleSplits over the stimuli; for each split,
fit a linear regression (with intercept) from features to all neuroids on the training stimuli, predict the held-out
stimuli, take Pearson r per neuroid; the score is the median over neuroids within each split, then the mean over
splits. Brain-Score draws the splits over the target assembly's stored order; brainalign's default draws them over the
sorted ids (``split_order``, :mod:`brainalign.encoding.splits`).

Here every layer is a gram matrix computed once; each fold costs one float64 ``eigh`` per layer, and one matrix product
per fold serves all layers and all neuroids (see :mod:`brainalign.encoding.solver`). ``precision="float32"`` instead
reproduces what the paper's code computed: scikit-learn's least squares on float32 activations and targets, with the
least-squares cutoff of its era (:func:`brainalign.encoding.solver.lstsq_hat_float32`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from ..backend import resolve_device
from .correlation import CORRELATIONS, correlate, normalized_targets
from .solver import (F64, Factorization, center_gram, factorize_features, factorize_gram, loo_errors, lstsq_hat_float32,
                     ols_hats_batched)
from .splits import Split, group_kfold_splits, shuffle_splits, split_order_positions

DEFAULT_RIDGE_ALPHAS = tuple(float(a) for a in np.logspace(-3, 3, 7))
PRECISIONS = ("float64", "mixed", "float32")
_CHUNK = 2048


@dataclass
class GramMatrix:
    """A precomputed gram matrix standing in for a feature matrix (dual form only).

    Attributes
    ----------
    G : Tensor or ndarray, shape [n_stimuli, n_stimuli]
        ``X Xᵀ`` of the (any-way centred) features, float64.
    """

    G: Any


@dataclass
class EncodingResult:
    """Cross-validated encoding scores.

    Attributes
    ----------
    per_split : ndarray, shape [n_splits, n_neuroids], or dict layer -> such arrays
        Pearson r per split and neuroid (NaN for dropped neuroids and constant predictions).
    score : float or dict layer -> float
        Median over neuroids per split, then mean over splits.
    split_scores : ndarray, shape [n_splits], or dict layer -> such arrays
        The per-split medians.
    alphas : ndarray or dict, optional
        Ridge only: chosen alpha per split ``[n_splits]`` (one alpha) or ``[n_splits, n_neuroids]`` (per target).
    splits : list of (train, test)
        Integer stimulus positions (in the caller's order) of every split.
    neuroid_mask : ndarray of bool, shape [n_neuroids]
        Neuroids that were scored (False: dropped because of NaN values).
    info : dict
        Settings (correlation, precision, device, regime).
    """

    per_split: Any
    score: Any
    split_scores: Any
    splits: list[Split]
    neuroid_mask: np.ndarray
    alphas: Any = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def layers(self) -> list[str] | None:
        """Layer names in input order (None for a single feature matrix)."""
        return list(self.score) if isinstance(self.score, dict) else None

    def __repr__(self) -> str:
        if isinstance(self.score, dict):
            best = max(self.score, key=lambda k: self.score[k])
            return f"EncodingResult({len(self.score)} layers, best {best!r}={self.score[best]:.4f})"
        return f"EncodingResult(score={self.score:.4f}, n_splits={len(self.splits)})"


def aggregate(per_split: np.ndarray) -> tuple[float, np.ndarray]:
    """Brain-Score aggregation: median over neuroids (skipping NaN) per split, then the mean over splits.

    Parameters
    ----------
    per_split : ndarray, shape [n_splits, n_neuroids]

    Returns
    -------
    score : float
    split_scores : ndarray, shape [n_splits]
    """
    per_split = np.asarray(per_split, dtype=float)
    with np.errstate(all="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(per_split, axis=1)
            score = float(np.nanmean(med)) if np.isfinite(med).any() else float("nan")
    return score, med


def linear_predictivity(features: np.ndarray | torch.Tensor | Mapping[str, Any], targets: np.ndarray | torch.Tensor, *,
                        stimulus_ids: Sequence | np.ndarray | None = None, n_splits: int = 10,
                        train_size: float = 0.9, random_state: int | None = 1, splits: Sequence[Split] | None = None,
                        correlation: str = "pearsonr", precision: str = "float64", nan_policy: str = "drop",
                        rcond: float | None = None, solver: str = "auto", device: Any = "auto",
                        progress: bool = False, split_order: str = "sorted") -> EncodingResult:
    """Brain-Score's ``linear_pearsonr``: OLS (minimum-norm, with intercept), Pearson per neuroid, median, mean.

    Parameters
    ----------
    features : array, shape [n_stimuli, n_features], or mapping layer name -> such arrays
        Model activations; with a mapping, all layers are scored in one call sharing every fold's work.
    targets : array, shape [n_stimuli, n_neuroids]
        Brain responses, rows aligned with ``features``.
    stimulus_ids : sequence, shape [n_stimuli], optional
        Unique ids; with ``split_order="sorted"`` the splits are drawn over the ids in sorted order. Without ids the
        given order is taken as the sorted order.
    n_splits, train_size, random_state
        ``ShuffleSplit`` settings (Brain-Score: 10, 0.9, 1).
    splits : sequence of (train, test), optional
        Explicit integer positions; overrides the ShuffleSplit settings.
    correlation : {"pearsonr", "batched"}
        Paper-era ``scipy.stats.pearsonr`` (default) or Brain-Score's newer ``+1e-8`` batched version
        (:mod:`brainalign.encoding.correlation`).
    precision : {"float64", "mixed", "float32"}
        ``"float64"``: everything in float64 (agrees with scikit-learn to ~1e-12). ``"mixed"``: gram, eigh and hat
        matrices in float64, the product with the targets and the correlation in float32 (~2× faster on CPU, r within
        ~1e-6). ``"float32"`` (the paper protocol): features and targets cast to float32 and fit by an SVD in float32
        with the paper-era cutoff (singular values below ``eps32 · s_max`` are dropped), as scikit-learn's
        ``LinearRegression`` did on the authors' float32 activations; its result moves with the row order by as much
        as float32 least squares itself does (~1e-3 on LM activations).
    nan_policy : {"drop", "raise"}
        ``"drop"`` (Brain-Score's ``dropna('neuroid')``): neuroids with any NaN are not scored (NaN columns in
        ``per_split``, ignored by the median). ``"raise"``: error on NaN.
    rcond : float, optional
        Relative eigenvalue cutoff of the pseudo-inverse (default ``size · eps``).
    solver : {"auto", "eigh"}
        ``"auto"``: in the dual form, one Cholesky factorization per fold when the centred training gram is safely
        positive definite (the generic case; no cutoff, like scikit-learn), else ``eigh`` with the pseudo-inverse
        cutoff. ``"eigh"``: always the eigendecomposition.
    device : str or torch.device
        ``"auto"``, ``"cpu"``, ``"cuda"``... (:func:`brainalign.backend.resolve_device`).
    progress : bool
        Show a progress bar over folds.
    split_order : {"sorted", "stored"}
        Draw the ShuffleSplits over the sorted ids (brainalign's default) or over the rows as given (Brain-Score: the
        target assembly's stored order; :mod:`brainalign.encoding.splits`).

    Returns
    -------
    EncodingResult
        ``per_split`` [n_splits, n_neuroids] and ``score`` (dicts per layer when ``features`` is a mapping).
    """
    return _cross_validate(features, targets, stimulus_ids=stimulus_ids, splits=splits, n_splits=n_splits,
                           train_size=train_size, random_state=random_state, groups=None, correlation=correlation,
                           precision=precision, nan_policy=nan_policy, rcond=rcond, device=device, progress=progress,
                           alphas=None, alpha_per_target=False, solver=solver, split_order=split_order)


def ridge_predictivity(features: np.ndarray | torch.Tensor | Mapping[str, Any], targets: np.ndarray | torch.Tensor, *,
                       stimulus_ids: Sequence | np.ndarray | None = None, groups: Sequence | np.ndarray | None = None,
                       n_splits: int = 10, random_state: int | None = 1234, train_size: float = 0.9,
                       splits: Sequence[Split] | None = None, alphas: Sequence[float] = DEFAULT_RIDGE_ALPHAS,
                       alpha_per_target: bool = False, correlation: str = "pearsonr", precision: str = "float64",
                       nan_policy: str = "drop", device: Any = "auto", progress: bool = False,
                       split_order: str = "sorted") -> EncodingResult:
    """Brain-Score's ``ridge_pearsonr``: ridge with the alpha chosen by efficient leave-one-out on each training fold.

    Matches ``RidgeGCVTorch(alphas=logspace(-3, 3, 7))`` / scikit-learn ``RidgeCV(alphas, alpha_per_target=False)``
    (one alpha for all neuroids, intercept unpenalized), with ``GroupKFold(n_splits, shuffle=True, random_state=1234)``
    over ``groups`` (stories or topics). ``alpha_per_target=True`` picks one alpha per neuroid instead.

    Parameters
    ----------
    features, targets, stimulus_ids, correlation, precision, nan_policy, device, progress, split_order
        As :func:`linear_predictivity` (``precision="float32"`` is for the OLS metric only).
    groups : sequence, shape [n_stimuli], optional
        CV groups (``story``); without groups (and without ``splits``) a ShuffleSplit is used.
    n_splits, random_state, train_size
        Split settings (``train_size`` only for the ShuffleSplit fallback).
    splits : sequence of (train, test), optional
        Explicit splits.
    alphas : sequence of float, all > 0
        Candidate regularization strengths.
    alpha_per_target : bool
        One alpha per neuroid (LOO error per neuroid) instead of one for all.

    Returns
    -------
    EncodingResult
        With ``alphas`` = the chosen alpha per split (``[n_splits]`` or ``[n_splits, n_neuroids]``).
    """
    if precision == "float32":
        raise ValueError("precision='float32' reproduces the paper's OLS fits; ridge runs in 'float64' or 'mixed'")
    alphas_arr = np.asarray(alphas, dtype=float)
    if alphas_arr.ndim != 1 or len(alphas_arr) == 0 or (alphas_arr <= 0).any():
        raise ValueError(f"alphas must be a non-empty 1-d sequence of positive values, got {alphas!r}")
    return _cross_validate(features, targets, stimulus_ids=stimulus_ids, splits=splits, n_splits=n_splits,
                           train_size=train_size, random_state=random_state, groups=groups, correlation=correlation,
                           precision=precision, nan_policy=nan_policy, rcond=None, device=device, progress=progress,
                           alphas=alphas_arr, alpha_per_target=alpha_per_target, solver="eigh",
                           split_order=split_order)


def _as_tensor(a: Any, device: torch.device, name: str) -> torch.Tensor:
    if isinstance(a, torch.Tensor):
        t = a.detach().to(device=device, dtype=F64)
    else:
        values = getattr(a, "values", a)  # xarray / pandas
        t = torch.as_tensor(np.asarray(values, dtype=np.float64), device=device)
    if t.ndim != 2:
        raise ValueError(f"{name} must be 2-d [n_stimuli, n], got shape {tuple(t.shape)}")
    return t


def _shape(a: Any) -> tuple[int, ...]:
    """Shape of an array-like without converting it."""
    a = a.G if isinstance(a, GramMatrix) else getattr(a, "values", a)
    return tuple(int(x) for x in (a.shape if hasattr(a, "shape") else np.shape(a)))


def _itemsize(a: Any) -> int:
    dtype = getattr(getattr(a, "values", a), "dtype", None)
    return int(getattr(dtype, "itemsize", 8) or 8)


def check_splits(splits: Sequence[Split], n_stimuli: int) -> list[Split]:
    """Splits as int64 position arrays, checked: positions in ``[0, n_stimuli)``, train and test disjoint, at least 2
    training and 2 test stimuli (a Pearson r of one point is undefined); a :class:`RuntimeWarning` for test splits of
    2 stimuli (every r is ±1).

    Raises
    ------
    ValueError
        Naming the split and what is wrong with it.
    """
    out, pairs = [], []
    if len(splits) == 0:
        raise ValueError("no splits: give at least one (train, test) pair, or n_splits >= 1")
    for s, split in enumerate(splits):
        try:
            tr, te = split
        except (TypeError, ValueError):
            raise ValueError(f"split {s} is not a (train, test) pair of position arrays") from None
        tr, te = np.asarray(tr), np.asarray(te)
        for part, name in ((tr, "train"), (te, "test")):
            if part.ndim != 1 or (part.size and part.dtype.kind not in "iu"):
                raise ValueError(f"split {s}: the {name} positions must be a 1-d array of integers, got "
                                 f"dtype {part.dtype} and shape {part.shape}")
            if part.size and (part.min() < 0 or part.max() >= n_stimuli):
                raise ValueError(f"split {s}: {name} positions must lie in [0, {n_stimuli}) (the stimuli), got "
                                 f"{part.min()} .. {part.max()}")
        if len(te) < 2:
            raise ValueError(f"split {s} tests on {len(te)} stimulus; a Pearson r per neuroid needs at least 2 (3 to "
                             f"mean something; with {n_stimuli} stimuli, use a smaller train_size, fewer splits, or "
                             f"more stimuli)")
        if len(te) == 2:
            pairs.append(s)
        if len(tr) < 2:
            raise ValueError(f"split {s} trains on {len(tr)} stimuli; a regression with intercept needs at least 2")
        overlap = np.intersect1d(tr, te)
        if len(overlap):
            raise ValueError(f"split {s}: {len(overlap)} stimuli are in both train and test (first: {overlap[:5]})")
        out.append((tr.astype(np.int64), te.astype(np.int64)))
    if pairs:
        warnings.warn(f"{len(pairs)} of {len(out)} split(s) test on only 2 stimuli, where every Pearson r is +1 or -1; "
                      f"the score is nearly meaningless (with {n_stimuli} stimuli, use a smaller train_size or more "
                      f"stimuli)", RuntimeWarning, stacklevel=4)
    return out


def memory_estimate(n_stimuli: int, n_neuroids: int, feature_dims: Sequence[int], *, n_test: int,
                    precision: str = "float64", n_alphas: int = 1) -> dict[str, int]:
    """Bytes a cross-validated fit holds at its peak, by part (a lower bound of the real peak).

    Parameters
    ----------
    n_stimuli, n_neuroids : int
        Shape of the targets.
    feature_dims : sequence of int
        Features per layer (``n_stimuli`` for a :class:`GramMatrix`).
    n_test : int
        Largest test split.
    precision : str
        ``"mixed"`` adds a float32 copy of the targets.
    n_alphas : int
        Candidate alphas scored at once (ridge with per-target alphas).

    Returns
    -------
    dict
        ``targets`` (the float64 copy and its centred copy: 8x the size of float16 targets, 4x float32 ones),
        ``features`` (float64 copies), ``grams`` (one ``n x n`` float64 gram per dual-form layer, twice while they
        are stacked), ``folds`` (the held-out targets and predictions of one fold) and ``total``.
    """
    n_train = n_stimuli - n_test
    targets = 2 * n_stimuli * n_neuroids * 8 + (n_stimuli * n_neuroids * 4 if precision == "mixed" else 0)
    features = sum(n_stimuli * int(d) * 8 for d in feature_dims)
    n_dual = sum(1 for d in feature_dims if int(d) >= n_train)
    grams = 2 * n_dual * n_stimuli * n_stimuli * 8
    folds = 2 * n_test * n_neuroids * 8 + max(1, n_dual) * max(1, n_alphas) * n_test * min(n_neuroids, _CHUNK) * 8
    parts = {"targets": targets, "features": features, "grams": grams, "folds": folds}
    return {**parts, "total": sum(parts.values())}


def available_memory(device: Any) -> int | None:
    """Bytes that can still be allocated on ``device``: free CUDA memory, or the system's available memory (within
    the cgroup limit, if any); None when unknown."""
    if getattr(device, "type", str(device)) == "cuda":
        try:
            return int(torch.cuda.mem_get_info(device)[0])
        except Exception:  # noqa: BLE001 - unknown: no check
            return None
    out = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    out = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    try:
        limit = open("/sys/fs/cgroup/memory.max", encoding="ascii").read().strip()
        used = int(open("/sys/fs/cgroup/memory.current", encoding="ascii").read().strip())
        if limit != "max" and out is not None:
            out = min(out, int(limit) - used)
    except (OSError, ValueError):
        pass
    return out


def _gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def _check_memory(targets: Any, layer_feats: dict[str, Any], splits: list[Split], precision: str,
                  n_alphas: int, dev: Any) -> None:
    """Fail fast, before any allocation, when the fit cannot fit in memory (the estimate is in the message)."""
    n, v = (_shape(targets) + (1,))[:2]
    dims = [_shape(X)[1] if len(_shape(X)) > 1 else 1 for X in layer_feats.values()]
    est = memory_estimate(n, v, dims, n_test=max(len(te) for _, te in splits), precision=precision,
                          n_alphas=n_alphas)
    free = available_memory(dev)
    if free is None or est["total"] <= free:
        return
    detail = ", ".join(f"{k} {_gib(b)}" for k, b in est.items() if k != "total" and b)
    upcast = _itemsize(targets)
    note = (f"; the {upcast * 8}-bit targets ({_gib(n * v * upcast)}) are upcast to float64 and centred, "
            f"{16 // upcast}x their size" if upcast < 8 else "")
    raise MemoryError(f"this fit needs about {_gib(est['total'])} ({detail}{note}) but only {_gib(free)} are free on "
                      f"{dev}: score fewer layers or neuroids per call, pass fewer stimuli, or use a machine (or "
                      f"device) with more memory")


def _cross_validate(features, targets, *, stimulus_ids, splits, n_splits, train_size, random_state, groups,
                    correlation, precision, nan_policy, rcond, device, progress, alphas, alpha_per_target,
                    solver="auto", split_order="sorted") -> EncodingResult:
    if solver not in ("auto", "eigh"):
        raise ValueError(f"solver must be 'auto' or 'eigh', got {solver!r}")
    if correlation not in CORRELATIONS:
        raise ValueError(f"correlation must be one of {CORRELATIONS}, got {correlation!r}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if nan_policy not in ("drop", "raise"):
        raise ValueError(f"nan_policy must be 'drop' or 'raise', got {nan_policy!r}")
    if splits is None and (isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 1):
        raise ValueError(f"n_splits must be a whole number >= 1, got {n_splits!r}")
    dev = resolve_device(device)
    single = not isinstance(features, Mapping)
    layer_feats = {"": features} if single else dict(features)
    if not layer_feats:
        raise ValueError("features is an empty mapping")
    shape = _shape(targets)
    if len(shape) != 2:
        raise ValueError(f"targets must be 2-d [n_stimuli, n], got shape {shape}")
    order = split_order_positions(stimulus_ids, shape[0], split_order)
    if splits is None:
        if groups is not None:
            splits = group_kfold_splits(groups, n_splits=n_splits, random_state=random_state, order=order)
        else:
            splits = shuffle_splits(shape[0], n_splits=n_splits, train_size=train_size, random_state=random_state,
                                    order=order)
    splits = check_splits(splits, shape[0])
    _check_memory(targets, layer_feats, splits, precision, 1 if alphas is None or not alpha_per_target
                  else len(alphas), dev)
    Y = _as_tensor(targets, dev, "targets")
    n, v_all = Y.shape
    Xs = {}
    grams = {}
    for name, X in layer_feats.items():
        if isinstance(X, GramMatrix):
            G = _as_tensor(X.G, dev, "gram")
            if G.shape != (n, n):
                raise ValueError(f"gram matrix has shape {tuple(G.shape)}, expected ({n}, {n})")
            grams[name] = G
            continue
        X = _as_tensor(X, dev, f"features[{name!r}]" if name else "features")
        if X.shape[0] != n:
            raise ValueError(f"features{'[' + repr(name) + ']' if name else ''} has {X.shape[0]} rows but targets "
                             f"have {n}")
        label = f"features{'[' + repr(name) + ']' if name else ''}"
        if not torch.isfinite(X).all():
            bad = "are all NaN or inf" if not torch.isfinite(X).any() else "contain NaN or inf"
            raise ValueError(f"{label} {bad}")
        peak = float(X.abs().max()) if X.numel() else 0.0
        if peak > 0 and 2 * math.log10(peak) + math.log10(max(X.shape[1], 1) * n) > 250:
            raise ValueError(f"{label} reach {peak:.3g}: their products overflow float64 in the fit; rescale them "
                             f"(e.g. z-score each feature) first")
        Xs[name] = X
    finite = torch.isfinite(Y).all(0)
    if not bool(finite.all()) and nan_policy == "raise":
        raise ValueError(f"targets contain NaN in {int((~finite).sum())} neuroids (use nan_policy='drop')")
    mask = finite.cpu().numpy()
    if not mask.any():
        raise ValueError("every neuroid has NaN values; nothing to score")
    if not bool(finite.all()):
        Y = Y[:, finite]
    Y = Y - Y.mean(0, keepdim=True)  # a copy: the caller's array is never modified

    gemm_dtype = F64 if precision == "float64" else torch.float32
    Yg = Y if gemm_dtype == F64 else Y.to(gemm_dtype)
    n_train_max = max(len(tr) for tr, _ in splits)
    float32_fit = precision == "float32"
    if float32_fit and (grams or alphas is not None):
        raise ValueError("precision='float32' fits the features themselves (OLS); it takes no gram matrices or alphas")
    if float32_fit:
        Xs = {name: X.to(torch.float32) for name, X in Xs.items()}
    else:
        grams.update({name: center_gram(X) for name, X in Xs.items() if X.shape[1] >= n_train_max})
    layers = list(layer_feats)
    v = Y.shape[1]
    per_split = {name: np.full((len(splits), v_all), np.nan) for name in layers}
    chosen: dict[str, list] = {name: [] for name in layers}
    alphas_t = None if alphas is None else torch.as_tensor(alphas, dtype=F64, device=dev)
    zero = torch.zeros(1, dtype=F64, device=dev)

    n_cholesky = 0
    stacked_names = [name for name in layers if name in grams]
    stacked = None
    if alphas is None and solver != "eigh" and stacked_names:
        stacked = torch.stack([grams[name] for name in stacked_names])
        grams = {name: stacked[i] for i, name in enumerate(stacked_names)}  # views: no second copy
    iterator = enumerate(splits)
    if progress:
        iterator = tqdm(iterator, total=len(splits), desc="encoding folds", leave=False)
    for s, (tr, te) in iterator:
        tr_t = torch.as_tensor(tr, device=dev)
        te_t = torch.as_tensor(te, device=dev)
        Yn = normalized_targets(Y[te_t], correlation).to(gemm_dtype)
        facs: dict[str, Factorization] = {}
        hats: dict[str, torch.Tensor] = {}
        if float32_fit:
            for name in layers:
                hats[name] = lstsq_hat_float32(Xs[name][tr_t], Xs[name][te_t], rcond=rcond)[None]
        elif alphas_t is None and stacked is not None:
            H_all, ok = ols_hats_batched(stacked, tr_t, te_t, rcond=rcond)
            for i, name in enumerate(stacked_names):
                if bool(ok[i]):
                    hats[name] = H_all[i:i + 1]
        for name in layers:
            if name in hats:
                continue
            if name in grams:
                facs[name] = factorize_gram(grams[name], tr_t, te_t)
            else:
                facs[name] = factorize_features(Xs[name][tr_t], Xs[name][te_t])
        # spectral weights per layer: [1, r] for a shared alpha, [n_alphas, r] for per-target alphas
        weights: dict[str, torch.Tensor] = {}
        target_alpha: dict[str, torch.Tensor] = {}
        if alphas_t is None:
            for name in facs:
                weights[name] = facs[name].weights(zero, rcond)
        else:
            Yc = Y[tr_t] - Y[tr_t].mean(0, keepdim=True)
            S = Yc @ Yc.T if (not alpha_per_target and v > len(tr)) else None
            for name in layers:
                err = loo_errors(facs[name], Yc, alphas_t, per_target=alpha_per_target, S=S)
                if alpha_per_target:
                    best = torch.argmin(err, dim=0)  # first minimum, as scikit-learn
                    target_alpha[name] = best
                    weights[name] = facs[name].weights(alphas_t)
                    full = np.full(v_all, np.nan)
                    full[mask] = alphas[best.cpu().numpy()]
                    chosen[name].append(full)
                else:
                    best = int(torch.argmin(err))
                    weights[name] = facs[name].weights(alphas_t[best:best + 1])
                    chosen[name].append(alphas[best])
        for name, f in facs.items():
            if f.dual:
                hats[name] = f.hat(weights[name])
        r = _predict_and_correlate(facs, hats, weights, target_alpha, Yg, tr_t, Yn, correlation, gemm_dtype)
        n_cholesky += 0 if float32_fit else sum(1 for name in hats if name not in facs)
        for name in layers:
            per_split[name][s, mask] = r[name].cpu().numpy()

    scores, split_scores = {}, {}
    for name in layers:
        scores[name], split_scores[name] = aggregate(per_split[name])
    _warn_nan_scores(scores, per_split, Y)
    alpha_out = None if alphas is None else {name: np.asarray(chosen[name]) for name in layers}
    info = {"correlation": correlation, "precision": precision, "device": str(dev),
            "regression": "ols" if alphas is None else ("ridge-per-target" if alpha_per_target else "ridge-gcv"),
            "split_order": split_order,
            "dual": {name: name in grams for name in layers}, "n_stimuli": n,
            "cholesky_folds": n_cholesky, "solver": solver}
    if single:
        return EncodingResult(per_split=per_split[""], score=scores[""], split_scores=split_scores[""],
                              splits=splits, neuroid_mask=mask, alphas=None if alpha_out is None else alpha_out[""],
                              info={**info, "dual": info["dual"][""]})
    return EncodingResult(per_split=per_split, score=scores, split_scores=split_scores, splits=splits,
                          neuroid_mask=mask, alphas=alpha_out, info=info)


def _warn_nan_scores(scores: dict[str, float], per_split: dict[str, np.ndarray], Y: torch.Tensor) -> None:
    """A :class:`RuntimeWarning` naming the layers whose score is NaN and the likely reason."""
    nan = [name for name, score in scores.items() if not np.isfinite(score)]
    if not nan:
        return
    constant_targets = bool((Y.std(0) == 0).all())
    why = ("every neuroid is constant" if constant_targets else
           "every prediction was constant (constant features?) or every test split had constant targets")
    which = "the features" if nan == [""] else f"layer(s) {', '.join(map(repr, nan[:5]))}" + (
        f" and {len(nan) - 5} more" if len(nan) > 5 else "")
    warnings.warn(f"{which} scored NaN in every split: {why}, so no Pearson r is defined", RuntimeWarning,
                  stacklevel=4)


def _predict_and_correlate(facs: dict[str, Factorization], hats: dict[str, torch.Tensor],
                           weights: dict[str, torch.Tensor],
                           target_alpha: dict[str, torch.Tensor], Y: torch.Tensor, train: torch.Tensor,
                           Yn: torch.Tensor, correlation: str, gemm_dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """Held-out r per neuroid for every layer: one GEMM over all dual-form layers, a small one per primal layer.

    The train-side factors are scattered into all-stimulus columns (zeros at the test stimuli), so the product runs
    on the full target matrix ``Y`` [n_stimuli, v] without copying its training rows for every fold.
    """
    v = Y.shape[1]
    n = Y.shape[0]

    def widen(A: torch.Tensor) -> torch.Tensor:  # [..., n_train] -> [..., n_stimuli]
        out = torch.zeros(*A.shape[:-1], n, dtype=gemm_dtype, device=A.device)
        out[..., train] = A.to(gemm_dtype)
        return out

    n_te = Yn.shape[0]
    out: dict[str, torch.Tensor] = {}
    dual = list(hats)
    primal = [name for name in facs if not facs[name].dual]
    if dual:
        H = widen(torch.cat([hats[name].reshape(-1, hats[name].shape[-1]) for name in dual]))
        sizes = [hats[name].shape[0] for name in dual]
        parts: dict[str, list] = {name: [] for name in dual}
        for c0 in range(0, v, _CHUNK):
            c1 = min(v, c0 + _CHUNK)
            P = (H @ Y[:, c0:c1])  # [sum(n_alpha_l) * n_test, chunk]
            offset = 0
            for name, na in zip(dual, sizes):
                Pl = P[offset:offset + na * n_te].reshape(na, n_te, c1 - c0)
                offset += na * n_te
                r = correlate(Pl, Yn[:, c0:c1], correlation)  # [na, chunk]
                if name in target_alpha:
                    r = r.gather(0, target_alpha[name][None, c0:c1]).squeeze(0)
                else:
                    r = r[0]
                parts[name].append(r)
        for name in dual:
            out[name] = torch.cat(parts[name])
    for name in primal:
        f = facs[name]
        Z = widen(f.R) @ Y  # [r, v]
        A = (f.T[None] * weights[name][:, None, :]).to(gemm_dtype)  # [na, n_test, r]
        rs = []
        for c0 in range(0, v, _CHUNK):
            c1 = min(v, c0 + _CHUNK)
            r = correlate(A @ Z[:, c0:c1], Yn[:, c0:c1], correlation)
            if name in target_alpha:
                r = r.gather(0, target_alpha[name][None, c0:c1]).squeeze(0)
            else:
                r = r[0]
            rs.append(r)
        out[name] = torch.cat(rs)
    return out
