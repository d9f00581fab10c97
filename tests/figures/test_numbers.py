"""brainalign.figures.numbers: how the book writes p-values, small numbers and intervals."""

from __future__ import annotations

import math

from brainalign.figures import numbers


def test_p_values():
    assert numbers.format_p(0.0342) == "0.034" and numbers.format_p(2e-9) == "< 0.001"
    assert numbers.format_p(float("nan")) == "n/a" and numbers.format_p(None) == "n/a"
    assert numbers.p_equals(0.5) == "p = 0.500" and numbers.p_equals(1e-5) == "p < 0.001"
    assert numbers.p_phrase(1.01e-8) == "p = 1.0 × 10⁻⁸" and numbers.p_phrase(0.027) == "p = 0.027"


def test_scientific_never_prints_e_notation():
    assert numbers.scientific(7.19e-11) == "7.2 × 10⁻¹¹"
    assert numbers.scientific(9.96e-9) == "1.0 × 10⁻⁸"  # the mantissa carries
    assert numbers.scientific(0.5) == "0.5" and "e" not in numbers.scientific(123456.0)


def test_intervals():
    assert numbers.format_interval(0.88, 0.97) == "[0.88, 0.97]"
    assert numbers.format_interval(math.nan, math.nan, n=5) == "undefined (n = 5)"
    assert numbers.format_interval(None, 0.3) == "undefined"
