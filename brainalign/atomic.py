"""Atomic file writes: a reader (or a resumed run) sees either the whole new file or none of it.

The content goes to a hidden temporary file in the target's folder (``.tmp-<name>.<pid>@<host>.XXXX.part``), is flushed
and fsync'ed, then renamed over the target with :func:`os.replace` (or, with ``exclusive=True``, linked to the target
name, which fails if a file of that name appeared meanwhile). On any error, including an interrupt, the temporary file
is removed and the target is left as it was. A process killed by SIGKILL cannot remove its temporary file:
:func:`remove_stale_temporaries` deletes those of dead writers (the writer's pid and host are in the name).

Files are created with the mode the process's umask allows (``0o666 & ~umask``), as ``open()`` would, so a results
directory or cache shared by a group stays readable by the group.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import re
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

#: A temporary file not modified for this long is abandoned whoever wrote it (a write takes seconds to minutes).
STALE_TEMPORARY_SECONDS = 6 * 3600
_TEMP = re.compile(r"^\.tmp-.*\.(?P<pid>\d+)@(?P<host>[0-9a-f]{6})\.[^.]*\.part$")


def host_tag() -> str:
    """Six hex digits naming this host in temporary-file names."""
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]


def file_mode() -> int:
    """Mode of a new regular file under the process's umask, ``0o666 & ~umask`` (the umask is read from ``/proc``
    where possible: setting it to read it is not thread-safe)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            mask = next(int(line.split()[1], 8) for line in f if line.startswith("Umask:"))
    except (OSError, ValueError, IndexError, StopIteration):
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def pid_alive(pid: int) -> bool:
    """True when a process with this pid runs on this host (a process of another user counts; a zombie, dead but not
    yet reaped by its parent, does not)."""
    try:
        os.kill(pid, 0) if pid > 0 else None
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:  # Linux: the state follows the command name in /proc/<pid>/stat
        return pid > 0 and Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return pid > 0


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object], *, exclusive: bool = False) -> Path:
    """Write ``path`` atomically.

    Parameters
    ----------
    path : path-like
        Target file; its folder is created if needed.
    write : callable
        Called with the open binary temporary file (e.g. ``lambda f: np.savez(f, **arrays)``).
    exclusive : bool
        Never replace an existing target: raise :class:`FileExistsError` if ``path`` exists when the complete file is
        moved into place (two writers of one file: the first one wins, the second learns it).

    Returns
    -------
    pathlib.Path
        The target path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.name[:40]}.{os.getpid()}@{host_tag()}.", suffix=".part",
                               dir=path.parent)
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if exclusive:
            _link_exclusive(tmp, path)
        else:
            os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def _link_exclusive(tmp: str, path: Path) -> None:
    """Give ``tmp`` the name ``path`` unless that name exists (hard link, then unlink; rename where links fail)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if path.exists():  # a file system without hard links: check, then rename (a small window remains)
            raise FileExistsError(errno.EEXIST, "file exists", str(path)) from None
        os.rename(tmp, path)
        return
    os.unlink(tmp)


def atomic_write_text(path: str | os.PathLike, text: str, *, exclusive: bool = False) -> Path:
    """Write ``text`` (UTF-8, line endings kept as given) to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")), exclusive=exclusive)


def remove_stale_temporaries(folder: str | os.PathLike, *,
                             older_than: float = STALE_TEMPORARY_SECONDS) -> list[Path]:
    """Delete (and return) the temporary files of dead writers in ``folder`` (not recursive): the writer was on
    this host and no longer runs, or the file was not modified for ``older_than`` seconds (another host)."""
    removed: list[Path] = []
    me = host_tag()
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP.match(entry.name)
        if m is None:
            continue
        try:
            old = now - entry.stat().st_mtime > older_than
            dead = m["host"] == me and not pid_alive(int(m["pid"]))
            if old or dead:  # a folder is an entry written as a whole (activation cache)
                (shutil.rmtree if entry.is_dir(follow_symlinks=False) else os.unlink)(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed
