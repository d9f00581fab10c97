"""The oracle tests: brainalign's paper protocol against brainscore-language itself (``make test-oracle``).

The reference runs in its own environment (``.oracle-venv``, built by ``make test-oracle`` from
``tests/oracle/requirements.txt``; ``BRAINALIGN_ORACLE_PYTHON`` names another interpreter), one subprocess per task
(``tests/oracle/reference_side.py``). Every check records both sides' numbers, their difference, the tolerance, the
seconds each side took and the reference release in ``_build/oracle/report.json`` (and ``report.md``), printed at the
end of the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path(__file__).with_name("reference_side.py")
REPORT_DIR = Path(os.environ.get("BRAINALIGN_ORACLE_REPORT", ROOT / "_build" / "oracle"))
sys.path.insert(0, str(Path(__file__).parent))
from oracle_report import RECORDS as _RECORDS  # noqa: E402 - one module shared with the tests (not a conftest copy)


def oracle_python() -> Path:
    path = Path(os.environ.get("BRAINALIGN_ORACLE_PYTHON", ROOT / ".oracle-venv" / "bin" / "python"))
    if not path.exists():
        pytest.fail(f"no reference environment at {path}: run `make test-oracle`, which builds it from "
                    f"tests/oracle/requirements.txt (or set BRAINALIGN_ORACLE_PYTHON)")
    return path


@pytest.fixture
def reference(tmp_path):
    """Run one task in the reference environment; returns its outputs (dict of arrays) and wall-clock seconds."""

    def run(task: dict) -> dict:
        task = {"tmp": str(tmp_path / "ref"), "out": str(tmp_path / f"ref-{len(list(tmp_path.iterdir()))}.npz"),
                "threads": 2, **task}
        spec = tmp_path / f"task-{time.time_ns()}.json"
        spec.write_text(json.dumps(task))
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
        env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
                    "BRAINIO_HOME": str(tmp_path / "brainio")})
        t0 = time.perf_counter()
        proc = subprocess.run([str(oracle_python()), str(REFERENCE), str(spec)], capture_output=True, text=True,
                              env=env, cwd=tmp_path)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"the reference failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
        with np.load(task["out"], allow_pickle=False) as z:
            out = {k: z[k] for k in z.files}
        out["wall"] = wall
        out["release"] = str(out["release"])
        return out

    return run


def pytest_terminal_summary(terminalreporter):
    if not _RECORDS:
        return
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (REPORT_DIR / "report.json").write_text(json.dumps(_RECORDS, indent=1))
    lines = ["| check | brainalign | reference | difference | tolerance | brainalign s | reference s | release | note |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in _RECORDS:
        lines.append(f"| {r['check']} | {r['brainalign']:.10g} | {r['reference']:.10g} | {r['diff']:.2e} | "
                     f"{r['tolerance']:.1e} | {r['brainalign_s']} | {r['reference_s']} | {r['release']} | "
                     f"{r['note'].replace('|', chr(92) + '|')} |")
    (REPORT_DIR / "report.md").write_text("\n".join(lines) + "\n")
    terminalreporter.write_sep("-", f"oracle report ({REPORT_DIR / 'report.md'})")
    for line in lines:
        terminalreporter.write_line(line)

