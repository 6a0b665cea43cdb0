"""Indexes for queues read without a status filter, oldest first: a lead's board over every
case of the store, and an agent's own queue. Without them each page sorted all of the store's
(or the agent's) cases, closed ones included: fine for hundreds, not for 300,000.

Written as SQL, like the composite indexes of 2026-11-24T16:39:30.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T06:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "queue indexes without a status filter"

FORWARDS = [
    "CREATE INDEX return_case_created ON return_case (store, created_at, id)",
    "CREATE INDEX return_case_agent_created ON return_case (store, agent, created_at, id)",
]

BACKWARDS = [
    "DROP INDEX IF EXISTS return_case_agent_created",
    "DROP INDEX IF EXISTS return_case_created",
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
