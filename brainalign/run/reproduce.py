"""``brainalign reproduce``: the paper's 25 models and 8 GPT-2 controls, in the paper protocol, with a cost estimate.

:func:`reproduce` is a sweep (:func:`brainalign.run.sweep.run_sweep`, local or on Dask, resumable) of the catalog's
``main`` and ``gpt2`` groups over the paper's four benchmarks with ``protocol="paper"`` (float32 weights).
:func:`cost_estimate` says beforehand what each model costs, from counts, not from a measurement:

- **weights**: parameters x 4 bytes (float32, the paper protocol) must fit on one GPU (no sharding);
- **tokens through the model** per benchmark, from the corpus sizes (627 Pereira sentences of ~20 tokens, 1,317
  Blank TRs of ~4 words, 10,256 Natural Stories words, 5,176 Wehbe words; tokens per word :data:`TOKENS_PER_WORD`)
  and the paper protocol's presentation: a passage is one forward where the contexts are the joined prefixes of a
  causal model, every item its own forward otherwise (all of Blank2014, whose fragments end in a space; every T5
  benchmark; Futrell2018 words past the tokenizer's limit);
- **arithmetic**: ``2 x parameters`` per token plus attention, ``4 x layers x hidden x context`` per token;
- **time** at an assumed sustained float32 throughput (``tflops``, default 10 TFLOP/s: about half an A100's float32
  peak; TF32 is off in float32 runs), plus the encoding fits (a few seconds per layer on a GPU, ignored here).

The estimate is an order of magnitude: real runs add data movement, padding and Python overhead (a factor 1.5-3 on
the project's CPU measurements, ``perf/``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..models.catalog import model_catalog
from ..paper.conventions import PAPER_BENCHMARKS
from ..scores.store import ModelRequest
from .sweep import SweepReport, run_sweep

#: Groups of the catalog that the paper scores: its 25 models and the 8 GPT-2 controls of its appendix.
PAPER_GROUPS = ("main", "gpt2")
#: Subword tokens per Natural Stories / Pereira word, by family (measured on the corpora with the families'
#: tokenizers, rounded).
TOKENS_PER_WORD = {"T5": 1.45, "LLaMA": 1.35, "GPT-2": 1.3}
#: Declared tokenizer limits (``model_max_length``) the paper protocol truncates at; None: no limit declared.
TOKENIZER_LIMIT = {"T5": 512, "LLaMA": None, "GPT-2": 1024}
_N = {"pereira_sentences": 627, "pereira_words": 627 * 15, "pereira_per_passage": 3.6, "blank_trs": 1317,
      "blank_words": 1317 * 4, "blank_stories": 8, "futrell_words": 10256, "wehbe_words": 5176, "wehbe_runs": 4}


def paper_models(groups: Sequence[str] = PAPER_GROUPS) -> list[str]:
    """Catalog names of the paper's models (default: the 25 and the 8 GPT-2 controls), in catalog order."""
    cat = model_catalog()
    return [str(n) for n in cat.index if cat.loc[n, "group"] in tuple(groups)]


def _tokens(family: str, benchmark: str) -> tuple[float, float]:
    """(tokens through the model, mean context length) of one benchmark in the paper protocol."""
    tpw = TOKENS_PER_WORD.get(family, 1.35)
    limit = TOKENIZER_LIMIT.get(family, None)
    t5 = family == "T5"
    cap = (lambda n: min(n, limit)) if limit else (lambda n: n)
    if benchmark == "Pereira2018":
        per_sentence = _N["pereira_words"] / _N["pereira_sentences"] * tpw
        if t5:  # every sentence with its passage prefix
            mean_ctx = per_sentence * (_N["pereira_per_passage"] + 1) / 2
            return _N["pereira_sentences"] * mean_ctx, mean_ctx
        return _N["pereira_words"] * tpw, per_sentence * _N["pereira_per_passage"] / 2
    if benchmark == "Blank2014":  # every TR with its story prefix (trailing spaces: never the joined prefix)
        story = _N["blank_words"] / _N["blank_stories"] * tpw
        mean_ctx = cap(story / 2)
        return _N["blank_trs"] * mean_ctx, mean_ctx
    if benchmark == "Futrell2018":
        text = _N["futrell_words"] * tpw
        if not t5 and limit is None:  # one forward over the whole text
            return text, text / 2
        lim = limit or text
        if t5:
            mean_ctx = min(text / 2, lim)
            return _N["futrell_words"] * mean_ctx, mean_ctx
        fits = lim / tpw  # words read from the one forward, the rest one forward each
        return lim + (_N["futrell_words"] - fits) * lim, lim
    if benchmark == "Wehbe2014":
        run = _N["wehbe_words"] / _N["wehbe_runs"] * tpw
        if t5:
            mean_ctx = cap(run / 2)
            return _N["wehbe_words"] * mean_ctx, mean_ctx
        return _N["wehbe_words"] * tpw, cap(run) / 2
    raise ValueError(f"no cost model for benchmark {benchmark!r}")


def cost_estimate(models: Sequence[str] | None = None, benchmarks: Sequence[str] = PAPER_BENCHMARKS, *,
                  tflops: float = 10.0, gpu_gib: float = 80.0) -> pd.DataFrame:
    """Estimated cost of each model in the paper protocol (module docstring for the assumptions).

    Parameters
    ----------
    models : sequence of str, optional
        Catalog names (default :func:`paper_models`).
    benchmarks : sequence of str
        Benchmarks to count.
    tflops : float
        Assumed sustained float32 throughput of one GPU, TFLOP/s.
    gpu_gib : float
        Memory of one GPU, GiB (the weights and ~20 % working memory must fit).

    Returns
    -------
    pandas.DataFrame
        One row per model: ``model``, ``family``, ``params``, ``weights_gib`` (float32), ``fits_one_gpu``,
        ``tokens_<benchmark>`` (millions), ``pflop`` (total), ``gpu_hours``.
    """
    cat = model_catalog()
    names = list(models) if models is not None else paper_models()
    rows = []
    for name in names:
        row = cat.loc[name]
        params, layers, hidden, family = float(row["params"]), int(row["n_layers"]), int(row["hidden"]), row["family"]
        out: dict[str, Any] = {"model": name, "family": family, "params": params,
                               "weights_gib": round(params * 4 / 2**30, 1)}
        out["fits_one_gpu"] = bool(out["weights_gib"] * 1.2 <= gpu_gib)
        flop = 0.0
        for bench in benchmarks:
            tokens, ctx = _tokens(str(family), bench)
            out[f"tokens_{bench}"] = round(tokens / 1e6, 2)
            flop += tokens * (2 * params + 4 * layers * hidden * ctx)
        out["pflop"] = round(flop / 1e15, 1)
        out["gpu_hours"] = round(flop / (tflops * 1e12) / 3600, 2)
        rows.append(out)
    return pd.DataFrame(rows)


def reproduce(results_dir: str | os.PathLike, *, models: Sequence[str] | None = None,
              benchmarks: Sequence[str] = PAPER_BENCHMARKS, executor: str = "local", scheduler: str | None = None,
              n_workers: int | None = None, device: str = "auto", batch_size: int | None = None,
              progress: bool = True) -> SweepReport:
    """Score the paper's models on its benchmarks in the paper protocol (float32 weights), resumably.

    Parameters
    ----------
    results_dir : path-like
        Results directory (one protocol per directory: ``paper``).
    models : sequence of str, optional
        Catalog names, HF ids or folders (default :func:`paper_models`: 25 models + 8 GPT-2 controls).
    benchmarks, executor, scheduler, n_workers, device, batch_size, progress
        As :func:`brainalign.run.sweep.run_sweep`.

    Returns
    -------
    SweepReport
    """
    requests = [ModelRequest(m) for m in (models if models is not None else paper_models())]
    return run_sweep(requests, list(benchmarks), results_dir, executor=executor, scheduler=scheduler,
                     n_workers=n_workers, device=device, dtype="float32", batch_size=batch_size, progress=progress,
                     protocol="paper")
