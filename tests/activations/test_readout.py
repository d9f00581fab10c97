"""The shared corpus readout: surprisal equal to word_surprisal, states read in the scoring window, one forward per
session, separate cache entries, T5 fallback."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from brainalign.activations import readout as ro
from brainalign.activations import surprisal as surprisal_mod
from brainalign.activations.cache import ActivationCache
from brainalign.activations.extract import extract_activations
from brainalign.activations.readout import ReadoutRequest, corpus_readout, readout_session
from brainalign.activations.surprisal import word_surprisal
from brainalign.models import tiny_model

WORDS = ("If you were to journey to the North of England, you'd come to a valley surrounded by moors as high as "
         "mountains. It is in this valley where you would find the city of York, a city of a great many stories "
         "and some of the oldest walls.").split()


@pytest.fixture
def forwards(monkeypatch):
    """Counts the windowed passes over the corpus."""
    calls = []
    real = surprisal_mod._windowed_token_surprisal

    def counted(*args, **kwargs):
        calls.append(kwargs.get("score", True))
        return real(*args, **kwargs)

    monkeypatch.setattr(ro, "_windowed_token_surprisal", counted)
    return calls


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
@pytest.mark.parametrize("context", [None, 16])
def test_surprisal_is_word_surprisal(arch, context):
    model = tiny_model(arch, seed=2)
    want = word_surprisal(model, WORDS, progress=False, max_context=context)
    got = corpus_readout(model, WORDS, max_context=context, cache=False, progress=False)
    np.testing.assert_array_equal(got.surprisal, want)
    assert got.states is None and got.info["seconds"] > 0
    assert got.token_counts.shape == (len(WORDS),) and (got.token_counts >= 1).all()
    ids = model.tokenizer(" ".join(WORDS), add_special_tokens=False).input_ids
    assert got.token_counts.sum() == len(ids)


def _hidden_at(model, ids, pos):
    """Every readout layer's hidden state at position ``pos`` of one plain forward (output_hidden_states)."""
    with torch.no_grad():
        out = model.hf_model(torch.tensor([ids]), output_hidden_states=True)
    hs = out.hidden_states
    blocks = [hs[k][0, pos] for k in range(len(hs) - 1)]
    # the last block is read before the final norm (a hook on the block), hidden_states[-1] is after it
    with torch.no_grad():
        last = {}
        h = model.blocks()["decoder"][-1].register_forward_hook(lambda m, a, o: last.update(v=o[0] if
                                                                                      isinstance(o, tuple) else o))
        model.hf_model(torch.tensor([ids]))
        h.remove()
    return np.stack([b.numpy() for b in blocks] + [last["v"][0, pos].numpy()])


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
def test_states_are_read_in_the_window_that_scores_the_word(arch):
    model = tiny_model(arch, seed=0)
    L = 20
    got = corpus_readout(model, WORDS, state_items=np.arange(len(WORDS)), max_context=L, cache=False, progress=False)
    enc = model.tokenizer(" ".join(WORDS), add_special_tokens=True, return_offsets_mapping=True)
    from brainalign.activations.tokens import encode_items

    _, _, e = encode_items(model.tokenizer, WORDS)
    lead = 1 if e.special[0] else 0
    body = [t for t, s in zip(e.ids, e.special) if not s]
    word_of = e.item_of_token[~e.special]
    windows = surprisal_mod._windows(len(body), L - lead, max(1, 3 * (L - lead) // 4))
    assert len(windows) > 2  # the corpus really is read in several windows
    for w in (1, 7, len(WORDS) // 2, len(WORDS) - 1):
        q = int(np.nonzero(word_of == w)[0][-1])  # the word's last body token
        begin, end, _ = next(win for win in windows if win[2] <= q < win[1])
        ids = list(e.ids[:lead]) + body[begin:end]
        want = _hidden_at(model, ids, lead + q - begin)
        np.testing.assert_allclose(got.states.values[:, w], want, rtol=1e-5, atol=1e-5)
    assert list(got.states["layer"].values) == list(model.layer_names)
    del enc


def test_one_window_states_equal_extract_activations():
    model = tiny_model("llama", seed=3)
    got = corpus_readout(model, WORDS, state_items=np.arange(len(WORDS)), cache=False, progress=False)
    want = extract_activations(model, [WORDS], cache=False, progress=False)
    np.testing.assert_allclose(got.states.values, want.values, rtol=1e-5, atol=1e-6)


def test_cached_entries_hold_only_what_was_asked(tmp_path, forwards):
    model = tiny_model("gpt2")
    a = corpus_readout(model, WORDS, cache=tmp_path, progress=False)
    cache = ActivationCache(tmp_path)
    (entry,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert sorted(p.name for p in entry.glob("*.npy")) == ["surprisal.npy", "token_counts.npy"]
    b = corpus_readout(model, WORDS, cache=tmp_path, progress=False)
    assert forwards == [True] and b.info["surprisal_cached"]
    np.testing.assert_array_equal(a.surprisal, b.surprisal)
    np.testing.assert_array_equal(a.token_counts, b.token_counts)
    items = np.array([3, 5, 8])
    s = corpus_readout(model, WORDS, surprisal=False, state_items=items, item_ids=[f"w{i}" for i in
                                                                                   range(len(WORDS))],
                       storage="float16", cache=tmp_path, progress=False)
    assert forwards == [True, False]  # states only: no language-model head
    assert list(s.states["item"].values) == ["w3", "w5", "w8"] and list(s.states["word_index"].values) == [3, 5, 8]
    assert s.surprisal is None and s.states.attrs["storage"] == "float16"
    again = corpus_readout(model, WORDS, surprisal=False, state_items=items, item_ids=[f"w{i}" for i in
                                                                                       range(len(WORDS))],
                           storage="float16", cache=tmp_path, progress=False)
    assert forwards == [True, False]
    np.testing.assert_array_equal(again.states.values, s.states.values)
    assert cache.size() > 0 and len([p for p in tmp_path.iterdir() if p.is_dir()]) == 2
    corpus_readout(model, WORDS[:-1], cache=tmp_path, progress=False)  # other text: miss
    corpus_readout(model, WORDS, max_context=16, cache=tmp_path, progress=False)  # other context: miss
    corpus_readout(tiny_model("gpt2", seed=1), WORDS, cache=tmp_path, progress=False)  # other weights: miss
    assert len(forwards) == 5


def test_a_session_shares_one_forward_between_benchmarks(tmp_path, forwards):
    model = tiny_model("llama")
    items = tuple(range(2, len(WORDS), 3))
    requests = [ReadoutRequest(tuple(WORDS), surprisal=True, cache=tmp_path),
                ReadoutRequest(tuple(WORDS), surprisal=False, state_items=items, storage="int8", cache=tmp_path)]
    with readout_session(requests):
        s = corpus_readout(model, WORDS, cache=tmp_path, progress=False)  # the first benchmark: surprisal
        st = corpus_readout(model, WORDS, surprisal=False, state_items=items, storage="int8", cache=tmp_path,
                            progress=False)  # the second: served from the same forward
    assert forwards == [True] and st.info["states_cached"]
    # what the session computed is what separate calls compute
    alone = corpus_readout(model, WORDS, surprisal=False, state_items=items, storage="int8", cache=False,
                           progress=False)
    np.testing.assert_array_equal(st.states.values, alone.states.values)
    np.testing.assert_array_equal(s.surprisal, corpus_readout(model, WORDS, cache=False, progress=False).surprisal)
    # both were written to the disk cache: a new session computes nothing
    with readout_session(requests):
        corpus_readout(model, WORDS, cache=tmp_path, progress=False)
        corpus_readout(model, WORDS, surprisal=False, state_items=items, storage="int8", cache=tmp_path,
                       progress=False)
    assert forwards == [True, False, True]


def test_a_session_without_disk_cache_keeps_results_in_memory(forwards):
    model = tiny_model("gpt2")
    req = [ReadoutRequest(tuple(WORDS), cache=False), ReadoutRequest(tuple(WORDS), surprisal=False,
                                                                     state_items=(1, 2), cache=False)]
    with readout_session(req):
        corpus_readout(model, WORDS, cache=False, progress=False)
        corpus_readout(model, WORDS, cache=False, progress=False)
        corpus_readout(model, WORDS, surprisal=False, state_items=[1, 2], cache=False, progress=False)
    assert forwards == [True]
    corpus_readout(model, WORDS, cache=False, progress=False)  # outside the session: computed again
    assert forwards == [True, True]


def test_other_context_in_a_session_is_not_merged(forwards):
    model = tiny_model("gpt2")
    req = [ReadoutRequest(tuple(WORDS), cache=False), ReadoutRequest(tuple(WORDS), max_context=16, cache=False)]
    with readout_session(req):
        a = corpus_readout(model, WORDS, cache=False, progress=False)
        b = corpus_readout(model, WORDS, max_context=16, cache=False, progress=False)
    assert len(forwards) == 2 and not np.array_equal(a.surprisal, b.surprisal, equal_nan=True)


def test_t5_uses_its_own_paths():
    model = tiny_model("t5")
    words = WORDS[:12]
    got = corpus_readout(model, words, state_items=[0, 4, 11], cache=False, progress=False)
    np.testing.assert_array_equal(got.surprisal, word_surprisal(model, words, progress=False))
    want = extract_activations(model, [words], cache=False, progress=False)
    np.testing.assert_allclose(got.states.values, want.values[:, [0, 4, 11]], rtol=1e-5, atol=1e-5)  # batching


@pytest.mark.parametrize("kwargs, match", [
    ({"state_items": [0, 0]}, "repeated"), ({"state_items": [99]}, "indices"), ({"state_items": []}, "empty"),
    ({"storage": "int4"}, "storage"), ({"t5_method": "x"}, "t5_method"), ({"item_ids": [1]}, "item_ids"),
    ({"max_context": 10 ** 6}, "max_length")])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        corpus_readout(tiny_model("gpt2"), WORDS, cache=False, progress=False, **kwargs)
    with pytest.raises(ValueError, match="one string"):
        corpus_readout(tiny_model("gpt2"), "a text", cache=False, progress=False)
