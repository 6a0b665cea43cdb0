"""The branded HTML part of an email, laid out from the same rendering as its text part
(`domain.emails.render_email`), so both say the same thing in the same words.

Mail clients drop `<style>` blocks and most modern CSS, so the page is a table layout and
its stylesheet is inlined into `style` attributes by css-inline (a maintained Rust inliner;
hand-written inline styles drift and a regex inliner breaks on real selectors)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import css_inline
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from returns_service.domain.emails import RenderedEmail

DEFAULT_COLOUR = "#1f2937"  # a neutral slate: readable with white text, fits any store
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True, slots=True)
class Brand:
    """How a store's emails look: its name, colour (#rrggbb) and logo (absolute URL or '')."""

    store_name: str
    colour: str = DEFAULT_COLOUR
    logo_url: str = ""


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on the brand colour (WCAG relative luminance)."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(background[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # contrast against white vs against black
    return "#ffffff" if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else "#000000"


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("returns_service", "emails/templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _paragraph(text: str, link: str) -> Markup:
    """A paragraph of catalogue text: escaped, line breaks kept, the case link clickable."""
    html = Markup("<br>").join(escape(line) for line in text.split("\n"))
    if link:
        anchor = Markup('<a href="{0}" dir="ltr">{0}</a>').format(link)
        html = Markup(html.replace(str(escape(link)), anchor))
    return html


def render_html(email: RenderedEmail, brand: Brand, rtl: bool) -> str:
    colour = brand.colour if COLOUR.fullmatch(brand.colour) else DEFAULT_COLOUR
    link = email.button[1] if email.button else ""
    page = (
        _environment()
        .get_template("email.html")
        .render(
            email=email,
            brand=brand,
            colour=colour,
            on_colour=text_colour(colour),
            direction="rtl" if rtl else "ltr",
            greeting=_paragraph(email.greeting, link) if email.greeting else "",
            paragraphs=[_paragraph(p, link) for p in email.paragraphs],
            signature=_paragraph(email.signature, link),
        )
    )
    return css_inline.inline(page)
