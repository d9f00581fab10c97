"""Psychometric predictive power: how much a predictor (surprisal) adds to a regression of reading times.

This is how reading-time research measures whether a language model's surprisal explains reading behaviour
(Goodkind & Bicknell 2018; Wilcox et al. 2020; Oh & Schuler 2023; Kuribayashi, Oseki & Baldwin 2024): a linear
regression of reading time on a **baseline** of word properties (length, frequency, position, and the same for the
previous words: *spillover*) is compared with the same regression plus the predictor and its spillover. The gain is

- **ΔLL**, the increase in log-likelihood per word (natural log, i.e. nats per word) of the held-out reading times;
- **ΔR²**, the increase in the share of variance explained, also out of sample.

How it is computed here (:func:`delta_log_likelihood`):

- **cross-validated by group** (stories): each group's words are predicted by an OLS fit (statsmodels) on the other
  groups, so the gain is out of sample and a predictor that only fits noise gains nothing (its ΔLL is slightly
  negative on average);
- per held-out word, ``log N(y | ŷ, σ̂²)`` with the training fit's prediction ``ŷ`` and residual variance ``σ̂²``
  (statsmodels' ``scale``, ``RSS / (n - p)``); ΔLL per word = mean over all held-out words of full minus baseline;
- ``ΔR² = (SSE_baseline - SSE_full) / SST`` over the held-out words (SST around their mean);
- **confidence intervals**: percentile intervals of a paired bootstrap over words (the same resampled words for both
  models); per-group values are reported too;
- the **in-sample** ΔLL (one fit on all words, ``(llf_full - llf_baseline) / n``) is reported for comparison with
  studies that report it (Kuribayashi et al. 2024).

With per-subject reading times, :func:`mixed_delta_log_likelihood` fits linear mixed models instead (statsmodels
``MixedLM``, a random intercept per subject), cross-validated by group in the same way; held-out log-likelihoods are
conditional on each subject's estimated intercept.

Design helpers: :func:`spillover` (values of the previous words within a group).
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

__all__ = ["PPPResult", "delta_log_likelihood", "mixed_delta_log_likelihood", "resample_weights", "spillover"]

_LOG_2PI = math.log(2.0 * math.pi)


@dataclass
class PPPResult:
    """Psychometric predictive power of a predictor over a baseline (:func:`delta_log_likelihood`).

    Attributes
    ----------
    delta_ll : float
        Held-out log-likelihood gain per word (nats); per observation for a mixed model.
    delta_ll_ci : tuple of float
        Bootstrap confidence interval of ``delta_ll``.
    delta_r2 : float
        Held-out gain in explained variance.
    delta_r2_ci : tuple of float
        Bootstrap confidence interval of ``delta_r2``.
    loglik_baseline, loglik_full : float
        Held-out log-likelihood per word of each model.
    r2_baseline, r2_full : float
        Held-out R² of each model.
    in_sample_delta_ll : float
        ``(llf_full - llf_baseline) / n`` of one fit on all observations.
    coefficients : dict of str -> float
        Coefficients of the full model fitted on all observations (the intercept as ``"const"``).
    group_delta_ll : dict
        ΔLL per word of each held-out group.
    n : int
        Observations scored.
    n_groups : int
        Cross-validation folds (one per group).
    method : str
        ``"ols"`` or ``"lmm"``.
    n_boot : int
        Bootstrap resamples.
    ci_level : float
        Coverage of the intervals.
    per_observation : ndarray, shape [n]
        Held-out log-likelihood gain of each observation (full minus baseline).
    """

    delta_ll: float
    delta_ll_ci: tuple[float, float]
    delta_r2: float
    delta_r2_ci: tuple[float, float]
    loglik_baseline: float
    loglik_full: float
    r2_baseline: float
    r2_full: float
    in_sample_delta_ll: float
    coefficients: dict[str, float]
    group_delta_ll: dict[Any, float]
    n: int
    n_groups: int
    method: str = "ols"
    n_boot: int = 1000
    ci_level: float = 0.95
    per_observation: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def summary(self) -> dict[str, Any]:
        """The scalar fields (no per-observation arrays), for records and tables."""
        return {"delta_ll": self.delta_ll, "delta_ll_ci": list(self.delta_ll_ci), "delta_r2": self.delta_r2,
                "delta_r2_ci": list(self.delta_r2_ci), "loglik_baseline": self.loglik_baseline,
                "loglik_full": self.loglik_full, "r2_baseline": self.r2_baseline, "r2_full": self.r2_full,
                "in_sample_delta_ll": self.in_sample_delta_ll, "coefficients": dict(self.coefficients),
                "group_delta_ll": {str(k): v for k, v in self.group_delta_ll.items()}, "n": self.n,
                "n_groups": self.n_groups, "method": self.method, "n_boot": self.n_boot, "ci_level": self.ci_level}


def spillover(values: Sequence[float] | np.ndarray, groups: Sequence[Any] | np.ndarray,
              lags: Sequence[int] = (1, 2)) -> np.ndarray:
    """Values of the previous words within each group (story): the predictors of spillover effects.

    Parameters
    ----------
    values : array-like, shape [n]
        One value per word, in reading order.
    groups : array-like, shape [n]
        Group of each word (contiguous runs, e.g. story ids); nothing spills over a group boundary.
    lags : sequence of int
        How many words back (1 = the previous word).

    Returns
    -------
    ndarray, float64, shape [n, len(lags)]
        Column ``j`` holds ``values[i - lags[j]]``, NaN where that word is in another group (or before the start).
    """
    v = np.asarray(values, dtype=float)
    g = np.asarray(groups)
    if v.ndim != 1 or g.shape != v.shape:
        raise ValueError(f"values {v.shape} and groups {g.shape} must be 1-d and of the same length")
    out = np.full((len(v), len(lags)), np.nan)
    for j, lag in enumerate(lags):
        if lag < 1:
            raise ValueError(f"lags must be >= 1, got {lag}")
        if lag < len(v):
            same = g[lag:] == g[:-lag]
            out[lag:, j] = np.where(same, v[:-lag], np.nan)
    return out


def _as_frame(x: Any, prefix: str) -> pd.DataFrame:
    if isinstance(x, pd.DataFrame):
        return x.reset_index(drop=True).astype(float)
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    return pd.DataFrame(arr, columns=[f"{prefix}{k}" for k in range(arr.shape[1])])


def _gaussian_loglik(y: np.ndarray, mu: np.ndarray, var: float) -> np.ndarray:
    return -0.5 * (_LOG_2PI + math.log(var)) - (y - mu) ** 2 / (2.0 * var)


def _design(frame: pd.DataFrame) -> np.ndarray:
    """The design matrix of a frame of predictors: an intercept column, then the predictors (float64)."""
    return np.column_stack([np.ones(len(frame)), frame.to_numpy(dtype=float)])


def _ols(y: np.ndarray, X: np.ndarray) -> Any:
    """statsmodels OLS (pseudo-inverse) of ``y`` on the design ``X`` (intercept included by :func:`_design`)."""
    import statsmodels.api as sm  # noqa: PLC0415 - optional heavy import, only when a regression runs

    return sm.OLS(y, X).fit()


@functools.lru_cache(maxsize=4)
def resample_weights(n: int, n_boot: int, seed: int) -> np.ndarray:
    """How often each of ``n`` units is drawn in each of ``n_boot`` bootstrap resamples (with replacement).

    The same arguments give the same (read-only, cached) array, so that the intervals of several predictors of the
    same words come from the same resamples.

    Returns
    -------
    ndarray of float64, shape [n_boot, n]
        Multinomial counts (each row sums to ``n``): a weighted sum over units is one matrix product.
    """
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(n_boot, n)) + (np.arange(n_boot) * n)[:, None]
    out = np.bincount(draws.ravel(), minlength=n_boot * n).reshape(n_boot, n).astype(np.float64)
    out.setflags(write=False)
    return out


def _bootstrap(d_ll: np.ndarray, e_base: np.ndarray, e_full: np.ndarray, y: np.ndarray, n_boot: int, level: float,
               seed: int, clusters: np.ndarray | None) -> tuple[tuple[float, float], tuple[float, float]]:
    """Percentile intervals of ΔLL (mean of ``d_ll``) and ΔR², resampling observations (or whole clusters)."""
    if clusters is None:
        keys = np.arange(len(y))
    else:
        _, keys = np.unique(clusters, return_inverse=True)
    k = int(keys.max()) + 1
    columns = (d_ll, e_base ** 2 - e_full ** 2, y, y * y, np.ones_like(y))
    sums = np.column_stack([np.bincount(keys, weights=w, minlength=k) for w in columns])  # [k, 5]
    agg = resample_weights(k, n_boot, seed) @ sums  # [n_boot, 5]
    sst = agg[:, 3] - agg[:, 2] ** 2 / agg[:, 4]
    dll, dr2 = agg[:, 0] / agg[:, 4], agg[:, 1] / sst
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    return tuple(float(v) for v in np.percentile(dll, q)), tuple(float(v) for v in np.percentile(dr2, q))


def _check(y: np.ndarray, frames: Sequence[pd.DataFrame], groups: np.ndarray) -> None:
    n = len(y)
    for f in frames:
        if len(f) != n:
            raise ValueError(f"{len(f)} rows of predictors for {n} reading times")
        bad = ~np.isfinite(f.to_numpy(dtype=float)).all(1)
        if bad.any():
            raise ValueError(f"{int(bad.sum())} observations have NaN/inf predictors (first at row "
                             f"{int(np.nonzero(bad)[0][0])}); exclude them before fitting")
    if not np.isfinite(y).all():
        raise ValueError("reading times must be finite")
    if len(groups) != n:
        raise ValueError(f"{len(groups)} groups for {n} reading times")
    if len(np.unique(groups)) < 2:
        raise ValueError("cross-validation by group needs at least 2 groups")


def delta_log_likelihood(y: Sequence[float] | np.ndarray, baseline: Any, added: Any,
                         groups: Sequence[Any] | np.ndarray, *, n_boot: int = 1000, ci_level: float = 0.95,
                         seed: int = 0) -> PPPResult:
    """Held-out gain in log-likelihood (and R²) of an OLS regression of ``y`` when ``added`` joins ``baseline``.

    Parameters
    ----------
    y : array-like, shape [n]
        Reading times (ms), one per word.
    baseline : DataFrame or array, shape [n, p]
        Baseline predictors (an intercept is added).
    added : DataFrame or array, shape [n, q]
        Predictors of the full model on top of the baseline (e.g. surprisal and its spillover).
    groups : array-like, shape [n]
        Cross-validation groups (stories): one fold per group, leave one group out.
    n_boot : int
        Bootstrap resamples of the words for the intervals.
    ci_level : float
        Coverage of the intervals.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    PPPResult

    Raises
    ------
    ValueError
        Mismatched lengths, non-finite values, or fewer than two groups.
    """
    y = np.asarray(y, dtype=float)
    base, extra = _as_frame(baseline, "b"), _as_frame(added, "a")
    g = np.asarray(groups)
    _check(y, [base, extra], g)
    full = pd.concat([base, extra], axis=1)
    Xb, Xf = _design(base), _design(full)
    ll_b, ll_f = np.empty_like(y), np.empty_like(y)
    e_b, e_f = np.empty_like(y), np.empty_like(y)
    with threadpool_limits(limits=1, user_api="blas"):  # tiny problems: threads only wait on a busy machine
        for group in np.unique(g):
            test = g == group
            train = ~test
            for X, ll, e in ((Xb, ll_b, e_b), (Xf, ll_f, e_f)):
                res = _ols(y[train], X[train])
                mu = X[test] @ res.params
                e[test] = y[test] - mu
                ll[test] = _gaussian_loglik(y[test], mu, float(res.scale))
        fit_b, fit_f = _ols(y, Xb), _ols(y, Xf)
    d = ll_f - ll_b
    sst = float(((y - y.mean()) ** 2).sum())
    ci_ll, ci_r2 = _bootstrap(d, e_b, e_f, y, n_boot, ci_level, seed, clusters=None)
    return PPPResult(
        delta_ll=float(d.mean()), delta_ll_ci=ci_ll, delta_r2=float(((e_b ** 2).sum() - (e_f ** 2).sum()) / sst),
        delta_r2_ci=ci_r2, loglik_baseline=float(ll_b.mean()), loglik_full=float(ll_f.mean()),
        r2_baseline=float(1 - (e_b ** 2).sum() / sst), r2_full=float(1 - (e_f ** 2).sum() / sst),
        in_sample_delta_ll=float((fit_f.llf - fit_b.llf) / len(y)),
        coefficients=dict(zip(["const", *map(str, full.columns)], map(float, fit_f.params))),
        group_delta_ll={_plain(k): float(d[g == k].mean()) for k in np.unique(g)}, n=int(len(y)),
        n_groups=int(len(np.unique(g))), method="ols", n_boot=n_boot, ci_level=ci_level, per_observation=d)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def mixed_delta_log_likelihood(data: pd.DataFrame, y: str, baseline: Sequence[str], added: Sequence[str], *,
                               subject: str = "subject", group: str = "story_id", cluster: str | None = None,
                               n_boot: int = 1000, ci_level: float = 0.95, seed: int = 0) -> PPPResult:
    """:func:`delta_log_likelihood` for per-subject reading times: linear mixed models with a random intercept per
    subject (statsmodels ``MixedLM``, maximum likelihood), cross-validated by ``group``.

    Held-out predictions are the fixed effects plus the subject's estimated intercept (zero for a subject not seen in
    training); the log-likelihood of each held-out observation is Gaussian with the model's residual variance.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subject and word, with the columns named below; rows with NaN in them are an error.
    y : str
        Reading-time column.
    baseline, added : sequence of str
        Predictor columns of the baseline and those the full model adds.
    subject, group : str
        Random-effect grouping column and cross-validation column.
    cluster : str, optional
        Bootstrap unit (e.g. a word id column: words are resampled with all their observations); default: rows.
    n_boot, ci_level, seed
        As :func:`delta_log_likelihood`.

    Returns
    -------
    PPPResult
        ``method="lmm"``; ΔLL and log-likelihoods per observation.
    """
    import statsmodels.api as sm  # noqa: PLC0415 - optional heavy import, only when a regression runs

    cols = [y, *baseline, *added, subject, group] + ([cluster] if cluster else [])
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ValueError(f"columns {missing} are not in the data")
    df = data[cols].reset_index(drop=True)
    yv = df[y].to_numpy(dtype=float)
    g = df[group].to_numpy()
    designs = {"base": list(baseline), "full": [*baseline, *added]}
    _check(yv, [df[c] for c in designs.values()], g)
    ll = {k: np.empty_like(yv) for k in designs}
    err = {k: np.empty_like(yv) for k in designs}

    def fit(rows: np.ndarray, cols_: list[str]) -> Any:
        exog = sm.add_constant(df.loc[rows, cols_].astype(float), has_constant="add")
        model = sm.MixedLM(yv[rows], exog, groups=df.loc[rows, subject].to_numpy())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter; the fit is checked by its log-likelihood
            return model.fit(reml=False)

    for grp in np.unique(g):
        test = g == grp
        for name, cols_ in designs.items():
            res = fit(~test, cols_)
            exog = sm.add_constant(df.loc[test, cols_].astype(float), has_constant="add")
            mu = exog.to_numpy() @ res.fe_params.to_numpy()
            re = {k: float(np.asarray(v)[0]) for k, v in res.random_effects.items()}
            mu = mu + df.loc[test, subject].map(re).fillna(0.0).to_numpy()
            err[name][test] = yv[test] - mu
            ll[name][test] = _gaussian_loglik(yv[test], mu, float(res.scale))
    d = ll["full"] - ll["base"]
    sst = float(((yv - yv.mean()) ** 2).sum())
    clusters = df[cluster].to_numpy() if cluster else None
    ci_ll, ci_r2 = _bootstrap(d, err["base"], err["full"], yv, n_boot, ci_level, seed, clusters=clusters)
    all_rows = np.ones(len(yv), dtype=bool)
    fit_b, fit_f = fit(all_rows, designs["base"]), fit(all_rows, designs["full"])
    return PPPResult(
        delta_ll=float(d.mean()), delta_ll_ci=ci_ll,
        delta_r2=float(((err["base"] ** 2).sum() - (err["full"] ** 2).sum()) / sst), delta_r2_ci=ci_r2,
        loglik_baseline=float(ll["base"].mean()), loglik_full=float(ll["full"].mean()),
        r2_baseline=float(1 - (err["base"] ** 2).sum() / sst), r2_full=float(1 - (err["full"] ** 2).sum() / sst),
        in_sample_delta_ll=float((fit_f.llf - fit_b.llf) / len(yv)),
        coefficients={str(k): float(v) for k, v in fit_f.fe_params.items()},
        group_delta_ll={_plain(k): float(d[g == k].mean()) for k in np.unique(g)}, n=int(len(yv)),
        n_groups=int(len(np.unique(g))), method="lmm", n_boot=n_boot, ci_level=ci_level, per_observation=d)
