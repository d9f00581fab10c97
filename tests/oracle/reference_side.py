"""The reference side of the oracle tests: brainscore-language's own code, run in its own environment.

Run by ``tests/oracle`` as ``.oracle-venv/bin/python tests/oracle/reference_side.py TASK.json`` (never imported by
brainalign, never run in brainalign's environment). A task names a benchmark or the metric, a model folder and the
data; the answer (numbers and the seconds the reference took) is written to ``TASK.json``'s ``out`` as ``.npz``.

What is patched, and nothing else:

- **data loading**: ``brainscore_language.utils.s3.fetch_file`` returns a local NetCDF file instead of downloading
  one. The file is written here by the reference's own packaging (``write_netcdf``) from the fixture the test gives,
  so the reference's ``load_from_s3`` / ``AssemblyLoader`` and the benchmark constructors read it unchanged;
- **ceilings**: ``_Pereira2018ExperimentLinear._load_ceiling``, ``ExtrapolationCeiling.__call__`` (Blank2014) and
  ``SplitHalvesConsistency.__call__`` (Futrell2018) return the published values (they would download or need every
  subject; raw scores do not depend on them).

The model handed to ``HuggingfaceSubject`` is the folder's network. brainscore-language 2.2.1 predates the two lines
the authors' commit 91c88b1 adds to ``_tokenize_overflow_aware`` (drop ``token_type_ids``; for encoder-decoders
``decoder_input_ids = input_ids``): :func:`authors_forward` makes the network's own forward apply exactly these two
lines, so the reference's tokenization, hooks and reading-time code run unchanged on it. (Without the first line a
tokenizer that returns ``token_type_ids`` adds GPT-2's token-type embeddings: a different model.)

``digest_text`` is wrapped to keep a copy of what the reference computed (its per-word reading times, its
activations and the stimulus ids its benchmark gives them); the wrapper returns the reference's output untouched.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import xarray as xr

RELEASE = None  # filled in main()


def authors_forward(net):
    """The network as the authors' HuggingfaceSubject (91c88b1) feeds it: ``token_type_ids`` dropped, and for
    encoder-decoders ``decoder_input_ids = input_ids``. brainscore-language 2.2.1 lacks these two lines of
    ``_tokenize_overflow_aware``; here they are applied by the model's own forward (an instance attribute, so the
    module paths the plugins hook stay those of the network)."""
    forward = net.forward

    def authors(*args, **kwargs):
        kwargs.pop("token_type_ids", None)
        if net.config.is_encoder_decoder:
            kwargs["decoder_input_ids"] = kwargs["input_ids"]
        return forward(*args, **kwargs)

    net.forward = authors
    return net


def _patch_loading(files: dict[str, str]) -> None:
    """``fetch_file`` -> the local file named like the S3 object the reference asks for."""
    import brainscore_language.utils.s3 as s3

    def fetch_file(location_type, location, version_id, sha1):
        name = location.rsplit("/", 1)[-1]
        if name not in files:
            raise FileNotFoundError(f"oracle: no local file for {location} (have {sorted(files)})")
        return files[name]

    s3.fetch_file = fetch_file


def _patch_ceilings() -> None:
    from brainscore_core.metrics import Score

    from brainscore_language.benchmarks.blank2014 import ceiling as blank_ceiling
    from brainscore_language.benchmarks.futrell2018 import benchmark as futrell
    from brainscore_language.benchmarks.pereira2018 import benchmark as pereira

    published = {"Pereira2018.243sentences-linear": 0.35378928, "Pereira2018.384sentences-linear": 0.36343748}

    def pereira_ceiling(self, identifier, **kwargs):
        return Score(published[identifier])

    pereira._Pereira2018ExperimentLinear._load_ceiling = pereira_ceiling
    blank_ceiling.ExtrapolationCeiling.__call__ = lambda self, assembly, metric: Score(0.21026591)
    futrell.SplitHalvesConsistency.__call__ = lambda self, assembly: Score(0.858)


def _write(assembly_path: str, kind: str, tmp: Path) -> tuple[str, str]:
    """Re-package a fixture (xarray NetCDF with plain coords) with the reference's own writer."""
    from brainscore_core.supported_data_standards.brainio.assemblies import BehavioralAssembly, NeuroidAssembly
    from brainscore_core.supported_data_standards.brainio.packaging import write_netcdf

    da = xr.load_dataarray(assembly_path)
    cls = BehavioralAssembly if kind == "behavioral" else NeuroidAssembly
    coords = {name: (c.dims, c.values) for name, c in da.coords.items()}
    assembly = cls(da.values, coords=coords, dims=da.dims)
    name = {"pereira": "assy_Pereira2018_language.nc", "blank": "assy_Blank2014_fROI.nc",
            "futrell": "assy_Futrell2018.nc"}[kind if kind != "behavioral" else "futrell"]
    path = tmp / name
    write_netcdf(assembly, str(path))
    return name, str(path)


def _model(model_dir: str, dtype: str, t5: bool):
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    dt = getattr(torch, dtype)
    cls = AutoModelForSeq2SeqLM if t5 else AutoModelForCausalLM
    return authors_forward(cls.from_pretrained(model_dir, torch_dtype=dt).eval())


def _subject(task: dict, layer: str | None):
    from brainscore_language.artificial_subject import ArtificialSubject
    from brainscore_language.model_helpers.huggingface import HuggingfaceSubject

    mapping = {} if layer is None else {ArtificialSubject.RecordingTarget.language_system: layer}
    subject = HuggingfaceSubject(model_id=task["model_dir"], region_layer_mapping=mapping,
                                 model=_model(task["model_dir"], task["dtype"], task.get("t5", False)))
    recorded = []
    digest = subject.digest_text

    def spy(text):
        out = digest(text)
        recorded.append(out)
        return out

    subject.digest_text = spy
    return subject, recorded


def run_futrell(task: dict, tmp: Path) -> dict:
    from brainscore_language.benchmarks.futrell2018.benchmark import Futrell2018Pearsonr

    name, path = _write(task["assembly"], "behavioral", tmp)
    _patch_loading({name: path})
    bench = Futrell2018Pearsonr()
    subject, recorded = _subject(task, None)
    t0 = time.perf_counter()
    score = bench(subject)
    seconds = time.perf_counter() - t0
    behavior = recorded[0]["behavior"]
    return {"raw": float(score.attrs["raw"]), "surprisal": np.asarray(behavior.values, dtype=np.float64),
            "seconds": seconds}


def run_neural(task: dict, tmp: Path) -> dict:
    name, path = _write(task["assembly"], task["benchmark"], tmp)
    _patch_loading({name: path})
    if task["benchmark"] == "pereira":
        from brainscore_language.benchmarks.pereira2018.benchmark import (Pereira2018_243sentences,
                                                                          Pereira2018_384sentences)

        benches = {"243sentences": Pereira2018_243sentences(), "384sentences": Pereira2018_384sentences()}
    else:
        from brainscore_language.benchmarks.blank2014.benchmark import Blank2014Linear

        benches = {"all": Blank2014Linear()}
    out: dict = {"seconds": 0.0}
    for layer in task["layers"]:
        for exp, bench in benches.items():
            subject, recorded = _subject(task, layer)
            t0 = time.perf_counter()
            score = bench(subject)
            out["seconds"] += time.perf_counter() - t0
            key = f"{exp}|{layer}"
            out[f"raw|{key}"] = float(score.attrs["raw"])
            neural = xr.concat([r["neural"] for r in recorded], dim="presentation")
            out[f"acts|{key}"] = np.asarray(neural.values, dtype=np.float64)
            out[f"stim|{key}"] = np.asarray([str(s) for s in neural["stimulus"].values])
            out[f"ctx|{key}"] = np.asarray([str(s) for s in neural["context"].values])
            # the benchmark labels the recorded assemblies in place (``predictions['stimulus_id'] = ...``)
            out[f"ids|{key}"] = np.asarray([str(s) for s in neural["stimulus_id"].values])
    return out


def run_metric(task: dict, tmp: Path) -> dict:
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

    from brainscore_language import load_metric

    z = np.load(task["arrays"], allow_pickle=False)
    ids = z["stimulus_id"]
    dt = getattr(np, task["dtype"])

    def assembly(values, prefix):
        n = values.shape[1]
        return NeuroidAssembly(values.astype(dt), dims=["presentation", "neuroid"], coords={
            "stimulus_id": ("presentation", ids), "stimulus_num": ("presentation", np.arange(len(ids))),
            "neuroid_id": ("neuroid", [f"{prefix}{j}" for j in range(n)]),
            "neuroid_num": ("neuroid", np.arange(n))})

    metric = load_metric("linear_pearsonr")
    t0 = time.perf_counter()
    score = metric(assembly(z["X"], "x"), assembly(z["Y"], "y"))
    seconds = time.perf_counter() - t0
    raw = score.attrs["raw"]  # split x neuroid
    raw = raw.transpose("split", "neuroid").sortby("neuroid_num")
    return {"score": float(score.values), "per_split": np.asarray(raw.values, dtype=np.float64), "seconds": seconds}


def run_logits(task: dict, tmp: Path) -> dict:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(task["model_dir"])
    model = _model(task["model_dir"], task["dtype"], task.get("t5", False))
    ids = tok(task["text"], return_tensors="pt")
    with torch.no_grad():
        logits = model(input_ids=ids["input_ids"], attention_mask=ids["attention_mask"]).logits
    return {"ids": ids["input_ids"].numpy()[0], "logits": logits.double().numpy()[0],
            "tokenizer_class": np.asarray(type(tok).__name__), "model_max_length": np.asarray(str(tok.model_max_length))}


def main() -> None:
    from importlib import metadata

    task = json.loads(Path(sys.argv[1]).read_text())
    torch.set_num_threads(int(task.get("threads", 1)))
    tmp = Path(task["tmp"])
    tmp.mkdir(parents=True, exist_ok=True)
    _patch_ceilings()
    runner = {"futrell": run_futrell, "neural": run_neural, "metric": run_metric, "logits": run_logits}[task["task"]]
    out = runner(task, tmp)
    out["release"] = np.asarray(metadata.version("brainscore-language"))
    out["versions"] = np.asarray(json.dumps({p: metadata.version(p) for p in (
        "brainscore-language", "brainscore-core", "transformers", "torch", "scikit-learn", "scipy", "numpy")}))
    np.savez(task["out"], **out)


if __name__ == "__main__":
    main()
