from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-11-30T15:18:27:409446"
VERSION = "1.38.0"
DESCRIPTION = "case items keep the resolution the customer asked for"


class _CaseItem(Table, tablename="case_item"):
    pass


class _FillsRequestedResolution(MigrationManager):
    """Piccolo runs a migration's add_raw SQL before its column changes: the new column is
    filled from `resolution` (what existing cases were asked for, as nothing could change it
    until now) right after it is made, in the migration's transaction."""

    async def _run_add_columns(self, backwards: bool = False):
        await super()._run_add_columns(backwards=backwards)
        if not backwards and not self.preview:
            await _CaseItem.raw("UPDATE case_item SET requested_resolution = resolution")


async def forwards():
    manager = _FillsRequestedResolution(
        migration_id=ID, app_name="returns", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="CaseItem",
        tablename="case_item",
        column_name="requested_resolution",
        db_column_name="requested_resolution",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 16,
            "default": "",
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

    return manager
