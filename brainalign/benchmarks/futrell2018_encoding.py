"""Futrell2018-encoding: which layers carry reading-time information (layer-wise; not in the paper).

The corpus is read as Futrell2018 reads it (Brain-Score presents all 10,256 words as one text): every layer's hidden
state at each scored word's last token comes from the same forward as the surprisal of Futrell2018 and
Futrell2018-ppp (:func:`brainalign.activations.corpus_readout`, windows of ``max_context`` tokens, so each word sees
at least ``max_context - stride`` tokens of context). The scored words' reading times are regressed on each layer's
activations with cross-validated ridge, leave one story out (:mod:`brainalign.encoding.grouped_ridge`); raw score per
layer = Pearson r of the held-out predictions within each held-out story, averaged over the 10 folds; normalized by
Futrell2018's ceiling (which was estimated for the correlation over the whole corpus, so the normalized encoding score
is indicative only).

Memo: the layer scores are stored beside the cached activations, keyed on the activations' cache key, this
benchmark's options, the data checksum and a hash of the source of the code that computes them
(:mod:`brainalign.encoding.grouped_ridge`, this module), so a rerun on cached activations skips the ridge fits,
and any change to their inputs or code recomputes them.

Storage: the activations are cached as 8-bit codes per layer and unit (``storage="int8"``, a quarter of float32;
:mod:`brainalign.activations.cache`). On the four models of the live chapter this changes the layer scores by at
most a few 1e-4 against float32 (``perf/readout.py`` measures it); pass ``extraction_kwargs={"storage": "float32"}``
for exact storage.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .._docs import fill_doc
from ..activations.cache import ActivationCache, cache_key
from ..activations.readout import readout_key
from ..encoding import grouped_ridge
from ..encoding.grouped_ridge import DEFAULT_RELATIVE_ALPHAS, cross_validated_ridge
from ..scores.result import BenchmarkResult
from . import register_benchmark
from ._futrell import NaturalStoriesBenchmark
from .base import Stimuli, layer_provenance


@register_benchmark
@fill_doc
class Futrell2018Encoding(NaturalStoriesBenchmark):
    """Layer-wise: cross-validated ridge of reading times on each layer's word activations (module docstring).

    Parameters
    ----------
    %(data_home)s
    ceiling : "published", "recompute" or float
    target : str
    n_splits : int, optional
        GroupKFold folds over stories (default 10 = leave one story out).
    relative_alphas : array-like, optional
        Ridge penalty grid (see :mod:`brainalign.encoding.grouped_ridge`).
    extraction_kwargs : dict, optional
        Options of :func:`brainalign.activations.corpus_readout`: ``storage`` (default ``"int8"``), ``cache``,
        ``max_context``, ``stride``, ``chunk``, ``batch_size`` (the context options must equal Futrell2018's for
        the benchmarks to share one forward).
    protocol : {"brainalign"}
        Not one of the paper's benchmarks: the paper protocol is refused.
    """

    name = "Futrell2018-encoding"
    description = "layer-wise: cross-validated regression of reading times on each layer's word activations"
    label = "Reading times from activations, Futrell2018-encoding (r)"

    def __init__(self, *, data_home: str | os.PathLike | None = None, ceiling: str | float = "published",
                 target: str = "mean_rt_2016", n_splits: int | None = None, relative_alphas: Any = None,
                 extraction_kwargs: dict[str, Any] | None = None, protocol: str | None = None) -> None:
        super().__init__(data_home=data_home, ceiling=ceiling, target=target, extraction_kwargs=extraction_kwargs,
                         protocol=protocol)
        unknown = sorted(set(self.extraction_kwargs) - set(self.READOUT_OPTIONS) - {"t5_method"})
        if unknown:
            raise ValueError(f"unknown extraction_kwargs {unknown}; Futrell2018-encoding reads the corpus with "
                             f"corpus_readout, whose options are {list(self.READOUT_OPTIONS)}")
        self.n_splits = n_splits
        self.relative_alphas = np.asarray(DEFAULT_RELATIVE_ALPHAS if relative_alphas is None else relative_alphas)

    @property
    def stimuli(self) -> Stimuli:
        """The corpus as one passage (Brain-Score's presentation of Futrell2018), items = ``stimulus_id``."""
        return Stimuli([self.words], self.table["stimulus_id"].astype(int).tolist())

    def readout_options(self) -> dict[str, Any]:
        return {"storage": "int8", **self.extraction_kwargs}

    def readout_requests(self) -> list:
        return [self._request(surprisal=False, state_items=np.nonzero(self.mask)[0],
                              item_ids=self.table["stimulus_id"].astype(int).tolist())]

    def score(self, model: Any, *, batch_size: int | None = None, progress: bool = True) -> BenchmarkResult:
        """Every layer's states of the scored words from the shared corpus readout, then :meth:`score_activations`
        (parameters as :meth:`Benchmark.score`); the layer scores are memoized beside the states (module
        docstring). The result is layer-wise, with ``details["extraction_seconds"]`` (0 on a memo hit),
        ``details["memo"]``, ``details["storage"]`` and ``details["readout"]``."""
        items, ids = np.nonzero(self.mask)[0], self.table["stimulus_id"].astype(int).tolist()
        opts = self.readout_options()
        context = {k: opts[k] for k in ("max_context", "stride", "t5_method", "storage") if k in opts}
        cache = opts.get("cache", True)
        store = ActivationCache(None if cache is True else cache) if cache else None
        memo_key = cache_key({"derived_from": readout_key(model, self.words, state_items=items, item_ids=ids,
                                                          **context), "fingerprint": self._fingerprint()})
        t0 = time.perf_counter()
        memo = store.load_arrays(memo_key, mmap=False) if store is not None else None
        if memo is not None:
            result = self.finish(self._from_memo(memo[0], memo[1]["meta"], model.name), model)
            result.details.update(extraction_seconds=0.0, memo=True, seconds=time.perf_counter() - t0)
            return result
        readout = self.read(model, surprisal=False, state_items=items, item_ids=ids, batch_size=batch_size,
                            progress=progress)
        seconds = time.perf_counter() - t0
        result = self.finish(self.score_activations(readout.states, model.name), model)
        result.details.update(extraction_seconds=seconds, readout=dict(readout.info), memo=False,
                              storage=readout.states.attrs.get("storage", ""))
        if store is not None:
            d = result.details
            layers = list(d["fold_r"])
            store.save_arrays(memo_key, {"layer": np.array(layers), "score": result.layers["score"].to_numpy(),
                                         "fold_r": np.stack([d["fold_r"][k] for k in layers]),
                                         "alphas": np.stack([d["alphas"][k] for k in layers])},
                              {"kind": "scores", "benchmark": self.name},
                              meta={"n_words": d["n_words"], "storage": d["storage"], "provenance": result.provenance})
        return result

    def _fingerprint(self) -> dict[str, Any]:
        """What, besides the activations, decides the layer scores (the memo key)."""
        code = hashlib.sha256()
        for module in (grouped_ridge, sys.modules[__name__]):
            code.update(Path(inspect.getsourcefile(module) or "").read_bytes())
        return {"benchmark": self.name, "target": self.target_column, "data": self.data_checksum,
                "n_splits": self.n_splits, "alphas": [float(a) for a in self.relative_alphas],
                "code": code.hexdigest()}

    def _from_memo(self, arrays: dict[str, np.ndarray], meta: dict[str, Any], model_name: str) -> BenchmarkResult:
        layers = [str(x) for x in arrays["layer"]]
        return self.result(model_name, dict(zip(layers, arrays["score"].tolist())),
                           details={"fold_r": dict(zip(layers, arrays["fold_r"])),
                                    "alphas": dict(zip(layers, arrays["alphas"])), "n_words": meta["n_words"],
                                    "storage": meta["storage"]},
                           provenance=meta["provenance"])

    def score_activations(self, acts: xr.DataArray, model_name: str) -> BenchmarkResult:
        """Score activations ``[layer, item, unit]`` whose ``item`` coordinate holds the words' ``stimulus_id``.

        Returns
        -------
        BenchmarkResult
            Layer-wise; ``raw`` = best layer's r; ``details``: ``fold_r`` and ``alphas`` per layer, ``seconds``.
        """
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
        return self.result(model_name, scores,
                           details={"fold_r": fold_r, "alphas": alphas, "n_words": int(len(y)),
                                    "seconds": time.perf_counter() - t0},
                           provenance={**self.data_provenance(), **layer_provenance(acts, self.data_checksum)})
