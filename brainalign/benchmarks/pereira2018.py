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

from ..ceilings import PUBLISHED_CEILINGS
from ..data.pereira2018 import EXPERIMENTS, experiment_data, load_pereira2018, passage_stimuli
from ..results import BenchmarkResult, normalize
from ._neural import extract, metric_options, provenance, score_layers


class Pereira2018:
    """The Pereira2018 benchmark (both experiments).

    Parameters
    ----------
    data_home : path-like, optional
        Data home for the assembly download (:mod:`brainalign.datahome`).
    assembly : xarray.DataArray, optional
        Use this assembly (dims presentation × neuroid, Brain-Score coords) instead of loading it.
    experiments : sequence of str
        Which experiments to score (default both).
    correlation, precision, device
        Passed to :func:`brainalign.encoding.linear_predictivity`.
    metric : {"linear", "ridge"}
        The paper's ``linear_pearsonr`` (default) or Brain-Score's newer ``ridge_pearsonr`` (one alpha from
        ``logspace(-3, 3, 7)`` by efficient LOO, GroupKFold over stories). The published ceilings are the linear
        metric's; Brain-Score's ridge ceilings are not published as numbers, so with ``metric="ridge"`` the ceiling
        is NaN (normalized scores NaN).
    ridge_splits : int
        GroupKFold folds of the ridge metric (Brain-Score: 10).
    """

    name = "Pereira2018"

    def __init__(self, *, data_home: str | os.PathLike | None = None, assembly: xr.DataArray | None = None,
                 experiments: tuple[str, ...] = EXPERIMENTS, correlation: str = "pearsonr",
                 precision: str = "float64", device: Any = "auto", metric: str = "linear",
                 ridge_splits: int = 10) -> None:
        self.metric_kw = metric_options(metric, correlation=correlation, precision=precision, device=device,
                                        ridge_splits=ridge_splits)
        self.assembly = load_pereira2018(data_home=data_home) if assembly is None else assembly
        self.experiments = tuple(experiments)
        self.data = {exp: experiment_data(self.assembly, exp) for exp in self.experiments}
        for d in self.data.values():
            d.attrs.setdefault("sha1", self.assembly.attrs.get("sha1", ""))
        self.ceilings = {exp: PUBLISHED_CEILINGS[f"Pereira2018.{exp}"] if metric == "linear" else float("nan")
                         for exp in self.experiments}
        self.ceiling = float(np.mean(list(self.ceilings.values())))
        self.metric = metric

    @property
    def stimuli(self) -> dict[str, Any]:
        """``passages`` (list of sentence lists, all experiments) and ``item_ids`` (flattened ``stimulus_id``)."""
        passages, ids = [], []
        for exp in self.experiments:
            p, i, _ = passage_stimuli(self.data[exp])
            passages += p
            ids += i
        return {"passages": passages, "item_ids": ids}

    def score(self, model: Any, **extract_kw: Any) -> BenchmarkResult:
        """Extract every layer's activations for the sentences (passage context) and score them."""
        stim = self.stimuli
        acts = extract(model, stim["passages"], stim["item_ids"], **extract_kw)
        return self.score_activations(acts, getattr(model, "name", str(model)))

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
        details = {"experiments": per_exp, "brainscore_normalized": bs_norm,
                   "metric": dict(self.metric_kw)}
        return BenchmarkResult.from_layer_scores(self.name, model_name, layer_scores, self.ceiling, details=details,
                                                 provenance=provenance(acts, self.assembly))
