"""Wehbe2014: the CMU .mat loader and the paper's pipeline on format-faithful fixtures."""

from __future__ import annotations

import numpy as np
import pytest

from brainalign.benchmarks import load_benchmark
from brainalign.benchmarks.wehbe2014 import kept_trs, tr_features, word_tr_index
from brainalign.data.wehbe2014 import read_subject_mat
from fixtures_neural import activations_from, wehbe_fixture, write_wehbe_subject


@pytest.fixture(scope="module")
def wehbe_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("wehbe")
    fx = wehbe_fixture()
    for s in (1, 2):
        write_wehbe_subject(home / "wehbe2014" / f"subject_{s}.mat", fx, s)
    return home, fx


def test_read_cmu_mat(wehbe_home):
    home, fx = wehbe_home
    subj = read_subject_mat(home / "wehbe2014" / "subject_1.mat")
    assert subj.subject == 1 and subj.data.shape == (160, 9)
    assert list(subj.words) == list(fx["words"])
    np.testing.assert_allclose(subj.word_onsets, fx["onsets"])
    np.testing.assert_array_equal(subj.runs, fx["runs"])
    assert list(subj.roi_names[:3]) == ["Frontal_Inf_Tri_L", "Temporal_Sup_L", "Temporal_Mid_R"]
    assert subj.roi_names[-1] == ""  # ROI 0 = not labelled
    assert subj.language_mask().sum() == 6
    assert len(subj.sha1) == 40


def test_tr_helpers():
    tr_times = np.arange(6) * 2.0
    runs = np.array([1, 1, 1, 2, 2, 2])
    onsets = np.array([0.0, 0.5, 1.9, 2.0, 6.1, 20.0])
    idx = word_tr_index(onsets, tr_times)
    np.testing.assert_array_equal(idx, [0, 0, 0, 1, 3, -1])
    feats = tr_features(np.arange(6.0)[:, None], idx, runs, n_delays=2)
    # TR averages: [1, 3, 0, 4, 0, 0]; delay 1 of TR1 = TR0, delay 1 of TR3 = 0 (new run)
    np.testing.assert_allclose(feats[:, 0], [0, 1, 3, 0, 4, 0])
    np.testing.assert_allclose(feats[:, 1], [0, 0, 1, 0, 0, 4])
    np.testing.assert_array_equal(kept_trs(runs, (1, 1)), [False, True, False, False, True, False])


def test_wehbe_end_to_end_signal_vs_random(wehbe_home):
    home, fx = wehbe_home
    bench = load_benchmark("Wehbe2014", data_home=home, subjects=(1, 2), trim=(2, 2), skip=2, device="cpu")
    stim = bench.stimuli
    assert len(stim.passages) == 4 and sum(map(len, stim.passages)) == len(fx["words"])
    ids = stim.item_ids
    rng = np.random.default_rng(0)
    signal = np.concatenate([fx["embedding"], 0.1 * rng.normal(size=(len(ids), 10))], axis=1)
    acts = activations_from(np.stack([signal, rng.normal(size=signal.shape)]), ids, layers=["signal", "random"])
    res = bench.score_activations(acts, "dummy")
    assert res.best_layer == "signal"
    assert res.layers["score"].iloc[0] > 0.5
    assert abs(res.layers["score"].iloc[1]) < 0.2
    assert set(res.details["per_subject"]["signal"]) == {1, 2}
    assert res.ceiling == pytest.approx(0.104)
    folds = bench.folds()
    assert len(folds) == 4 and all(not np.intersect1d(tr, te).size for tr, te in folds)


def test_wehbe_missing_file_offline(tmp_path):
    with pytest.raises(FileNotFoundError, match="subject_1.mat"):
        load_benchmark("Wehbe2014", data_home=tmp_path, subjects=(1,))


def test_wehbe_ceiling_pinned_and_equal_to_table6():
    from brainalign.benchmarks import benchmark_class
    from brainalign.paper import load_table

    cls = benchmark_class("Wehbe2014")
    assert cls.published_ceiling.value == 0.104
    assert load_table("table6").set_index("benchmark")["ceiling"]["Wehbe2014"] == cls.published_ceiling.value
    assert "not published" in cls.published_ceiling.source


@pytest.mark.parametrize("kwargs, pattern", [
    ({}, r"runs are too short for trim=\(20, 15\).*run 1: 40 TRs, 5 kept.*inner_folds=10"),
    ({"trim": (2, 2), "skip": 2, "inner_folds": 200}, r"trains on \d+ \(at least inner_folds=200\)"),
    ({"trim": (19, 20)}, r"tests on 1 TRs"),
])
def test_short_runs_are_explained(wehbe_home, kwargs, pattern):
    # issue 13, D16: scikit-learn's KFold message ("Cannot have number of splits ...") without any context
    home, _ = wehbe_home
    with pytest.raises(ValueError, match=pattern):
        load_benchmark("Wehbe2014", data_home=home, subjects=(1, 2), device="cpu", **kwargs)
