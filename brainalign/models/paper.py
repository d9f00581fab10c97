"""What the paper protocol needs to know about a model: the layers the authors read and the one they committed.

- :func:`paper_sublayers`: the authors' LLaMA plugins (brain-score/language PR #194, commit 91c88b1) hook
  ``model.layers.N.post_attention_layernorm``, the RMS-normalised residual stream in the middle of block N (the MLP's
  input), not the block output. The paper protocol reads it, as ``"layer.N.post_attention_layernorm"``, next to every
  block output of LLaMA-architecture models (``config.model_type == "llama"``, SmolLM2 included).
- :func:`committed_layer`: the layer each paper model's plugin commits (``paper_layer`` of the catalog), in
  brainalign's names; Brain-Score scores only that layer.
- :func:`brainscore_layer_name`: brainalign's layer name as the reference's module path (for the oracle tests).
"""

from __future__ import annotations

import re
from typing import Any

#: Submodules of each block that the authors' plugins hook, by ``config.model_type``.
PAPER_SUBLAYERS: dict[str, tuple[str, ...]] = {"llama": ("post_attention_layernorm",)}


def _model_type(model: Any) -> str:
    config = getattr(getattr(model, "hf_model", model), "config", None)
    get = getattr(config, "get_text_config", None)
    config = get() if callable(get) else config
    return str(getattr(config, "model_type", ""))


def paper_sublayers(model: Any) -> tuple[str, ...]:
    """Block submodules the paper protocol reads for this model (``()`` for all but LLaMA-architecture models)."""
    return PAPER_SUBLAYERS.get(_model_type(model), ())


def committed_layer(model: Any) -> str:
    """The layer the authors' Brain-Score plugin commits for this model ("" when none is known)."""
    info = getattr(model, "info", {}) or {}
    return str(info.get("paper_layer", "") or "")


_DECODER_ONLY_PREFIX = {"llama": "model.layers", "gpt2": "transformer.h"}


def brainscore_layer_name(name: str, model_type: str) -> str:
    """brainalign's layer name as the module path the reference hooks.

    Parameters
    ----------
    name : str
        ``"layer.N"``, ``"layer.N.<submodule>"``, ``"embedding"``, ``"encoder.block.N"``, ``"decoder.block.N"``.
    model_type : str
        ``"llama"``, ``"gpt2"`` or ``"t5"``.

    Raises
    ------
    ValueError
        A name the reference has no module for (``"embedding"`` is the input of the first block, not a module output).
    """
    if name.startswith(("encoder.block.", "decoder.block.")):
        return name
    m = re.fullmatch(r"layer\.(\d+)(\..+)?", name)
    if m is None or model_type not in _DECODER_ONLY_PREFIX:
        raise ValueError(f"no reference module for layer {name!r} of a {model_type!r} model")
    return f"{_DECODER_ONLY_PREFIX[model_type]}.{m.group(1)}{m.group(2) or ''}"
