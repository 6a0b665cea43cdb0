from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T10:09:00:182752"
VERSION = "1.38.0"
DESCRIPTION = "indexes for the station's parcel search by name"

# The station's search for a parcel without a readable label finds customers by the start of
# their first or last name (case-insensitive). The search compares ranges in the "C"
# collation, which these indexes serve with or without a constant pattern (a LIKE with a
# parameter cannot use an index once PostgreSQL caches a generic plan).
FORWARDS = [
    'CREATE INDEX customer_first_name_prefix ON customer (store, (lower(first_name) COLLATE "C"))',
    'CREATE INDEX customer_last_name_prefix ON customer (store, (lower(last_name) COLLATE "C"))',
]
BACKWARDS = [
    "DROP INDEX IF EXISTS customer_last_name_prefix",
    "DROP INDEX IF EXISTS customer_first_name_prefix",
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
