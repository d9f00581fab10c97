"""The activation cache used best-effort: a cache that cannot be read or written never costs a computed result.

:func:`cached` and :func:`keep` wrap :meth:`ActivationCache.load` and :meth:`ActivationCache.save`. An
:class:`OSError` (a read-only or full cache folder, a folder of another user, a damaged entry that cannot be deleted)
is reported once per cache folder with a :class:`CacheWarning` that names the folder, the error and the setting to
change (``BRAINALIGN_ACTIVATION_CACHE``), and the computation goes on without the cache. Before the first write to a
folder, :meth:`ActivationCache.save_arrays` removes the temporary files that killed writers left there.
"""

from __future__ import annotations

import warnings
from typing import Any

import xarray as xr

from .cache import ActivationCache, CacheWarning, warn_unusable

__all__ = ["CacheWarning", "cached", "keep"]


def cached(cache: ActivationCache, key: str, expect: dict[str, Any] | None = None) -> xr.DataArray | None:
    """``cache.load(key)``, or None (with a warning, once per folder) when the cache cannot be read.

    ``expect`` are attributes the entry must carry (the identity it was asked for: model id, revision, stimuli...):
    an entry whose attributes differ (a damaged manifest; they become the provenance of the scores) is a miss, with
    a warning, and is deleted if the cache can be written.
    """
    try:
        hit = cache.load(key)
    except OSError as exc:
        warn_unusable(cache.root, "read", exc)
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
        warn_unusable(cache.root, "written", exc)
    return None


def keep(cache: ActivationCache, key: str, activations: xr.DataArray, parts: dict[str, Any], *,
         storage: str = "float32") -> bool:
    """``cache.save(...)`` in ``storage``; False (with a warning, once per folder) when the cache cannot be written."""
    try:
        return cache.save(key, activations, parts, storage=storage)
    except OSError as exc:
        warn_unusable(cache.root, "written", exc)
        return False
