"""Fig 2, 3B-E, 6, 7, 9 (a model property against alignment) and Table 2 as a chart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .. import stats
from ..paper.conventions import BRAIN_BENCHMARKS
from .numbers import format_interval, p_equals
from .style import FIGURE_WIDTH, MIN_FONT, axis_label, get_ax, scatter_models, stars

_DATASET_COLORS = ["#4c72b0", "#55a868", "#c44e52"]


def correlation_text(res: pd.Series, published: tuple[float | None, float | None] | None = None) -> str:
    """The statistics box of a correlation panel: recomputed r, p, bootstrap CI and n, then the published values.

    Parameters
    ----------
    res : pandas.Series
        Output of :func:`brainalign.stats.correlate`.
    published : (r, p), optional
        Published values (either may be None).
    """
    n = int(res["n"])
    text = (f"r = {res['r']:.2f}, {p_equals(res['p'])}\n"
            f"95% CI {format_interval(res['ci_low'], res['ci_high'], n=n)}, n = {n}")
    if published is not None:
        pr, pp = published
        parts = [f"r = {pr:.2f}" if pr is not None else "", p_equals(pp) if pp is not None else ""]
        text += "\npaper: " + ", ".join(p for p in parts if p)
    return text


def plot_correlation(scores: pd.DataFrame, x: str, y: str = "Average", *, ax: Axes | None = None,
                     title: str | None = None, published: tuple[float | None, float | None] | None = None,
                     seed: int = 0, legend: str = "best", **selection) -> Axes:
    """One model property against alignment, with regression line, r, p, bootstrap CI and n.

    Axes run in their natural direction (small to large), whatever the paper did (its NWP-loss axes run from high to
    low loss).

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores table (or wide table from :func:`brainalign.stats.to_wide`).
    x : str
        ``"log_params"``, ``"mmlu"``, ``"bbh"``, ``"nwp_loss"``, ...
    y : str
        ``"Average"`` (brain alignment), a brain dataset, or ``"Futrell2018"`` (behavior).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    published : (r, p), optional
        Published values, printed under the recomputed ones.
    seed : int
        Bootstrap seed.
    legend : str
        Legend location (matplotlib ``loc``).
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
    ax.text(0.03, 0.97, correlation_text(res, published), transform=ax.transAxes, va="top", fontsize=MIN_FONT,
            bbox={"boxstyle": "round", "fc": "white", "ec": "0.8", "alpha": 0.9})
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y))
    ax.legend(handles=handles, loc=legend)
    if title:
        ax.set_title(title)
    lo, hi = np.nanmin(sub[y]), np.nanmax(sub[y])
    span = hi - lo if hi > lo else 0.1
    ax.set_ylim(lo - 0.1 * span, hi + 0.45 * span)  # room for the statistics box above the points
    return ax


def plot_dataset_correlations(scores: pd.DataFrame, x: str, *, ax: Axes | None = None, seed: int = 0,
                              **selection) -> Axes:
    """Pearson r of ``x`` with each brain dataset (the paper's Fig 2 insets), as horizontal bars with stars.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores table or wide table.
    x : str
        Model property.
    ax : matplotlib.axes.Axes, optional
    seed : int
    **selection
        See :func:`brainalign.stats.select_models`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = get_ax(ax, figsize=(FIGURE_WIDTH, 1.8))
    wide = stats.to_wide(scores) if "benchmark" in scores.columns else scores
    table = stats.correlation_table(wide, x, list(BRAIN_BENCHMARKS), ci=False, seed=seed, **selection)
    yy = np.arange(len(table))
    ax.barh(yy, table["r"], color=_DATASET_COLORS[: len(table)], height=0.6)
    for yi, (_, row) in zip(yy, table.iterrows()):
        ax.text(max(row["r"], 0) + 0.02, yi, f"r = {row['r']:.2f} {stars(row['p'])}", va="center",
                fontsize=MIN_FONT)
    ax.set_yticks(yy, list(table["y"]))
    ax.invert_yaxis()
    ax.set_xlim(min(0.0, float(table["r"].min()) - 0.05), 1.3)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    ax.axvline(0, color="0.3", lw=1)
    ax.set_xlabel("Pearson r per dataset")
    ax.grid(False, axis="y")
    return ax


def correlation_figure(scores: pd.DataFrame, x: str, y: str = "Average", *, datasets: bool | None = None,
                       title: str | None = None, published: tuple[float | None, float | None] | None = None,
                       seed: int = 0, height: float = 4.2, **selection) -> Figure:
    """A one-column figure: :func:`plot_correlation` and, for brain alignment, :func:`plot_dataset_correlations`
    stacked under it (the paper draws the per-dataset bars as an inset, too small to read at a column's width).

    Parameters
    ----------
    scores, x, y, title, published, seed, **selection
        As :func:`plot_correlation`.
    datasets : bool, optional
        Add the per-dataset panel (default: when ``y`` is ``"Average"``).
    height : float
        Height of the main panel in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    datasets = (y == "Average") if datasets is None else datasets
    ratios = [height, 1.7] if datasets else [height]
    fig, axes = plt.subplots(len(ratios), 1, figsize=(FIGURE_WIDTH, sum(ratios)), layout="constrained",
                             height_ratios=ratios, squeeze=False)
    plot_correlation(scores, x, y, ax=axes[0, 0], title=title, published=published, seed=seed, **selection)
    if datasets:
        plot_dataset_correlations(scores, x, ax=axes[1, 0], seed=seed, **selection)
    return fig


def correlation_column(scores: pd.DataFrame, panels: Sequence[Mapping], y: str = "Average", *, seed: int = 0,
                       panel_height: float = 4.0) -> Figure:
    """Several correlation panels stacked in one column (readable at a column's width, unlike a row of panels).

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores table or wide table.
    panels : sequence of mapping
        One mapping per panel, top to bottom: ``x`` (required), and optionally ``title``, ``published`` ((r, p)) and
        ``selection`` (a mapping passed to :func:`brainalign.stats.select_models`, e.g. ``{"families": ["T5"]}``).
    y : str
        Alignment column shared by the panels.
    seed : int
    panel_height : float
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(len(panels), 1, figsize=(FIGURE_WIDTH, panel_height * len(panels)), layout="constrained",
                             squeeze=False)
    for ax, panel in zip(axes[:, 0], panels):
        plot_correlation(scores, panel["x"], y, ax=ax, seed=seed, title=panel.get("title"),
                         published=panel.get("published"), **dict(panel.get("selection", {})))
    return fig


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
    ax = get_ax(ax, figsize=(FIGURE_WIDTH, 6.4))
    sig = table["p_bh"] < 0.05
    colors = np.where(table["benchmark"] == "MMLU", "#4c72b0", "#dd8452")
    yy = np.arange(len(table))
    for yi, r, c, significant in zip(yy, table["r"], colors, sig):
        ax.barh(yi, r, color=c, alpha=0.95 if significant else 0.35, edgecolor="black" if significant else c,
                linewidth=1.2, height=0.42)
    left = min(-0.1, float(table["r"].min()) - 0.05)
    for yi, (_, row) in zip(yy, table.iterrows()):
        # the category above its bar (tick labels this long would squeeze the bars out of a column-wide figure)
        ax.text(left + 0.01, yi - 0.26, f"{row['benchmark']}: {row['category']}", va="bottom", ha="left",
                fontsize=MIN_FONT, bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85})
        ax.text(max(row["r"], 0) + 0.02, yi + 0.02, f"{row['r']:.2f} {stars(row['p_bh'])}", va="center",
                fontsize=MIN_FONT)
    ax.set_yticks([])
    ax.set_ylim(len(table) - 0.5, -0.9)
    ax.axvline(0, color="0.3", lw=1)
    ax.set_xlim(left, 1.15)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    ax.set_xlabel("Pearson r with average brain alignment")
    ax.set_title("MMLU and BBH categories (Table 2)")
    handles = [Patch(color="#4c72b0", label="MMLU"), Patch(color="#dd8452", label="BBH"),
               Patch(facecolor="white", edgecolor="black", label="BH-adjusted p < 0.05")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False,
              handlelength=1.2, columnspacing=1.0)
    return ax
