"""Blank2014: fROI time courses of 5 listeners of 8 Natural Stories, linear predictivity per layer (Brain-Score).

TR fragments are fed story by story (context growing within a story); OLS from each layer to the 60 fROIs, 10
ShuffleSplits over TRs, Pearson per fROI, median, mean; published ceiling 0.21026591 (Brain-Score's
``ExtrapolationCeiling``; :meth:`Blank2014.recompute_ceiling` recomputes it).
"""

from __future__ import annotations

import os
from typing import Any

import xarray as xr

from .._docs import fill_doc
from ..data.blank2014 import load_blank2014, story_stimuli
from ..scores.result import BenchmarkResult
from . import register_benchmark
from ._neural import metric_ceiling, metric_options, recompute_extrapolation_ceiling, score_layers
from .base import Benchmark, Ceiling, Stimuli, layer_provenance
from .protocols import get_protocol


@register_benchmark
@fill_doc
class Blank2014(Benchmark):
    """The Blank2014 benchmark.

    Parameters
    ----------
    %(data_home)s
    assembly : xarray.DataArray, optional
        Use this assembly instead of loading ``Blank2014.fROI``.
    %(correlation)s
    %(precision)s
    %(device)s
    %(metric)s
    ridge_splits : int
        GroupKFold folds of the ridge metric (Brain-Score: 8).
    %(extraction_kwargs)s
    %(protocol)s
    """

    name = "Blank2014"
    description = "fMRI fROIs, 8 Natural Stories, TR fragments, linear predictivity"
    label = "Blank2014 brain alignment (r)"
    datasets = ("blank2014",)
    published_ceiling = Ceiling(0.21026591, "Brain-Score's Blank2014 benchmark test (brain-score/language, "
                                            "benchmarks/blank2014/test.py; its ExtrapolationCeiling)",
                                "the paper's Table 6 prints it rounded, 0.210")
    protocols = ("brainalign", "paper")
    brainscore_pipeline = True

    def __init__(self, *, data_home: str | os.PathLike | None = None, assembly: xr.DataArray | None = None,
                 correlation: str = "pearsonr", precision: str | None = None, device: Any = "auto",
                 metric: str = "linear", ridge_splits: int = 8,
                 extraction_kwargs: dict[str, Any] | None = None, protocol: str | None = None) -> None:
        self.metric_kw = metric_options(metric, correlation=correlation, precision=precision, device=device,
                                        ridge_splits=ridge_splits, protocol=get_protocol(protocol))
        super().__init__(ceiling=metric_ceiling(type(self), metric), extraction_kwargs=extraction_kwargs,
                         protocol=protocol)
        self.data = load_blank2014(data_home=data_home) if assembly is None else assembly
        self.metric = metric

    @property
    def stimuli(self) -> Stimuli:
        """TR fragments per story, items = ``stimulus_id``."""
        passages, ids, _ = story_stimuli(self.data)
        return Stimuli(passages, ids)

    def score_activations(self, acts: xr.DataArray, model_name: str) -> BenchmarkResult:
        """Score precomputed activations (dims layer x item x unit, items = ``stimulus_id``)."""
        res = score_layers(acts, self.data, self.stimuli.item_ids, **self.metric_kw)
        details = {"split_scores": {k: v.tolist() for k, v in res.split_scores.items()},
                   "n_stimuli": int(self.data.sizes["presentation"]), "n_neuroids": int(self.data.sizes["neuroid"]),
                   "metric": dict(self.metric_kw)}
        return self.result(model_name, res.score, details=details,
                           provenance=layer_provenance(acts, self.data.attrs.get("sha1", "")))

    def recompute_ceiling(self, *, n_bootstraps: int = 100, progress: bool = True):
        """Recompute the ceiling as Brain-Score's ``ExtrapolationCeiling`` does (every subject combination, every
        subject held out, this benchmark's metric).

        Returns
        -------
        brainalign.encoding.ceilings.CeilingResult
        """
        kw = {k: v for k, v in self.metric_kw.items() if k in ("correlation", "device")}
        kw["precision"] = "float64" if self.metric_kw["precision"] == "float32" else self.metric_kw["precision"]
        return recompute_extrapolation_ceiling(self.data, "subject_id", n_bootstraps=n_bootstraps, progress=progress,
                                               metric_kw=kw)
