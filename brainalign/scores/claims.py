"""Task claims: lock files that let several runs share one results directory instead of duplicating its work.

A run that is about to compute a task creates ``DIR/_claims/<task stem>.json`` with ``O_CREAT | O_EXCL`` (only one
process can create it), holding its owner: host, pid, the process's start time and a random token. It touches the file
while it works (a heartbeat, :func:`refresh_claim`) and removes it when the task is done or failed
(:func:`release_claim`). Another run that finds the claim leaves the task to its owner.

A claim is **stale**, and may be taken over, when its owner is on this host and no longer runs (the pid is gone or
belongs to a process started later), or when it has not been touched for ``timeout`` seconds (an owner on another host
that died: a killed cluster job). Taking a stale claim over renames it to a unique name first, so of two runs that
find the same stale claim only one takes it.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..atomic import pid_alive

#: Seconds without a heartbeat after which a claim of another host is stale.
CLAIM_TIMEOUT_S = 600.0
#: Seconds between heartbeats of a running task (well below :data:`CLAIM_TIMEOUT_S`).
HEARTBEAT_S = 30.0
#: A claim file that is still empty or unreadable after this many seconds was left by a writer that died at once.
_UNWRITTEN_S = 30.0


@dataclass(frozen=True)
class Claim:
    """A claim held by this process: its file and token."""

    path: Path
    token: str


def process_start(pid: int) -> str:
    """Start time of a process in clock ticks since boot (``/proc/<pid>/stat`` field 22; "" where unknown)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _owner() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid(), "start": process_start(os.getpid()),
            "token": uuid.uuid4().hex, "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}


def read_claim(path: str | os.PathLike) -> dict[str, Any] | None:
    """The owner recorded in a claim file (None when there is no such file; ``{}`` when it cannot be read)."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return {}
    try:
        info = json.loads(text)
    except ValueError:
        return {}
    return info if isinstance(info, dict) else {}


def is_stale(info: dict[str, Any], age: float, timeout: float = CLAIM_TIMEOUT_S) -> bool:
    """Whether a claim (its owner ``info`` and seconds since it was last touched) may be taken over."""
    if not info.get("token"):
        return age > _UNWRITTEN_S
    if info.get("host") == socket.gethostname():
        pid = int(info.get("pid", 0) or 0)
        if not pid_alive(pid):
            return True
        start = str(info.get("start", ""))
        return bool(start) and process_start(pid) not in ("", start)
    return age > timeout


def describe_owner(info: dict[str, Any] | None) -> str:
    """``pid P on HOST since TIME`` for messages."""
    if not info:
        return "an unknown process"
    return f"pid {info.get('pid', '?')} on {info.get('host', '?')} since {info.get('time', '?')}"


def try_claim(path: str | os.PathLike, *, timeout: float = CLAIM_TIMEOUT_S) -> Claim | None:
    """Claim a task (create its claim file), taking over a stale claim; None when another live run holds it.

    Raises
    ------
    OSError
        The claims folder cannot be created or written (the caller decides whether to go on without a claim).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        owner = _owner()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            if not _take_over_if_stale(path, timeout):
                return None
            continue
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(owner))
        return Claim(path, owner["token"])
    return None


def _take_over_if_stale(path: Path, timeout: float) -> bool:
    """Remove a stale claim so that it can be created again; False when the claim is live (or changed meanwhile)."""
    info = read_claim(path)
    if info is None:
        return True  # released meanwhile
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return True
    if not is_stale(info, age, timeout):
        return False
    aside = path.with_name(f"{path.name}.stale-{uuid.uuid4().hex[:12]}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return True  # another run took it over first; try to create it again
    if read_claim(aside) != info:  # a fresh claim replaced the stale one between our read and our rename: put it back
        try:
            os.link(aside, path)
        except OSError:
            pass
        os.unlink(aside)
        return False
    os.unlink(aside)
    return True


def holds(claim: Claim) -> bool:
    """True while the claim file is still this claim's (not taken over as stale by another run)."""
    info = read_claim(claim.path)
    return bool(info) and info.get("token") == claim.token


def refresh_claim(claim: Claim) -> bool:
    """Heartbeat: touch the claim file if it is still ours; returns whether it is."""
    if not holds(claim):
        return False
    try:
        os.utime(claim.path)
    except OSError:
        return False
    return True


def release_claim(claim: Claim) -> None:
    """Remove the claim file if it is still ours (a claim taken over meanwhile is left to its new owner)."""
    if holds(claim):
        try:
            os.unlink(claim.path)
        except OSError:
            pass
