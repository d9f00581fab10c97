"""The paper protocol's model side, read literally from the authors' ``HuggingfaceSubject`` (brain-score/language PR
#194, commit 91c88b1; the same code as brainscore-language 2.1.0 / 2.2.1 for causal models).

For every item ``j`` of a ``digest_text`` call (a word of Futrell2018, a sentence of a Pereira passage, a TR fragment of
a Blank story) the reference

1. builds the context string ``prepare_context(items[:j+1])``: the non-blank items joined by single spaces, then
   whitespace before ``. , ! ? ; :`` removed (:func:`prepare_context`). Items are used as they are: a Blank2014 fragment
   that ends in a space leaves the context ending in whitespace (and joins with a double space);
2. tokenizes it with ``truncation=True`` and ``truncation_side='left'``: the text is cut on the left to the
   tokenizer's ``model_max_length`` (special tokens kept) when the tokenizer declares one, and not at all when it
   declares none (``model_max_length`` ~1e30, as many LLaMA-1 conversions) (:func:`tokenizer_limit`);
3. runs the model on the whole (truncated) context, for T5 with ``decoder_input_ids = input_ids``;
4. neural readout: the hooked layer's output at the **last token** of the context, whatever it is (T5's ``</s>``, a
   trailing-whitespace token ``Ġ`` / ``▁``);
5. reading time: it counts the tokens of the previous context *including its special tokens and the overflow the
   tokenizer reports*, takes the current context's tokens after that count as "the word's tokens", and sums their
   surprisal (bits) from the logits one position earlier (:func:`paper_word_surprisal`). For T5, whose tokenizer
   appends ``</s>``, these are the word's tokens minus its first plus ``</s>``.

The overflow count is read the way the reference reads it, from the fast tokenizer's ``encodings[0].overflowing``
(each overflowing chunk carries the tokenizer's special tokens, which the reference counts too).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from .lm_head import lm_logits, log_probs

LN2 = math.log(2.0)
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,!?;:])")
#: A tokenizer ``model_max_length`` at or above this means "no limit" (transformers' VERY_LARGE_INTEGER is ~1e30).
NO_LIMIT = 1_000_000


def prepare_context(parts: Sequence[str]) -> str:
    """The reference's context string: non-blank parts joined by spaces, whitespace before ``.,!?;:`` removed."""
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(p for p in parts if p.strip() != ""))


def growing_contexts(parts: Sequence[str]) -> list[str]:
    """``[prepare_context(parts[:j+1]) for j in range(n)]`` in linear time.

    A match of the substitution that involves part ``j`` starts inside the whitespace at the end of the previous
    context (which no earlier match can have touched), so only that tail is rewritten.
    """
    out: list[str] = []
    ctx = ""
    for part in parts:
        if part.strip() != "":
            if ctx:
                body = ctx.rstrip()
                ctx = body + _SPACE_BEFORE_PUNCTUATION.sub(r"\1", ctx[len(body):] + " " + part)
            else:
                ctx = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", part)
        out.append(ctx)
    return out


def tokenizer_limit(tokenizer: Any) -> int | None:
    """The tokenizer's declared ``model_max_length``, or None when it declares none (no truncation)."""
    limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(limit, (int, float)) and 0 < limit < NO_LIMIT:
        return int(limit)
    return None


def literal_encode(tokenizer: Any, context: str, limit: int | None) -> tuple[np.ndarray, int]:
    """Tokenize a context as the reference does.

    Parameters
    ----------
    tokenizer : transformers.PreTrainedTokenizerFast
    context : str
    limit : int or None
        Left-truncation length (:func:`tokenizer_limit`); None: no truncation.

    Returns
    -------
    ids : ndarray of int64, shape [n_tokens]
        Special tokens included, at most ``limit`` long.
    n_overflowing : int
        The overflow as the reference counts it (the lengths of ``encodings[0].overflowing``).
    """
    if limit is None:
        enc = tokenizer(context, truncation=False, verbose=False)
        return np.asarray(enc["input_ids"], dtype=np.int64), 0
    old = tokenizer.truncation_side
    tokenizer.truncation_side = "left"
    try:
        enc = tokenizer(context, truncation=True, max_length=limit, verbose=False)
    finally:
        tokenizer.truncation_side = old
    overflow = enc.encodings[0].overflowing if enc.encodings else []
    return np.asarray(enc["input_ids"], dtype=np.int64), int(sum(len(o.ids) for o in overflow))


@dataclass
class _Job:
    """One word's forward: its context ids and the (row, target id) pairs whose log-probabilities it needs."""

    word: int
    ids: np.ndarray
    rows: np.ndarray
    targets: np.ndarray


def reading_time_jobs(tokenizer: Any, words: Sequence[str], limit: int | None, *,
                      progress: bool = False) -> tuple[list[_Job | None], list[np.ndarray]]:
    """The reference's token accounting of ``estimate_reading_times`` for every word.

    Returns
    -------
    jobs : list of _Job or None, one per word
        None where the reference returns NaN (a context of at most one token).
    contexts : list of ndarray
        Every word's context ids.
    """
    jobs: list[_Job | None] = []
    contexts: list[np.ndarray] = []
    prev_total = 0
    for w, ctx in enumerate(tqdm(growing_contexts(words), desc="paper protocol: tokenizing contexts", unit="word",
                                 disable=not progress)):
        ids, n_over = literal_encode(tokenizer, ctx, limit)
        contexts.append(ids)
        current = ids[prev_total - n_over:]  # python slicing (a negative start counts from the end), as the reference
        prev_total = len(ids) + n_over
        T = len(ids)
        if T <= 1:
            jobs.append(None)
            continue
        rows = np.arange(T)[-len(current) - 1:-1]
        actual = current
        if len(actual) == len(rows) + 1:  # the reference drops the 0th token, which has no context
            actual = actual[1:]
        if len(actual) != len(rows):
            raise RuntimeError(f"word {w} ({words[w]!r}): {len(actual)} tokens against {len(rows)} predictions; the "
                               f"reference's cross-entropy fails on this input as well")
        jobs.append(_Job(w, ids, rows, actual))
    return jobs, contexts


def paper_word_surprisal(model: Any, words: Sequence[str], *, progress: bool = True, batch_size: int = 8,
                         chunk: int = 512, limit: int | None | str = "tokenizer") -> np.ndarray:
    """Per-word surprisal (bits) exactly as the reference's ``HuggingfaceSubject.estimate_reading_times``.

    Causal models: words whose context ids are a prefix of the longest untruncated context are read from one forward
    of it (a causal model cannot see later tokens, so the numbers are those of the per-word forwards); the others
    (truncated contexts, a tokenization that changes at the word boundary) get their own forward. T5: one forward per
    word, ``decoder_input_ids = input_ids`` (batched by length).

    Parameters
    ----------
    model : LanguageModel
    words : sequence of str
        The text, one item per word, in reading order (one ``digest_text`` call).
    progress : bool
    batch_size : int
        Contexts per forward for the per-word forwards.
    chunk : int
        Positions per logit block.
    limit : "tokenizer", int or None
        Truncation length: the tokenizer's ``model_max_length`` (the reference; None when it declares none), a
        number, or None (never truncate).

    Returns
    -------
    ndarray, float64, shape [n_words]
        NaN where the reference returns NaN (a first context of one token).
    """
    import torch

    lim = tokenizer_limit(model.tokenizer) if limit == "tokenizer" else limit
    jobs, _ = reading_time_jobs(model.tokenizer, words, lim, progress=progress)
    out = np.full(len(words), np.nan)
    todo = [j for j in jobs if j is not None]
    if not model.is_encoder_decoder and todo:
        anchor = max((j for j in todo), key=lambda j: len(j.ids))
        shared = [j for j in todo if len(j.ids) <= len(anchor.ids) and np.array_equal(anchor.ids[:len(j.ids)], j.ids)]
        if shared:
            rows = np.concatenate([j.rows for j in shared])
            bits = _causal_bits(model, anchor.ids, rows, np.concatenate([j.targets for j in shared]), chunk)
            offset = 0
            for j in shared:
                out[j.word] = bits[offset:offset + len(j.rows)].sum()
                offset += len(j.rows)
        done = {j.word for j in shared}
        todo = [j for j in todo if j.word not in done]
    todo.sort(key=lambda j: -len(j.ids))
    dev = model.device
    pad = model.tokenizer.pad_token_id if model.tokenizer.pad_token_id is not None else 0
    with torch.inference_mode():
        for s in tqdm(range(0, len(todo), batch_size), desc=f"{model.name}: surprisal (paper protocol)",
                      unit="batch", disable=not progress or not todo):
            batch = todo[s:s + batch_size]
            width = max(len(j.ids) for j in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for r, j in enumerate(batch):
                ids[r, :len(j.ids)] = torch.from_numpy(j.ids)
                mask[r, :len(j.ids)] = 1
            hidden = _hidden(model, ids.to(dev), mask.to(dev))
            for r, j in enumerate(batch):
                out[j.word] = _bits(model, hidden[r], j.rows, j.targets, chunk).sum()
    return out


def _hidden(model: Any, ids: Any, mask: Any) -> Any:
    """Final hidden states [B, T, H] that the LM head turns into the reference's logits."""
    net = model.hf_model
    if model.is_encoder_decoder:
        enc = net.get_encoder()(input_ids=ids, attention_mask=mask, use_cache=False)
        h = net.get_decoder()(input_ids=ids, attention_mask=mask, encoder_hidden_states=enc[0],
                              encoder_attention_mask=mask, use_cache=False)[0]
        if getattr(net.config, "tie_word_embeddings", False) and getattr(net.config, "scale_decoder_outputs", True):
            h = h * (net.config.d_model ** -0.5)
        return h
    return net.base_model(input_ids=ids, attention_mask=mask, use_cache=False)[0]


def _bits(model: Any, hidden: Any, rows: np.ndarray, targets: np.ndarray, chunk: int) -> np.ndarray:
    """-log2 p(target | logits at row) for one sequence's final hidden states [T, H]."""
    import torch

    out = np.empty(len(rows))
    dev = hidden.device
    for s in range(0, len(rows), chunk):
        pos = torch.from_numpy(rows[s:s + chunk]).to(dev)
        logp = log_probs(lm_logits(model.hf_model, hidden[pos]))
        tgt = torch.from_numpy(targets[s:s + chunk]).long().to(dev)
        out[s:s + chunk] = (-logp.gather(1, tgt[:, None])[:, 0] / LN2).double().cpu().numpy()
    return out


def _causal_bits(model: Any, ids: np.ndarray, rows: np.ndarray, targets: np.ndarray, chunk: int) -> np.ndarray:
    import torch

    with torch.inference_mode():
        t = torch.from_numpy(ids).long()[None].to(model.device)
        hidden = _hidden(model, t, torch.ones_like(t))[0]
        return _bits(model, hidden, rows, targets, chunk)
