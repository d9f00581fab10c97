"""brainalign: brain- and behavioral-alignment scoring of language models.

A reproducible edition of Aw et al. (2024), *Instruction-tuning Aligns LLMs to the Human Brain* (COLM 2024,
arXiv:2312.00575). Data flow: stimuli -> activations (cached per model and layer) -> encoding fits and surprisal ->
a tidy scores table (:mod:`brainalign.scores`) -> statistics (:mod:`brainalign.stats`) -> figures and book pages.

The top-level entry points are imported lazily so that ``import brainalign`` stays cheap (no torch import):

- :func:`brainalign.load_model` -- a language model by short name, Hugging Face id or local path;
- :func:`brainalign.load_benchmark` -- a benchmark by name (``"Futrell2018"``, ``"Pereira2018"``, ...);
- :func:`brainalign.load_scores` -- a scores table (``"paper"`` for the published tables, or a path);
- :func:`brainalign.get_data_home` -- where human data are stored.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._version import __version__

_LAZY = {
    "load_model": "brainalign.models:load_model",
    "load_benchmark": "brainalign.benchmarks:load_benchmark",
    "list_benchmarks": "brainalign.benchmarks:list_benchmarks",
    "load_scores": "brainalign.scores:load_scores",
    "get_data_home": "brainalign.datahome:get_data_home",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name].split(":")
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'brainalign' has no attribute {name!r}")
