"""Checksummed file retrieval into the data home (pooch underneath).

:func:`fetch_file` returns the local path of a dataset file. It looks in the data home first (see
:mod:`brainalign.paths`), verifies the checksum of what it finds, and otherwise downloads from the official URLs in
order, with the checksum verified by pooch before the file is moved into place. A checksum mismatch or a truncated
download therefore never leaves a file in the data home; it raises :class:`ChecksumError` with the URL, the expected
and the actual hash.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import pooch

from ..paths import ENV_OFFLINE, get_data_home, offline


class DataNotFoundError(FileNotFoundError):
    """A data file is neither in the data home nor downloadable (offline mode or no URL)."""


class ChecksumError(ValueError):
    """A file's hash differs from the published one (corrupt, truncated or changed upstream)."""


#: The hash git gives a file (``git hash-object``): sha1 of ``b"blob <size>\0"`` plus the bytes. Upstream repositories
#: publish it for every file (``git ls-tree``), also for files whose content is not mirrored anywhere else.
GIT_BLOB = "git-blob"


def file_hash(path: str | os.PathLike, algorithm: str = "sha1") -> str:
    """Hex digest of a file's bytes (:func:`pooch.file_hash`), or its git blob id (``algorithm="git-blob"``).

    Parameters
    ----------
    path : path-like
        File to hash.
    algorithm : str
        Any :mod:`hashlib` algorithm name (``"sha1"``, ``"sha256"``, ...) or :data:`GIT_BLOB`.
    """
    if algorithm == GIT_BLOB:
        h = hashlib.sha1(f"blob {os.path.getsize(path)}\0".encode())
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()
    return pooch.file_hash(str(path), alg=algorithm)


def _split_hash(known_hash: str | None) -> tuple[str, str] | None:
    if not known_hash:
        return None
    if ":" in known_hash:
        alg, value = known_hash.split(":", 1)
        return alg.lower(), value.lower()
    return "sha1", known_hash.lower()


def fetch_file(
    dataset: str,
    filename: str,
    *,
    urls: Sequence[str] = (),
    known_hash: str | None = None,
    data_home: str | os.PathLike | None = None,
    progress: bool = True,
) -> Path:
    """Local path of ``<data_home>/<dataset>/<filename>``, downloading it if needed.

    Parameters
    ----------
    dataset : str
        Sub-folder of the data home (``"naturalstories"``, ``"pereira2018"``, ...).
    filename : str
        File name inside that folder (may include sub-folders, e.g. ``"freqs/freqs-1.tsv"``).
    urls : sequence of str
        Official download locations, tried in order.
    known_hash : str, optional
        ``"sha1:<hex>"`` (or any ``"<alg>:<hex>"``, including ``"git-blob:<hex>"``; a bare hex string means sha1).
        Checked for files found in the data home as well as for downloads.
    data_home : path-like, optional
        Overrides the data-home lookup.
    progress : bool
        Show a download progress bar.

    Returns
    -------
    pathlib.Path
        Path to the verified file.

    Raises
    ------
    ChecksumError
        The local file or every download had the wrong hash.
    DataNotFoundError
        The file is missing and cannot be downloaded (offline mode, no URL, or every URL failed).
    """
    home = get_data_home(data_home)
    path = home / dataset / filename
    expected = _split_hash(known_hash)
    if path.exists():
        if expected is not None:
            actual = file_hash(path, expected[0])
            if actual != expected[1]:
                if urls and not offline():
                    fix = f"delete it to download it again (from {urls[0]})"
                elif urls:
                    fix = (f"delete it and download it again with network access ({ENV_OFFLINE} is set, so not "
                           f"now; it comes from {urls[0]})")
                else:
                    fix = ("it has no public URL, so it cannot be downloaded again: replace it with a good copy from "
                           "where it came from (the mirror it was copied from; see the folder's SOURCE.md if any)")
                raise ChecksumError(f"{path} has {expected[0]} {actual}, expected {expected[1]}. The file is corrupt "
                                    f"or from another release; {fix}.")
        return path
    where = f"{path} (data home {home}; set it with data_home=..., or the BRAINALIGN_DATA environment variable)"
    if offline():
        raise DataNotFoundError(f"{filename} is not in the data home: looked for {where}. Downloads are disabled "
                                f"(BRAINALIGN_OFFLINE is set).")
    if not urls:
        raise DataNotFoundError(f"{filename} is not in the data home: looked for {where}, and it has no public URL.")
    errors: list[str] = []
    pooch_hash = f"{expected[0]}:{expected[1]}" if expected and expected[0] != GIT_BLOB else None
    for url in urls:
        try:
            downloaded = Path(pooch.retrieve(url, known_hash=pooch_hash, fname=path.name, path=path.parent,
                                             progressbar=progress))
            if expected is not None and expected[0] == GIT_BLOB:  # pooch cannot check it: check before use
                actual = file_hash(downloaded, GIT_BLOB)
                if actual != expected[1]:
                    downloaded.unlink(missing_ok=True)
                    raise ValueError(f"hash mismatch: {GIT_BLOB} {actual}, expected {expected[1]}")
            return downloaded
        except ValueError as exc:  # pooch: hash mismatch; the partial file has been removed
            if "hash" in str(exc).lower():
                errors.append(f"{url}: checksum mismatch ({exc})")
                if len(urls) == 1:
                    raise ChecksumError(f"download of {filename} from {url} failed its checksum; nothing was kept. "
                                        f"{exc}") from exc
                continue
            errors.append(f"{url}: {exc}")
        except Exception as exc:  # network errors, HTTP errors
            errors.append(f"{url}: {type(exc).__name__}: {exc}")
    if path.exists():  # never keep a file that did not verify
        path.unlink()
    if any("checksum" in e for e in errors):
        raise ChecksumError(f"could not fetch {filename} with the right checksum:\n  " + "\n  ".join(errors))
    raise DataNotFoundError(f"could not download {filename} into {path.parent}:\n  " + "\n  ".join(errors))
