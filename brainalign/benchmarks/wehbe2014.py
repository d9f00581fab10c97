"""Wehbe2014: Harry Potter fMRI, the paper's own pipeline (App. C.1; awwkl/brain_language_summarization on top of
mtoneva/brain_language_nlp), not a Brain-Score benchmark.

Per layer and subject:

1. per-word activations (context growing within each run) → PCA to 10 dims, fit on the training folds' words;
2. mean over the words shown within each 2-s TR (TRs without words get zeros);
3. concatenation of the TRs t−1 … t−4 (within a run) → 40 features;
4. the first 20 and last 15 TRs of each run are dropped (as in the Toneva & Wehbe preprocessed release); features are
   z-scored over the kept TRs, the BOLD per run;
5. 4-fold CV, one fold per run; ``skip`` = 5 training TRs on each side of the test run are left out;
6. ridge without intercept, per-voxel lambda in 10^-6 … 10^9 by inner 10-fold ``1 − R²``
   (:func:`brainalign.encoding.ridge_cv.ridge_cv_predict`, himalaya's solver);
7. Pearson r per voxel on the test run, averaged over folds, then over language voxels, then over subjects.

Unknowns (paper.md D6): the context length per word, token pooling and the exact TR trimming the paper used; its
language-voxel mask (Toneva & Wehbe's ``HP_subj_roi_inds.npy``) is replaced by AAL language regions
(:data:`brainalign.data.wehbe2014.LANGUAGE_ROIS`). The ceiling 0.104 is the paper's (Table 6); its procedure is unknown.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import xarray as xr
from sklearn.decomposition import PCA

from .._docs import fill_doc
from ..data.wehbe2014 import SUBJECTS, TR_SECONDS, WehbeSubject, load_wehbe2014
from ..encoding.correlation import pearson_r
from ..scores.result import BenchmarkResult
from . import register_benchmark
from ._neural import layer_features
from .base import Benchmark, Ceiling, Stimuli, layer_provenance

#: The pipeline's lambda grid, 10^-6 ... 10^9.
WEHBE_ALPHAS = tuple(10.0 ** np.arange(-6, 10))


def word_tr_index(word_onsets: np.ndarray, tr_times: np.ndarray, tr_seconds: float = TR_SECONDS) -> np.ndarray:
    """TR of every word (-1 when shown outside any TR): onset in ``[tr_time, tr_time + TR)``.

    Returns
    -------
    ndarray of int, shape [n_words]
    """
    idx = np.searchsorted(tr_times, word_onsets, side="right") - 1
    ok = (idx >= 0) & (word_onsets < tr_times[np.clip(idx, 0, None)] + tr_seconds)
    return np.where(ok, idx, -1)


def tr_features(word_feats: np.ndarray, word_tr: np.ndarray, runs: np.ndarray, n_delays: int = 4) -> np.ndarray:
    """Average word features within TRs and stack delayed copies (t−1 … t−n_delays, zero-padded within each run).

    Parameters
    ----------
    word_feats : ndarray, shape [n_words, k]
    word_tr : ndarray of int, shape [n_words]
    runs : ndarray, shape [n_TRs]
    n_delays : int

    Returns
    -------
    ndarray, shape [n_TRs, k * n_delays]
    """
    n_tr, k = len(runs), word_feats.shape[1]
    sums = np.zeros((n_tr, k))
    counts = np.zeros(n_tr)
    ok = word_tr >= 0
    np.add.at(sums, word_tr[ok], word_feats[ok])
    np.add.at(counts, word_tr[ok], 1)
    avg = sums / np.maximum(counts, 1)[:, None]
    out = np.zeros((n_tr, k * n_delays))
    for d in range(1, n_delays + 1):
        shifted = np.zeros_like(avg)
        shifted[d:] = avg[:-d]
        same_run = np.zeros(n_tr, bool)
        same_run[d:] = runs[d:] == runs[:-d]
        out[:, (d - 1) * k:d * k] = shifted * same_run[:, None]
    return out


def kept_trs(runs: np.ndarray, trim: tuple[int, int] = (20, 15)) -> np.ndarray:
    """Boolean [n_TRs]: TRs left after dropping ``trim[0]`` at the start and ``trim[1]`` at the end of every run."""
    keep = np.zeros(len(runs), bool)
    for r in np.unique(runs):
        idx = np.flatnonzero(runs == r)
        keep[idx[trim[0]:len(idx) - trim[1]]] = True
    return keep


def _zscore(a: np.ndarray) -> np.ndarray:
    sd = a.std(0)
    return (a - a.mean(0)) / np.where(sd > 0, sd, 1.0)


@register_benchmark
@fill_doc
class Wehbe2014(Benchmark):
    """The Wehbe2014 benchmark (paper App. C.1 pipeline).

    Parameters
    ----------
    %(data_home)s
    subjects : tuple of int
        CMU subject numbers (1-8).
    data : list of WehbeSubject, optional
        Use these instead of loading the CMU files.
    n_components, n_delays, trim, skip, alphas, inner_folds
        Pipeline settings (defaults as in the paper's code).
    %(device)s
    %(extraction_kwargs)s
    protocol : {"brainalign", "paper"}
        Recorded in the result. Wehbe2014 is the authors' own pipeline (not Brain-Score's) in both protocols; the
        paper protocol only loads float32 weights (``brainalign reproduce``).
    """

    name = "Wehbe2014"
    description = "fMRI, Harry Potter ch. 9, PCA + TR averaging + delays + ridge, 4-fold CV by run"
    label = "Wehbe2014 brain alignment (r)"
    datasets = ("wehbe2014",)
    protocols = ("brainalign", "paper")  # the authors' own pipeline either way; the paper protocol loads fp32 weights
    published_ceiling = Ceiling(0.104, "the paper's Table 6 (Aw et al. 2024), computed by its authors \"using a "
                                       "similar procedure\" to Brain-Score's; the procedure is not published")

    def __init__(self, *, data_home: str | os.PathLike | None = None, subjects: tuple[int, ...] = SUBJECTS,
                 data: list[WehbeSubject] | None = None, n_components: int = 10, n_delays: int = 4,
                 trim: tuple[int, int] = (20, 15), skip: int = 5, alphas: tuple[float, ...] = WEHBE_ALPHAS,
                 inner_folds: int = 10, device: Any = "auto",
                 extraction_kwargs: dict[str, Any] | None = None, protocol: str | None = None) -> None:
        super().__init__(extraction_kwargs=extraction_kwargs, protocol=protocol)
        self.subjects = load_wehbe2014(subjects, data_home=data_home) if data is None else list(data)
        if not self.subjects:
            raise ValueError("no subjects")
        ref = self.subjects[0]
        for s in self.subjects[1:]:
            if not (np.array_equal(s.tr_times, ref.tr_times) and np.array_equal(s.runs, ref.runs)):
                raise ValueError("subjects have different TR timings; score them separately")
        self.settings = dict(n_components=n_components, n_delays=n_delays, trim=tuple(trim), skip=skip,
                             alphas=tuple(alphas), inner_folds=inner_folds)
        self.device = device
        self.word_tr = word_tr_index(ref.word_onsets, ref.tr_times)
        self.keep = kept_trs(ref.runs, self.settings["trim"])
        self._check_runs()

    def _check_runs(self) -> None:
        """Every fold must test on at least 2 TRs and train on at least ``inner_folds`` (the inner CV's folds)."""
        st = self.settings
        runs = self.subjects[0].runs
        ids, counts = np.unique(runs, return_counts=True)
        if len(ids) < 2:
            raise ValueError(f"Wehbe2014 has one fold per run and needs at least 2 runs; the data have {len(ids)}")
        kept = {int(r): int((self.keep & (runs == r)).sum()) for r in ids}
        lengths = ", ".join(f"run {int(r)}: {int(c)} TRs, {kept[int(r)]} kept" for r, c in zip(ids, counts))
        for r in ids:
            train, test = self._fold(r) if kept[int(r)] else (np.array([], int), np.array([], int))
            if len(test) < 2 or len(train) < st["inner_folds"]:
                raise ValueError(
                    f"Wehbe2014: the runs are too short for trim={st['trim']}, skip={st['skip']} and "
                    f"inner_folds={st['inner_folds']} ({lengths}): the fold of run {int(r)} tests on {len(test)} TRs "
                    f"(at least 2 needed) and trains on {len(train)} (at least inner_folds={st['inner_folds']}). Use "
                    f"smaller trim, skip or inner_folds, or longer runs")

    @property
    def stimuli(self) -> Stimuli:
        """``passages`` (the words of each run; words outside any TR form a passage of their own run's neighbour)
        and ``item_ids`` (``"w0000"`` …)."""
        ref = self.subjects[0]
        word_run = np.where(self.word_tr >= 0, ref.runs[np.clip(self.word_tr, 0, None)], -1)
        # words outside any TR (none in the real data) join the preceding word's run
        for i in range(len(word_run)):
            if word_run[i] < 0:
                word_run[i] = word_run[i - 1] if i else ref.runs[0]
        passages, ids = [], []
        for r in dict.fromkeys(word_run.tolist()):
            idx = np.flatnonzero(word_run == r)
            passages.append([str(w) for w in ref.words[idx]])
            ids.extend(f"w{i:04d}" for i in idx)
        return Stimuli(passages, ids)

    def folds(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(train, test) TR positions: one fold per run, over kept TRs, minus ``skip`` training TRs at the borders."""
        return [self._fold(r) for r in np.unique(self.subjects[0].runs)]

    def _fold(self, run: Any) -> tuple[np.ndarray, np.ndarray]:
        ref = self.subjects[0]
        kept = np.flatnonzero(self.keep)
        skip = self.settings["skip"]
        test_pos = np.flatnonzero(ref.runs[kept] == run)
        lo, hi = test_pos.min(), test_pos.max()
        train_pos = np.setdiff1d(np.arange(len(kept)), np.arange(max(lo - skip, 0), min(hi + skip + 1, len(kept))))
        return kept[train_pos], kept[test_pos]

    def layer_subject_scores(self, word_feats: np.ndarray) -> dict[int, float]:
        """Mean r over language voxels per subject, for one layer's per-word features [n_words, d]."""
        from ..encoding.ridge_cv import ridge_cv_predict  # himalaya: imported when scoring, not when listing

        st = self.settings
        ref = self.subjects[0]
        folds = self.folds()
        fold_feats = []
        for train, _ in folds:
            train_words = np.isin(self.word_tr, train)
            pca = PCA(n_components=min(st["n_components"], word_feats.shape[1], int(train_words.sum())))
            pca.fit(word_feats[train_words])
            feats = tr_features(pca.transform(word_feats), self.word_tr, ref.runs, st["n_delays"])
            z = np.zeros_like(feats)
            z[self.keep] = _zscore(feats[self.keep])
            fold_feats.append(z)
        out = {}
        for subj in self.subjects:
            mask = subj.language_mask()
            if not mask.any():
                raise ValueError(f"subject {subj.subject} has no voxels in the language ROIs")
            Y = np.zeros((len(subj.runs), int(mask.sum())))
            for r in np.unique(subj.runs):
                rows = np.flatnonzero(self.keep & (subj.runs == r))
                Y[rows] = _zscore(subj.data[rows][:, mask])
            rs = []
            for (train, test), X in zip(folds, fold_feats):
                pred, _ = ridge_cv_predict(X[train], Y[train], X[test], alphas=st["alphas"], cv=st["inner_folds"],
                                           fit_intercept=False, device=self.device)
                rs.append(pearson_r(pred, Y[test]))
            per_voxel = np.nanmean(np.stack(rs), axis=0)
            out[subj.subject] = float(np.nanmean(per_voxel))
        return out

    def score_activations(self, acts: xr.DataArray, model_name: str) -> BenchmarkResult:
        """Score precomputed per-word activations (dims layer × item × unit, items ``"w0000"`` …)."""
        item_ids = self.stimuli.item_ids
        feats = layer_features(acts, item_ids)
        order = np.argsort([int(i[1:]) for i in item_ids])
        per_layer, per_subject = {}, {}
        for layer, X in feats.items():
            X = X[order]  # back to word order
            subj_scores = self.layer_subject_scores(X)
            per_subject[layer] = subj_scores
            per_layer[layer] = float(np.mean(list(subj_scores.values())))
        details = {"per_subject": per_subject, "settings": {k: list(v) if isinstance(v, tuple) else v
                                                            for k, v in self.settings.items()},
                   "language_rois": "AAL approximation (brainalign.data.wehbe2014.LANGUAGE_ROIS)"}
        return self.result(model_name, per_layer, details=details,
                           provenance=layer_provenance(acts, [s.sha1 for s in self.subjects]))
