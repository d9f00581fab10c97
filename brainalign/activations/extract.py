"""Activation extraction: every layer's hidden state at the last token of each stimulus item.

Stimulus presentation follows Brain-Score's Hugging Face wrapper (data-sources.md, "Stimulus presentation"; paper.md
section 2f): a *passage* (a Pereira passage, a Natural Stories story, ...) is a sequence of *items* (sentences, words,
TR fragments). The context grows within a passage: item ``j`` is presented as ``" ".join(items[:j+1])``, and its
representation at each layer is the hidden state of the **last token** of that context. Contexts longer than the
model's ``max_length`` are truncated on the left (the most recent tokens are kept), as ``truncation_side='left'``.

How it is computed:

- **decoder-only models**: each passage is run **once** as one causal sequence and each item's state is gathered at
  its last token, which is exactly the per-item prefix feeding of Brain-Score (a causal model cannot see the future)
  at a fraction of the cost. Passages are batched, longest first, with right padding. Items whose left-truncated
  contexts differ from the passage prefix (passages longer than ``max_length``) get their own exact window, or,
  with ``window_stride=k``, share strided windows that keep at least ``max_length - k`` tokens of context. An item
  whose last token would run across the boundary with the next item (a tokenizer merging across the space) is fed
  on its own, so the equality with per-item feeding never depends on the tokenizer.
- **encoder-decoder models (T5)**: the encoder is bidirectional, so every item is fed on its own with its growing
  context, as the authors' code does (``decoder_input_ids = input_ids``, paper.md section 2f); the readout is the last
  token, which for T5 is the ``</s>`` appended by its tokenizer.

Layer names are those of :mod:`brainalign.models.language_model`; ``sublayers=("post_attention_layernorm",)`` adds,
for every block that has that submodule, its output as ``"layer.N.post_attention_layernorm"`` just before
``"layer.N"`` (the layers the authors' LLaMA plugins hook). Results are cached on disk
(:mod:`brainalign.activations.cache`).

``context="literal"`` (the paper protocol) presents the items exactly as the authors' ``HuggingfaceSubject`` does
(:mod:`brainalign.activations.literal`): the context string is ``prepare_context(items[:j+1])`` (trailing spaces of
an item kept, spaces before punctuation removed), truncated on the left at the tokenizer's ``model_max_length`` (none
when it declares none), and the readout is its last token, whatever that token is. Where those contexts are the
plain joined prefixes and fit, a causal model still runs each passage once; otherwise each item gets its own forward.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from .._version import __version__
from .cache import STORAGES, ActivationCache, cache_key, round_trip, stimulus_hash
from .cache_guard import cached, keep
from .literal import growing_contexts, literal_encode, tokenizer_limit
from .tokens import encode_items

#: Identifies the readout in cache keys and provenance.
READOUT = "last-token/all-layers/passage-context/v1"
#: How contexts are built (module docstring).
CONTEXTS = ("joined", "literal")


class StimulusError(ValueError):
    """Stimuli that cannot be presented (empty, not strings, mismatched ids)."""


@dataclass
class _Sequence:
    """One forward: token ids and the (output row, position) pairs read from it."""

    ids: np.ndarray  # [n_tokens]
    rows: np.ndarray  # [n_readouts] item rows of the output
    positions: np.ndarray  # [n_readouts] token positions in ids


def validate_passages(passages: Any, item_ids: Sequence[Any] | None = None) -> tuple[list[list[str]], list[Any]]:
    """Check stimuli and return them as lists of strings with one id per item.

    Parameters
    ----------
    passages : sequence of sequences of str
        ``passages[p][j]`` = item ``j`` of passage ``p``.
    item_ids : sequence, optional
        One unique id per item, in passage order (default: 0 .. n_items-1).

    Raises
    ------
    StimulusError
        Empty stimuli, a bare string instead of a list of passages, a non-string or blank item, or ids that do not
        match the items.
    """
    if isinstance(passages, str) or passages is None:
        raise StimulusError("passages must be a sequence of passages, each a sequence of item strings, e.g. "
                            "[['The boar ran.', 'It stopped.']]; got a single string or None")
    out: list[list[str]] = []
    for p, passage in enumerate(passages):
        if isinstance(passage, str):
            raise StimulusError(f"passage {p} is a string, not a sequence of items; wrap it as [[{passage[:30]!r}...]] "
                                f"if it is one item")
        items = list(passage)
        if not items:
            raise StimulusError(f"passage {p} is empty: every passage needs at least one item (drop empty passages)")
        for j, item in enumerate(items):
            if not isinstance(item, str):
                raise StimulusError(f"item {j} of passage {p} is {type(item).__name__}, not a string")
            if not item.strip():
                raise StimulusError(f"item {j} of passage {p} is empty or whitespace only; remove it or give it text")
        out.append(items)
    if not out:
        raise StimulusError("no stimuli: passages is empty (give at least one passage with one item)")
    n = sum(len(p) for p in out)
    if item_ids is None:
        ids: list[Any] = list(range(n))
    else:
        ids = list(item_ids)
        if len(ids) != n:
            raise StimulusError(f"{len(ids)} item_ids for {n} items; give one id per item, in passage order")
        if len(set(map(str, ids))) != n:
            raise StimulusError("item_ids are not unique")
    return out, ids


def extract_activations(model: Any, passages: Sequence[Sequence[str]], *, item_ids: Sequence[Any] | None = None,
                        batch_size: int = 8, cache: bool | str | os.PathLike = True, progress: bool = True,
                        window_stride: int | None = None, per_item: bool = False, context: str = "joined",
                        sublayers: Sequence[str] = (), storage: str = "float32") -> xr.DataArray:
    """Hidden states of every layer at the last token of each item, with context growing within each passage.

    Parameters
    ----------
    model : LanguageModel
        From :func:`brainalign.models.load_model` or :func:`brainalign.models.tiny_model`.
    passages : sequence of sequences of str
        ``passages[p][j]`` is item ``j`` of passage ``p`` (a sentence, a word, a TR fragment).
    item_ids : sequence, optional
        One unique id per item in passage order (default ``0 .. n_items-1``); becomes the ``item`` coordinate.
    batch_size : int
        Sequences per forward pass. Padding to the batch's longest sequence changes the floating-point sums slightly
        (activations by up to ~4e-9, a Pereira2018 score by up to ~1e-4), so it is part of the cache key and of the
        provenance (``attrs["batch_size"]``).
    cache : bool or path-like
        True: use the activation cache (:func:`brainalign.paths.activation_cache_dir`); a path: a cache in
        that folder; False: neither read nor write.
    progress : bool
        Show a progress bar.
    window_stride : int, optional
        Passages longer than ``model.max_length``: None (default) gives every overflowing item its own exactly
        left-truncated context (Brain-Score's semantics); an int ``k`` shares windows moved by ``k`` tokens, each item
        keeping at least ``max_length - k`` tokens of context (much faster on long stories; not exact).
    per_item : bool
        Feed every item separately with its whole context (the reference semantics; slow). Causal models only need
        it for checking; T5 always works this way.
    context : {"joined", "literal"}
        ``"joined"``: item ``j``'s context is ``" ".join(items[:j+1])`` read at the item's last token, truncated at
        ``model.max_length``. ``"literal"`` (paper protocol): the authors' context string and readout (module
        docstring).
    sublayers : sequence of str
        Submodules of each decoder block to read as well (e.g. ``("post_attention_layernorm",)``); blocks without
        them are skipped.
    storage : {"float32", "float16", "int8"}
        How the cache stores the values (:mod:`brainalign.activations.cache`); the values returned are those a
        cached read returns, also on the first computation.

    Returns
    -------
    xarray.DataArray
        float32, dims ``("layer", "item", "unit")``, shape [n_layers, n_items, hidden]; coords ``layer`` (names in
        depth order), ``item`` (ids), ``unit`` (0..hidden-1) and ``passage`` (passage index of each item, on the
        ``item`` dim); attrs ``model``, ``model_id``, ``model_revision``, ``readout``, ``max_length``,
        ``brainalign_version``, ``stimulus_hash``, ``batch_size``.

    Raises
    ------
    StimulusError
        Empty or malformed stimuli (see :func:`validate_passages`).
    """
    items, ids = validate_passages(passages, item_ids)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if window_stride is not None and not 0 < window_stride < model.max_length:
        raise ValueError(f"window_stride must be between 1 and max_length-1 ({model.max_length - 1}); got "
                         f"{window_stride}")
    if context not in CONTEXTS:
        raise ValueError(f"context must be one of {CONTEXTS}, got {context!r}")
    sublayers = tuple(sublayers)
    if storage not in STORAGES:
        raise ValueError(f"unknown storage {storage!r}; choose one of {STORAGES}")
    s_hash = stimulus_hash(items, ids)
    readout = READOUT + ("" if window_stride is None else f"/stride{window_stride}")
    readout += ("/literal-context" if context == "literal" else "") + "".join(f"/+{name}" for name in sublayers)
    # batch_size is part of the key: padding to another batch's width changes the float sums (by ~1e-9)
    parts = {"model_id": model.model_id, "revision": model.revision, "dtype": str(model.dtype),
             "max_length": model.max_length, "stimuli": s_hash, "readout": readout, "batch_size": batch_size,
             "storage": storage}
    store = None
    if cache:
        store = ActivationCache(None if cache is True else cache)
        key = cache_key(parts)
        hit = cached(store, key, expect={"model_id": model.model_id, "model_revision": model.revision,
                                         "readout": readout, "max_length": model.max_length, "stimulus_hash": s_hash,
                                         "batch_size": batch_size})
        if hit is not None:
            return hit
    n_items = len(ids)
    passage_of_item = np.concatenate([np.full(len(p), k) for k, p in enumerate(items)])
    if context == "literal":
        seqs = _literal_sequences(model, items)
    elif model.is_encoder_decoder or per_item:
        seqs = _per_item_sequences(model, items)
    else:
        seqs = _causal_sequences(model, items, window_stride)
    names = readout_layer_names(model, sublayers)
    values = round_trip(_run(model, seqs, n_items, batch_size, progress, sublayers), storage)
    da = xr.DataArray(values, dims=("layer", "item", "unit"),
                      coords={"layer": names, "item": ids, "unit": np.arange(values.shape[2]),
                              "passage": ("item", passage_of_item)},
                      attrs={"model": model.name, "model_id": model.model_id, "model_revision": model.revision,
                             "readout": readout, "max_length": model.max_length, "brainalign_version": __version__,
                             "stimulus_hash": s_hash, "batch_size": batch_size, "storage": storage})
    if store is not None:
        keep(store, key, da, parts, storage=storage)  # best effort: an unwritable cache warns once, costs nothing else
    return da


def _special_layout(tokenizer: Any) -> tuple[int, int]:
    """Number of special tokens the tokenizer puts before and after a text."""
    enc = tokenizer("a", add_special_tokens=True, return_special_tokens_mask=True)
    mask = list(enc["special_tokens_mask"])
    lead = 0
    while lead < len(mask) and mask[lead]:
        lead += 1
    trail = 0
    while trail < len(mask) - lead and mask[len(mask) - 1 - trail]:
        trail += 1
    return lead, trail


def _causal_sequences(model: Any, passages: list[list[str]], window_stride: int | None,
                      row0: int = 0) -> list[_Sequence]:
    """One sequence per passage (plus exact or strided windows for overflow and per-item fallbacks)."""
    seqs: list[_Sequence] = []
    n_lead, n_trail = _special_layout(model.tokenizer)
    for items in passages:
        n = len(items)
        rows = row0 + np.arange(n)
        _, spans, enc = encode_items(model.tokenizer, items)
        last = enc.last_token(n)
        crosses = (last < 0) | (enc.offsets[np.maximum(last, 0), 1] > spans[:, 1])
        lead = enc.ids[:n_lead]
        body_end = len(enc.ids) - n_trail
        body = enc.ids[n_lead:body_end]
        budget = model.max_length - n_lead - n_trail
        b = last - n_lead  # position of each item's last token in the body
        ok = ~crosses
        fits = ok & (b < budget)
        if fits.any():
            ids = np.concatenate([lead, body[:budget]])
            seqs.append(_Sequence(ids, rows[fits], last[fits]))
        over = np.nonzero(ok & ~fits)[0]
        if len(over):
            if window_stride is None:
                for j in over:
                    window = np.concatenate([lead, body[b[j] + 1 - budget:b[j] + 1]])
                    seqs.append(_Sequence(window, rows[[j]], np.array([len(window) - 1])))
            else:
                starts = np.ceil((b[over] + 1 - budget) / window_stride).astype(int) * window_stride
                for s in np.unique(starts):
                    sel = over[starts == s]
                    window = np.concatenate([lead, body[s:s + budget]])
                    seqs.append(_Sequence(window, rows[sel], n_lead + b[sel] - s))
        bad = np.nonzero(crosses)[0]
        if len(bad):
            seqs.extend(_per_item_sequences(model, [items], row0=row0, only=bad))
        row0 += n
    return seqs


def _per_item_sequences(model: Any, passages: list[list[str]], row0: int = 0,
                        only: np.ndarray | None = None) -> list[_Sequence]:
    """One sequence per item: its passage prefix, tokenized and left-truncated like Brain-Score's wrapper."""
    tok = model.tokenizer
    seqs: list[_Sequence] = []
    old_side = tok.truncation_side
    tok.truncation_side = "left"
    try:
        for items in passages:
            which = np.arange(len(items)) if only is None else np.asarray(only)
            prefixes = [" ".join(items[:j + 1]) for j in which]
            enc = tok(prefixes, add_special_tokens=True, truncation=True, max_length=model.max_length,
                      return_special_tokens_mask=True)
            for j, ids, mask in zip(which, enc["input_ids"], enc["special_tokens_mask"]):
                ids = np.asarray(ids, dtype=np.int64)
                if model.is_encoder_decoder:
                    pos = len(ids) - 1  # T5: the appended </s>, as in the authors' code
                else:
                    real = np.nonzero(~np.asarray(mask, dtype=bool))[0]
                    pos = int(real[-1]) if len(real) else len(ids) - 1
                seqs.append(_Sequence(ids, np.array([row0 + j]), np.array([pos])))
            row0 += len(items)
    finally:
        tok.truncation_side = old_side
    return seqs


def _literal_sequences(model: Any, passages: list[list[str]]) -> list[_Sequence]:
    """The paper protocol's contexts (:mod:`brainalign.activations.literal`): one passage forward where that is
    exact (a causal model, contexts equal to the joined prefixes, no special token after the text, no truncation),
    else one sequence per item, read at its last token."""
    tok = model.tokenizer
    limit = tokenizer_limit(tok)
    n_lead, n_trail = _special_layout(tok)
    seqs: list[_Sequence] = []
    row0 = 0
    for items in passages:
        contexts = growing_contexts(items)
        joined = [" ".join(items[:j + 1]) for j in range(len(items))]
        n_tokens = len(tok(joined[-1], verbose=False)["input_ids"])
        fits = n_tokens <= model.max_length and (limit is None or n_tokens <= limit)
        if not model.is_encoder_decoder and n_trail == 0 and contexts == joined and fits:
            seqs.extend(_causal_sequences(model, [items], None, row0=row0))
        else:
            for j, ctx in enumerate(contexts):
                ids, _ = literal_encode(tok, ctx, limit)
                seqs.append(_Sequence(ids, np.array([row0 + j]), np.array([len(ids) - 1])))
        row0 += len(items)
    return seqs


def readout_layer_names(model: Any, sublayers: Sequence[str] = ()) -> list[str]:
    """Layer names of an extraction: :attr:`LanguageModel.layer_names`, with ``"layer.N.<sub>"`` before ``"layer.N"``
    for every decoder block ``N`` that has submodule ``<sub>`` (decoder-only models)."""
    if not sublayers or model.is_encoder_decoder:
        return list(model.layer_names)
    out = ["embedding"]
    for k, block in enumerate(model.blocks()["decoder"]):
        out += [f"layer.{k}.{sub}" for sub in sublayers if _submodule(block, sub) is not None]
        out.append(f"layer.{k}")
    return out


def _submodule(block: Any, dotted: str) -> Any:
    module = block
    for part in dotted.split("."):
        module = getattr(module, "_modules", {}).get(part)
        if module is None:
            return None
    return module


def layer_hooks(model: Any, gather: Callable[[int, Any], None], sublayers: Sequence[str] = ()) -> list[Any]:
    """Hooks that hand every readout layer's hidden states to ``gather(layer_index, hidden)`` during a forward.

    ``layer_index`` follows :func:`readout_layer_names` (for a decoder: 0 = the input of the first block, then each
    block's ``sublayers`` and output); ``hidden`` is the tensor ``[batch, seq, hidden]``. Remove the returned handles
    after use.
    """
    blocks = model.blocks()

    def unpack(h: Any) -> Any:
        return h[0] if isinstance(h, (tuple, list)) else h

    handles = []
    if model.is_encoder_decoder:
        stacks = list(blocks["encoder"]) + list(blocks["decoder"])
        for k, block in enumerate(stacks):
            handles.append(block.register_forward_hook(lambda m, a, o, k=k: gather(k, unpack(o))))
    else:
        dec = blocks["decoder"]
        handles.append(dec[0].register_forward_pre_hook(
            lambda m, a, kw: gather(0, a[0] if a else kw["hidden_states"]), with_kwargs=True))
        row = 1
        for block in dec:
            for sub in sublayers:
                module = _submodule(block, sub)
                if module is not None:
                    handles.append(module.register_forward_hook(lambda m, a, o, k=row: gather(k, unpack(o))))
                    row += 1
            handles.append(block.register_forward_hook(lambda m, a, o, k=row: gather(k, unpack(o))))
            row += 1
    return handles


def _run(model: Any, seqs: list[_Sequence], n_items: int, batch_size: int, progress: bool,
         sublayers: Sequence[str] = ()) -> np.ndarray:
    """Forward the sequences in length-sorted batches and gather the readouts of every layer.

    Returns
    -------
    ndarray, float32, shape [n_layers, n_items, hidden]
    """
    import torch

    net = model.hf_model
    hidden = int(getattr(net.config.get_text_config() if hasattr(net.config, "get_text_config") else net.config,
                         "hidden_size", 0) or getattr(net.config, "d_model", 0))
    n_layers = len(readout_layer_names(model, sublayers))
    out = np.full((n_layers, n_items, hidden), np.nan, dtype=np.float32)
    seen = np.zeros((n_layers, n_items), dtype=bool)
    state: dict[str, Any] = {}

    def gather(layer: int, h: Any) -> None:
        out[layer, state["rows"]] = h[state["b"], state["p"]].float().cpu().numpy()
        seen[layer, state["rows"]] = True

    handles = layer_hooks(model, gather, sublayers)
    pad_id = model.tokenizer.pad_token_id
    if pad_id is None:
        pad_id = 0
    order = sorted(range(len(seqs)), key=lambda i: -len(seqs[i].ids))
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    dev = model.device
    try:
        with torch.inference_mode():
            for batch in tqdm(batches, desc=f"{model.name}: activations", unit="batch", disable=not progress):
                width = max(len(seqs[i].ids) for i in batch)
                ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                b_idx, p_idx, rows = [], [], []
                for r, i in enumerate(batch):
                    s = seqs[i]
                    ids[r, :len(s.ids)] = torch.from_numpy(s.ids)
                    mask[r, :len(s.ids)] = 1
                    b_idx.append(np.full(len(s.rows), r))
                    p_idx.append(s.positions)
                    rows.append(s.rows)
                state["b"] = torch.from_numpy(np.concatenate(b_idx)).to(dev)
                state["p"] = torch.from_numpy(np.concatenate(p_idx)).to(dev)
                state["rows"] = np.concatenate(rows)
                ids, mask = ids.to(dev), mask.to(dev)
                if model.is_encoder_decoder:
                    enc = net.get_encoder()(input_ids=ids, attention_mask=mask, use_cache=False)
                    net.get_decoder()(input_ids=ids, attention_mask=mask, encoder_hidden_states=enc[0],
                                      encoder_attention_mask=mask, use_cache=False)
                else:
                    net.base_model(input_ids=ids, attention_mask=mask, use_cache=False)
    finally:
        for h in handles:
            h.remove()
    if not seen.all():
        missing = np.unique(np.nonzero(~seen)[1])
        raise RuntimeError(f"no activations were read for {len(missing)} items (first: {missing[:5].tolist()}); the "
                           f"model's blocks did not run as expected")
    bad = ~np.isfinite(out).all(axis=2)
    if bad.any():
        layer, item = np.nonzero(bad)
        names = readout_layer_names(model, sublayers)
        raise FloatingPointError(
            f"{model.name}: {len(np.unique(item))} items have NaN/inf activations (first at layer {names[layer[0]]!r}, "
            f"item {int(item[0])}): the network overflowed in {model.dtype}. Load it in float32 (--dtype float32, "
            f"load_model(..., dtype='float32')) or bfloat16; float16's range is too small for this model (T5 is "
            f"known to overflow in float16)")
    return out
