"""The analytics' dirty-day marks become plain inserts (after the auto migration before it
dropped their unique keys). With `ON CONFLICT DO NOTHING` on a unique key, a change whose
day was already marked wrote no mark of its own; the worker, rolling that day up, deleted
the old mark and read the day before the change committed, so the day came out clean but
without the change. Each change now writes its own mark, which the worker's DELETE cannot
see (nor remove) until it commits; and no writer waits for another's uncommitted mark."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T16:34:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "analytics dirty marks: a mark per change"


def _functions(on_conflict: str) -> list[str]:
    return [
        f"""
CREATE OR REPLACE FUNCTION analytics_dirty_lines(lines bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO analytics_dirty_day (store, day)
    SELECT DISTINCT l.store, (l.delivered_at AT TIME ZONE s.timezone)::date
      FROM order_line l JOIN store s ON s.id = l.store
     WHERE l.id = ANY(lines) AND l.delivered_at IS NOT NULL
     ORDER BY 1, 2
    {on_conflict};
END $$
""",
        f"""
CREATE OR REPLACE FUNCTION analytics_dirty_line_day(store_id bigint, delivered timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF delivered IS NOT NULL THEN
        INSERT INTO analytics_dirty_day (store, day)
        SELECT store_id, (delivered AT TIME ZONE s.timezone)::date FROM store s
         WHERE s.id = store_id
        {on_conflict};
    END IF;
END $$
""",
        f"""
CREATE OR REPLACE FUNCTION analytics_dirty_cases(cases bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO analytics_dirty_case_day (store, day)
    SELECT DISTINCT rc.store, (rc.created_at AT TIME ZONE s.timezone)::date
      FROM return_case rc JOIN store s ON s.id = rc.store
     WHERE rc.id = ANY(cases)
     ORDER BY 1, 2
    {on_conflict};
END $$
""",
    ]


FORWARDS = _functions("")
BACKWARDS = _functions("ON CONFLICT (store, day) DO NOTHING")


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
