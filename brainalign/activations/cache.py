"""On-disk cache of extracted activations, safe against interruption and corruption.

An entry is identified by a key hashed from (model id, resolved revision or weights hash, dtype, stimulus-set hash,
readout, brainalign version) and stored as two files in the cache folder:

- ``<key>.npz``: values ``[layer, item, unit]`` and the coordinates;
- ``<key>.json``: the manifest (key parts, shape, sha256 of the ``.npz``), written **last**.

Both are written to a temporary file and moved into place with :func:`os.replace`, so a reader sees either a complete
entry or none. On load, a missing manifest, an unreadable file, a wrong sha256 or a wrong shape make the entry a miss:
it is deleted (with a warning) and recomputed, never silently used.

Folder: :func:`brainalign.paths.activation_cache_dir` (``cache_dir`` argument > ``$BRAINALIGN_ACTIVATION_CACHE`` >
``<user cache>/activations``).
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pooch
import xarray as xr

from .._version import __version__
from ..atomic import atomic_write
from ..paths import activation_cache_dir


def stimulus_hash(passages: Any, item_ids: Any) -> str:
    """sha256 of the stimuli (passages of items) and their ids."""
    h = hashlib.sha256()
    h.update(json.dumps([list(map(str, p)) for p in passages], ensure_ascii=False).encode())
    h.update(b"\x00")
    h.update(json.dumps([str(i) for i in item_ids], ensure_ascii=False).encode())
    return h.hexdigest()


def cache_key(parts: dict[str, Any]) -> str:
    """Hex key of a dict of key parts (``brainalign_version`` is added)."""
    full = {**parts, "brainalign_version": __version__}
    return hashlib.sha256(json.dumps(full, sort_keys=True, default=str).encode()).hexdigest()[:40]


def _sha256(path: Path) -> str:
    return pooch.file_hash(str(path), alg="sha256")


class ActivationCache:
    """A folder of cached activation arrays.

    Parameters
    ----------
    root : path-like, optional
        Folder (created on first write); default :func:`brainalign.paths.activation_cache_dir`.
    """

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root).expanduser().resolve() if root is not None else activation_cache_dir()

    def paths(self, key: str) -> tuple[Path, Path]:
        """``(<key>.npz, <key>.json)``."""
        return self.root / f"{key}.npz", self.root / f"{key}.json"

    def load(self, key: str) -> xr.DataArray | None:
        """The cached DataArray, or None on a miss (a corrupt or partial entry is deleted and reported)."""
        data_path, manifest_path = self.paths(key)
        if not manifest_path.exists():
            return None
        try:
            manifest = json.loads(manifest_path.read_text())
            if _sha256(data_path) != manifest["sha256"]:
                raise ValueError("checksum mismatch")
            with np.load(data_path, allow_pickle=False) as z:
                values = z["values"]
                coords = {"layer": z["layer"], "item": z["item"], "unit": z["unit"]}
                extra = {name[len("item__"):]: z[name] for name in z.files if name.startswith("item__")}
            if list(values.shape) != manifest["shape"]:
                raise ValueError(f"shape {values.shape} != {manifest['shape']}")
        except Exception as exc:  # noqa: BLE001 - any defect means: recompute
            warnings.warn(f"activation cache entry {key} in {self.root} is corrupt or incomplete ({exc}); it is "
                          f"deleted and recomputed", RuntimeWarning, stacklevel=2)
            self.delete(key)
            return None
        da = xr.DataArray(values, dims=("layer", "item", "unit"), coords=coords, attrs=manifest.get("attrs", {}))
        for name, arr in extra.items():
            da = da.assign_coords({name: ("item", arr)})
        return da

    def save(self, key: str, activations: xr.DataArray, parts: dict[str, Any]) -> None:
        """Write an entry atomically (data first, manifest last)."""
        self.root.mkdir(parents=True, exist_ok=True)
        data_path, manifest_path = self.paths(key)
        arrays = {"values": np.ascontiguousarray(activations.values),
                  "layer": np.asarray(activations["layer"].values).astype(str),
                  "item": _plain(activations["item"].values), "unit": np.asarray(activations["unit"].values)}
        for name, coord in activations.coords.items():
            if name not in ("layer", "item", "unit") and coord.dims == ("item",):
                arrays[f"item__{name}"] = _plain(coord.values)
        atomic_write(data_path, lambda f: np.savez(f, **arrays))
        manifest = {"key": key, "parts": parts, "brainalign_version": __version__, "sha256": _sha256(data_path),
                    "shape": list(activations.shape), "attrs": _json_attrs(activations.attrs)}
        atomic_write(manifest_path, lambda f: f.write(json.dumps(manifest, indent=1, default=str).encode()))

    def delete(self, key: str) -> None:
        """Remove an entry (both files) if present."""
        for path in self.paths(key):
            if path.exists():
                path.unlink()


def _plain(values: np.ndarray) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype == object:
        arr = arr.astype(str)
    return arr


def _json_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in attrs.items():
        if isinstance(v, (str, int, float, bool)) or v is None:
            out[k] = v
        else:
            out[k] = str(v)
    return out
