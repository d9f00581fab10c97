"""Cross-validation splits over stimuli, built the way Brain-Score builds them.

Brain-Score (``utils/transformations.CrossValidation``) splits the *sorted unique* values of the split coordinate
(``stimulus_id``) with scikit-learn's ``ShuffleSplit`` (or ``GroupKFold`` on ``story`` for the ridge benchmarks), so the
split depends on the sorted order of the ids, not on the order the stimuli were given in. These helpers reproduce that
and return integer positions into the caller's order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import GroupKFold, ShuffleSplit

Split = tuple[np.ndarray, np.ndarray]


def sort_order(stimulus_ids: Sequence | np.ndarray | None, n_stimuli: int) -> np.ndarray:
    """Positions that sort the stimuli by id (``np.unique`` order), or ``arange`` when no ids are given.

    Parameters
    ----------
    stimulus_ids : sequence, shape [n_stimuli], optional
        Unique stimulus identifiers.
    n_stimuli : int
        Number of stimuli (rows of the features and targets).

    Returns
    -------
    ndarray of int, shape [n_stimuli]

    Raises
    ------
    ValueError
        Wrong length or duplicated ids.
    """
    if stimulus_ids is None:
        return np.arange(n_stimuli)
    ids = np.asarray(stimulus_ids)
    if ids.shape != (n_stimuli,):
        raise ValueError(f"stimulus_ids has shape {ids.shape}, expected ({n_stimuli},) to match the features/targets")
    uniq, first = np.unique(ids, return_index=True)
    if len(uniq) != n_stimuli:
        dup = [v for v, c in zip(*np.unique(ids, return_counts=True)) if c > 1][:5]
        raise ValueError(f"stimulus_ids must be unique; duplicated: {dup}")
    return first


def shuffle_splits(n_stimuli: int, n_splits: int = 10, train_size: float = 0.9, random_state: int | None = 1,
                   order: np.ndarray | None = None) -> list[Split]:
    """Brain-Score's ``ShuffleSplit(n_splits, train_size=train_size, random_state=random_state)`` over sorted stimuli.

    Parameters
    ----------
    n_stimuli : int
        Number of stimuli.
    n_splits, train_size, random_state
        As scikit-learn's :class:`~sklearn.model_selection.ShuffleSplit` (test size = the complement).
    order : ndarray of int, shape [n_stimuli], optional
        :func:`sort_order` of the stimulus ids; split positions are mapped through it.

    Returns
    -------
    list of (train, test)
        Integer positions into the caller's stimulus order; train and test each sorted by stimulus id.
    """
    if n_stimuli < 3:
        raise ValueError(f"need at least 3 stimuli for a train/test split, got {n_stimuli}")
    order = np.arange(n_stimuli) if order is None else np.asarray(order)
    splitter = ShuffleSplit(n_splits=n_splits, train_size=train_size, random_state=random_state)
    return [(order[np.sort(tr)], order[np.sort(te)]) for tr, te in splitter.split(np.zeros(n_stimuli))]


def group_kfold_splits(groups: Sequence | np.ndarray, n_splits: int = 10, random_state: int | None = 1234,
                       order: np.ndarray | None = None) -> list[Split]:
    """Brain-Score's ridge CV: ``GroupKFold(n_splits, shuffle=True, random_state)`` with groups (stories or topics).

    Parameters
    ----------
    groups : sequence, shape [n_stimuli]
        Group label of each stimulus, in the caller's order.
    n_splits : int
        Number of folds (at most the number of groups).
    random_state : int, optional
        Shuffling seed (Brain-Score uses 1234).
    order : ndarray of int, optional
        :func:`sort_order` of the stimulus ids.

    Returns
    -------
    list of (train, test)
        Integer positions into the caller's stimulus order.
    """
    groups = np.asarray(groups)
    n = len(groups)
    order = np.arange(n) if order is None else np.asarray(order)
    n_groups = len(np.unique(groups))
    if n_groups < n_splits:
        raise ValueError(f"GroupKFold needs at least n_splits={n_splits} groups, got {n_groups}")
    splitter = GroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    sorted_groups = groups[order]
    return [(order[np.sort(tr)], order[np.sort(te)]) for tr, te in splitter.split(np.zeros(n), groups=sorted_groups)]
