"""Canned replies with placeholders such as {{customer.first_name}} or {{case.number}}.

Rendering only substitutes known names with plain text; nothing in a macro is evaluated, so
a macro cannot reach anything but the values offered here.
"""

from __future__ import annotations

import re

from returns_service.domain.errors import InvalidRequest

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)*)\s*\}\}")

PLACEHOLDERS = frozenset(
    {
        "customer.first_name",
        "customer.last_name",
        "customer.email",
        "case.number",
        "case.status",
        "order.number",
        "agent.display_name",
        "store.name",
        "label.url",
        "label.tracking_number",
        "case.url",
    }
)


def unknown_placeholders(body: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(body) if name not in PLACEHOLDERS})


def check_macro(body: str) -> None:
    if unknown := unknown_placeholders(body):
        raise InvalidRequest(
            "unknown placeholders: " + ", ".join("{{" + u + "}}" for u in unknown),
            field="body",
            allowed=sorted(PLACEHOLDERS),
        )


def render(body: str, values: dict[str, str]) -> str:
    """Fill the placeholders; a value the case does not have yet (e.g. no label) becomes ''."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), body)
