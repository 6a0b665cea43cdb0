"""Piccolo's app registry entry: our tables, and migrations in the top-level `migrations/`."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from returns_service.db.tables import ALL_TABLES

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

APP_CONFIG = AppConfig(
    app_name="returns",
    migrations_folder_path=str(MIGRATIONS_DIR),
    table_classes=ALL_TABLES,
    migration_dependencies=[],
    commands=[],
)
