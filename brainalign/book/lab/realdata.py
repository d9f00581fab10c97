"""The tutorial's real-data steps: Natural Stories reading times, a real model's layers, and the page set-up.

Every function here is what a cell of the lab calls; none hides a result the lab asks students to compute.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ...activations import extract_activations
from ...benchmarks import benchmark_class
from ...benchmarks.base import Ceiling
from ...data import naturalstories
from ...figures import set_style

__all__ = ["StoryLayers", "futrell2018_ceiling", "load_reading_times", "setup_lab", "story_layers", "story_words"]


def setup_lab(threads: int = 1, progress: bool = False) -> None:
    """Prepare the kernel for the lab: CPU threads, no progress bars unless asked, the book's figure style.

    Parameters
    ----------
    threads : int
        CPU threads for torch and for the BLAS under numpy and scipy (scikit-learn's least squares); 0 means all
        cores. One is the default: on a laptop that also runs a browser, or a shared 2-core Colab runtime, a second
        BLAS thread that waits for a busy core slows least squares down many times (on this project's 2-core
        machine under load, the lab's real layer profile took 11-14 s with one BLAS thread and 120-150 s with two).
    progress : bool
        Show progress bars (model conversion, extraction).
    """
    import torch  # the real-data sections need it; importing it here keeps `import brainalign.book.tutorial` light

    if not progress:
        from transformers.utils import logging as hf_logging  # as torch

        hf_logging.disable_progress_bar()
    n = threads or os.cpu_count() or 1
    torch.set_num_threads(n)
    threadpool_limits(limits=n, user_api="blas")
    set_style()


def load_reading_times(data_home: str | os.PathLike | None = None) -> pd.DataFrame:
    """The Natural Stories word table (10,256 words) from the corpus' official files, checksums verified.

    :func:`brainalign.data.naturalstories.load_targets` with ``source="github"``: ``all_stories.tok`` and the 2016
    ``processed_wordinfo.tsv`` of languageMIT/naturalstories at pinned commits, each checked against its sha1. A
    file already in the data home (a course mirror, this project's ``../shared/data``) is verified and used; a
    missing one is downloaded (Colab, a laptop with internet). The same call serves the book, the lab and the
    pre-lab check.

    Parameters
    ----------
    data_home : path-like, optional
        Overrides the data home (:func:`brainalign.paths.get_data_home`).

    Returns
    -------
    pandas.DataFrame
        One row per word, story order; columns of :data:`brainalign.data.naturalstories.TARGET_COLUMNS`.
    """
    return naturalstories.load_targets(data_home=data_home, source="github", progress=False)


def futrell2018_ceiling() -> Ceiling:
    """Brain-Score's published noise ceiling of Futrell2018 (split-half over the 180 readers, Spearman–Brown), with
    its source: the value the benchmark normalizes by."""
    return benchmark_class("Futrell2018").published_ceiling


def story_words(words: pd.DataFrame, story: int) -> pd.DataFrame:
    """The words of one story (1-10), re-indexed from 0."""
    stories = sorted(words["story_id"].unique())
    if story not in stories:
        raise ValueError(f"story must be one of {stories}, got {story!r}")
    return words[words["story_id"] == story].reset_index(drop=True)


@dataclass
class StoryLayers:
    """A model's layers on the scored words of one story.

    Attributes
    ----------
    features : dict of str -> ndarray, shape [n_scored_words, n_units]
        Activations of each kept layer at the last token of each word (word in the context of the story so far), as
        float64: least squares on float32 copies of rank-deficient layers (the embedding layer repeats a row for every
        repeated word) differs from the exact minimum-norm solution that :func:`brainalign.encoding.linear_predictivity`
        computes.
    reading_times : ndarray, shape [n_scored_words]
        Mean reading time of each scored word (ms): the regression target.
    depth : dict of str -> float
        Relative depth of each kept layer (0 = embeddings, 1 = last block).
    """

    features: dict[str, np.ndarray]
    reading_times: np.ndarray
    depth: dict[str, float]


def story_layers(model: Any, words: pd.DataFrame, *, every: int = 5, progress: bool = False) -> StoryLayers:
    """Every ``every``-th layer of ``model`` (and the last) on one story's words, restricted to the scored words.

    Parameters
    ----------
    model : LanguageModel
        From :func:`brainalign.load_model`.
    words : pandas.DataFrame
        One story (:func:`story_words`): columns ``word``, ``scored``, ``mean_rt_2016``.
    every : int
        Keep layers 0, every, 2 every, ... and the last one (fewer layers: faster on a laptop).
    progress : bool
        Show a progress bar.
    """
    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}")
    acts = extract_activations(model, [words["word"].tolist()], progress=progress, cache=False)  # [layer, item, unit]
    keep = np.flatnonzero(words["scored"].to_numpy() == 1)
    names = [str(name) for name in acts["layer"].values]
    kept = sorted(set(range(0, len(names), every)) | {len(names) - 1})
    features = {names[k]: acts.sel(layer=names[k]).values[keep].astype(np.float64) for k in kept}
    depth = {names[k]: k / (len(names) - 1) for k in kept}
    rt = words["mean_rt_2016"].to_numpy(dtype=float)[keep]
    return StoryLayers(features=features, reading_times=rt, depth=depth)

