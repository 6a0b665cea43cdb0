from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date

ID = "2026-11-30T16:33:56:679718"
VERSION = "1.38.0"
DESCRIPTION = "analytics dirty marks: no unique key, an index on the day"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="returns", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="AnalyticsDirtyDay",
        tablename="analytics_dirty_day",
        column_name="day",
        db_column_name="day",
        params={"index": True},
        old_params={"index": False},
        column_class=Date,
        old_column_class=Date,
        schema=None,
    )

    manager.alter_column(
        table_class_name="AnalyticsDirtyCaseDay",
        tablename="analytics_dirty_case_day",
        column_name="day",
        db_column_name="day",
        params={"index": True},
        old_params={"index": False},
        column_class=Date,
        old_column_class=Date,
        schema=None,
    )

    manager.drop_constraint(
        table_class_name="AnalyticsDirtyDay",
        tablename="analytics_dirty_day",
        constraint_name="analytics_dirty_day_unique",
        schema=None,
    )

    manager.drop_constraint(
        table_class_name="AnalyticsDirtyCaseDay",
        tablename="analytics_dirty_case_day",
        constraint_name="analytics_dirty_case_day_unique",
        schema=None,
    )

    return manager
