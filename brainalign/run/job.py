"""The one job loop: score one model on several benchmarks, putting each task's result in a store as it is computed.

:func:`run_model_job` is what ``brainalign score``, every sweep job (locally or on a Dask worker) and the live chapter
run. What differs is only the store (:mod:`brainalign.scores.store`): a results directory, or memory.
"""

from __future__ import annotations

import gc
import os
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..activations.readout import readout_session
from ..benchmarks import load_benchmark
from ..benchmarks.base import Benchmark
from ..models.language_model import LanguageModel
from ..models.loading import load_model
from ..scores.store import DirectoryStore, ModelRequest, ResultStore, TaskKey, summarize


@dataclass
class TaskOutcome:
    """What happened to one task.

    Attributes
    ----------
    request : ModelRequest
        The model.
    benchmark : str
        Registered benchmark name.
    status : {"done", "skipped", "error"}
        Computed now, already in the store, or failed.
    file : str
        Where the result went ("" on error).
    error : str
        One-line error message ("" unless failed).
    elapsed, cpu_seconds : float
        Wall-clock and CPU seconds (this process, all threads) spent on the task (0 when skipped).
    load_seconds, load_cpu_seconds : float
        The same for loading the model of the task's job (shared by the job's tasks; 0 when skipped).
    summary : dict
        ``model`` (name in the scores), ``benchmark``, ``best_layer``, ``raw``, ``normalized`` (empty on error).
    """

    request: ModelRequest
    benchmark: str
    status: str = "done"
    file: str = ""
    error: str = ""
    elapsed: float = 0.0
    cpu_seconds: float = 0.0
    load_seconds: float = 0.0
    load_cpu_seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> TaskKey:
        """The task key."""
        return self.request.key(self.benchmark)

    @property
    def model(self) -> str:
        """The model as requested."""
        return self.request.model


def one_line(exc: BaseException) -> str:
    """``Type: first line of the message`` of an exception."""
    text = str(exc).strip().splitlines()
    msg = text[0] if text else ""
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def is_oom(exc: BaseException) -> bool:
    """True for CPU or GPU out-of-memory errors."""
    return isinstance(exc, MemoryError) or "out of memory" in str(exc).lower() or type(exc).__name__ == \
        "OutOfMemoryError"


def free_gpu_memory() -> None:
    """Return cached CUDA memory (when torch is loaded and CUDA is available)."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def default_loader(device: str = "auto", dtype: str = "auto") -> Callable[[ModelRequest], LanguageModel]:
    """A loader of requests by :func:`brainalign.models.load_model` on ``device`` with weights in ``dtype``."""
    def load(request: ModelRequest) -> LanguageModel:
        return load_model(request.model, revision=request.revision or None, untrained=request.untrained,
                          seed=request.seed, device=device, dtype=dtype)

    return load


def _readout_requests(benchmarks: Any) -> list[Any]:
    """The readout requests the benchmarks declare (plugins without ``readout_requests`` declare none)."""
    out: list[Any] = []
    for b in benchmarks:
        declare = getattr(b, "readout_requests", None)
        if callable(declare):
            out.extend(declare())
    return out


def run_model_job(request: ModelRequest, benchmarks: Sequence[str] | Mapping[str, Benchmark],
                  store: ResultStore | str | os.PathLike, *, device: str = "auto", dtype: str = "auto",
                  batch_size: int | None = None, overwrite: bool = False, progress: bool = True,
                  on_outcome: Callable[[TaskOutcome], None] | None = None,
                  loader: Callable[[ModelRequest], LanguageModel] | None = None) -> list[TaskOutcome]:
    """Score one model on several benchmarks, storing each task's result as soon as it is computed.

    The benchmarks that are not done yet are built first (a benchmark whose data are missing fails before any weights
    are loaded), then the model is loaded once. Exceptions of a task are caught, recorded in the store and returned as
    ``status="error"``; a failure to load the model fails all its pending tasks. This is the function the Dask
    workers run; everything it takes and returns pickles (with a directory store).

    Parameters
    ----------
    request : ModelRequest
        The model.
    benchmarks : sequence of str, or mapping name -> Benchmark
        Registered benchmark names (built with their defaults), or benchmarks built already (with options).
    store : ResultStore or path-like
        Where results go; a path means a results directory (:class:`brainalign.scores.store.DirectoryStore`).
    device, dtype : str
        Passed to :func:`brainalign.models.load_model` by the default loader.
    batch_size : int, optional
        Passed to every ``benchmark.score``.
    overwrite : bool
        Recompute tasks that are already done.
    progress : bool
        Progress bars of the benchmarks (off on Dask workers).
    on_outcome : callable, optional
        Called with each :class:`TaskOutcome` as soon as it is known (progress bars, log lines).
    loader : callable ModelRequest -> LanguageModel, optional
        How to load the model (default :func:`default_loader`).

    Returns
    -------
    list of TaskOutcome
        One per benchmark (skipped and failed-to-build ones first).
    """
    store = DirectoryStore(Path(store)) if isinstance(store, (str, os.PathLike)) else store
    load = loader or default_loader(device, dtype)
    outcomes: list[TaskOutcome] = []

    def emit(outcome: TaskOutcome) -> None:
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    def fail(bench: str, exc: BaseException, tb: str, start: float) -> None:
        message = one_line(exc)
        if is_oom(exc):
            message += (" -- out of memory: try --batch-size 1, --dtype bfloat16/float16, or a GPU with more "
                        "memory (see the troubleshooting page)")
            free_gpu_memory()
        elapsed = time.perf_counter() - start
        store.put_error(request.key(bench), message, tb, elapsed_s=round(elapsed, 3))
        emit(TaskOutcome(request, bench, status="error", error=message, elapsed=elapsed))

    # 1. skip what is done; build the benchmarks first (they load their data: a missing file fails fast, before
    #    the weights of a large model are loaded for nothing)
    given = dict(benchmarks) if isinstance(benchmarks, Mapping) else None
    ready: dict[str, Benchmark] = {}
    for bench in (list(given) if given is not None else list(benchmarks)):
        key = request.key(bench)
        if not overwrite and store.is_done(key):
            emit(TaskOutcome(request, bench, status="skipped", file=store.location(key), summary=store.summary(key)))
            continue
        start = time.perf_counter()
        try:
            ready[bench] = given[bench] if given is not None else load_benchmark(bench)
        except Exception as exc:  # noqa: BLE001 - one task's failure must not stop the others
            fail(bench, exc, traceback.format_exc(), start)
    if not ready:
        return outcomes

    # 2. load the model once
    start, cpu0 = time.perf_counter(), time.process_time()
    try:
        model = load(request)
    except Exception as exc:  # noqa: BLE001 - fails all the model's pending tasks, not the sweep
        tb = traceback.format_exc()
        for bench in ready:
            fail(bench, exc, tb, start)
        return outcomes
    load_seconds, load_cpu = time.perf_counter() - start, time.process_time() - cpu0
    identity = {**model.score_info(), "model_id": model.model_id, "revision": model.revision,
                "n_layers": len(model.layer_names)}

    # 3. score, storing each result as soon as it exists; benchmarks that read the same corpus share one forward
    #    (the first to run computes what the others declared; activations.readout)
    with readout_session(_readout_requests(ready.values())):
        for bench, benchmark in ready.items():
            start, cpu0 = time.perf_counter(), time.process_time()
            try:
                result = benchmark.score(model, batch_size=batch_size, progress=progress)
                scores = result.to_scores(model.score_info())  # explicit: a plugin's score() may not attach it
                elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu0
                where = store.put(request.key(bench), result, scores, overwrite=overwrite,
                                  record={"elapsed_s": round(elapsed, 3), "model_load_s": round(load_seconds, 3),
                                          "device": str(model.device), "dtype": str(model.dtype),
                                          "model": identity})
                emit(TaskOutcome(request, bench, status="done", file=where, elapsed=elapsed, cpu_seconds=cpu,
                                 load_seconds=load_seconds, load_cpu_seconds=load_cpu, summary=summarize(scores)))
            except Exception as exc:  # noqa: BLE001 - one task's failure must not stop the others
                fail(bench, exc, traceback.format_exc(), start)
    del model
    gc.collect()
    free_gpu_memory()
    return outcomes
