"""Blank2014: fROI time courses of 5 listeners of 8 Natural Stories, linear predictivity per layer (Brain-Score).

TR fragments are fed story by story (context growing within a story); OLS from each layer to the 60 fROIs, 10
ShuffleSplits over TRs, Pearson per fROI, median, mean; published ceiling 0.21026591 (Brain-Score's
``ExtrapolationCeiling``; recompute with :func:`brainalign.ceilings.extrapolation_ceiling`).
"""

from __future__ import annotations

import os
from typing import Any

import xarray as xr

from ..ceilings import PUBLISHED_CEILINGS
from ..data.blank2014 import load_blank2014, story_stimuli
from ..results import BenchmarkResult
from ._neural import extract, metric_options, provenance, score_layers


class Blank2014:
    """The Blank2014 benchmark.

    Parameters
    ----------
    data_home : path-like, optional
    assembly : xarray.DataArray, optional
        Use this assembly instead of loading ``Blank2014.fROI``.
    correlation, precision, device
        Passed to :func:`brainalign.encoding.linear_predictivity`.
    metric : {"linear", "ridge"}
        The paper's ``linear_pearsonr`` (default) or Brain-Score's newer ``ridge_pearsonr`` (one alpha from
        ``logspace(-3, 3, 7)`` by efficient LOO, GroupKFold over stories). The published ceilings are the linear
        metric's; Brain-Score's ridge ceilings are not published as numbers, so with ``metric="ridge"`` the ceiling
        is NaN (normalized scores NaN).
    ridge_splits : int
        GroupKFold folds of the ridge metric (Brain-Score: 8).
    """

    name = "Blank2014"

    def __init__(self, *, data_home: str | os.PathLike | None = None, assembly: xr.DataArray | None = None,
                 correlation: str = "pearsonr", precision: str = "float64", device: Any = "auto",
                 metric: str = "linear", ridge_splits: int = 8) -> None:
        self.metric_kw = metric_options(metric, correlation=correlation, precision=precision, device=device,
                                        ridge_splits=ridge_splits)
        self.data = load_blank2014(data_home=data_home) if assembly is None else assembly
        self.ceiling = PUBLISHED_CEILINGS["Blank2014"] if metric == "linear" else float("nan")
        self.metric = metric

    @property
    def stimuli(self) -> dict[str, Any]:
        """``passages`` (TR fragments per story) and ``item_ids`` (``stimulus_id``, flattened)."""
        passages, ids, _ = story_stimuli(self.data)
        return {"passages": passages, "item_ids": ids}

    def score(self, model: Any, **extract_kw: Any) -> BenchmarkResult:
        """Extract every layer's activations for the fragments (story context) and score them."""
        stim = self.stimuli
        acts = extract(model, stim["passages"], stim["item_ids"], **extract_kw)
        return self.score_activations(acts, getattr(model, "name", str(model)))

    def score_activations(self, acts: xr.DataArray, model_name: str) -> BenchmarkResult:
        """Score precomputed activations (dims layer × item × unit, items = ``stimulus_id``)."""
        res = score_layers(acts, self.data, self.stimuli["item_ids"], **self.metric_kw)
        details = {"split_scores": {k: v.tolist() for k, v in res.split_scores.items()},
                   "n_stimuli": int(self.data.sizes["presentation"]), "n_neuroids": int(self.data.sizes["neuroid"]),
                   "metric": dict(self.metric_kw)}
        return BenchmarkResult.from_layer_scores(self.name, model_name, res.score, self.ceiling, details=details,
                                                 provenance=provenance(acts, self.data))
