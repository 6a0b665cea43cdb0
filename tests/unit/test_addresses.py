"""Addresses on labels are written the way the destination country's post reads them."""

from __future__ import annotations

from returns_service.adapters.carriers import Address


def test_a_us_address_has_its_state_after_the_city() -> None:
    address = Address("Ana Pop", "1 Main St", "Santa Ana", "92701", "US", region="CA")
    assert address.lines() == ["Ana Pop", "1 Main St", "SANTA ANA, CA 92701", "UNITED STATES"]


def test_a_canadian_address_keeps_its_province() -> None:
    address = Address("Kim Lee", "12 King St W", "Toronto", "M5H 1A1", "CA", region="ON")
    assert "TORONTO ON M5H 1A1" in address.lines()


def test_european_addresses_put_the_postcode_first() -> None:
    berlin = Address("Jan Roth", "Hauptstr. 5", "Berlin", "10115", "DE")
    oslo = Address("Kari Nordmann", "Storgata 1", "Oslo", "0155", "NO")
    assert berlin.lines()[2:] == ["10115 BERLIN", "GERMANY"]
    assert oslo.lines()[2:] == ["0155 OSLO", "NORWAY"]


def test_a_british_postcode_has_its_own_line() -> None:
    address = Address("Sam Hale", "10 Downing St", "London", "SW1A 2AA", "GB")
    assert address.lines()[2:] == ["LONDON", "SW1A 2AA", "UNITED KINGDOM"]


def test_a_second_street_line_is_kept_and_an_unknown_country_still_prints() -> None:
    address = Address("Ana", "1 Main St", "Cluj", "400000", "RO", line2="Ap. 4")
    assert address.lines()[1:3] == ["1 MAIN ST", "AP. 4"]
    unknown = Address("Ana", "1 Main St", "Somewhere", "123", "XX")
    assert unknown.lines() == ["Ana", "1 Main St", "123 Somewhere", "XX"]
