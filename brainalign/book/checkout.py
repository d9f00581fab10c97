"""The book's source checkout: where it is, and the one rule for its human data.

The book tooling (:mod:`brainalign.book.build`, :mod:`brainalign.book.report`) works on a *book source*: a folder
holding ``_toc.yml``, ``_config.yml``, ``book/`` and ``notebooks/`` (a brainalign checkout, or a copy of it).

Data rule of this project's machines, written once here (the book build, the report and the tests call it): when no
data home is set, a ``shared/data`` folder next to the checkout (``../shared/data``, the offline mirror of the human
data) is used as ``BRAINALIGN_DATA``.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..paths import ENV_DATA_HOME

#: The checkout this package is imported from (when it is one).
PACKAGE_CHECKOUT = Path(__file__).resolve().parents[2]


class BookSourceError(FileNotFoundError):
    """No book source (``_toc.yml``) where one was expected."""


def is_book_source(path: str | os.PathLike) -> bool:
    """True when ``path`` holds a ``_toc.yml``."""
    return (Path(path) / "_toc.yml").is_file()


def book_root(root: str | os.PathLike | None = None) -> Path:
    """The book source: ``root``, else the current folder, else the checkout this package is imported from.

    Raises
    ------
    BookSourceError
        The folder holds no ``_toc.yml``.
    """
    candidates = [Path(root)] if root is not None else [Path.cwd(), PACKAGE_CHECKOUT]
    for path in candidates:
        if is_book_source(path):
            return path.resolve()
    raise BookSourceError(f"no _toc.yml in {candidates[0].resolve()}: run from a brainalign checkout (the book "
                          f"source), or pass its folder (--root / --book-source)")


def use_shared_data(root: str | os.PathLike) -> Path | None:
    """Set ``BRAINALIGN_DATA`` to ``<root>/../shared/data`` when it is unset and that mirror exists.

    Returns
    -------
    pathlib.Path or None
        The mirror now in use, or None (a data home was set already, or there is no mirror).
    """
    shared = Path(root).resolve().parent / "shared" / "data"
    if ENV_DATA_HOME not in os.environ and (shared / "naturalstories").is_dir():
        os.environ[ENV_DATA_HOME] = str(shared)
        return shared
    return None
