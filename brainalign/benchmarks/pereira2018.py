"""Pereira2018: fMRI responses to 627 sentences (243 + 384), linear predictivity per layer (Brain-Score).

The two experiments are scored separately (Brain-Score's ``Pereira2018.243sentences-linear`` and
``Pereira2018.384sentences-linear``) and averaged. The raw score of a layer is the mean of the two experiments' raw
scores (as the paper's Table 5 reports); it is normalized by the mean of the two published ceilings (0.3586, the paper's
0.359). Brain-Score's own overall normalized score, the mean of the per-experiment normalized scores, is in
``details["brainscore_normalized"]``; per-experiment scores are in ``details["experiments"]``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import xarray as xr

from .._docs import fill_doc
from ..data.pereira2018 import EXPERIMENTS, experiment_data, load_pereira2018, passage_stimuli
from ..scores.result import BenchmarkResult
from ..scores.table import normalize
from . import register_benchmark
from ._neural import metric_ceiling, metric_options, recompute_extrapolation_ceiling, score_layers
from .base import Benchmark, Ceiling, Stimuli, layer_provenance
from .protocols import get_protocol

_SOURCE = "Brain-Score's Pereira2018 benchmark test (brain-score/language, benchmarks/pereira2018/test.py)"

#: Each experiment's ceiling as Brain-Score stores it (its S3 ceiling files, asserted by its tests).
EXPERIMENT_CEILINGS = {
    "243sentences": Ceiling(0.35378928, _SOURCE),
    "384sentences": Ceiling(0.36343748, _SOURCE),
}


def _mean_ceiling(experiments: tuple[str, ...]) -> Ceiling:
    value = float(np.mean([EXPERIMENT_CEILINGS[e].value for e in experiments]))
    return Ceiling(value, f"mean of the ceilings of {', '.join(experiments)}: {_SOURCE}",
                   "the paper's Table 6 prints the mean of both rounded, 0.359")


@register_benchmark
@fill_doc
class Pereira2018(Benchmark):
    """The Pereira2018 benchmark (both experiments).

    Parameters
    ----------
    %(data_home)s
    assembly : xarray.DataArray, optional
        Use this assembly (dims presentation x neuroid, Brain-Score's coords) instead of loading
        ``Pereira2018.language``.
    experiments : tuple of str
        Which experiments to score (default both).
    %(correlation)s
    %(precision)s
    %(device)s
    %(metric)s
    ridge_splits : int
        GroupKFold folds of the ridge metric (Brain-Score: 10).
    %(extraction_kwargs)s
    %(protocol)s
    """

    name = "Pereira2018"
    description = "fMRI, 243 + 384 sentences, linear predictivity (OLS, 10 shuffle splits), mean of the experiments"
    label = "Pereira2018 brain alignment (r)"
    datasets = ("pereira2018",)
    published_ceiling = _mean_ceiling(EXPERIMENTS)
    protocols = ("brainalign", "paper")
    brainscore_pipeline = True

    def __init__(self, *, data_home: str | os.PathLike | None = None, assembly: xr.DataArray | None = None,
                 experiments: tuple[str, ...] = EXPERIMENTS, correlation: str = "pearsonr",
                 precision: str | None = None, device: Any = "auto", metric: str = "linear",
                 ridge_splits: int = 10, extraction_kwargs: dict[str, Any] | None = None,
                 protocol: str | None = None) -> None:
        self.metric_kw = metric_options(metric, correlation=correlation, precision=precision, device=device,
                                        ridge_splits=ridge_splits, protocol=get_protocol(protocol))
        self.experiments = tuple(experiments)
        unknown = [e for e in self.experiments if e not in EXPERIMENTS]
        if unknown or not self.experiments:
            raise ValueError(f"experiments must be a non-empty subset of {EXPERIMENTS}, got {experiments!r}")
        super().__init__(ceiling=metric_ceiling(type(self), metric, _mean_ceiling(self.experiments)),
                         extraction_kwargs=extraction_kwargs, protocol=protocol)
        self.assembly = load_pereira2018(data_home=data_home) if assembly is None else assembly
        self.data = {exp: experiment_data(self.assembly, exp) for exp in self.experiments}
        for d in self.data.values():
            d.attrs.setdefault("sha1", self.assembly.attrs.get("sha1", ""))
        self.ceilings = {exp: metric_ceiling(type(self), metric, EXPERIMENT_CEILINGS[exp]).value
                         for exp in self.experiments}
        self.metric = metric

    @property
    def stimuli(self) -> Stimuli:
        """Sentences per passage (all experiments), items = ``stimulus_id``."""
        passages, ids = [], []
        for exp in self.experiments:
            p, i, _ = passage_stimuli(self.data[exp])
            passages += p
            ids += i
        return Stimuli(passages, ids)

    def score_activations(self, acts: xr.DataArray, model_name: str) -> BenchmarkResult:
        """Score precomputed activations.

        Parameters
        ----------
        acts : xarray.DataArray, dims ("layer", "item", "unit")
            Items are the assembly's ``stimulus_id`` values.
        model_name : str

        Returns
        -------
        BenchmarkResult
            Layer profile of the mean raw r over experiments; details per experiment.
        """
        per_exp: dict[str, dict[str, Any]] = {}
        for exp in self.experiments:
            _, ids, _ = passage_stimuli(self.data[exp])
            res = score_layers(acts, self.data[exp], ids, **self.metric_kw)
            clipped, unclipped = normalize(np.array(list(res.score.values())), self.ceilings[exp])
            per_exp[exp] = {"scores": dict(res.score), "ceiling": self.ceilings[exp],
                            "normalized": dict(zip(res.score, clipped)),
                            "normalized_unclipped": dict(zip(res.score, unclipped)),
                            "split_scores": {k: v.tolist() for k, v in res.split_scores.items()},
                            "n_stimuli": int(self.data[exp].sizes["presentation"]),
                            "n_neuroids": int(self.data[exp].sizes["neuroid"])}
        layers = list(per_exp[self.experiments[0]]["scores"])
        layer_scores = {k: float(np.mean([per_exp[e]["scores"][k] for e in self.experiments])) for k in layers}
        bs_norm = {k: float(np.mean([per_exp[e]["normalized"][k] for e in self.experiments])) for k in layers}
        details = {"experiments": per_exp, "brainscore_normalized": bs_norm, "metric": dict(self.metric_kw)}
        return self.result(model_name, layer_scores, details=details,
                           provenance=layer_provenance(acts, self.assembly.attrs.get("sha1", "")))

    def recompute_ceiling(self, experiment: str, *, n_bootstraps: int = 100, max_subsets: int = 10,
                          n_holdouts: int = 5, progress: bool = True):
        """Recompute an experiment's ceiling as Brain-Score's ``ceiling_packaging.py`` does: 10 random subject subsets
        per subject count, 5 held-out subjects drawn with replacement per subset, this benchmark's metric.

        Returns
        -------
        brainalign.encoding.ceilings.CeilingResult
        """
        kw = {k: v for k, v in self.metric_kw.items() if k in ("correlation", "device")}
        kw["precision"] = "float64" if self.metric_kw["precision"] == "float32" else self.metric_kw["precision"]
        return recompute_extrapolation_ceiling(self.data[experiment], "subject", n_bootstraps=n_bootstraps,
                                               progress=progress, max_subsets=max_subsets, n_holdouts=n_holdouts,
                                               metric_kw=kw)
