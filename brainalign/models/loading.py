""":func:`load_model`: a :class:`~brainalign.models.LanguageModel` from a short name, Hugging Face id or local path."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from huggingface_hub import errors as hub

from ..backend import resolve_device, resolve_dtype
from .errors import ModelLoadError
from .language_model import LanguageModel, build_language_model
from .delta import applied_model_dir
from .offline import converted_dir
from .registry import ModelSpec, resolve

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".json", ".model", ".txt")
_CONTENT_HASH_LIMIT = 2 * 1024**3  # bytes; larger local folders are identified by file names, sizes and mtimes


def load_model(name_or_id: str | os.PathLike, revision: str | None = None, *, untrained: bool = False,
               device: Any = "auto", dtype: Any = "auto", seed: int = 0,
               max_length: int | None = None) -> LanguageModel:
    """Load a language model for activation extraction and surprisal.

    Parameters
    ----------
    name_or_id : str or path-like
        A short name of the catalog (``"smollm2-135m-instruct"``, ``"gemma3-270m"``, ``"flan-t5-xl"``, ...;
        see :func:`brainalign.models.catalog.model_catalog`), a Hugging Face id (``"openai-community/gpt2"``), or a local
        directory written by ``save_pretrained`` (e.g. by :func:`brainalign.models.save_tiny_model`).
    revision : str, optional
        Hub branch, tag or commit (hub models only). The resolved commit is recorded in ``model.revision``.
    untrained : bool
        Random-init control: the same configuration and tokenizer with freshly initialised weights (``seed``); the
        name gets a ``"-untrained"`` suffix.
    device : {"auto", "cpu", "cuda", ...}
        ``"auto"`` = CUDA when available (see :func:`brainalign.backend.resolve_device`).
    dtype : {"auto", "float32", "bfloat16", "float16"}
        ``"auto"`` = bf16 on CUDA (fp32 on GPUs without bf16), fp32 on the CPU.
    seed : int
        Seed of the random weights when ``untrained``.
    max_length : int, optional
        Longest context in tokens (default: the tokenizer's / model's limit).

    Returns
    -------
    LanguageModel

    Raises
    ------
    UnknownModelError
        The name is not a catalog name, a Hugging Face id or a directory.
    ModelLoadError
        Missing or gated repository, unknown revision, not in the local cache while offline, an offline package that
        is not installed, or a network without readable transformer blocks; the message says what to do.
    """
    spec = resolve(name_or_id)
    dev = resolve_device(device)
    dt = resolve_dtype(dtype, dev)
    if spec.source == "offline":
        if revision is not None:
            raise ModelLoadError(f"{spec.name} is loaded from the offline package {spec.offline_package!r}, which has "
                                 f"one fixed revision; drop revision={revision!r} or load {spec.model_id!r} from the "
                                 f"hub instead.")
        path, marker = converted_dir(spec.offline_package)
        source, rev_arg = str(path), None
        model_id, resolved = f"gguf:{spec.offline_package}", f"sha256:{marker['gguf_sha256']}"
        info = {**spec.info, "gguf_file": marker["gguf_file"], "quantization": marker["gguf_file"].rsplit(".", 2)[-2]}
    elif spec.source == "local":
        if revision is not None:
            raise ModelLoadError(f"revision={revision!r} was given for the local directory {spec.model_id}; revisions "
                                 f"apply to hub models only.")
        source, rev_arg, model_id, resolved, info = spec.model_id, None, spec.model_id, folder_hash(
            Path(spec.model_id)), {}
    elif spec.info.get("delta_base"):  # delta weights are not a model: load the applied target or say how to build it
        source = str(applied_model_dir(spec.name if spec.source == "catalog" else _catalog_name(spec), spec.model_id,
                                       spec.info["delta_base"]))
        rev_arg, model_id, resolved, info = None, spec.model_id, folder_hash(Path(source)), dict(spec.info)
        info["delta_applied_to"] = spec.info["delta_base"]
    else:
        source, rev_arg, model_id, resolved, info = spec.model_id, revision, spec.model_id, "", dict(spec.info)
    with _explained_errors(spec, revision):
        tokenizer, net, commit = _from_pretrained(source, rev_arg, untrained=untrained, seed=seed, dtype=dt)
    if spec.source in ("hub", "catalog") and not spec.info.get("delta_base"):
        resolved = commit or revision or "unknown"
    net.to(dev)
    name = spec.name + ("-untrained" if untrained else "")
    if untrained:
        resolved = f"{resolved}+untrained-seed{seed}"
        info = {**info, "instruction_tuned": False, "trained_from": spec.name}
    return build_language_model(net, tokenizer, name=name, model_id=model_id, revision=resolved,
                                untrained=untrained, info=info, max_length=max_length)


def _from_pretrained(source: str, revision: str | None, *, untrained: bool, seed: int,
                     dtype: Any) -> tuple[Any, Any, str]:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

    config = AutoConfig.from_pretrained(source, revision=revision)
    tokenizer = AutoTokenizer.from_pretrained(source, revision=revision, use_fast=True)
    cls = AutoModelForSeq2SeqLM if getattr(config, "is_encoder_decoder", False) else AutoModelForCausalLM
    if untrained:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = cls.from_config(config)
        net = net.to(dtype)
    else:
        net = cls.from_pretrained(source, revision=revision, dtype=dtype)
    commit = getattr(config, "_commit_hash", None) or ""
    return tokenizer, net.eval(), commit


@contextlib.contextmanager
def _explained_errors(spec: ModelSpec, revision: str | None) -> Iterator[None]:
    """Turn Hugging Face hub / transformers exceptions into one :class:`ModelLoadError` that says what to do."""
    try:
        yield
    except ModelLoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - classified below, re-raised otherwise
        message = explain_load_error(exc, spec.model_id, revision)
        if message is None:
            raise
        raise ModelLoadError(message) from exc


def explain_load_error(exc: BaseException, model_id: str, revision: str | None = None) -> str | None:
    """A clear message for a failed hub/local load, or None when the exception is not a known loading problem.

    Parameters
    ----------
    exc : BaseException
        What ``from_pretrained`` raised (the cause chain is inspected: transformers wraps hub errors in ``OSError``).
    model_id : str
        HF id or path that was being loaded.
    revision : str, optional
        Requested revision.
    """
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in chain:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    text = " ".join(str(e) for e in chain).lower()
    rev = f" at revision {revision!r}" if revision else ""

    def has(kind: type) -> bool:
        return any(isinstance(e, kind) for e in chain)

    if has(hub.GatedRepoError) or "gated repo" in text or "restricted" in text and "access" in text:
        return (f"{model_id} is a gated repository on the Hugging Face hub: accept its license on "
                f"https://huggingface.co/{model_id} and log in (`hf auth login` or the HF_TOKEN environment variable), "
                f"then retry.")
    if has(hub.RevisionNotFoundError) or "invalid git identifier" in text or ("revision" in text and "not" in text
                                                                                and "found" in text and revision):
        return (f"revision {revision!r} does not exist for {model_id}: pass an existing branch, tag or commit hash "
                f"(see https://huggingface.co/{model_id}/commits/main), or revision=None for the default branch.")
    if has(hub.RepositoryNotFoundError) or "not a valid model identifier" in text or "repository not found" in text:
        return (f"{model_id} was not found on the Hugging Face hub (no such repository, or it is private): check the "
                f"spelling, or use a catalog short name (brainalign.models.catalog.model_catalog()); for a private repository "
                f"log in first (`hf auth login`).")
    if (has(hub.LocalEntryNotFoundError) or has(hub.OfflineModeIsEnabled) or "offline" in text
            or "cannot find the requested files in the" in text or "couldn't connect" in text):
        return (f"{model_id}{rev} is not in the local Hugging Face cache and cannot be downloaded now (offline mode: "
                f"HF_HUB_OFFLINE={os.environ.get('HF_HUB_OFFLINE', '')!r}, or no network). Download it once with "
                f"network access (`hf download {model_id}`), or use one of the offline models "
                f"('smollm2-135m-instruct', 'gemma3-270m').")
    if has(hub.EntryNotFoundError) or "does not appear to have a file named" in text or "no file named" in text:
        return (f"{model_id}{rev} has no usable weights or tokenizer files (expected config.json, *.safetensors or "
                f"pytorch_model.bin, and tokenizer files); if it is a local folder, write it with save_pretrained() "
                f"of both the model and its tokenizer.")
    if any(type(e).__name__ == "SafetensorError" for e in chain) or "header too large" in text \
            or "incomplete metadata" in text or "deserializing header" in text:
        where = model_id if os.path.isdir(model_id) else f"the files of {model_id}"
        return (f"the weights in {where} cannot be read ({exc}): a .safetensors file is truncated or damaged. "
                f"Write the folder again with save_pretrained(), or, for a download, delete it from the Hugging Face "
                f"cache (`hf cache delete`) and download it again.")
    if isinstance(exc, (ValueError, KeyError)) and ("unrecognized" in text or "model type" in text):
        return (f"{model_id}: transformers does not know this architecture ({exc}). brainalign loads causal LMs and "
                f"T5-style encoder-decoders that transformers supports; upgrade transformers or pick another model.")
    return None


_FOLDER_HASHES: dict[tuple[Any, ...], str] = {}


def folder_hash(path: str | os.PathLike) -> str:
    """Identity of a local model folder: the sha256 of its weight, config and tokenizer files (their names and bytes;
    names, sizes and mtimes for folders over 2 GiB), as ``"sha256:<hex>"`` (``"files-sha256:<hex>"``).

    The same files give the same hash wherever the folder is, so a moved or copied folder keeps its identity (a copy
    of a folder over 2 GiB keeps it only if the copy keeps the mtimes, as ``cp -a`` and ``rsync -a`` do). Results are
    remembered in this process until a file changes (size, mtime or ctime).
    """
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _WEIGHT_SUFFIXES)
    stats = [(str(p.relative_to(path)), p.stat()) for p in files]
    signature = (str(path.resolve()), *((n, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) for n, st in stats))
    if signature in _FOLDER_HASHES:
        return _FOLDER_HASHES[signature]
    total = sum(st.st_size for _, st in stats)
    h = hashlib.sha256()
    for (name, st), p in zip(stats, files):
        h.update(name.encode())
        if total <= _CONTENT_HASH_LIMIT:
            with open(p, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
        else:
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    out = ("sha256:" if total <= _CONTENT_HASH_LIMIT else "files-sha256:") + h.hexdigest()
    _FOLDER_HASHES[signature] = out
    return out


def _catalog_name(spec: ModelSpec) -> str:
    """The catalog short name of a catalog model requested by its Hugging Face id."""
    from .catalog import model_catalog  # the catalog is read only for delta models named by their id

    cat = model_catalog()
    hits = cat.index[cat["hf_id"].str.lower() == spec.model_id.lower()]
    return str(hits[0]) if len(hits) else spec.name.replace("/", "--")
