from __future__ import annotations

import base64
import hashlib
import hmac
import itertools

import pytest

from returns_service.adapters.csv_orders import orders_from_csv
from returns_service.adapters.shopify import order_from_shopify, verify_hmac
from returns_service.domain.cases import CaseStatus, IllegalTransition, check_transition
from returns_service.domain.errors import InvalidRequest
from returns_service.domain.money import Money, money_from_decimal


@pytest.mark.parametrize(
    ("text", "currency", "amount"),
    [("25.00", "USD", 2500), ("0.5", "EUR", 50), ("1500", "JPY", 1500), ("1.234", "KWD", 1234)],
)
def test_decimal_prices_become_minor_units(text: str, currency: str, amount: int) -> None:
    assert money_from_decimal(text, currency) == Money(amount, currency)


@pytest.mark.parametrize(("text", "currency"), [("25.001", "USD"), ("-1", "USD"), ("1.5", "JPY")])
def test_impossible_prices_are_refused(text: str, currency: str) -> None:
    with pytest.raises(ValueError):
        money_from_decimal(text, currency)


def test_money_refuses_to_mix_currencies() -> None:
    with pytest.raises(ValueError):
        Money(100, "USD") + Money(100, "EUR")


def test_case_moves_only_along_legal_transitions() -> None:
    check_transition(CaseStatus.REQUESTED, CaseStatus.APPROVED)
    with pytest.raises(IllegalTransition):
        check_transition(CaseStatus.CLOSED, CaseStatus.APPROVED)
    with pytest.raises(IllegalTransition):
        check_transition(CaseStatus.IN_TRANSIT, CaseStatus.CANCELLED)


SHOPIFY_ORDER = {
    "id": 820982911946154508,
    "name": "#1001",
    "email": "Jon@Example.com",
    "created_at": "2026-08-01T10:00:00-04:00",
    "currency": "USD",
    "customer_locale": "ro-RO",
    "customer": {"email": "jon@example.com", "first_name": "Jon", "last_name": "Snow"},
    "shipping_address": {
        "address1": "1 Main St",
        "city": "Santa Ana",
        "province_code": "CA",
        "zip": "92701",
        "country_code": "US",
    },
    "line_items": [
        {"id": 1, "sku": "RING-8-BLK", "quantity": 2, "price": "25.00", "product_id": 77},
        {"id": 2, "sku": "", "variant_id": 99, "quantity": 1, "price": "10.50"},
    ],
    "fulfillments": [
        {
            "shipment_status": "delivered",
            "updated_at": "2026-08-05T15:00:00Z",
            "line_items": [{"id": 1}],
        }
    ],
}


def test_shopify_order_maps_to_our_document() -> None:
    doc = order_from_shopify(SHOPIFY_ORDER)
    assert doc.shop_order_id == "820982911946154508"
    assert doc.number == "1001"
    assert doc.customer.language == "ro"
    assert doc.customer.country == "US"
    first, second = doc.lines
    assert (first.sku, first.quantity, first.unit_price) == ("RING-8-BLK", 2, Money(2500, "USD"))
    assert first.product_id == "77"
    assert first.delivered_at is not None and first.delivered_at.isoformat().startswith(
        "2026-08-05"
    )
    assert second.sku == "SHOPIFY-99" and second.delivered_at is None
    assert second.unit_price == Money(1050, "USD")


def test_shopify_order_without_line_items_is_refused() -> None:
    with pytest.raises(InvalidRequest):
        order_from_shopify({**SHOPIFY_ORDER, "line_items": []})


def test_shopify_hmac() -> None:
    body = b'{"id": 1}'
    good = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
    assert verify_hmac("s3cret", body, good)
    assert not verify_hmac("s3cret", body + b" ", good)
    assert not verify_hmac("s3cret", body, None)
    assert not verify_hmac("", body, good)


CSV = """shop_order_id,number,placed_at,currency,email,first_name,last_name,language,country,shop_line_id,sku,product_id,quantity,unit_price,final_sale,delivered_at
5001,1001,2026-08-01T10:00:00Z,USD,ana@example.com,Ana,Pop,ro,US,1,RING-8-BLK,ring,2,25.00,false,2026-08-05T15:00:00Z
5001,1001,2026-08-01T10:00:00Z,USD,ana@example.com,Ana,Pop,ro,US,2,WATCH-41-BLK,watch,1,395.00,yes,
5002,1002,2026-08-02T10:00:00Z,USD,bo@example.com,Bo,Li,en,US,1,RING-9-BLK,ring,1,25.00,,
"""


def test_csv_rows_group_into_orders() -> None:
    orders = orders_from_csv(CSV)
    assert [o.number for o in orders] == ["1001", "1002"]
    assert len(orders[0].lines) == 2
    assert orders[0].lines[1].final_sale is True
    assert orders[0].lines[1].delivered_at is None
    assert orders[0].lines[1].unit_price == Money(39500, "USD")


def test_csv_names_the_bad_row() -> None:
    bad = CSV.replace("2,25.00,false", "two,25.00,false")
    with pytest.raises(InvalidRequest, match="row 2"):
        orders_from_csv(bad)
    with pytest.raises(InvalidRequest, match="columns"):
        orders_from_csv("number,email\n1,a@b.c\n")


def test_every_status_has_its_moves_and_nothing_else() -> None:
    from returns_service.domain.cases import TRANSITIONS

    legal = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    for current in CaseStatus:
        for target in CaseStatus:
            if (current, target) in legal:
                check_transition(current, target)
            else:
                with pytest.raises(IllegalTransition):
                    check_transition(current, target)
    # the happy path is legal end to end
    path = ["requested", "approved", "in_transit", "received", "inspected", "resolved", "closed"]
    for a, b in itertools.pairwise(path):
        check_transition(CaseStatus(a), CaseStatus(b))
    # terminal statuses go nowhere
    assert TRANSITIONS[CaseStatus.CLOSED] == frozenset()
    assert TRANSITIONS[CaseStatus.CANCELLED] == frozenset()


def test_case_numbers_use_an_unambiguous_alphabet() -> None:
    from returns_service.domain.cases import new_case_number

    numbers = {new_case_number() for _ in range(2000)}
    assert len(numbers) == 2000
    for number in numbers:
        assert number.startswith("R-") and len(number) == 8
        assert not set(number[2:]) & set("01OIL")


def test_macros_fill_known_placeholders_and_refuse_unknown_ones() -> None:
    from returns_service.domain.macros import check_macro, render

    body = "Hi {{customer.first_name}}, {{ case.number }} is with {{agent.display_name}}."
    check_macro(body)
    assert render(body, {"customer.first_name": "Ana", "case.number": "R-ABC234"}) == (
        "Hi Ana, R-ABC234 is with ."
    )
    # a value is inserted as text, never interpreted again
    assert render("{{customer.first_name}}", {"customer.first_name": "{{case.number}}"}) == (
        "{{case.number}}"
    )
    with pytest.raises(InvalidRequest, match="unknown placeholders"):
        check_macro("Hi {{customer.password}}")


def test_emails_fall_back_to_english() -> None:
    from returns_service.domain.emails import EmailTemplate, render_email
    from returns_service.translation import Translator

    ro = render_email(
        EmailTemplate.CASE_APPROVED,
        Translator("ro"),
        first_name="Ana",
        case_number="R-X",
        agent="Sam",
    )
    assert ro.language == "ro" and "aprobat" in ro.subject and "Sam" in ro.body
    de = render_email(
        EmailTemplate.CASE_APPROVED,
        Translator("de-AT"),
        first_name="Jo",
        case_number="R-X",
        agent="Sam",
    )
    assert de.language == "en" and "approved" in de.subject


def test_the_next_size_keeps_the_colour_and_skips_sold_out_sizes() -> None:
    from returns_service.domain.exchanges import Candidate, next_size

    current = {"size": "8", "colour": "black"}
    candidates = [
        Candidate("R-7-B", {"size": "7", "colour": "black"}, True),
        Candidate("R-9-B", {"size": "9", "colour": "black"}, False),  # sold out
        Candidate("R-9-N", {"size": "9", "colour": "navy"}, True),  # another colour
        Candidate("R-10-B", {"size": "10", "colour": "black"}, True),
        Candidate("R-11-B", {"size": "11", "colour": "black"}, True),
    ]
    assert next_size(current, "too_small", candidates).sku == "R-10-B"  # type: ignore[union-attr]
    assert next_size(current, "too_large", candidates).sku == "R-7-B"  # type: ignore[union-attr]
    assert next_size(current, "changed_mind", candidates) is None
    assert next_size({"colour": "black"}, "too_small", candidates) is None


def test_every_email_exists_in_all_five_languages_and_fills_every_field() -> None:
    from returns_service.domain.emails import EmailTemplate, render_email
    from returns_service.translation import LANGUAGES, Translator

    fields = dict(
        first_name="Ana",
        case_number="R-ABC234",
        agent="Sam",
        store="Shop",
        link="https://x/portal",
        message="Hi",
        reason="engraved",
        detail="D",
        extra="E",
    )
    for template in EmailTemplate:
        for language in LANGUAGES:
            email = render_email(template, Translator(language), **fields)
            assert email.language == language
            assert (
                "{" not in email.subject + email.body and "R-ABC234" in email.subject + email.body
            )
