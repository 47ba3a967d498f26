"""Forecast methods in plain English for the meeting's pages; the technical detail stays on Notes."""

from __future__ import annotations

TECHNICAL_PREFIXES = ("statistical:", "placement-mix model", "open placements to their end dates")


def plain_method(method: str, note: str = "") -> str:
    """'average of recent months', 'placements to their end dates', 'statistical forecast (trend and
    seasonality)', ... for a line's method and its technical note."""
    if method == "forecast":
        if note.startswith("placement-mix"):
            return "placement model (children starting and leaving)"
        return "statistical forecast (trend and seasonality)"
    return {
        "run-rate": "average of recent months",
        "commitments": "placements to their end dates",
        "profile": "budget profile for the months ahead",
        "actuals": "actuals to date only",
    }.get(method, method)


def plain_note(note: str) -> str:
    """A line's note without the technical parts (model weights, model names), which Notes carries."""
    parts = [p.strip() for p in note.split(";")]
    kept = [p for p in parts if p and not p.startswith(TECHNICAL_PREFIXES)]
    text = "; ".join(kept)
    return text[:1].upper() + text[1:]
