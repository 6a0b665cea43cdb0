"""What an agent types in the queue's search box, read as every key a case can be found by:
its number (with or without "R-", any case), the order number ("#1001" too), the customer's
email (exact, or its beginning from 3 characters), the customer's name (every word typed is
the beginning of a word of the first or last name; accents count as typed) or a tracking
number (our labels', voided ones too, the customer's own, a replacement's). One query
string, all keys at once: the agent need not say which one they typed."""

from __future__ import annotations

import re

from returns_service.domain.errors import InvalidRequest
from returns_service.domain.text import prefix_range
from returns_service.services.cases.queries import CaseSearch

MAX_QUERY = 200  # longer than any key (an email is matched from its beginning)
EMAIL_PREFIX_MIN = 3  # a shorter beginning would match most of the store's customers
MAX_NAME_WORDS = 6
# a word as PostgreSQL's text-search parser splits a name ('simple' configuration): letters
# and digits of any script; "O'Brien" and "Smith-Jones" are two words each
_WORD = re.compile(r"[^\W_]+")


def case_search(q: str) -> CaseSearch | None:
    """The keys `q` is looked up as; None for a query of white space only (no search)."""
    if len(q) > MAX_QUERY:
        raise InvalidRequest(f"a search is at most {MAX_QUERY} characters", field="q")
    text = " ".join(q.split())  # stray spaces typed or pasted around a key
    if not text:
        return None
    upper, lowered = text.upper(), text.lower()
    compact = "".join(upper.split())  # "1Z 999 AA1" as a carrier prints it
    # a name's words: not an email's, and none with a digit (an order or tracking number)
    words = [w for w in _WORD.findall(lowered) if not any(ch.isdigit() for ch in w)]
    words = words[:MAX_NAME_WORDS] if "@" not in text else []
    return CaseSearch(
        case_number=upper if upper.startswith("R-") else f"R-{upper}",
        order_number=text.removeprefix("#"),
        email=prefix_range(lowered) if len(lowered) >= EMAIL_PREFIX_MIN else None,
        exact_email=lowered,
        # the words are letters and digits only: nothing in them is tsquery syntax
        name_query=" & ".join(f"{word}:*" for word in words) or None,
        tracking_numbers=sorted({text, upper, compact}),
    )
