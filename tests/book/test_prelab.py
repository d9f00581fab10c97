"""The pre-lab check: every item passes in this project's environment, a missing pin fails with the command that
fixes it (and the checks that need the packages are skipped), and the exit status says whether the lab can start."""

from __future__ import annotations

import shutil
from pathlib import Path

from brainalign.book import prelab
from brainalign.book.lab import install

ROOT = Path(__file__).resolve().parents[2]


def test_everything_passes_here(shared_data, capsys):
    results = prelab.run_checks(ROOT, echo=None)
    assert [r.name for r in results] == list(prelab.CHECKS)
    assert all(r.status == prelab.OK for r in results), [r.line() for r in results]
    assert "10,256 words" in next(r.detail for r in results if r.name == "data")


def test_a_missing_package_fails_with_the_fix_and_skips_the_rest(tmp_path, capsys):
    (tmp_path / "brainalign" / "models").mkdir(parents=True)
    shutil.copy(ROOT / install.MODELS_CSV, tmp_path / install.MODELS_CSV)
    shutil.copy(ROOT / install.MODEL_REQUIREMENTS, tmp_path / install.MODEL_REQUIREMENTS)
    text = (ROOT / "pyproject.toml").read_text().replace('"tqdm==4.70.1",', '"tqdm==4.70.1", "no-such-package==1.0",')
    (tmp_path / "pyproject.toml").write_text(text)
    assert prelab.main(["--root", str(tmp_path), "--no-model"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] packages" in out and "no-such-package" in out and "install.py" in out
    assert "[FAIL] data      skipped" in out and "1 check(s) failed" not in out and "failed: packages" in out


def test_a_version_other_than_the_pin_is_a_warning(tmp_path):
    (tmp_path / "brainalign" / "models").mkdir(parents=True)
    shutil.copy(ROOT / install.MODELS_CSV, tmp_path / install.MODELS_CSV)
    shutil.copy(ROOT / install.MODEL_REQUIREMENTS, tmp_path / install.MODEL_REQUIREMENTS)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text().replace("tqdm==4.70.1",
                                                                                          "tqdm==4.0.0"))
    status, detail = prelab.check_packages(tmp_path)
    assert status == prelab.WARN and "tqdm" in detail and "pinned 4.0.0" in detail


def test_an_error_inside_a_check_is_a_failed_line(monkeypatch):
    def broken(root):
        raise OSError("disk full")

    monkeypatch.setitem(prelab.CHECKS, "data", broken)
    results = prelab.run_checks(ROOT, model=False, echo=None)
    data = next(r for r in results if r.name == "data")
    assert data.status == prelab.FAIL and "OSError: disk full" in data.detail
