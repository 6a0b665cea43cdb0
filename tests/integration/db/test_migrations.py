"""The migrations and db/tables.py describe the same schema, and a database made before the
pre-release migrations were squashed (an existing ./.data) carries on with the squashed ones.
See docs/migrations.md."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.columns import Column
from piccolo.conf.apps import AppConfig

from returns_service.db.database import LEGACY_MIGRATION_IDS, SQUASHED_MIGRATION_IDS, migrate
from returns_service.db.engine import DB, use_database
from returns_service.db.piccolo_app import APP_CONFIG, MIGRATIONS_DIR
from returns_service.db.tables import ALL_TABLES

# The six pre-release migration files, unchanged, as test data: the service no longer runs them.
LEGACY_DIR = Path(__file__).parent / "legacy_migrations"

SERIAL_TYPES = {"BIGSERIAL": "BIGINT", "SERIAL": "INTEGER"}


def _migration_ids(folder: Path) -> list[str]:
    """The ids of the migration files in `folder`, found the way Piccolo's runner finds them."""
    return sorted(BaseMigrationManager().get_migration_modules(str(folder)))


def test_migration_id_constants_match_the_files() -> None:
    assert set(_migration_ids(LEGACY_DIR)) == LEGACY_MIGRATION_IDS
    assert _migration_ids(MIGRATIONS_DIR)[:2] == list(SQUASHED_MIGRATION_IDS)
    assert not LEGACY_MIGRATION_IDS & set(_migration_ids(MIGRATIONS_DIR))


async def test_an_auto_migration_would_change_nothing() -> None:
    """What `piccolo migrations new returns --auto` computes: the schema that the migration
    files add up to, against the table classes. Any difference (a table, a column, its type,
    length, default, nullability, uniqueness, index or foreign key, a constraint) is a
    statement here. The fix: run that command and commit the migration it writes."""
    statements = await AutoMigrationManager(auto_input="n").get_alter_statements(APP_CONFIG)
    pending = [statement for group in statements for statement in group.statements]
    assert pending == [], "db/tables.py and migrations/ disagree:\n" + "\n".join(pending)


async def test_migrated_database_matches_the_table_classes(database_url: str, schema: None) -> None:
    """The database that the migrations made, read from PostgreSQL's catalog, against what the
    table classes declare: the tables, their columns with type, nullability and default, and
    their named constraints. PostgreSQL reads the classes' column definitions too (into scratch
    tables, rolled back), so both sides are spelt alike."""
    conn = await asyncpg.connect(database_url)
    scratch = conn.transaction()
    await scratch.start()
    try:
        tables = {r["tablename"] for r in await conn.fetch(_TABLES)}
        assert tables - {"migration"} == {table._meta.tablename for table in ALL_TABLES}

        differences = []
        for table in ALL_TABLES:
            name = table._meta.tablename
            definitions = ", ".join(_column_definition(c) for c in table._meta.columns)
            await conn.execute(f'CREATE TEMP TABLE "declared_{name}" ({definitions})')
            declared = await _columns(conn, f"pg_temp.declared_{name}")
            for column in table._meta.columns:  # the sequence is named after the real table
                if column.column_type in SERIAL_TYPES:
                    declared[column._meta.db_column_name]["default"] = (
                        f"nextval('{name}_{column._meta.db_column_name}_seq'::regclass)"
                    )
            migrated = await _columns(conn, f'public."{name}"')
            for column_name in sorted(declared.keys() | migrated.keys()):
                if declared.get(column_name) != migrated.get(column_name):
                    differences.append(
                        f"{name}.{column_name}: declared {declared.get(column_name)}, "
                        f"migrated {migrated.get(column_name)}"
                    )
            constraints = {
                r["conname"]
                for r in await conn.fetch(
                    "SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass",
                    f'public."{name}"',
                )
            }
            for constraint in table._meta.constraints:
                if constraint._meta.name not in constraints:
                    differences.append(f"{name}: no constraint {constraint._meta.name}")
        assert differences == [], "\n".join(differences)
    finally:
        await scratch.rollback()
        await conn.close()


def _column_definition(column: Column) -> str:
    """The column's type, nullability and default as Piccolo writes them when it creates the
    table (keys and references left out)."""
    name = column._meta.db_column_name
    if column.column_type in SERIAL_TYPES:
        definition = f'"{name}" {SERIAL_TYPES[column.column_type]}'
    else:
        default = column.get_sql_value(column.get_default_value())
        definition = f'"{name}" {column.column_type} DEFAULT {default}'
    return definition if column._meta.null else f"{definition} NOT NULL"


async def _columns(conn: asyncpg.Connection, table: str) -> dict[str, dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
                  pg_get_expr(d.adbin, d.adrelid) AS "default"
             FROM pg_attribute a
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped""",
        table,
    )
    return {
        r["attname"]: {"type": r["type"], "not_null": r["attnotnull"], "default": r["default"]}
        for r in rows
    }


# --- a database made before the squash --------------------------------------------------------


@pytest.fixture
async def other_database(database_url: str, schema: None) -> AsyncIterator[str]:
    """A new, empty database on the test server; Piccolo's engine points at it meanwhile.
    (`schema` first: the session's database must be migrated before the engine moves.)"""
    assert DB.pool is None, "a pool would still reach the session's database"
    name = f"migrations_{uuid.uuid4().hex[:12]}"
    url = urlsplit(database_url)._replace(path=f"/{name}").geturl()
    admin = await asyncpg.connect(database_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    use_database(url)
    try:
        yield url
    finally:
        use_database(database_url)
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_database_made_by_the_legacy_migrations_carries_on(
    database_url: str, other_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The six old migrations run by Piccolo, as on a machine before the squash; then the
    service's migrate() records the squashed ones as applied without running them, keeps the
    data, and leaves the same schema as a database made by the squashed migrations."""
    monkeypatch.setattr(sys, "path", list(sys.path))  # Piccolo puts the folder on it
    legacy_app = AppConfig(app_name=APP_CONFIG.app_name, migrations_folder_path=str(LEGACY_DIR))
    runner = ForwardsMigrationManager(app_name=APP_CONFIG.app_name)
    await runner.create_migration_table()
    result = await runner.run_migrations(legacy_app)
    assert result.success, result.message

    conn = await asyncpg.connect(other_database)
    fresh = await asyncpg.connect(database_url)
    try:
        await conn.execute("INSERT INTO store (slug, name) VALUES ('old', 'Made before')")
        assert await _recorded(conn) == sorted(LEGACY_MIGRATION_IDS)

        await migrate()
        assert await _recorded(conn) == sorted(LEGACY_MIGRATION_IDS) + _migration_ids(
            MIGRATIONS_DIR
        )
        await migrate()  # the next start finds nothing to do
        assert await _recorded(conn) == sorted(LEGACY_MIGRATION_IDS) + _migration_ids(
            MIGRATIONS_DIR
        )

        assert [tuple(r) for r in await conn.fetch("SELECT slug, name FROM store")] == [
            ("old", "Made before")
        ]
        carried_on, made_new = await _catalog(conn), await _catalog(fresh)
        for part in made_new:
            only_carried_on = [r for r in carried_on[part] if r not in made_new[part]]
            only_made_new = [r for r in made_new[part] if r not in carried_on[part]]
            assert (only_carried_on, only_made_new) == ([], []), part
    finally:
        await conn.close()
        await fresh.close()


async def test_a_database_with_only_some_legacy_migrations_is_refused(
    other_database: str,
) -> None:
    await ForwardsMigrationManager(app_name=APP_CONFIG.app_name).create_migration_table()
    conn = await asyncpg.connect(other_database)
    try:
        some = sorted(LEGACY_MIGRATION_IDS)[:3]
        await conn.executemany(
            "INSERT INTO migration (name, app_name) VALUES ($1, $2)",
            [(i, APP_CONFIG.app_name) for i in some],
        )
        with pytest.raises(RuntimeError, match="only some of the six pre-release migrations"):
            await migrate()
        assert await _recorded(conn) == some
        assert {r["tablename"] for r in await conn.fetch(_TABLES)} == {"migration"}
    finally:
        await conn.close()


async def _recorded(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT name FROM migration WHERE app_name = $1 ORDER BY id", APP_CONFIG.app_name
    )
    return [r["name"] for r in rows]


_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"

# The schema as PostgreSQL's catalog has it. Columns by name: a column that a legacy
# migration added to an existing table comes later in its table than in a new database.
_CATALOG = {
    "tables": _TABLES,
    "columns": """
        SELECT table_name, column_name, data_type, udt_name, character_maximum_length,
               is_nullable, column_default
          FROM information_schema.columns WHERE table_schema = 'public'""",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "constraints": """
        SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid)
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND NOT t.tgisinternal""",
    "functions": """
        SELECT p.proname, pg_get_functiondef(p.oid)
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public'""",
    "sequences": """
        SELECT sequence_name, data_type, start_value, increment
          FROM information_schema.sequences WHERE sequence_schema = 'public'""",
}


async def _catalog(conn: asyncpg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        part: sorted((tuple(r) for r in await conn.fetch(q)), key=repr)
        for part, q in _CATALOG.items()
    }
