"""Noise ceilings from the human data by Brain-Score's subject extrapolation, vectorised (the fMRI ceilings).

The values each benchmark normalizes by are declared on the benchmark class (``Benchmark.ceiling``, with their
source); this module and :mod:`brainalign.encoding.split_half` recompute them from data
(``Benchmark.recompute_ceiling``).

``ExtrapolationCeiling`` (brain-score/language ``benchmarks/blank2014/ceiling.py``; Pereira's packaged ceilings were
computed the same way by ``benchmarks/pereira2018/ceiling_packaging.py``):

1. for every number of subjects n = 2 … S, take subject subsets (all combinations for Blank2014; 10 random subsets
   for Pereira2018) and, within each subset, hold out subjects (all of them; 5 drawn with replacement for Pereira);
   the pooled neuroids of the other subjects in the subset predict the held-out subject's neuroids with the
   benchmark's own metric, keeping the per-split, per-neuroid r;
2. per neuroid, 100 bootstraps (``RandomState(0)``, re-seeded per neuroid): at every n resample that neuroid's
   scores with replacement and average; fit ``v(n) = v0 (1 − exp(−n / τ0))`` with v0 ∈ [0, 1]; the neuroid's
   ceiling is the median v0 over bootstraps;
3. the ceiling is the median over neuroids.

Here the pool's gram matrix is the sum of per-subject grams (computed once), so no metric call does work proportional
to the number of pooled voxels, and the curve fits of all neuroids and bootstraps run together (v0 is closed-form for
a given τ0; τ0 is found by a grid plus golden-section search on the same least-squares objective that
``scipy.optimize.curve_fit`` minimizes).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from .predictivity import GramMatrix, linear_predictivity


@dataclass
class CeilingResult:
    """Outcome of :func:`extrapolation_ceiling`.

    Attributes
    ----------
    ceiling : float
        Median over neuroids of the per-neuroid ceilings.
    neuroid_ceilings : ndarray, shape [n_neuroids]
        Median v0 over bootstraps per neuroid.
    bootstrap_v0, bootstrap_tau : ndarray, shape [n_neuroids, n_bootstraps]
        Fitted parameters.
    scores : dict int -> ndarray, shape [n_neuroids, n_values]
        Per n, the held-out r values (over subsets and splits) of each neuroid (NaN-padded).
    """

    ceiling: float
    neuroid_ceilings: np.ndarray
    bootstrap_v0: np.ndarray
    bootstrap_tau: np.ndarray
    scores: dict[int, np.ndarray]


def saturation(n: np.ndarray, v0: np.ndarray, tau0: np.ndarray) -> np.ndarray:
    """Brain-Score's extrapolation curve ``v0 · (1 − exp(−n / τ0))``."""
    with np.errstate(over="ignore"):
        return v0 * (1.0 - np.exp(-n / tau0))


def fit_saturation(n: np.ndarray, y: np.ndarray, *, tau_grid: np.ndarray | None = None,
                   refine_steps: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares fits of ``v0 (1 − exp(−n/τ0))`` with v0 in [0, 1], for many curves at once.

    Parameters
    ----------
    n : ndarray, shape [k]
        Numbers of subjects.
    y : ndarray, shape [m, k]
        One curve per row (e.g. every neuroid × bootstrap).
    tau_grid : ndarray, optional
        Initial τ0 grid (default 400 log-spaced values in [1e-3, 1e4]).
    refine_steps : int
        Golden-section iterations around the best grid point.

    Returns
    -------
    v0, tau0 : ndarray, shape [m]
    """
    n = np.asarray(n, dtype=float)
    y = np.asarray(y, dtype=float)
    grid = np.logspace(-3, 4, 400) if tau_grid is None else np.asarray(tau_grid, dtype=float)

    def sse(tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # tau [m, g] -> sse [m, g], v0 [m, g]
        with np.errstate(over="ignore"):
            f = 1.0 - np.exp(-n[None, None, :] / tau[..., None])      # [m, g, k]
        v0 = np.clip((f * y[:, None, :]).sum(-1) / np.maximum((f * f).sum(-1), 1e-300), 0.0, 1.0)
        res = y[:, None, :] - v0[..., None] * f
        return (res * res).sum(-1), v0

    err, _ = sse(np.broadcast_to(grid, (len(y), len(grid))))
    best = np.argmin(err, axis=1)
    lo = np.log(grid[np.maximum(best - 1, 0)])
    hi = np.log(grid[np.minimum(best + 1, len(grid) - 1)])
    g = (np.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, _ = sse(np.exp(c)[:, None])
    fd, _ = sse(np.exp(d)[:, None])
    for _ in range(refine_steps):
        left = (fc < fd)[:, 0]
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        c, d = b - g * (b - a), a + g * (b - a)
        fc, _ = sse(np.exp(c)[:, None])
        fd, _ = sse(np.exp(d)[:, None])
    tau = np.exp((a + b) / 2)
    _, v0 = sse(tau[:, None])
    return v0[:, 0], tau


def _subsets(subjects: Sequence, n: int, max_subsets: int | None, rng: np.random.RandomState) -> list[tuple]:
    combos = list(itertools.combinations(sorted(subjects), n))
    if max_subsets is None or len(combos) <= max_subsets:
        return combos
    pick = rng.choice(len(combos), size=max_subsets, replace=False)
    return [combos[i] for i in sorted(pick)]


def extrapolation_ceiling(targets: Any, subjects: Sequence, *, stimulus_ids: Sequence | None = None,
                          max_subsets: int | None = None, n_holdouts: int | None = None, n_bootstraps: int = 100,
                          metric_kw: dict[str, Any] | None = None, progress: bool = True) -> CeilingResult:
    """Brain-Score's subject-extrapolation noise ceiling.

    Parameters
    ----------
    targets : array, shape [n_stimuli, n_neuroids]
        Brain data (NaN-free; drop NaN neuroids first).
    subjects : sequence, shape [n_neuroids]
        Subject of every neuroid.
    stimulus_ids : sequence, shape [n_stimuli], optional
        Passed to the metric (split order).
    max_subsets : int, optional
        Random subsets per n (Pereira packaging: 10); None = all combinations (Blank2014).
    n_holdouts : int, optional
        Held-out subjects drawn with replacement per subset (Pereira: 5); None = every subject of the subset.
    n_bootstraps : int
        Bootstraps per neuroid (Brain-Score: 100).
    metric_kw : dict, optional
        Settings of :func:`brainalign.encoding.linear_predictivity` (the benchmark's metric).
    progress : bool
        Progress bar over subject counts.

    Returns
    -------
    CeilingResult
    """
    Y = np.asarray(getattr(targets, "values", targets), dtype=np.float64)
    subjects = np.asarray(subjects)
    if Y.ndim != 2 or subjects.shape != (Y.shape[1],):
        raise ValueError(f"targets must be [n_stimuli, n_neuroids] and subjects [n_neuroids]; got {Y.shape}, "
                         f"{subjects.shape}")
    if not np.isfinite(Y).all():
        raise ValueError("targets contain NaN; drop incomplete neuroids first")
    uniq = sorted(set(subjects.tolist()))
    if len(uniq) < 2:
        raise ValueError("need at least 2 subjects")
    metric_kw = dict(metric_kw or {})
    metric_kw.setdefault("device", "cpu")
    cols = {s: np.flatnonzero(subjects == s) for s in uniq}
    Yc = Y - Y.mean(0, keepdims=True)
    # per-subject gram matrices: the pool's gram is their sum (dual form) ...
    grams = {s: torch.as_tensor(Yc[:, c] @ Yc[:, c].T) for s, c in cols.items()}
    rng = np.random.RandomState(0)
    collected: dict[int, list[list[np.ndarray]]] = {}
    ns = range(2, len(uniq) + 1)
    it = tqdm(ns, desc="ceiling: subjects", disable=not progress)
    n_train = None
    for n in it:
        per_neuroid: list[list[np.ndarray]] = [[] for _ in range(Y.shape[1])]
        for subset in _subsets(uniq, n, max_subsets, rng):
            held = subset if n_holdouts is None else tuple(rng.choice(subset, size=n_holdouts, replace=True))
            for h in held:
                pool = [s for s in subset if s != h]
                pool_cols = np.concatenate([cols[s] for s in pool])
                res = None
                if n_train is None or len(pool_cols) >= n_train:
                    feats = GramMatrix(sum(grams[s] for s in pool))
                    res = linear_predictivity(feats, Y[:, cols[h]], stimulus_ids=stimulus_ids, **metric_kw)
                    n_train = max(len(tr) for tr, _ in res.splits)
                    if len(pool_cols) < n_train:
                        res = None
                if res is None:  # fewer pooled neuroids than training stimuli: the primal form is cheaper
                    res = linear_predictivity(Y[:, pool_cols], Y[:, cols[h]], stimulus_ids=stimulus_ids, **metric_kw)
                for j, col in enumerate(cols[h]):
                    per_neuroid[col].append(res.per_split[:, j])
        collected[n] = per_neuroid
    scores = {}
    for n, per in collected.items():
        width = max(sum(len(a) for a in lst) for lst in per)
        arr = np.full((Y.shape[1], width), np.nan)
        for i, lst in enumerate(per):
            if lst:
                vals = np.concatenate(lst)
                arr[i, :len(vals)] = vals
        scores[n] = arr
    v0, tau = _bootstrap_fits(scores, n_bootstraps)
    with warnings.catch_warnings():  # neuroids never held out (random holdouts) have no ceiling: NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        neuroid_ceilings = np.nanmedian(v0, axis=1)
    return CeilingResult(ceiling=float(np.nanmedian(neuroid_ceilings)), neuroid_ceilings=neuroid_ceilings,
                         bootstrap_v0=v0, bootstrap_tau=tau, scores=scores)


def _bootstrap_fits(scores: dict[int, np.ndarray], n_bootstraps: int) -> tuple[np.ndarray, np.ndarray]:
    """Per neuroid: Brain-Score's bootstrap means (RandomState(0) per neuroid) and the curve fits, vectorised.

    Neuroids with the same number of values at every n draw the same bootstrap indices (as Brain-Score's re-seeded
    generator does), so they are resampled together.
    """
    ns = sorted(scores)
    n_neuroids = scores[ns[0]].shape[0]
    counts = np.stack([np.isfinite(scores[n]).sum(1) for n in ns], axis=1)  # [neuroids, k]
    means = np.full((n_neuroids, n_bootstraps, len(ns)), np.nan)
    for signature in np.unique(counts, axis=0):
        rows = np.flatnonzero((counts == signature).all(1))
        if (signature == 0).any():
            continue
        rng = np.random.RandomState(0)
        idx = [[None] * len(ns) for _ in range(n_bootstraps)]
        for b in range(n_bootstraps):
            for k, m in enumerate(signature):
                idx[b][k] = rng.randint(0, m, m)  # what RandomState.choice(m values, m, replace=True) draws
        for k, n in enumerate(ns):
            vals = scores[n][rows]                                   # finite values come first (NaN padding)
            draws = np.stack([idx[b][k] for b in range(n_bootstraps)])  # [B, m]
            means[rows, :, k] = vals[:, draws].mean(-1)
    flat = means.reshape(-1, len(ns))
    ok = np.isfinite(flat).all(1)
    v0 = np.full(len(flat), np.nan)
    tau = np.full(len(flat), np.nan)
    if ok.any():
        v0[ok], tau[ok] = fit_saturation(np.asarray(ns, dtype=float), flat[ok])
    return v0.reshape(n_neuroids, n_bootstraps), tau.reshape(n_neuroids, n_bootstraps)
