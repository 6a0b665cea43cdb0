"""Saving the sale: when something is too small or too large, offer the next size instead of
a refund (the seeds' lesson: most exchanges are about size)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SIZE_KEYS = ("size", "case_size", "width")


@dataclass(frozen=True, slots=True)
class Candidate:
    sku: str
    options: dict[str, str]
    in_stock: bool


def _size(options: dict[str, str]) -> tuple[str, float] | None:
    for key in SIZE_KEYS:
        if key in options:
            try:
                return key, float(options[key].replace(",", "."))
            except ValueError:
                return None
    return None


def next_size(
    current: dict[str, str], reason: str, candidates: Sequence[Candidate]
) -> Candidate | None:
    """The in-stock variant one size up (too_small) or down (too_large), keeping everything
    else (colour, strap) the same; None when there is no such size or the reason is another."""
    if reason not in ("too_small", "too_large"):
        return None
    own = _size(current)
    if own is None:
        return None
    key, value = own
    others = {k: v for k, v in current.items() if k != key}
    bigger = reason == "too_small"
    best: tuple[float, Candidate] | None = None
    for candidate in candidates:
        size = _size(candidate.options)
        if not candidate.in_stock or size is None or size[0] != key:
            continue
        if {k: v for k, v in candidate.options.items() if k != key} != others:
            continue
        distance = size[1] - value if bigger else value - size[1]
        if distance > 0 and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


# ---------------------------------------------------------------------------------------------
# Advance exchanges: shipping the replacement before the original is back.

TRIGGER_BY_MODE = {
    "on_request": "approved",  # the 003 founder: ship the day it is asked for
    "on_first_scan": "in_transit",  # LIV: as soon as the return is on its way
    "on_receipt": "inspected",  # only once the original is in the warehouse and graded
}


def ships_now(mode: str, event: str) -> bool:
    """Does the policy's `advance_exchange` mode ship the replacement at this event
    (approved, in_transit)? After inspection a waiting replacement always ships."""
    return event == "inspected" or TRIGGER_BY_MODE.get(mode) == event


def exposure_allows(open_exposure: int, value: int, limit: int) -> bool:
    """Replacements out with their originals not back may not exceed the policy's limit."""
    return open_exposure + value <= limit


REMINDER_DAYS = (7, 2)
