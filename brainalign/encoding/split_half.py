"""Split-half consistency of per-subject data, Spearman-Brown corrected (Brain-Score's ``SplitHalvesConsistency``,
the Futrell2018 ceiling; also the tutorial's noise ceiling).

Split the subjects in random halves, average each half, correlate the halves over stimuli, correct with
Spearman-Brown for the halved number of subjects.
"""

from __future__ import annotations

import warnings

import numpy as np

from .correlation import pearson_r


def spearman_brown(r: float | np.ndarray, factor: float = 2.0) -> float | np.ndarray:
    """Spearman-Brown prophecy: reliability of a measure ``factor`` times as long, ``k r / (1 + (k - 1) r)``.

    With ``factor=2`` it corrects a split-half correlation (each half has half the subjects) to the whole sample.
    """
    r = np.asarray(r, dtype=float)
    out = factor * r / (1 + (factor - 1) * r)
    return float(out) if out.ndim == 0 else out


def split_half_consistency(responses: np.ndarray, *, n_splits: int = 10,
                           rng: np.random.Generator | np.random.RandomState | int = 0,
                           absolute: bool = False) -> np.ndarray:
    """Split-half consistency of per-subject data, Spearman-Brown corrected, one value per random split.

    For each split the subjects are permuted (``rng.permutation``) and cut into a first half of ``n // 2`` subjects
    and the rest; each half is averaged over its subjects (ignoring NaN); the two averages are correlated over
    stimuli (rows where both are finite) for every target; the median over targets (of ``|r|`` with
    ``absolute=True``, as Brain-Score's Futrell2018 ceiling) is corrected with :func:`spearman_brown`. A benchmark's
    ceiling is the median over splits.

    Parameters
    ----------
    responses : ndarray, shape [n_subjects, n_stimuli] or [n_subjects, n_stimuli, n_targets]
        Per-subject data, NaN where a subject has no value.
    n_splits : int
        Number of random splits.
    rng : numpy Generator, RandomState or int
        Source of the permutations; an int seeds ``numpy.random.default_rng``. Brain-Score's Futrell2018 ceiling
        draws with ``RandomState(0)`` (its ``choice`` without replacement is a permutation's first half).
    absolute : bool
        Correlate by ``|r|``.

    Returns
    -------
    ndarray, shape [n_splits]
    """
    responses = np.asarray(responses, dtype=float)
    if responses.ndim == 2:
        responses = responses[..., None]
    if responses.ndim != 3 or responses.shape[0] < 2:
        raise ValueError(f"responses must be [n_subjects>=2, n_stimuli(, n_targets)], got shape {responses.shape}")
    gen = np.random.default_rng(rng) if isinstance(rng, (int, np.integer)) else rng
    n = responses.shape[0]
    out = np.empty(n_splits)
    for i in range(n_splits):
        order = gen.permutation(n)
        with warnings.catch_warnings():  # a stimulus no subject of a half has read: NaN, dropped below
            warnings.simplefilter("ignore", RuntimeWarning)
            a = np.nanmean(responses[order[: n // 2]], axis=0)
            b = np.nanmean(responses[order[n // 2:]], axis=0)
        ok = np.isfinite(a).all(1) & np.isfinite(b).all(1)
        r = pearson_r(a[ok], b[ok])
        r = np.abs(r) if absolute else r
        out[i] = spearman_brown(float(np.median(r)))
    return out
