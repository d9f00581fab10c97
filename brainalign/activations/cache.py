"""On-disk cache of model readouts (activations, surprisal): memory-mappable, cheap to verify, safe against interruption.

An entry is identified by a key hashed from what determines its numbers (model id, resolved revision or weights
hash, dtype, a hash of the stimuli, the readout and its parameters, the storage format, the brainalign version) and
stored as a folder ``<root>/<key>/``:

- one ``.npy`` file per array (the values, their coordinates, and for compact storages the per-unit scales): plain
  NumPy files that :func:`numpy.load` can memory-map, so reading a few layers reads only those bytes;
- ``manifest.json``: the key parts, shapes and dtypes, and for every file its size, its sha256 (computed once, on
  write) and a CRC-32 of each chunk (one chunk per layer for the values).

**Atomic.** The folder is written under a hidden temporary name and renamed into place (:func:`os.replace`), so a
reader sees a complete entry or none. **Verified cheaply on read:** the manifest parses, every file has the size the
manifest records and a ``.npy`` header with the recorded dtype and shape, and every chunk read is checked against its
CRC-32 (``verify="chunks"``, the default; about 4 GB/s, against a full sha256 of every file for ``verify="full"``).
A defect makes the entry a miss: it is deleted (with a warning) and recomputed, never silently used. **Best effort
on write:** a cache that cannot be written (disk full, read-only folder) is reported once per folder with a warning
and the computation goes on without it.

Storage of activations ``[layer, item, unit]`` (:data:`STORAGES`, chosen per call; a benchmark asks for what its
scores need):

- ``"float32"``: exact;
- ``"float16"``: half precision after scaling each layer by a power of two that keeps its largest value in range
  (exact scaling; relative rounding error <= 2**-11);
- ``"int8"``: 8-bit codes of an affine map per layer and unit (``value = low + code * step`` with
  ``step = (max - min) / 255``): a quarter of float32; the rounding error of each value is at most ``step / 2``.

A computation that stores compactly returns the decoded values (what a later read returns), so a cold and a warm
run give the same numbers.

Folder: :func:`brainalign.paths.activation_cache_dir` (``cache_dir`` argument > ``$BRAINALIGN_ACTIVATION_CACHE`` >
``<user cache>/activations``).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import warnings
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .._version import __version__
from ..atomic import host_tag, remove_stale_temporaries
from ..paths import ENV_ACTIVATION_CACHE, activation_cache_dir

#: Storage formats of activations (see the module docstring).
STORAGES = ("float32", "float16", "int8")
#: Read verification levels: ``"header"`` (sizes and .npy headers), ``"chunks"`` (plus the CRC-32 of every chunk
#: read), ``"full"`` (plus the sha256 of every file).
VERIFY = ("header", "chunks", "full")
MANIFEST = "manifest.json"
_FORMAT = "brainalign-cache/2"
_FLOAT16_MAX = 65504.0
_WARNED: set[tuple[str, str]] = set()
_CLEANED: set[str] = set()


class CacheWarning(RuntimeWarning):
    """The activation cache could not be used; results are unaffected, only the saving of recomputation is lost."""


def warn_unusable(root: str | os.PathLike, action: str, exc: BaseException) -> None:
    """Warn, once per cache folder and action ("read" or "written"), that the cache cannot be used, naming the folder,
    the error and what to change."""
    root = str(root)
    if (root, action) in _WARNED:
        return
    _WARNED.add((root, action))
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT):
        fix = "free space on its disk"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "make it writable by this user"
    else:
        fix = "check the folder"
    why = getattr(exc, "strerror", None) or f"{type(exc).__name__}: {exc}"
    warnings.warn(f"the activation cache {root} cannot be {action} ({why}); activations are computed without it (the "
                  f"results are the same). To cache them, {fix}, or set {ENV_ACTIVATION_CACHE} to another folder.",
                  CacheWarning, stacklevel=4)


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


# ----------------------------------------------------------------------------------------------------- storage codecs
def encode_values(values: np.ndarray, storage: str) -> dict[str, np.ndarray]:
    """Arrays that store ``values`` ``[layer, item, unit]`` (float32) in ``storage`` (see the module docstring).

    Returns
    -------
    dict of str -> ndarray
        ``values`` (the codes) plus ``scale`` ``[layer]`` (float16) or ``low`` and ``step`` ``[layer, unit]`` (int8).
    """
    v = np.asarray(values, dtype=np.float32)
    if v.ndim != 3:
        raise ValueError(f"activations must be [layer, item, unit], got shape {v.shape}")
    if storage == "float32":
        return {"values": np.ascontiguousarray(v)}
    if storage == "float16":
        peak = np.abs(v).max(axis=(1, 2)) if v.size else np.zeros(len(v), np.float32)
        exponent = np.ceil(np.log2(np.maximum(peak, 1e-30) / (_FLOAT16_MAX / 2)))
        scale = np.exp2(np.maximum(exponent, 0)).astype(np.float32)  # powers of two >= 1: exact
        codes = np.empty(v.shape, dtype=np.float16)
        for k in range(len(v)):
            codes[k] = v[k] / scale[k]
        return {"values": codes, "scale": scale}
    if storage == "int8":
        low = v.min(axis=1) if v.shape[1] else np.zeros((len(v), v.shape[2]), np.float32)
        step = (v.max(axis=1) - low) / 255.0 if v.shape[1] else np.ones_like(low)
        step = np.where(step > 0, step, 1.0).astype(np.float32)
        codes = np.empty(v.shape, dtype=np.uint8)
        for k in range(len(v)):
            codes[k] = np.clip(np.rint((v[k] - low[k]) / step[k]), 0, 255)
        return {"values": codes, "low": low.astype(np.float32), "step": step}
    raise ValueError(f"unknown storage {storage!r}; choose one of {STORAGES}")


def decode_layer(arrays: dict[str, np.ndarray], storage: str, k: int) -> np.ndarray:
    """Layer ``k`` of stored values as float32 ``[item, unit]``."""
    codes = np.asarray(arrays["values"][k])
    if storage == "float32":
        return np.array(codes, dtype=np.float32)
    if storage == "float16":
        return codes.astype(np.float32) * np.float32(arrays["scale"][k])
    if storage == "int8":
        return arrays["low"][k] + codes.astype(np.float32) * arrays["step"][k]
    raise ValueError(f"unknown storage {storage!r}; choose one of {STORAGES}")


def round_trip(values: np.ndarray, storage: str) -> np.ndarray:
    """``values`` as a read of them stored in ``storage`` returns them (float32, same shape)."""
    if storage == "float32":
        return np.asarray(values, dtype=np.float32)
    arrays = encode_values(values, storage)
    return np.stack([decode_layer(arrays, storage, k) for k in range(len(arrays["values"]))])


# ------------------------------------------------------------------------------------------------------- the cache
def _crc_chunks(arr: np.ndarray) -> list[int]:
    """CRC-32 of each first-axis slice of a C-contiguous array (the whole array when it is 0- or 1-d)."""
    if arr.ndim < 2 or len(arr) == 0:
        return [zlib.crc32(memoryview(np.ascontiguousarray(arr)).cast("B"))]
    return [zlib.crc32(memoryview(np.ascontiguousarray(arr[k])).cast("B")) for k in range(len(arr))]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


class CacheDefect(ValueError):
    """A cache entry that fails verification (missing file, wrong size, header or checksum)."""


class ActivationCache:
    """A folder of cached readouts: named arrays per entry (see the module docstring).

    Parameters
    ----------
    root : path-like, optional
        Folder (created on first write); default :func:`brainalign.paths.activation_cache_dir`.
    verify : {"header", "chunks", "full"}
        How much a read checks (:data:`VERIFY`).
    """

    def __init__(self, root: str | os.PathLike | None = None, *, verify: str = "chunks") -> None:
        if verify not in VERIFY:
            raise ValueError(f"unknown verify level {verify!r}; choose one of {VERIFY}")
        self.root = Path(root).expanduser().resolve() if root is not None else activation_cache_dir()
        self.verify = verify

    def path(self, key: str) -> Path:
        """Folder of an entry."""
        return self.root / key

    def paths(self, key: str) -> tuple[Path, Path]:
        """``(<key>/, <key>/manifest.json)``."""
        return self.path(key), self.path(key) / MANIFEST

    def exists(self, key: str) -> bool:
        """True when the entry's manifest is in place (not verified)."""
        return (self.path(key) / MANIFEST).is_file()

    def size(self, key: str | None = None) -> int:
        """Bytes on disk of one entry, or of the whole cache folder."""
        folder = self.path(key) if key else self.root
        if not folder.exists():
            return 0
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

    # ---------------------------------------------------------------------------------------------- generic arrays
    def save_arrays(self, key: str, arrays: dict[str, np.ndarray], parts: dict[str, Any],
                    meta: dict[str, Any] | None = None) -> bool:
        """Write an entry of named arrays atomically; best effort (a failure warns once per folder). Before the first
        write to a folder in a process, the temporary entries and files of killed writers there are removed.

        Returns
        -------
        bool
            True when the entry was written (or another process wrote it first).
        """
        final = self.path(key)
        tmp = self.root / f".tmp-{key}.{os.getpid()}@{host_tag()}.d.part"  # removed by remove_stale_temporaries
        if str(self.root) not in _CLEANED and self.root.is_dir():
            _CLEANED.add(str(self.root))
            remove_stale_temporaries(self.root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            files = {}
            for name, arr in arrays.items():
                arr = np.ascontiguousarray(arr)
                if arr.dtype == object:
                    arr = arr.astype(str)
                path = tmp / f"{name}.npy"
                np.save(path, arr, allow_pickle=False)
                files[name] = {"bytes": path.stat().st_size, "dtype": arr.dtype.str, "shape": list(arr.shape),
                               "sha256": _sha256(path), "crc32": _crc_chunks(arr)}
            manifest = {"format": _FORMAT, "key": key, "parts": parts, "brainalign_version": __version__,
                        "files": files, "meta": _jsonable(meta or {})}
            with open(tmp / MANIFEST, "w") as f:
                f.write(json.dumps(manifest, indent=1, default=str))
                f.flush()
                os.fsync(f.fileno())
            if final.exists():  # a defective leftover (a valid entry would have been a hit)
                shutil.rmtree(final, ignore_errors=True)
            try:
                os.replace(tmp, final)
            except OSError:
                if not (final / MANIFEST).exists():  # not "another process finished first"
                    raise
        except OSError as exc:
            self._warn_write(exc)
            return False
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return True

    def load_arrays(self, key: str, *, mmap: bool = True) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
        """The arrays of an entry (memory-mapped) and its manifest, or None on a miss.

        Sizes and headers are checked here (and sha256 with ``verify="full"``); the chunk checksums are checked by
        :meth:`check_chunk` as chunks are read (:meth:`load` does it for every layer).
        """
        folder = self.path(key)
        manifest_path = folder / MANIFEST
        if not manifest_path.is_file():
            return None
        try:
            manifest = json.loads(manifest_path.read_text())
            if manifest.get("format") != _FORMAT:
                raise CacheDefect(f"format {manifest.get('format')!r}")
            arrays = {}
            for name, info in manifest["files"].items():
                path = folder / f"{name}.npy"
                if not path.is_file() or path.stat().st_size != info["bytes"]:
                    raise CacheDefect(f"{path.name}: missing or of the wrong size")
                if self.verify == "full" and _sha256(path) != info["sha256"]:
                    raise CacheDefect(f"{path.name}: sha256 mismatch")
                arr = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
                if arr.dtype.str != info["dtype"] or list(arr.shape) != info["shape"]:
                    raise CacheDefect(f"{path.name}: header says {arr.dtype.str} {arr.shape}, manifest "
                                      f"{info['dtype']} {info['shape']}")
                arrays[name] = arr
        except Exception as exc:  # noqa: BLE001 - any defect means: recompute
            self.discard(key, exc)
            return None
        return arrays, manifest

    def check_chunk(self, key: str, manifest: dict[str, Any], name: str, arr: np.ndarray, k: int | None = None
                    ) -> None:
        """Check chunk ``k`` (a first-axis slice; None: all chunks) of array ``name`` against its CRC-32.

        Raises
        ------
        CacheDefect
            The bytes differ from those written.
        """
        if self.verify == "header":
            return
        want = manifest["files"][name]["crc32"]
        if k is None:
            ok = _crc_chunks(arr) == want
        else:
            ok = zlib.crc32(memoryview(np.ascontiguousarray(arr[k])).cast("B")) == want[k]
        if not ok:
            raise CacheDefect(f"{name}.npy: checksum mismatch" + ("" if k is None else f" in chunk {k}"))

    def discard(self, key: str, why: Any) -> None:
        """Delete a defective entry, with a warning saying why."""
        warnings.warn(f"activation cache entry {key} in {self.root} is corrupt or incomplete ({why}); it is deleted "
                      f"and recomputed", RuntimeWarning, stacklevel=3)
        self.delete(key)

    def delete(self, key: str) -> None:
        """Remove an entry if present."""
        shutil.rmtree(self.path(key), ignore_errors=True)

    def _warn_write(self, exc: BaseException) -> None:
        warn_unusable(self.root, "written", exc)

    # ----------------------------------------------------------------------------------------------- activations
    def load(self, key: str) -> xr.DataArray | None:
        """Cached activations ``[layer, item, unit]`` decoded to float32, or None on a miss (a defective entry is
        deleted and reported)."""
        hit = self.load_arrays(key)
        if hit is None:
            return None
        arrays, manifest = hit
        meta = manifest.get("meta", {})
        storage = meta.get("storage", "float32")
        try:
            codes = arrays["values"]
            out = np.empty(codes.shape, dtype=np.float32)
            for k in range(len(codes)):
                self.check_chunk(key, manifest, "values", codes, k)
                out[k] = decode_layer(arrays, storage, k)
            for name in arrays:
                if name != "values":
                    self.check_chunk(key, manifest, name, arrays[name])
            coords = {"layer": np.asarray(arrays["layer"]), "item": np.asarray(arrays["item"]),
                      "unit": np.asarray(arrays["unit"])}
            extra = {n[len("item__"):]: np.asarray(a) for n, a in arrays.items() if n.startswith("item__")}
        except Exception as exc:  # noqa: BLE001 - any defect means: recompute
            self.discard(key, exc)
            return None
        da = xr.DataArray(out, dims=("layer", "item", "unit"), coords=coords, attrs=meta.get("attrs", {}))
        for name, arr in extra.items():
            da = da.assign_coords({name: ("item", arr)})
        return da

    def save(self, key: str, activations: xr.DataArray, parts: dict[str, Any], *, storage: str = "float32",
             encoded: dict[str, np.ndarray] | None = None) -> bool:
        """Write activations ``[layer, item, unit]`` in ``storage`` (best effort; see :meth:`save_arrays`).

        ``encoded``: the output of :func:`encode_values` for these activations, when the caller has it already.
        """
        acts = activations.transpose("layer", "item", "unit")
        arrays = dict(encoded) if encoded is not None else encode_values(acts.values, storage)
        arrays.update(layer=np.asarray(acts["layer"].values).astype(str), item=_plain(acts["item"].values),
                      unit=np.asarray(acts["unit"].values))
        for name, coord in acts.coords.items():
            if name not in ("layer", "item", "unit") and coord.dims == ("item",):
                arrays[f"item__{name}"] = _plain(coord.values)
        return self.save_arrays(key, arrays, parts, meta={"storage": storage, "attrs": _jsonable(acts.attrs)})


def _plain(values: np.ndarray) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype == object:
        arr = arr.astype(str)
    return arr


def _jsonable(attrs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if isinstance(v, dict):
            out[k] = _jsonable(v)
        elif isinstance(v, (str, int, float, bool)) or v is None:
            out[k] = v
        elif isinstance(v, (np.integer, np.floating, np.bool_)):
            out[k] = v.item()
        elif isinstance(v, (list, tuple)):
            out[k] = [x.item() if isinstance(x, np.generic) else x for x in v]
        else:
            out[k] = str(v)
    return out
