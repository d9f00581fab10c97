"""Score many models on many benchmarks, resumably, in-process or on a Dask cluster.

A sweep is the product *models x benchmarks*. Each (model, benchmark) pair is one **task** whose scores are written to
the results directory atomically the moment they are computed (:mod:`brainalign.results_store`); a task whose file
exists is skipped, so a sweep killed at any point resumes where it stopped and ends with the same files as an
uninterrupted run. Tasks of the same model are scheduled together as one **job** so that its weights are loaded once;
a failing task (unknown model, missing data, out of memory, ...) is recorded in ``DIR/_errors/`` and reported at the
end, and the other tasks go on.

Executors
---------
``local``
    Jobs run one after the other in this process.
``dask``
    Jobs are submitted to a :mod:`dask.distributed` cluster: a :class:`distributed.LocalCluster` on the loopback
    interface (worker processes with one thread each) when no scheduler address is given, or any running scheduler
    (``tcp://host:8786``; for example one started by ``dask-jobqueue`` on SLURM) when one is.

Models file
-----------
``brainalign sweep MODELS_FILE`` reads one model per line::

    # comments start with '#', blank lines are ignored
    flan-t5-base                            # a catalog short name
    openai-community/gpt2 revision=607a30d  # a Hugging Face id at a pinned revision
    gpt2-small untrained                    # the random-init control of a catalog model
    ./checkpoints/my-model                  # a local directory written by save_pretrained()

Tokens after the model are ``revision=REV`` and the flag ``untrained``. The CLI turns a relative directory into an
absolute path (relative to the current folder), so that Dask workers elsewhere find it and the task keys of
``DIR`` stay the same from whichever folder the sweep is resumed.
"""

from __future__ import annotations

import inspect
import os
import shlex
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .results_store import TaskKey, is_done, read_task, write_error, write_result
from .scores import BEHAVIOR_BENCHMARKS, BRAIN_BENCHMARKS

#: What ``--benchmark all`` means: the four benchmarks of the paper.
PAPER_BENCHMARKS = (*BRAIN_BENCHMARKS, *BEHAVIOR_BENCHMARKS)


class UnknownBenchmarkError(KeyError):
    """A benchmark name that is not registered."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ModelsFileError(ValueError):
    """A models file line cannot be read."""


@dataclass(frozen=True)
class ModelRequest:
    """One model of a sweep, as the user asked for it.

    Attributes
    ----------
    model : str
        Catalog short name, Hugging Face id or local directory.
    revision : str
        Hub revision ("" for the default branch).
    untrained : bool
        Score the random-init control of the same architecture.
    """

    model: str
    revision: str = ""
    untrained: bool = False

    def key(self, benchmark: str) -> TaskKey:
        """The results-store key of this model on ``benchmark``."""
        return TaskKey(model=self.model, benchmark=benchmark, revision=self.revision, untrained=self.untrained)

    @property
    def label(self) -> str:
        """``model[@revision][+untrained]``."""
        return TaskKey(self.model, "", self.revision, self.untrained).model_label


@dataclass
class TaskOutcome:
    """What happened to one task.

    Attributes
    ----------
    model, benchmark, revision, untrained
        The task key.
    status : {"done", "skipped", "error"}
        Computed now, already in the results directory, or failed.
    file : str
        Scores file ("" on error).
    error : str
        One-line error message ("" unless failed).
    elapsed : float
        Seconds spent on the task (0 when skipped).
    summary : dict
        ``model`` (name in the scores), ``benchmark``, ``best_layer``, ``raw``, ``normalized`` (empty on error).
    """

    model: str
    benchmark: str
    revision: str = ""
    untrained: bool = False
    status: str = "done"
    file: str = ""
    error: str = ""
    elapsed: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> TaskKey:
        return TaskKey(self.model, self.benchmark, self.revision, self.untrained)


@dataclass
class SweepReport:
    """Outcomes of a sweep, in task order."""

    outcomes: list[TaskOutcome]
    results_dir: Path

    @property
    def failed(self) -> list[TaskOutcome]:
        return [o for o in self.outcomes if o.status == "error"]

    def counts(self) -> dict[str, int]:
        """Number of tasks per status."""
        out = {"done": 0, "skipped": 0, "error": 0}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return out

    def describe(self) -> str:
        """A short human-readable account (counts, then one line per failure)."""
        c = self.counts()
        lines = [f"{len(self.outcomes)} task(s): {c['done']} scored, {c['skipped']} already done, "
                 f"{c['error']} failed; results in {self.results_dir}"]
        for o in self.failed:
            lines.append(f"  FAILED {o.key.model_label} x {o.benchmark}: {o.error}")
        if self.failed:
            lines.append(f"  (tracebacks in {self.results_dir / '_errors'}; rerun the same command to retry them)")
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------- inputs
def resolve_benchmarks(names: Iterable[str] | None) -> list[str]:
    """Canonical registered names for what the user typed.

    Parameters
    ----------
    names : iterable of str or None
        Benchmark names (case-insensitive) or ``"all"`` (the paper's four: :data:`PAPER_BENCHMARKS`); None or empty
        means ``"all"``.

    Raises
    ------
    UnknownBenchmarkError
        A name is not registered.
    """
    from .benchmarks import list_benchmarks

    registered = {n.lower(): n for n in list_benchmarks()}
    out: list[str] = []
    for name in list(names or ["all"]):
        if name.lower() == "all":
            picks = list(PAPER_BENCHMARKS)
        elif name.lower() in registered:
            picks = [registered[name.lower()]]
        else:
            known = ", ".join(sorted(registered.values()))
            raise UnknownBenchmarkError(f"unknown benchmark {name!r}; registered: {known} "
                                        f"(or 'all' = {', '.join(PAPER_BENCHMARKS)})")
        out.extend(p for p in picks if p not in out)
    return out


def parse_model_line(line: str) -> ModelRequest | None:
    """Parse one line of a models file (None for blank or comment lines).

    Raises
    ------
    ModelsFileError
        An unknown option.
    """
    text = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
    if not text:
        return None
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise ModelsFileError(f"cannot read {line.strip()!r}: {exc}") from exc
    model, revision, untrained = tokens[0], "", False
    for tok in tokens[1:]:
        if tok.startswith("revision="):
            revision = tok.split("=", 1)[1]
            if not revision:
                raise ModelsFileError(f"{line.strip()!r}: empty revision=")
        elif tok.lower() in {"untrained", "--untrained"}:
            untrained = True
        else:
            raise ModelsFileError(f"{line.strip()!r}: unknown option {tok!r} (allowed: revision=REV, untrained)")
    return ModelRequest(model=model, revision=revision, untrained=untrained)


def read_models_file(path: str | os.PathLike) -> list[ModelRequest]:
    """Read a models file (format in the module docstring); duplicate lines are kept once.

    Raises
    ------
    FileNotFoundError
        No such file.
    ModelsFileError
        A bad line (the message gives its number) or no model at all.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"models file {str(path)!r} does not exist")
    out: list[ModelRequest] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        try:
            req = parse_model_line(line)
        except ModelsFileError as exc:
            raise ModelsFileError(f"{path}:{number}: {exc}") from None
        if req is not None and req not in out:
            out.append(req)
    if not out:
        raise ModelsFileError(f"{path} lists no model (one per line; '#' starts a comment)")
    return out


# ------------------------------------------------------------------------------------------------------ one job
def summarize(scores: pd.DataFrame) -> dict[str, Any]:
    """The one-line summary of one task's rows: model, benchmark, best layer, raw and normalized score."""
    best = scores[scores["is_best_layer"]]
    row = (best if len(best) else scores).iloc[0]
    return {"model": str(row["model"]), "benchmark": str(row["benchmark"]), "best_layer": str(row["layer"]),
            "raw": float(row["score"]), "normalized": float(row["normalized"])}


def make_benchmark(name: str) -> Any:
    """Load a registered benchmark with its default options."""
    from .benchmarks import load_benchmark

    return load_benchmark(name)


def score_benchmark(benchmark: Any, model: Any, *, batch_size: int | None = None, progress: bool = True) -> Any:
    """``benchmark.score(model)``, passing ``batch_size`` and ``progress`` where the benchmark takes them.

    Benchmarks whose ``score`` takes extraction keywords get ``batch_size=`` directly; benchmarks that keep their
    extraction or surprisal options in an ``extraction_kwargs`` / ``surprisal_kwargs`` dict get it there.
    """
    params = inspect.signature(benchmark.score).parameters
    open_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    kwargs: dict[str, Any] = {}
    if "progress" in params or open_kw:
        kwargs["progress"] = progress
    if batch_size is not None:
        if "batch_size" in params or open_kw:
            kwargs["batch_size"] = batch_size
        else:
            for attr in ("extraction_kwargs", "surprisal_kwargs"):
                options = getattr(benchmark, attr, None)
                if isinstance(options, dict):
                    options["batch_size"] = batch_size
    return benchmark.score(model, **kwargs)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    msg = text[0] if text else ""
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def run_model_job(request: ModelRequest, benchmarks: Sequence[str], results_dir: str | os.PathLike, *,
                  device: str = "auto", dtype: str = "auto", batch_size: int | None = None, overwrite: bool = False,
                  progress: bool = True, on_outcome: Callable[[TaskOutcome], None] | None = None
                  ) -> list[TaskOutcome]:
    """Score one model on several benchmarks, writing each task's result as soon as it is computed.

    The benchmarks that are not done yet are built first (a benchmark whose data are missing fails before any weights
    are loaded), then the model is loaded once. Exceptions of a task are caught, recorded (``DIR/_errors``) and
    returned as ``status="error"``; a failure to load the model fails all its pending tasks.
    This is the function the Dask workers run; everything it takes and returns pickles.

    Parameters
    ----------
    request : ModelRequest
        The model.
    benchmarks : sequence of str
        Registered benchmark names.
    results_dir : path-like
        Results directory.
    device, dtype : str
        Passed to :func:`brainalign.models.load_model` (``"auto"``, ``"cpu"``, ``"cuda"``; ``"auto"``, ``"float32"``,
        ``"bfloat16"``, ``"float16"``).
    batch_size : int, optional
        Passed to benchmarks that take it.
    overwrite : bool
        Recompute tasks that are already done.
    progress : bool
        Progress bars of the benchmarks (off on Dask workers).
    on_outcome : callable, optional
        Called with each :class:`TaskOutcome` as soon as it is known (progress bars).

    Returns
    -------
    list of TaskOutcome
        One per benchmark (skipped and failed-to-build ones first).
    """
    results_dir = Path(results_dir)
    outcomes: list[TaskOutcome] = []

    def emit(outcome: TaskOutcome) -> None:
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    def fail(bench: str, exc: BaseException, tb: str, start: float) -> None:
        message = _one_line(exc)
        if _is_oom(exc):
            message += (" -- out of memory: try --batch-size 1, --dtype bfloat16/float16, or a GPU with more "
                        "memory (see the troubleshooting page)")
            _free_gpu_memory()
        elapsed = time.perf_counter() - start
        write_error(results_dir, request.key(bench), message, tb, elapsed_s=round(elapsed, 3))
        emit(TaskOutcome(model=request.model, benchmark=bench, revision=request.revision,
                         untrained=request.untrained, status="error", error=message, elapsed=elapsed))

    # 1. skip what is done; build the benchmarks first (they load their data: a missing file fails fast, before
    #    the weights of a large model are loaded for nothing)
    ready: dict[str, Any] = {}
    for bench in benchmarks:
        key = request.key(bench)
        if not overwrite and is_done(results_dir, key):
            try:
                summary = summarize(read_task(results_dir, key))
            except Exception:  # noqa: BLE001 - an unreadable file is reported by readers, not here
                summary = {}
            emit(TaskOutcome(model=request.model, benchmark=bench, revision=request.revision,
                             untrained=request.untrained, status="skipped",
                             file=str(results_dir / f"{key.stem}.csv"), summary=summary))
            continue
        start = time.perf_counter()
        try:
            ready[bench] = make_benchmark(bench)
        except Exception as exc:  # noqa: BLE001 - one task's failure must not stop the others
            fail(bench, exc, traceback.format_exc(), start)
    if not ready:
        return outcomes

    # 2. load the model once
    start = time.perf_counter()
    try:
        from .models import load_model

        model = load_model(request.model, revision=request.revision or None, untrained=request.untrained,
                           device=device, dtype=dtype)
    except Exception as exc:  # noqa: BLE001 - fails all the model's pending tasks, not the sweep
        tb = traceback.format_exc()
        for bench in ready:
            fail(bench, exc, tb, start)
        return outcomes
    load_seconds = time.perf_counter() - start

    # 3. score, writing each result as soon as it exists
    for bench, benchmark in ready.items():
        start = time.perf_counter()
        try:
            result = score_benchmark(benchmark, model, batch_size=batch_size, progress=progress)
            scores = result.to_scores(_model_info(model))
            elapsed = time.perf_counter() - start
            path = write_result(results_dir, request.key(bench), scores, overwrite=overwrite,
                                record={"elapsed_s": round(elapsed, 3), "model_load_s": round(load_seconds, 3),
                                        "device": str(getattr(model, "device", "")),
                                        "dtype": str(getattr(model, "dtype", ""))})
            emit(TaskOutcome(model=request.model, benchmark=bench, revision=request.revision,
                             untrained=request.untrained, status="done", file=str(path), elapsed=elapsed,
                             summary=summarize(scores)))
        except Exception as exc:  # noqa: BLE001 - one task's failure must not stop the others
            fail(bench, exc, traceback.format_exc(), start)
    del model
    _free_gpu_memory()
    return outcomes


def _model_info(model: Any) -> dict[str, Any] | None:
    """Identity columns of a loaded model (catalog properties when known), or None to let to_scores look them up."""
    info = dict(getattr(model, "info", None) or {})
    out = {k: info[k] for k in ("family", "pair", "instruction_tuned", "params") if k in info}
    if "params" not in out and "n_params" in info:
        out["params"] = float(info["n_params"])
    return out or None


def _is_oom(exc: BaseException) -> bool:
    return isinstance(exc, MemoryError) or "out of memory" in str(exc).lower() or type(exc).__name__ == \
        "OutOfMemoryError"


def _free_gpu_memory() -> None:
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


# ------------------------------------------------------------------------------------------------------ sweeps
def plan(requests: Sequence[ModelRequest], benchmarks: Sequence[str], results_dir: str | os.PathLike,
         overwrite: bool = False) -> tuple[list[tuple[ModelRequest, list[str]]], list[TaskOutcome]]:
    """Split a sweep into jobs still to run (model, pending benchmarks) and the tasks already done."""
    jobs: list[tuple[ModelRequest, list[str]]] = []
    skipped: list[TaskOutcome] = []
    for req in requests:
        pending = []
        for bench in benchmarks:
            key = req.key(bench)
            if not overwrite and is_done(results_dir, key):
                try:
                    summary = summarize(read_task(results_dir, key))
                except Exception:  # noqa: BLE001
                    summary = {}
                skipped.append(TaskOutcome(model=req.model, benchmark=bench, revision=req.revision,
                                           untrained=req.untrained, status="skipped",
                                           file=str(Path(results_dir) / f"{key.stem}.csv"), summary=summary))
            else:
                pending.append(bench)
        if pending:
            jobs.append((req, pending))
    return jobs, skipped


def run_sweep(requests: Sequence[ModelRequest], benchmarks: Sequence[str], results_dir: str | os.PathLike, *,
              executor: str = "local", scheduler: str | None = None, n_workers: int | None = None,
              device: str = "auto", dtype: str = "auto", batch_size: int | None = None, overwrite: bool = False,
              progress: bool = True) -> SweepReport:
    """Run every (model, benchmark) task that is not done yet.

    Parameters
    ----------
    requests : sequence of ModelRequest
        Models (see :func:`read_models_file`).
    benchmarks : sequence of str
        Registered benchmark names (see :func:`resolve_benchmarks`).
    results_dir : path-like
        Results directory (created).
    executor : {"local", "dask"}
        Where jobs run (module docstring).
    scheduler : str, optional
        Address of a running Dask scheduler (``executor="dask"`` only); without it a loopback
        :class:`distributed.LocalCluster` is started and closed again.
    n_workers : int, optional
        Worker processes of the LocalCluster (default: the number of CUDA devices, at least 1).
    device, dtype, batch_size, overwrite
        See :func:`run_model_job`.
    progress : bool
        Show a progress bar over tasks (on stderr).

    Returns
    -------
    SweepReport
        Outcomes of all tasks (``skipped`` for those done before).
    """
    if executor not in {"local", "dask"}:
        raise ValueError(f"unknown executor {executor!r}; use 'local' or 'dask'")
    if scheduler and executor != "dask":
        raise ValueError("--scheduler needs --executor dask")
    results_dir = Path(results_dir).resolve()  # absolute: Dask workers may run in another folder
    results_dir.mkdir(parents=True, exist_ok=True)
    jobs, skipped = plan(requests, benchmarks, results_dir, overwrite)
    outcomes: dict[TaskKey, TaskOutcome] = {o.key: o for o in skipped}
    from tqdm.auto import tqdm

    n_pending = sum(len(b) for _, b in jobs)
    bar = tqdm(total=n_pending, desc="sweep", unit="task", disable=not progress or n_pending == 0, file=sys.stderr)

    def record(outcome: TaskOutcome) -> None:
        outcomes[outcome.key] = outcome
        bar.update(1)
        if outcome.status == "error":
            bar.write(f"FAILED {outcome.key.model_label} x {outcome.benchmark}: {outcome.error}", file=sys.stderr)
        bar.set_postfix_str(f"{outcome.key.model_label} x {outcome.benchmark}: {outcome.status}", refresh=False)

    options = dict(device=device, dtype=dtype, batch_size=batch_size, overwrite=overwrite)
    try:
        if executor == "local":
            for req, pending in jobs:
                run_model_job(req, pending, results_dir, on_outcome=record, progress=progress, **options)
        elif jobs:
            _run_dask(jobs, results_dir, scheduler, n_workers, options, record)
    finally:
        bar.close()
    ordered = [outcomes[r.key(b)] for r in requests for b in benchmarks if r.key(b) in outcomes]
    return SweepReport(outcomes=ordered, results_dir=results_dir)


def _default_workers() -> int:
    try:
        import torch

        return max(1, torch.cuda.device_count())
    except Exception:  # noqa: BLE001
        return 1


def _run_dask(jobs: list[tuple[ModelRequest, list[str]]], results_dir: Path, scheduler: str | None,
              n_workers: int | None, options: dict[str, Any], record: Callable[[TaskOutcome], None]) -> None:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=n_workers or _default_workers(), threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None, protocol="tcp")
        client = Client(cluster)
    try:
        futures = {}
        for req, pending in jobs:
            fut = client.submit(run_model_job, req, pending, str(results_dir), pure=False, progress=False,
                                key=f"brainalign-{req.key('').stem}-{os.getpid()}-{time.time_ns()}", **options)
            futures[fut] = (req, pending)
        for fut in as_completed(list(futures)):
            req, pending = futures[fut]
            try:
                results = fut.result()
            except Exception as exc:  # noqa: BLE001 - the worker died (KilledWorker) or the job could not run
                message = f"job lost: {_one_line(exc)}"
                for bench in pending:
                    key = req.key(bench)
                    if is_done(results_dir, key):  # finished before the worker died
                        record(TaskOutcome(model=req.model, benchmark=bench, revision=req.revision,
                                           untrained=req.untrained, status="done",
                                           file=str(results_dir / f"{key.stem}.csv"),
                                           summary=summarize(read_task(results_dir, key))))
                        continue
                    write_error(results_dir, key, message, traceback.format_exc())
                    record(TaskOutcome(model=req.model, benchmark=bench, revision=req.revision,
                                       untrained=req.untrained, status="error", error=message))
                continue
            for outcome in results:
                record(outcome)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def outcomes_table(report: SweepReport) -> pd.DataFrame:
    """The outcomes as a DataFrame (one row per task; summary fields spread into columns)."""
    rows = []
    for o in report.outcomes:
        row = asdict(o)
        summary = row.pop("summary") or {}
        row.update({f"summary_{k}": v for k, v in summary.items()})
        rows.append(row)
    return pd.DataFrame(rows)
