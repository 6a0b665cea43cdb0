"""Simulating a draft policy against the published one over the lines delivered in a range
(docs/simulator.md): the lines are read as groups (services/simulation/queries.py), each
distinct group is judged once per policy (domain/simulation.py), and example lines are read
only for the groups whose outcome changes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec

from returns_service.domain.access import Caller
from returns_service.domain.errors import InvalidRequest
from returns_service.domain.money import Money
from returns_service.domain.policy import ReturnPolicy
from returns_service.domain.simulation import (
    ALL,
    HALF_LIFE_DAYS,
    TAIL_DAYS,
    History,
    LineGroup,
    Outcome,
    Simulator,
    build_history,
    differing_rules,
    rounded,
)
from returns_service.services.cases.decision_text import explain
from returns_service.services.platform.runtime import Runtime
from returns_service.services.simulation import queries
from returns_service.services.simulation.schemas import (
    Assumptions,
    CategoryCurve,
    Change,
    ChangedRule,
    Fee,
    LineOutcomeView,
    PolicyFigures,
    SimulationResult,
)
from returns_service.services.store.policy import check_policy_document, get_policy_version
from returns_service.services.store.stores import get_store
from returns_service.translation import Translator

MAX_DAYS = 366
HISTORY_DAYS = 365
EXAMPLES = 50
NOTES = [
    "expected returns: each eligible unit times its category's share of delivered units "
    "returned within the line's window (days since delivery), from this store's own history",
    "money: the category's observed mix of reasons and resolutions applied to the expected "
    "units, each side's rules giving fees and bonus credit per unit; refunds are net of fees, "
    "credits include bonus credit; one amount per currency, never added across currencies",
    "exposure: the price of the replacements an exchange would ship before the original is "
    "back (advance_exchange on_request or on_first_scan), before the open-value cap",
    "not simulated: the return-shipping fee (per case), rules on the customer's return "
    "history (treated as not matching), units already returned on a line",
]

# What a simulation reads that no draft changes is kept between simulations: the history per
# (store, today, published version), the line groups per (store, range, grouping, today).
# Each is read again when its mark moved by more than a hundredth (queries.history_mark: the
# newest timeline event and order line), so a lead trying draft after draft on a big store
# waits for the database once, and a small store (or a test) sees every new return at once.
Mark = tuple[int, int]
_histories: dict[tuple[Any, ...], tuple[Mark, History, list[CategoryCurve]]] = {}
_groups: dict[tuple[Any, ...], tuple[Mark, list[Any]]] = {}
KEPT = 32  # entries per cache; beyond, the cache starts again empty


def _fresh(then: Mark, now: Mark) -> bool:
    return all(0 <= b - a <= a // 100 for a, b in zip(then, now, strict=True))


def check_range(start: date, end: date) -> None:
    if end < start:
        raise InvalidRequest("`to` is before `from`", field="to")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidRequest(f"at most {MAX_DAYS} days from `from` to `to`", field="to")


def check_draft(draft: ReturnPolicy) -> None:
    """The same checks as PUT /policy, the fields named inside the request (`policy.`)."""
    try:
        check_policy_document(draft)
    except InvalidRequest as error:
        extra = dict(error.extra)
        if "field" in extra:
            extra["field"] = f"policy.{extra['field']}"
        if "errors" in extra:
            extra["errors"] = [{**e, "field": f"policy.{e['field']}"} for e in extra["errors"]]
        raise type(error)(error.detail, **extra) from error


async def simulate(
    caller: Caller, draft: ReturnPolicy, start: date, end: date, rt: Runtime
) -> SimulationResult:
    check_range(start, end)
    check_draft(draft)
    store = await get_store(caller.store_id)
    tz = store.tz
    today = rt.clock.now().astimezone(tz).date()
    version, published = await get_policy_version(caller.store_id)
    lo = datetime.combine(start, time(), tz)
    hi = datetime.combine(end + timedelta(days=1), time(), tz)
    with_order = _reads_order(published) or _reads_order(draft)
    mark = await queries.history_mark()
    history, curves = await _history(
        caller.store_id, today, store.timezone, version, published, mark
    )
    rows = await _line_groups(caller.store_id, (lo, hi, store.timezone, with_order, today), mark)
    sides = Simulator(published, history, today), Simulator(draft, history, today)
    changed: list[tuple[LineGroup, Outcome, Outcome]] = []
    changed_lines = 0
    for row in rows:
        group = _group(row)
        for side in sides:
            side.add(group)
        before, after = sides[0].outcome(group), sides[1].outcome(group)
        if not before.same_as(after):
            changed.append((group, before, after))
            changed_lines += group.lines
    changed.sort(key=lambda c: (c[0].delivered, c[0].sku), reverse=True)
    return SimulationResult(
        from_=start,
        to=end,
        published_version=version,
        published=_figures(sides[0]),
        draft=_figures(sides[1]),
        changes=await _examples(caller.store_id, store.timezone, changed),
        changed_lines=changed_lines,
        assumptions=Assumptions(
            history_from=today - timedelta(days=HISTORY_DAYS),
            history_to=today,
            tail_days=TAIL_DAYS,
            half_life_days=HALF_LIFE_DAYS,
            curves=curves,
            notes=NOTES,
        ),
    )


def _reads_order(policy: ReturnPolicy) -> bool:
    """Whether a rule reads what only the order and the customer know."""
    return policy.window_starts == "order" or any(
        r.when is not None
        and (
            r.when.country is not None
            or r.when.customer_tags is not None
            or r.when.order_total_at_least is not None
        )
        for r in policy.rules
    )


def _group(row: Any) -> LineGroup:
    return LineGroup(
        category=row["category"],
        sku=row["sku"],
        product_id=row["product_id"],
        final_sale=row["final_sale"],
        delivered=row["delivered"],
        placed=row["placed"],
        unit_price=row["unit_price_amount"],
        currency=row["currency"],
        units=int(row["units"]),
        lines=int(row["lines"]),
        country=row["country"],
        customer_tags=tuple(msgspec.json.decode(row["tags"])) if row["tags"] else (),
        order_total=row["order_total"],
    )


def _figures(side: Simulator) -> PolicyFigures:
    f = side.figures
    return PolicyFigures(
        eligible_lines=f.eligible_lines,
        expected_returns=round(f.expected_returns, 1),
        refunds=rounded(f.refunds),
        credits=rounded(f.credits),
        fees=rounded(f.fees),
        exposure=rounded(f.exposure),
    )


async def _line_groups(store_id: int, key: tuple[Any, ...], mark: Mark) -> list[Any]:
    cached = _groups.get((store_id, *key))
    if cached is not None and _fresh(cached[0], mark):
        return cached[1]
    lo, hi, tz, with_order, _ = key
    rows = await queries.line_groups(store_id, lo, hi, tz, with_order)
    if len(_groups) >= KEPT:
        _groups.clear()
    _groups[(store_id, *key)] = (mark, rows)
    return rows


async def _history(
    store_id: int,
    today: date,
    tz: str,
    version: int | None,
    published: ReturnPolicy,
    mark: Mark,
) -> tuple[History, list[CategoryCurve]]:
    key = (store_id, today, version)
    cached = _histories.get(key)
    if cached is not None and _fresh(cached[0], mark):
        return cached[1], cached[2]
    since = datetime.combine(
        today - timedelta(days=HISTORY_DAYS), time(), (await get_store(store_id)).tz
    )
    delivered = [
        (r["category"], int(r["age"]), int(r["units"]))
        for r in await queries.delivered_history(store_id, since, today, tz)
    ]
    returned_rows = await queries.returned_history(store_id, since, tz)
    returned = [(r["category"], int(r["day"]), int(r["units"])) for r in returned_rows]
    mix = [(r["category"], r["reason"], r["resolution"], int(r["units"])) for r in returned_rows]
    history = build_history(delivered, returned, mix, published)
    curves = []
    for category in sorted(history.curves, key=lambda c: (c == ALL, c)):
        curve = history.curves[category]
        curves.append(
            CategoryCurve(
                category=category,
                delivered_units=sum(u for c, _, u in delivered if c == category or category == ALL),
                returned_units=sum(u for c, _, u in returned if c == category or category == ALL),
                covered_days=curve.covered_days,
                share_30_days=round(curve.share(30), 4),
                share_90_days=round(curve.share(90), 4),
                share_365_days=round(curve.share(365), 4),
                tail_daily_rate=round(curve.tail_rate, 6),
            )
        )
    if len(_histories) >= KEPT:
        _histories.clear()
    _histories[key] = (mark, history, curves)
    return history, curves


def _view(o: Outcome, currency: str) -> LineOutcomeView:
    return LineOutcomeView(
        eligible=o.eligible,
        return_by=o.return_by,
        window_days=o.window_days,
        fees=[Fee(label, Money(amount, currency)) for label, amount in o.fees],
        keep_it=o.keep_it,
        review=o.review,
        resolutions=list(o.resolutions),
    )


async def _examples(
    store_id: int,
    tz: str,
    changed: list[tuple[LineGroup, Outcome, Outcome]],
) -> list[Change]:
    """Up to EXAMPLES lines of the changed groups, newest delivery first."""
    if not changed:
        return []
    first = changed[:EXAMPLES]  # every group holds a line at least
    rows = await queries.example_lines(
        store_id,
        tz,
        [g.sku for g, _, _ in first],
        [g.delivered for g, _, _ in first],
        EXAMPLES * 4,  # a few lines of a pair may belong to another group (price, final sale)
    )
    by_key = {_key_of(c[0].sku, c[0].delivered, c[0].unit_price, c[0].final_sale): c for c in first}
    english = Translator("en")
    changes: list[Change] = []
    for row in rows:
        key = _key_of(row["sku"], row["delivered"], row["unit_price_amount"], row["final_sale"])
        found = by_key.get(key)
        if found is None:
            continue
        group, before, after = found
        changes.append(
            Change(
                order_number=row["order_number"],
                line_id=row["line_id"],
                sku=row["sku"],
                delivered_on=row["delivered"],
                published=_view(before, group.currency),
                draft=_view(after, group.currency),
                rules=[
                    ChangedRule(
                        policy=side,  # type: ignore[arg-type]
                        index=rule.index,
                        text=explain(english, rule),
                        effect=rule.effect,
                        matched_on=rule.matched_on,
                    )
                    for side, rule in differing_rules(before, after)
                ],
            )
        )
        if len(changes) == EXAMPLES:
            break
    return changes


def _key_of(sku: str, delivered: date, price: int, final_sale: bool) -> tuple[Any, ...]:
    return (sku, delivered, price, final_sale)
