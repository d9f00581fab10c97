"""Shared look of the book's figures: theme, family markers, axis labels, model scatter with fresh rows marked."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..benchmarks import UnknownBenchmarkError, benchmark_class
from .output import install_notebook_formatter

#: Marker and colour of each model family (others get :data:`OTHER_STYLE`).
FAMILY_STYLE = {
    "T5": {"marker": "o", "color": "#1f77b4"},
    "LLaMA": {"marker": "s", "color": "#d62728"},
    "GPT-2": {"marker": "^", "color": "#7f7f7f"},
}
OTHER_STYLE = {"marker": "D", "color": "#2ca02c"}

#: Labels of the wide table's other columns (a benchmark's label comes from its class, ``Benchmark.label``).
_LABELS = {
    "Average": "Average brain alignment (Pearson r)",
    "log_params": "Model size, log$_{10}$(# parameters)",
    "mmlu": "MMLU overall score",
    "bbh": "BBH overall score",
    "nwp_loss": "WikiText-2 next-word-prediction loss",
}


#: Design width of a one-column book figure, in inches. At :data:`DPI` it is 550 CSS px: it fits the text column of
#: a 1280-px window (688 px) without scaling, and on a 390-px phone (a 342-px figure column) it shrinks to 0.62,
#: where text of :data:`MIN_FONT` points is still 9.5 px high (the legibility rule of the book's browser tests).
FIGURE_WIDTH = 5.0
#: Figure resolution in CSS px per inch (the PNG itself is rendered at twice this, see :mod:`.output`).
DPI = 110
#: Smallest font size, in points, that any text of a book figure uses.
MIN_FONT = 10


def set_style(context: str = "notebook") -> None:
    """Apply the book's figure style, and in a notebook kernel show figures through :func:`.output.figure_png`.

    The style: seaborn's white grid, fonts of at least :data:`MIN_FONT` points, :data:`DPI` dots per inch, and a
    default figure size of :data:`FIGURE_WIDTH` inches wide.
    """
    sns.set_theme(context=context, style="whitegrid")
    plt.rcParams.update({
        "figure.dpi": DPI, "savefig.dpi": DPI, "figure.figsize": (FIGURE_WIDTH, 4.0),
        "font.size": 11, "axes.labelsize": 11, "axes.titlesize": 12, "axes.titleweight": "bold",
        "xtick.labelsize": MIN_FONT, "ytick.labelsize": MIN_FONT, "legend.fontsize": MIN_FONT,
        "legend.title_fontsize": MIN_FONT, "legend.frameon": True, "legend.framealpha": 0.9,
    })
    install_notebook_formatter()


def axis_label(column: str) -> str:
    """Human-readable axis label of a wide-table column: a registered benchmark's ``label``, else a known column's
    label, else the column name."""
    if column in _LABELS:
        return _LABELS[column]
    try:
        return benchmark_class(column).label or column
    except UnknownBenchmarkError:
        return column


def family_style(family: str) -> dict:
    """Marker and colour of a family."""
    return FAMILY_STYLE.get(family, OTHER_STYLE)


def get_ax(ax: Axes | None, figsize: tuple[float, float] = (FIGURE_WIDTH, 4.4)) -> Axes:
    """``ax`` or the axes of a new figure."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def scatter_models(ax: Axes, df: pd.DataFrame, x: str, y: str, *, annotate_fresh: bool = True,
                   size: float = 55) -> list[Line2D]:
    """Scatter one point per model, marker/colour by family, fresh (non-paper) rows outlined in black.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    df : pandas.DataFrame
        Rows = models (index = names) with columns ``x``, ``y``, ``family`` and ``source``.
    x, y : str
        Columns to plot.
    annotate_fresh : bool
        Write the model name next to fresh points.
    size : float
        Marker area.

    Returns
    -------
    list of Line2D
        Legend handles (one per family present, plus "computed by brainalign" when fresh rows exist).
    """
    handles = []
    for family, grp in df.groupby("family", sort=False):
        st = family_style(family)
        fresh = grp["source"] != "paper"
        ax.scatter(grp.loc[~fresh, x], grp.loc[~fresh, y], s=size, marker=st["marker"], color=st["color"],
                   alpha=0.85, edgecolor="white", linewidth=0.6, zorder=3)
        if fresh.any():
            ax.scatter(grp.loc[fresh, x], grp.loc[fresh, y], s=size * 1.6, marker=st["marker"], color=st["color"],
                       edgecolor="black", linewidth=1.8, zorder=4)
            if annotate_fresh:
                for name, row in grp[fresh].iterrows():
                    ax.annotate(str(name), (row[x], row[y]), xytext=(5, 5), textcoords="offset points",
                                fontsize=MIN_FONT, zorder=5)
        handles.append(Line2D([], [], linestyle="", marker=st["marker"], color=st["color"], markersize=7,
                              label=family))
    if (df["source"] != "paper").any():
        handles.append(Line2D([], [], linestyle="", marker="o", markerfacecolor="none", markeredgecolor="black",
                              markeredgewidth=1.8, markersize=9, label="computed by brainalign"))
    return handles


def format_p(p: float) -> str:
    """p-value as printed in the panels: 3 decimals, and ``"< 0.001"`` below 0.001 (``"n/a"`` when undefined)."""
    if not np.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 1e-3 else f"{p:.3f}"


def stars(p: float) -> str:
    """Significance stars as in the paper's insets: n.s. (p > 0.05), * (< 0.05), ** (< 0.005), *** (< 0.0005)."""
    if not np.isfinite(p) or p > 0.05:
        return "n.s."
    return "***" if p < 0.0005 else "**" if p < 0.005 else "*"
