"""Published against recomputed: the paper's Tables 5 and 9 next to fresh scores of its models, per benchmark.

:func:`compare_with_published` takes any scores table, keeps the fresh rows of the paper's models computed in the
**paper protocol** (``protocol == "paper"``: other protocols measure other quantities, ``book/discrepancies.md``),
and returns one row per model and benchmark: the published value, the recomputed one (the row that represents the
model: its committed layer where its plugin commits one), the best of its layers, their difference, and whether the
difference is within :data:`TOLERANCE`.

Tolerance: the published values are printed with 3 decimals (half a unit: 0.0005), and float32 least squares, which
the paper's numbers come from, moves by ~1e-3 with the row order of the fit alone (the oracle tests measure it): a
recomputation within 0.0015 of the printed value is the same number. Wehbe2014's settings are not all published
(D6), so its comparison says how far brainalign's reading of the pipeline is, not whether it is exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..scores.table import validate_scores
from . import load_paper_scores
from .conventions import PAPER_BENCHMARKS

#: |recomputed - published| below which a recomputed score counts as the published one (module docstring).
TOLERANCE = 0.0015


def fresh_paper_protocol_scores(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``table`` computed here (``source == "brainalign"``) in the paper protocol, for models and
    benchmarks of the paper, on their whole data (not a subset of the Natural Stories)."""
    table = validate_scores(table)
    published = load_paper_scores()
    keep = ((table["source"] == "brainalign") & (table["protocol"] == "paper")
            & table["model"].isin(set(published["model"])) & table["benchmark"].isin(PAPER_BENCHMARKS)
            & ~table["data_checksum"].str.contains("stories=", regex=False))  # a subset of the corpus is not Table 9
    return table[keep].reset_index(drop=True)


def compare_with_published(table: pd.DataFrame, tolerance: float = TOLERANCE) -> pd.DataFrame:
    """Published and recomputed scores side by side.

    Parameters
    ----------
    table : pandas.DataFrame
        A scores table (fresh rows of other protocols or models are ignored).
    tolerance : float

    Returns
    -------
    pandas.DataFrame
        One row per (model, benchmark) with fresh paper-protocol scores, in the paper's order: ``model``, ``family``,
        ``benchmark``, ``table`` ("Table 5" / "Table 9"), ``published``, ``recomputed``, ``layer`` (the layer that
        represents the model), ``best_of_layers``, ``best_layer``, ``difference`` (recomputed - published),
        ``within_tolerance``. Empty (same columns) when there are no such rows.
    """
    fresh = fresh_paper_protocol_scores(table)
    columns = ["model", "family", "benchmark", "table", "published", "recomputed", "layer", "best_of_layers",
               "best_layer", "difference", "within_tolerance"]
    if fresh.empty:
        return pd.DataFrame(columns=columns)
    published = load_paper_scores().set_index(["model", "benchmark"])["score"]
    rows = []
    for (model, bench), group in fresh.groupby(["model", "benchmark"], sort=False):
        rep = group[group["is_best_layer"]].iloc[0] if group["is_best_layer"].any() else group.iloc[0]
        best = group.loc[group["score"].idxmax()] if group["score"].notna().any() else rep
        pub = float(published.get((model, bench), np.nan))
        diff = float(rep["score"]) - pub
        rows.append({"model": model, "family": rep["family"], "benchmark": bench,
                     "table": "Table 9" if bench == "Futrell2018" else "Table 5", "published": pub,
                     "recomputed": float(rep["score"]), "layer": rep["layer"],
                     "best_of_layers": float(best["score"]), "best_layer": best["layer"], "difference": diff,
                     "within_tolerance": bool(abs(diff) <= tolerance)})
    out = pd.DataFrame(rows, columns=columns)
    order = {m: i for i, m in enumerate(dict.fromkeys(load_paper_scores()["model"]))}
    bench_order = {b: i for i, b in enumerate(PAPER_BENCHMARKS)}
    out = out.sort_values(["model", "benchmark"],
                          key=lambda s: s.map(order if s.name == "model" else bench_order))
    return out.reset_index(drop=True)


def synthetic_fresh_scores(models: list[str], *, noise: float = 0.001, seed: int = 0,
                           benchmarks: tuple[str, ...] = PAPER_BENCHMARKS) -> pd.DataFrame:
    """Stand-in fresh scores for testing the reproduction page without a GPU: the published values plus Gaussian
    noise of ``noise``, as rows of the paper protocol marked ``model_id = "synthetic"``. Never evidence of anything.
    """
    rng = np.random.default_rng(seed)
    pub = load_paper_scores()
    rows = pub[pub["model"].isin(models) & pub["benchmark"].isin(benchmarks)].copy()
    rows["score"] = rows["score"] + rng.normal(scale=noise, size=len(rows))
    rows["source"] = "brainalign"
    rows["protocol"] = "paper"
    rows["model_id"] = "synthetic"
    return validate_scores(rows.reset_index(drop=True))


def fresh_scores(scores: object = None, synthetic: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """The scores the reproduction page compares: a scores source (results directory, file, DataFrame; None: none)
    plus :func:`synthetic_fresh_scores` for the models named in ``synthetic``."""
    from ..scores.sources import load_scores  # a scores source by name, file or directory

    tables = [load_scores(scores)] if scores is not None else []
    if synthetic:
        tables.append(synthetic_fresh_scores(list(synthetic)))
    if not tables:
        return synthetic_fresh_scores([])
    return validate_scores(pd.concat(tables, ignore_index=True))


def summary(comparison: pd.DataFrame, synthetic: list[str] | tuple[str, ...] = (), tolerance: float = TOLERANCE) -> str:
    """One paragraph (Markdown) that says plainly what the comparison holds: nothing, stand-ins, or real scores."""
    if comparison.empty:
        return ("**No fresh paper-protocol scores of the paper's models exist for this build.** The table below is "
                "empty: nothing has been recomputed yet. Run `brainalign reproduce --out DIR` on GPUs and rebuild "
                "this page with `-p scores DIR`.")
    models = set(comparison["model"])
    n_within, n = int(comparison["within_tolerance"].sum()), len(comparison)
    if synthetic and models <= set(synthetic):
        return (f"**These are synthetic stand-in scores** (the published values plus noise) for {len(models)} "
                f"model(s), used to check this page. They reproduce nothing.")
    return (f"Fresh paper-protocol scores of {len(models)} of the paper's models: {n_within} of {n} scores lie "
            f"within {tolerance} of the published value"
            + (" (some models are synthetic stand-ins)." if synthetic else "."))
