"""Choosing the database and bringing its schema up to date."""

from __future__ import annotations

import contextlib
import io

from returns_service.db.embedded import start_embedded
from returns_service.db.engine import use_database
from returns_service.settings import Settings


def resolve_database(settings: Settings) -> str:
    """Use DATABASE_URL when set; otherwise start the embedded server. Returns the URL."""
    url = settings.database.url or start_embedded(settings.database.postgres_dir)
    use_database(url)
    return url


async def migrate(verbose: bool = False) -> None:
    """Apply every pending Piccolo migration; the schema is created only this way."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    out = io.StringIO()
    quiet = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(out)
    with quiet:
        result = await run_forwards(app_name="all", migration_id="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{out.getvalue()}")
