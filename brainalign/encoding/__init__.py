"""Encoding models: cross-validated linear predictivity of brain data from model activations.

>>> from brainalign.encoding import linear_predictivity
>>> result = linear_predictivity(features, targets, stimulus_ids=ids)   # doctest: +SKIP
>>> result.score, result.per_split.shape                                 # doctest: +SKIP

- :func:`linear_predictivity`: Brain-Score's ``linear_pearsonr`` (OLS, 10 ShuffleSplits, Pearson, median, mean).
- :func:`ridge_predictivity`: Brain-Score's ``ridge_pearsonr`` (one alpha by efficient LOO, GroupKFold by story), or
  per-neuroid alphas.
- :func:`ridge_cv_predict`: ridge with per-target alphas chosen by inner K-fold (himalaya ``RidgeCV``; Wehbe pipeline).
"""

from .correlation import correlate, normalized_targets
from .predictivity import (DEFAULT_RIDGE_ALPHAS, EncodingResult, GramMatrix, aggregate, linear_predictivity,
                           ridge_predictivity)
from .ridgecv import ridge_cv_predict
from .splits import group_kfold_splits, shuffle_splits, sort_order

__all__ = ["DEFAULT_RIDGE_ALPHAS", "EncodingResult", "GramMatrix", "aggregate", "correlate", "group_kfold_splits",
           "linear_predictivity", "normalized_targets", "ridge_cv_predict", "ridge_predictivity", "shuffle_splits",
           "sort_order"]
