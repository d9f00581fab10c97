"""The one job loop: score one model on several benchmarks, putting each task's result in a store as it is computed.

:func:`run_model_job` is what ``brainalign score``, every sweep job (locally or on a Dask worker) and the live chapter
run. What differs is only the store (:mod:`brainalign.scores.store`): a results directory, or memory.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..activations.readout import readout_session
from ..benchmarks import load_benchmark
from ..benchmarks.base import Benchmark
from ..benchmarks.protocols import get_protocol
from ..models.language_model import LanguageModel
from ..models.loading import load_model
from ..scores.claims import HEARTBEAT_S
from ..scores.store import DirectoryStore, ModelRequest, ResultStore, ResultWriteError, TaskKey, summarize
from .identity import identify


@dataclass
class TaskOutcome:
    """What happened to one task.

    Attributes
    ----------
    request : ModelRequest
        The model.
    benchmark : str
        Registered benchmark name.
    status : {"done", "skipped", "error", "claimed"}
        Computed now; already in the store (or finished by another run meanwhile); failed; being computed by another
        live run (a sweep waits for those, so its report never ends with "claimed").
    file : str
        Where the result went ("" on error).
    error : str
        The full error message ("" unless failed).
    traceback : str
        The traceback of a failure ("" otherwise).
    note : str
        Something the user should know (a damaged result moved aside, a result written by another run).
    elapsed, cpu_seconds : float
        Wall-clock and CPU seconds (this process, all threads) spent on the task (0 when skipped).
    load_seconds, load_cpu_seconds : float
        The same for loading the model of the task's job (shared by the job's tasks; 0 when skipped).
    summary : dict
        ``model`` (name in the scores), ``benchmark``, ``best_layer``, ``raw``, ``normalized`` (empty when nothing was
        computed; kept on a failure to store a computed result).
    """

    request: ModelRequest
    benchmark: str
    status: str = "done"
    file: str = ""
    error: str = ""
    traceback: str = ""
    note: str = ""
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

    @property
    def name(self) -> str:
        """The model's name in the scores (:attr:`brainalign.scores.store.ModelRequest.name`)."""
        return self.request.name


def error_message(exc: BaseException) -> str:
    """``Type: message`` of an exception, the whole message (every line)."""
    msg = str(exc).strip()
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def one_line(exc: BaseException) -> str:
    """``Type: first line of the message`` of an exception (for compact displays; messages keep every line)."""
    return error_message(exc).splitlines()[0]


def is_oom(exc: BaseException) -> bool:
    """True for CPU or GPU out-of-memory errors."""
    return isinstance(exc, MemoryError) or "out of memory" in str(exc).lower() or type(exc).__name__ == \
        "OutOfMemoryError"


def free_gpu_memory() -> None:
    """Return cached CUDA memory (when torch is loaded and CUDA is available)."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


#: transformers' loading is not thread-safe (it switches a process-wide default device while it builds a model).
_LOAD_LOCK = threading.Lock()


def default_loader(device: str = "auto", dtype: str = "auto") -> Callable[[ModelRequest], LanguageModel]:
    """A loader of requests by :func:`brainalign.models.load_model` on ``device`` with weights in ``dtype`` (one load
    at a time per process: two sweeps in two threads may load models at once)."""
    def load(request: ModelRequest) -> LanguageModel:
        with _LOAD_LOCK:
            return load_model(request.model, revision=request.revision or None, untrained=request.untrained,
                              seed=request.seed, device=device, dtype=dtype)

    return load


class _Heartbeat:
    """Touches the claims of a running job every ``interval`` seconds, from a daemon thread."""

    def __init__(self, store: ResultStore, interval: float = HEARTBEAT_S) -> None:
        self.store, self.interval = store, interval
        self.claims: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="brainalign-claims", daemon=True)

    def add(self, bench: str, claim: Any) -> None:
        with self._lock:
            self.claims[bench] = claim

    def release(self, bench: str) -> None:
        with self._lock:
            claim = self.claims.pop(bench, None)
        if claim is not None and claim is not _UNCLAIMED:
            self.store.release(claim)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                held = [c for c in self.claims.values() if c is not _UNCLAIMED]
            for claim in held:
                try:
                    self.store.refresh(claim)
                except OSError:
                    pass

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        for bench in list(self.claims):
            self.release(bench)


#: Stands for "no claim could be taken" (the store cannot write claims): the task runs anyway.
_UNCLAIMED = object()


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
                  loader: Callable[[ModelRequest], LanguageModel] | None = None,
                  protocol: str | None = None) -> list[TaskOutcome]:
    """Score one model on several benchmarks, storing each task's result as soon as it is computed.

    The request is identified first (:func:`brainalign.run.identity.identify`: a local folder by the hash of its
    files). For each benchmark, a task that is done is skipped, one claimed by another live run is left to it
    (``status="claimed"``), and the others are claimed, checked again (a damaged result is set aside with a note) and
    built (a benchmark whose data are missing fails before any weights are loaded); then the model is loaded once,
    unless the store cannot be written. Exceptions of a task are caught, recorded in the store (or, if that fails too,
    on stderr) and returned as ``status="error"``; a failure to load the model fails all its pending tasks. A result
    that another run wrote meanwhile counts as ``"skipped"``. This is the function the Dask workers run; everything it
    takes and returns pickles (with a directory store).

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
        Passed to every ``benchmark.score`` (and recorded with each result).
    overwrite : bool
        Recompute tasks that are already done.
    progress : bool
        Progress bars of the benchmarks (off on Dask workers).
    on_outcome : callable, optional
        Called with each :class:`TaskOutcome` as soon as it is known (progress bars, log lines).
    loader : callable ModelRequest -> LanguageModel, optional
        How to load the model (default :func:`default_loader`).
    protocol : {"brainalign", "paper"}, optional
        Scoring protocol of benchmarks built by name (:mod:`brainalign.benchmarks.protocols`); with ``"paper"``,
        ``dtype="auto"`` loads float32 weights, as the authors did.

    Returns
    -------
    list of TaskOutcome
        One per benchmark (skipped, claimed and failed-to-build ones first).
    """
    store = DirectoryStore(Path(store)) if isinstance(store, (str, os.PathLike)) else store
    proto = get_protocol(protocol)
    if dtype in (None, "auto"):
        dtype = proto.weights_dtype
    load = loader or default_loader(device, dtype)
    outcomes: list[TaskOutcome] = []
    identity_error: BaseException | None = None
    identity_tb = ""
    try:
        request = identify(request)
    except Exception as exc:  # noqa: BLE001 - reported as the failure of every pending task, after the data checks
        if loader is None:  # a custom loader may know names the registry does not
            identity_error, identity_tb = exc, traceback.format_exc()

    def emit(outcome: TaskOutcome) -> None:
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    with _Heartbeat(store) as beat:
        notes: dict[str, str] = {}

        def finished_elsewhere(bench: str) -> bool:
            key = request.key(bench)
            try:
                done = store.is_done(key)
            except Exception:  # noqa: BLE001 - an unreadable result is not a finished one
                done = False
            if done:
                emit(TaskOutcome(request, bench, status="skipped", file=store.location(key),
                                 summary=store.summary(key), note="finished by another run meanwhile"))
            return done

        def fail(bench: str, exc: BaseException, tb: str, start: float, summary: dict[str, Any] | None = None) -> None:
            beat.release(bench)
            if not overwrite and finished_elsewhere(bench):
                return
            message = error_message(exc)
            if is_oom(exc):
                message += (" -- out of memory: try --batch-size 1, --dtype bfloat16/float16, or a GPU with more "
                            "memory (see the troubleshooting page)")
                free_gpu_memory()
            elapsed = time.perf_counter() - start
            try:
                store.put_error(request.key(bench), message, tb, elapsed_s=round(elapsed, 3))
            except Exception as rec_exc:  # noqa: BLE001 - the failure itself must reach the user
                print(f"brainalign: could not record the failure of {request.label} x {bench} in "
                      f"{store.location(request.key(bench))} ({error_message(rec_exc)}); the failure was:\n{message}"
                      f"\n{tb}", file=sys.stderr, flush=True)
            emit(TaskOutcome(request, bench, status="error", error=message, traceback=tb, elapsed=elapsed,
                             note=notes.get(bench, ""), summary=summary or {}))

        # 1. skip what is done, leave what others compute, claim the rest; build the benchmarks first (they load
        #    their data: a missing file fails fast, before the weights of a large model are loaded for nothing)
        given = dict(benchmarks) if isinstance(benchmarks, Mapping) else None
        ready: dict[str, Benchmark] = {}
        for bench in (list(given) if given is not None else list(benchmarks)):
            key = request.key(bench)
            start = time.perf_counter()
            try:
                if not overwrite and store.is_done(key):
                    emit(TaskOutcome(request, bench, status="skipped", file=store.location(key),
                                     summary=store.summary(key)))
                    continue
                try:
                    claim = store.claim(key)
                except OSError:
                    claim = _UNCLAIMED  # no claims here (a read-only folder): the write will say why
                if claim is None:
                    emit(TaskOutcome(request, bench, status="claimed", file=store.location(key),
                                     note=f"being computed by {store.claimed_by(key) or 'another run'}"))
                    continue
                beat.add(bench, claim)
                if claim is not _UNCLAIMED:
                    done, notes[bench] = store.prepare(key, overwrite=overwrite)
                    if done:
                        beat.release(bench)
                        emit(TaskOutcome(request, bench, status="skipped", file=store.location(key),
                                         summary=store.summary(key)))
                        continue
                ready[bench] = given[bench] if given is not None else load_benchmark(bench, protocol=proto.name)
            except Exception as exc:  # noqa: BLE001 - one task's failure must not stop the others
                fail(bench, exc, traceback.format_exc(), start)
        if not ready:
            return outcomes

        # 2. load the model once (unless it cannot be identified, or nothing could be stored)
        start, cpu0 = time.perf_counter(), time.process_time()
        problem = store.writable_problem()
        try:
            if identity_error is not None:
                raise identity_error
            if problem:
                raise ResultWriteError(None, problem)
            model = load(request)
        except Exception as exc:  # noqa: BLE001 - fails all the model's pending tasks, not the sweep
            tb = identity_tb if exc is identity_error else traceback.format_exc()
            for bench in ready:
                fail(bench, exc, tb, start)
            return outcomes
        load_seconds, load_cpu = time.perf_counter() - start, time.process_time() - cpu0
        identity = {**model.score_info(), "model_id": model.model_id, "revision": model.revision,
                    "n_layers": len(model.layer_names)}

        # 3. score, storing each result as soon as it exists; benchmarks that read the same corpus share one
        #    forward (the first to run computes what the others declared; activations.readout)
        with readout_session(_readout_requests(ready.values())):
            for bench, benchmark in ready.items():
                start, cpu0 = time.perf_counter(), time.process_time()
                summary: dict[str, Any] = {}
                try:
                    result = benchmark.score(model, batch_size=batch_size, progress=progress)
                    result.model = request.name  # the scores name: unique per task (ModelRequest.name)
                    scores = result.to_scores(model.score_info())  # explicit: a plugin's score() may not attach it
                    summary = summarize(scores)
                    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu0
                    key = request.key(bench)
                    try:
                        record = {"elapsed_s": round(elapsed, 3), "model_load_s": round(load_seconds, 3),
                                  "device": str(model.device), "dtype": str(model.dtype), "batch_size": batch_size,
                                  "model": identity, "provenance": dict(result.provenance)}
                        where = store.put(key, result, scores, overwrite=overwrite, record=record)
                    except FileExistsError:
                        if not store.is_done(key):
                            raise
                        beat.release(bench)
                        emit(TaskOutcome(request, bench, status="skipped", file=store.location(key),
                                         summary=store.summary(key), note="finished by another run meanwhile"))
                        continue
                    beat.release(bench)
                    emit(TaskOutcome(request, bench, status="done", file=where, elapsed=elapsed, cpu_seconds=cpu,
                                     load_seconds=load_seconds, load_cpu_seconds=load_cpu, summary=summary,
                                     note=notes.get(bench, "")))
                except Exception as exc:  # noqa: BLE001 - one task's failure must not stop the others
                    fail(bench, exc, traceback.format_exc(), start, summary)
        del model
    gc.collect()
    free_gpu_memory()
    return outcomes
