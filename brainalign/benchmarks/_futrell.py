"""What both Futrell2018 benchmarks share: the Natural Stories word table, the target, the ceiling."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..data.naturalstories import load_subject_rts, load_targets
from ..encoding.split_half import split_half_consistency
from .base import Benchmark, Ceiling

#: Brain-Score's Futrell2018 ceiling (split-half consistency over subjects, 10 splits, Spearman-Brown, median).
PUBLISHED = Ceiling(0.858, "Brain-Score's Futrell2018 benchmark test (brain-score/language, "
                           "benchmarks/futrell2018/test.py); the paper's Table 10", "published with 3 digits only")


def split_half_ceiling(rts: np.ndarray, *, n_splits: int = 10, random_state: int = 0) -> tuple[float, np.ndarray]:
    """Brain-Score's split-half consistency of per-subject reading times.

    Ten times (``numpy.random.RandomState(random_state)``): draw half of the subjects, average the reading times of
    each half (ignoring missing values), take |Pearson r| between the halves over words, apply Spearman-Brown; the
    ceiling is the median over splits (:func:`brainalign.encoding.split_half.split_half_consistency`).

    Parameters
    ----------
    rts : ndarray, shape [n_words, n_subjects]
        Reading times, NaN where a subject did not read a word.
    n_splits, random_state : int

    Returns
    -------
    ceiling : float
    per_split : ndarray, shape [n_splits]
    """
    rts = np.asarray(rts, dtype=float)
    if rts.ndim != 2 or rts.shape[1] < 2:
        raise ValueError(f"rts must be [n_words, n_subjects >= 2], got shape {rts.shape}")
    per_split = split_half_consistency(rts.T, n_splits=n_splits, rng=np.random.RandomState(random_state),
                                       absolute=True)
    return float(np.median(per_split)), per_split


class NaturalStoriesBenchmark(Benchmark):
    """Data loading and ceiling shared by both Futrell2018 benchmarks.

    Parameters
    ----------
    data_home : path-like, optional
    ceiling : "published", "recompute" or float
        0.858 (default), a fresh split-half estimate (needs the per-subject assembly), or a given value.
    target : str
        Target column of the word table (``"mean_rt_2016"``, Brain-Score's).
    extraction_kwargs : dict, optional
    protocol : {"brainalign", "paper"}
        Scoring protocol (:mod:`brainalign.benchmarks.protocols`).
    stories : sequence of int, optional
        Score only these stories (1-10; the context then runs over them in order). Default: all ten, as the paper.
        A subset is for quick runs and the oracle tests; its scores are not the paper's quantity.
    """

    datasets = ("naturalstories",)
    published_ceiling = PUBLISHED

    def __init__(self, *, data_home: str | os.PathLike | None = None, ceiling: str | float = "published",
                 target: str = "mean_rt_2016", extraction_kwargs: dict[str, Any] | None = None,
                 protocol: str | None = None, stories: Any = None) -> None:
        super().__init__(extraction_kwargs=extraction_kwargs, protocol=protocol)
        self.data_home = data_home
        self.table = load_targets(data_home=data_home)
        if stories is not None:
            wanted = [int(s) for s in stories]
            bad = sorted(set(wanted) - set(self.table["story_id"].astype(int)))
            if bad or not wanted:
                raise ValueError(f"stories must be a non-empty subset of 1-10, got {stories!r}")
            keep = self.table["story_id"].astype(int).isin(wanted)
            attrs = dict(self.table.attrs)
            self.table = self.table[keep].reset_index(drop=True)
            self.table.attrs.update(attrs, stories=wanted)
        self.stories = None if stories is None else tuple(int(s) for s in stories)
        if target not in self.table.columns:
            raise ValueError(f"unknown target column {target!r}; choose one of the table's columns "
                             f"({', '.join(c for c in self.table.columns if 'rt' in c)})")
        self.target_column = target
        self.data_checksum = f"sha1:{self.table.attrs.get('sha1', '')}"
        if ceiling == "recompute":
            self.ceiling = Ceiling(self.recompute_ceiling(), "recomputed (split-half, 10 splits, RandomState(0))")
        elif ceiling != "published":
            self.ceiling = Ceiling(float(ceiling), "given")

    @property
    def words(self) -> list[str]:
        """The 10,256 words in story order (as displayed to readers)."""
        return self.table["word"].astype(str).tolist()

    @property
    def targets(self) -> np.ndarray:
        """Mean reading time of every word (ms), shape [10256]."""
        return self.table[self.target_column].to_numpy(dtype=float)

    @property
    def mask(self) -> np.ndarray:
        """True for the scored words (not sentence-initial), shape [10256]."""
        return self.table["scored"].to_numpy() == 1

    def recompute_ceiling(self, *, n_splits: int = 10, random_state: int = 0) -> float:
        """Split-half ceiling from the per-subject assembly (downloaded with its sha1 if needed; see
        :func:`split_half_ceiling`).

        Raises
        ------
        DataNotFoundError
            The per-subject reading times are not available (offline and not in the data home).
        """
        rts = load_subject_rts(data_home=self.data_home)
        ceiling, _ = split_half_ceiling(rts.values, n_splits=n_splits, random_state=random_state)
        return ceiling

    def data_provenance(self) -> dict[str, Any]:
        """What identifies the human data of a result."""
        out = {"data_checksum": self.data_checksum, "data_source": self.table.attrs.get("source", ""),
               "target": self.target_column}
        if self.stories is not None:  # a subset is another quantity: its checksum says so (and the book skips it)
            out["stories"] = ",".join(map(str, self.stories))
            out["data_checksum"] += f";stories={out['stories']}"
        return out
