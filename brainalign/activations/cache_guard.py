"""The activation cache used best-effort: a cache that cannot be read or written never costs a computed result.

:func:`cached` and :func:`keep` wrap :meth:`ActivationCache.load` and :meth:`ActivationCache.save`. An
:class:`OSError` (a read-only or full cache folder, a folder of another user, a damaged entry that cannot be deleted)
is reported once per cache folder with a :class:`CacheWarning` that names the folder, the error and the setting to
change (``BRAINALIGN_ACTIVATION_CACHE``), and the computation goes on without the cache. Before the first write to a
folder, the temporary files that killed writers left there are removed (:func:`brainalign.atomic.remove_stale_temporaries`).
"""

from __future__ import annotations

import errno
import warnings
from pathlib import Path
from typing import Any

import xarray as xr

from ..atomic import remove_stale_temporaries
from ..paths import ENV_ACTIVATION_CACHE
from .cache import ActivationCache


class CacheWarning(RuntimeWarning):
    """The activation cache could not be used; results are unaffected, only the saving of recomputation is lost."""


_WARNED: set[tuple[str, str]] = set()
_CLEANED: set[str] = set()


def _warn_once(cache: ActivationCache, action: str, exc: OSError) -> None:
    root = str(cache.root)
    if (root, action) in _WARNED:
        return
    _WARNED.add((root, action))
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free space on its disk"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "make it writable by this user"
    else:
        fix = "check the folder"
    warnings.warn(f"the activation cache {root} cannot be {action} ({exc.strerror or exc}); activations are computed "
                  f"without it (the results are the same). To cache them, {fix}, or set {ENV_ACTIVATION_CACHE} to "
                  f"another folder.", CacheWarning, stacklevel=3)


def cached(cache: ActivationCache, key: str, expect: dict[str, Any] | None = None) -> xr.DataArray | None:
    """``cache.load(key)``, or None (with a warning, once per folder) when the cache cannot be read.

    ``expect`` are attributes the entry must carry (the identity it was asked for: model id, revision, stimuli...):
    an entry whose attributes differ (a damaged manifest; they become the provenance of the scores) is a miss, with
    a warning, and is deleted if the cache can be written.
    """
    try:
        hit = cache.load(key)
    except OSError as exc:
        _warn_once(cache, "read", exc)
        return None
    wrong = {k: (hit.attrs.get(k), v) for k, v in (expect or {}).items()
             if hit is not None and str(hit.attrs.get(k)) != str(v)}
    if not wrong:
        return hit
    name, (got, want) = next(iter(wrong.items()))
    warnings.warn(f"activation cache entry {key} in {cache.root} is damaged (its {name} is {got!r}, not {want!r}); it "
                  f"is deleted and recomputed", RuntimeWarning, stacklevel=2)
    try:
        cache.delete(key)
    except OSError as exc:
        _warn_once(cache, "written", exc)
    return None


def keep(cache: ActivationCache, key: str, activations: xr.DataArray, parts: dict[str, Any], *,
         storage: str = "float32") -> bool:
    """``cache.save(...)`` in ``storage``; False (with a warning, once per folder) when the cache cannot be written."""
    try:
        root = str(cache.root)
        if root not in _CLEANED and Path(root).is_dir():
            _CLEANED.add(root)
            remove_stale_temporaries(root)
        return cache.save(key, activations, parts, storage=storage)
    except OSError as exc:
        _warn_once(cache, "written", exc)
        return False
