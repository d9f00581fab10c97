"""One forward over a corpus for everything read out per word: surprisal and every layer's states, cached.

The Futrell2018 benchmarks all read the Natural Stories corpus as Brain-Score presents it, the 10,256 words as one
text whose context accumulates across the stories, scored in sliding windows of ``max_context`` tokens
(:mod:`brainalign.activations.surprisal`). :func:`corpus_readout` runs those windows **once** and returns what was
asked for:

- per-word **surprisal** in bits (summed over the word's tokens; exactly
  :func:`~brainalign.activations.surprisal.word_surprisal`) and the **number of tokens** of each word;
- **every layer's hidden state** at the last token of each requested word, read in the same forward: in the window
  in which that token's surprisal is scored, so it sees the same context (at least ``max_context - stride`` tokens).

**Sharing between benchmarks.** Inside :func:`readout_session` (opened by the job loop,
:func:`brainalign.run.job.run_model_job`, with the :class:`ReadoutRequest` of every benchmark it is about to score),
the first call that needs a forward for a corpus also computes what the session's other requests need for the same
corpus and context, so surprisal and states come from one forward per model; later calls are served from memory.

**Cache.** Surprisal (with the token counts) and states are separate entries of the activation cache
(:mod:`brainalign.activations.cache`), so only what a benchmark uses is stored; states are stored in the storage the
request names (a benchmark that needs less precision asks for ``"int8"``). Keys hold the model id, revision and
dtype, a hash of the words, the context parameters and :data:`READOUT_VERSION`; a states key also holds the requested
words and the storage. A cached read is verified (sizes, headers, per-chunk checksums) and memory-mapped.

Encoder-decoder models (T5) have no causal pass that gives both: their surprisal is
:func:`~brainalign.activations.surprisal.word_surprisal` (``t5_method``) and their states are
:func:`~brainalign.activations.extract.extract_activations` of the corpus as one passage (per-word contexts,
left-truncated at the model's maximum length).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from .._version import __version__
from .cache import STORAGES, ActivationCache, cache_key, encode_values, decode_layer
from .extract import extract_activations, layer_hooks
from .surprisal import (DEFAULT_MAX_CONTEXT, T5_METHODS, _check_words, _sum_per_word, _windowed_token_surprisal,
                        lead_and_body, word_surprisal)
from .tokens import encode_items

#: Identifies the readout in cache keys and provenance (bump when the numbers it produces change).
READOUT_VERSION = "corpus-windows/surprisal+last-token-states/v1"

__all__ = ["READOUT_VERSION", "CorpusReadout", "ReadoutRequest", "corpus_readout", "readout_key", "readout_session"]


@dataclass(frozen=True)
class ReadoutRequest:
    """What a benchmark will read from a corpus (given to :func:`readout_session` so that one forward serves all).

    Attributes
    ----------
    words : tuple of str
        The corpus in reading order.
    surprisal : bool
        Per-word surprisal is needed.
    state_items : tuple of int, optional
        Indices of the words whose states are needed (None: no states).
    item_ids : tuple, optional
        Ids of all words (default ``0 .. n-1``); the ``item`` coordinate of the states.
    max_context, stride, t5_method
        Context parameters, as :func:`corpus_readout`.
    storage : str
        Storage of the states in the cache.
    cache : bool or path-like
        As :func:`corpus_readout`.
    """

    words: tuple[str, ...]
    surprisal: bool = True
    state_items: tuple[int, ...] | None = None
    item_ids: tuple[Any, ...] | None = None
    max_context: int | None = None
    stride: int | None = None
    t5_method: str = "causal-decoder"
    storage: str = "float32"
    cache: Any = True


@dataclass
class CorpusReadout:
    """What :func:`corpus_readout` returns.

    Attributes
    ----------
    surprisal : ndarray of float64, shape [n_words], or None
        Surprisal in bits (NaN for a word that cannot be predicted, e.g. the first word without a BOS token).
    token_counts : ndarray of int, shape [n_words]
        Tokens of each word in the model's tokenization of the text.
    states : xarray.DataArray or None
        float32, dims ``("layer", "item", "unit")``, one item per requested word (coords ``item`` = its id and
        ``word_index``); values as stored (see ``storage``).
    info : dict
        ``max_context``, ``stride``, ``readout``, ``surprisal_cached``, ``states_cached`` (True: read from the
        cache or the session), ``seconds`` (of the forward; 0 when nothing was computed).
    """

    surprisal: np.ndarray | None
    token_counts: np.ndarray
    states: xr.DataArray | None = None
    info: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------------- sessions
@dataclass
class _Session:
    requests: list[ReadoutRequest]
    memo: dict[str, Any] = field(default_factory=dict)


_SESSION: contextvars.ContextVar[_Session | None] = contextvars.ContextVar("brainalign_readout_session", default=None)


@contextlib.contextmanager
def readout_session(requests: Iterable[ReadoutRequest] = ()) -> Iterator[None]:
    """Share forwards between the readouts of several benchmarks (see the module docstring).

    Within the block, a forward over a corpus also computes what the other ``requests`` need for the same corpus and
    context, and every readout is kept in memory until the block ends (one model's states, typically a few hundred
    MB), so each is computed once even without a disk cache.
    """
    token = _SESSION.set(_Session(list(requests)))
    try:
        yield
    finally:
        _SESSION.reset(token)


# ------------------------------------------------------------------------------------------------------------- keys
def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, ensure_ascii=False, default=str).encode()).hexdigest()


def _context_length(model: Any, max_context: int | None) -> int:
    L = int(max_context or min(model.max_length, DEFAULT_MAX_CONTEXT))
    if L > model.max_length:
        raise ValueError(f"max_context {L} exceeds the model's max_length {model.max_length}")
    return L


def _common_parts(model: Any, text: str, L: int, stride: int | None, t5_method: str) -> dict[str, Any]:
    parts = {"model_id": model.model_id, "revision": model.revision, "dtype": str(model.dtype), "text": text,
             "max_context": L, "stride": stride, "readout": READOUT_VERSION}
    if model.is_encoder_decoder:
        parts["t5_method"] = t5_method
    return parts


def _states_parts(common: dict[str, Any], items: np.ndarray, ids: Sequence[Any], storage: str) -> dict[str, Any]:
    return {**common, "kind": "states", "items": _hash([items.tolist(), [str(ids[i]) for i in items]]),
            "storage": storage}


def readout_key(model: Any, words: Sequence[str], *, state_items: Sequence[int] | np.ndarray | None = None,
                item_ids: Sequence[Any] | None = None, max_context: int | None = None, stride: int | None = None,
                t5_method: str = "causal-decoder", storage: str = "float32") -> str:
    """Cache key of what :func:`corpus_readout` would return with these arguments: of the states when
    ``state_items`` is given, of the surprisal otherwise (for results derived from a readout, e.g. a memo)."""
    words = list(words)
    common = _common_parts(model, _hash(words), _context_length(model, max_context), stride, t5_method)
    if state_items is None:
        return cache_key({**common, "kind": "surprisal"})
    ids = list(range(len(words))) if item_ids is None else list(item_ids)
    return cache_key(_states_parts(common, _check_items(state_items, len(words)), ids, storage))


def _store(cache: Any) -> ActivationCache | None:
    if not cache:
        return None
    return ActivationCache(None if cache is True else cache)


# ---------------------------------------------------------------------------------------------------- the readout
def corpus_readout(model: Any, words: Sequence[str], *, surprisal: bool = True,
                   state_items: Sequence[int] | np.ndarray | None = None, item_ids: Sequence[Any] | None = None,
                   max_context: int | None = None, stride: int | None = None, t5_method: str = "causal-decoder",
                   storage: str = "float32", batch_size: int = 16, chunk: int = 512,
                   cache: bool | str | os.PathLike = True, progress: bool = True) -> CorpusReadout:
    """Per-word surprisal and/or every layer's states of a corpus read as one text (see the module docstring).

    Parameters
    ----------
    model : LanguageModel
        From :func:`brainalign.models.load_model` or :func:`brainalign.models.tiny_model`.
    words : sequence of str
        The corpus, one word (as displayed to readers) per entry, in reading order.
    surprisal : bool
        Return per-word surprisal.
    state_items : sequence of int, optional
        Indices of the words whose states to return (None: no states).
    item_ids : sequence, optional
        One id per word (default ``0 .. n-1``): the ``item`` coordinate of the states.
    max_context : int, optional
        Window length in tokens (default ``min(model.max_length, 2048)``), as
        :func:`~brainalign.activations.surprisal.word_surprisal`.
    stride : int, optional
        Window step (default ``3/4`` of the window).
    t5_method : {"causal-decoder", "paper", "word-tokens"}
        T5 only (see :mod:`brainalign.activations.surprisal`).
    storage : {"float32", "float16", "int8"}
        How the states are cached (:mod:`brainalign.activations.cache`); the states returned are the stored values.
    batch_size : int
        Forward batch of the T5 paths.
    chunk : int
        Positions per logit block.
    cache : bool or path-like
        True: the activation cache; a path: a cache in that folder; False: neither read nor write (a session still
        shares the results in memory).
    progress : bool
        Progress bars.

    Returns
    -------
    CorpusReadout

    Raises
    ------
    ValueError
        Empty or blank words, bad indices, ids or options, or a requested word without tokens.
    """
    words = _check_words(words)
    n = len(words)
    if t5_method not in T5_METHODS:
        raise ValueError(f"unknown t5_method {t5_method!r}; choose one of {T5_METHODS}")
    if storage not in STORAGES:
        raise ValueError(f"unknown storage {storage!r}; choose one of {STORAGES}")
    ids = list(range(n)) if item_ids is None else list(item_ids)
    if len(ids) != n:
        raise ValueError(f"{len(ids)} item_ids for {n} words; give one id per word")
    items = None if state_items is None else _check_items(state_items, n)
    L = _context_length(model, max_context)
    common = _common_parts(model, _hash(words), L, stride, t5_method)
    s_key = cache_key({**common, "kind": "surprisal"})
    st_key = None if items is None else cache_key(_states_parts(common, items, ids, storage))
    session = _SESSION.get()
    memo = session.memo if session is not None else {}
    store = _store(cache)

    got_s = _get_surprisal(memo, store, s_key) if surprisal else None
    got_st = _get_states(memo, store, st_key) if st_key is not None else None
    info = {"max_context": L, "stride": stride, "readout": READOUT_VERSION, "surprisal_cached": got_s is not None,
            "states_cached": got_st is not None, "seconds": 0.0}
    need_s = surprisal and got_s is None
    jobs = [] if items is None or got_st is not None else [(items, ids, storage, store, st_key)]
    if need_s or jobs:
        extra_s, extra_jobs = _session_extras(session, model, words, common, L, stride, t5_method, s_key, memo)
        need_s = need_s or extra_s is not None
        jobs += [j for j in extra_jobs if j[4] != st_key]
        t0 = time.perf_counter()
        bits, counts, states = _forward(model, words, need_s, jobs, L, stride, t5_method, batch_size, chunk, progress)
        info["seconds"] = time.perf_counter() - t0
        if need_s:
            memo[s_key] = (bits, counts)
            targets = {t.root: t for t in (store, None if extra_s is None else extra_s[0]) if t is not None}
            for target in targets.values():
                target.save_arrays(s_key, {"surprisal": bits, "token_counts": counts.astype(np.int32)},
                                   {**common, "kind": "surprisal"}, meta={"max_context": L, "stride": stride})
        for (its, its_ids, stor, target, key), values in zip(jobs, states):
            da, encoded = _states_array(model, values, its, its_ids, stor, L, stride)
            memo[key] = da
            if target is not None:
                target.save(key, da, _states_parts(common, its, its_ids, stor), storage=stor, encoded=encoded)
        if surprisal and got_s is None:
            got_s = (bits, counts)
        if jobs and got_st is None and jobs[0][4] == st_key:
            got_st = memo[st_key]
    else:
        counts = None
    if got_s is not None:
        counts = got_s[1]
    elif counts is None:
        counts = _token_counts(model, words)
    return CorpusReadout(surprisal=None if got_s is None else got_s[0], token_counts=counts, states=got_st, info=info)


def _check_items(state_items: Sequence[int] | np.ndarray, n: int) -> np.ndarray:
    items = np.asarray(state_items, dtype=np.int64).ravel()
    if items.size == 0:
        raise ValueError("state_items is empty; pass None for no states")
    if items.min() < 0 or items.max() >= n:
        raise ValueError(f"state_items must be word indices in 0..{n - 1}")
    if len(np.unique(items)) != len(items):
        raise ValueError("state_items has repeated indices")
    return items


def _get_surprisal(memo: dict[str, Any], store: ActivationCache | None, key: str) -> tuple | None:
    if key in memo:
        return memo[key]
    if store is None:
        return None
    hit = store.load_arrays(key)
    if hit is None:
        return None
    arrays, manifest = hit
    try:
        for name in ("surprisal", "token_counts"):
            store.check_chunk(key, manifest, name, arrays[name])
        out = (np.array(arrays["surprisal"], dtype=np.float64), np.array(arrays["token_counts"], dtype=np.int64))
    except Exception as exc:  # noqa: BLE001 - any defect means: recompute
        store.discard(key, exc)
        return None
    memo[key] = out
    return out


def _get_states(memo: dict[str, Any], store: ActivationCache | None, key: str) -> xr.DataArray | None:
    if key in memo:
        return memo[key]
    hit = store.load(key) if store is not None else None
    if hit is not None:
        memo[key] = hit
    return hit


def _session_extras(session: _Session | None, model: Any, words: list[str], common: dict[str, Any], L: int,
                    stride: int | None, t5_method: str, s_key: str, memo: dict[str, Any]) -> tuple[Any, list]:
    """What the session's other requests need from the same corpus and context and is not cached yet."""
    if session is None:
        return None, []
    extra_s, jobs = None, []
    for r in session.requests:
        try:
            same = (list(r.words) == words and _context_length(model, r.max_context) == L and r.stride == stride
                    and (r.t5_method == t5_method or not model.is_encoder_decoder))
        except ValueError:
            same = False
        if not same:
            continue
        store = _store(r.cache)
        if r.surprisal and s_key not in memo and (store is None or not store.exists(s_key)) and extra_s is None:
            extra_s = (store, s_key)
        if r.state_items is not None:
            ids = list(range(len(words))) if r.item_ids is None else list(r.item_ids)
            items = _check_items(r.state_items, len(words))
            key = cache_key(_states_parts(common, items, ids, r.storage))
            if key not in memo and (store is None or not store.exists(key)) and all(j[4] != key for j in jobs):
                jobs.append((items, ids, r.storage, store, key))
    return extra_s, jobs


def _states_array(model: Any, values: np.ndarray, items: np.ndarray, ids: list[Any], storage: str, L: int,
                  stride: int | None) -> tuple[xr.DataArray, dict[str, np.ndarray]]:
    """States as a cached read returns them (decoded in place), with coordinates and provenance, and their encoding."""
    encoded = encode_values(values, storage)
    if storage != "float32":
        for k in range(len(values)):
            values[k] = decode_layer(encoded, storage, k)
    da = xr.DataArray(values, dims=("layer", "item", "unit"),
                        coords={"layer": list(model.layer_names), "item": [ids[i] for i in items],
                                "unit": np.arange(values.shape[2]), "word_index": ("item", items)},
                        attrs={"model": model.name, "model_id": model.model_id, "model_revision": model.revision,
                               "readout": READOUT_VERSION, "max_context": L, "stride": -1 if stride is None else stride,
                               "storage": storage, "brainalign_version": __version__})
    return da, encoded


def _token_counts(model: Any, words: list[str]) -> np.ndarray:
    _, _, enc = encode_items(model.tokenizer, words, add_special_tokens=False)
    owned = enc.item_of_token[enc.item_of_token >= 0]
    return np.bincount(owned, minlength=len(words)).astype(np.int64)


def _forward(model: Any, words: list[str], need_s: bool, jobs: list, L: int, stride: int | None, t5_method: str,
             batch_size: int, chunk: int, progress: bool) -> tuple[np.ndarray | None, np.ndarray, list[np.ndarray]]:
    """Surprisal (if needed) and the states of every job's words, from one pass over the corpus."""
    union = np.unique(np.concatenate([j[0] for j in jobs])) if jobs else np.zeros(0, dtype=np.int64)
    if model.is_encoder_decoder:
        bits = (word_surprisal(model, words, progress=progress, max_context=L, stride=stride, t5_method=t5_method,
                               batch_size=batch_size, chunk=chunk) if need_s else None)
        counts = _token_counts(model, words)
        states = None
        if len(union):
            acts = extract_activations(model, [words], cache=False, progress=progress, batch_size=batch_size)
            states = np.asarray(acts.values[:, union], dtype=np.float32)
    else:
        bits, counts, states = _causal_pass(model, words, need_s, union, L, stride, chunk, progress)
    if len(jobs) == 1 and np.array_equal(jobs[0][0], union):
        return bits, counts, [states]  # the usual case: no copy of a few hundred MB
    pos = {int(w): k for k, w in enumerate(union)}
    return bits, counts, [states[:, [pos[int(w)] for w in j[0]]] for j in jobs]


def _causal_pass(model: Any, words: list[str], need_s: bool, union: np.ndarray, L: int, stride: int | None,
                 chunk: int, progress: bool) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
    lead, body, word_of = lead_and_body(model.tokenizer, words)
    n_lead = len(lead)
    counts = np.bincount(word_of[word_of >= 0], minlength=len(words)).astype(np.int64)
    states = None
    handles: list[Any] = []
    if len(union):
        last = np.full(len(words), -1, dtype=np.int64)
        owned = np.nonzero(word_of >= 0)[0]
        last[word_of[owned]] = owned  # later tokens overwrite earlier ones: each word's last body token
        q = last[union]
        if (q < 0).any():
            bad = union[q < 0][:5].tolist()
            raise ValueError(f"words {bad} have no tokens of their own; their states cannot be read")
        width = _hidden_size(model)
        states = np.full((len(model.layer_names), len(union), width), np.nan, dtype=np.float32)
        sel: dict[str, np.ndarray] = {"rows": np.zeros(0, dtype=np.int64), "pos": np.zeros(0, dtype=np.int64)}

        def on_window(begin: int, end: int, first: int) -> None:
            rows = np.nonzero((q >= first) & (q < end))[0]
            sel["rows"], sel["pos"] = rows, n_lead + q[rows] - begin

        def gather(layer: int, h: Any) -> None:
            if len(sel["rows"]):
                states[layer, sel["rows"]] = h[0, sel["pos"]].float().cpu().numpy()

        handles = layer_hooks(model, gather)
    else:
        on_window = None  # type: ignore[assignment]
    try:
        token_bits = _windowed_token_surprisal(model, lead, body, L, stride, progress=progress, chunk=chunk,
                                               score=need_s, on_window=on_window)
    finally:
        for h in handles:
            h.remove()
    if states is not None and np.isnan(states).any():
        raise RuntimeError("some states were not read: the model's blocks did not run as expected")
    bits = _sum_per_word(token_bits, word_of, len(words)) if need_s else None
    return bits, counts, states


def _hidden_size(model: Any) -> int:
    cfg = model.hf_model.config
    cfg = cfg.get_text_config() if hasattr(cfg, "get_text_config") else cfg
    return int(getattr(cfg, "hidden_size", 0) or getattr(cfg, "d_model", 0))
