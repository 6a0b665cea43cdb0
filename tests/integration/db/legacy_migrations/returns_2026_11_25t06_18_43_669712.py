from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Bytea
from piccolo.columns.column_types import JSONB
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-25T06:18:43:669712"
VERSION = "1.38.0"
DESCRIPTION = "labels rendered when first printed: the PDF may wait, what it shows is kept"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="returns", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Label",
        tablename="label",
        column_name="request",
        db_column_name="request",
        column_class_name="JSONB",
        column_class=JSONB,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.alter_column(
        table_class_name="Label",
        tablename="label",
        column_name="pdf",
        db_column_name="pdf",
        params={"default": None, "null": True},
        old_params={"default": b"", "null": False},
        column_class=Bytea,
        old_column_class=Bytea,
        schema=None,
    )

    return manager
