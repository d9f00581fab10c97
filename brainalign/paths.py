"""Every folder brainalign reads or writes, and every environment variable that moves one: one lookup each.

==============================  ===============================================  =====================================
what                            environment variable                             default
==============================  ===============================================  =====================================
human data (the data home)      ``BRAINALIGN_DATA``                              ``<user cache>``
extracted activations           ``BRAINALIGN_ACTIVATION_CACHE``                  ``<user cache>/activations``
converted offline models        ``BRAINALIGN_MODEL_CACHE``                       ``<user cache>/models``
extra benchmark modules         ``BRAINALIGN_BENCHMARK_PATH`` (``os.pathsep``)   none
downloads forbidden             ``BRAINALIGN_OFFLINE`` (``1``/``true``/...)      downloads allowed
the book's published address    ``BRAINALIGN_BOOK_BASE_URL``                     none (no canonical links)
Chromium (book PDF, browser)    ``BRAINALIGN_CHROMIUM``                          ``/usr/bin/chromium``
==============================  ===============================================  =====================================

``<user cache>`` is ``pooch.os_cache("brainalign")`` (``~/.cache/brainalign`` on Linux). An explicit argument
(``data_home=``, ``cache=``) always wins over the environment variable, which wins over the default.

The data home holds one sub-folder per dataset (``naturalstories/``, ``pereira2018/``, ...). It may be a read-only
mirror (a course server's copy of the Natural Stories corpus, or this project's ``../shared/data``): loaders look for
a file there first and download only what is missing (see :mod:`brainalign.data.fetch`). Nothing here creates a folder;
the code that writes creates what it needs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pooch

ENV_DATA_HOME = "BRAINALIGN_DATA"
ENV_OFFLINE = "BRAINALIGN_OFFLINE"
ENV_ACTIVATION_CACHE = "BRAINALIGN_ACTIVATION_CACHE"
ENV_MODEL_CACHE = "BRAINALIGN_MODEL_CACHE"
ENV_BENCHMARK_PATH = "BRAINALIGN_BENCHMARK_PATH"
ENV_BOOK_BASE_URL = "BRAINALIGN_BOOK_BASE_URL"
ENV_CHROMIUM = "BRAINALIGN_CHROMIUM"

__all__ = ["ENV_ACTIVATION_CACHE", "ENV_BENCHMARK_PATH", "ENV_BOOK_BASE_URL", "ENV_CHROMIUM", "ENV_DATA_HOME",
           "ENV_MODEL_CACHE", "ENV_OFFLINE", "activation_cache_dir", "benchmark_plugin_dirs", "book_base_url",
           "chromium_executable", "get_data_home", "model_cache_dir", "offline", "user_cache_dir"]


def _resolve(path: str | os.PathLike) -> Path:
    return Path(path).expanduser().resolve()


def user_cache_dir() -> Path:
    """The per-user cache folder, ``pooch.os_cache("brainalign")`` (``~/.cache/brainalign`` on Linux)."""
    return _resolve(pooch.os_cache("brainalign"))


def _lookup(explicit: str | os.PathLike | None, env: str, default: Path) -> Path:
    if explicit is not None:
        return _resolve(explicit)
    value = os.environ.get(env)
    return _resolve(value) if value else default


def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """The data home: the ``data_home`` argument, else ``$BRAINALIGN_DATA``, else the user cache.

    Parameters
    ----------
    data_home : str or path-like, optional
        Explicit folder; wins over the environment variable and the user cache.

    Returns
    -------
    pathlib.Path
        Absolute path (not created here).
    """
    return _lookup(data_home, ENV_DATA_HOME, user_cache_dir())


def activation_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Folder of the activation cache: ``cache_dir``, else ``$BRAINALIGN_ACTIVATION_CACHE``, else
    ``<user cache>/activations``."""
    return _lookup(cache_dir, ENV_ACTIVATION_CACHE, user_cache_dir() / "activations")


def model_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """Folder of the converted offline models: ``cache_dir``, else ``$BRAINALIGN_MODEL_CACHE``, else
    ``<user cache>/models``."""
    return _lookup(cache_dir, ENV_MODEL_CACHE, user_cache_dir() / "models")


def benchmark_plugin_dirs() -> list[Path]:
    """Folders of ``$BRAINALIGN_BENCHMARK_PATH`` (separated by ``os.pathsep``) whose ``*.py`` files define
    benchmarks, in order; empty entries are ignored."""
    value = os.environ.get(ENV_BENCHMARK_PATH, "")
    return [_resolve(p) for p in value.split(os.pathsep) if p.strip()]


def offline() -> bool:
    """True when downloads are forbidden (``BRAINALIGN_OFFLINE`` set to 1/true/yes/on)."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}


def book_base_url() -> str | None:
    """The address the book is published at (``$BRAINALIGN_BOOK_BASE_URL``, ending in ``/``), or None."""
    value = os.environ.get(ENV_BOOK_BASE_URL, "").strip()
    return (value.rstrip("/") + "/") if value else None


def chromium_executable() -> Path:
    """The Chromium that prints the book's PDF and runs the browser tests (``$BRAINALIGN_CHROMIUM``, else Debian's
    ``/usr/bin/chromium``; not checked for existence here)."""
    return Path(os.environ.get(ENV_CHROMIUM, "/usr/bin/chromium"))
