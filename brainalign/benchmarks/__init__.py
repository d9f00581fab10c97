"""Benchmarks by name, each in its own module, registered by a decorator there (as in Brain-Score).

>>> import brainalign
>>> bench = brainalign.load_benchmark("Futrell2018")        # doctest: +SKIP
>>> result = bench.score(brainalign.load_model("smollm2-135m-instruct"))   # doctest: +SKIP

A benchmark is a subclass of :class:`~brainalign.benchmarks.base.Benchmark` decorated with :func:`register_benchmark`.
The registry finds them itself: on first use it imports every public module of this package (``brainalign/benchmarks/
*.py``) and every ``*.py`` file in the folders of ``$BRAINALIGN_BENCHMARK_PATH`` (:mod:`brainalign.paths`), so a new
benchmark is one new file and no list elsewhere. Benchmark modules import torch only when they score, so listing
them is cheap.
"""

from __future__ import annotations

import difflib
import importlib.util
import pkgutil
import sys
import warnings
from importlib import import_module
from pathlib import Path
from typing import Any, TypeVar

from ..paths import benchmark_plugin_dirs
from .base import Benchmark, Ceiling, Stimuli
from .protocols import DEFAULT_PROTOCOL, get_protocol

__all__ = ["Benchmark", "Ceiling", "Stimuli", "UnknownBenchmarkError", "benchmark_class", "list_benchmarks",
           "load_benchmark", "register_benchmark"]

B = TypeVar("B", bound=type)

_REGISTRY: dict[str, type[Benchmark]] = {}
_SCANNED: set[str] = set()
_PLUGIN_PACKAGE = "brainalign_benchmark_plugins"


class UnknownBenchmarkError(KeyError):
    """A benchmark name that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def register_benchmark(cls: B) -> B:
    """Class decorator: register a :class:`Benchmark` subclass under its ``name``.

    Raises
    ------
    TypeError
        Not a Benchmark subclass, or no ``name``.
    ValueError
        Another class is registered under the same name (case-insensitively).
    """
    if not (isinstance(cls, type) and issubclass(cls, Benchmark)):
        raise TypeError(f"@register_benchmark decorates Benchmark subclasses, got {cls!r}")
    if not cls.name:
        raise TypeError(f"{cls.__qualname__} has no `name`; set the class attribute name = '...'")
    key = cls.name.lower()
    other = _REGISTRY.get(key)
    if other is not None and (other.__module__, other.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError(f"benchmark name {cls.name!r} is taken by {other.__module__}.{other.__qualname__}")
    _REGISTRY[key] = cls
    return cls


def _discover() -> None:
    """Import the benchmark modules not imported yet (this package, then ``$BRAINALIGN_BENCHMARK_PATH``)."""
    if __name__ not in _SCANNED:
        _SCANNED.add(__name__)
        for info in pkgutil.iter_modules(__path__):
            if not info.name.startswith("_") and info.name != "base":
                import_module(f"{__name__}.{info.name}")
    for folder in benchmark_plugin_dirs():
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
            if str(path) not in _SCANNED and not path.name.startswith("_"):
                _SCANNED.add(str(path))
                _import_plugin(path)


def _import_plugin(path: Path) -> None:
    name = f"{_PLUGIN_PACKAGE}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - one broken plugin file must not hide the other benchmarks
        sys.modules.pop(name, None)
        warnings.warn(f"benchmark module {path} (from $BRAINALIGN_BENCHMARK_PATH) failed to import and is skipped: "
                      f"{type(exc).__name__}: {exc}", RuntimeWarning, stacklevel=3)


def list_benchmarks() -> dict[str, str]:
    """Registered benchmark names with their one-line descriptions, in name order."""
    _discover()
    return {cls.name: cls.description for _, cls in sorted(_REGISTRY.items())}


def benchmark_class(name: str) -> type[Benchmark]:
    """The class registered under ``name`` (case-insensitive).

    Raises
    ------
    UnknownBenchmarkError
        Not registered; the message lists the close and the registered names.
    """
    _discover()
    key = name.lower()
    if key not in _REGISTRY:
        names = [cls.name for cls in _REGISTRY.values()]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UnknownBenchmarkError(f"unknown benchmark {name!r}.{hint} Registered: {', '.join(sorted(names))}")
    return _REGISTRY[key]


def load_benchmark(name: str, **kwargs: Any) -> Benchmark:
    """Build a benchmark by name.

    Parameters
    ----------
    name : str
        A registered name (case-insensitive), e.g. ``"Futrell2018"``, ``"Pereira2018"``.
    **kwargs
        Passed to the benchmark's constructor (``data_home=...`` and benchmark-specific options). ``protocol`` (a
        name of :mod:`brainalign.benchmarks.protocols`) is passed only when it is not the default, so benchmarks
        that implement only the default protocol need not take it.

    Raises
    ------
    UnknownBenchmarkError
        Unknown name; the message lists the registered ones.
    ValueError
        The benchmark does not implement the requested protocol.
    """
    cls = benchmark_class(name)
    protocol = kwargs.pop("protocol", None)
    if protocol is not None and get_protocol(protocol).name != DEFAULT_PROTOCOL:
        name = get_protocol(protocol).name
        if name not in getattr(cls, "protocols", (DEFAULT_PROTOCOL,)):
            raise ValueError(f"{cls.name} implements the protocol(s) {', '.join(cls.protocols)}, not {name!r}")
        kwargs["protocol"] = name
    return cls(**kwargs)
