"""Fig 1B/1C and Fig 3A: instruction-tuned vs vanilla models."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .. import stats
from ..paper.conventions import BRAIN_BENCHMARKS
from .style import FIGURE_WIDTH, MIN_FONT, get_ax, scatter_models


def plot_instruction_scatter(scores: pd.DataFrame, benchmark: str = "Average", *, ax: Axes | None = None,
                             exclude_families: Sequence[str] = stats.DEFAULT_EXCLUDE_FAMILIES,
                             title: str | None = None) -> Axes:
    """Fig 1B (``benchmark="Average"``) / Fig 3A (``"Futrell2018"``): each instruction-tuned model against its
    vanilla partner, with the identity line and the mean per-pair % change.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores table.
    benchmark : str
        ``"Average"`` (brain), a brain dataset, or ``"Futrell2018"`` (behavior).
    ax : matplotlib.axes.Axes, optional
    exclude_families : sequence of str
        Families left out (GPT-2 by default, as in the paper).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = get_ax(ax)
    deltas = stats.pair_deltas(scores, [benchmark])
    deltas = deltas[~deltas["family"].isin(list(exclude_families))]
    if deltas.empty:
        raise ValueError(f"no vanilla/instruction-tuned pairs with {benchmark!r} scores in the table")
    df = deltas.set_index("model")
    handles = scatter_models(ax, df, "vanilla_score", "tuned_score")
    lo = float(np.nanmin(df[["vanilla_score", "tuned_score"]].to_numpy()))
    hi = float(np.nanmax(df[["vanilla_score", "tuned_score"]].to_numpy()))
    pad = 0.08 * (hi - lo if hi > lo else 0.1)
    lims = (lo - pad, hi + pad)
    ax.plot(lims, lims, ls="--", color="0.4", lw=1, zorder=1, label="identity")
    ax.set_xlim(lims)
    ax.set_ylim(lims)
    ax.set_aspect("equal", adjustable="box")
    what = "brain alignment" if benchmark != "Futrell2018" else "behavioral alignment"
    ax.set_xlabel(f"Vanilla LLM, {what} (r)")
    ax.set_ylabel(f"Instruction-tuned LLM, {what} (r)")
    mean_pct = deltas["pct_change"].mean()
    ax.text(0.04, 0.96, f"average change: {mean_pct:+.1f}%\n({len(deltas)} pairs)", transform=ax.transAxes,
            va="top", fontsize=MIN_FONT + 1, bbox={"boxstyle": "round", "fc": "white", "ec": "0.8"})
    ax.legend(handles=handles, loc="lower right")
    ax.set_title(title or (f"Instruction-tuning and {what}" + ("" if benchmark in ("Average", "Futrell2018")
                                                                  else f" ({benchmark})")))
    return ax


def plot_dataset_change(scores: pd.DataFrame, datasets: Sequence[str] = BRAIN_BENCHMARKS, *,
                        ax: Axes | None = None, published: dict[str, float] | None = None,
                        exclude_families: Sequence[str] = stats.DEFAULT_EXCLUDE_FAMILIES) -> Axes:
    """Fig 1C: mean per-pair % change of brain alignment per dataset, with bootstrap 95% CIs.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores table.
    datasets : sequence of str
        Datasets (bars, top to bottom).
    ax : matplotlib.axes.Axes, optional
    published : dict, optional
        Published values (dataset -> %) drawn as diamonds next to the recomputed bars.
    exclude_families : sequence of str

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = get_ax(ax, figsize=(FIGURE_WIDTH, 3.8))
    deltas = stats.pair_deltas(scores, list(datasets))
    tests = stats.paired_tests(deltas, exclude_families=exclude_families).set_index("benchmark")
    tests = tests.reindex(list(datasets))
    y = np.arange(len(datasets))
    ax.barh(y, tests["mean_pct"], color=["#4c72b0", "#55a868", "#c44e52"][: len(datasets)], alpha=0.85,
            height=0.6, label="recomputed (mean over pairs)")
    err = np.vstack([tests["mean_pct"] - tests["pct_ci_low"], tests["pct_ci_high"] - tests["mean_pct"]])
    ax.errorbar(tests["mean_pct"], y, xerr=err, fmt="none", ecolor="black", capsize=4, lw=1, label="bootstrap 95% CI")
    for yi, (name, row) in zip(y, tests.iterrows()):
        right = np.nanmax([row["mean_pct"], row["pct_ci_high"]])
        ax.text(right + 0.4, yi - 0.22, f"{row['mean_pct']:+.1f}%", va="center", ha="left", fontweight="bold",
                fontsize=MIN_FONT + 1)
    if published:
        vals = [published.get(d, np.nan) for d in datasets]
        ax.scatter(vals, y, marker="D", color="black", s=40, zorder=5, label="published (Fig 1C)")
    ax.set_yticks(y, list(datasets))
    ax.invert_yaxis()
    ax.axvline(0, color="0.3", lw=1)
    ax.set_xlabel("% change in brain alignment (instruction-tuned vs vanilla)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, frameon=False)
    ax.set_title("Change in brain alignment per dataset")
    return ax
