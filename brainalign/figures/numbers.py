"""How the book writes numbers for readers: p-values, small numbers, confidence intervals (figures, tables, prose).

One set of rules, so that a panel, a table and a sentence print the same statistic the same way:

- p-values with three decimals, and ``< 0.001`` below that (:func:`format_p`, :func:`p_equals`);
- very small numbers in prose as ``1.0 × 10⁻⁸``, never in e-notation (:func:`scientific`);
- a confidence interval that cannot be computed says so, instead of printing ``[nan, nan]`` (:func:`format_interval`).
"""

from __future__ import annotations

import math

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _finite(x: float | None) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def format_p(p: float | None) -> str:
    """A p-value for a table cell: ``"0.034"``, ``"< 0.001"``, or ``"n/a"`` when undefined."""
    if not _finite(p):
        return "n/a"
    return "< 0.001" if p < 1e-3 else f"{p:.3f}"


def p_equals(p: float | None) -> str:
    """A p-value for a panel or a sentence: ``"p = 0.034"``, ``"p < 0.001"`` or ``"p n/a"``."""
    text = format_p(p)
    return f"p {text}" if text.startswith("<") or text == "n/a" else f"p = {text}"


def scientific(x: float, digits: int = 1) -> str:
    """``x`` as ``"1.0 × 10⁻⁸"`` (mantissa with ``digits`` decimals), or plainly when 0.001 <= |x| < 1000."""
    if not _finite(x):
        return "n/a"
    if x == 0 or 1e-3 <= abs(x) < 1e3:
        return f"{x:.{max(digits, 3)}g}"
    exponent = math.floor(math.log10(abs(x)))
    mantissa = x / 10 ** exponent
    if round(abs(mantissa), digits) >= 10:  # 9.96 -> 10.0: carry into the exponent
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.{digits}f} × 10{str(exponent).translate(_SUPERSCRIPT)}"


def format_interval(low: float | None, high: float | None, digits: int = 2, *, n: int | None = None) -> str:
    """A confidence interval as ``"[0.88, 0.97]"``, or a phrase saying why it is undefined.

    Parameters
    ----------
    low, high : float or None
        Bounds (NaN or None when the interval could not be computed).
    digits : int
        Decimals.
    n : int, optional
        Number of observations, named in the phrase for an undefined interval (with very few observations many
        bootstrap resamples repeat one point and leave a correlation undefined, so no interval exists).
    """
    if _finite(low) and _finite(high):
        return f"[{low:.{digits}f}, {high:.{digits}f}]"
    return "undefined" + (f" (n = {n})" if n is not None else "")


def p_phrase(p: float | None) -> str:
    """A p-value for a sentence that compares it with a printed one: ``"p = 0.034"``, or ``"p = 1.0 × 10⁻⁸"`` below
    0.001 (the exact order of magnitude, without e-notation)."""
    if not _finite(p):
        return "p n/a"
    return f"p = {p:.3f}" if p >= 1e-3 else f"p = {scientific(p)}"
