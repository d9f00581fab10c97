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
