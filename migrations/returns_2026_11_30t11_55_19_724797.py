from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-11-30T11:55:19:724797"
VERSION = "1.38.0"
DESCRIPTION = "shop-now: catalogue pictures and the in-stock page index"

# The portal's shop-now list pages through the in-stock variants of a store in catalogue
# order (services/store/queries.py, _SHOP_NOW); out-of-stock variants are never listed, so
# they stay out of the index.
FORWARDS = [
    "CREATE INDEX variant_in_stock_page ON variant (store, product, position, id) WHERE stock > 0",
]
BACKWARDS = ["DROP INDEX IF EXISTS variant_in_stock_page"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="returns", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Product",
        tablename="product",
        column_name="image_url",
        db_column_name="image_url",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 1000,
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

    manager.add_column(
        table_class_name="Variant",
        tablename="variant",
        column_name="image_url",
        db_column_name="image_url",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 1000,
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
