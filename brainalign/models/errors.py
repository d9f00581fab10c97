"""Errors raised while resolving and loading language models."""

from __future__ import annotations


class ModelLoadError(RuntimeError):
    """A model could not be resolved or loaded; the message names the problem and what to do about it."""


class UnknownModelError(ModelLoadError, KeyError):
    """A short name that is neither in the catalog, nor a Hugging Face id, nor an existing local path."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NoHiddenStatesError(ModelLoadError):
    """The loaded network exposes no transformer blocks whose outputs could be read out."""


class NotAModelFolderError(UnknownModelError):
    """A directory given as a model that holds no model (no ``config.json``)."""
