"""The analytics rollups (services/analytics/rollup.py): the tables, an index on when lines
were delivered, and the triggers that mark a rolled-up day dirty whenever anything its
figures read changes (so no writer can forget to). Piccolo runs raw SQL before the table
changes: the trigger functions are PL/pgSQL, which resolves the tables only when it runs."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import BigInt
from piccolo.columns.column_types import BigSerial
from piccolo.columns.column_types import Date
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import JSONB
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.constraints import Unique
from piccolo.engine import engine_finder
from piccolo.table import Table


class Store(Table, tablename="store", schema=None):
    id = BigSerial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name=None,
        secret=False,
    )


ID = "2026-11-30T15:45:05:176505"
VERSION = "1.38.0"
DESCRIPTION = "analytics rollups: returns by delivery day, outcomes by case day"


# the days (in the store's time zone) of these lines' deliveries become dirty
_DIRTY_LINES = """
CREATE FUNCTION analytics_dirty_lines(lines bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO analytics_dirty_day (store, day)
    SELECT DISTINCT l.store, (l.delivered_at AT TIME ZONE s.timezone)::date
      FROM order_line l JOIN store s ON s.id = l.store
     WHERE l.id = ANY(lines) AND l.delivered_at IS NOT NULL
     ORDER BY 1, 2
    ON CONFLICT (store, day) DO NOTHING;
END $$
"""

_LINE_DAY = """
CREATE FUNCTION analytics_dirty_line_day(store_id bigint, delivered timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF delivered IS NOT NULL THEN
        INSERT INTO analytics_dirty_day (store, day)
        SELECT store_id, (delivered AT TIME ZONE s.timezone)::date FROM store s
         WHERE s.id = store_id
        ON CONFLICT (store, day) DO NOTHING;
    END IF;
END $$
"""

_TRIGGERS = {
    "order_line": """
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                PERFORM analytics_dirty_line_day(OLD.store, OLD.delivered_at);
            END IF;
            IF TG_OP <> 'DELETE' THEN
                PERFORM analytics_dirty_line_day(NEW.store, NEW.delivered_at);
            END IF;
            RETURN NULL;
        END""",
    "case_item": """
        BEGIN
            PERFORM analytics_dirty_lines(ARRAY[
                CASE WHEN TG_OP <> 'INSERT' THEN OLD.line END,
                CASE WHEN TG_OP <> 'DELETE' THEN NEW.line END]);
            RETURN NULL;
        END""",
    "return_case": """
        BEGIN
            PERFORM analytics_dirty_lines(ARRAY(
                SELECT ci.line FROM case_item ci WHERE ci."case" = NEW.id));
            RETURN NULL;
        END""",
    "payment": """
        BEGIN
            PERFORM analytics_dirty_lines(ARRAY[NEW.line]);
            RETURN NULL;
        END""",
    "shipment": """
        BEGIN
            PERFORM analytics_dirty_lines(ARRAY(
                SELECT ci.line FROM case_item ci WHERE ci.id = NEW.item));
            RETURN NULL;
        END""",
    "customer": """
        BEGIN
            PERFORM analytics_dirty_lines(ARRAY(
                SELECT l.id FROM shop_order o JOIN order_line l ON l."order" = o.id
                 WHERE o.customer = NEW.id));
            RETURN NULL;
        END""",
    "shop_order": """
        BEGIN
            PERFORM analytics_dirty_lines(ARRAY(
                SELECT l.id FROM order_line l WHERE l."order" = NEW.id));
            RETURN NULL;
        END""",
}

# when each table's change can move a figure (an UPDATE that touches nothing read is free)
_WHEN = {
    "order_line": [
        "AFTER INSERT OR DELETE",
        "AFTER UPDATE OF delivered_at, quantity, sku, product_key, currency, store",
    ],
    "case_item": [
        "AFTER INSERT OR DELETE",
        "AFTER UPDATE OF line, quantity, reason, resolution, unit_price_amount",
    ],
    "return_case": ["AFTER UPDATE OF status, resolved_at"],
    "payment": ["AFTER INSERT", "AFTER UPDATE OF status, amount, kind, line"],
    "shipment": ["AFTER INSERT OR DELETE"],
    "customer": ["AFTER UPDATE OF country"],
    "shop_order": ["AFTER UPDATE OF shipping_address, customer"],
}

FORWARDS = [
    # the live part of the returns report and the rollup job read lines by delivery time
    "CREATE INDEX order_line_delivered ON order_line (store, delivered_at)",
    _DIRTY_LINES,
    _LINE_DAY,
]
BACKWARDS = ["DROP INDEX IF EXISTS order_line_delivered"]
for _table, _body in _TRIGGERS.items():
    FORWARDS.append(
        f"CREATE FUNCTION analytics_{_table}_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
        f"{_body} $$"
    )
    for _n, _when in enumerate(_WHEN[_table]):
        FORWARDS.append(
            f"CREATE TRIGGER analytics_{_table}_{_n} {_when} ON {_table} "
            f"FOR EACH ROW EXECUTE FUNCTION analytics_{_table}_changed()"
        )
        BACKWARDS.insert(0, f"DROP TRIGGER IF EXISTS analytics_{_table}_{_n} ON {_table}")
    BACKWARDS.append(f"DROP FUNCTION IF EXISTS analytics_{_table}_changed()")
BACKWARDS += [
    "DROP FUNCTION IF EXISTS analytics_dirty_lines(bigint[])",
    "DROP FUNCTION IF EXISTS analytics_dirty_line_day(bigint, timestamptz)",
]


# the days the cases were opened on (the outcomes' and concierges' rollup) become dirty
_DIRTY_CASES = """
CREATE FUNCTION analytics_dirty_cases(cases bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO analytics_dirty_case_day (store, day)
    SELECT DISTINCT rc.store, (rc.created_at AT TIME ZONE s.timezone)::date
      FROM return_case rc JOIN store s ON s.id = rc.store
     WHERE rc.id = ANY(cases)
     ORDER BY 1, 2
    ON CONFLICT (store, day) DO NOTHING;
END $$
"""

_CASE_TRIGGERS = {
    "return_case": ("NEW.id", ["AFTER UPDATE OF status, resolved_at, first_responded_at, "
                               "first_response_agent, agent, decision, reject_reason"]),
    "case_item": ("COALESCE(NEW.\"case\", OLD.\"case\")", ["AFTER INSERT OR UPDATE OR DELETE"]),
    "payment": ("NEW.\"case\"", ["AFTER INSERT", "AFTER UPDATE OF status, amount, kind, line"]),
    "label": ("NEW.\"case\"", ["AFTER INSERT", "AFTER UPDATE OF status, cost_amount, cost_currency"]),
    "shipment": ("COALESCE(NEW.\"case\", OLD.\"case\")", [
        "AFTER INSERT OR DELETE",
        "AFTER UPDATE OF original_received_at, overdue_at, advance, value_amount",
    ]),
    "follow_up": ("COALESCE(NEW.\"case\", OLD.\"case\")", ["AFTER INSERT OR UPDATE OR DELETE"]),
}

# a product's category or title, or which product a SKU is, regroups every day: all live
# until the worker has rolled them up again
_CATALOGUE_CHANGED = """
CREATE FUNCTION analytics_catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM analytics_case_day WHERE store = COALESCE(NEW.store, OLD.store);
    RETURN NULL;
END $$
"""

FORWARDS += [_DIRTY_CASES, _CATALOGUE_CHANGED]
for _table, (_case, _whens) in _CASE_TRIGGERS.items():
    FORWARDS.append(
        f"CREATE FUNCTION analytics_{_table}_case_changed() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN PERFORM analytics_dirty_cases(ARRAY[{_case}]); RETURN NULL; END $$"
    )
    for _n, _when in enumerate(_whens):
        FORWARDS.append(
            f"CREATE TRIGGER analytics_{_table}_case_{_n} {_when} ON {_table} "
            f"FOR EACH ROW EXECUTE FUNCTION analytics_{_table}_case_changed()"
        )
        BACKWARDS.insert(0, f"DROP TRIGGER IF EXISTS analytics_{_table}_case_{_n} ON {_table}")
    BACKWARDS.append(f"DROP FUNCTION IF EXISTS analytics_{_table}_case_changed()")
for _table, _when in (
    ("product", "AFTER INSERT OR DELETE OR UPDATE OF category, title, product_key"),
    ("variant", "AFTER INSERT OR DELETE OR UPDATE OF product, sku"),
):
    FORWARDS.append(
        f"CREATE TRIGGER analytics_{_table}_catalogue {_when} ON {_table} "
        f"FOR EACH ROW EXECUTE FUNCTION analytics_catalogue_changed()"
    )
    BACKWARDS.insert(0, f"DROP TRIGGER IF EXISTS analytics_{_table}_catalogue ON {_table}")
BACKWARDS += [
    "DROP FUNCTION IF EXISTS analytics_catalogue_changed()",
    "DROP FUNCTION IF EXISTS analytics_dirty_cases(bigint[])",
]


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="returns", description=DESCRIPTION
    )

    manager.add_table(
        class_name="AnalyticsCaseDay",
        tablename="analytics_case_day",
        schema=None,
        columns=None,
    )

    manager.add_table(
        class_name="AnalyticsDirtyCaseDay",
        tablename="analytics_dirty_case_day",
        schema=None,
        columns=None,
    )

    manager.add_table(
        class_name="AnalyticsDirtyDay",
        tablename="analytics_dirty_day",
        schema=None,
        columns=None,
    )

    manager.add_table(
        class_name="AnalyticsDelivered",
        tablename="analytics_delivered",
        schema=None,
        columns=None,
    )

    manager.add_table(
        class_name="AnalyticsReturned",
        tablename="analytics_returned",
        schema=None,
        columns=None,
    )

    manager.add_table(
        class_name="AnalyticsDay",
        tablename="analytics_day",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="AnalyticsCaseDay",
        tablename="analytics_case_day",
        column_name="id",
        db_column_name="id",
        column_class_name="BigSerial",
        column_class=BigSerial,
        params={
            "null": False,
            "primary_key": True,
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
        table_class_name="AnalyticsCaseDay",
        tablename="analytics_case_day",
        column_name="store",
        db_column_name="store",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Store,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
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
        table_class_name="AnalyticsCaseDay",
        tablename="analytics_case_day",
        column_name="day",
        db_column_name="day",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": DateNow(),
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
        table_class_name="AnalyticsCaseDay",
        tablename="analytics_case_day",
        column_name="category",
        db_column_name="category",
        column_class_name="Text",
        column_class=Text,
        params={
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
        table_class_name="AnalyticsCaseDay",
        tablename="analytics_case_day",
        column_name="outcomes",
        db_column_name="outcomes",
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

    manager.add_column(
        table_class_name="AnalyticsCaseDay",
        tablename="analytics_case_day",
        column_name="agents",
        db_column_name="agents",
        column_class_name="JSONB",
        column_class=JSONB,
        params={
            "default": "[]",
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
        table_class_name="AnalyticsCaseDay",
        tablename="analytics_case_day",
        column_name="rolled_at",
        db_column_name="rolled_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
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
        table_class_name="AnalyticsDirtyCaseDay",
        tablename="analytics_dirty_case_day",
        column_name="id",
        db_column_name="id",
        column_class_name="BigSerial",
        column_class=BigSerial,
        params={
            "null": False,
            "primary_key": True,
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
        table_class_name="AnalyticsDirtyCaseDay",
        tablename="analytics_dirty_case_day",
        column_name="store",
        db_column_name="store",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Store,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
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
        table_class_name="AnalyticsDirtyCaseDay",
        tablename="analytics_dirty_case_day",
        column_name="day",
        db_column_name="day",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": DateNow(),
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
        table_class_name="AnalyticsDirtyDay",
        tablename="analytics_dirty_day",
        column_name="id",
        db_column_name="id",
        column_class_name="BigSerial",
        column_class=BigSerial,
        params={
            "null": False,
            "primary_key": True,
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
        table_class_name="AnalyticsDirtyDay",
        tablename="analytics_dirty_day",
        column_name="store",
        db_column_name="store",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Store,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
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
        table_class_name="AnalyticsDirtyDay",
        tablename="analytics_dirty_day",
        column_name="day",
        db_column_name="day",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": DateNow(),
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
        table_class_name="AnalyticsDelivered",
        tablename="analytics_delivered",
        column_name="id",
        db_column_name="id",
        column_class_name="BigSerial",
        column_class=BigSerial,
        params={
            "null": False,
            "primary_key": True,
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
        table_class_name="AnalyticsDelivered",
        tablename="analytics_delivered",
        column_name="store",
        db_column_name="store",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Store,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
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
        table_class_name="AnalyticsDelivered",
        tablename="analytics_delivered",
        column_name="day",
        db_column_name="day",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": DateNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="AnalyticsDelivered",
        tablename="analytics_delivered",
        column_name="sku",
        db_column_name="sku",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 128,
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
        table_class_name="AnalyticsDelivered",
        tablename="analytics_delivered",
        column_name="product_key",
        db_column_name="product_key",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 128,
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

    manager.add_column(
        table_class_name="AnalyticsDelivered",
        tablename="analytics_delivered",
        column_name="country",
        db_column_name="country",
        column_class_name="Text",
        column_class=Text,
        params={
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
        table_class_name="AnalyticsDelivered",
        tablename="analytics_delivered",
        column_name="currency",
        db_column_name="currency",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 3,
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
        table_class_name="AnalyticsDelivered",
        tablename="analytics_delivered",
        column_name="units",
        db_column_name="units",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
        table_class_name="AnalyticsReturned",
        tablename="analytics_returned",
        column_name="id",
        db_column_name="id",
        column_class_name="BigSerial",
        column_class=BigSerial,
        params={
            "null": False,
            "primary_key": True,
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
        table_class_name="AnalyticsReturned",
        tablename="analytics_returned",
        column_name="store",
        db_column_name="store",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Store,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
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
        table_class_name="AnalyticsReturned",
        tablename="analytics_returned",
        column_name="day",
        db_column_name="day",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": DateNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="AnalyticsReturned",
        tablename="analytics_returned",
        column_name="sku",
        db_column_name="sku",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 128,
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
        table_class_name="AnalyticsReturned",
        tablename="analytics_returned",
        column_name="product_key",
        db_column_name="product_key",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 128,
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

    manager.add_column(
        table_class_name="AnalyticsReturned",
        tablename="analytics_returned",
        column_name="country",
        db_column_name="country",
        column_class_name="Text",
        column_class=Text,
        params={
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
        table_class_name="AnalyticsReturned",
        tablename="analytics_returned",
        column_name="currency",
        db_column_name="currency",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 3,
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
        table_class_name="AnalyticsReturned",
        tablename="analytics_returned",
        column_name="reason",
        db_column_name="reason",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 40,
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
        table_class_name="AnalyticsReturned",
        tablename="analytics_returned",
        column_name="resolution",
        db_column_name="resolution",
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

    manager.add_column(
        table_class_name="AnalyticsReturned",
        tablename="analytics_returned",
        column_name="units",
        db_column_name="units",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
        table_class_name="AnalyticsReturned",
        tablename="analytics_returned",
        column_name="refunded",
        db_column_name="refunded",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
        table_class_name="AnalyticsReturned",
        tablename="analytics_returned",
        column_name="credited",
        db_column_name="credited",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
        table_class_name="AnalyticsReturned",
        tablename="analytics_returned",
        column_name="exchanged",
        db_column_name="exchanged",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
        table_class_name="AnalyticsDay",
        tablename="analytics_day",
        column_name="id",
        db_column_name="id",
        column_class_name="BigSerial",
        column_class=BigSerial,
        params={
            "null": False,
            "primary_key": True,
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
        table_class_name="AnalyticsDay",
        tablename="analytics_day",
        column_name="store",
        db_column_name="store",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Store,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
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
        table_class_name="AnalyticsDay",
        tablename="analytics_day",
        column_name="day",
        db_column_name="day",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": DateNow(),
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
        table_class_name="AnalyticsDay",
        tablename="analytics_day",
        column_name="rolled_at",
        db_column_name="rolled_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
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

    manager.add_constraint(
        table_class_name="AnalyticsCaseDay",
        tablename="analytics_case_day",
        constraint_name="analytics_case_day_unique",
        constraint_class=Unique,
        params={"columns": ["store", "day", "category"], "nulls_distinct": True},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="AnalyticsDirtyCaseDay",
        tablename="analytics_dirty_case_day",
        constraint_name="analytics_dirty_case_day_unique",
        constraint_class=Unique,
        params={"columns": ["store", "day"], "nulls_distinct": True},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="AnalyticsDirtyDay",
        tablename="analytics_dirty_day",
        constraint_name="analytics_dirty_day_unique",
        constraint_class=Unique,
        params={"columns": ["store", "day"], "nulls_distinct": True},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="AnalyticsDay",
        tablename="analytics_day",
        constraint_name="analytics_day_unique",
        constraint_class=Unique,
        params={"columns": ["store", "day"], "nulls_distinct": True},
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
