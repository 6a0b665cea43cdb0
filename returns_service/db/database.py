"""Choosing the database and bringing its schema up to date."""

from __future__ import annotations

import contextlib
import io
import logging

from returns_service.db.embedded import start_embedded
from returns_service.db.engine import DB, use_database
from returns_service.db.piccolo_app import APP_CONFIG
from returns_service.settings import Settings

log = logging.getLogger(__name__)

# The six pre-release migrations, squashed on 2026-11-30 into SQUASHED_MIGRATION_IDS (see
# docs/migrations.md). Their files are gone from migrations/, but a database made before the
# squash (an existing ./.data) has these ids recorded in Piccolo's `migration` table and
# already holds the schema the squashed migrations make: migrate() must recognise it and not
# run them again. Kept as test data in tests/integration/db/legacy_migrations/.
LEGACY_MIGRATION_IDS = frozenset(
    {
        "2026-11-24T16:30:58:205684",  # auto: initial schema
        "2026-11-24T16:39:05:350267",  # auto: cases, timeline, conversation, macros, outbox
        "2026-11-24T16:39:30:000000",  # raw: composite indexes, the append-only timeline
        "2026-11-24T16:51:11:105687",  # auto: labels, tracking, shipments, payments, ...
        "2026-11-25T06:18:43:669712",  # auto: label request, label pdf nullable
        "2026-11-25T06:20:00:000000",  # raw: queue indexes without a status filter
    }
)

# What replaced them: every table (auto), then indexes and the trigger (raw).
SQUASHED_MIGRATION_IDS = ("2026-11-30T09:17:28:269893", "2026-11-30T09:20:00:000000")


def resolve_database(settings: Settings) -> str:
    """Use DATABASE_URL when set; otherwise start the embedded server. Returns the URL."""
    url = settings.database.url or start_embedded(settings.database.postgres_dir)
    use_database(url)
    return url


async def migrate(verbose: bool = False) -> None:
    """Apply every pending Piccolo migration; the schema is created only this way."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    if await _carry_on_from_legacy_migrations():
        log.warning(
            "database made by the pre-release migrations: the squashed ones (%s) are recorded "
            "as applied, not run",
            ", ".join(SQUASHED_MIGRATION_IDS),
        )
    out = io.StringIO()
    quiet = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(out)
    with quiet:
        result = await run_forwards(app_name="all", migration_id="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{out.getvalue()}")


async def _carry_on_from_legacy_migrations() -> bool:
    """A database that applied all of LEGACY_MIGRATION_IDS and none of SQUASHED_MIGRATION_IDS
    gets the squashed ones recorded as applied (not run: their schema is there already), in
    one transaction. Returns whether it did. A database that applied only some of the legacy
    migrations is refused: its schema is neither the old one nor the new one."""
    from piccolo.apps.migrations.tables import Migration

    app_name = APP_CONFIG.app_name
    if not await Migration.table_exists().run():
        return False  # an empty database: the squashed migrations will make everything
    async with DB.transaction():
        # two processes starting at once (server and worker) must not both record them
        await DB.run_ddl(f"LOCK TABLE {Migration._meta.tablename} IN SHARE ROW EXCLUSIVE MODE")
        ran = set(await Migration.get_migrations_which_ran(app_name=app_name))
        if not ran & LEGACY_MIGRATION_IDS or ran & set(SQUASHED_MIGRATION_IDS):
            return False  # made after the squash, or carried on already
        missing = LEGACY_MIGRATION_IDS - ran
        if missing:
            raise RuntimeError(
                "this database applied only some of the six pre-release migrations that were "
                f"squashed on 2026-11-30 (missing: {', '.join(sorted(missing))}), so its schema "
                "is neither the old one nor the new one. Apply the missing ones with a version "
                "from before the squash (git commit 50399ae: `returns-service migrate`), then "
                "start this version again; or, if its data may go, start from an empty "
                "database (move the data folder, ./.data by default, away)."
            )
        await Migration.insert(
            *(Migration(name=i, app_name=app_name) for i in SQUASHED_MIGRATION_IDS)
        ).run()
    return True
