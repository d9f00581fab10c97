"""Score a few models and their untrained controls in memory, and tabulate the results (used by the live chapter).

>>> from brainalign.run.live import score_models, behavior_table, layer_profiles
>>> runs = score_models(["smollm2-135m-instruct"], include_untrained=True)      # doctest: +SKIP
>>> behavior_table(runs)                                                        # doctest: +SKIP

Each model goes through the job loop of every sweep (:func:`brainalign.run.job.run_model_job`) with an in-memory store:
it is loaded, scored on every requested benchmark, and released before the next one is loaded, so memory holds one
model at a time. The untrained control of a model is the same architecture with random weights
(``load_model(name, untrained=True, seed=...)``); it is labelled ``"<name> (untrained)"`` in every table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from ..benchmarks import load_benchmark
from ..benchmarks.base import Benchmark
from ..models.language_model import LanguageModel
from ..scores.result import BenchmarkResult
from ..scores.store import MemoryStore, ModelRequest
from ..scores.table import validate_scores
from .job import TaskOutcome, run_model_job

__all__ = ["ModelRun", "score_models", "behavior_table", "layer_profiles", "scores_table", "timing_table",
           "UNTRAINED_SUFFIX"]

#: Appended to a model's name to label its random-init control.
UNTRAINED_SUFFIX = " (untrained)"


@dataclass
class ModelRun:
    """The results of one model (trained or its untrained control) on the live benchmarks.

    Attributes
    ----------
    label : str
        Display name: the model name, plus :data:`UNTRAINED_SUFFIX` for a control.
    model : str
        Model name as requested (catalog name, HF id or path).
    untrained : bool
        True for the random-init control.
    results : dict of str -> BenchmarkResult
        One result per benchmark name.
    seconds : dict of str -> float
        Wall-clock seconds for ``"load"`` and for each benchmark.
    cpu_seconds : dict of str -> float
        CPU seconds of this process (all threads) for the same steps; on a busy shared machine this, not the
        wall-clock time, says what the work costs.
    info : dict
        Model identity (family, pair, instruction_tuned, params, n_layers, model_id, revision) as loaded.
    """

    label: str
    model: str
    untrained: bool
    results: dict[str, BenchmarkResult] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def _resolve_benchmarks(benchmarks: Sequence[str] | Mapping[str, Benchmark]) -> dict[str, Benchmark]:
    if isinstance(benchmarks, Mapping):
        return dict(benchmarks)
    return {name: load_benchmark(name) for name in benchmarks}


def score_models(models: Sequence[str], *, include_untrained: bool = True, seed: int = 0,
                 benchmarks: Sequence[str] | Mapping[str, Benchmark] = ("Futrell2018", "Futrell2018-encoding"),
                 loader: Callable[[ModelRequest], LanguageModel] | None = None, verbose: bool = True,
                 progress: bool = True) -> list[ModelRun]:
    """Score each model (and, optionally, its untrained control) on the given benchmarks.

    Parameters
    ----------
    models : sequence of str
        Model names for :func:`brainalign.models.load_model` (catalog names, HF ids or local directories).
    include_untrained : bool
        Also score the random-init control of each model (same architecture and tokenizer, weights drawn with
        ``seed``), right after the trained model.
    seed : int
        Seed of the untrained controls' weights.
    benchmarks : sequence of str or mapping name -> Benchmark
        Registered benchmark names, or benchmarks built already (with options).
    loader : callable ModelRequest -> LanguageModel, optional
        Model loader (default :func:`brainalign.run.job.default_loader`).
    verbose : bool
        Print one line per model x benchmark with the score and the time taken.
    progress : bool
        Progress bars of the benchmarks.

    Returns
    -------
    list of ModelRun
        In the order scored: model 1, its control, model 2, its control, ...

    Raises
    ------
    RuntimeError
        A task failed (its message and traceback are in the error).
    """
    if isinstance(models, str):
        raise TypeError("models must be a list of model names, not a single string")
    if len(models) == 0:
        raise ValueError("no models to score")
    benches = _resolve_benchmarks(benchmarks)
    if not benches:
        raise ValueError("no benchmarks to run")
    store = MemoryStore()
    runs: list[ModelRun] = []
    for name in models:
        for untrained in ([False, True] if include_untrained else [False]):
            label = name + (UNTRAINED_SUFFIX if untrained else "")
            request = ModelRequest(name, untrained=untrained, seed=seed if untrained else 0)

            def report(o: TaskOutcome, label: str = label) -> None:
                if verbose and o.status == "done":
                    layer = f" (best layer {o.summary['best_layer']})" if o.summary["best_layer"] else ""
                    print(f"{label:40s} {o.benchmark:22s} raw r = {o.summary['raw']:.4f}{layer}  "
                          f"[{o.elapsed:.0f} s]", flush=True)

            outcomes = run_model_job(request, benches, store, progress=progress, on_outcome=report, loader=loader)
            failed = [o for o in outcomes if o.status == "error"]
            if failed:
                err = store.errors[failed[0].key]
                raise RuntimeError(f"{label} x {failed[0].benchmark} failed: {err['error']}\n{err['traceback']}")
            run = ModelRun(label=label, model=name, untrained=untrained)
            run.seconds["load"] = outcomes[0].load_seconds
            run.cpu_seconds["load"] = outcomes[0].load_cpu_seconds
            for o in outcomes:
                run.results[o.benchmark] = replace(store.results[o.key], model=label)
                run.seconds[o.benchmark] = o.elapsed
                run.cpu_seconds[o.benchmark] = o.cpu_seconds
            run.info = dict(store.records[outcomes[0].key]["model"])
            runs.append(run)
    return runs


def behavior_table(runs: Sequence[ModelRun], benchmark: str = "Futrell2018") -> pd.DataFrame:
    """One row per model run: raw r, ceiling and normalized score on a benchmark without layers.

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``model``, ``weights`` ("trained"/"untrained"), ``raw``, ``ceiling``, ``normalized``.
    """
    rows = []
    for run in runs:
        if benchmark not in run.results:
            raise KeyError(f"{run.label}: no {benchmark!r} result (have {sorted(run.results)})")
        res = run.results[benchmark]
        rows.append({"label": run.label, "model": run.model, "weights": "untrained" if run.untrained else "trained",
                     "raw": res.raw, "ceiling": res.ceiling, "normalized": res.normalized})
    return pd.DataFrame(rows)


def layer_profiles(runs: Sequence[ModelRun], benchmark: str = "Futrell2018-encoding") -> pd.DataFrame:
    """Layer profiles of all runs in one long table, with each layer's relative depth.

    Relative depth is ``layer_index / (n_layers - 1)``: 0 for the first layer read out (the embeddings of a decoder),
    1 for the last block, so models of different depth share one axis.

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``model``, ``weights``, ``layer``, ``layer_index``, ``relative_depth``, ``score``,
        ``normalized``, ``is_best_layer``.
    """
    frames = []
    for run in runs:
        res = run.results.get(benchmark)
        if res is None or res.layers is None:
            raise KeyError(f"{run.label}: no layer-wise {benchmark!r} result")
        df = res.layers[["layer", "layer_index", "score", "normalized"]].copy()
        n = len(df)
        df["relative_depth"] = df["layer_index"] / (n - 1) if n > 1 else 0.0
        df["is_best_layer"] = df["layer"] == res.best_layer
        df.insert(0, "weights", "untrained" if run.untrained else "trained")
        df.insert(0, "model", run.model)
        df.insert(0, "label", run.label)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def scores_table(runs: Sequence[ModelRun]) -> pd.DataFrame:
    """All results as one scores table (:mod:`brainalign.scores.table` format), untrained controls as their own models.

    A control keeps its model's family, gets itself as ``pair`` and ``instruction_tuned=False`` (random weights
    have been tuned on nothing).
    """
    frames = []
    for run in runs:
        info = {k: run.info[k] for k in ("family", "pair", "instruction_tuned", "params") if k in run.info}
        if run.untrained:
            info.update(pair=run.label, instruction_tuned=False)
        for res in run.results.values():
            frames.append(res.to_scores(model_info=info))
    return validate_scores(pd.concat(frames, ignore_index=True))


def timing_table(runs: Sequence[ModelRun], clock: str = "wall") -> pd.DataFrame:
    """Seconds spent per model run on loading and on each benchmark, with a total column.

    Parameters
    ----------
    runs : sequence of ModelRun
    clock : {"wall", "cpu"}
        Wall-clock seconds, or CPU seconds of the process.
    """
    if clock not in ("wall", "cpu"):
        raise ValueError(f"clock must be 'wall' or 'cpu', got {clock!r}")
    df = pd.DataFrame([{"label": run.label, **(run.seconds if clock == "wall" else run.cpu_seconds)}
                       for run in runs]).set_index("label")
    df["total"] = df.sum(axis=1)
    return df
