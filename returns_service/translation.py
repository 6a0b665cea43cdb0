"""The one message catalogue (pages, emails, timeline) and the translator that reads it.

The catalogues are the gettext files `locale/<lang>/LC_MESSAGES/messages.po`; message ids are
stable keys (`event.refund`), the English catalogue holds the source texts. They are compiled
in memory the first time a language is used (Babel's `read_po` + `write_mo`), so a fresh
checkout works with no build step and no compiled file can be older than its source.
A missing translation falls back to English, never to a key. Money and dates go through Babel.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency

from returns_service.domain.emails import Message
from returns_service.domain.money import Money, minor_unit_exponent

LANGUAGES = {"en": "English", "ro": "Română", "nb": "Norsk bokmål", "hu": "Magyar", "ar": "العربية"}
RTL = frozenset({"ar"})
LOCALES = {"en": "en_US", "ro": "ro_RO", "nb": "nb_NO", "hu": "hu_HU", "ar": "ar"}
DOMAIN = "messages"


def po_path(language: str) -> resources.abc.Traversable:
    return resources.files("returns_service") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_po(source: bytes, locale: str) -> bytes:
    """The .mo bytes `pybabel compile` would write for this .po (fuzzy entries left out)."""
    catalog = read_po(io.BytesIO(source), locale=locale, domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


@cache
def catalogue(language: str) -> gettext.GNUTranslations:
    """The compiled catalogue of one language, loaded once per process."""
    source = po_path(language).read_bytes()
    return gettext.GNUTranslations(io.BytesIO(compile_po(source, LOCALES[language])))


def supported(language: str) -> str:
    """The supported language for a tag ("ro-RO" -> "ro", "nn" -> "nb"), else English."""
    base = language.replace("_", "-").split("-")[0].lower()
    base = "nb" if base in ("no", "nn") else base
    return base if base in LANGUAGES else "en"


Value = str | int | Money | date | Message | Mapping[str, str]


class Translator:
    """Texts, money and dates for one reader's language."""

    def __init__(self, language: str) -> None:
        self.language = supported(language)
        self.locale = LOCALES[self.language]
        self.rtl = self.language in RTL
        self._own = catalogue(self.language)
        self._english = catalogue("en")

    def __call__(self, key: str, **values: Value) -> str:
        return self._fill(self._lookup(key), values, lambda: self._english.gettext(key))

    def plural(self, key: str, n: int, **values: Value) -> str:
        """The form of `key` for the count `n` (the .po holds `key` and `key.plural`)."""
        plural_key = f"{key}.plural"
        english = self._english.ngettext(key, plural_key, n)
        english = "" if english in (key, plural_key) else english
        text = self._own.ngettext(key, plural_key, n)
        text = english if text in (key, plural_key) else text  # not translated
        return self._fill(text, {"n": n, **values}, lambda: english)

    def _lookup(self, key: str) -> str:
        text = self._own.gettext(key)
        if text == key:
            text = self._english.gettext(key)
        # a key with no English text is a programming error; still never show it to anyone
        return "" if text == key else text

    def _fill(self, text: str, values: Mapping[str, Value], english: Callable[[], str]) -> str:
        if not values:
            return text
        shown = {name: self.show(value) for name, value in values.items()}
        try:
            return text.format(**shown)
        except (KeyError, IndexError, ValueError):
            # a translation naming a placeholder the code does not give: the English text
            # (a page must render whatever a translator typed)
            try:
                return english().format(**shown)
            except (KeyError, IndexError, ValueError):
                return text

    def show(self, value: Value) -> str:
        """A value as this reader reads it inside a sentence."""
        if isinstance(value, Money):
            return self.money(value)
        if isinstance(value, date):
            return self.date(value)
        if isinstance(value, Message):
            return self(value.key, **value.values)
        if isinstance(value, Mapping):
            return self.address(value)
        return str(value)

    def date(self, value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return format_datetime(value, format="medium", locale=self.locale)
        return format_date(value, format="long", locale=self.locale)

    def money(self, money: Money) -> str:
        """Minor units by the currency's ISO 4217 exponent (how the amount is stored), shown
        with the digits the locale writes for that currency: ¥4,500, KWD 12.345."""
        units = Decimal(money.amount).scaleb(-minor_unit_exponent(money.currency))
        return format_currency(units, money.currency, locale=self.locale)

    def country(self, code: str) -> str:
        """A country's name in the reader's language ("NO" -> "Norge" for nb)."""
        return str(Locale.parse(self.locale).territories.get(code, code))

    def address(self, fields: Mapping[str, str]) -> str:
        """A postal address on one line, the country named in the reader's language."""
        country = fields.get("country", "")
        place = (fields.get(k, "") for k in ("postal_code", "city", "region"))
        city = " ".join(filter(None, place))
        parts = [fields.get(k, "") for k in ("name", "line1", "line2")] + [city]
        parts.append(Locale.parse(self.locale).territories.get(country, country))
        return ", ".join(p for p in parts if p)
