"""The lab's editions: the student edition has no solutions and nothing a later cell needs from one, the teacher
edition has every solution and note, both are plain Jupyter markdown, and the committed Colab copy is current."""

from __future__ import annotations

import shutil
import subprocess
import sys
import types
from pathlib import Path

import jupytext
import nbformat
import pytest

from brainalign.book.lab import editions as E

ROOT = Path(__file__).resolve().parents[3]
MYST_LEFTOVERS = ("{glue", "```{", ":::{", "{doc}", "{download}", ":class:", "{cite}")


@pytest.fixture(scope="module")
def teacher(source):
    return E.build_edition(source, E.TEACHER, ROOT)


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _cell(source: str, *tags: str, kind: str = "code"):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    return make(source, metadata={"tags": list(tags)} if tags else {})


def test_every_exercise_of_the_tutorial_pairs_up(source):
    found = E.exercises(source)
    assert len(found) == 14                                 # 10 exercises and 4 stretch exercises
    for ex in found:
        assert E.TAG_EXERCISE in _tags(source.cells[ex.starter])
        assert E.TAG_CHECK in _tags(source.cells[ex.check])
        assert "..." in source.cells[ex.starter].source


def test_a_name_only_a_solution_defines_cannot_be_read_later():
    """The two bugs of the old tutorial (``scored`` and ``mask``), in miniature."""
    cells = [_cell("x = ...", "exercise"), _cell("mask = [1]\nx = 2", "solution"), _cell("T.check(x)", "check"),
             _cell("def f():\n    mask = 3\n    return mask")]                 # a local name of the same spelling
    nb = nbformat.v4.new_notebook(cells=cells)
    assert len(E.exercises(nb)) == 1
    nb.cells.append(_cell("print(sum(mask))"))
    with pytest.raises(E.EditionError, match="mask"):
        E.exercises(nb)
    nb.cells[-1] = _cell("def g():\n    return mask")                          # read inside a function
    with pytest.raises(E.EditionError, match="NameError"):
        E.exercises(nb)
    nb.cells.insert(-1, _cell("mask = [0]"))                                  # defined again before use: fine
    assert len(E.exercises(nb)) == 1


@pytest.mark.parametrize("cells, message", [
    ([_cell("x = 1", "exercise"), _cell("x = 2", "solution"), _cell("c(x)", "check")], "placeholder"),
    ([_cell("x = ...", "exercise"), _cell("c(x)", "check")], "not directly followed"),
    ([_cell("x = 2", "solution"), _cell("c(x)", "check")], "does not directly follow"),
    ([_cell("x = ...", "exercise"), _cell("x = 2", "solution"), _cell("print(x)")], "check cell"),
])
def test_malformed_exercises_are_errors(cells, message):
    with pytest.raises(E.EditionError, match=message):
        E.exercises(nbformat.v4.new_notebook(cells=cells))


def test_student_edition_keeps_placeholders_and_drops_solutions_and_notes(source, student):
    tags = [_tags(c) for c in student.cells]
    assert not any({E.TAG_SOLUTION, E.TAG_INSTRUCTOR, E.TAG_BOOK_ONLY} & t for t in tags)
    assert not any(E.PAGE_TAGS & t for t in tags)
    starters = [c for c in student.cells if E.TAG_EXERCISE in _tags(c)]
    assert len(starters) == 14 and all("..." in c.source for c in starters)
    assert sum(E.TAG_CHECK in t for t in tags) == 14
    text = "\n".join(c.source for c in student.cells)
    assert "Instructor notes" not in text and "# Solution" not in text
    assert not any("mystnb" in c.metadata for c in student.cells)
    assert student.metadata["brainalign"]["edition"] == "student"


def test_teacher_edition_has_solutions_in_place_of_the_starters(source, teacher):
    assert not any(E.TAG_EXERCISE in _tags(c) for c in teacher.cells)
    solutions = [c for c in teacher.cells if E.TAG_SOLUTION in _tags(c)]
    assert [c.source for c in solutions] == [source.cells[ex.solution].source for ex in E.exercises(source)]
    notes = [c for c in teacher.cells if E.TAG_INSTRUCTOR in _tags(c)]
    assert len(notes) >= 6 and all(c.source.startswith("<details><summary><b>Instructor notes") for c in notes)


@pytest.mark.parametrize("edition", E.EDITIONS)
def test_editions_are_plain_jupyter_markdown(source, edition):
    nb = E.build_edition(source, edition, ROOT)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            leftovers = [m for m in MYST_LEFTOVERS if m in cell.source]
            assert not leftovers, f"MyST markup {leftovers} in the {edition} edition: {cell.source[:200]}"
    text = "\n".join(c.source for c in nb.cells)
    assert text.count("<details>") == text.count("</details>") > 0
    url, _ = E.repository(ROOT)
    assert url in text and E.colab_url(ROOT) in text


def test_myst_to_markdown():
    links = {"tut_x": "[x](https://x.org)"}
    text = ("```{admonition} Predict\n:class: tip\nGuess $r$.\n```\n\n```{admonition} Answer\n:class: dropdown\n"
            "About 0.\n```\nSee the {doc}`live chapter <05_live_chapter>` and {glue:md}`tut_x`.")
    out = E.myst_to_markdown(text, links)
    assert "> **Predict**\n>\n> Guess $r$." in out
    assert "<details><summary><b>Answer</b></summary>\n\nAbout 0.\n\n</details>" in out
    assert "See the live chapter and [x](https://x.org)." in out
    with pytest.raises(E.EditionError, match="glue:text"):
        E.myst_to_markdown("r = {glue:text}`tut_r:.2f`", links)
    with pytest.raises(E.EditionError, match="figure"):
        E.myst_to_markdown("```{figure} a.png\n```", links)


def test_colab_setup_cell_comes_first_and_reads_the_config(student):
    code = [c for c in student.cells if c.cell_type == "code"]
    assert "colab-setup" in _tags(code[0]) and "parameters" in _tags(code[1])
    url, branch = E.repository(ROOT)
    assert repr(url) in code[0].source and repr(branch) in code[0].source


def test_colab_setup_cell_clones_and_installs_in_colab_only(student, tmp_path, monkeypatch, capsys):
    """Run the setup cell as Colab would, with git and pip replaced by a recorder."""
    setup = next(c.source for c in student.cells if "colab-setup" in _tags(c))
    calls = []

    def fake_run(cmd, check):
        calls.append(cmd)
        if cmd[:2] == ["git", "clone"]:
            Path(cmd[-1]).mkdir()
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(sys, "path", list(sys.path))
    exec(setup, {})                                                          # not Colab: nothing happens
    assert calls == []
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    exec(setup, {})
    url, branch = E.repository(ROOT)
    clone = tmp_path / E.COLAB_CLONE
    assert calls[0] == ["git", "clone", "-q", "--depth", "1", "-b", branch, url, str(clone)]
    assert calls[1] == [sys.executable, str(clone / E.INSTALL_SCRIPT)]
    assert sys.path[0] == str(clone)
    assert "Restart session" in capsys.readouterr().out                      # numpy was loaded before the install
    exec(setup, {})                                                          # a second run does not install again
    assert len(calls) == 2


def test_install_script_path_in_the_setup_cell_exists():
    assert (ROOT / E.INSTALL_SCRIPT).is_file()


def test_committed_colab_copy_is_current():
    path, expected = E.colab_copy(root=ROOT)
    assert path.exists(), f"{path} is missing: run python -m brainalign.book.lab.editions --colab and commit it"
    assert path.read_text() == expected, (f"{path.relative_to(ROOT)} is stale: run `python -m "
                                          "brainalign.book.lab.editions --colab` and commit the result")


@pytest.mark.parametrize("which", ["source", *E.EDITIONS])
def test_code_cells_have_at_most_ten_lines(source, which):
    nb = source if which == "source" else E.build_edition(source, which, ROOT)
    long = [(i, len(c.source.splitlines())) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and len(c.source.rstrip().splitlines()) > 10]
    assert not long, f"code cells longer than 10 lines in the {which}: {long}"


def test_links_follow_the_config(tmp_path):
    for name in ("_toc.yml", "_config.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    assert E.lab_links(tmp_path) == E.lab_links(ROOT)
    config = (tmp_path / "_config.yml").read_text()
    (tmp_path / "_config.yml").write_text(config.replace("github.com/brainalign/brainalign", "github.com/someone/fork")
                                          .replace("\n  branch: main\n", "\n  branch: lab\n"))
    assert E.colab_url(tmp_path) == ("https://colab.research.google.com/github/someone/fork/blob/lab/"
                                     "notebooks/lab/06_tutorial_student.ipynb")
    (tmp_path / "_config.yml").write_text(config.replace("https://github.com/brainalign/brainalign",
                                                         "https://gitlab.com/a/b"))
    with pytest.raises(E.EditionError, match="github"):
        E.colab_url(tmp_path)
    (tmp_path / "_config.yml").write_text("title: x\n")
    with pytest.raises(E.EditionError, match="repository.url"):
        E.lab_links(tmp_path)


def test_write_editions_and_the_jupytext_round_trip(tmp_path, source):
    written = E.write_editions(ROOT, tmp_path)
    assert sorted(p.name for p in written) == ["06_tutorial_student.ipynb", "06_tutorial_student.py",
                                               "06_tutorial_teacher.ipynb", "06_tutorial_teacher.py"]
    back = jupytext.read(tmp_path / "06_tutorial_student.py")
    ipynb = nbformat.read(tmp_path / "06_tutorial_student.ipynb", as_version=4)
    assert [c.source for c in back.cells] == [c.source for c in ipynb.cells]
    assert [_tags(c) for c in back.cells] == [_tags(c) for c in ipynb.cells]
    assert len(E.exercises(source)) == len([c for c in back.cells if E.TAG_EXERCISE in _tags(c)])


def test_inject_solutions(source, student):
    solved = E.inject_solutions(student, source)
    starters = [c for c in solved.cells if E.TAG_EXERCISE in _tags(c)]
    assert [c.source for c in starters] == [source.cells[ex.solution].source for ex in E.exercises(source)]
    broken = E.build_edition(source, E.STUDENT, ROOT)
    broken.cells = [c for c in broken.cells if c.get("metadata", {}).get("brainalign", {}).get("exercise") != 3]
    with pytest.raises(E.EditionError, match="lacks exercises"):
        E.inject_solutions(broken, source)


def test_code_shown_on_the_page_fits_its_column(source):
    """The page's code column holds about 80 characters at 1280 px: longer lines scroll sideways on a projector."""
    wide = [(i, line) for i, c in enumerate(source.cells)
            if c.cell_type == "code" and not {"remove-cell", "remove-input"} & _tags(c)
            for line in c.source.splitlines() if len(line) > 79]
    assert not wide, wide
