"""Composite indexes for the hot queries, and the timeline made append-only in the database.

Piccolo runs raw SQL before a migration's table changes, so these follow the migration that
made the tables. Written as SQL because Piccolo's auto migrations cannot express them.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T16:39:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite indexes and the append-only timeline"

FORWARDS = [
    # the agents' queue and capacity counts: cases of an agent by status, oldest first
    "CREATE INDEX return_case_agent_status ON return_case (store, agent, status, created_at, id)",
    # a lead's queue across everyone, by status
    "CREATE INDEX return_case_status_created ON return_case (store, status, created_at, id)",
    "CREATE INDEX return_case_customer_created ON return_case (store, customer, created_at)",
    "CREATE INDEX case_event_case_at ON case_event (\"case\", at, id)",
    "CREATE INDEX case_message_case_at ON case_message (\"case\", at, id)",
    # the outbox worker only ever looks at what is still to send
    "CREATE INDEX outbox_message_pending ON outbox_message (available_at, id) "
    "WHERE delivered_at IS NULL AND failed_at IS NULL",
    "CREATE INDEX idempotency_key_created ON idempotency_key (created_at)",
    """
    CREATE FUNCTION case_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the case timeline is append-only (% refused)', TG_OP;
    END $$
    """,
    "CREATE TRIGGER case_event_append_only BEFORE UPDATE OR DELETE ON case_event "
    "FOR EACH ROW EXECUTE FUNCTION case_event_append_only()",
]

BACKWARDS = [
    "DROP TRIGGER IF EXISTS case_event_append_only ON case_event",
    "DROP FUNCTION IF EXISTS case_event_append_only()",
    "DROP INDEX IF EXISTS idempotency_key_created",
    "DROP INDEX IF EXISTS outbox_message_pending",
    "DROP INDEX IF EXISTS case_message_case_at",
    "DROP INDEX IF EXISTS case_event_case_at",
    "DROP INDEX IF EXISTS return_case_customer_created",
    "DROP INDEX IF EXISTS return_case_status_created",
    "DROP INDEX IF EXISTS return_case_agent_status",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="returns", description=DESCRIPTION)

    async def run_forwards():
        engine = engine_finder()
        for statement in FORWARDS:
            await engine.run_ddl(statement)

    async def run_backwards():
        engine = engine_finder()
        for statement in BACKWARDS:
            await engine.run_ddl(statement)

    manager.add_raw(run_forwards)
    manager.add_raw_backwards(run_backwards)
    return manager
