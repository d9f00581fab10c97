"""What an exercise check says: one :class:`Feedback` per check, shown as a coloured line in a notebook.

A check never raises on a wrong or missing answer (a raised error would stop "Run all" and read as a crash); it
returns a :class:`Feedback` with one of three statuses:

- ``"passed"``: the answer is right;
- ``"not yet"``: the exercise still holds its placeholder (``...``), or a function still returns nothing;
- ``"try again"``: an answer is there but it is wrong; the message says what to look at.

A :class:`Feedback` is truthy only when passed, so ``assert check_x(...)`` works in tests.
"""

from __future__ import annotations

import html
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PASSED, NOT_YET, TRY_AGAIN = "passed", "not yet", "try again"
_LOOK = {PASSED: ("Passed", "#1a7f37", "#e9f6ec", "\u2714"),
         NOT_YET: ("Not yet", "#6e7781", "#f3f4f6", "\u2026"),
         TRY_AGAIN: ("Try again", "#b35900", "#fff4e5", "\u2717")}


@dataclass(frozen=True)
class Feedback:
    """The result of an exercise check.

    Attributes
    ----------
    status : {"passed", "not yet", "try again"}
    message : str
        One or two sentences for the student.
    """

    status: str
    message: str

    def __post_init__(self) -> None:
        if self.status not in _LOOK:
            raise ValueError(f"unknown feedback status {self.status!r}; use one of {list(_LOOK)}")

    def __bool__(self) -> bool:
        return self.status == PASSED

    @property
    def label(self) -> str:
        """``"Passed"``, ``"Not yet"`` or ``"Try again"``."""
        return _LOOK[self.status][0]

    def __repr__(self) -> str:  # what a terminal, papermill's text/plain and the tests see
        return f"{self.label}: {self.message}"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        label, color, background, mark = _LOOK[self.status]
        return (f'<div class="brainalign-feedback brainalign-feedback-{self.status.replace(" ", "-")}" '
                f'style="border-left: 4px solid {color}; background: {background}; color: #1f2328; '
                f'padding: 0.4em 0.8em; margin: 0.2em 0; font-family: system-ui, sans-serif;">'
                f'<strong style="color: {color};">{mark} {label}:</strong> {_code(self.message)}</div>')


def _code(message: str) -> str:
    """The message as HTML: escaped, with `backticked` names as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(message))


def passed(message: str) -> Feedback:
    """A right answer."""
    return Feedback(PASSED, message)


def not_yet(message: str) -> Feedback:
    """An exercise still holding its placeholder."""
    return Feedback(NOT_YET, message)


def try_again(message: str) -> Feedback:
    """A wrong answer, with a hint."""
    return Feedback(TRY_AGAIN, message)


def is_placeholder(value: Any) -> bool:
    """True for the placeholders of the student edition: ``...`` (Ellipsis) and ``None``."""
    return value is Ellipsis or value is None


def pending(exercise: str, *names_and_values: tuple[str, Any]) -> Feedback | None:
    """``not yet`` feedback when any of the named values is still a placeholder, else None.

    Parameters
    ----------
    exercise : str
        How the exercise is called in the page (``"Exercise 1"``).
    names_and_values : (str, object) pairs
        The variables the exercise asks for.
    """
    missing = [name for name, value in names_and_values if is_placeholder(value)]
    if not missing:
        return None
    what = ", ".join(f"`{name}`" for name in missing)
    return not_yet(f"{exercise}: replace the `...` that {what} still hold{'s' if len(missing) == 1 else ''} "
                   f"with your code, run that cell, then this one.")


class StudentCodeError(Exception):
    """A student's function raised; carries the feedback that says so."""

    def __init__(self, feedback: Feedback) -> None:
        super().__init__(feedback.message)
        self.feedback = feedback


def call(func: Callable[..., Any], *args: Any, exercise: str) -> Any:
    """Call a student's function; an exception becomes :class:`StudentCodeError` with a one-line explanation."""
    if not callable(func):
        raise StudentCodeError(try_again(f"{exercise}: expected a function, got {type(func).__name__}."))
    try:
        return func(*args)
    except Exception as exc:  # the student's code: any error is feedback, not a crash
        where = traceback.extract_tb(exc.__traceback__)[-1]
        raise StudentCodeError(try_again(f"{exercise}: your function raised {type(exc).__name__}: {exc} (line "
                                         f"{where.lineno}: {where.line or '?'})")) from None
