"""The pure rules of a privacy request: which addresses are never written to, and how a
webhook's body (the case as agents saw it) is scrubbed of the customer while keeping its
shape, so a delivery still due is still read by its receiver."""

from __future__ import annotations

from typing import Any

from returns_service.domain.privacy import (
    REDACTED,
    personal_terms,
    scrub_webhook_body,
    undeliverable,
)


def test_redacted_and_reserved_invalid_addresses_are_undeliverable() -> None:
    assert undeliverable("redacted-7@redacted.invalid")
    assert undeliverable("someone@INVALID")
    assert undeliverable("x@shop.invalid.")
    assert not undeliverable("ana@example.com")
    assert not undeliverable("ana@invalid.example.com")  # only the top-level domain counts


def _body(kind: str = "case.rejected") -> dict[str, Any]:
    return {
        "type": kind,
        "timestamp": "2026-11-30T10:00:00Z",
        "data": {
            "case": {
                "number": "R-1001-1",
                "comment": "Call me on 0722 111 222",
                "reject_reason": "Worn at a wedding",
                "customer": {"email": "ana@example.com", "name": "Ana Pop", "country": "RO"},
                "timeline": [
                    {
                        "kind": "status",
                        "to_status": "rejected",
                        "params": {"reason": "Worn at a wedding"},
                        "text": "Rejected: Worn at a wedding",
                    },
                    {"kind": "rating", "params": {"rating": 2}, "detail": "too tight", "text": ""},
                    {"kind": "assigned", "params": {"agent": "Ioana"}, "actor": "Ana Pop"},
                ],
                "items": [{"sku": "WATCH-41-BLK", "quantity": 1}],
            },
            "message": {"author": "customer", "author_name": "Ana", "body": "1 Main St"},
        },
    }


def test_a_webhook_body_loses_the_customer_and_keeps_the_event() -> None:
    terms = personal_terms("ana@example.com", "Ana", "Pop", [{"line1": "1 Main St"}])
    body = scrub_webhook_body(_body(), terms, "redacted-1@redacted.invalid")
    case = body["data"]["case"]
    assert case["customer"] == {
        "email": "redacted-1@redacted.invalid",
        "name": "",
        "country": "RO",
    }
    assert (case["comment"], case["reject_reason"]) == (REDACTED, REDACTED)
    rejected, rating, assigned = case["timeline"]
    assert rejected["params"] == {"reason": REDACTED}
    assert rejected["text"] == f"Rejected: {REDACTED}"
    assert rating["detail"] == REDACTED and rating["params"] == {"rating": 2}
    assert assigned["actor"] == REDACTED and assigned["params"] == {"agent": "Ioana"}
    assert body["data"]["message"] == {
        "author": "customer",
        "author_name": REDACTED,
        "body": REDACTED,
    }
    # what the receiver acts on stays
    assert (body["type"], case["number"], case["items"]) == (
        "case.rejected",
        "R-1001-1",
        [{"sku": "WATCH-41-BLK", "quantity": 1}],
    )
    # scrubbing again changes nothing more
    assert scrub_webhook_body(body, terms, "redacted-1@redacted.invalid") == body


def test_a_case_level_redaction_scrubs_the_customer_by_their_words() -> None:
    terms = personal_terms("ana@example.com", "Ana", "Pop")
    case = scrub_webhook_body(_body(), terms)["data"]["case"]
    assert case["customer"]["email"] == REDACTED and case["customer"]["name"] == REDACTED
