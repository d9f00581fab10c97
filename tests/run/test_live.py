"""Tests of brainalign.run.live (the live chapter's scoring loop and tables), with fake models and benchmarks."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from brainalign.run.live import (UNTRAINED_SUFFIX, behavior_table, layer_profiles, score_models, scores_table,
                                 timing_table)
from brainalign.scores.result import BenchmarkResult
from brainalign.scores import SCORE_COLUMNS


class FakeBehavior:
    name = "Futrell2018"
    ceiling = 0.858

    def score(self, model, *, batch_size=None, progress=True):
        raw = 0.05 if model.untrained else 0.3 + 0.01 * model.depth
        return BenchmarkResult.from_score("Futrell2018", model.name, raw, self.ceiling,
                                          provenance={"model_id": model.model_id})


class FakeEncoding:
    name = "Futrell2018-encoding"
    ceiling = 0.858
    progress_seen: list = []

    def score(self, model, *, batch_size=None, progress=True):
        self.progress_seen.append(progress)
        n = model.depth + 1
        peak = 0 if model.untrained else model.depth // 2
        scores = {f"layer.{k}": 0.4 - 0.02 * abs(k - peak) for k in range(n)}
        return BenchmarkResult.from_layer_scores("Futrell2018-encoding", model.name, scores, self.ceiling)


def fake_loader(calls):
    def load(request):
        name, untrained = request.model, request.untrained
        calls.append((name, untrained, request.seed))
        depth = {"a": 4, "b": 10}[name]
        info = {"family": f"fam-{name}", "pair": name, "instruction_tuned": name == "a", "params": 1e6}
        return SimpleNamespace(name=name, untrained=untrained, depth=depth, model_id=f"id/{name}", revision="r1",
                               layer_names=[f"layer.{k}" for k in range(depth + 1)], info=info, device="cpu",
                               dtype="float32", score_info=lambda: dict(info))
    return load


@pytest.fixture
def runs():
    calls = []
    out = score_models(["a", "b"], include_untrained=True, seed=7, verbose=False, loader=fake_loader(calls),
                       benchmarks={"Futrell2018": FakeBehavior(), "Futrell2018-encoding": FakeEncoding()})
    assert calls == [("a", False, 0), ("a", True, 7), ("b", False, 0), ("b", True, 7)]
    return out


def test_runs_are_labelled_and_timed(runs):
    assert [r.label for r in runs] == ["a", "a" + UNTRAINED_SUFFIX, "b", "b" + UNTRAINED_SUFFIX]
    for run in runs:
        assert set(run.seconds) == {"load", "Futrell2018", "Futrell2018-encoding"}
        assert all(v >= 0 for v in run.seconds.values())
        assert all(res.model == run.label for res in run.results.values())
    for clock in ("wall", "cpu"):
        t = timing_table(runs, clock)
        assert list(t.columns) == ["load", "Futrell2018", "Futrell2018-encoding", "total"]
        np.testing.assert_allclose(t["total"], t.drop(columns="total").sum(axis=1))
    with pytest.raises(ValueError):
        timing_table(runs, "gpu")


def test_behavior_table(runs):
    t = behavior_table(runs)
    assert list(t["weights"]) == ["trained", "untrained", "trained", "untrained"]
    assert t.loc[0, "raw"] == pytest.approx(0.34)
    assert t.loc[0, "normalized"] == pytest.approx(0.34 / 0.858)
    assert t.loc[1, "raw"] == pytest.approx(0.05)
    with pytest.raises(KeyError):
        behavior_table(runs, benchmark="Pereira2018")


def test_layer_profiles_relative_depth(runs):
    prof = layer_profiles(runs)
    assert len(prof) == 5 + 5 + 11 + 11
    for label, grp in prof.groupby("label"):
        assert grp["relative_depth"].iloc[0] == 0.0 and grp["relative_depth"].iloc[-1] == 1.0
        assert grp["is_best_layer"].sum() == 1
    best_b = prof[(prof["label"] == "b") & prof["is_best_layer"]]
    assert best_b["layer"].item() == "layer.5"
    assert best_b["relative_depth"].item() == pytest.approx(0.5)


def test_scores_table_is_valid_and_controls_are_their_own_models(runs):
    table = scores_table(runs)
    assert list(table.columns[: len(SCORE_COLUMNS)]) == SCORE_COLUMNS
    assert set(table["model"]) == {"a", "b", "a" + UNTRAINED_SUFFIX, "b" + UNTRAINED_SUFFIX}
    ctrl = table[table["model"] == "a" + UNTRAINED_SUFFIX]
    assert (~ctrl["instruction_tuned"]).all() and (ctrl["pair"] == "a" + UNTRAINED_SUFFIX).all()
    assert (table.loc[table["model"] == "a", "instruction_tuned"]).all()
    assert (table.loc[table["model"] == "a", "family"] == "fam-a").all()
    # one row per layer for the encoding benchmark, one row for the behavioral one
    counts = table.groupby(["model", "benchmark"]).size()
    assert counts[("b", "Futrell2018-encoding")] == 11 and counts[("b", "Futrell2018")] == 1
    assert table.groupby(["model", "benchmark"])["is_best_layer"].sum().eq(1).all()


def test_bad_input():
    with pytest.raises(TypeError):
        score_models("a", benchmarks={"x": FakeBehavior()}, loader=fake_loader([]))
    with pytest.raises(ValueError):
        score_models([], benchmarks={"x": FakeBehavior()}, loader=fake_loader([]))
    with pytest.raises(ValueError):
        score_models(["a"], benchmarks={}, loader=fake_loader([]))


def test_progress_is_passed_when_accepted():
    enc = FakeEncoding()
    enc.progress_seen = []
    score_models(["a"], include_untrained=False, verbose=False, loader=fake_loader([]), progress=False,
                 benchmarks={"Futrell2018": FakeBehavior(), "Futrell2018-encoding": enc})
    assert enc.progress_seen == [False]


def test_without_controls():
    out = score_models(["a"], include_untrained=False, verbose=False, loader=fake_loader([]),
                       benchmarks={"Futrell2018": FakeBehavior()})
    assert [r.untrained for r in out] == [False]
    assert isinstance(behavior_table(out), pd.DataFrame)


def test_a_failing_benchmark_raises_with_its_message():
    class Broken(FakeBehavior):
        def score(self, model, **kw):
            raise ValueError("no such word")

    with pytest.raises(RuntimeError, match="a x Futrell2018 failed: ValueError: no such word"):
        score_models(["a"], include_untrained=False, verbose=False, loader=fake_loader([]),
                     benchmarks={"Futrell2018": Broken()})


# ------------------------------------------------------------------------------------- the two metrics, analysed
@pytest.fixture(scope="module")
def real_benches(shared_data):
    from brainalign.run.live import load_benchmarks

    return load_benchmarks(["Futrell2018", "Futrell2018-ppp"], data_home=shared_data, n_boot=200)


def _run(label, untrained, benches, surprisal, tokens):
    from brainalign.run.live import ModelRun

    paper, ppp = benches["Futrell2018"].score_predictions(surprisal, label), \
        benches["Futrell2018-ppp"].score_predictions(surprisal, label)
    paper.details["token_counts"] = tokens
    return ModelRun(label=label, model=label.replace(UNTRAINED_SUFFIX, ""), untrained=untrained,
                    results={"Futrell2018": paper, "Futrell2018-ppp": ppp})


@pytest.fixture(scope="module")
def analysis(real_benches):
    """A "model" whose surprisal predicts reading times beyond the baseline, and a control that is its token count."""
    from brainalign.run.live import analyse

    t = real_benches["Futrell2018"].table
    rng = np.random.default_rng(0)
    tokens = 1 + (t["word_core"].str.len().to_numpy() > 6) + (~t["word"].str.isalnum()).to_numpy()
    rt = real_benches["Futrell2018"].targets
    good = 0.02 * rt + 2 * tokens + rng.normal(0, 2, len(t))
    runs = [_run("m", False, real_benches, good, tokens),
            _run("m" + UNTRAINED_SUFFIX, True, real_benches, 15.6 * tokens + rng.normal(0, 0.01, len(t)), tokens)]
    return analyse(runs, real_benches, n_boot=200)


def test_analysis_tables(analysis):
    p = analysis.paper.set_index("label")
    assert list(p.index) == ["m", "m (untrained)", "GPT-3 davinci (published log-probabilities)",
                             "characters per word (no model)"]
    assert p.loc["m (untrained)", "r"] == pytest.approx(p.loc["m (untrained)", "tokens_r"], abs=1e-3)
    assert (p["r_low"] <= p["r"]).all() and (p["r"] <= p["r_high"]).all()
    g = analysis.ppp.set_index("label")
    assert g.loc["m", "dll"] > g.loc["m (untrained)", "dll"] and g.loc["m", "dll_low"] > 0
    assert g.loc["m (untrained)", "dll"] == pytest.approx(g.loc["m (untrained)", "tokens_dll"], abs=2e-3)
    tr = analysis.training.set_index("metric")
    assert tr.loc["ΔLL (nats/word)", "verdict"] == "trained higher"
    assert tr.loc["ΔLL (nats/word)", "low"] < tr.loc["ΔLL (nats/word)", "difference"] < tr.loc["ΔLL (nats/word)",
                                                                                                 "high"]
    assert {"np_dll", "np_tokens_dll", "tokens_dll"} <= set(analysis.ppp.columns)
    assert analysis.numbers["n_punctuation"] > 500
    assert list(analysis.training["metric"]) == ["|r| (paper)", "ΔLL (nats/word)", "ΔLL, no punctuation-attached words"]
    for name in ("paper", "ppp", "punctuation", "training"):
        html = analysis.table(name).to_html()
        assert "nan" not in html.lower() and "<th" in html
    with pytest.raises(KeyError):
        analysis.table("nope")


def test_analysis_sentences_are_chosen_by_the_numbers(analysis):
    s = analysis.sentences
    assert "gain more than the untrained control for the one model scored" in s["ppp"]
    assert "token-count baseline" in s["confound"] and "m (untrained)" in s["confound"]
    assert s["reference"].startswith("GPT-3's surprisal gains ΔLL = ")
    assert "within" in s["verdict"] and "not clearly larger" not in s["verdict"] and "punctuation" in s["verdict"]
    assert all("nan" not in v for v in s.values())


def test_paired_difference():
    from brainalign.run.live import paired_difference

    rng = np.random.default_rng(0)
    y = rng.standard_normal(2000)
    a, b = y + rng.standard_normal(2000), y + 3 * rng.standard_normal(2000)
    d, lo, hi = paired_difference(a, b, y, n_boot=300)
    assert lo < d < hi and lo > 0
    d, lo, hi = paired_difference(b, b + 0.01, n_boot=300)
    assert d == pytest.approx(-0.01) and lo == pytest.approx(-0.01) and hi == pytest.approx(-0.01)


def test_page_values_have_fixed_keys(analysis):
    from brainalign.run.live import page_values

    values = page_values(analysis, [], 60.0)
    assert {"live_paper", "live_ppp", "live_confound", "live_claim", "live_ceiling", "live_total_minutes"} <= set(
        values)
    assert not any("m" == k.split("_")[-1] for k in values)  # no key built from a model name


# ----------------------------------------------------------------------------------------- deferred model loading
def test_deferred_model_answers_identity_and_loads_on_demand():
    from brainalign.models import tiny_model
    from brainalign.run.deferred import DeferredModel, model_identity

    real = tiny_model("gpt2")
    loads = []
    model = DeferredModel(model_identity(real), lambda: loads.append(1) or real)
    for attr in ("name", "model_id", "revision", "max_length", "is_encoder_decoder", "layer_names", "untrained"):
        assert getattr(model, attr) == getattr(real, attr)
    assert str(model.dtype) == str(real.dtype) and str(model.device) == str(real.device)
    assert model.score_info() == real.score_info() and not loads and not model.loaded
    assert model.tokenizer is real.tokenizer and loads == [1] and model.loaded  # the weights were needed
    assert model.hf_model is real.hf_model and loads == [1]


def test_deferring_loader_records_offline_identities(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from brainalign.models import tiny_model
    from brainalign.run import deferred as live_mod
    from brainalign.scores.store import ModelRequest

    monkeypatch.setattr(live_mod, "resolve", lambda name: SimpleNamespace(
        source="offline" if name == "pkg-model" else "hub", offline_package="pkg"))
    marker = {"version": "1.0", "gguf_sha256": "abc"}
    monkeypatch.setattr(live_mod, "converted_dir", lambda package: (tmp_path, marker))
    loads = []

    def base(request):
        loads.append(request.model)
        return tiny_model("gpt2", seed=int(request.untrained))

    load = live_mod.deferring_loader(base, tmp_path / "ids")
    first = load(ModelRequest("pkg-model"))
    assert loads == ["pkg-model"] and not isinstance(first, live_mod.DeferredModel)
    second = load(ModelRequest("pkg-model"))
    assert isinstance(second, live_mod.DeferredModel) and loads == ["pkg-model"]
    assert second.revision == first.revision and second.layer_names == first.layer_names
    control = load(ModelRequest("pkg-model", untrained=True, seed=0))  # another request: its own record
    assert not isinstance(control, live_mod.DeferredModel)
    marker["gguf_sha256"] = "def"  # other weights in the package: load again
    assert not isinstance(load(ModelRequest("pkg-model")), live_mod.DeferredModel)
    assert not isinstance(load(ModelRequest("hub/model")), live_mod.DeferredModel)  # hub models always load
    assert loads == ["pkg-model", "pkg-model", "pkg-model", "hub/model"]


def test_a_warm_job_never_loads_the_weights(shared_data, tmp_path):
    """With surprisal, states and layer scores cached, the three Futrell benchmarks score a DeferredModel without
    loading it, and give the cold run's numbers."""
    from brainalign.models import tiny_model
    from brainalign.run.job import run_model_job
    from brainalign.run.deferred import DeferredModel, model_identity
    from brainalign.run.live import load_benchmarks
    from brainalign.scores.store import MemoryStore, ModelRequest

    benches = load_benchmarks(["Futrell2018", "Futrell2018-ppp", "Futrell2018-encoding"], data_home=shared_data,
                              n_boot=50)
    for b in benches.values():
        (b.surprisal_kwargs if hasattr(b, "surprisal_kwargs") else b.extraction_kwargs)["cache"] = tmp_path
    real = tiny_model("llama")
    cold, warm = MemoryStore(), MemoryStore()
    run_model_job(ModelRequest("tiny"), benches, cold, progress=False, loader=lambda r: real)

    def refuse():
        raise AssertionError("the weights were loaded")

    outcomes = run_model_job(ModelRequest("tiny"), benches, warm, progress=False,
                             loader=lambda r: DeferredModel(model_identity(real), refuse))
    assert [o.status for o in outcomes] == ["done"] * 3, [o.error for o in outcomes]
    for o in outcomes:
        assert warm.results[o.key].raw == pytest.approx(cold.results[o.key].raw, abs=1e-12)
