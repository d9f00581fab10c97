"""Shared machinery of the layer-wise fMRI benchmarks (Pereira2018, Blank2014): options, features, scoring."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .base import Benchmark, Ceiling
from .protocols import Protocol, get_protocol

METRICS = ("linear", "ridge")


def metric_options(metric: str, *, correlation: str, precision: str | None, device: Any, ridge_splits: int,
                   protocol: Protocol | None = None) -> dict[str, Any]:
    """Checked keyword arguments of :func:`score_layers` for a benchmark's constructor (``precision=None`` and the
    split order come from the protocol).

    Raises
    ------
    ValueError
        ``metric`` is not one of :data:`METRICS`.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    protocol = get_protocol(protocol)
    if metric == "ridge" and protocol.name == "paper":
        raise ValueError("the paper protocol is the linear metric (the paper used no ridge); use metric='linear'")
    return {"correlation": correlation, "precision": protocol.precision if precision is None else precision,
            "device": device, "metric": metric, "ridge_splits": ridge_splits, "split_order": protocol.split_order}


def metric_ceiling(benchmark: type[Benchmark], metric: str, published: Ceiling | None = None) -> Ceiling:
    """The published (linear-metric) ceiling, or none for the ridge metric, whose ceilings are not published."""
    if metric == "linear":
        return benchmark.published_ceiling if published is None else published
    return Ceiling.none(f"Brain-Score publishes no ceiling for the {metric} metric of {benchmark.name}")


def layer_features(acts: xr.DataArray, item_ids: list[str] | np.ndarray) -> dict[str, np.ndarray]:
    """Per-layer feature matrices for the given items, in that order.

    Parameters
    ----------
    acts : xarray.DataArray, dims ("layer", "item", "unit")
        From :func:`brainalign.activations.extract_activations`.
    item_ids : sequence of str, shape [n_items]

    Returns
    -------
    dict layer name -> ndarray, shape [n_items, n_units]

    Raises
    ------
    ValueError
        Wrong dims, or items missing from the activations.
    """
    if set(acts.dims) != {"layer", "item", "unit"}:
        raise ValueError(f"activations must have dims ('layer', 'item', 'unit'), got {acts.dims}")
    acts = acts.transpose("layer", "item", "unit")
    index = pd.Index(np.asarray(acts["item"].values).astype(str))
    pos = index.get_indexer(np.asarray(item_ids).astype(str))
    if (pos < 0).any():
        missing = np.asarray(item_ids)[pos < 0][:5]
        raise ValueError(f"{int((pos < 0).sum())} stimuli have no activations (e.g. {list(missing)}); extract them "
                         f"with the benchmark's `stimuli`")
    values = acts.values
    return {str(layer): np.asarray(values[i][pos], dtype=np.float64) for i, layer in enumerate(acts["layer"].values)}


def score_layers(acts: xr.DataArray, data: xr.DataArray, item_ids: list[str], *, metric: str = "linear",
                 ridge_splits: int = 10, split_order: str = "sorted", **metric_kw: Any):
    """Linear predictivity of every layer on one assembly (targets in ``item_ids`` order).

    Parameters
    ----------
    acts : xarray.DataArray, dims ("layer", "item", "unit")
    data : xarray.DataArray, dims ("presentation", "neuroid")
    item_ids : sequence of str
        ``stimulus_id`` values; rows of ``data`` are matched by id.
    metric : {"linear", "ridge"}
        Brain-Score's ``linear_pearsonr`` (OLS, 10 ShuffleSplits) or ``ridge_pearsonr`` (one alpha by LOO,
        ``GroupKFold(ridge_splits)`` over the ``story`` coordinate).
    ridge_splits : int
        Folds of the ridge metric (Brain-Score: 10 for Pereira2018, 8 for Blank2014).
    split_order : {"sorted", "stored"}
        ``"stored"``: the folds are drawn over ``data``'s stored order (Brain-Score's); ``"sorted"``: over the sorted
        ids.
    **metric_kw
        Passed to :func:`brainalign.encoding.linear_predictivity` / :func:`~brainalign.encoding.ridge_predictivity`.

    Returns
    -------
    brainalign.encoding.predictivity.EncodingResult
    """
    from ..encoding.predictivity import linear_predictivity, ridge_predictivity  # torch: when scoring, not listing

    ids = np.asarray(data["stimulus_id"].values).astype(str)
    if split_order == "stored":  # the rows in the assembly's stored order, over which Brain-Score draws its folds
        wanted = set(np.asarray(item_ids).astype(str))
        item_ids = [i for i in ids if i in wanted]
    feats = layer_features(acts, item_ids)
    pos = pd.Index(ids).get_indexer(np.asarray(item_ids).astype(str))
    targets = data.transpose("presentation", "neuroid").values[pos]
    sids = np.asarray(item_ids).astype(str)
    if metric == "ridge":
        groups = np.asarray(data["story"].values)[pos]
        return ridge_predictivity(feats, targets, stimulus_ids=sids, groups=groups, n_splits=ridge_splits,
                                  split_order=split_order, **metric_kw)
    if metric != "linear":
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    return linear_predictivity(feats, targets, stimulus_ids=sids, split_order=split_order, **metric_kw)


def recompute_extrapolation_ceiling(data: xr.DataArray, subject_coord: str, *, n_bootstraps: int,
                                    progress: bool, **ceiling_kw: Any):
    """Brain-Score's subject-extrapolation ceiling of one assembly (:func:`brainalign.encoding.extrapolation_ceiling`)."""
    from ..encoding.ceilings import extrapolation_ceiling  # torch: imported when recomputing, not when listing

    data = data.transpose("presentation", "neuroid")
    return extrapolation_ceiling(data.values, data[subject_coord].values, stimulus_ids=data["stimulus_id"].values,
                                 n_bootstraps=n_bootstraps, progress=progress, **ceiling_kw)
