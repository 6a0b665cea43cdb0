"""The queue's search and due-time sort (services/cases/queries.py, "Search"), and the
helpdesk token role.

No pg_trgm (the embedded PostgreSQL has no contrib extensions): every key has a core
PostgreSQL index of its own. An email's beginning is a range in code-point order ("C"
collation, like the name prefixes of the parcel search); a name is matched word by word from
each word's beginning through a 'simple' text-search GIN index (accents kept, as typed); the
customer's own tracking numbers are found without their carrier. The cases still owed a first
answer are few at any time: a partial index orders them by due time.

Piccolo's auto migrations do not see a changed CHECK, so the api_token role check is replaced
here too (tables.py states the same list).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T15:20:41:512207"
VERSION = "1.38.0"
DESCRIPTION = "queue search indexes, the helpdesk token role"

FORWARDS = [
    'CREATE INDEX customer_email_prefix ON customer (store, (lower(email) COLLATE "C"))',
    "CREATE INDEX customer_name_words ON customer "
    "USING gin (to_tsvector('simple', first_name || ' ' || last_name))",
    "CREATE INDEX customer_tracking_number ON customer_tracking (store, tracking_number)",
    "CREATE INDEX return_case_awaiting_first_response "
    "ON return_case (store, first_response_due_at, id) "
    "WHERE first_responded_at IS NULL AND first_response_due_at IS NOT NULL "
    "AND status IN ('requested', 'approved', 'in_transit', 'received', 'inspected')",
    "ALTER TABLE api_token DROP CONSTRAINT api_token_role_known",
    "ALTER TABLE api_token ADD CONSTRAINT api_token_role_known "
    "CHECK (role IN ('admin', 'agent', 'lead', 'warehouse', 'helpdesk'))",
]

BACKWARDS = [
    # helpdesk tokens cannot stay under the old check: they are revoked by removal
    "DELETE FROM api_token WHERE role = 'helpdesk'",
    "ALTER TABLE api_token DROP CONSTRAINT api_token_role_known",
    "ALTER TABLE api_token ADD CONSTRAINT api_token_role_known "
    "CHECK (role IN ('admin', 'agent', 'lead', 'warehouse'))",
    "DROP INDEX IF EXISTS return_case_awaiting_first_response",
    "DROP INDEX IF EXISTS customer_tracking_number",
    "DROP INDEX IF EXISTS customer_name_words",
    "DROP INDEX IF EXISTS customer_email_prefix",
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
