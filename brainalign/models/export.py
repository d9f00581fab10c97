"""Model folders for other tools: brainalign's folders are in transformers-5 format; transformers 4 misreads them.

brainalign saves models with its pinned transformers (5.x): the converted offline models
(:mod:`brainalign.models.offline`), the tiny models (:func:`brainalign.models.save_tiny_model`) and applied deltas.
transformers 4.x, which other tools pin (brainscore-language requires ``transformers < 5``), reads such a folder
*differently*, without an error:

- ``tokenizer_config.json`` names the tokenizer class ``TokenizersBackend``, unknown to 4.x (it refuses the folder);
- ``config.json`` keeps the RoPE settings in ``rope_parameters``; 4.x ignores that key and silently uses its default
  ``rope_theta = 10000`` (SmolLM2's is 100000): a different model;
- a T5 saved with ``tie_word_embeddings = true, scale_decoder_outputs = false`` (transformers 5 writes this for a T5
  built with untied settings) stores no ``lm_head.weight``; 4.x reads ``tie_word_embeddings`` as "tie *and* scale
  the decoder output by ``d_model ** -0.5``": different logits.

:func:`export_for_transformers4` writes a copy that transformers 4.x loads as the same model (the oracle tests check
that both libraries give the same logits on the same text). Use it for any folder meant for other tools.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

#: transformers-5 tokenizer classes and what transformers 4.x calls them.
_TOKENIZER_CLASSES = {"TokenizersBackend": "PreTrainedTokenizerFast"}


def export_for_transformers4(src: str | os.PathLike, dst: str | os.PathLike, *,
                             model_max_length: int | None = None) -> Path:
    """Copy a ``save_pretrained`` folder so that transformers 4.x loads it as the same model.

    Parameters
    ----------
    src : path-like
        A folder written by transformers 5 (weights, config, tokenizer).
    dst : path-like
        Target folder (created; files of the same name are replaced).
    model_max_length : int, optional
        Write this ``model_max_length`` into the tokenizer config (the truncation length the paper protocol and
        Brain-Score read); default: keep the folder's.

    Returns
    -------
    pathlib.Path
        ``dst``.
    """
    src, dst = Path(src), Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file():
            shutil.copy2(f, dst / f.name)
    cfg_path = dst / "config.json"
    if cfg_path.is_file():
        cfg = json.loads(cfg_path.read_text())
        for c in [cfg, *(v for v in cfg.values() if isinstance(v, dict) and "model_type" in v)]:
            rope = c.get("rope_parameters")
            if isinstance(rope, dict) and "rope_theta" not in c:
                c["rope_theta"] = rope.get("rope_theta", 10000.0)
                kind = rope.get("rope_type", "default")
                extra = {k: v for k, v in rope.items() if k not in ("rope_theta", "rope_type")}
                c["rope_scaling"] = None if kind == "default" else {"rope_type": kind, **extra}
        if "dtype" in cfg and "torch_dtype" not in cfg:
            cfg["torch_dtype"] = cfg["dtype"]
        if cfg.get("model_type") == "t5" and cfg.get("tie_word_embeddings") and not cfg.get("scale_decoder_outputs",
                                                                                              True):
            _untie_t5_head(dst)  # tied head without scaling: write the head explicitly, untied for 4.x
            cfg["tie_word_embeddings"] = False
        cfg_path.write_text(json.dumps(cfg, indent=2))
    tok_path = dst / "tokenizer_config.json"
    if tok_path.is_file():
        tok = json.loads(tok_path.read_text())
        cls = tok.get("tokenizer_class")
        if cls in _TOKENIZER_CLASSES:
            tok["tokenizer_class"] = _TOKENIZER_CLASSES[cls]
        if model_max_length is not None:
            tok["model_max_length"] = int(model_max_length)
        tok_path.write_text(json.dumps(tok, indent=2))
    return dst


def _untie_t5_head(folder: Path) -> None:
    """Add ``lm_head.weight`` (= ``shared.weight``) to a single-file safetensors checkpoint."""
    from safetensors.torch import load_file, save_file  # torch-backed: only for a T5 export

    path = folder / "model.safetensors"
    if not path.is_file():
        raise ValueError(f"{folder}: exporting a tied T5 head needs a single model.safetensors file")
    state = load_file(str(path))
    if "lm_head.weight" not in state:
        state["lm_head.weight"] = state["shared.weight"].clone()
        save_file(state, str(path), metadata={"format": "pt"})
