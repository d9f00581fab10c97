"""Futrell2018-ppp: psychometric predictive power of surprisal on Natural Stories reading times (not in the paper).

The paper's behavioral score (:mod:`brainalign.benchmarks.futrell2018`) is one correlation between a word's summed
surprisal and its mean reading time. Reading-time research asks instead how much surprisal adds to a regression of
reading times on what is known to drive them anyway (Goodkind & Bicknell 2018; Wilcox et al. 2020; Oh & Schuler 2023;
Kuribayashi, Oseki & Baldwin 2024, who measured the paper's instruction-tuning question this way):

- **target**: per-word mean self-paced reading time (ms; ``mean_rt_2016``, the Futrell2018 target, by default);
- **baseline** (OLS, with intercept): word length (characters, punctuation stripped), log unigram frequency (Google
  Books counts shipped with the corpus), position of the word in its story and in its sentence, and length and log
  frequency of the previous ``spillover`` words (default 2; self-paced reading shows spillover effects);
- **full model**: the baseline plus the predictor (surprisal, bits) of the word and of the same previous words;
- **score**: ``raw`` = ΔLL, the held-out log-likelihood gain per word (nats) when the predictor joins the baseline,
  leave one story out (:func:`brainalign.encoding.reading_times.delta_log_likelihood`); ``details`` also give ΔR²,
  bootstrap confidence intervals, per-story values, the in-sample ΔLL and the coefficients. There is no noise ceiling
  (``normalized`` is NaN);
- **exclusions**, as the literature does, each rule named in the result with the number of words it removed (rules
  apply in this order; a word counts for the first rule that removes it): ``sentence_initial`` and ``sentence_final``
  words (Brain-Score's sentence segmentation; wrap-up effects), ``story_start`` (the first ``spillover + 1`` words of a
  story, whose spillover would reach before the story), ``punctuation`` (words with attached punctuation; only with
  ``exclude_punctuation=True``), ``no_frequency`` (no Google Books count for the word or a spillover word), and
  ``extreme_rt`` (mean RT more than ``rt_sd`` standard deviations from the corpus mean).

``method="lmm"`` fits linear mixed models (a random intercept per subject) to the per-subject reading times of the
corpus's ``processed_RTs.tsv`` (2025 realignment; downloaded when the network allows, see
:func:`brainalign.data.naturalstories.load_processed_rts`) instead of OLS on the per-word means; ΔLL is then per
observation. Every result says which method it used (``details["method"]``, provenance ``ppp_method``).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._docs import fill_doc
from ..data.naturalstories import load_processed_rts, load_unigram_counts
from ..encoding.reading_times import delta_log_likelihood, mixed_delta_log_likelihood, spillover
from ..scores.result import BenchmarkResult
from . import register_benchmark
from ._futrell import SurprisalBenchmark
from .base import Ceiling

METHODS = ("ols", "lmm")
_ATTACHED_PUNCTUATION = re.compile(r"^[^0-9A-Za-z]|[^0-9A-Za-z]$")


@register_benchmark
@fill_doc
class Futrell2018PPP(SurprisalBenchmark):
    """Psychometric predictive power: held-out ΔLL of a reading-time regression when surprisal joins a baseline
    (see the module docstring).

    Parameters
    ----------
    %(data_home)s
    target : str
        Target column of the word table (``"mean_rt_2016"``, default, or ``"mean_rt_2021"``).
    spillover : int
        Previous words whose length, frequency (baseline) and predictor (full model) enter the regressions (1 or 2).
    exclude_punctuation : bool
        Also exclude words with attached punctuation.
    rt_sd : float
        Exclude words whose mean RT is more than this many standard deviations from the corpus mean.
    method : {"ols", "lmm"}
        OLS on per-word means, or linear mixed models on per-subject RTs (needs ``processed_RTs.tsv``).
    n_boot : int
        Bootstrap resamples for the confidence intervals.
    seed : int
        Seed of the bootstrap.
    surprisal_kwargs : dict, optional
        Options of :func:`brainalign.activations.corpus_readout`, as Futrell2018's (keep them equal to share its
        forward).
    """

    name = "Futrell2018-ppp"
    description = ("psychometric predictive power: held-out ΔLL per word of a reading-time regression when surprisal "
                   "joins a length/frequency/position baseline")
    label = "Futrell2018-ppp: ΔLL per word over the baseline (nats)"
    published_ceiling = Ceiling.none("ΔLL is a gain in log-likelihood over a baseline regression, not a correlation "
                                     "with a noise ceiling")

    def __init__(self, *, data_home: str | os.PathLike | None = None, target: str = "mean_rt_2016",
                 spillover: int = 2, exclude_punctuation: bool = False, rt_sd: float = 3.0, method: str = "ols",
                 n_boot: int = 1000, seed: int = 0, surprisal_kwargs: dict[str, Any] | None = None) -> None:
        super().__init__(data_home=data_home, target=target)
        self.ceiling = self.published_ceiling
        if spillover not in (1, 2):
            raise ValueError(f"spillover must be 1 or 2 previous words, got {spillover}")
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
        if not rt_sd > 0:
            raise ValueError(f"rt_sd must be positive, got {rt_sd}")
        self.n_spillover = int(spillover)
        self.exclude_punctuation = bool(exclude_punctuation)
        self.rt_sd = float(rt_sd)
        self.method = method
        self.n_boot = int(n_boot)
        self.seed = int(seed)
        self._set_surprisal_kwargs(surprisal_kwargs)
        counts = load_unigram_counts(data_home=data_home)
        self.frequency_checksum = f"sha1:{counts.attrs.get('sha1', '')}"
        merged = self.table[["story_id", "word_id"]].merge(counts, on=["story_id", "word_id"], how="left")
        self.counts = merged["count"].to_numpy(dtype=float)  # NaN: no count
        self.keep, self.exclusions = self._exclusions()

    # ------------------------------------------------------------------------------------------------ the design
    @property
    def lags(self) -> list[int]:
        """Spillover lags (1 = the previous word)."""
        return list(range(1, self.n_spillover + 1))

    def _exclusions(self) -> tuple[np.ndarray, dict[str, int]]:
        t = self.table
        stories = t["story_id"].to_numpy()
        ends = np.r_[t["sentence_id"].to_numpy()[1:] != t["sentence_id"].to_numpy()[:-1], True]
        has_count = np.isfinite(self.counts) & (self.counts > 0)
        spill_ok = np.isfinite(spillover(np.where(has_count, 1.0, np.nan), stories, self.lags)).all(1)
        rt = self.targets
        z = np.abs(rt - np.nanmean(rt)) / np.nanstd(rt)
        rules = [("sentence_initial", t["word_within_sentence_id"].to_numpy() == 1),
                 ("sentence_final", ends),
                 ("story_start", t["word_id"].to_numpy() <= self.n_spillover + 1)]
        if self.exclude_punctuation:
            rules.append(("punctuation", t["word"].astype(str).map(lambda w: bool(_ATTACHED_PUNCTUATION.search(w)))
                          .to_numpy()))
        rules += [("no_frequency", ~(has_count & spill_ok)), ("extreme_rt", ~(z <= self.rt_sd))]
        keep = np.ones(len(t), dtype=bool)
        counts: dict[str, int] = {}
        for name, out in rules:
            counts[name] = int((keep & out).sum())
            keep &= ~out
        counts["kept"] = int(keep.sum())
        return keep, counts

    def design(self, values: Sequence[float] | np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Predictors of the kept words: the baseline, and the full model's additions for ``values``.

        Parameters
        ----------
        values : array-like, shape [10256], optional
            One predictor value per word of the corpus (story order).

        Returns
        -------
        baseline : pandas.DataFrame
            ``length``, ``log_freq``, ``story_position``, ``sentence_position``, then ``length_prev<k>`` and
            ``log_freq_prev<k>`` for each spillover lag; one row per kept word.
        added : pandas.DataFrame
            ``predictor`` and ``predictor_prev<k>`` (empty when ``values`` is None).
        """
        t = self.table
        stories = t["story_id"].to_numpy()
        length = t["word_core"].astype(str).str.len().to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_freq = np.log(self.counts)
        base = {"length": length, "log_freq": log_freq, "story_position": t["word_id"].to_numpy(dtype=float),
                "sentence_position": t["word_within_sentence_id"].to_numpy(dtype=float)}
        for name, v in (("length", length), ("log_freq", log_freq)):
            for lag, col in zip(self.lags, spillover(v, stories, self.lags).T):
                base[f"{name}_prev{lag}"] = col
        baseline = pd.DataFrame(base)[self.keep].reset_index(drop=True)
        added = pd.DataFrame(index=baseline.index)
        if values is not None:
            v = self._check_values(values)
            cols = {"predictor": v}
            for lag, col in zip(self.lags, spillover(v, stories, self.lags).T):
                cols[f"predictor_prev{lag}"] = col
            added = pd.DataFrame(cols)[self.keep].reset_index(drop=True)
        return baseline, added

    def _check_values(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        n = len(self.table)
        if v.ndim != 1 or len(v) != n:
            raise ValueError(f"{self.name} needs one value per word of the corpus, {n} values in story order; got "
                             f"shape {v.shape}")
        stories = self.table["story_id"].to_numpy()
        used = self.keep.copy()
        for lag in self.lags:  # the spillover words of kept words are used too
            used[:-lag] |= self.keep[lag:] & (stories[lag:] == stories[:-lag])
        bad = np.nonzero(used & ~np.isfinite(v))[0]
        if len(bad):
            raise ValueError(f"{len(bad)} words used by the regressions have NaN/inf predictions (first at word index "
                             f"{bad[0]}, {self.table['word'].iloc[bad[0]]!r})")
        return v

    # ------------------------------------------------------------------------------------------------- scoring
    @fill_doc
    def score_predictions(self, values: Sequence[float] | np.ndarray, model_name: str = "predictions"
                          ) -> BenchmarkResult:
        """Score per-word predictions (e.g. surprisal in bits) by their psychometric predictive power: the held-out
        gain of the reading-time regression when they join the baseline (see the module docstring).

        Parameters
        ----------
        values : array-like, shape [10256]
            One value per word of the corpus, in story order. Values of excluded words that are not spillover words
            of a kept word are ignored (and may be NaN).
        %(model_name)s

        Returns
        -------
        BenchmarkResult
            ``raw`` = ΔLL (nats per word; per observation with ``method="lmm"``); ``details``: ``delta_ll_ci``,
            ``delta_r2`` and ``delta_r2_ci``, ``r2_baseline``, ``r2_full``, ``loglik_baseline``, ``loglik_full``,
            ``in_sample_delta_ll``, ``coefficients`` (the predictor's in ms per unit of ``values``),
            ``group_delta_ll`` (per story), ``exclusions`` (words removed per rule, and ``kept``), ``n_words``,
            ``method``, ``target``, ``baseline`` and ``added`` (predictor names), ``per_word_delta_ll``, ``seconds``.

        Raises
        ------
        ValueError
            Wrong length, or NaN/inf where the regressions need a value.
        """
        t0 = time.perf_counter()
        baseline, added = self.design(values)
        if self.method == "ols":
            y = self.targets[self.keep]
            groups = self.table["story_id"].to_numpy()[self.keep]
            fit = delta_log_likelihood(y, baseline, added, groups, n_boot=self.n_boot, seed=self.seed)
            n_obs = fit.n
            checksum = f"{self.data_checksum},{self.frequency_checksum}"
        else:
            fit, n_obs, rts_checksum = self._mixed(baseline, added)
            checksum = f"{self.data_checksum},{self.frequency_checksum},{rts_checksum}"
        details = {**fit.summary(), "exclusions": dict(self.exclusions), "n_words": int(self.keep.sum()),
                   "n_observations": int(n_obs), "target": self.target_column if self.method == "ols" else "rt",
                   "baseline": list(baseline.columns), "added": list(added.columns),
                   "per_word_delta_ll": fit.per_observation if self.method == "ols" else None,
                   "seconds": time.perf_counter() - t0}
        provenance = {**self.data_provenance(), "data_checksum": checksum,
                      "ppp_method": self.method,
                      "exclusions": ", ".join(f"{k}={v}" for k, v in self.exclusions.items())}
        return self.result(model_name, fit.delta_ll, details=details, provenance=provenance)

    def _mixed(self, baseline: pd.DataFrame, added: pd.DataFrame) -> tuple[Any, int, str]:
        """Mixed models on per-subject RTs of the kept words (random intercept per subject)."""
        rts = load_processed_rts(data_home=self.data_home)
        words = self.table.loc[self.keep, ["story_id", "word_id", "stimulus_id"]].reset_index(drop=True)
        per_word = pd.concat([words, baseline, added], axis=1)
        data = rts.merge(per_word, on=["story_id", "word_id"], how="inner")
        fit = mixed_delta_log_likelihood(data, "rt", list(baseline.columns), list(added.columns), subject="subject",
                                         group="story_id", cluster="stimulus_id", n_boot=self.n_boot, seed=self.seed)
        return fit, len(data), str(rts.attrs.get("checksum", ""))
