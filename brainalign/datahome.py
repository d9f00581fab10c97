"""Where brainalign keeps human data: one documented lookup order.

The data home is chosen, first match wins, from

1. the ``data_home`` argument of a loader;
2. the ``BRAINALIGN_DATA`` environment variable;
3. the user cache, ``~/.cache/brainalign`` on Linux (``pooch.os_cache("brainalign")``).

Each dataset lives in a sub-folder named after it (``naturalstories/``, ``pereira2018/``, ...). A data home may be a
read-only mirror (such as a course server's copy of the Natural Stories corpus): loaders first look for a file there
and only download when it is missing. Set ``BRAINALIGN_OFFLINE=1`` to forbid downloads altogether (tests and CI do);
a missing file then raises :class:`DataNotFoundError` that names the file and where it was looked for.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATA_HOME = "BRAINALIGN_DATA"
ENV_OFFLINE = "BRAINALIGN_OFFLINE"


class DataNotFoundError(FileNotFoundError):
    """A data file is neither in the data home nor downloadable (offline mode or no URL)."""


def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """Return the data home folder (not created here).

    Parameters
    ----------
    data_home : str or path-like, optional
        Explicit folder; wins over the environment variable and the user cache.

    Returns
    -------
    pathlib.Path
        Absolute path of the data home.
    """
    if data_home is not None:
        return Path(data_home).expanduser().resolve()
    env = os.environ.get(ENV_DATA_HOME)
    if env:
        return Path(env).expanduser().resolve()
    import pooch

    return Path(pooch.os_cache("brainalign")).resolve()


def offline() -> bool:
    """True when downloads are forbidden (``BRAINALIGN_OFFLINE`` set to 1/true/yes)."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}
