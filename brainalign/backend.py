"""One switch for where the heavy arithmetic runs (the idea of himalaya's backends, for torch).

:func:`resolve_device` picks CUDA when it is available and the CPU otherwise; :func:`resolve_dtype` picks bf16 on CUDA
(fp32 on GPUs without bf16: fp16's range is too small for some of the paper's models, T5 overflows in it) and fp32 on
the CPU for model weights. The paper protocol loads float32 weights everywhere, as the authors did. Every function that runs models or fits takes
``device=`` and ``dtype=`` arguments that go through these two, so ``"auto"`` means the same everywhere.
"""

from __future__ import annotations

from typing import Any


def resolve_device(device: Any = "auto") -> "torch.device":  # noqa: F821
    """A :class:`torch.device` from ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or a device.

    Raises
    ------
    RuntimeError
        CUDA was asked for but is not available.
    """
    import torch

    if isinstance(device, torch.device):
        return device
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {device!r} was requested but CUDA is not available; use device='cpu' or 'auto'")
    return dev


def resolve_dtype(dtype: Any = "auto", device: Any = "auto") -> "torch.dtype":  # noqa: F821
    """Weights dtype: ``"auto"`` gives bf16 on CUDA (fp32 where the GPU has no bf16) and fp32 on the CPU; strings like
    ``"float32"`` work too (``"float16"`` only when asked for: T5 overflows in it)."""
    import torch

    if isinstance(dtype, torch.dtype):
        return dtype
    dev = resolve_device(device)
    if dtype in (None, "auto"):
        if dev.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
        return torch.float32
    names = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16", "half": "float16", "float": "float32"}
    name = names.get(str(dtype), str(dtype))
    try:
        out = getattr(torch, name)
    except AttributeError as exc:
        raise ValueError(f"unknown dtype {dtype!r}; use auto, float32, bfloat16 or float16") from exc
    if not isinstance(out, torch.dtype):
        raise ValueError(f"unknown dtype {dtype!r}; use auto, float32, bfloat16 or float16")
    return out
