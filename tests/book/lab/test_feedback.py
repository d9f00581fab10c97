"""Feedback of the lab's checks: three statuses, truthy only when passed, readable as text and as HTML."""

from __future__ import annotations

import pytest

from brainalign.book.lab import feedback as F


def test_statuses_read_as_feedback():
    ok, wait, wrong = F.passed("fine"), F.not_yet("later"), F.try_again("look again")
    assert bool(ok) and not bool(wait) and not bool(wrong)
    assert repr(ok) == "Passed: fine" and str(wait) == "Not yet: later" and repr(wrong) == "Try again: look again"
    with pytest.raises(ValueError, match="status"):
        F.Feedback("correct", "x")


def test_html_escapes_the_message_and_shows_the_label():
    html = F.try_again("x < y & <script>")._repr_html_()
    assert "Try again:" in html and "&lt;script&gt;" in html and "<script>" not in html
    assert "brainalign-feedback-try-again" in html


def test_pending_names_the_placeholders():
    assert F.pending("Exercise 1", ("train", [1]), ("test", [2])) is None
    fb = F.pending("Exercise 1", ("train", ...), ("test", [2]))
    assert fb.status == F.NOT_YET and "`train`" in fb.message and "`test`" not in fb.message
    assert F.pending("Exercise 5", ("x", None)).status == F.NOT_YET


def test_call_turns_a_students_error_into_feedback():
    def broken(x):
        return x / "a"

    with pytest.raises(F.StudentCodeError) as info:
        F.call(broken, 1, exercise="Exercise 3")
    assert info.value.feedback.status == F.TRY_AGAIN
    assert "TypeError" in info.value.feedback.message and "return x / \"a\"" in info.value.feedback.message
    with pytest.raises(F.StudentCodeError, match="expected a function"):
        F.call(3, exercise="Exercise 3")


def test_backticked_names_are_code_in_html():
    html = F.not_yet("Exercise 8: `to_bits` still returns nothing")._repr_html_()
    assert "<code>to_bits</code>" in html and "`" not in html
