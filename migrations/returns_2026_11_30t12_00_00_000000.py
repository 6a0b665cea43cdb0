"""Timeline events as kind + params: the values an event is about (amounts in minor units with
their currency, names, codes, dates, the return address as fields), so its text can be
rendered in each reader's language when it is read.

`text` stays: events written before this hold only their English prose, and are shown as
written (new events leave it empty). Adding a column with a constant default rewrites no row,
so the append-only trigger on case_event is not involved.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "case_event.params"

FORWARDS = [
    "ALTER TABLE case_event ADD COLUMN params JSONB NOT NULL DEFAULT '{}'",
]

BACKWARDS = [
    "ALTER TABLE case_event DROP COLUMN params",
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
