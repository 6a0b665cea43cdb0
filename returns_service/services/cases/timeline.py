"""The case timeline: one append-only event per change, in the transaction of that change."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from returns_service.db import sql
from returns_service.domain.cases import Actor, CaseStatus, check_transition

_EVENT = """INSERT INTO case_event (store, "case", at, actor_kind, actor_id, actor_name, kind,
                                   from_status, to_status, text, detail, customer_visible)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"""
_EVENT_PARAMS = 12
_PARAM = re.compile(r"\$(\d+)")


def _shifted(statement: str, offset: int) -> str:
    """Renumber a statement's $n by `offset` (past the parameters written before it)."""
    return _PARAM.sub(lambda m: f"${int(m.group(1)) + offset}", statement)


async def record(
    *,
    store_id: int,
    case_id: int,
    actor: Actor,
    kind: str,
    text: str,
    at: datetime,
    detail: str = "",
    from_status: CaseStatus | None = None,
    to_status: CaseStatus | None = None,
    customer_visible: bool = True,
    along_with: Sequence[tuple[str, tuple[Any, ...]]] = (),
) -> None:
    """Append one event. `along_with` holds the changes the event records (data-modifying
    statements, each with its parameters numbered from $1): they run in the same statement,
    one round trip instead of several (PostgreSQL runs a data-modifying WITH even when
    nothing reads it)."""
    statement, extra = _EVENT, list[Any]()
    if along_with:
        changes = []
        for n, (change, args) in enumerate(along_with):
            changes.append(f"change{n} AS ({_shifted(change, _EVENT_PARAMS + len(extra))})")
            extra.extend(args)
        statement = f"WITH {', '.join(changes)}\n{_EVENT}"
    await sql.execute(
        statement,
        store_id,
        case_id,
        at,
        actor.kind,
        actor.id,
        actor.name,
        kind,
        from_status.value if from_status else None,
        to_status.value if to_status else None,
        text,
        detail,
        customer_visible,
        *extra,
    )


async def move(
    *,
    store_id: int,
    case_id: int,
    current: CaseStatus,
    target: CaseStatus,
    actor: Actor,
    text: str,
    at: datetime,
    detail: str = "",
) -> None:
    """Change a (locked) case's status if the state machine allows it, and record why."""
    check_transition(current, target)
    await record(
        store_id=store_id,
        case_id=case_id,
        actor=actor,
        kind="status",
        text=text,
        detail=detail,
        at=at,
        from_status=current,
        to_status=target,
        along_with=[
            (
                "UPDATE return_case SET status = $1, updated_at = $2 WHERE id = $3",
                (target.value, at, case_id),
            )
        ],
    )
