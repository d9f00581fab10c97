"""Fixtures of the book tooling's tests: one BLAS thread, the tutorial's source and its student edition."""

from __future__ import annotations

from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

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


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """One BLAS thread, as torch runs one thread in tests: on a busy 2-core machine a second BLAS thread that waits
    for a core makes scikit-learn's least squares many times slower (see brainalign.book.lab.realdata.setup_lab)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield
