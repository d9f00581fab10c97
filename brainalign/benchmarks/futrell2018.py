"""Futrell2018: behavioral alignment on Natural Stories self-paced reading times.

``Futrell2018`` (the paper's benchmark, Brain-Score's ``Futrell2018-pearsonr``; data-sources.md):

- model side: per-word surprisal in bits, summed over the word's subword tokens, with the context accumulating over all
  10 stories in order (:func:`brainalign.surprisal.word_surprisal`);
- target: per-word mean reading time over subjects (``mean_rt_2016``, Brain-Score's ``data.mean('subject')``);
- words that start a sentence are excluded (9,775 of 10,256 words are scored);
- raw score: ``|Pearson r|`` (Brain-Score takes the absolute value), no fitting;
- ceiling: 0.858, Brain-Score's split-half consistency (published; :func:`split_half_ceiling` recomputes it when the
  per-subject assembly is available, ``ceiling="recompute"``); normalized = raw / ceiling clipped to [0, 1].

``Futrell2018-encoding`` (layer-wise, not in the paper): each story is a passage and each word an item of
:func:`brainalign.extraction.extract_activations` (the context grows within a story, as Brain-Score presents stories),
and the scored words' reading times are regressed on each layer's activations with cross-validated ridge, leave one
story out (:mod:`brainalign.behavior_encoding`); raw score per layer = Pearson r of the held-out predictions within
each held-out story, averaged over the 10 folds; normalized by the same ceiling (which was estimated for the
correlation over the whole corpus, so the normalized encoding score is indicative only).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..results import BenchmarkResult

PUBLISHED_CEILING = 0.858


def split_half_ceiling(rts: np.ndarray, *, n_splits: int = 10, random_state: int = 0) -> tuple[float, np.ndarray]:
    """Brain-Score's split-half consistency of per-subject reading times.

    Ten times (``numpy.random.RandomState(random_state)``): draw half of the subjects without replacement, average the
    reading times of each half over its subjects (ignoring missing values), take |Pearson r| between the two halves
    over all words, apply the Spearman-Brown correction ``2r / (1 + r)``; the ceiling is the median over splits.

    Parameters
    ----------
    rts : ndarray, shape [n_words, n_subjects]
        Reading times, NaN where a subject did not read a word.
    n_splits : int
    random_state : int

    Returns
    -------
    ceiling : float
    per_split : ndarray, shape [n_splits]
        Spearman-Brown corrected consistency of each split.
    """
    rts = np.asarray(rts, dtype=float)
    if rts.ndim != 2 or rts.shape[1] < 2:
        raise ValueError(f"rts must be [n_words, n_subjects >= 2], got shape {rts.shape}")
    rng = np.random.RandomState(random_state)
    n_subj = rts.shape[1]
    out = []
    for _ in range(n_splits):
        half = rng.choice(n_subj, n_subj // 2, replace=False)
        other = np.setdiff1d(np.arange(n_subj), half)
        with np.errstate(all="ignore"):
            a, b = np.nanmean(rts[:, half], 1), np.nanmean(rts[:, other], 1)
        ok = np.isfinite(a) & np.isfinite(b)
        r = abs(float(np.corrcoef(a[ok], b[ok])[0, 1]))
        out.append(2 * r / (1 + r))
    per_split = np.array(out)
    return float(np.median(per_split)), per_split


class _Futrell2018Base:
    """Data loading and ceiling shared by both Futrell2018 benchmarks."""

    name = "Futrell2018"
    datasets = ("naturalstories",)

    def __init__(self, data_home: str | os.PathLike | None = None, *, ceiling: str | float = "published",
                 target: str = "mean_rt_2016") -> None:
        from ..data.naturalstories import load_targets

        self.data_home = data_home
        self.table = load_targets(data_home)
        if target not in self.table.columns:
            raise ValueError(f"unknown target column {target!r}; choose one of the table's columns "
                             f"({', '.join(c for c in self.table.columns if 'rt' in c)})")
        self.target_column = target
        self.data_checksum = f"sha1:{self.table.attrs.get('sha1', '')}"
        if ceiling == "published":
            self.ceiling = PUBLISHED_CEILING
            self.ceiling_source = "published (Brain-Score / paper Table 10)"
        elif ceiling == "recompute":
            self.ceiling = self.recompute_ceiling()
            self.ceiling_source = "recomputed (split-half, 10 splits, RandomState(0))"
        else:
            self.ceiling = float(ceiling)
            self.ceiling_source = "given"

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
        from ..data.naturalstories import load_subject_rts

        rts = load_subject_rts(self.data_home)
        ceiling, _ = split_half_ceiling(rts.values, n_splits=n_splits, random_state=random_state)
        return ceiling

    def _provenance(self, model: Any = None) -> dict[str, Any]:
        prov = {"data_checksum": self.data_checksum, "data_source": self.table.attrs.get("source", ""),
                "ceiling_source": self.ceiling_source, "target": self.target_column}
        if model is not None:
            prov.update(model_id=getattr(model, "model_id", ""), model_revision=getattr(model, "revision", ""))
        return prov


class Futrell2018(_Futrell2018Base):
    """Behavioral alignment: |Pearson r| between per-word surprisal and mean reading time (see the module docstring).

    Parameters
    ----------
    data_home : path-like, optional
        Where the Natural Stories files are (default ``$BRAINALIGN_DATA`` / user cache).
    ceiling : "published", "recompute" or float
        0.858 (default), a fresh split-half estimate (needs the per-subject assembly), or a given value.
    target : str
        Target column of the word table (``"mean_rt_2016"``, Brain-Score's; ``"mean_rt_2021"`` with the local table).
    surprisal_kwargs : dict, optional
        Passed to :func:`brainalign.surprisal.word_surprisal` (``max_context``, ``stride``, ``t5_method``, ...).
    """

    name = "Futrell2018"

    def __init__(self, data_home: str | os.PathLike | None = None, *, ceiling: str | float = "published",
                 target: str = "mean_rt_2016", surprisal_kwargs: dict[str, Any] | None = None) -> None:
        super().__init__(data_home, ceiling=ceiling, target=target)
        self.surprisal_kwargs = dict(surprisal_kwargs or {})

    def score(self, model: Any, *, progress: bool = True) -> BenchmarkResult:
        """Surprisal of every word of the corpus (one context over all stories), then :meth:`score_predictions`.

        Parameters
        ----------
        model : LanguageModel
        progress : bool

        Returns
        -------
        BenchmarkResult
            ``raw`` = |r|; ``details``: ``r`` (signed), ``n_words``, ``surprisal`` [10256], ``seconds``.
        """
        from ..surprisal import word_surprisal

        t0 = time.perf_counter()
        surprisal = word_surprisal(model, self.words, progress=progress, **self.surprisal_kwargs)
        seconds = time.perf_counter() - t0
        result = self.score_predictions(surprisal, model_name=model.name, _model=model)
        result.details["seconds"] = seconds
        result.details["surprisal_kwargs"] = dict(self.surprisal_kwargs)
        return result

    def score_predictions(self, values: Sequence[float] | np.ndarray, model_name: str = "predictions",
                          _model: Any = None) -> BenchmarkResult:
        """Score per-word predictions directly.

        Parameters
        ----------
        values : array-like, shape [10256]
            One value per word of the corpus, in story order (e.g. surprisal). Values of sentence-initial words are
            ignored (and may be NaN); every scored word needs a finite value.
        model_name : str
            Name recorded in the result.

        Returns
        -------
        BenchmarkResult
            ``raw`` = |Pearson r| over the 9,775 scored words; ``normalized`` = raw / ceiling, clipped.

        Raises
        ------
        ValueError
            Wrong length, or NaN/inf on scored words.
        """
        from scipy.stats import pearsonr

        v = np.asarray(values, dtype=float)
        n = len(self.table)
        if v.ndim != 1 or len(v) != n:
            raise ValueError(f"Futrell2018 needs one value per word of the corpus, {n} values in story order; got "
                             f"shape {v.shape}")
        mask = self.mask
        bad = np.nonzero(mask & ~np.isfinite(v))[0]
        if len(bad):
            raise ValueError(f"{len(bad)} scored words have NaN/inf predictions (first at word indices "
                             f"{bad[:5].tolist()}, e.g. {self.table['word'].iloc[bad[0]]!r}); only sentence-initial "
                             f"words may be NaN")
        r = float(pearsonr(v[mask], self.targets[mask]).statistic)
        return BenchmarkResult.from_score(
            self.name, model_name, abs(r), self.ceiling,
            details={"r": r, "n_words": int(mask.sum()), "surprisal": v},
            provenance=self._provenance(_model))


class Futrell2018Encoding(_Futrell2018Base):
    """Layer-wise: cross-validated ridge of reading times on each layer's word activations (module docstring).

    Parameters
    ----------
    data_home : path-like, optional
    ceiling : "published", "recompute" or float
    target : str
    n_splits : int, optional
        GroupKFold folds over stories (default 10 = leave one story out).
    relative_alphas : array-like, optional
        Ridge penalty grid (see :mod:`brainalign.behavior_encoding`).
    extraction_kwargs : dict, optional
        Passed to :func:`brainalign.extraction.extract_activations` (``batch_size``, ``window_stride``, ``cache``).
    """

    name = "Futrell2018-encoding"

    def __init__(self, data_home: str | os.PathLike | None = None, *, ceiling: str | float = "published",
                 target: str = "mean_rt_2016", n_splits: int | None = None, relative_alphas: Any = None,
                 extraction_kwargs: dict[str, Any] | None = None) -> None:
        super().__init__(data_home, ceiling=ceiling, target=target)
        from ..behavior_encoding import DEFAULT_RELATIVE_ALPHAS

        self.n_splits = n_splits
        self.relative_alphas = np.asarray(DEFAULT_RELATIVE_ALPHAS if relative_alphas is None else relative_alphas)
        self.extraction_kwargs = dict(extraction_kwargs or {})

    @property
    def stimuli(self) -> tuple[list[list[str]], list[int]]:
        """``(passages, item_ids)``: one passage per story (its words), item ids = ``stimulus_id``."""
        t = self.table
        passages = [g["word"].astype(str).tolist() for _, g in t.groupby("story_id", sort=True)]
        ids = t.sort_values(["story_id", "word_id"])["stimulus_id"].astype(int).tolist()
        return passages, ids

    def score(self, model: Any, *, progress: bool = True) -> BenchmarkResult:
        """Extract word activations (one passage per story) and :meth:`score_activations`."""
        from ..extraction import extract_activations

        passages, ids = self.stimuli
        kwargs = {"progress": progress, **self.extraction_kwargs}
        t0 = time.perf_counter()
        acts = extract_activations(model, passages, item_ids=ids, **kwargs)
        seconds = time.perf_counter() - t0
        result = self.score_activations(acts, model.name, _model=model)
        result.details["extraction_seconds"] = seconds
        return result

    def score_activations(self, acts: Any, model_name: str, _model: Any = None) -> BenchmarkResult:
        """Score activations ``[layer, item, unit]`` whose ``item`` coordinate holds the words' ``stimulus_id``.

        Returns
        -------
        BenchmarkResult
            Layer-wise; ``raw`` = best layer's r; ``details``: ``fold_r`` and ``alphas`` per layer, ``seconds``.
        """
        from ..behavior_encoding import cross_validated_ridge

        t = self.table
        if set(acts.dims) != {"layer", "item", "unit"}:
            raise ValueError(f"activations must have dims (layer, item, unit); got {acts.dims}")
        wanted = t["stimulus_id"].to_numpy()[self.mask]
        items = np.asarray(acts["item"].values)
        pos = {int(v): k for k, v in enumerate(items)}
        missing = [s for s in wanted[:50] if int(s) not in pos]
        if missing or len(pos) < len(wanted):
            raise ValueError(f"the activations lack scored words (item ids = stimulus_id 1..{len(t)}); first missing: "
                             f"{missing[:5]}")
        idx = np.array([pos[int(s)] for s in wanted])
        y = self.targets[self.mask]
        groups = t["story_id"].to_numpy()[self.mask]
        t0 = time.perf_counter()
        scores, fold_r, alphas = {}, {}, {}
        values = acts.transpose("layer", "item", "unit").values
        for k, layer in enumerate(acts["layer"].values):
            res = cross_validated_ridge(values[k][idx], y, groups, n_splits=self.n_splits,
                                        relative_alphas=self.relative_alphas)
            scores[str(layer)], fold_r[str(layer)], alphas[str(layer)] = res.r, res.fold_r, res.alphas
        prov = self._provenance(_model)
        if _model is None:
            prov.update(model_id=acts.attrs.get("model_id", ""), model_revision=acts.attrs.get("model_revision", ""))
        return BenchmarkResult.from_layer_scores(
            self.name, model_name, scores, self.ceiling,
            details={"fold_r": fold_r, "alphas": alphas, "n_words": int(len(y)),
                     "seconds": time.perf_counter() - t0},
            provenance=prov)
