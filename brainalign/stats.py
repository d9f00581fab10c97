"""Statistics of the paper, computed from a scores table: correlations, paired tests, FDR, bootstrap CIs.

Every function takes a scores table (:mod:`brainalign.scores.table`) or its wide form (:func:`to_wide`)
and returns a tidy :class:`pandas.DataFrame` or :class:`pandas.Series`. Tests and intervals come from scipy and
statsmodels; bootstrap resampling is seeded (``seed=0`` by default) so that every number is reproducible.

Model selection follows the paper (paper.md §4): correlations use the instruction-tuned models of the T5 and LLaMA
families (the GPT-2 controls are excluded because they score near chance on MMLU/BBH); instruction-tuning deltas use
every instruction-tuned model whose vanilla partner (``pair``) is in the table.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st
from statsmodels.stats.multitest import multipletests

from .encoding.correlation import pearson_r
from .paper import load_table
from .paper.conventions import BEHAVIOR_BENCHMARKS, BRAIN_BENCHMARKS
from .scores.table import wide_scores

__all__ = [
    "DEFAULT_EXCLUDE_FAMILIES",
    "to_wide",
    "select_models",
    "pearson",
    "correlate",
    "correlation_table",
    "p_from_r",
    "fdr_bh",
    "recompute_fdr",
    "bootstrap_ci",
    "pair_deltas",
    "paired_tests",
    "average_improvement",
    "rounding_interval",
    "improvement_rounding_intervals",
]

#: Families left out of the correlations by default (the paper's GPT-2 controls).
DEFAULT_EXCLUDE_FAMILIES = ("GPT-2",)
_N_RESAMPLES = 2000


def to_wide(scores: pd.DataFrame, benchmarks: Iterable[str] = (*BRAIN_BENCHMARKS, *BEHAVIOR_BENCHMARKS)) -> pd.DataFrame:
    """Wide model table with ``Average`` (mean of the three brain benchmarks) and ``log_params``.

    Parameters
    ----------
    scores : pandas.DataFrame
        A scores table, or an already wide table (returned unchanged apart from added columns).
    benchmarks : iterable of str
        Benchmarks to spread into columns; missing ones are filled with NaN.

    Returns
    -------
    pandas.DataFrame
        Indexed by model: one column per benchmark, ``Average`` (NaN unless all brain benchmarks are present; for
        published rows whose three scores are exactly Table 5's, the printed Average column, which the paper
        computed before rounding; otherwise the mean of the three),
        identity and property columns, ``source`` and ``log_params`` (log10 of the parameter count).
    """
    if "benchmark" in scores.columns:
        wide = wide_scores(scores, benchmarks=list(benchmarks), average=False)
        wide["Average"] = wide[list(BRAIN_BENCHMARKS)].mean(axis=1, skipna=False)
        _use_printed_average(wide)
    else:
        wide = scores.copy()
    wide["log_params"] = np.log10(wide["params"].astype(float))
    return wide


def _use_printed_average(wide: pd.DataFrame) -> None:
    printed = load_table("table5").set_index("model")
    common = wide.index.intersection(printed.index)
    same = (wide.loc[common, "source"] == "paper")
    for bench in BRAIN_BENCHMARKS:
        same &= np.isclose(wide.loc[common, bench].astype(float), printed.loc[common, bench], rtol=0, atol=1e-12)
    keep = same[same].index
    wide.loc[keep, "Average"] = printed.loc[keep, "Average"]


def select_models(wide: pd.DataFrame, *, instruction_tuned: bool | None = True,
                  families: Sequence[str] | None = None,
                  exclude_families: Sequence[str] = DEFAULT_EXCLUDE_FAMILIES) -> pd.DataFrame:
    """Rows of a wide table for an analysis.

    Parameters
    ----------
    wide : pandas.DataFrame
        Output of :func:`to_wide`.
    instruction_tuned : bool or None
        Keep only instruction-tuned (True) or vanilla (False) models; None keeps both.
    families : sequence of str, optional
        Keep only these families (e.g. ``["T5"]``).
    exclude_families : sequence of str
        Families to drop (default: the GPT-2 controls).
    """
    keep = ~wide["family"].isin(list(exclude_families))
    if families is not None:
        keep &= wide["family"].isin(list(families))
    if instruction_tuned is not None:
        keep &= wide["instruction_tuned"] == instruction_tuned
    return wide[keep]


def bootstrap_ci(data: Sequence[np.ndarray], statistic: Callable[..., float], *, paired: bool = False,
                 confidence: float = 0.95, n_resamples: int = _N_RESAMPLES, seed: int = 0,
                 vectorized: bool = False) -> tuple[float, float]:
    """Percentile-BCa bootstrap confidence interval (:func:`scipy.stats.bootstrap`).

    Parameters
    ----------
    data : sequence of ndarray
        Samples, each of shape [n]; with ``paired=True`` they are resampled together (rows of a paired design).
    statistic : callable
        ``statistic(*samples) -> float``.
    paired : bool
        Resample the samples jointly.
    confidence : float
        Confidence level.
    n_resamples : int
        Bootstrap resamples.
    seed : int
        Seed of the resampling (results are deterministic for a given seed).
    vectorized : bool
        ``statistic`` accepts an ``axis`` keyword and reduces along it (much faster).

    Returns
    -------
    (low, high) : tuple of float
        NaN when there are fewer than 3 observations or the statistic is degenerate.
    """
    arrays = [np.asarray(d, dtype=float) for d in data]
    if len(arrays[0]) < 3:
        return (np.nan, np.nan)
    rng = np.random.default_rng(seed)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BCa on tiny or degenerate samples warns and returns NaN
        try:
            res = _st.bootstrap(arrays, statistic, paired=paired, vectorized=vectorized, confidence_level=confidence,
                                n_resamples=n_resamples, method="BCa", random_state=rng)
        except (ValueError, FloatingPointError):
            return (np.nan, np.nan)
    low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return (low, high)


def pearson(x: Sequence[float], y: Sequence[float], *, ci: bool = True, seed: int = 0) -> pd.Series:
    """Pearson correlation with its two-sided p-value and a bootstrap 95% CI.

    Parameters
    ----------
    x, y : array-like, shape [n]
        Paired observations (NaN pairs are dropped).
    ci : bool
        Compute the bootstrap CI (models resampled with replacement, BCa).
    seed : int
        Bootstrap seed.

    Returns
    -------
    pandas.Series
        ``r``, ``p`` (:func:`scipy.stats.pearsonr`), ``n``, ``ci_low``, ``ci_high``.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    n = len(x)
    if n < 3:
        raise ValueError(f"a correlation needs at least 3 complete pairs, got {n}")
    res = _st.pearsonr(x, y)
    low, high = bootstrap_ci((x, y), pearson_r, paired=True, seed=seed, vectorized=True) if ci else (np.nan, np.nan)
    return pd.Series({"r": float(res.statistic), "p": float(res.pvalue), "n": n, "ci_low": low, "ci_high": high})


def correlate(wide: pd.DataFrame, x: str, y: str = "Average", *, ci: bool = True, seed: int = 0,
              **selection) -> pd.Series:
    """Pearson r between two columns of a wide table over a model selection.

    Parameters
    ----------
    wide : pandas.DataFrame
        Output of :func:`to_wide`.
    x, y : str
        Column names (``"log_params"``, ``"mmlu"``, ``"bbh"``, ``"nwp_loss"``, a benchmark, ``"Average"``).
    ci, seed
        See :func:`pearson`.
    **selection
        Passed to :func:`select_models` (default: instruction-tuned, GPT-2 excluded).

    Returns
    -------
    pandas.Series
        ``x``, ``y``, ``r``, ``p``, ``n``, ``ci_low``, ``ci_high``, ``models`` (comma-separated names).
    """
    for col in (x, y):
        if col not in wide.columns:
            raise KeyError(f"column {col!r} not in the table; columns: {list(wide.columns)}")
    sub = select_models(wide, **selection)
    sub = sub[sub[x].notna() & sub[y].notna()]
    out = pearson(sub[x], sub[y], ci=ci, seed=seed)
    return pd.concat([pd.Series({"x": x, "y": y}), out, pd.Series({"models": ",".join(sub.index)})])


def correlation_table(wide: pd.DataFrame, x: str, ys: Sequence[str] = (*BRAIN_BENCHMARKS, "Average"), *,
                      ci: bool = True, seed: int = 0, **selection) -> pd.DataFrame:
    """:func:`correlate` for several y columns (e.g. the per-dataset insets of Fig 2): one row per y."""
    return pd.DataFrame([correlate(wide, x, y, ci=ci, seed=seed, **selection) for y in ys]).reset_index(drop=True)


def p_from_r(r: float | np.ndarray, n: int) -> np.ndarray:
    """Two-sided p-value of a Pearson r over ``n`` observations (null: exact distribution of r for normal data).

    Uses the distribution scipy's :func:`~scipy.stats.pearsonr` uses: under H0, (r + 1) / 2 ~ Beta(n/2 - 1, n/2 - 1).

    Parameters
    ----------
    r : float or ndarray, shape [k]
        Correlations.
    n : int
        Number of observations behind each r.
    """
    if n < 3:
        raise ValueError(f"n must be >= 3, got {n}")
    r = np.clip(np.asarray(r, dtype=float), -1.0, 1.0)
    dist = _st.beta(n / 2 - 1, n / 2 - 1, loc=-1, scale=2)
    return 2 * dist.sf(np.abs(r))


def fdr_bh(pvalues: Sequence[float], alpha: float = 0.05) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (:func:`statsmodels.stats.multitest.multipletests`, ``fdr_bh``).

    Parameters
    ----------
    pvalues : array-like, shape [k]
    alpha : float
        Family-wise level (only affects the reject flags, which are not returned).

    Returns
    -------
    ndarray, shape [k]
    """
    p = np.asarray(pvalues, dtype=float)
    if p.size == 0:
        return p
    return multipletests(p, alpha=alpha, method="fdr_bh")[1]


def recompute_fdr(table: pd.DataFrame, n: int = 17, r_col: str = "r") -> pd.DataFrame:
    """Raw p-values from published correlations and their Benjamini-Hochberg adjustment (paper Table 2).

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with a correlation column ``r_col`` (e.g. :func:`brainalign.paper.load_table` ``("table2")``).
    n : int
        Models behind each correlation (17 instruction-tuned models in the paper).
    r_col : str
        Column holding r.

    Returns
    -------
    pandas.DataFrame
        ``table`` plus ``p_raw`` (from r and n) and ``p_bh`` (BH-adjusted over all rows of the table).
    """
    out = table.copy()
    out["p_raw"] = p_from_r(out[r_col].to_numpy(), n)
    out["p_bh"] = fdr_bh(out["p_raw"].to_numpy())
    return out


def pair_deltas(scores: pd.DataFrame, benchmarks: Sequence[str] = (*BRAIN_BENCHMARKS, "Average")) -> pd.DataFrame:
    """Per-pair changes from a vanilla model to each of its instruction-tuned versions.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores table or wide table.
    benchmarks : sequence of str
        Columns to compare (``"Average"`` = mean of the three brain benchmarks; ``"Futrell2018"`` for behavior).

    Returns
    -------
    pandas.DataFrame
        One row per (instruction-tuned model, benchmark) whose vanilla partner is in the table: ``model``,
        ``vanilla``, ``family``, ``benchmark``, ``tuned_score``, ``vanilla_score``, ``delta``, ``pct_change``
        (100 * delta / vanilla), ``source`` ("paper" only when both models come from the paper).
    """
    wide = to_wide(scores) if "benchmark" in scores.columns else scores
    tuned = wide[wide["instruction_tuned"] & wide["pair"].isin(wide.index) & (wide["pair"] != wide.index)]
    rows = []
    for bench in benchmarks:
        if bench not in wide.columns:
            raise KeyError(f"benchmark {bench!r} not in the table; columns: {list(wide.columns)}")
        t = tuned[bench].astype(float)
        v = wide.loc[tuned["pair"], bench].to_numpy(dtype=float)
        both_paper = (tuned["source"] == "paper").to_numpy() & (wide.loc[tuned["pair"], "source"] == "paper").to_numpy()
        rows.append(pd.DataFrame({
            "model": tuned.index, "vanilla": tuned["pair"].to_numpy(), "family": tuned["family"].to_numpy(),
            "benchmark": bench, "tuned_score": t.to_numpy(), "vanilla_score": v, "delta": t.to_numpy() - v,
            "pct_change": 100 * (t.to_numpy() - v) / v, "source": np.where(both_paper, "paper", "brainalign"),
        }))
    out = pd.concat(rows, ignore_index=True)
    return out[out["delta"].notna()].reset_index(drop=True)


def paired_tests(deltas: pd.DataFrame, *, families: Sequence[str] | None = None,
                 exclude_families: Sequence[str] = DEFAULT_EXCLUDE_FAMILIES, seed: int = 0) -> pd.DataFrame:
    """Paired t-test and Wilcoxon signed-rank test of instruction-tuned vs vanilla, per benchmark.

    Parameters
    ----------
    deltas : pandas.DataFrame
        Output of :func:`pair_deltas`.
    families, exclude_families
        Which families' pairs enter (default: all but GPT-2).
    seed : int
        Bootstrap seed for the CIs.

    Returns
    -------
    pandas.DataFrame
        One row per benchmark: ``n_pairs``, ``mean_delta`` (+ bootstrap ``delta_ci_low/high``), ``mean_pct``
        (+ ``pct_ci_low/high``), ``t``, ``p_ttest`` (:func:`scipy.stats.ttest_rel`), ``wilcoxon``, ``p_wilcoxon``
        (:func:`scipy.stats.wilcoxon`, two-sided), ``n_increase``, ``n_no_increase`` (delta <= 0).
    """
    sub = deltas[~deltas["family"].isin(list(exclude_families))]
    if families is not None:
        sub = sub[sub["family"].isin(list(families))]
    rows = []
    for bench, grp in sub.groupby("benchmark", sort=False):
        t, v = grp["tuned_score"].to_numpy(), grp["vanilla_score"].to_numpy()
        n = len(grp)
        row = {"benchmark": bench, "n_pairs": n, "mean_delta": float(np.mean(t - v)),
               "mean_pct": float(grp["pct_change"].mean()), "n_increase": int((t > v).sum()),
               "n_no_increase": int((t <= v).sum())}
        if n >= 2:
            tt = _st.ttest_rel(t, v)
            row.update(t=float(tt.statistic), p_ttest=float(tt.pvalue))
        if n >= 2 and np.any(t != v):
            w = _st.wilcoxon(t, v)
            row.update(wilcoxon=float(w.statistic), p_wilcoxon=float(w.pvalue))
        row["delta_ci_low"], row["delta_ci_high"] = bootstrap_ci((t - v,), np.mean, seed=seed, vectorized=True)
        row["pct_ci_low"], row["pct_ci_high"] = bootstrap_ci((grp["pct_change"].to_numpy(),), np.mean, seed=seed,
                                                              vectorized=True)
        rows.append(row)
    cols = ["benchmark", "n_pairs", "mean_delta", "delta_ci_low", "delta_ci_high", "mean_pct", "pct_ci_low",
            "pct_ci_high", "t", "p_ttest", "wilcoxon", "p_wilcoxon", "n_increase", "n_no_increase"]
    return pd.DataFrame(rows).reindex(columns=cols)


def average_improvement(deltas: pd.DataFrame, datasets: Sequence[str] = BRAIN_BENCHMARKS, *,
                        exclude_families: Sequence[str] = DEFAULT_EXCLUDE_FAMILIES) -> pd.Series:
    """The two readings of the paper's "average improvement in brain alignment" (paper.md §8, D2).

    Parameters
    ----------
    deltas : pandas.DataFrame
        Output of :func:`pair_deltas` including the ``datasets`` and ``"Average"``.
    datasets : sequence of str
        The brain datasets.
    exclude_families : sequence of str
        Families whose pairs are left out (default: GPT-2, as in the paper).

    Returns
    -------
    pandas.Series
        ``pct_<dataset>`` (mean per-pair % change on each dataset, Fig 1C), ``mean_of_datasets`` (definition A: the
        mean of those per-dataset means; the paper's 6.2% is this reading of its own Fig 1C values),
        ``mean_pair_average`` (definition B: mean per-pair % change of the Average column) and ``n_pairs``.
    """
    sub = deltas[~deltas["family"].isin(list(exclude_families))]
    per = sub.groupby("benchmark")["pct_change"].mean()
    missing = [d for d in (*datasets, "Average") if d not in per.index]
    if missing:
        raise KeyError(f"pair_deltas lacks benchmark(s) {missing}")
    out = {f"pct_{d}": float(per[d]) for d in datasets}
    out["mean_of_datasets"] = float(np.mean([per[d] for d in datasets]))
    out["mean_pair_average"] = float(per["Average"])
    out["n_pairs"] = int((sub["benchmark"] == "Average").sum())
    return pd.Series(out)


def rounding_interval(deltas: pd.DataFrame, benchmark: str, half_unit: float = 0.0005, *,
                      exclude_families: Sequence[str] = DEFAULT_EXCLUDE_FAMILIES) -> tuple[float, float]:
    """Range of the mean per-pair % change that scores rounded to ``2 * half_unit`` can hide.

    Published scores are printed to 3 decimals, so each true value lies within +-0.0005 of the printed one. The
    smallest (largest) mean % change consistent with the printed table takes every instruction-tuned score at its
    lower (upper) bound and every vanilla score at its upper (lower) bound. The bound is conservative (a shared
    vanilla model is allowed different values in different pairs).

    Parameters
    ----------
    deltas : pandas.DataFrame
        Output of :func:`pair_deltas`.
    benchmark : str
        Benchmark whose mean % change is bounded.
    half_unit : float
        Half the printed precision.

    Returns
    -------
    (low, high) : tuple of float
        In percent.
    """
    sub = deltas[(deltas["benchmark"] == benchmark) & ~deltas["family"].isin(list(exclude_families))]
    if sub.empty:
        raise KeyError(f"no pairs on {benchmark!r}")
    t, v = sub["tuned_score"].to_numpy(), sub["vanilla_score"].to_numpy()
    low = np.mean(100 * ((t - half_unit) / (v + half_unit) - 1))
    high = np.mean(100 * ((t + half_unit) / (v - half_unit) - 1))
    return float(low), float(high)


def improvement_rounding_intervals(deltas: pd.DataFrame, datasets: Sequence[str] = BRAIN_BENCHMARKS,
                                   half_unit: float = 0.0005, **kwargs) -> pd.DataFrame:
    """:func:`rounding_interval` for each dataset and for their mean (definition A of the average improvement).

    Returns
    -------
    pandas.DataFrame
        Indexed by dataset name plus ``"mean_of_datasets"``; columns ``low``, ``high`` (percent).
    """
    rows = {d: rounding_interval(deltas, d, half_unit, **kwargs) for d in datasets}
    table = pd.DataFrame(rows, index=["low", "high"]).T
    table.loc["mean_of_datasets"] = table.mean()
    return table
