"""brainalign: brain- and behavioral-alignment scoring of language models.

A reproducible edition of Aw et al. (2024), *Instruction-tuning Aligns LLMs to the Human Brain* (COLM 2024,
arXiv:2312.00575). The package's folders follow the data, each stage importing only from the stages above it in this
list:

=======================  =============================================================================================
:mod:`~.scores`          the scores table (the contract with the book), benchmark results, results stores; imports
                         nothing else from brainalign
:mod:`~.paths`           every folder and environment variable (data home, caches, offline flag)
:mod:`~.data`            human data in, with checksums (never imports torch)
:mod:`~.models`          a language model by name: catalog, loading, layer names, offline and tiny models
:mod:`~.activations`     model -> numbers per stimulus: tokens, every layer's states, surprisal, the cache
:mod:`~.encoding`        arrays -> cross-validated fits, correlations, noise ceilings
:mod:`~.benchmarks`      one file per benchmark, registered by name
:mod:`~.paper`           the published tables and the paper's conventions (a source of scores)
:mod:`~.run`             the job loop: ``brainalign score``/``sweep`` (local or Dask) and the live chapter
:mod:`~.stats`           the paper's statistics, from a scores table
:mod:`~.figures`         the paper's figures, from a scores table
:mod:`~.book`            book tooling for a checkout (build, report, notebook helpers); not the library API
:mod:`~.cli`             the ``brainalign`` command
=======================  =============================================================================================

Small cross-cutting modules: :mod:`~.backend` (device and dtype), :mod:`~.atomic` (atomic file writes),
``_docs`` (shared parameter descriptions) and ``_version``.

The entry points below are imported on first use, so that ``import brainalign`` stays cheap (no pandas, no torch):

- :func:`brainalign.load_model` -- a language model by short name, Hugging Face id or local path;
- :func:`brainalign.load_benchmark` -- a benchmark by name (``"Futrell2018"``, ``"Pereira2018"``, ...);
- :func:`brainalign.load_scores` -- a scores table (``"paper"`` for the published tables, or a path);
- :func:`brainalign.get_data_home` -- where human data are stored.
"""

from __future__ import annotations

import os
import sys
import warnings
from importlib import import_module
from typing import Any

from ._version import __version__

if "ipykernel.zmqshell" in sys.modules:  # in a Jupyter kernel without ipywidgets, the first import of tqdm.auto
    with warnings.catch_warnings():  # warns "IProgress not found" (with the virtualenv's path) and falls back to
        warnings.simplefilter("ignore")  # text bars, which is what brainalign wants: import it once, quietly,
        import tqdm.auto  # noqa: F401 - so that no page of the book shows that warning

_LAZY = {
    "load_model": "brainalign.models.loading:load_model",
    "load_benchmark": "brainalign.benchmarks:load_benchmark",
    "list_benchmarks": "brainalign.benchmarks:list_benchmarks",
    "get_data_home": "brainalign.paths:get_data_home",
    "PROTOCOLS": "brainalign.benchmarks.protocols:PROTOCOLS",
    "reproduce": "brainalign.run.reproduce:reproduce",
}

__all__ = ["__version__", "load_scores", *_LAZY]


def load_scores(source: str | os.PathLike | Any = "paper") -> Any:
    """A scores table: ``"paper"`` (the published tables), a scores file, a results directory or a DataFrame.

    The facade of :func:`brainalign.scores.sources.load_scores`, which knows the named sources that are registered:
    this function imports :mod:`brainalign.paper` first, which registers ``"paper"``.

    Returns
    -------
    pandas.DataFrame
        A validated scores table (one row per model x benchmark x layer).
    """
    # imported here, not at the top: `import brainalign` must not load pandas
    from . import paper  # noqa: F401 - registers the "paper" source
    from .scores.sources import load_scores as _load  # as above

    return _load(source)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name].split(":")
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'brainalign' has no attribute {name!r}")
