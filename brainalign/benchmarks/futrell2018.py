"""Futrell2018: behavioral alignment on Natural Stories self-paced reading times (the paper's benchmark).

Brain-Score's ``Futrell2018-pearsonr`` (data-sources.md):

- model side: per-word surprisal in bits, summed over the word's subword tokens, with the context accumulating over all
  10 stories in order (:func:`brainalign.activations.word_surprisal`, computed by the shared, cached readout
  :func:`brainalign.activations.corpus_readout`, which gives the same numbers);
- target: per-word mean reading time over subjects (``mean_rt_2016``, Brain-Score's ``data.mean('subject')``);
- words that start a sentence are excluded (9,775 of 10,256 words are scored);
- raw score: ``|Pearson r|`` (Brain-Score takes the absolute value), no fitting;
- ceiling: 0.858, Brain-Score's split-half consistency (published; ``ceiling="recompute"`` recomputes it when the
  per-subject assembly is available); normalized = raw / ceiling clipped to [0, 1].
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import pearsonr

from .._docs import fill_doc
from ..scores.result import BenchmarkResult
from . import register_benchmark
from ._futrell import SurprisalBenchmark


@register_benchmark
@fill_doc
class Futrell2018(SurprisalBenchmark):
    """Behavioral alignment: |Pearson r| between per-word surprisal and mean reading time (see the module docstring).

    Parameters
    ----------
    %(data_home)s
    ceiling : "published", "recompute" or float
        0.858 (default), a fresh split-half estimate (needs the per-subject assembly), or a given value.
    target : str
        Target column of the word table (``"mean_rt_2016"``, Brain-Score's).
    surprisal_kwargs : dict, optional
        Options of the surprisal: in the brainalign protocol, of :func:`brainalign.activations.corpus_readout`
        (``max_context``, ``stride``, ``t5_method``, ``batch_size``, ``chunk``, ``cache``), whose surprisal is
        :func:`brainalign.activations.word_surprisal`'s; in the paper protocol, of ``word_surprisal`` itself, over
        the protocol's (``context="literal"``, ``t5_method="paper"``).
    %(protocol)s
    stories : sequence of int, optional
        Only these stories (quick runs, oracle tests); default all ten.
    """

    name = "Futrell2018"
    description = "behavioral alignment: per-word surprisal vs mean self-paced reading time (Natural Stories)"
    label = "Behavioral alignment, Futrell2018 (r)"
    protocols = ("brainalign", "paper")

    def __init__(self, *, data_home: str | os.PathLike | None = None, ceiling: str | float = "published",
                 target: str = "mean_rt_2016", surprisal_kwargs: dict[str, Any] | None = None,
                 protocol: str | None = None, stories: Any = None) -> None:
        super().__init__(data_home=data_home, ceiling=ceiling, target=target, protocol=protocol, stories=stories)
        self._set_surprisal_kwargs(surprisal_kwargs)

    @fill_doc
    def score_predictions(self, values: Sequence[float] | np.ndarray, model_name: str = "predictions"
                          ) -> BenchmarkResult:
        """Score per-word predictions directly.

        Parameters
        ----------
        values : array-like, shape [10256]
            One value per word of the corpus, in story order (e.g. surprisal). Values of sentence-initial words are
            ignored (and may be NaN); every scored word needs a finite value.
        %(model_name)s

        Returns
        -------
        BenchmarkResult
            ``raw`` = |Pearson r| over the 9,775 scored words; ``normalized`` = raw / ceiling, clipped.

        Raises
        ------
        ValueError
            Wrong length, or NaN/inf on scored words.
        """
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
        return self.result(model_name, abs(r), details={"r": r, "n_words": int(mask.sum()), "surprisal": v},
                           provenance=self.data_provenance())
