"""Benchmarks, registered by name (as in Brain-Score).

>>> import brainalign
>>> bench = brainalign.load_benchmark("Futrell2018")        # doctest: +SKIP
>>> result = bench.score(brainalign.load_model("smollm2-135m-instruct"))   # doctest: +SKIP

A benchmark is any object with ``name``, ``ceiling`` and ``score(model) -> BenchmarkResult``. Registration maps a name
to ``"module:factory"`` so that listing benchmarks imports nothing heavy.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Protocol

from ..results import BenchmarkResult


class Benchmark(Protocol):
    """What every benchmark provides."""

    name: str
    ceiling: float

    def score(self, model: Any) -> BenchmarkResult:  # pragma: no cover - protocol
        ...


_REGISTRY: dict[str, tuple[str, str]] = {}
_DESCRIPTIONS: dict[str, str] = {}


def register_benchmark(name: str, target: str, description: str = "") -> None:
    """Register a benchmark factory.

    Parameters
    ----------
    name : str
        Public name (matched case-insensitively).
    target : str
        ``"module.path:callable"``; the callable takes keyword arguments (``data_home``, ...) and returns a benchmark.
    description : str
        One line for ``brainalign benchmarks``.
    """
    _REGISTRY[name.lower()] = (name, target)
    _DESCRIPTIONS[name] = description


def list_benchmarks() -> dict[str, str]:
    """Registered benchmark names with their one-line descriptions."""
    return {name: _DESCRIPTIONS[name] for name, _ in _REGISTRY.values()}


def load_benchmark(name: str, **kwargs: Any) -> Benchmark:
    """Build a benchmark by name.

    Parameters
    ----------
    name : str
        A registered name (case-insensitive), e.g. ``"Futrell2018"``, ``"Pereira2018"``.
    **kwargs
        Passed to the benchmark's factory (``data_home=...`` and benchmark-specific options).

    Raises
    ------
    KeyError
        Unknown name; the message lists the registered ones.
    """
    key = name.lower()
    if key not in _REGISTRY:
        raise KeyError(f"unknown benchmark {name!r}; registered: {', '.join(sorted(list_benchmarks()))}")
    _, target = _REGISTRY[key]
    module, attr = target.split(":")
    return getattr(import_module(module), attr)(**kwargs)


# Registrations (each module is imported only when its benchmark is loaded).
register_benchmark("Futrell2018", "brainalign.benchmarks.futrell2018:Futrell2018",
                   "behavioral alignment: per-word surprisal vs mean self-paced reading time (Natural Stories)")
register_benchmark("Futrell2018-encoding", "brainalign.benchmarks.futrell2018:Futrell2018Encoding",
                   "layer-wise: cross-validated regression of reading times on each layer's word activations")
register_benchmark("Pereira2018", "brainalign.benchmarks.pereira2018:Pereira2018",
                   "fMRI, 243 + 384 sentences, linear predictivity (OLS, 10 shuffle splits), mean of the experiments")
register_benchmark("Blank2014", "brainalign.benchmarks.blank2014:Blank2014",
                   "fMRI fROIs, 8 Natural Stories, TR fragments, linear predictivity")
register_benchmark("Wehbe2014", "brainalign.benchmarks.wehbe2014:Wehbe2014",
                   "fMRI, Harry Potter ch. 9, PCA + TR averaging + delays + ridge, 4-fold CV by run")
