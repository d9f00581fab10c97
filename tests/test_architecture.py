"""The package's architecture: stages in layers, no import cycles, function-level imports only where they pay.

The layer and cycle contracts are in ``pyproject.toml`` (``[tool.importlinter]``); import-linter reads every import
statement of every module, those inside functions included, so a function-level import cannot hide a cycle or an
upward dependency.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "brainalign"

#: Stage folders and the few small cross-cutting modules at the top of the package.
STAGES = {"activations", "benchmarks", "book", "data", "encoding", "figures", "models", "paper", "run", "scores"}
MODULES = {"__init__.py", "_docs.py", "_version.py", "atomic.py", "backend.py", "cli.py", "paths.py", "stats.py"}

#: Third-party packages that may be imported inside functions without a comment: heavy to import (torch,
#: transformers, tokenizers) or needed by one optional path (distributed: the Dask executor).
LAZY_OK = {"torch", "transformers", "tokenizers", "distributed"}


def test_import_contracts_hold(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "4 kept, 0 broken" in out


def test_top_level_is_stages_and_small_modules():
    entries = {p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"}
    assert entries == STAGES | MODULES
    for name in MODULES - {"cli.py", "stats.py"}:  # cross-cutting helpers stay small
        assert len((PACKAGE / name).read_text().splitlines()) < 150, name
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").read_text().lstrip().startswith('"""'), f"{stage} has no docstring"


def _function_level_imports() -> list[tuple[str, int, str, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text()
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import):
                    names = [a.name for a in sub.names]
                elif isinstance(sub, ast.ImportFrom):
                    names = ["." * sub.level + (sub.module or "")]
                else:
                    continue
                for name in names:
                    found.append((str(path.relative_to(ROOT)), sub.lineno, name, lines[sub.lineno - 1]))
    return found


def test_function_level_imports_say_why():
    """torch & co. may be imported where a model runs; any other function-level import says on its line why."""
    unexplained = [f"{path}:{line}: {text.strip()}" for path, line, name, text in _function_level_imports()
                   if name.split(".")[0] not in LAZY_OK and "#" not in text]
    assert not unexplained, "function-level imports without a reason:\n" + "\n".join(unexplained)


def test_listing_benchmarks_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys, brainalign; brainalign.list_benchmarks(); import brainalign.cli; "
            "print('torch' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.split() == ["False", "True"]
    cheap = subprocess.run([sys.executable, "-c", "import sys, brainalign; print('pandas' in sys.modules)"],
                           capture_output=True, text=True, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert cheap.stdout.strip() == "False"  # `import brainalign` stays cheap
