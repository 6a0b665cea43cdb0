"""How the queue's search box is read (services/cases/search.py), and when a first answer is
overdue (domain/cases.py): pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from returns_service.domain.cases import CaseStatus, first_response_overdue
from returns_service.domain.errors import InvalidRequest
from returns_service.services.cases.search import case_search


def test_one_query_is_read_as_every_key() -> None:
    found = case_search("  Ana   Pop ")
    assert found is not None
    assert found.case_number == "R-ANA POP"
    assert found.order_number == "Ana Pop"
    assert found.exact_email == "ana pop"
    assert found.email == ("ana pop", "ana poq")  # the beginning of an address
    assert found.name_query == "ana:* & pop:*"
    assert found.tracking_numbers == ["ANA POP", "ANAPOP", "Ana Pop"]


def test_case_and_order_numbers_as_people_type_them() -> None:
    assert case_search("r-7kq2mz").case_number == "R-7KQ2MZ"  # type: ignore[union-attr]
    assert case_search("7kq2mz").case_number == "R-7KQ2MZ"  # type: ignore[union-attr]
    assert case_search("#1001").order_number == "1001"  # type: ignore[union-attr]


def test_emails_numbers_and_short_queries_are_not_names() -> None:
    email = case_search("Ana@Example.com")
    assert email is not None and email.name_query is None
    assert email.email == ("ana@example.com", "ana@example.con")
    number = case_search("1Z 999 AA1")
    assert number is not None and number.name_query is None  # every word has a digit
    assert "1Z999AA1" in number.tracking_numbers
    short = case_search("an")
    assert short is not None and short.email is None and short.exact_email == "an"
    assert case_search("O'Brien-Smith").name_query == "o:* & brien:* & smith:*"  # type: ignore[union-attr]
    assert case_search("ștefan").name_query == "ștefan:*"  # type: ignore[union-attr]


def test_blank_is_no_search_and_too_long_is_refused() -> None:
    assert case_search("   ") is None
    with pytest.raises(InvalidRequest):
        case_search("x" * 201)


def test_overdue_needs_an_open_unanswered_case_past_its_due_time() -> None:
    due = datetime(2026, 8, 10, 17, tzinfo=UTC)
    before, at = due - timedelta(seconds=1), due
    requested = CaseStatus.REQUESTED
    assert not first_response_overdue(requested, due, None, before)
    assert first_response_overdue(requested, due, None, at)
    assert not first_response_overdue(requested, due, due - timedelta(hours=1), at)  # answered
    assert not first_response_overdue(CaseStatus.CANCELLED, due, None, at)  # nobody waits
    assert not first_response_overdue(requested, None, None, at)  # no due time kept
