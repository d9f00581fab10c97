"""Every page of the built book is clean: no build noise in what a reader sees, and no code walls.

A page fails on any of: a warning line (``SomethingWarning:`` as Python prints warnings, or a ``WARNING`` log line),
an absolute home or checkout path, a virtualenv path, a tqdm progress bar (``it/s]``), a ``BenchmarkResult(`` repr, an
undefined interval (``nan, nan``) in the page or inside one of its figures (the figures' texts travel in their PNGs,
:mod:`brainalign.figures.output`), or a code cell longer than 10 lines (hidden cells included: code that long
belongs in the package).
"""

from __future__ import annotations

import re
import sys
import urllib.request
from pathlib import Path

import pytest

from brainalign.figures.output import read_png_record

from .conftest import ROOT, toc_pages

pytestmark = pytest.mark.browser

PAGES = toc_pages()
MAX_CELL_LINES = 10


def _noise_patterns() -> dict[str, re.Pattern]:
    home = re.escape(str(Path.home()))
    checkout = "|".join(re.escape(str(p)) for p in {ROOT, ROOT.resolve(), ROOT.parent.resolve()} if str(p) != "/")
    venv = re.escape(str(Path(sys.prefix)))
    return {
        "a warning line": re.compile(r"(?m)(\b[A-Z]\w*Warning: |^\s*(\[\w+\]\s*)?WARNING\b)"),
        "an absolute home path": re.compile(rf"({home}/|/home/[\w.-]+/|/Users/[\w.-]+/|/root/)"),
        "an absolute checkout path": re.compile(rf"({checkout})(/|\b)"),
        "a virtualenv path": re.compile(rf"({venv}|site-packages|/\.?venv/lib/)"),
        "a tqdm progress bar": re.compile(r"(it/s\]|s/it\]|\d+%\|[█▏▎▍▌▋▊▉ ]*\|)"),
        "a BenchmarkResult repr": re.compile(r"BenchmarkResult\("),
        "an undefined interval": re.compile(r"nan, nan", re.IGNORECASE),
    }


NOISE = _noise_patterns()


def noise_in(text: str) -> list[str]:
    """``"<rule>: <the offending line>"`` for every rule the text breaks."""
    found = []
    for rule, pattern in NOISE.items():
        for match in pattern.finditer(text):
            line = text[text.rfind("\n", 0, match.start()) + 1: text.find("\n", match.end())]
            found.append(f"{rule}: {line.strip()[:160]}")
            break
    return found


def test_the_noise_rules_catch_what_they_should():
    """The rules themselves: each catches its example and leaves ordinary prose alone."""
    bad = {
        "a warning line": "/x/tqdm/auto.py:21: TqdmWarning: IProgress not found",
        "an absolute home path": f"converting model to safetensors in {Path.home()}/.cache/brainalign/models",
        "an absolute checkout path": f"wrote 104 rows to {ROOT}/book/generated/live_scores.csv",
        "a virtualenv path": f"{sys.prefix}/lib/python3.11/site-packages/transformers/x.py",
        "a tqdm progress bar": "Converting: 100%|██████████| 272/272 [00:01<00:00, 191.33it/s]",
        "a BenchmarkResult repr": "BenchmarkResult(benchmark='Futrell2018', raw=0.29)",
        "an undefined interval": "95% CI [nan, nan], n = 5",
    }
    for rule, text in bad.items():
        assert any(f.startswith(rule) for f in noise_in(text)), (rule, text)
    prose = ("The warning above says what this chapter does not show. Results are cached in ~/.cache/brainalign; "
             "the noise ceiling is 0.858 and the interval is undefined (n = 5). On a cluster, run "
             "`source ~/brainalign/.venv/bin/activate` first.")
    assert noise_in(prose) == []


@pytest.mark.parametrize("name", PAGES)
def test_page_shows_no_build_noise(page_facts, name):
    facts = page_facts(name)
    problems = noise_in(facts["text"])
    assert not problems, f"{name} shows build noise:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", PAGES)
def test_figures_show_no_undefined_intervals(page_facts, name):
    problems = []
    for image in page_facts(name)["images"]:
        if not image["src"].endswith(".png"):
            continue
        with urllib.request.urlopen(image["src"], timeout=10) as response:
            texts = read_png_record(response.read())["texts"]
        problems += [f"{image['src'].rsplit('/', 1)[-1]}: {t!r}" for t in texts if "nan" in re.split(r"\W+", t)]
    assert not problems, f"figures of {name} print undefined values: {problems}"


@pytest.mark.parametrize("name", PAGES)
def test_code_cells_are_short(page_facts, name):
    long = [(len(code.rstrip("\n").splitlines()), code.splitlines()[0][:80]) for code in page_facts(name)["code"]
            if len(code.rstrip("\n").splitlines()) > MAX_CELL_LINES]
    assert not long, f"{name} has code cells over {MAX_CELL_LINES} lines (lines, first line): {long}"
