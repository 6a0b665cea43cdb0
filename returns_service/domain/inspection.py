"""What grading an item at the warehouse does to it: the one rule that both the inspection
(which settles) and its preview (which only says what settling would do) follow, so the
station can never promise one thing and record another."""

from __future__ import annotations

from enum import StrEnum

from returns_service.domain.settlement import SETTLES_BY_ITSELF, Condition


class Effect(StrEnum):
    REFUND = "refund"  # the price paid goes back now
    STORE_CREDIT = "store_credit"  # the same amount as store credit, now
    REPLACEMENT = "replacement"  # the waiting replacement is released
    CONCIERGE = "concierge"  # worn, damaged, wrong or missing: a person decides
    NOTHING = "nothing"  # already settled before (e.g. an advance replacement left)


def effect_of(condition: Condition, resolution: str, settled: bool) -> Effect:
    """The effect of grading one case item `condition`, for the resolution the customer
    chose; `settled` when money or a replacement already went out for it."""
    if condition not in SETTLES_BY_ITSELF:
        return Effect.CONCIERGE
    if settled:
        return Effect.NOTHING
    if resolution == "refund":
        return Effect.REFUND
    if resolution == "store_credit":
        return Effect.STORE_CREDIT
    if resolution == "exchange":
        return Effect.REPLACEMENT
    return Effect.CONCIERGE  # a resolution this rule does not know: never settle blindly
