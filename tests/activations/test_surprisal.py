"""Surprisal: equals a hand computation from the model's logits; sliding windows; T5 methods; bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from brainalign.models import tiny_model
from brainalign.activations.surprisal import word_surprisal

WORDS = ("If you were to journey to the North of England, you'd come to a valley \"surrounded\" by moors "
         "(as high as mountains). It's 1,234 miles away -- isn't it?").split()


def _hand(model, words, window=None):
    """-log2 p(token | all earlier tokens) from a plain forward, summed over each word's tokens (by prefix lengths)."""
    tok = model.tokenizer
    ids = tok(" ".join(words)).input_ids
    # tokens of word i = the tokens added when the text grows from words[:i] to words[:i+1] (no offsets involved)
    bounds = [len(tok(" ".join(words[:i + 1])).input_ids) for i in range(len(words))]
    n_special_end = len(tok("a").input_ids) - len(tok("a", add_special_tokens=False).input_ids)
    lead = 1 if tok.bos_token_id is not None and ids[0] == tok.bos_token_id and n_special_end else 0
    logp = []
    for t in range(len(ids)):
        if t == 0:
            logp.append(float("nan"))
            continue
        # the input, target included, is left-truncated to `window` tokens (BOS kept)
        ctx = ids[:t] if window is None else ids[:lead] + ids[max(lead, t - (window - lead - 1)):t]
        with torch.no_grad():
            logits = model.hf_model(torch.tensor([ctx])).logits[0, -1]
        logp.append(float(torch.log_softmax(logits, -1)[ids[t]]))
    out, prev = [], lead
    for b in bounds:
        out.append(-sum(logp[prev:b]) / math.log(2))
        prev = b
    return np.array(out)


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
def test_surprisal_equals_hand_computation(arch):
    model = tiny_model(arch, seed=1)
    got = word_surprisal(model, WORDS, progress=False)
    want = _hand(model, WORDS)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)
    assert np.isnan(got[0]) == (arch == "gpt2")  # no BOS: the first word has nothing to be predicted from
    assert np.all(got[1:] > 0)


@pytest.mark.parametrize("context", ["window", "literal"])
def test_float64_model_scores_in_float64(context):
    """A float64 model's surprisal is float64 to the end (the reference's cross_entropy on float64 logits): a float32
    log-softmax moved SmolLM2's surprisals by up to 3.5e-5 bits."""
    model = tiny_model("llama", seed=1)
    model.hf_model.double()
    got = word_surprisal(model, WORDS, progress=False, context=context)
    np.testing.assert_allclose(got, _hand(model, WORDS), rtol=0, atol=1e-12)


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
def test_sliding_window_stride_one_is_exact_left_truncation(arch):
    model = tiny_model(arch, seed=0)
    model.max_length = 12
    got = word_surprisal(model, WORDS[:14], progress=False, stride=1)
    want = _hand(model, WORDS[:14], window=12)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)
    coarse = word_surprisal(model, WORDS[:14], progress=False, stride=6)
    model.max_length = 256
    full = word_surprisal(model, WORDS[:14], progress=False)
    with pytest.raises(ValueError, match="exceeds"):
        word_surprisal(model, WORDS[:14], progress=False, max_context=1000)
    assert np.nanmax(np.abs(coarse - full)) > 1e-3  # truncation really happened


def test_t5_word_tokens_method_scores_the_words_own_tokens():
    model = tiny_model("t5", seed=0)
    words = WORDS[:8]
    got = word_surprisal(model, words, progress=False, t5_method="word-tokens")
    tok = model.tokenizer
    for i in range(1, len(words)):
        ids = tok(" ".join(words[:i + 1]), return_tensors="pt").input_ids  # ends with </s>
        n_prev = len(tok(" ".join(words[:i]), add_special_tokens=False).input_ids)
        with torch.no_grad():
            logits = model.hf_model(input_ids=ids, decoder_input_ids=ids).logits[0]
        logp = torch.log_softmax(logits, -1)
        targets = range(n_prev, ids.shape[1] - 1)  # the word's tokens (before </s>)
        want = -sum(float(logp[t - 1, ids[0, t]]) for t in targets) / math.log(2)
        assert got[i] == pytest.approx(want, rel=1e-5, abs=1e-4)


def _huggingface_subject_reading_times(model, words):
    """HuggingfaceSubject.estimate_reading_times (91c88b1), spelled out: per word, the previous context's token count
    (T5: with its </s>) marks where the word's tokens start; logits are those of decoder_input_ids = input_ids."""
    tok = model.tokenizer
    out, prev = [], 0
    for i in range(len(words)):
        ids = tok(" ".join(words[:i + 1]), return_tensors="pt").input_ids
        current = ids[0, prev:]
        prev = ids.shape[1]
        with torch.no_grad():
            logits = model.hf_model(input_ids=ids, decoder_input_ids=ids).logits[0]
        if logits.shape[0] <= 1:
            out.append(float("nan"))
            continue
        predicted = logits[-len(current) - 1:-1]
        actual = current[1:] if len(current) == len(predicted) + 1 else current
        out.append(float(torch.nn.functional.cross_entropy(predicted, actual, reduction="sum")) / math.log(2))
    return np.array(out)


def test_t5_paper_method_is_huggingface_subject_literally():
    model = tiny_model("t5", seed=0)
    words = [w for w in WORDS[:12] if not w[0] in ".,!?;:"]
    got = word_surprisal(model, words, progress=False, t5_method="paper")
    np.testing.assert_allclose(got, _huggingface_subject_reading_times(model, words), rtol=1e-5, atol=1e-5)
    assert np.isfinite(got[0])  # Brain-Score's own T5 test: the first word gets a value
    # a one-token word is "read" as -log2 p(</s> | ...): the word's first token is never scored
    tok = model.tokenizer
    one = [i for i in range(1, len(words)) if len(tok(words[i], add_special_tokens=False).input_ids) == 1]
    assert one, "the fixture needs a one-token word"
    i = one[0]
    ids = tok(" ".join(words[:i + 1]), return_tensors="pt").input_ids
    with torch.no_grad():
        logp = torch.log_softmax(model.hf_model(input_ids=ids, decoder_input_ids=ids).logits[0], -1)
    assert got[i] == pytest.approx(-float(logp[-2, tok.eos_token_id]) / math.log(2), rel=1e-5)


def test_t5_causal_decoder_has_no_leakage():
    model = tiny_model("t5", seed=0)
    words = WORDS[:8]
    got = word_surprisal(model, words, progress=False, t5_method="causal-decoder")
    tok = model.tokenizer
    ids = tok(" ".join(words), add_special_tokens=False).input_ids
    dec = [model.hf_model.config.decoder_start_token_id] + ids
    with torch.no_grad():
        logits = model.hf_model(input_ids=torch.tensor([[tok.eos_token_id]]), decoder_input_ids=torch.tensor([dec])
                                ).logits[0]
    logp = torch.log_softmax(logits, -1)
    token_bits = [-float(logp[t, ids[t]]) / math.log(2) for t in range(len(ids))]
    assert np.nansum(got) == pytest.approx(sum(token_bits), rel=1e-5)
    # a later word cannot change an earlier word's surprisal without leakage; with the paper's method it can
    changed = words[:4] + ["zebra"] + words[5:]
    assert word_surprisal(model, changed, progress=False, t5_method="causal-decoder")[3] == pytest.approx(got[3])
    paper = word_surprisal(model, words, progress=False, t5_method="word-tokens")
    paper_changed = word_surprisal(model, changed, progress=False, t5_method="word-tokens")
    assert paper_changed[3] == pytest.approx(paper[3])  # word 3's context is the same in both
    assert paper_changed[4] != pytest.approx(paper[4])


@pytest.mark.parametrize("bad, pattern", [([], "empty"), ("one string", "not one string"), (["a", ""], "word 1")])
def test_bad_words(bad, pattern):
    with pytest.raises(ValueError, match=pattern):
        word_surprisal(tiny_model("gpt2"), bad, progress=False)


def test_bad_t5_method():
    with pytest.raises(ValueError, match="t5_method"):
        word_surprisal(tiny_model("t5"), ["a", "b"], progress=False, t5_method="magic")


# ------------------------------------------------------------------------------------------- issue 13 (D12)
@pytest.mark.parametrize("stride", [0, -3, 2.5, True])
def test_stride_must_be_a_positive_int(stride):
    # stride=0 used to mean "the default" silently
    with pytest.raises(ValueError, match="stride must be a positive number of tokens"):
        word_surprisal(tiny_model("gpt2"), ["a", "b"], stride=stride, progress=False)


def test_t5_word_tokens_word_longer_than_the_context_is_an_error():
    # it used to come back as NaN without a word
    model = tiny_model("t5")
    words = ["The", "extraordinarily" * 40, "end"]
    with pytest.raises(ValueError, match=r"word 1 .* tokens long, more than the .* context"):
        word_surprisal(model, words, max_context=16, t5_method="word-tokens", progress=False)
