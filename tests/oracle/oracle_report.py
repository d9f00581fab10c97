"""The oracle report's records, shared by the oracle tests and their conftest (which writes the report)."""

from __future__ import annotations

RECORDS: list[dict] = []


def record(check: str, *, brainalign: float, reference: float, diff: float, tolerance: float, release: str,
           brainalign_seconds: float, reference_seconds: float, note: str = "") -> None:
    """Add one line to the oracle report."""
    RECORDS.append({"check": check, "brainalign": brainalign, "reference": reference, "diff": diff,
                     "tolerance": tolerance, "release": release, "brainalign_s": round(brainalign_seconds, 2),
                     "reference_s": round(reference_seconds, 2), "note": note})
