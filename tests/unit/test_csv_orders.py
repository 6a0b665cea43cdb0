"""Reading a spreadsheet's order export: its encodings and delimiters, and a report naming
every bad row (row numbers as the spreadsheet shows them, the header being row 1)."""

from __future__ import annotations

import pytest

from returns_service.adapters.csv_orders import CsvRefused, parse_orders_csv
from returns_service.domain.money import Money
from tests.unit.test_domain_misc import CSV

ACCENTED = CSV.replace("Ana,Pop", "Zoë,Brûlé")


def refused(data: bytes) -> list[str]:
    with pytest.raises(CsvRefused) as caught:
        parse_orders_csv(data)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (ACCENTED.encode("utf-8"), "UTF-8"),
        (ACCENTED.encode("utf-8-sig"), "UTF-8 (with BOM)"),
        (ACCENTED.encode("utf-16"), "UTF-16 LE"),  # Excel's "Unicode text" (with its BOM)
        (b"\xfe\xff" + ACCENTED.encode("utf-16-be"), "UTF-16 BE"),
        (ACCENTED.encode("cp1252"), "Windows-1252"),
        (ACCENTED.replace("Brûlé", "Brûlé\x81").encode("latin-1"), "Latin-1"),
    ],
)
def test_a_spreadsheet_export_is_read_in_its_encoding(data: bytes, encoding: str) -> None:
    parsed = parse_orders_csv(data)
    assert parsed.encoding == encoding
    assert parsed.documents[0].customer.first_name == "Zoë"
    assert parsed.documents[0].customer.last_name.startswith("Brûlé")
    assert (len(parsed.documents), parsed.line_count) == (2, 3)


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_the_header_says_which_delimiter_the_file_uses(delimiter: str) -> None:
    # a decimal-comma locale writes semicolons, and then prices may carry a comma... in quotes
    parsed = parse_orders_csv(CSV.replace(",", delimiter).encode())
    assert [o.number for o in parsed.documents] == ["1001", "1002"]
    assert parsed.documents[0].lines[1].unit_price == Money(39500, "USD")


def test_empty_rows_at_the_end_are_not_orders() -> None:
    parsed = parse_orders_csv((CSV + ",,,,,,,,,,,,,,,\n\n").encode())
    assert len(parsed.documents) == 2


def test_a_nul_character_is_a_row_problem() -> None:
    data = CSV.replace("RING-9-BLK", "RING\x009").encode()
    assert refused(data) == ["row 4, sku 'RING\\x009': contains a NUL character"]


def test_over_long_fields_are_reported_with_the_api_limits() -> None:
    data = CSV.replace("Bo,Li", "B" * 201 + ",Li").replace("2,25.00", "2," + "2" * 70)
    problems = refused(data.encode())
    assert problems[0].startswith("row 2, unit_price '2222")
    assert "(70 characters)': is longer than 64 characters" in problems[0]
    assert problems[1].startswith("row 4, first_name 'BBBB")
    assert "(201 characters)': Expected `str` of length <= 200" in problems[1]


def test_a_field_larger_than_csv_allows_is_reported_not_raised() -> None:
    data = CSV.replace("Bo,Li", '"' + "B" * 200_000 + '",Li').encode()
    assert refused(data) == ["row 4: cannot be read as CSV: field larger than field limit (131072)"]


def test_rows_of_one_order_must_agree_on_the_order() -> None:
    lines = CSV.splitlines(keepends=True)
    lines[2] = (
        lines[2]
        .replace(",1001,", ",1001b,")
        .replace("2026-08-01T10:00:00Z", "2026-08-01T11:00:00Z")
        .replace("USD", "EUR")
        .replace("ana@", "ANNA@")
        .replace("Ana,Pop,ro,US", "Anna,Popa,en,RO")
    )
    problems = refused("".join(lines).encode())
    fields = [p.split(",")[1].split()[0] for p in problems]
    assert fields == [
        "number",
        "placed_at",
        "currency",
        "email",
        "first_name",
        "last_name",
        "language",
        "country",
    ]
    assert all(p.startswith("row 3,") and "differs from row 2" in p for p in problems)


def test_the_same_instant_and_email_in_other_spellings_agree() -> None:
    lines = CSV.splitlines(keepends=True)
    lines[2] = lines[2].replace("2026-08-01T10:00:00Z", "2026-08-01T12:00:00+02:00")
    lines[2] = lines[2].replace("ana@example.com", "Ana@Example.com")
    assert len(parse_orders_csv("".join(lines).encode()).documents) == 2


def test_every_bad_row_is_reported_at_once() -> None:
    data = (
        CSV.replace("2,25.00,false", "two,25.00,false")
        .replace("2026-08-02T10:00:00Z", "2026-08-02 10:00")
        .replace("395.00,yes", "395.001,maybe")
    )
    assert refused(data.encode()) == [
        "row 2, quantity 'two': is not a whole number",
        "row 3, final_sale 'maybe': must be one of true/false, yes/no, 1/0 or empty",
        "row 3, unit_price '395.001': is not an amount in USD (write it like 25.00)",
        "row 4, placed_at '2026-08-02 10:00': invalid RFC3339 encoded datetime "
        "(write it like 2026-08-01T10:00:00Z)",
    ]


def test_duplicate_lines_and_numbers_are_reported() -> None:
    data = CSV + "5003,1001,2026-08-02T10:00:00Z,USD,c@example.com,,,,,1,SKU-1,,1,1.00,,\n"
    data += "5003,1001,2026-08-02T10:00:00Z,USD,c@example.com,,,,,1,SKU-2,,1,1.00,,\n"
    assert refused(data.encode()) == [
        "row 5, number '1001': is also the number of order 5001 (row 2)",
        "row 6, number '1001': is also the number of order 5001 (row 2)",
        "row 6, shop_line_id '1': appears twice in order 5003 (row 5)",
    ]


def test_a_file_without_our_header_is_refused_as_a_whole() -> None:
    assert refused(b"number,email\n1,a@b.c\n")[0].startswith("row 1 'number,email': the first")
    assert refused(CSV.replace("shop_line_id,", "line,").encode()) == [
        "row 1: lacks the columns: shop_line_id"
    ]
    assert refused(b"\xff\xfes\x00h\x00o")[0].startswith("file: is not valid text")
