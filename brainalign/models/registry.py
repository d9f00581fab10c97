"""Short model names -> how to get the weights (catalog row, Hugging Face id, local path or offline package).

:func:`resolve` turns what a user typed into a :class:`ModelSpec`. Lookup order: an existing local model directory (one
with a ``config.json``), a short name of :func:`brainalign.models.catalog.model_catalog` (case-insensitive), a Hugging
Face id (``owner/name``). Anything else, the empty string included, raises
:class:`~brainalign.models.errors.UnknownModelError` with the closest catalog names.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import model_catalog
from .errors import NotAModelFolderError, UnknownModelError


@dataclass(frozen=True)
class ModelSpec:
    """Where a model comes from.

    Attributes
    ----------
    name : str
        Name used in results (catalog short name, HF id, or the directory name of a local path).
    source : {"catalog", "hub", "local", "offline"}
        ``offline`` = one of the GGUF models shipped in PyPI packages.
    model_id : str
        HF id or absolute local path.
    offline_package : str
        PyPI package name for ``source == "offline"`` ("" otherwise).
    info : dict
        Catalog properties (family, pair, instruction_tuned, params, ...); empty when not in the catalog.
    """

    name: str
    source: str
    model_id: str
    offline_package: str = ""
    info: dict[str, Any] = field(default_factory=dict)


def _catalog_info(row: Any) -> dict[str, Any]:
    return {
        "family": str(row["family"]),
        "pair": str(row["pair"]),
        "instruction_tuned": bool(row["instruction_tuned"]),
        "params": float(row["params"]),
        "group": str(row["group"]),
        "n_layers": int(row["n_layers"]),
        "hidden": int(row["hidden"]),
        "paper_layer": str(row.get("paper_layer", "") or ""),
        "delta_base": str(row.get("delta_base", "") or ""),
    }


def _looks_like_hub_id(text: str) -> bool:
    return text.count("/") == 1 and not text.startswith((".", "/", "~")) and all(text.split("/"))


def resolve(name_or_id: str | os.PathLike) -> ModelSpec:
    """Resolve a short name, Hugging Face id or local directory.

    Parameters
    ----------
    name_or_id : str or path-like
        ``"smollm2-135m-instruct"``, ``"flan-t5-xl"``, ``"openai-community/gpt2"``, ``"./my-model"``.

    Raises
    ------
    UnknownModelError
        Empty, not a directory, not a catalog name and not of the form ``owner/name``.
    NotAModelFolderError
        A directory without ``config.json`` (that is not also a catalog name or a hub id).
    """
    text = os.fspath(name_or_id)
    if not text.strip():
        raise UnknownModelError(
            f"empty model name {text!r} (an unset shell variable?): give a catalog short name (`brainalign models`), "
            f"a Hugging Face id (owner/name) or a model folder; to score the current folder, write '.'")
    path = Path(text).expanduser()
    cat = model_catalog()
    lower = {n.lower(): n for n in cat.index}
    if path.is_dir():
        if (path / "config.json").is_file():
            return ModelSpec(name=path.resolve().name, source="local", model_id=str(path.resolve()))
        if text.lower() not in lower and not _looks_like_hub_id(text):
            raise NotAModelFolderError(
                f"{path.resolve()} is a folder but not a model folder: it has no config.json. A model folder is "
                f"written by model.save_pretrained(DIR) and tokenizer.save_pretrained(DIR) (for a hub checkpoint, "
                f"pass its id owner/name instead)")
    if text.lower() in lower:
        row = cat.loc[lower[text.lower()]]
        pkg = str(row["offline_package"] or "")
        return ModelSpec(name=str(row["name"]), source="offline" if pkg else "catalog", model_id=str(row["hf_id"]),
                         offline_package=pkg, info=_catalog_info(row))
    by_id = {str(h).lower(): n for n, h in zip(cat.index, cat["hf_id"])}
    if text.lower() in by_id:  # a catalog model named by its HF id keeps its catalog identity (but loads from the hub)
        row = cat.loc[by_id[text.lower()]]
        return ModelSpec(name=text, source="hub", model_id=text, info=_catalog_info(row))
    if _looks_like_hub_id(text):
        return ModelSpec(name=text, source="hub", model_id=text)
    close = difflib.get_close_matches(text.lower(), list(lower), n=5, cutoff=0.5)
    hint = f" Did you mean: {', '.join(lower[c] for c in close)}?" if close else ""
    raise UnknownModelError(
        f"unknown model {text!r}: it is not a directory, not a short name of the catalog and not a Hugging Face id "
        f"(owner/name).{hint} List the short names with brainalign.models.catalog.model_catalog() "
        f"(or `brainalign models`), pass a Hugging Face id such as 'openai-community/gpt2', or a local directory "
        f"written by save_pretrained()."
    )
