"""Shared parameter descriptions (brainalign._docs.fill_doc)."""

from __future__ import annotations

import inspect

import pytest

from brainalign._docs import DOCS, fill_doc
from brainalign.benchmarks.blank2014 import Blank2014
from brainalign.benchmarks.pereira2018 import Pereira2018


def test_placeholders_are_replaced_with_the_right_indentation():
    @fill_doc
    def f(data_home=None):
        """Load.

        Parameters
        ----------
        %(data_home)s
        The rest stays as it is: 50% (no escaping needed).
        """

    doc = inspect.getdoc(f)
    assert "%(" not in doc and "50% (no escaping needed)" in doc
    assert "data_home : path-like, optional\n    Data home" in doc


def test_unknown_placeholder_fails_at_decoration():
    with pytest.raises(KeyError):
        @fill_doc
        def g():
            """%(no_such_parameter)s"""


def test_shared_benchmark_parameters_are_written_once():
    for cls in (Pereira2018, Blank2014):
        doc = inspect.getdoc(cls)
        for name in ("data_home", "correlation", "precision", "device", "metric"):
            assert DOCS[name].splitlines()[1].strip() in doc, (cls, name)
