"""What the Futrell2018 benchmarks share: the Natural Stories word table, the target, the ceiling, and one readout.

Every benchmark here reads the corpus the same way (all 10,256 words as one text, in sliding windows of
``max_context`` tokens; :mod:`brainalign.activations.readout`), and declares what it reads
(:meth:`NaturalStoriesBenchmark.readout_requests`), so that the job loop computes per-word surprisal and every
layer's states for all of them in one forward per model.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from ..activations.readout import CorpusReadout, ReadoutRequest, corpus_readout
from ..activations.surprisal import word_surprisal
from ..activations.tokens import align_tokens, join_items
from ..data.naturalstories import load_gpt3_logprobs, load_subject_rts, load_targets
from ..encoding.split_half import split_half_consistency
from .base import Benchmark, Ceiling

#: Brain-Score's Futrell2018 ceiling (split-half consistency over subjects, 10 splits, Spearman-Brown, median).
PUBLISHED = Ceiling(0.858, "Brain-Score's Futrell2018 benchmark test (brain-score/language, "
                           "benchmarks/futrell2018/test.py); the paper's Table 10", "published with 3 digits only")


def gpt3_surprisal(table: Any = None, *, data_home: str | os.PathLike | None = None) -> np.ndarray:
    """Per-word surprisal (bits) of GPT-3 (davinci), from the log-probabilities shipped with the corpus.

    GPT-3 read each story as one text (its words joined by single spaces; no context across stories); each token is
    assigned to the word that holds its first non-space character (:func:`brainalign.activations.tokens.align_tokens`)
    and a word's surprisal is the sum over its tokens, as for the models scored here.

    Parameters
    ----------
    table : pandas.DataFrame, optional
        The word table (:func:`brainalign.data.naturalstories.load_targets`); loaded when omitted.
    data_home : path-like, optional
        Where the corpus files are.

    Returns
    -------
    ndarray, float64, shape [10256]
        NaN for the first word of each story (GPT-3 gives no probability for a text's first token).
    """
    t = load_targets(data_home=data_home) if table is None else table
    probs = load_gpt3_logprobs(data_home=data_home)
    out = np.full(len(t), np.nan)
    for story, rows in t.groupby("story_id", sort=True):
        text, spans = join_items(rows["word"].astype(str).tolist())
        toks = probs[probs["story_id"] == story]
        offsets = np.stack([toks["offset"].to_numpy(), toks["offset"].to_numpy() + toks["token"].str.len()], 1)
        if len(toks) == 0 or offsets[-1, 1] != len(text):
            raise ValueError(f"GPT-3 tokens of story {story} do not cover its text ({len(text)} characters)")
        word = align_tokens(text, spans, offsets, np.zeros(len(toks), dtype=bool))
        nats = -toks["logprob"].to_numpy()
        bits = np.zeros(len(rows))
        np.add.at(bits, word[word >= 0], nats[word >= 0] / np.log(2.0))  # NaN (a story's first token) propagates
        out[rows.index.to_numpy()] = bits
    return out


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

    #: Options of :func:`brainalign.activations.corpus_readout` a benchmark may pass (the context parameters decide
    #: which benchmarks share a forward).
    READOUT_OPTIONS = ("max_context", "stride", "t5_method", "batch_size", "chunk", "cache", "storage")

    def readout_options(self) -> dict[str, Any]:
        """Options of this benchmark's :func:`~brainalign.activations.corpus_readout` calls (subclasses override)."""
        return {}

    def readout_requests(self) -> list[ReadoutRequest]:
        """What :meth:`score` will read (the job loop hands these to :func:`brainalign.activations.readout_session`)."""
        return []

    def _request(self, *, surprisal: bool, state_items: Any = None, item_ids: Any = None) -> ReadoutRequest:
        opts = self.readout_options()
        return ReadoutRequest(words=tuple(self.words), surprisal=surprisal,
                              state_items=None if state_items is None else tuple(int(i) for i in state_items),
                              item_ids=None if item_ids is None else tuple(item_ids),
                              **{k: opts[k] for k in ("max_context", "stride", "t5_method", "storage", "cache")
                                 if k in opts})

    def read(self, model: Any, *, surprisal: bool = True, state_items: Any = None, item_ids: Any = None,
             batch_size: int | None = None, progress: bool = True) -> CorpusReadout:
        """:func:`~brainalign.activations.corpus_readout` of the corpus with this benchmark's options."""
        opts = self.readout_options()
        if batch_size is not None:
            opts["batch_size"] = batch_size
        return corpus_readout(model, self.words, surprisal=surprisal, state_items=state_items, item_ids=item_ids,
                              progress=progress, **opts)

    def data_provenance(self) -> dict[str, Any]:
        """What identifies the human data of a result."""
        out = {"data_checksum": self.data_checksum, "data_source": self.table.attrs.get("source", ""),
               "target": self.target_column}
        if self.stories is not None:  # a subset is another quantity: its checksum says so (and the book skips it)
            out["stories"] = ",".join(map(str, self.stories))
            out["data_checksum"] += f";stories={out['stories']}"
        return out


class SurprisalBenchmark(NaturalStoriesBenchmark):
    """A Natural Stories benchmark of per-word surprisal: it reads the corpus's surprisal with the shared readout and
    scores it with ``score_predictions`` (Futrell2018, Futrell2018-ppp).

    ``surprisal_kwargs`` (set by the subclass's constructor) are options of
    :func:`brainalign.activations.corpus_readout` (``max_context``, ``stride``, ``t5_method``, ``batch_size``,
    ``chunk``, ``cache``), over the protocol's. A protocol whose surprisal reads literal per-word contexts (the paper
    protocol: ``context="literal"``) computes it with :func:`brainalign.activations.word_surprisal` itself, outside
    the shared readout (its forwards are one per word, not the corpus's windows).
    """

    surprisal_kwargs: dict[str, Any]

    def _set_surprisal_kwargs(self, surprisal_kwargs: dict[str, Any] | None) -> None:
        self.surprisal_kwargs = dict(surprisal_kwargs or {})
        allowed = [o for o in self.READOUT_OPTIONS if o != "storage"]
        unknown = sorted(set(self.surprisal_kwargs) - set(allowed))
        if unknown:
            raise ValueError(f"unknown surprisal_kwargs {unknown}; choose from {allowed}")

    @property
    def literal_surprisal(self) -> bool:
        """True when the protocol reads one literal context per word (not the shared corpus readout)."""
        return self.protocol.surprisal.get("context") == "literal"

    def readout_options(self) -> dict[str, Any]:
        base = {k: v for k, v in self.protocol.surprisal.items() if k in self.READOUT_OPTIONS}
        return {**base, **self.surprisal_kwargs}

    def readout_requests(self) -> list[ReadoutRequest]:
        return [] if self.literal_surprisal else [self._request(surprisal=True)]

    def score_predictions(self, values: Any, model_name: str = "predictions") -> Any:
        """Score one value per word of the corpus (subclasses)."""
        raise NotImplementedError

    def score(self, model: Any, *, batch_size: int | None = None, progress: bool = True) -> Any:
        """Surprisal of every word of the corpus (one context over all stories, the shared cached readout; in the paper
        protocol one literal context per word), then ``score_predictions``. Parameters as :meth:`Benchmark.score`; ``batch_size`` matters only for T5's
        ``"paper"`` surprisal (causal models read the text in windows).

        Returns
        -------
        BenchmarkResult
            ``details`` also hold ``surprisal`` [10256], ``token_counts`` [10256] (the model's tokens per word),
            ``extraction_seconds`` (of the readout; ``seconds`` too when the benchmark sets none), ``readout``
            (context parameters, cache hits) and ``surprisal_kwargs``.
        """
        t0 = time.perf_counter()
        if self.literal_surprisal:
            surprisal, extra = self._literal_surprisal(model, batch_size=batch_size, progress=progress)
        else:
            readout = self.read(model, surprisal=True, batch_size=batch_size, progress=progress)
            surprisal, extra = readout.surprisal, {"token_counts": readout.token_counts, "readout": dict(readout.info),
                                                   "surprisal_kwargs": dict(self.surprisal_kwargs)}
        seconds = time.perf_counter() - t0
        result = self.finish(self.score_predictions(surprisal, model_name=model.name), model)
        result.details.setdefault("seconds", seconds)
        result.details.update(extraction_seconds=seconds, surprisal=surprisal, **extra)
        return result

    def _literal_surprisal(self, model: Any, *, batch_size: int | None, progress: bool) -> tuple[Any, dict[str, Any]]:
        """The paper protocol's surprisal: :func:`~brainalign.activations.word_surprisal` with the protocol's options
        (literal contexts), and the options it used."""
        kwargs = {**self.protocol.surprisal, **{k: v for k, v in self.surprisal_kwargs.items() if k != "cache"}}
        if batch_size is not None:
            kwargs["batch_size"] = batch_size
        surprisal = word_surprisal(model, self.words, progress=progress, **kwargs)
        return surprisal, {"surprisal_kwargs": {k: v for k, v in kwargs.items() if k != "batch_size"}}
