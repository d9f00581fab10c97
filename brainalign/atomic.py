"""Atomic file writes: a reader (or a resumed run) sees either the whole new file or none of it.

The content goes to a hidden temporary file in the target's folder (``.tmp-<name>-XXXX.part``), is flushed and
fsync'ed, then renamed over the target with :func:`os.replace`. On any error, including an interrupt, the temporary
file is removed and the target is left as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Write ``path`` atomically.

    Parameters
    ----------
    path : path-like
        Target file; its folder is created if needed.
    write : callable
        Called with the open binary temporary file (e.g. ``lambda f: np.savez(f, **arrays)``).

    Returns
    -------
    pathlib.Path
        The target path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.name[:40]}-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8, line endings kept as given) to ``path`` atomically."""
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")))
