"""The tutorial's source as a 90-minute lab: its plan and its section timings agree and add up to 90 minutes, every
data section, exercise and figure says SIMULATED or REAL DATA, every figure has a caption and alt text, exercises are
graded, prediction questions hide their answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from brainalign.book.lab import editions as E

ROOT = Path(__file__).resolve().parents[2]
LABELS = ("SIMULATED", "REAL DATA")


@pytest.fixture(scope="module")
def nb():
    return E.read_source(root=ROOT)


def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _headings(nb) -> list[str]:
    return [line for line in _markdown(nb).splitlines() if re.match(r"#{2,3} ", line)]


def test_plan_and_section_timings_agree_and_add_up_to_90_minutes(nb):
    text = _markdown(nb)
    rows = re.findall(r"^\| (.+?) \| (SIMULATED|REAL DATA|–) \| (\d+) \|", text, flags=re.M)
    assert len(rows) >= 10, "the Plan table is missing"
    total = re.search(r"^\| \*\*total\*\* \| +\| \*\*(\d+)\*\* \|", text, flags=re.M)
    assert total and int(total[1]) == 90 == sum(int(m) for _, _, m in rows)
    timed = {re.sub(r"^(\d+)\. .*", r"\1", h[3:]): int(m)
             for h in _headings(nb) for m in re.findall(r"\((\d+) min\)$", h)}
    planned = {re.sub(r"^(\d+)\. .*", r"\1", name): int(minutes) for name, _, minutes in rows}
    numbered = {k: v for k, v in planned.items() if k.isdigit()}
    assert numbered and {k: timed.get(k) for k in numbered} == numbered, "section headings and the Plan disagree"
    for name, label, _ in rows:      # the plan's data column agrees with the section heading
        if name[0].isdigit():
            heading = next(h for h in _headings(nb) if h.startswith(f"## {name.split('.')[0]}. "))
            assert label in heading, heading


def test_every_data_heading_says_simulated_or_real(nb):
    headings = _headings(nb)
    first = next(i for i, h in enumerate(headings) if h.startswith("## 1. "))
    last = next(i for i, h in enumerate(headings) if h.startswith("## Wrap-up"))
    unlabelled = [h for h in headings[first:last] if not any(label in h for label in LABELS)]
    assert not unlabelled, f"headings without SIMULATED / REAL DATA: {unlabelled}"


def test_exercises_are_graded_and_there_are_stretch_exercises(nb):
    graded = [h for h in _headings(nb) if h.startswith("### ")]
    assert all(re.search(r"★{1,3}", h) for h in graded), graded
    assert sum("Exercise" in h for h in graded) == 10
    stretch = [h for h in graded if h.startswith("### Stretch")]
    assert len(stretch) == 4 and all("★★★" in h for h in stretch)


def test_prediction_questions_hide_their_answers(nb):
    text = _markdown(nb)
    predicts = text.count("```{admonition} Predict")
    answers = len(re.findall(r"```\{admonition\} Answer\n:class: dropdown", text))
    assert predicts >= 4 and answers == predicts


def test_every_figure_has_a_labelled_caption_alt_text_and_title(nb):
    figures = [c for c in nb.cells if c.cell_type == "code" and "plt.show()" in c.source]
    assert len(figures) >= 4
    names = []
    for cell in figures:
        meta = cell.metadata.get("mystnb", {})
        caption, alt = meta.get("figure", {}).get("caption", ""), meta.get("image", {}).get("alt", "")
        assert caption.startswith(LABELS), f"figure without a SIMULATED/REAL DATA caption: {cell.source[:80]}"
        assert len(alt) > 40, f"figure without meaningful alt text: {cell.source[:80]}"
        names.append(meta["figure"]["name"])
        titles = re.findall(r"title=f?\"([^\"]+)\"", cell.source)
        assert titles and all(t.startswith(LABELS) for t in titles), titles
    assert len(set(names)) == len(names) and all(n.startswith("fig-tutorial-") for n in names)


def test_learning_outcomes_and_instructor_notes_are_there(nb):
    text = _markdown(nb)
    assert "## Learning outcomes" in text and "Time to learn" in text and "System requirements" in text
    notes = [c for c in nb.cells if E.TAG_INSTRUCTOR in c.metadata.get("tags", [])]
    assert len(notes) >= 6
    joined = "\n".join(c.source for c in notes)
    for topic in ("median", "projector", "stuck", "Pacing"):
        assert topic in joined, f"the instructor notes do not cover {topic!r}"


def test_glue_keys_do_not_depend_on_parameters(nb):
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    keys = re.findall(r"glue\((f?)\"([^\"]+)\"", code)
    assert keys and not any(f for f, _ in keys), "a glue key is an f-string"


def test_the_brainscore_statements_are_the_corrected_ones(nb):
    text = " ".join(_markdown(nb).split())
    assert "Like Brain-Score, we model the average participant" not in text
    assert "regress **every subject's** voxels" in text
    assert "extrapolated to infinitely many subjects" in text
    assert "Brain-Score repeats this over random splits" not in text
