"""The returns report over months of history answers from a daily rollup: per past day (in
the store's time zone), the finest-grain figures of queries.FINE_DELIVERED/FINE_RETURNED,
written by the worker (`roll_up`). A day is read from the rollup only while it is rolled up
and clean; triggers on every table the figures read mark a day dirty when its history
changes (migration 2026-11-30T15:27:33), and today, dirty days and days never rolled up are
read live with the same statements. So the figures are the plain definition's, whichever
way each day is read (tests/integration/analytics/test_rollup.py checks that)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from returns_service.db import sql
from returns_service.db.engine import DB
from returns_service.db.tables import Store
from returns_service.services.analytics import queries
from returns_service.services.platform.runtime import Runtime

log = logging.getLogger(__name__)

DAYS_PER_PASS = 31
OUTCOME_PARTS = (
    "counts",
    "mix",
    "money",
    "times",
    "ratings",
    "fit",
)  # a worker pass rolls up at most a month: a new store catches up in passes


@dataclass(frozen=True, slots=True)
class Facts:
    """The returns figures of a range at their finest grain (rows of FINE_DELIVERED and
    FINE_RETURNED, summed over its days)."""

    delivered: list[sql.Row]
    returned: list[sql.Row]


def day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz)


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Contiguous runs of days, as (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


async def returns_facts(store_id: int, tz: ZoneInfo, first: date, last: date) -> Facts:
    """The range's figures: clean rolled-up days from the rollup, every other day live."""
    clean = await queries.clean_days(store_id, first, last)
    every = {first + timedelta(days=n) for n in range((last - first).days + 1)}
    delivered: list[sql.Row] = []
    returned: list[sql.Row] = []
    if clean:
        delivered += await queries.rolled_delivered(store_id, clean)
        returned += await queries.rolled_returned(store_id, clean)
    for start, end in _runs(every - set(clean)):
        after = day_start(end + timedelta(days=1), tz)
        delivered += await queries.fine_delivered(store_id, day_start(start, tz), after)
        returned += await queries.fine_returned(store_id, day_start(start, tz), after)
    return Facts(delivered, returned)


async def roll_up(rt: Runtime, limit: int = DAYS_PER_PASS) -> int:
    """Roll up the past days never rolled up or dirty since, oldest first; one transaction
    per day. Returns how many days were rolled up."""
    done = 0
    for store in await Store.select(Store.id, Store.timezone):
        tz = ZoneInfo(store["timezone"])
        today = rt.clock.now().astimezone(tz).date()
        for day in await queries.days_to_roll(store["id"], store["timezone"], today, limit):
            async with DB.transaction():
                await queries.roll_day(
                    store["id"],
                    day,
                    day_start(day, tz),
                    day_start(day + timedelta(days=1), tz),
                    rt.clock.now(),
                )
            done += 1
    return done


async def run(rt: Runtime) -> int:
    """The worker's pass: a failure is logged and retried on the next pass, never stops the
    rest of the worker (the reports read the days live meanwhile)."""
    try:
        return await roll_up(rt) + await roll_up_cases(rt)
    except Exception:
        log.exception("the analytics rollup failed")
        return 0


# ---------------------------------------------------------------------------------------------
# Outcomes and concierges: by the day the cases were opened


async def outcome_document(
    store_id: int, start: datetime, end: datetime, category: str | None
) -> dict[str, Any]:
    """The outcomes statement's parts (counts, mix, money, times, ratings, fit), decoded."""
    row = await queries.outcomes(store_id, start, end, category)
    return {name: msgspec.json.decode(row[name]) for name in OUTCOME_PARTS}


async def agent_rows(store_id: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
    return [
        {**dict(r), "response_hours": list(r["response_hours"])}
        for r in await queries.agents(store_id, start, end)
    ]


@dataclass(frozen=True, slots=True)
class CaseParts:
    """A range's outcomes (one document per day or run of days) and agents' rows."""

    outcomes: list[dict[str, Any]]
    agents: list[dict[str, Any]]


async def case_parts(
    store_id: int, tz: ZoneInfo, first: date, last: date, category: str | None
) -> CaseParts:
    """Clean rolled-up days from the rollup, every other day live (as returns_facts)."""
    clean = await queries.clean_case_days(store_id, first, last, category or "")
    every = {first + timedelta(days=n) for n in range((last - first).days + 1)}
    outcomes: list[dict[str, Any]] = []
    agents: list[dict[str, Any]] = []
    for row in clean.values():
        if row is None:
            continue  # no case of the category that day
        outcomes.append(msgspec.json.decode(row["outcomes"]))
        agents += msgspec.json.decode(row["agents"])
    for start, end in _runs(every - set(clean)):
        begin, after = day_start(start, tz), day_start(end + timedelta(days=1), tz)
        outcomes.append(await outcome_document(store_id, begin, after, category))
        agents += await agent_rows(store_id, begin, after)
    return CaseParts(outcomes, agents)


async def roll_case_day(store_id: int, day: date, tz: ZoneInfo, at: datetime) -> None:
    start, end = day_start(day, tz), day_start(day + timedelta(days=1), tz)
    for statement in queries.ROLL_CASE_DAY:
        await sql.execute(statement, store_id, day)
    agents = msgspec.json.encode(await agent_rows(store_id, start, end)).decode()
    for category in ["", *await queries.categories_of_day(store_id, start, end)]:
        document = await outcome_document(store_id, start, end, category or None)
        await sql.execute(
            queries.ROLLED_CASE_DAY,
            store_id,
            day,
            category,
            msgspec.json.encode(document).decode(),
            agents if not category else "[]",
            at,
        )


async def roll_up_cases(rt: Runtime, limit: int = DAYS_PER_PASS) -> int:
    done = 0
    for store in await Store.select(Store.id, Store.timezone):
        tz = ZoneInfo(store["timezone"])
        today = rt.clock.now().astimezone(tz).date()
        for day in await queries.case_days_to_roll(store["id"], store["timezone"], today, limit):
            async with DB.transaction():
                await roll_case_day(store["id"], day, tz, rt.clock.now())
            done += 1
    return done
