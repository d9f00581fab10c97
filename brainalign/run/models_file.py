"""Models files: the models of a sweep, one per line.

``brainalign sweep MODELS_FILE`` reads one model per line::

    # comments start with '#', blank lines are ignored
    flan-t5-base                            # a catalog short name
    openai-community/gpt2 revision=607a30d  # a Hugging Face id at a pinned revision
    gpt2-small untrained                    # the random-init control of a catalog model
    ./checkpoints/my-model                  # a local directory written by save_pretrained()

Tokens after the model are ``revision=REV`` and the flag ``untrained``. The CLI turns a relative directory into an
absolute path (relative to the current folder), so that Dask workers elsewhere find it and the task keys of
``DIR`` stay the same from whichever folder the sweep is resumed.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from ..scores.store import ModelRequest


class ModelsFileError(ValueError):
    """A models file line cannot be read."""


def parse_model_line(line: str) -> ModelRequest | None:
    """Parse one line of a models file (None for blank or comment lines).

    Raises
    ------
    ModelsFileError
        An unknown option.
    """
    text = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
    if not text:
        return None
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise ModelsFileError(f"cannot read {line.strip()!r}: {exc}") from exc
    model, revision, untrained = tokens[0], "", False
    for tok in tokens[1:]:
        if tok.startswith("revision="):
            revision = tok.split("=", 1)[1]
            if not revision:
                raise ModelsFileError(f"{line.strip()!r}: empty revision=")
        elif tok.lower() in {"untrained", "--untrained"}:
            untrained = True
        else:
            raise ModelsFileError(f"{line.strip()!r}: unknown option {tok!r} (allowed: revision=REV, untrained)")
    return ModelRequest(model=model, revision=revision, untrained=untrained)


def read_models_file(path: str | os.PathLike) -> list[ModelRequest]:
    """Read a models file (format in the module docstring); duplicate lines are kept once.

    Raises
    ------
    FileNotFoundError
        No such file.
    ModelsFileError
        A folder or a file that is not UTF-8 text, a bad line (the message gives its number) or no model at all.
    """
    path = Path(path)
    if path.is_dir():
        raise ModelsFileError(f"{str(path)!r} is a folder, not a models file: give a text file with one model per "
                              f"line (to score one model folder, use `brainalign score {path}`)")
    if not path.is_file():
        raise FileNotFoundError(f"models file {str(path)!r} does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark (Windows editors) is not part of a name
    except UnicodeDecodeError as exc:
        raise ModelsFileError(f"{path} is not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ModelsFileError(f"cannot read the models file {path} ({exc.strerror or exc})") from None
    out: list[ModelRequest] = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            req = parse_model_line(line)
        except ModelsFileError as exc:
            raise ModelsFileError(f"{path}:{number}: {exc}") from None
        if req is not None and req not in out:
            out.append(req)
    if not out:
        raise ModelsFileError(f"{path} lists no model (one per line; '#' starts a comment)")
    return out
