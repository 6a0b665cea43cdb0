"""The exchange picker: size and colour chosen separately, the suggested size first, only the
sizes that fit the reason, and an honest word when there is no larger (or smaller) size."""

from __future__ import annotations

from returns_service.domain.exchanges import Candidate, picker, resolve


def ring(size: int, colour: str = "black", in_stock: bool = True) -> Candidate:
    return Candidate(f"RING-{size}-{colour}", {"size": str(size), "colour": colour}, in_stock)


# one ring in sizes 7-23 and two colours, as the shop sells it
RINGS = [ring(size, colour) for size in range(7, 24) for colour in ("black", "blue")]


def test_a_ring_that_is_too_small_offers_the_next_size_first_and_only_larger_ones() -> None:
    chosen = picker({"size": "15", "colour": "black"}, "too_small", RINGS)
    size, colour = chosen.groups
    assert size.key == "size" and size.values[0] == "16" and size.chosen == "16"
    assert size.values == [str(n) for n in range(16, 24)]  # none of 7-15
    assert chosen.suggestion is not None and chosen.suggestion.sku == "RING-16-black"
    # the colour is a choice of its own, the one they have first and checked
    assert (colour.key, colour.values, colour.chosen) == ("colour", ["black", "blue"], "black")
    assert chosen.no_size_left is None


def test_too_large_offers_only_smaller_sizes_nearest_first() -> None:
    chosen = picker({"size": "10", "colour": "blue"}, "too_large", RINGS)
    assert chosen.groups[0].values == ["9", "8", "7"]
    assert chosen.suggestion is not None and chosen.suggestion.sku == "RING-9-blue"


def test_sizes_out_of_stock_are_not_offered() -> None:
    stock = [ring(9, in_stock=False), ring(10), ring(11)]
    chosen = picker({"size": "8", "colour": "black"}, "too_small", stock)
    assert chosen.groups[0].values == ["10", "11"]
    assert chosen.suggestion is not None and chosen.suggestion.sku == "RING-10-black"


def test_the_largest_size_says_there_is_no_larger_one() -> None:
    chosen = picker({"size": "23", "colour": "black"}, "too_small", RINGS)
    assert chosen.no_size_left == "larger"
    assert [g.key for g in chosen.groups] == ["colour"]  # another colour is still possible
    assert chosen.suggestion is None


def test_a_watch_in_one_size_too_small_is_told_so_and_offered_no_exchange() -> None:
    chosen = picker({"case_size": "41"}, "too_small", [])
    assert chosen.groups == [] and chosen.no_size_left == "larger"


def test_another_reason_offers_every_size_own_size_first() -> None:
    chosen = picker({"size": "12", "colour": "black"}, "changed_mind", RINGS)
    assert chosen.groups[0].values[:3] == ["12", "11", "13"]
    assert chosen.groups[0].chosen is None and chosen.no_size_left is None


def test_a_size_and_a_colour_resolve_to_one_variant_in_stock() -> None:
    current = {"size": "15", "colour": "black"}
    found = resolve(current, {"size": "17", "colour": "blue"}, RINGS)
    assert found is not None and found.sku == "RING-17-blue"
    assert resolve(current, {"size": "99", "colour": "blue"}, RINGS) is None
    sold_out = [ring(17, "blue", in_stock=False)]
    assert resolve(current, {"size": "17", "colour": "blue"}, sold_out) is None
