"""Fig 2, 3B-E, 6, 7, 9 (a model property against alignment) and Table 2 as a chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from .. import stats
from ..paper.conventions import BRAIN_BENCHMARKS
from .style import axis_label, format_p, get_ax, scatter_models, stars


def plot_correlation(scores: pd.DataFrame, x: str, y: str = "Average", *, ax: Axes | None = None,
                     inset: bool = True, invert_x: bool = False, title: str | None = None,
                     published: tuple[float | None, float | None] | None = None, seed: int = 0,
                     **selection) -> Axes:
    """One model property against alignment, with regression line, r, p, bootstrap CI and per-dataset inset.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores table (or wide table from :func:`brainalign.stats.to_wide`).
    x : str
        ``"log_params"``, ``"mmlu"``, ``"bbh"``, ``"nwp_loss"``, ...
    y : str
        ``"Average"`` (brain alignment), a brain dataset, or ``"Futrell2018"`` (behavior).
    ax : matplotlib.axes.Axes, optional
    inset : bool
        Add an inset with the per-dataset correlations (bars, x 0-1, significance stars), as in Fig 2; only
        for ``y="Average"``.
    invert_x : bool
        Reverse the x axis (the paper plots NWP loss from high to low).
    title : str, optional
    published : (r, p), optional
        Published values, printed under the recomputed ones.
    seed : int
        Bootstrap seed.
    **selection
        Model selection, see :func:`brainalign.stats.select_models` (default: instruction-tuned, no GPT-2).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = get_ax(ax)
    wide = stats.to_wide(scores) if "benchmark" in scores.columns else scores
    res = stats.correlate(wide, x, y, seed=seed, **selection)
    sub = stats.select_models(wide, **selection)
    sub = sub[sub[x].notna() & sub[y].notna()]
    sns.regplot(data=sub, x=x, y=y, ax=ax, scatter=False, ci=95, color="0.35", line_kws={"lw": 1.3},
                n_boot=300, seed=seed)
    handles = scatter_models(ax, sub, x, y)
    text = f"r = {res['r']:.2f}, p = {format_p(res['p'])}\n95% CI [{res['ci_low']:.2f}, {res['ci_high']:.2f}], " \
           f"n = {int(res['n'])}"
    if published is not None:
        pr, pp = published
        parts = [f"r = {pr:.2f}" if pr is not None else "", f"p = {format_p(pp)}" if pp is not None else ""]
        text += "\npaper: " + ", ".join(p for p in parts if p)
    ax.text(0.03, 0.97, text, transform=ax.transAxes, va="top", fontsize=9,
            bbox={"boxstyle": "round", "fc": "white", "ec": "0.8", "alpha": 0.9})
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y))
    if invert_x:
        ax.invert_xaxis()
    ax.legend(handles=handles, loc="upper right" if inset and y == "Average" else "lower right", fontsize=8)
    if title:
        ax.set_title(title)
    lo, hi = np.nanmin(sub[y]), np.nanmax(sub[y])
    span = hi - lo if hi > lo else 0.1
    with_inset = inset and y == "Average"
    ax.set_ylim(lo - (0.55 if with_inset else 0.08) * span, hi + 0.35 * span)
    if with_inset:
        _dataset_inset(ax, wide, x, seed=seed, **selection)
    return ax


def _dataset_inset(ax: Axes, wide: pd.DataFrame, x: str, *, seed: int = 0, **selection) -> Axes:
    table = stats.correlation_table(wide, x, list(BRAIN_BENCHMARKS), ci=False, seed=seed, **selection)
    ins = ax.inset_axes([0.60, 0.09, 0.38, 0.22])
    yy = np.arange(len(table))
    ins.barh(yy, table["r"], color=["#4c72b0", "#55a868", "#c44e52"], height=0.6)
    for yi, (_, row) in zip(yy, table.iterrows()):
        ins.text(max(row["r"], 0) + 0.03, yi, stars(row["p"]), va="center", fontsize=7)
    ins.set_yticks(yy, [b.replace("2018", "").replace("2014", "") for b in table["y"]], fontsize=7)
    ins.invert_yaxis()
    ins.set_xlim(min(0.0, float(table["r"].min()) - 0.05), 1.15)
    ins.set_xticks([0, 0.5, 1])
    ins.tick_params(axis="x", labelsize=7)
    ins.set_title("Pearson r per dataset", fontsize=7, pad=2)
    ins.grid(False)
    ins.patch.set_alpha(0.9)
    return ins


def plot_category_correlations(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Table 2 as a chart: published r per MMLU/BBH category, coloured by the recomputed BH-adjusted p.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`brainalign.stats.recompute_fdr` on ``load_table("table2")`` (columns ``benchmark``,
        ``category``, ``r``, ``p_bh``).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = get_ax(ax, figsize=(6.4, 4.2))
    labels = table["benchmark"] + ": " + table["category"]
    sig = table["p_bh"] < 0.05
    colors = np.where(table["benchmark"] == "MMLU", "#4c72b0", "#dd8452")
    yy = np.arange(len(table))
    for yi, r, c, significant in zip(yy, table["r"], colors, sig):
        ax.barh(yi, r, color=c, alpha=0.95 if significant else 0.35, edgecolor="black" if significant else c,
                linewidth=1.2, height=0.65)
    for yi, (_, row) in zip(yy, table.iterrows()):
        ax.text(max(row["r"], 0) + 0.02, yi, f"{row['r']:.2f} {stars(row['p_bh'])}", va="center", fontsize=8)
    ax.set_yticks(yy, labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="0.3", lw=1)
    ax.set_xlim(min(-0.1, float(table["r"].min()) - 0.05), 1.0)
    ax.set_xlabel("Pearson r with average brain alignment (17 models)")
    ax.set_title("Brain alignment vs MMLU/BBH categories")
    ax.text(0.99, 0.01, "solid: BH-adjusted p < 0.05", transform=ax.transAxes, ha="right", va="bottom", fontsize=8)
    return ax
