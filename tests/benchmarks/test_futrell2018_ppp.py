"""Futrell2018-ppp, the Brain-Score-style triple (the human data itself as predictor gains a lot, a random predictor
gains ~0 out of sample, the baseline pinned on the real data), GPT-3's log-probabilities as a strong-model reference
point, the exclusion rules, the mixed-model path, and a tiny model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import brainalign
from brainalign.benchmarks import benchmark_class
from brainalign.benchmarks import futrell2018_ppp as ppp_mod
from brainalign.benchmarks._futrell import gpt3_surprisal
from brainalign.data import naturalstories as ns
from brainalign.data.fetch import ChecksumError, DataNotFoundError
from brainalign.models import tiny_model

#: Pinned on the real data (mean_rt_2016, default options): the held-out fit of the baseline alone.
BASELINE_R2 = 0.3402
BASELINE_LOGLIK = -4.7105
EXCLUSIONS = {"sentence_initial": 481, "sentence_final": 481, "story_start": 20, "no_frequency": 44,
              "extreme_rt": 84, "kept": 9146}


@pytest.fixture(scope="module")
def bench(shared_data):
    return brainalign.load_benchmark("Futrell2018-ppp", data_home=shared_data, n_boot=300)


@pytest.fixture(scope="module")
def random_result(bench):
    return bench.score_predictions(np.random.default_rng(0).standard_normal(10256), model_name="random")


def test_the_human_data_itself_gains_a_lot(bench, shared_data):
    """The geometric-mean reading times of the same subjects, as if they were a model's surprisal."""
    raw = pd.read_csv(shared_data / "naturalstories" / ns.TARGETS_FILE, sep="\t", quoting=3)
    res = bench.score_predictions(raw["gmean_rt_2016"].to_numpy(), model_name="human (geometric means)")
    assert res.raw > 0.2 and res.details["delta_ll_ci"][0] > 0.2
    assert res.details["delta_r2"] > 0.4 and res.details["coefficients"]["predictor"] > 0


def test_a_random_predictor_gains_nothing_out_of_sample(random_result):
    d = random_result.details
    assert abs(random_result.raw) < 1e-3 and d["delta_ll_ci"][0] < 1e-4
    assert abs(d["delta_r2"]) < 1e-3
    assert d["in_sample_delta_ll"] >= 0  # in sample, even noise "explains" something
    assert random_result.raw < d["in_sample_delta_ll"]  # held out, it explains less than in sample


def test_baseline_pinned_on_the_real_data(random_result):
    d = random_result.details
    assert d["r2_baseline"] == pytest.approx(BASELINE_R2, abs=1e-4)
    assert d["loglik_baseline"] == pytest.approx(BASELINE_LOGLIK, abs=1e-4)
    assert d["exclusions"] == EXCLUSIONS and d["n_words"] == EXCLUSIONS["kept"]
    assert d["baseline"] == ["length", "log_freq", "story_position", "sentence_position", "length_prev1",
                             "length_prev2", "log_freq_prev1", "log_freq_prev2"]
    assert d["added"] == ["predictor", "predictor_prev1", "predictor_prev2"]
    assert d["method"] == "ols" and d["target"] == "mean_rt_2016"
    assert "extreme_rt=84" in random_result.provenance["exclusions"]
    assert random_result.provenance["ppp_method"] == "ols"
    assert np.isnan(random_result.normalized) and not benchmark_class("Futrell2018-ppp").published_ceiling.known


def test_gpt3_reference_point(bench):
    """GPT-3 (davinci) surprisal: a positive gain of the size reading-time studies report for large models
    (Kuribayashi et al. 2024: 0.005-0.016 nats per word in sample on Natural Stories), and a positive slope."""
    s = gpt3_surprisal(bench.table)
    assert np.isnan(s).sum() == 10 and np.isnan(s[bench.table["word_id"] == 1]).all()
    res = bench.score_predictions(s, model_name="GPT-3 (davinci)")
    assert 0.002 < res.raw < 0.03 and res.details["delta_ll_ci"][0] > 0
    assert 0.002 < res.details["in_sample_delta_ll"] < 0.03
    assert res.details["coefficients"]["predictor"] > 0  # ms per bit: surprising words are read more slowly


def test_design_spillover_within_stories(bench):
    v = np.arange(10256, dtype=float)
    base, added = bench.design(v)
    kept = bench.table[bench.keep].reset_index(drop=True)
    np.testing.assert_array_equal(added["predictor"], kept["stimulus_id"] - 1)
    np.testing.assert_array_equal(added["predictor_prev1"], kept["stimulus_id"] - 2)
    np.testing.assert_array_equal(added["predictor_prev2"], kept["stimulus_id"] - 3)
    np.testing.assert_array_equal(base["length"], kept["word_core"].str.len())
    assert np.isfinite(base.to_numpy()).all() and len(base) == len(added) == EXCLUSIONS["kept"]


def test_exclusion_options(shared_data):
    one = brainalign.load_benchmark("Futrell2018-ppp", data_home=shared_data, spillover=1, exclude_punctuation=True)
    ex = one.exclusions
    assert list(ex) == ["sentence_initial", "sentence_final", "story_start", "punctuation", "no_frequency",
                        "extreme_rt", "kept"]
    assert ex["story_start"] == 10 and ex["punctuation"] > 500
    assert sum(v for k, v in ex.items() if k != "kept") + ex["kept"] == 10256
    for kwargs, match in [({"spillover": 3}, "spillover"), ({"method": "gam"}, "method"), ({"rt_sd": 0}, "rt_sd")]:
        with pytest.raises(ValueError, match=match):
            brainalign.load_benchmark("Futrell2018-ppp", data_home=shared_data, **kwargs)


def test_bad_predictions(bench):
    with pytest.raises(ValueError, match="10256 values"):
        bench.score_predictions(np.zeros(100))
    v = np.ones(10256)
    v[bench.keep.argmax() - 1] = np.nan  # the spillover word of the first kept word
    with pytest.raises(ValueError, match="NaN"):
        bench.score_predictions(v)
    v = np.random.default_rng(1).standard_normal(10256)
    v[0] = np.nan  # the first word of the corpus is never used
    assert np.isfinite(bench.score_predictions(v).raw)


def test_mixed_model_path_on_subject_data(shared_data, monkeypatch):
    """method="lmm" fits per-subject RTs (here simulated in the layout of processed_RTs.tsv, which the offline
    mirror lacks) and says so in the result."""
    bench = brainalign.load_benchmark("Futrell2018-ppp", data_home=shared_data, method="lmm", n_boot=50)
    t = bench.table[bench.table["story_id"] <= 3]
    rng = np.random.default_rng(0)
    rows = []
    for k in range(6):
        rt = t["mean_rt_2016"].to_numpy() + rng.normal(0, 80, len(t)) + rng.normal(0, 40)
        rows.append(pd.DataFrame({"WorkerId": f"W{k}", "item": t["story_id"], "zone": t["word_id"], "word": t["word"],
                                  "RT": rt, "correct": 6}))
    fake = ns.subject_rts_table(pd.concat(rows), source="simulated", checksum="none")
    monkeypatch.setattr(ppp_mod, "load_processed_rts", lambda data_home=None: fake)
    res = bench.score_predictions(gpt3_surprisal(bench.table), model_name="GPT-3")
    assert res.details["method"] == "lmm" and res.provenance["ppp_method"] == "lmm"
    assert res.details["n_groups"] == 3 and res.details["n_observations"] == res.details["n"]
    assert res.details["target"] == "rt" and np.isfinite(res.raw)


def test_processed_rts_are_checksummed_and_optional(tmp_path):
    with pytest.raises(DataNotFoundError, match="processed_RTs.tsv"):
        ns.load_processed_rts(data_home=tmp_path)
    (tmp_path / "naturalstories").mkdir()
    (tmp_path / "naturalstories" / ns.PROCESSED_RTS_FILE).write_text("WorkerId\titem\tzone\tword\tRT\n")
    with pytest.raises(ChecksumError, match="git-blob"):
        ns.load_processed_rts(data_home=tmp_path)


def test_tiny_model(shared_data):
    bench = brainalign.load_benchmark("Futrell2018-ppp", data_home=shared_data, n_boot=50,
                                      surprisal_kwargs={"cache": False})
    res = bench.score(tiny_model("llama"), progress=False)
    assert np.isfinite(res.raw) and res.details["surprisal"].shape == (10256,)
    assert res.provenance["model_revision"] == "tiny-seed0"
