"""Per-word surprisal in bits, the model side of behavioral alignment (Futrell2018).

For a causal LM, the surprisal of token ``t`` is ``-log2 p(t | all earlier tokens)``; a word's surprisal is the **sum
over its subword tokens** (paper section 5; Brain-Score's ``estimate_reading_times`` returns the cross-entropy divided by
ln 2, summed over the word's tokens). Words are joined by single spaces into one text and the context accumulates over
the whole corpus, as Brain-Score feeds all 10,256 Natural Stories words in one ``digest_text`` call. Tokens are assigned
to words through character offsets (:mod:`brainalign.activations.tokens`), exactly, whatever the tokenizer's whitespace convention.

When the text is longer than the context (``max_context``; default ``min(model.max_length, 2048)``), it is scored with
a sliding window: windows of ``max_context`` tokens moved by ``stride`` tokens (default ``3/4`` of the window), each token scored in the
first window where it is among the new tokens, so it always sees at least ``max_context - stride`` tokens of context (the BOS token,
if the tokenizer adds one, starts every window, as left truncation keeps it). ``stride=1`` reproduces Brain-Score's
per-token left truncation (every token predicted from the ``max_context - 1`` tokens before it), at a much higher
cost; Brain-Score truncates per *word* instead (a k-token word's first token sees ``budget - k`` tokens there), which
``context="literal"`` reproduces. The default cap of 2048 tokens is the context size of the
paper's LLaMA models, the longest in the paper (T5: 512, GPT-2: 1024); with the default stride every word is predicted
from at least 512 tokens of context. Pass ``max_context=model.max_length`` for models with longer contexts
(SmolLM2: 8192, Gemma-3: 32768): attention cost grows with the square of the window, and on a CPU an 8192-token window
makes scoring the corpus several times slower for a negligible change in surprisal.

A word gets NaN when its first token has no preceding token to be predicted from (the very first word of a text for a
tokenizer without BOS; Brain-Score returns NaN for the first word as well).

``context="literal"`` (the paper protocol) computes every word as the authors' ``HuggingfaceSubject`` does
(:func:`brainalign.activations.literal.paper_word_surprisal`): one context string per word, truncated at the
tokenizer's ``model_max_length`` (not at all when it declares none), and the reference's token accounting.

T5 (encoder-decoder) has no single causal next-word distribution; three methods are offered (``t5_method``):

- ``"causal-decoder"`` (default, corrected): the encoder reads nothing (just ``</s>``); the decoder, started from its
  ``decoder_start_token_id``, reads the text causally and predicts each token from the earlier ones only (sliding
  windows as for causal models). No leakage; T5's decoder is then used as an unconditional language model.
- ``"paper"`` (the authors' code, literally; paper.md section 2f): for each word the encoder and the decoder both read
  the context up to and including that word plus ``</s>`` (``decoder_input_ids = input_ids``), and the reference's
  token accounting counts the previous context's ``</s>``: the scored tokens are the word's tokens **minus its first,
  plus ``</s>``**, each from the decoder's logits one position earlier. For a one-token word (most words in T5's
  vocabulary) the paper's "reading time" is ``-log2 p(</s> | ...)``; the first word gets a finite value. The encoder
  has seen the word (information leaks, paper.md D10). Same as ``context="literal"``.
- ``"word-tokens"``: the same forwards as ``"paper"``, but scoring the word's own tokens (what the authors' code was
  presumably meant to compute; brainalign's ``"paper"`` before the paper protocol). The first word is NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from .literal import paper_word_surprisal
from .lm_head import lm_logits as _logits, log_probs
from .tokens import encode_items

LN2 = math.log(2.0)
T5_METHODS = ("causal-decoder", "paper", "word-tokens")
#: How the context of each word is built (module docstring).
SURPRISAL_CONTEXTS = ("window", "literal")
DEFAULT_MAX_CONTEXT = 2048


def word_surprisal(model: Any, words: Sequence[str], *, progress: bool = True, max_context: int | None = None,
                   stride: int | None = None, t5_method: str = "causal-decoder", batch_size: int = 16,
                   chunk: int = 512, context: str = "window") -> np.ndarray:
    """Surprisal of each word given all earlier words, in bits.

    Parameters
    ----------
    model : LanguageModel
        A causal LM or a T5 model (:func:`brainalign.models.load_model`).
    words : sequence of str
        The corpus, one word (as displayed to readers, punctuation attached) per entry, in reading order.
    progress : bool
        Show a progress bar.
    max_context : int, optional
        Longest context in tokens (default ``min(model.max_length, 2048)``; see the module docstring).
    stride : int, optional
        Sliding-window step for texts longer than ``max_context`` (default ``3 * max_context // 4``); 1 = exact left
        truncation per token.
    t5_method : {"causal-decoder", "paper", "word-tokens"}
        T5 only; see the module docstring (``"paper"`` reproduces the authors' code, with its leakage).
    batch_size : int
        Words per forward for the per-word methods (T5 ``"paper"`` / ``"word-tokens"``, ``context="literal"``).
    chunk : int
        Positions per logit block (bounds memory for large vocabularies).
    context : {"window", "literal"}
        ``"window"``: the words joined by spaces, sliding windows of ``max_context`` tokens. ``"literal"`` (paper
        protocol): Brain-Score's per-word contexts and truncation (``max_context`` and ``stride`` do not apply).

    Returns
    -------
    ndarray, float64, shape [n_words]
        Surprisal in bits (NaN for a word that cannot be predicted, see the module docstring).

    Raises
    ------
    ValueError
        Empty corpus, non-string or blank words, bad ``t5_method`` or ``stride`` (not a positive int), or (T5
        ``"paper"``) a word with more tokens than the context holds.
    """
    words = _check_words(words)
    if t5_method not in T5_METHODS:
        raise ValueError(f"unknown t5_method {t5_method!r}; choose one of {T5_METHODS}")
    if stride is not None and (isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1):
        raise ValueError(f"stride must be a positive number of tokens (or None for the default, 3/4 of the "
                         f"context), got {stride!r}")
    if context not in SURPRISAL_CONTEXTS:
        raise ValueError(f"unknown context {context!r}; choose one of {SURPRISAL_CONTEXTS}")
    if context == "literal" or (model.is_encoder_decoder and t5_method == "paper"):
        return paper_word_surprisal(model, words, progress=progress, batch_size=batch_size, chunk=chunk)
    L = int(max_context or min(model.max_length, DEFAULT_MAX_CONTEXT))
    if L > model.max_length:
        raise ValueError(f"max_context {L} exceeds the model's max_length {model.max_length}")
    if model.is_encoder_decoder and t5_method == "word-tokens":
        return _t5_word_tokens(model, words, L, progress=progress, batch_size=batch_size)
    lead, body, word_of = lead_and_body(model.tokenizer, words)
    if model.is_encoder_decoder:  # causal-decoder: the decoder start token plays the role of BOS
        lead = np.array([model.hf_model.config.decoder_start_token_id], dtype=np.int64)
    token_bits = _windowed_token_surprisal(model, lead, body, L, stride, progress=progress, chunk=chunk)
    return _sum_per_word(token_bits, word_of, len(words))


def lead_and_body(tokenizer: Any, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tokens of the words joined by spaces, split as the windows read them.

    Returns
    -------
    lead : ndarray of int, shape [n_lead]
        Special tokens before the text (a BOS token), repeated at the start of every window.
    body : ndarray of int, shape [n_body]
        The other non-special tokens, in order.
    word_of : ndarray of int, shape [n_body]
        The word each body token belongs to (-1 for none).
    """
    _, _, enc = encode_items(tokenizer, words)
    n_lead = 0
    while n_lead < len(enc.ids) and enc.special[n_lead]:
        n_lead += 1
    body_idx = np.nonzero(~enc.special)[0]
    body_idx = body_idx[body_idx >= n_lead]
    return enc.ids[:n_lead], enc.ids[body_idx], enc.item_of_token[body_idx]


def _check_words(words: Sequence[str]) -> list[str]:
    if isinstance(words, str):
        raise ValueError("words must be a sequence of words, not one string; split it first (e.g. text.split())")
    out = list(words)
    if not out:
        raise ValueError("no words: the corpus is empty")
    for i, w in enumerate(out):
        if not isinstance(w, str) or not w.strip():
            raise ValueError(f"word {i} is {w!r}: every word must be a non-blank string")
    return out


def _sum_per_word(token_bits: np.ndarray, word_of: np.ndarray, n_words: int) -> np.ndarray:
    """Sum token surprisals per word; NaN propagates (a word with an unpredictable token is NaN)."""
    out = np.zeros(n_words, dtype=np.float64)
    has = np.zeros(n_words, dtype=bool)
    keep = word_of >= 0
    np.add.at(out, word_of[keep], token_bits[keep])
    has[word_of[keep]] = True
    out[~has] = np.nan
    return out


def _windows(n: int, budget: int, stride: int) -> list[tuple[int, int, int]]:
    """Sliding windows over n body tokens: (begin, end, first scored index)."""
    if n <= budget:
        return [(0, n, 0)]
    if not 0 < stride <= budget:
        raise ValueError(f"stride must be between 1 and the context budget {budget}; got {stride}")
    out, prev_end, begin = [], 0, 0
    while prev_end < n:
        end = min(begin + budget, n)
        out.append((begin, end, prev_end))
        prev_end = end
        begin += stride
    return out


def _windowed_token_surprisal(model: Any, lead: np.ndarray, body: np.ndarray, L: int, stride: int | None, *,
                              progress: bool, chunk: int, score: bool = True,
                              on_window: Callable[[int, int, int], None] | None = None) -> np.ndarray:
    """Surprisal (bits) of each body token given earlier tokens, shape [n_body] (NaN when nothing precedes it).

    ``on_window(begin, end, first)`` is called before each window's forward (the window holds the lead tokens, then
    body tokens ``begin:end``; tokens ``first:end`` are scored in it): hooks on the blocks read the hidden states of
    the same forward (:mod:`brainalign.activations.readout`). ``score=False`` skips the language-model head (all NaN).
    """
    import torch

    budget = L - len(lead)
    if budget < 1:
        raise ValueError(f"max_context {L} leaves no room for text after {len(lead)} special tokens")
    windows = _windows(len(body), budget, stride or max(1, 3 * budget // 4))
    bits = np.full(len(body), np.nan)
    net = model.hf_model
    dev = model.device
    what = "surprisal" if score else "states"
    with torch.inference_mode():
        for begin, end, first in tqdm(windows, desc=f"{model.name}: {what}", unit="window", disable=not progress):
            if on_window is not None:
                on_window(begin, end, first)
            ids = torch.from_numpy(np.concatenate([lead, body[begin:end]])).long()[None].to(dev)
            hidden = _final_hidden(model, ids)  # [T, H]
            if not score:
                continue
            # body token q sits at input position len(lead) + q - begin and is predicted from the position before
            targets = np.arange(first, end)
            pred_pos = len(lead) + targets - begin - 1
            ok = pred_pos >= 0
            targets, pred_pos = targets[ok], pred_pos[ok]
            for s in range(0, len(targets), chunk):
                pos = torch.from_numpy(pred_pos[s:s + chunk]).to(dev)
                logp = log_probs(_logits(net, hidden[pos]))
                tgt = torch.from_numpy(body[targets[s:s + chunk]]).long().to(dev)
                nll = -logp.gather(1, tgt[:, None])[:, 0]
                bits[targets[s:s + chunk]] = (nll / LN2).double().cpu().numpy()
    return bits


def _final_hidden(model: Any, ids: Any) -> Any:
    """Last hidden state (after the final norm) of one sequence, shape [T, H]; the LM head is applied later in chunks."""
    net = model.hf_model
    if model.is_encoder_decoder:
        eos = model.tokenizer.eos_token_id
        enc_ids = ids.new_tensor([[eos]])
        enc = net.get_encoder()(input_ids=enc_ids, use_cache=False)
        out = net.get_decoder()(input_ids=ids, encoder_hidden_states=enc[0], use_cache=False)
        h = out[0][0]
        if getattr(net.config, "tie_word_embeddings", False) and getattr(net.config, "scale_decoder_outputs", True):
            h = h * (net.config.d_model ** -0.5)
        return h
    out = net.base_model(input_ids=ids, use_cache=False)
    return out[0][0]


def _t5_word_tokens(model: Any, words: list[str], L: int, *, progress: bool, batch_size: int) -> np.ndarray:
    """T5 ``"word-tokens"``: per word, encoder and decoder both read the context including the word; the word's own
    tokens are scored."""
    import torch

    tok = model.tokenizer
    _, _, enc = encode_items(tok, words, add_special_tokens=False)
    eos = tok.eos_token_id
    n = len(words)
    first = enc.first_token(n)
    last = enc.last_token(n)
    out = np.full(n, np.nan)
    budget = L - 1  # room for </s>
    jobs = [i for i in range(n) if last[i] >= 0]
    too_long = [i for i in jobs if last[i] - first[i] + 1 > budget]
    if too_long:
        i = too_long[0]
        raise ValueError(f"word {i} ({words[i][:40]!r}) is {last[i] - first[i] + 1} tokens long, more than the "
                         f"{budget} tokens the context of {L} leaves for it (T5 'word-tokens' method): its surprisal "
                         f"cannot be computed; raise max_context (up to the model's max_length {model.max_length}) or split "
                         f"the word ({len(too_long)} such word(s))")
    jobs.sort(key=lambda i: -min(last[i] + 1, budget))
    net = model.hf_model
    dev = model.device
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    with torch.inference_mode():
        for s in tqdm(range(0, len(jobs), batch_size), desc=f"{model.name}: surprisal (T5, word tokens)", unit="batch",
                      disable=not progress):
            batch = jobs[s:s + batch_size]
            seqs, spans = [], []
            for i in batch:
                start = max(0, last[i] + 1 - budget)
                ids = np.concatenate([enc.ids[start:last[i] + 1], [eos]])
                seqs.append(ids)
                spans.append((first[i] - start, last[i] - start))  # positions of the word's tokens in ids
            width = max(len(x) for x in seqs)
            ids_t = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros_like(ids_t)
            for r, x in enumerate(seqs):
                ids_t[r, :len(x)] = torch.from_numpy(x)
                mask[r, :len(x)] = 1
            ids_t, mask = ids_t.to(dev), mask.to(dev)
            logits = net(input_ids=ids_t, attention_mask=mask, decoder_input_ids=ids_t,
                         decoder_attention_mask=mask, use_cache=False).logits
            logp = log_probs(logits)
            for r, (a, b) in enumerate(spans):
                if a < 1:  # the word's first token has no previous position (start of the text)
                    continue
                pos = torch.arange(a - 1, b, device=dev)
                tgt = ids_t[r, a:b + 1]
                out[batch[r]] = float(-logp[r, pos, tgt].sum().double().cpu()) / LN2
    return out
