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


SIZE_REASONS = {"too_small": "larger", "too_large": "smaller"}


@dataclass(frozen=True, slots=True)
class OptionGroup:
    """One choice the customer makes on its own: the size, or the colour (or strap, ...)."""

    key: str
    values: list[str]  # in the order offered: the suggestion (or the current value) first
    chosen: str | None  # what is checked when the page opens


@dataclass(frozen=True, slots=True)
class Picker:
    """What an exchange can be for one line: a size group and one group per other option,
    chosen separately (a ring in 18 sizes is 18 radios in one group, not 18 variants)."""

    groups: list[OptionGroup]
    suggestion: Candidate | None
    # a too-small item with nothing larger in stock (or too large, nothing smaller): say so
    no_size_left: str | None


def picker(current: dict[str, str], reason: str, candidates: Sequence[Candidate]) -> Picker:
    """The exchange choices for a line bought with `current` options. Only in-stock variants
    count; for a size reason only the sizes on the right side of the current one are offered,
    the nearest (the suggestion) first."""
    in_stock = [c for c in candidates if c.in_stock]
    own = _size(current)
    suggestion = next_size(current, reason, in_stock)
    groups: list[OptionGroup] = []
    no_size_left = None
    if own is not None:
        key, value = own
        sizes: dict[str, float] = {}
        for candidate in in_stock:
            size = _size(candidate.options)
            if size is not None and size[0] == key:
                sizes[candidate.options[key]] = size[1]
        if reason in SIZE_REASONS:
            bigger = reason == "too_small"
            sizes = {k: v for k, v in sizes.items() if (v > value if bigger else v < value)}
            if not sizes:
                no_size_left = SIZE_REASONS[reason]
        ordered = sorted(sizes, key=lambda k: (abs(sizes[k] - value), sizes[k]))
        if ordered:
            chosen = suggestion.options[key] if suggestion else None
            groups.append(OptionGroup(key, ordered, chosen))
    size_key = own[0] if own else None
    other_keys = sorted(
        {k for c in in_stock for k in c.options if k != size_key}, key=lambda k: (k != "colour", k)
    )
    for key in other_keys:
        values = sorted({c.options[key] for c in in_stock if key in c.options})
        mine = current.get(key)
        if mine in values:  # keep what they have first: most want the same colour
            values.remove(mine)
            values.insert(0, mine)
        groups.append(OptionGroup(key, values, mine if mine in values else None))
    return Picker(groups, suggestion, no_size_left)


def resolve(
    current: dict[str, str], chosen: dict[str, str], candidates: Sequence[Candidate]
) -> Candidate | None:
    """The in-stock variant with the chosen options (the rest as bought); None when that
    combination is not sold or not in stock."""
    wanted = {**current, **chosen}
    for candidate in candidates:
        if candidate.in_stock and candidate.options == wanted:
            return candidate
    return None


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
