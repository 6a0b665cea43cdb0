"""The worker's claim and the per-event subscriber read stay on indexes when the delivery
log is large (the log keeps every delivery; the worker only ever wants the few pending)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from returns_service.db.engine import DB
from returns_service.services.events import queries
from tests.integration.system.test_query_plans import BIG, SEED, plan_of

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
DELIVERIES = [
    """INSERT INTO webhook_endpoint (store, url, description, events, secret, status,
                                    paused_reason, created_at, updated_at)
       SELECT 1, 'https://erp' || n || '.example.com/h', '', '{case.opened,case.closed}',
              'whsec_x', 'active', '', now(), now()
         FROM generate_series(1, 3) n""",
    """INSERT INTO webhook_delivery (store, endpoint, "case", event_id, event_type, payload,
                                    status, attempts, available_at, created_at)
       SELECT 1, (n % 3) + 1, (n % 20000) + 1, gen_random_uuid(), 'case.opened', '{}',
              CASE WHEN n % 2000 = 0 THEN 'pending' ELSE 'delivered' END, 1,
              now() - interval '1 day', now()
         FROM generate_series(1, 60000) n""",
    "ANALYZE",
]


async def test_the_claim_and_the_subscriber_read_use_indexes(db: None) -> None:
    for statement in SEED + DELIVERIES:
        await DB.run_ddl(statement)
    plans = {
        "claim": await plan_of(queries.CLAIM_DUE, NOW, NOW + timedelta(minutes=2), 50),
        "subscribed": await plan_of(queries.SUBSCRIBED, 1, "case.opened"),
        "log page": await plan_of(queries.DELIVERY_PAGE, 1, 2, None, 51),
    }
    scans = {
        name: [t for t in _all_seq_scans(plan) if t in ("webhook_delivery", *BIG)]
        for name, plan in plans.items()
    }
    assert {name: found for name, found in scans.items() if found} == {}
    # and the check sees a sequential scan when there is one
    unindexed = await plan_of("SELECT id FROM webhook_delivery WHERE payload = 'x'")
    assert _all_seq_scans(unindexed) == ["webhook_delivery"]


def _all_seq_scans(plan: dict[str, object]) -> list[str]:
    """Every sequential scan (the system test's `seq_scans` knows only its own big tables)."""
    found = []
    if plan.get("Node Type") == "Seq Scan":
        found.append(str(plan.get("Relation Name")))
    for child in plan.get("Plans", []):  # type: ignore[union-attr]
        found += _all_seq_scans(child)
    return found
