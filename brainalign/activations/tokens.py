"""Exact alignment between words (or stimulus items) and a tokenizer's subword tokens.

Stimuli are lists of words/items; models see one string, the items joined by a single space (as Brain-Score joins
them). Alignment uses the fast tokenizer's character offsets, never string matching on token text, so it is exact for
words with punctuation (``"boar,"``, ``"'Nobody"``) and for every whitespace convention:

- GPT-2-style byte-level BPE, where the space belongs to the next token (``"Ġword"``) and offsets may or may not include
  it (``trim_offsets``);
- SentencePiece-style ``"▁word"`` tokens, including a lone ``"▁"`` token before punctuation;
- tokenizers that drop whitespace altogether.

Rule: a token belongs to the item that contains its first non-space character; a token made only of whitespace belongs
to the next item (the space "announces" it); special tokens (BOS/EOS, zero-width offsets) belong to no item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


def join_items(items: Sequence[str], sep: str = " ") -> tuple[str, np.ndarray]:
    """Join items into one text and return each item's character span.

    Parameters
    ----------
    items : sequence of str
        Words or stimulus items, in order.
    sep : str
        Separator (a single space, as Brain-Score).

    Returns
    -------
    text : str
    spans : ndarray of int, shape [n_items, 2]
        ``text[start:end] == items[i]``.
    """
    spans = np.zeros((len(items), 2), dtype=np.int64)
    pos = 0
    for i, item in enumerate(items):
        if i:
            pos += len(sep)
        spans[i] = (pos, pos + len(item))
        pos += len(item)
    return sep.join(items), spans


@dataclass
class Encoding:
    """A tokenized text with its alignment to items.

    Attributes
    ----------
    ids : ndarray of int, shape [n_tokens]
        Token ids, special tokens included.
    offsets : ndarray of int, shape [n_tokens, 2]
        Character span of each token in the text.
    special : ndarray of bool, shape [n_tokens]
        True for special tokens (BOS, EOS, ...).
    item_of_token : ndarray of int, shape [n_tokens]
        Item index of each token, -1 for special tokens (and trailing whitespace).
    """

    ids: np.ndarray
    offsets: np.ndarray
    special: np.ndarray
    item_of_token: np.ndarray

    def last_token(self, n_items: int) -> np.ndarray:
        """Index of each item's last token, shape [n_items] (-1 for an item without tokens)."""
        out = np.full(n_items, -1, dtype=np.int64)
        idx = np.nonzero(self.item_of_token >= 0)[0]
        out[self.item_of_token[idx]] = idx  # later tokens overwrite earlier ones
        return out

    def first_token(self, n_items: int) -> np.ndarray:
        """Index of each item's first token, shape [n_items] (-1 for an item without tokens)."""
        out = np.full(n_items, -1, dtype=np.int64)
        idx = np.nonzero(self.item_of_token >= 0)[0][::-1]
        out[self.item_of_token[idx]] = idx
        return out


def encode_items(tokenizer: Any, items: Sequence[str], *, add_special_tokens: bool = True) -> tuple[str, np.ndarray,
                                                                                                    Encoding]:
    """Tokenize the items joined by spaces and align every token to its item.

    Parameters
    ----------
    tokenizer : transformers.PreTrainedTokenizerFast
        Must be a fast tokenizer (offset mappings).
    items : sequence of str
        Words or items.
    add_special_tokens : bool
        Let the tokenizer add its BOS/EOS tokens.

    Returns
    -------
    text : str
    spans : ndarray, shape [n_items, 2]
    encoding : Encoding
    """
    text, spans = join_items(items)
    enc = tokenizer(text, add_special_tokens=add_special_tokens, return_offsets_mapping=True,
                    return_special_tokens_mask=True, truncation=False, verbose=False)
    ids = np.asarray(enc["input_ids"], dtype=np.int64)
    offsets = np.asarray(enc["offset_mapping"], dtype=np.int64).reshape(-1, 2)
    special = np.asarray(enc["special_tokens_mask"], dtype=bool)
    return text, spans, Encoding(ids, offsets, special, align_tokens(text, spans, offsets, special))


def align_tokens(text: str, spans: np.ndarray, offsets: np.ndarray, special: np.ndarray) -> np.ndarray:
    """Item index of each token (see the module docstring for the rule).

    Parameters
    ----------
    text : str
    spans : ndarray, shape [n_items, 2]
        Item character spans, increasing and non-overlapping.
    offsets : ndarray, shape [n_tokens, 2]
        Token character spans.
    special : ndarray of bool, shape [n_tokens]

    Returns
    -------
    ndarray of int, shape [n_tokens]
        -1 for special tokens and for whitespace after the last item.
    """
    n_items = len(spans)
    out = np.full(len(offsets), -1, dtype=np.int64)
    starts = spans[:, 0]
    for t, (a, b) in enumerate(offsets):
        if special[t]:
            continue
        c = a
        while c < b and text[c].isspace():
            c += 1
        if c < b:  # first non-space character: the item containing it (or, between items, the next one)
            i = int(np.searchsorted(starts, c, side="right")) - 1
            if i < 0:
                i = 0
            elif c >= spans[i, 1] and i + 1 < n_items:
                i += 1
        else:  # whitespace-only (or zero-width, trimmed) token: it belongs to the next item
            i = int(np.searchsorted(starts, b, side="left"))
            if i >= n_items:
                continue
        out[t] = i
    return out
