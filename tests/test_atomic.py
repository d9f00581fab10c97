import os
from pathlib import Path

import pytest

from brainalign.atomic import atomic_write, atomic_write_text


def test_writes_whole_file_and_leaves_no_temporaries(tmp_path):
    target = atomic_write_text(tmp_path / "sub" / "a.csv", "x,y\n1,2\n")
    assert target.read_text() == "x,y\n1,2\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.csv"]


def test_failure_keeps_the_old_file(tmp_path):
    target = atomic_write_text(tmp_path / "a.txt", "old")

    def broken(f):
        f.write(b"half of the new")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, broken)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_files_get_the_mode_of_the_umask(tmp_path):
    # issue 13, D11: mkstemp's 0600 made shared results and caches unreadable to the group
    import os

    for mask, mode in ((0o002, 0o664), (0o022, 0o644), (0o077, 0o600)):
        old = os.umask(mask)
        try:
            path = atomic_write_text(tmp_path / f"m{mask:o}.txt", "x")
        finally:
            os.umask(old)
        assert path.stat().st_mode & 0o777 == mode


def test_exclusive_write_never_replaces(tmp_path):
    target = atomic_write_text(tmp_path / "a.csv", "first", exclusive=True)
    with pytest.raises(FileExistsError):
        atomic_write_text(target, "second", exclusive=True)
    assert target.read_text() == "first" and sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


def test_stale_temporaries_are_removed(tmp_path):
    # issue 13, D9: temporary files of killed writers (SIGKILL cannot clean up) are removed, live ones kept
    import os
    import subprocess
    import sys
    import time

    from brainalign.atomic import host_tag, remove_stale_temporaries

    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)
    me = host_tag()
    names = {"dead": f".tmp-a.csv.{dead}@{me}.k1.part", "live": f".tmp-b.csv.{os.getpid()}@{me}.k2.part",
             "elsewhere": ".tmp-c.csv.1@ffffff.k3.part", "old": ".tmp-d.csv.1@ffffff.k4.part",
             "other": ".hidden-notes.part"}
    for name in names.values():
        (tmp_path / name).write_text("x")
    past = time.time() - 7 * 3600
    os.utime(tmp_path / names["old"], (past, past))
    removed = {p.name for p in remove_stale_temporaries(tmp_path)}
    assert removed == {names["dead"], names["old"]}


def test_a_zombie_is_not_alive():
    # found by the fault injection: a killed sweep not yet reaped by its parent kept its task claims "alive", and
    # the other sweep waited for them forever
    import subprocess
    import sys
    import time

    from brainalign.atomic import pid_alive

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while Path(f"/proc/{proc.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert not pid_alive(proc.pid)  # exited, not reaped: a zombie
    proc.wait()
    assert not pid_alive(proc.pid) and pid_alive(os.getpid()) and not pid_alive(0) and not pid_alive(-1)
