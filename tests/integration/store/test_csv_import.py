"""`returns-service orders import` through the CLI function, against the real database: a file
is imported whole in one transaction or not at all."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from returns_service import cli
from returns_service.db.engine import DB, close_pool, open_pool
from returns_service.db.tables import ALL_TABLES, OrderLine, ShopOrder

HEADER = (
    "shop_order_id,number,placed_at,currency,email,first_name,last_name,language,country,"
    "shop_line_id,sku,product_id,quantity,unit_price,final_sale,delivered_at\n"
)


def row(shop_order_id: int, number: str, name: str = "Zoë") -> str:
    return (
        f"{shop_order_id},{number},2026-08-01T10:00:00Z,EUR,c{shop_order_id}@example.com,"
        f"{name},Brûlé,fr,FR,1,RING-8-BLK,ring,1,25.00,false,\n"
    )


def counts() -> tuple[int, int]:
    async def work() -> tuple[int, int]:
        await open_pool(1, 1)
        try:
            return await ShopOrder.count(), await OrderLine.count()
        finally:
            await close_pool()

    return asyncio.run(work())


@pytest.fixture
def empty_database(schema: None) -> Iterator[None]:
    yield

    async def empty() -> None:
        await open_pool(1, 1)
        try:
            names = ", ".join(f'"{t._meta.tablename}"' for t in ALL_TABLES)
            await DB.run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        finally:
            await close_pool()

    asyncio.run(empty())


def test_a_conflict_at_row_30_imports_nothing(
    empty_database: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    earlier = tmp_path / "earlier.csv"
    earlier.write_text(HEADER + row(9000, "N-30"))
    assert cli.main(["orders", "import", str(earlier)]) == 0
    assert counts() == (1, 1)
    # rows 2..29 are fine; row 30 gives another shop order the number the database already
    # holds: only the database can see that, half-way through the import
    path = tmp_path / "orders.csv"
    path.write_text(
        HEADER + "".join(row(5000 + n, f"N-{n}") for n in range(2, 30)) + row(5030, "N-30")
    )

    assert cli.main(["orders", "import", str(path)]) == 2

    assert counts() == (1, 1)  # the 28 orders before the conflict were rolled back too
    err = capsys.readouterr().err
    assert "order 5030 (number N-30)" in err and "nothing was imported" in err


def test_a_windows_1252_semicolon_export_imports_whole(
    empty_database: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = HEADER + "".join(row(5000 + n, f"N-{n}") for n in range(40))
    path = tmp_path / "orders.csv"
    path.write_bytes(text.replace(",", ";").encode("cp1252"))

    assert cli.main(["orders", "import", str(path)]) == 0

    assert counts() == (40, 40)
    err = capsys.readouterr().err
    assert "imported 40 orders, 40 lines (40 new, 0 updated; read as Windows-1252)" in err


def test_a_file_with_bad_rows_reports_each_and_touches_nothing(
    empty_database: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "orders.csv"
    second_line = row(5001, "N-1", name="Zoe").replace(",1,RING", ",2,RING")
    rows = [row(5001, "N-1"), second_line, row(5002, "N-2").replace("25.00", "25.0.0")]
    path.write_text(HEADER + "".join(rows))

    assert cli.main(["orders", "import", str(path)]) == 2

    assert counts() == (0, 0)
    err = capsys.readouterr().err
    assert "row 3, first_name 'Zoe': differs from row 2" in err
    assert "row 4, unit_price '25.0.0'" in err
