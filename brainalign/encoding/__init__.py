"""Arrays -> cross-validated fits, correlations and noise ceilings (no models, no files: numbers in, numbers out).

>>> from brainalign.encoding import linear_predictivity
>>> result = linear_predictivity(features, targets, stimulus_ids=ids)   # doctest: +SKIP
>>> result.score, result.per_split.shape                                 # doctest: +SKIP

- :func:`linear_predictivity`: Brain-Score's ``linear_pearsonr`` (OLS, 10 ShuffleSplits, Pearson, median, mean);
- :func:`ridge_predictivity`: Brain-Score's ``ridge_pearsonr`` (one alpha by efficient LOO, GroupKFold by story), or
  per-neuroid alphas;
- :func:`ridge_cv_predict`: ridge with per-target alphas by inner K-fold (himalaya; the Wehbe2014 pipeline);
- :func:`cross_validated_ridge`: grouped ridge of one behavioral target (Futrell2018-encoding);
- :func:`delta_log_likelihood`, :func:`mixed_delta_log_likelihood`: psychometric predictive power, the held-out
  gain in log-likelihood of a reading-time regression when a predictor joins a baseline (Futrell2018-ppp);
- :func:`extrapolation_ceiling`, :func:`split_half_consistency`: noise ceilings from the human data;
- :func:`pearson_r` (numpy) and :func:`correlate` / :func:`normalized_targets` (torch): Pearson r.

The names are imported on first use, so that ``from brainalign.encoding.correlation import pearson_r`` does not load
torch (most modules of this stage do).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_PUBLIC = {
    "pearson_r": "correlation", "correlate": "correlation", "normalized_targets": "correlation",
    "CORRELATIONS": "correlation",
    "shuffle_splits": "splits", "group_kfold_splits": "splits", "sort_order": "splits",
    "split_order_positions": "splits", "SPLIT_ORDERS": "splits",
    "DEFAULT_RIDGE_ALPHAS": "predictivity", "EncodingResult": "predictivity", "GramMatrix": "predictivity",
    "aggregate": "predictivity", "linear_predictivity": "predictivity", "ridge_predictivity": "predictivity",
    "ridge_cv_predict": "ridge_cv",
    "cross_validated_ridge": "grouped_ridge", "DEFAULT_RELATIVE_ALPHAS": "grouped_ridge",
    "PPPResult": "reading_times", "delta_log_likelihood": "reading_times",
    "mixed_delta_log_likelihood": "reading_times", "spillover": "reading_times",
    "CeilingResult": "ceilings", "extrapolation_ceiling": "ceilings", "fit_saturation": "ceilings",
    "saturation": "ceilings", "spearman_brown": "split_half", "split_half_consistency": "split_half",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
