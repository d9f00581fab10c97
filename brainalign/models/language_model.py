"""The :class:`LanguageModel` wrapper: one Hugging Face network + its tokenizer + named layers.

Layer names (in depth order, the order of :attr:`LanguageModel.layer_names`):

- decoder-only models (GPT-2, LLaMA, SmolLM2, Gemma, ...): ``"embedding"`` (the input of the first block, i.e. token
  plus position embeddings as the blocks see them), then ``"layer.0"`` ... ``"layer.{N-1}"``, the outputs of the N
  transformer blocks. The last block is read *before* the model's final normalisation, like a forward hook on the
  block (Brain-Score's readout), not like ``hidden_states[-1]`` of Hugging Face, which is normalised.
- encoder-decoder models (T5, Flan-T5): ``"encoder.block.0"`` ... ``"encoder.block.{N-1}"``, then
  ``"decoder.block.0"`` ... ``"decoder.block.{M-1}"``: the block outputs, named as the modules of the network and as
  Brain-Score's T5 plugins name their layers (paper.md section 2f). There is no embedding layer for T5, so the number of
  layers equals the paper's count (encoder + decoder blocks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ModelLoadError, NoHiddenStatesError

#: Upper bound on a plausible context length; tokenizers without a limit report ~1e30.
_MAX_SANE_LENGTH = 1_000_000


def _text_config(config: Any) -> Any:
    get = getattr(config, "get_text_config", None)
    return get() if callable(get) else config


def _n_layers(config: Any) -> int | None:
    cfg = _text_config(config)
    for attr in ("num_hidden_layers", "n_layer", "num_layers"):
        value = getattr(cfg, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def find_blocks(hf_model: Any) -> dict[str, list[Any]]:
    """The transformer blocks of a network, by stack.

    Parameters
    ----------
    hf_model : transformers.PreTrainedModel
        A causal LM or an encoder-decoder LM.

    Returns
    -------
    dict
        ``{"encoder": [...], "decoder": [...]}`` for encoder-decoder models, ``{"decoder": [...]}`` otherwise; each a
        list of ``torch.nn.Module`` in depth order.

    Raises
    ------
    NoHiddenStatesError
        No block list could be found (not a transformer language model).
    """
    import torch

    config = getattr(hf_model, "config", None)
    if getattr(config, "is_encoder_decoder", False):
        enc = getattr(getattr(hf_model, "encoder", None), "block", None)
        dec = getattr(getattr(hf_model, "decoder", None), "block", None)
        if isinstance(enc, torch.nn.ModuleList) and isinstance(dec, torch.nn.ModuleList):
            return {"encoder": list(enc), "decoder": list(dec)}
        raise NoHiddenStatesError(
            f"{type(hf_model).__name__} is an encoder-decoder model without T5-style `encoder.block` / `decoder.block` "
            f"lists; brainalign reads out T5/Flan-T5 blocks only. Use a T5-family or a decoder-only model.")
    n = _n_layers(config) if config is not None else None
    candidates = [m for _, m in hf_model.named_modules() if isinstance(m, torch.nn.ModuleList) and len(m) > 0]
    if n is not None:
        exact = [m for m in candidates if len(m) == n]
        if exact:
            return {"decoder": list(exact[0])}
    raise NoHiddenStatesError(
        f"found no transformer blocks in {type(hf_model).__name__} (config says {n} layers): brainalign reads out the "
        f"hidden states of each block, so the model must be a Hugging Face causal LM (AutoModelForCausalLM) or a T5 "
        f"encoder-decoder whose blocks form a torch.nn.ModuleList. Load the language-model head class of your "
        f"architecture, or pass another model.")


def layer_names_for(blocks: dict[str, list[Any]]) -> list[str]:
    """Layer names for the block lists of :func:`find_blocks` (see the module docstring)."""
    if "encoder" in blocks:
        return ([f"encoder.block.{i}" for i in range(len(blocks["encoder"]))]
                + [f"decoder.block.{i}" for i in range(len(blocks["decoder"]))])
    return ["embedding"] + [f"layer.{i}" for i in range(len(blocks["decoder"]))]


def context_length(hf_model: Any, tokenizer: Any, default: int = 512) -> int:
    """Longest input the model takes (tokens): the tokenizer's limit, else the config's positions, else ``default``."""
    limits = []
    tok_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_max, int) and 0 < tok_max < _MAX_SANE_LENGTH:
        limits.append(tok_max)
    cfg = _text_config(hf_model.config)
    for attr in ("max_position_embeddings", "n_positions", "n_ctx"):
        value = getattr(cfg, attr, None)
        if isinstance(value, int) and 0 < value < _MAX_SANE_LENGTH:
            limits.append(value)
            break
    return min(limits) if limits else default


@dataclass
class LanguageModel:
    """A loaded language model, ready for :func:`brainalign.extraction.extract_activations` and surprisal.

    Attributes
    ----------
    name : str
        Name used in results (catalog short name, HF id or directory name; ``"-untrained"`` appended for controls).
    model_id : str
        HF id, local path, or ``"gguf:<package>"`` for the offline models.
    revision : str
        Resolved commit hash (hub), ``"sha256:<hex>"`` of the weights (local, GGUF), plus ``"+untrained-seed<k>"``
        for random-init controls. Part of the activation-cache key.
    tokenizer : transformers.PreTrainedTokenizerBase
        A *fast* tokenizer (offset mappings are required for exact word/token alignment).
    hf_model : transformers.PreTrainedModel
        The network, in eval mode, on :attr:`device`.
    layer_names : list of str
        Readout layers in depth order (see the module docstring for the naming).
    is_encoder_decoder : bool
        True for T5-style models.
    max_length : int
        Longest context fed to the model (tokens); longer contexts are truncated on the left.
    device : torch.device
        Where the network runs.
    untrained : bool
        True for a random-init control with the same configuration.
    info : dict
        Catalog properties (``family``, ``pair``, ``instruction_tuned``, ``params``) where known, plus
        ``n_params`` counted on the loaded network.
    """

    name: str
    model_id: str
    revision: str
    tokenizer: Any
    hf_model: Any
    layer_names: list[str]
    is_encoder_decoder: bool
    max_length: int
    device: Any
    untrained: bool = False
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def dtype(self) -> Any:
        """Dtype of the weights (``torch.float32`` on the CPU by default)."""
        return next(self.hf_model.parameters()).dtype

    def score_info(self) -> dict[str, Any]:
        """This model's identity columns in a scores table: ``family``, ``pair``, ``instruction_tuned`` and ``params``
        where the catalog knows them, ``params`` otherwise the parameter count of the loaded network."""
        out = {k: self.info[k] for k in ("family", "pair", "instruction_tuned", "params") if k in self.info}
        if "params" not in out and "n_params" in self.info:
            out["params"] = float(self.info["n_params"])
        return out

    def blocks(self) -> dict[str, list[Any]]:
        """The transformer blocks by stack (see :func:`find_blocks`)."""
        return find_blocks(self.hf_model)

    def __repr__(self) -> str:
        kind = "encoder-decoder" if self.is_encoder_decoder else "causal"
        ctl = ", untrained" if self.untrained else ""
        return (f"LanguageModel({self.name!r}, {kind}, {len(self.layer_names)} layers, max_length={self.max_length}, "
                f"device={self.device}, dtype={self.dtype}{ctl})")


def build_language_model(hf_model: Any, tokenizer: Any, *, name: str, model_id: str, revision: str,
                         untrained: bool, info: dict[str, Any], max_length: int | None = None) -> LanguageModel:
    """Wrap a loaded network and tokenizer (checks that both are usable for readout)."""
    if not getattr(tokenizer, "is_fast", False):
        raise ModelLoadError(
            f"the tokenizer of {model_id} is a slow (Python) tokenizer; brainalign needs a fast tokenizer for exact "
            f"word/token alignment (offset mappings). Install `tokenizers` and load with use_fast=True, or save a "
            f"tokenizer.json next to the weights.")
    blocks = find_blocks(hf_model)
    hf_model.eval()
    if getattr(tokenizer, "pad_token_id", None) is None:
        fallback = tokenizer.eos_token if tokenizer.eos_token is not None else tokenizer.unk_token
        if fallback is not None:
            tokenizer.pad_token = fallback
    info = dict(info)
    info.setdefault("n_params", int(sum(p.numel() for p in hf_model.parameters())))
    device = next(hf_model.parameters()).device
    return LanguageModel(
        name=name, model_id=model_id, revision=revision, tokenizer=tokenizer, hf_model=hf_model,
        layer_names=layer_names_for(blocks), is_encoder_decoder=bool(getattr(hf_model.config, "is_encoder_decoder",
                                                                             False)),
        max_length=int(max_length or context_length(hf_model, tokenizer)), device=device, untrained=untrained,
        info=info)
