"""The simulator page's words for a draft policy and for what a simulation found: reading the
JSON a merchant typed (field errors named as the API names them, `policy.<path>`), the
published and the draft figures side by side with their differences, a line's outcome in a
sentence, and what publishing the draft changes. Pure: values in, words out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from babel.numbers import format_decimal

from returns_service.domain.errors import DomainError
from returns_service.domain.money import Money
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.simulation.schemas import (
    LineOutcomeView,
    PolicyFigures,
)
from returns_service.web.i18n import Translator

_AT_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
FIGURES = ("eligible_lines", "expected_returns", "refunds", "credits", "fees", "exposure")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


def pretty(policy: ReturnPolicy) -> str:
    """The policy as the textarea shows it: every field, indented."""
    return msgspec.json.format(msgspec.json.encode(policy), indent=2).decode()


def read_draft(text: str) -> tuple[ReturnPolicy | None, list[FieldError]]:
    """The draft typed into the page, or what is wrong with it (the body of the API's 400/422
    for the same document, field by field)."""
    try:
        return msgspec.json.decode(text.encode(), type=ReturnPolicy), []
    except msgspec.ValidationError as error:
        match = _AT_PATH.match(str(error))
        message = match.group("message") if match else str(error)
        path = (match.group("path") if match else "") or ""
        return None, [FieldError("policy" + path, message)]
    except msgspec.DecodeError as error:
        return None, [FieldError("policy", f"not valid JSON: {error}")]


def domain_errors(error: DomainError) -> list[FieldError]:
    """A 422's field errors: the list the problem carries, else its one field and detail."""
    listed = error.extra.get("errors")
    if isinstance(listed, list) and listed:
        return [
            FieldError(str(e.get("field", "")), str(e.get("message", error.detail)))
            for e in listed
            if isinstance(e, dict)
        ]
    return [FieldError(str(error.extra.get("field", "")), error.detail)]


@dataclass(frozen=True)
class FigureRow:
    label: str
    published: str
    draft: str
    difference: str  # "" when the two agree
    changed: bool


def _number(value: float, t: Translator) -> str:
    return format_decimal(value, "#,##0.#", locale=t.locale)


def _signed_number(value: float, t: Translator) -> str:
    return ("+" if value > 0 else "") + _number(value, t)


def _amounts(moneys: Sequence[Money], t: Translator) -> str:
    return " · ".join(t.money(m) for m in moneys) or "—"


def _money_difference(
    published: Sequence[Money], draft: Sequence[Money], t: Translator
) -> list[str]:
    before = {m.currency: m.amount for m in published}
    after = {m.currency: m.amount for m in draft}
    shown = []
    for currency in sorted(before.keys() | after.keys()):
        delta = after.get(currency, 0) - before.get(currency, 0)
        if delta:
            shown.append(("+" if delta > 0 else "-") + t.money(Money(abs(delta), currency)))
    return shown


def figure_rows(published: PolicyFigures, draft: PolicyFigures, t: Translator) -> list[FigureRow]:
    rows = []
    for name in FIGURES:
        before, after = getattr(published, name), getattr(draft, name)
        label = t(f"insights.sim.figure.{name}")
        if isinstance(before, list):
            differences = _money_difference(before, after, t)
            rows.append(
                FigureRow(
                    label,
                    _amounts(before, t),
                    _amounts(after, t),
                    " · ".join(differences),
                    bool(differences),
                )
            )
        else:
            delta = after - before
            rows.append(
                FigureRow(
                    label,
                    _number(before, t),
                    _number(after, t),
                    _signed_number(delta, t) if delta else "",
                    bool(delta),
                )
            )
    return rows


def outcome_text(outcome: LineOutcomeView, t: Translator) -> list[str]:
    """What the portal answers for a line under one policy, as short phrases."""
    days = str(outcome.window_days)
    if outcome.eligible and outcome.return_by is not None:
        parts = [t("insights.sim.returnable_until", date=outcome.return_by, days=days)]
    elif outcome.eligible:
        parts = [t("insights.sim.returnable", days=days)]
    else:
        parts = [t("insights.sim.not_returnable", days=days)]
    parts += [t("insights.sim.fee", label=fee.label, amount=fee.amount) for fee in outcome.fees]
    if outcome.keep_it:
        parts.append(t("insights.sim.keep_it"))
    if outcome.review:
        parts.append(t("insights.sim.review"))
    if outcome.eligible and outcome.resolutions:
        offered = ", ".join(t(f"resolution.{r}") or r for r in outcome.resolutions)
        parts.append(t("insights.sim.offers", resolutions=offered))
    return parts


@dataclass(frozen=True)
class Difference:
    """One field of the policy the draft changes: its value before and after, or, for a list
    (rules, reasons...), the entries it adds and removes."""

    field: str
    before: str
    after: str
    added: list[str]
    removed: list[str]


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def differences(published: ReturnPolicy, draft: ReturnPolicy) -> list[Difference]:
    found = []
    for name in ReturnPolicy.__struct_fields__:
        before = msgspec.to_builtins(getattr(published, name))
        after = msgspec.to_builtins(getattr(draft, name))
        if before == after:
            continue
        lists = isinstance(before, list | tuple) and isinstance(after, list | tuple)
        added = [_json(e) for e in after if e not in before] if lists else []
        removed = [_json(e) for e in before if e not in after] if lists else []
        if added or removed:
            found.append(Difference(name, "", "", added, removed))
        else:  # a value, or a list put in another order (the last matching rule wins)
            found.append(Difference(name, _json(before), _json(after), [], []))
    return found
