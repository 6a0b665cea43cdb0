from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSONB
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T13:16:33:246430"
VERSION = "1.38.0"
DESCRIPTION = "merchant reason codes: wider reason, labels kept"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="returns", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="CaseItem",
        tablename="case_item",
        column_name="reason_labels",
        db_column_name="reason_labels",
        column_class_name="JSONB",
        column_class=JSONB,
        params={
            "default": "{}",
            "null": False,
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
        table_class_name="CaseItem",
        tablename="case_item",
        column_name="reason",
        db_column_name="reason",
        params={"length": 40},
        old_params={"length": 32},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
