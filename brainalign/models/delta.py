"""Delta checkpoints: models published as differences to a base model (StableVicuna-13B), never loaded as models.

``CarperAI/stable-vicuna-13b-delta`` holds ``Δ = W_target - W_base`` for LLaMA-13B (``huggyllama/llama-13b``, the
base of the catalog's ``delta_base`` column). Loading the delta as if it were a model gives silent garbage, so
:func:`brainalign.models.load_model` refuses it unless the target was built once with :func:`apply_delta`, which follows
the published recipe (CarperAI's ``apply_delta.py`` in the delta repository):

1. load the base in float16; add a ``[PAD]`` pad token to the base tokenizer (32,000 -> 32,001 tokens), resize the
   embeddings and set the new row of the input and the output embedding to zero;
2. load the delta in float16 and add it to every parameter of the base: ``W = W_base + Δ``;
3. save the sum with the **delta's** tokenizer.

The target goes to the model cache (:func:`brainalign.paths.model_cache_dir` ``/applied/<name>``), written to a
temporary folder and renamed into place with a marker file written last, as the offline conversions.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from ..backend import resolve_dtype
from ..paths import model_cache_dir
from .errors import ModelLoadError

MARKER = "brainalign-delta.json"
PAD_TOKEN = "[PAD]"


def applied_dir(name: str) -> Path:
    """Where the applied target of catalog model ``name`` lives (whether or not it exists)."""
    return model_cache_dir() / "applied" / name


def applied_model_dir(name: str, delta_id: str, base_id: str) -> Path:
    """The applied target of a delta model, or a :class:`ModelLoadError` that says how to build it."""
    folder = applied_dir(name)
    if (folder / MARKER).is_file():
        return folder
    raise ModelLoadError(
        f"{name} is distributed as delta weights ({delta_id}: W_target - W_base), which are not a model; loading them "
        f"as one would give meaningless scores. Build the model once by adding the delta to {base_id} with the "
        f"published recipe: python -c \"from brainalign.models.delta import apply_delta; apply_delta('{base_id}', "
        f"'{delta_id}', name='{name}')\" (downloads both, ~52 GB in float16, and writes {folder}); then load "
        f"'{name}' again.")


def apply_delta(base: str | os.PathLike, delta: str | os.PathLike, *, name: str | None = None,
                out: str | os.PathLike | None = None, dtype: Any = "float16") -> Path:
    """Add a delta checkpoint to its base model (the published StableVicuna recipe, module docstring).

    Parameters
    ----------
    base, delta : str or path-like
        Hugging Face ids or local folders of the base model and of the delta.
    name : str, optional
        Catalog name of the target; its folder is :func:`applied_dir` (``out`` overrides it).
    out : path-like, optional
        Target folder.
    dtype : str or torch.dtype
        Dtype of the addition (the recipe: float16).

    Returns
    -------
    pathlib.Path
        The target folder (``save_pretrained`` layout, loadable with :func:`brainalign.models.load_model`).

    Raises
    ------
    ModelLoadError
        A base parameter has no counterpart in the delta, or their shapes differ.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if out is None and name is None:
        raise ValueError("give the catalog name of the target (name=...) or an output folder (out=...)")
    target = Path(out) if out is not None else applied_dir(str(name))
    dt = resolve_dtype(dtype, "cpu")
    base_net = AutoModelForCausalLM.from_pretrained(base, dtype=dt, low_cpu_mem_usage=True)
    base_tok = AutoTokenizer.from_pretrained(base)
    n_new = base_tok.add_special_tokens({"pad_token": PAD_TOKEN})
    if n_new:
        base_net.resize_token_embeddings(len(base_tok))
        base_net.get_input_embeddings().weight.data[-n_new:] = 0
        base_net.get_output_embeddings().weight.data[-n_new:] = 0
    delta_net = AutoModelForCausalLM.from_pretrained(delta, dtype=dt, low_cpu_mem_usage=True)
    delta_tok = AutoTokenizer.from_pretrained(delta)
    delta_state = delta_net.state_dict()
    with torch.no_grad():
        for key, param in base_net.state_dict().items():
            if key not in delta_state or delta_state[key].shape != param.shape:
                raise ModelLoadError(f"the delta {delta} does not match the base {base} at {key!r} "
                                     f"({tuple(param.shape)} vs {tuple(delta_state[key].shape) if key in delta_state else 'missing'})")
            param += delta_state[key]
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    base_net.save_pretrained(tmp)
    delta_tok.save_pretrained(tmp)
    (tmp / MARKER).write_text(json.dumps({"base": str(base), "delta": str(delta), "dtype": str(dt),
                                          "recipe": "W = W_base + delta; [PAD] row zeroed; delta tokenizer",
                                          "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, indent=1))
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, target)
    return target
