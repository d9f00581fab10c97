"""Figures of the live chapter, drawn from :class:`brainalign.run.live.LiveAnalysis` and the layer profiles.

Each figure is one panel drawn for the book's ~700 px text column (5 x 3.4 inches at 144 dpi: 720 px, text >= 10
pt, i.e. >= 20 px at natural size, >= 9.5 px on a 390 px phone, where the column is 342 px), with its legend below
the axes so that it never hides a point.

=====================================  ============================================================================
:func:`plot_paper_metric`              |r| of surprisal and reading times per model, with the token count's |r|
:func:`plot_ppp`                       ΔLL over the baseline per model, with the token count's ΔLL
:func:`plot_layer_profiles`            Futrell2018-encoding per layer, by relative depth
=====================================  ============================================================================
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

#: Width x height (inches) and resolution of the live figures: 720 px wide, the book's text column.
FIGSIZE, DPI = (5.0, 3.4), 144
COLORS = {"trained": "#1f77b4", "untrained": "#ff7f0e", "reference": "#555555"}


def _rows_axes(n: int) -> tuple[Figure, Any]:
    fig, ax = plt.subplots(figsize=(FIGSIZE[0], max(2.6, 0.5 * n + 1.6)), dpi=DPI, layout="constrained")
    return fig, ax


def _intervals(ax: Any, t: pd.DataFrame, x: str, low: str, high: str, scale: float = 1.0) -> None:
    y = np.arange(len(t))[::-1]
    for yi, (_, row) in zip(y, t.iterrows()):
        color = COLORS.get(row["weights"], "#555555")
        ax.errorbar(row[x] * scale, yi, xerr=[[(row[x] - row[low]) * scale], [(row[high] - row[x]) * scale]],
                    fmt="o", color=color, ecolor=color, elinewidth=2, capsize=4, markersize=7, zorder=3)
    ax.set_yticks(y, [_short(label) for label in t["label"]], fontsize=10)
    ax.tick_params(axis="x", labelsize=10)


def _short(label: str) -> str:
    """A row label on at most two short lines (the axes keep most of the 5-inch width)."""
    label = label.replace(" (published log-probabilities)", "").replace(" (no model)", "")
    return label.replace(" (", "\n(").replace("characters per word", "characters\nper word")


def _legend(ax: Any, extra: list[Line2D]) -> None:
    handles = [Line2D([], [], marker="o", linestyle="", color=c, label=w) for w, c in COLORS.items()] + extra
    ax.legend(handles=handles, fontsize=10, loc="upper center", bbox_to_anchor=(0.42, -0.2), ncol=2,
              frameon=False)


def plot_paper_metric(analysis: Any) -> Figure:
    """|Pearson r| of each model's surprisal with mean reading times (95% interval), and the |r| of the same model's
    token count per word (hollow diamond): the paper's behavioral metric and what it rewards."""
    t = analysis.paper
    fig, ax = _rows_axes(len(t))
    _intervals(ax, t, "r", "r_low", "r_high")
    y = np.arange(len(t))[::-1]
    has = t["tokens_r"].notna().to_numpy()
    ax.scatter(t.loc[has, "tokens_r"], y[has], marker="D", s=55, facecolors="none", edgecolors="black",
               linewidths=1.3, zorder=4)
    ax.set_xlabel("|r| with the mean reading time (9,775 words)", fontsize=11)
    ax.set_xlim(0, max(0.05, float(np.nanmax(t[["r_high", "tokens_r"]].to_numpy())) * 1.15))
    _legend(ax, [Line2D([], [], marker="D", linestyle="", markerfacecolor="none", markeredgecolor="black",
                        label="token count of the same model")])
    return fig


def plot_ppp(analysis: Any) -> Figure:
    """ΔLL over the baseline (95% bootstrap interval) per model, and the ΔLL of the model's token count (hollow
    diamond); 0 = no gain over word length, frequency and position."""
    t = analysis.ppp
    fig, ax = _rows_axes(len(t))
    _intervals(ax, t, "dll", "dll_low", "dll_high", scale=1000)
    y = np.arange(len(t))[::-1]
    if "tokens_dll" in t:
        has = t["tokens_dll"].notna().to_numpy()
        ax.scatter(t.loc[has, "tokens_dll"] * 1000, y[has], marker="D", s=55, facecolors="none", edgecolors="black",
                   linewidths=1.3, zorder=4)
    ax.axvline(0, color="black", linewidth=1)
    ax.set_xlabel("ΔLL over the baseline (10$^{-3}$ nats per word)", fontsize=11)
    _legend(ax, [Line2D([], [], marker="D", linestyle="", markerfacecolor="none", markeredgecolor="black",
                        label="token count of the same model")])
    return fig


def plot_layer_profiles(profiles: pd.DataFrame) -> Figure:
    """Futrell2018-encoding: cross-validated r of reading times from each layer, by relative depth; the best layer
    of each run circled."""
    fig, ax = plt.subplots(figsize=(FIGSIZE[0], 4.2), dpi=DPI, layout="constrained")
    sns.lineplot(data=profiles, x="relative_depth", y="score", hue="model", style="weights", markers=True,
                 dashes={"trained": "", "untrained": (3, 2)}, markersize=5, ax=ax)
    best = profiles[profiles["is_best_layer"]]
    ax.scatter(best["relative_depth"], best["score"], s=120, facecolors="none", edgecolors="black", linewidths=1.2,
               zorder=5, label="best layer")
    ax.set_xlabel("relative depth (0 = embeddings, 1 = last block)", fontsize=11)
    ax.set_ylabel("cross-validated r", fontsize=11)
    ax.tick_params(labelsize=10)
    ax.legend(fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)
    return fig
