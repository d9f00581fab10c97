"""The lab's pre-lab check: ``python -m brainalign.book.prelab`` verifies the environment and the data in under a
minute, and says what to do about anything that fails.

Checks, in order (each prints one line: ``ok``, ``warn`` or ``FAIL`` with a fix):

1. Python: the project's ``requires-python``;
2. packages: every pin of the lab's install list (:mod:`brainalign.book.lab.install`) is installed, at its version;
3. data: the Natural Stories reading times through the lab's own call (:func:`brainalign.book.tutorial
   .load_reading_times`: the corpus' files, from the data home or downloaded, checksums verified);
4. compute: a small simulated encoding fit (numpy, scikit-learn);
5. model: the lab's language model loads and computes the surprisal of a sentence (the first run converts it once,
   about 40 s on a laptop, so that the lab never waits for it); ``--no-model`` skips it.

Exit status 0 when nothing failed, 1 otherwise. The installed package versions are compared with the checkout's pins
(``pyproject.toml``), so run it from the checkout you installed from (or pass ``--root``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .lab import install

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass
class Result:
    """One line of the pre-lab check."""

    name: str
    status: str
    detail: str
    seconds: float = 0.0

    def line(self) -> str:
        return f"[{self.status:>4}] {self.name:<9} {self.detail} ({self.seconds:.1f} s)"


def check_python(root: Path) -> tuple[str, str]:
    version = ".".join(map(str, sys.version_info[:3]))
    if install.python_supported(root):
        return OK, f"Python {version}"
    return FAIL, (f"Python {version} is outside the project's requires-python {install.requires_python(root)}: make "
                  "the environment with a Python that is")


def check_packages(root: Path) -> tuple[str, str]:
    pins = install.project_requirements(root) + [install.model_requirement(root)]
    missing, other = [], []
    for pin in pins:
        name, _, version = pin.partition("==")
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        if have.split("+")[0] != version:
            other.append(f"{name} {have} (pinned {version})")
    if missing:
        return FAIL, (f"{len(missing)} of {len(pins)} pinned packages missing: {', '.join(missing[:6])}"
                      f"{' ...' if len(missing) > 6 else ''}. Run: python brainalign/book/lab/install.py")
    if other:
        return WARN, (f"{len(pins)} pinned packages installed, {len(other)} at other versions: {'; '.join(other[:4])}"
                      ". Scores may differ slightly; python brainalign/book/lab/install.py restores the pins")
    return OK, f"{len(pins)} pinned packages at their pinned versions"


def check_data(root: Path) -> tuple[str, str]:
    from . import tutorial  # imports numpy, pandas, scikit-learn: only after the package check

    words = tutorial.load_reading_times()
    return OK, (f"Natural Stories: {len(words):,} words, {words['story_id'].nunique()} stories, sha1 verified "
                f"({Path(str(words.attrs.get('source', '?')).split(' + ')[0]).parent})")


def check_compute(root: Path) -> tuple[str, str]:
    from ..encoding import linear_predictivity  # as check_data
    from . import tutorial  # as check_data

    sim = tutorial.simulate_fmri(seed=0)
    profile = linear_predictivity(dict(sim.layers), sim.mean_response).score
    best = max(profile, key=profile.get)
    if best != sim.best_layer:
        return FAIL, f"the simulated layer profile peaks at {best}, not {sim.best_layer}: numpy/scikit-learn are broken"
    return OK, f"simulated encoding fit recovers {best} ({os.cpu_count()} CPU cores)"


def check_model(root: Path) -> tuple[str, str]:
    from . import tutorial  # as check_data
    from .. import load_model  # as check_data
    from ..activations import word_surprisal  # as check_data

    tutorial.setup_lab(1, progress=False)
    model = load_model(install.LAB_MODEL)
    bits = word_surprisal(model, "The children went outside to play in the park .".split(), progress=False)
    if not (bits[1:] > 0).all():
        return FAIL, f"{install.LAB_MODEL} gave surprisals {bits.round(1).tolist()}: the model is broken"
    return OK, f"{install.LAB_MODEL} loads and reads (mean surprisal {bits[1:].mean():.1f} bits per word)"


CHECKS: dict[str, Callable[[Path], tuple[str, str]]] = {
    "python": check_python, "packages": check_packages, "data": check_data, "compute": check_compute,
    "model": check_model,
}


def run_checks(root: str | Path = install.ROOT, *, model: bool = True,
               echo: Callable[[str], None] | None = print) -> list[Result]:
    """Run the checks in order; a check that raises is a FAIL with the error; the package-dependent checks are
    skipped after a Python or package failure.

    Parameters
    ----------
    root : path-like
        The checkout whose pins are compared.
    model : bool
        Also load the model.
    echo : callable, optional
        Called with each result line as it is known (None: silent).
    """
    root = Path(root)
    results: list[Result] = []
    for name, check in CHECKS.items():
        if name == "model" and not model:
            continue
        if any(r.status == FAIL for r in results if r.name in ("python", "packages")) and name not in ("python",
                                                                                                     "packages"):
            results.append(Result(name, FAIL, "skipped: fix the lines above first"))
        else:
            start = time.perf_counter()
            try:
                status, detail = check(root)
            except Exception as exc:  # the point of the command: any failure becomes a line with a fix
                status, detail = FAIL, f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            results.append(Result(name, status, detail, time.perf_counter() - start))
        if echo is not None:
            echo(results[-1].line())
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m brainalign.book.prelab [--no-model] [--root DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m brainalign.book.prelab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-model", action="store_true", help="skip loading the language model")
    parser.add_argument("--root", default=str(install.ROOT), help="the checkout the lab was installed from")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = run_checks(args.root, model=not args.no_model, echo=lambda line: print(line, flush=True))
    failed = [r.name for r in results if r.status == FAIL]
    verdict = f"{len(failed)} check(s) failed: {', '.join(failed)}" if failed else "ready for the lab"
    print(f"pre-lab check: {verdict} ({time.perf_counter() - start:.0f} s in total)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
