"""Running Jupyter Book on the book source (the HTML site, the single page the PDF is printed from)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..paths import ENV_BOOK_BASE_URL


def run_jupyter_book(base: Path, *args: str, base_url: str | None = None) -> subprocess.CompletedProcess:
    """``jupyter-book build <base> <args>`` with the environment's own executable; output captured.

    Parameters
    ----------
    base : pathlib.Path
        Book source.
    *args : str
        More ``jupyter-book build`` arguments (``--builder``, ``--path-output``, ...).
    base_url : str, optional
        Published address of the site, passed to the Sphinx build as ``$BRAINALIGN_BOOK_BASE_URL``.
    """
    exe = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "jupyter_book.cli.main"]
    env = dict(os.environ)
    if base_url:
        env[ENV_BOOK_BASE_URL] = base_url
    return subprocess.run([*cmd, "build", str(base), *args], cwd=base, text=True, capture_output=True, env=env)
