"""Cross-validation splits over stimuli: Brain-Score's, over the stored order, or brainalign's, over sorted ids.

Brain-Score (``utils/transformations.Split.build_splits``) runs scikit-learn's ``ShuffleSplit`` (or ``GroupKFold`` on
``story`` for the ridge benchmarks) over the split coordinate (``stimulus_id``) **in the target assembly's stored
order**: ``extract_coord(assembly, 'stimulus_id', unique=False)`` keeps the values as stored, and nothing sorts them
before the split (``XarrayRegression`` sorts only later, inside each training fold, which does not change the fold).
So Brain-Score's folds depend on how the assembly is stored (after its ``sel``/``dropna``).

Two orders are offered (:data:`SPLIT_ORDERS`):

- ``"stored"`` (the paper protocol): the rows in the order the caller gives them, which must be the assembly's stored
  order to reproduce Brain-Score;
- ``"sorted"`` (brainalign's default protocol): the ids in ``np.unique`` (lexicographic) order, so the folds do not
  depend on how a file happens to be stored. With ids stored in numeric order (``.0, .1, ... .242``; sorted:
  ``.0, .1, .10, .100, ...``) the two orders give different folds and scores (``book/discrepancies.md``).

The helpers return integer positions into the caller's order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import GroupKFold, ShuffleSplit

Split = tuple[np.ndarray, np.ndarray]

#: Orders over which the folds are drawn (module docstring).
SPLIT_ORDERS = ("sorted", "stored")


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


def split_order_positions(stimulus_ids: Sequence | np.ndarray | None, n_stimuli: int,
                          split_order: str = "sorted") -> np.ndarray:
    """The positions over which folds are drawn, shape [n_stimuli]: :func:`sort_order` (``split_order="sorted"``)
    or the given order (``"stored"``); ``stimulus_ids`` and ``n_stimuli`` as in :func:`sort_order`, whose checks
    apply in both orders. Raises ValueError for an unknown ``split_order``."""
    if split_order not in SPLIT_ORDERS:
        raise ValueError(f"split_order must be one of {SPLIT_ORDERS}, got {split_order!r}")
    order = sort_order(stimulus_ids, n_stimuli)  # validates the ids in both modes
    return order if split_order == "sorted" else np.arange(n_stimuli)


def shuffle_splits(n_stimuli: int, n_splits: int = 10, train_size: float = 0.9, random_state: int | None = 1,
                   order: np.ndarray | None = None) -> list[Split]:
    """Brain-Score's ``ShuffleSplit(n_splits, train_size=train_size, random_state=random_state)`` over ``order``.

    Parameters
    ----------
    n_stimuli : int
        Number of stimuli.
    n_splits, train_size, random_state
        As scikit-learn's :class:`~sklearn.model_selection.ShuffleSplit` (test size = the complement).
    order : ndarray of int, shape [n_stimuli], optional
        :func:`split_order_positions` of the stimulus ids (default: the given order, Brain-Score's stored order);
        split positions are mapped through it.

    Returns
    -------
    list of (train, test)
        Integer positions into the caller's stimulus order; train and test each in ``order``.
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
        :func:`split_order_positions` of the stimulus ids (default: the given order).

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
