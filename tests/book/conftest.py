"""Fixtures of the book tooling's tests: the tutorial's source and its student edition."""

from __future__ import annotations

from pathlib import Path

import pytest

from brainalign.book.lab import editions

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def source():
    """The tutorial's jupytext source, as a notebook."""
    return editions.read_source(root=ROOT)


@pytest.fixture(scope="session")
def student(source):
    """The student edition built from it."""
    return editions.build_edition(source, editions.STUDENT, ROOT)
